package app

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/spf13/cobra"

	"github.com/redflag-dev/redflag/internal/connect"
	"github.com/redflag-dev/redflag/internal/connect/msgraph"
	oktaconn "github.com/redflag-dev/redflag/internal/connect/okta"
	"github.com/redflag-dev/redflag/internal/ingest"
	"github.com/redflag-dev/redflag/internal/ingest/entra"
	"github.com/redflag-dev/redflag/internal/ingest/okta"
	"github.com/redflag-dev/redflag/internal/ingest/signin"
)

func init() { addCommand(newPullCmd) }

// pullSince reads connect.<name>.since: a duration back from now ("168h")
// or an RFC 3339 time; default 7 days.
func (a *App) pullSince(name string) (time.Time, error) {
	s := a.K.String("connect." + name + ".since")
	if s == "" {
		return time.Now().Add(-7 * 24 * time.Hour), nil
	}
	if d, err := time.ParseDuration(s); err == nil {
		return time.Now().Add(-d), nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("connect.%s.since: want a duration (168h) or an RFC 3339 time", name)
	}
	return t, nil
}

func newPullCmd(a *App) *cobra.Command {
	var analyze bool
	var maxPages int
	cmd := &cobra.Command{
		Use:   "pull okta|entra",
		Short: "Pull sign-in logs from Okta or Microsoft Graph, resuming from the stored cursor",
		Long: `Pull sign-in logs from the provider's API into the store.

okta:  GET /api/v1/logs. Config connect.okta.url (https://<org>.okta.com) and
       connect.okta.token (an API token; or REDFLAG_CONNECT__OKTA__TOKEN).
entra: GET /v1.0/auditLogs/signIns on Microsoft Graph with an app registration
       holding AuditLog.Read.All. Config connect.entra.tenant_id, client_id,
       client_secret (or REDFLAG_CONNECT__ENTRA__CLIENT_SECRET); optional
       graph_url and token_url.
Both: connect.<name>.since is where the first run starts (default 168h ago).
The cursor is kept in the store; a stopped pull resumes without gaps, and
re-reading a page stores nothing twice.`,
		Args:      cobra.ExactArgs(1),
		ValidArgs: []string{"okta", "entra"},
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			p, err := a.Pipeline(ctx)
			if err != nil {
				return err
			}
			res, err := LoadResolver(ctx, p.Store, a.Tenant())
			if err != nil {
				return fmt.Errorf("load resolver: %w", err)
			}
			total := ingest.Report{Source: args[0]}
			feed := func(ctx context.Context, body []byte, ref string, parse signin.ParseFunc, src string) error {
				before := p.NewEvents()
				rep, err := signin.Run(ctx, bytes.NewReader(body), signin.Options{File: ref, Source: src, Resolver: res, BatchSize: a.K.Int("ingest.batch_size")}, parse, p)
				rep.New = int(p.NewEvents() - before)
				total.Add(rep)
				return err
			}
			since, err := a.pullSince(args[0])
			if err != nil {
				return err
			}
			cur := connect.Cursor{St: p.Store, Tenant: a.Tenant()}
			start := time.Now()
			switch args[0] {
			case "okta":
				base, tok := a.K.String("connect.okta.url"), a.K.String("connect.okta.token")
				if base == "" || tok == "" {
					return fmt.Errorf("set connect.okta.url and connect.okta.token")
				}
				cur.Key = oktaconn.CursorKey
				c := &oktaconn.Client{BaseURL: base, Token: tok, Cursor: cur, Since: since, MaxPages: maxPages}
				st, err := c.Pull(ctx, func(ctx context.Context, pg oktaconn.Page) error {
					return feed(ctx, pg.Body, "okta-api", okta.Parse, okta.Source)
				})
				fmt.Fprintf(cmd.ErrOrStderr(), "okta: %d pages, %d events\n", st.Pages, st.Events)
				if err != nil {
					return err
				}
			case "entra":
				tenant := a.K.String("connect.entra.tenant_id")
				cc := &msgraph.ClientCredentials{TokenURL: a.K.String("connect.entra.token_url"), ClientID: a.K.String("connect.entra.client_id"), ClientSecret: a.K.String("connect.entra.client_secret"), HTTP: &http.Client{Timeout: 30 * time.Second}}
				if cc.TokenURL == "" {
					if tenant == "" {
						return fmt.Errorf("set connect.entra.tenant_id (or token_url)")
					}
					cc.TokenURL = "https://login.microsoftonline.com/" + tenant + "/oauth2/v2.0/token"
				}
				if cc.ClientID == "" || cc.ClientSecret == "" {
					return fmt.Errorf("set connect.entra.client_id and connect.entra.client_secret")
				}
				graph := a.K.String("connect.entra.graph_url")
				if graph == "" {
					graph = "https://graph.microsoft.com"
				}
				cur.Key = msgraph.CursorKey
				c := &msgraph.Client{GraphURL: graph, Token: cc.Token, Cursor: cur, Since: since, MaxPages: maxPages}
				st, err := c.Pull(ctx, func(ctx context.Context, pg msgraph.Page) error {
					return feed(ctx, pg.Body, "graph-api", entra.Parse, entra.Source)
				})
				fmt.Fprintf(cmd.ErrOrStderr(), "entra: %d pages, %d sign-ins since %s\n", st.Pages, st.Events, st.Since.Format(time.RFC3339))
				if err != nil {
					return err
				}
			default:
				return fmt.Errorf("unknown source %q: want okta or entra", args[0])
			}
			printReport(cmd.ErrOrStderr(), total, time.Since(start), false, cmd.OutOrStdout())
			if analyze {
				return a.Analyze(ctx, cmd.ErrOrStderr())
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&analyze, "analyze", true, "re-run detection, scoring and cases after pulling")
	cmd.Flags().IntVar(&maxPages, "max-pages", 0, "stop after this many pages (0: until caught up)")
	return cmd
}
