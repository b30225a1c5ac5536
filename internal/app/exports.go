package app

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/redflag-dev/redflag/internal/export"
	"github.com/redflag-dev/redflag/internal/model"
	"github.com/redflag-dev/redflag/internal/risk"
	"github.com/redflag-dev/redflag/internal/store"
	"github.com/redflag-dev/redflag/internal/web/webfixture"
)

// This file belongs to the web subsystem (issue 7): feedback report, exports
// and the web benchmark fixture.

func outFile(path string, w io.Writer) (io.Writer, func() error, error) {
	if path == "" || path == "-" {
		return w, func() error { return nil }, nil
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, nil, fmt.Errorf("create %s: %w", path, err)
	}
	return f, f.Close, nil
}

func init() {
	addCommand(func(a *App) *cobra.Command {
		fb := &cobra.Command{Use: "feedback", Short: "Analyst feedback on reasons (true/false positives)"}
		var asJSON bool
		rep := &cobra.Command{
			Use:   "report",
			Short: "Report analyst verdicts per reason code, with smoothed precision and a suggested weight",
			Args:  cobra.NoArgs,
			RunE: func(cmd *cobra.Command, args []string) error {
				p, err := a.Pipeline(cmd.Context())
				if err != nil {
					return err
				}
				all, err := risk.ListFeedback(cmd.Context(), p.Store, a.Tenant(), "")
				if err != nil {
					return err
				}
				rows := risk.FeedbackReport(all, risk.New(p.Risk, p.Engine.Reasons()))
				if asJSON {
					enc := json.NewEncoder(cmd.OutOrStdout())
					enc.SetIndent("", "  ")
					return enc.Encode(map[string]any{"weights_version": p.Risk.Version, "codes": rows})
				}
				tw := tabwriter.NewWriter(cmd.OutOrStdout(), 2, 4, 2, ' ', 0)
				fmt.Fprintf(tw, "weights %s, %d verdicts\n", p.Risk.Version, len(all))
				fmt.Fprintln(tw, "CODE\tTP\tFP\tSUBJECTS\tPRECISION\tWEIGHT\tSOURCE\tSUGGESTED")
				for _, r := range rows {
					fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%.2f\t%.2f\t%s\t%.2f\n", r.Code, r.TP, r.FP, r.Subjects, r.Precision, r.Weight, r.Source, r.Suggested)
				}
				return tw.Flush()
			},
		}
		rep.Flags().BoolVar(&asJSON, "json", false, "print JSON")
		fb.AddCommand(rep)
		return fb
	})

	addCommand(func(a *App) *cobra.Command {
		ex := &cobra.Command{Use: "export", Short: "Export risks, cases, findings and audit as JSON Lines, CEF, or a case report"}
		var out string
		jsonl := &cobra.Command{
			Use:       "jsonl subjects|risks|findings|cases|audit",
			Short:     "Write one JSON document per line",
			Args:      cobra.ExactArgs(1),
			ValidArgs: []string{"subjects", "risks", "findings", "cases", "audit"},
			RunE: func(cmd *cobra.Command, args []string) error {
				ctx := cmd.Context()
				st, err := a.Store(ctx)
				if err != nil {
					return err
				}
				w, done, err := outFile(out, cmd.OutOrStdout())
				if err != nil {
					return err
				}
				t := a.Tenant()
				var n int
				switch args[0] {
				case "subjects":
					n, err = export.JSONL(w, func(fn func(model.Subject) error) error { return st.EachSubject(ctx, t, fn) })
				case "findings":
					n, err = export.JSONL(w, func(fn func(model.Finding) error) error { return st.EachFinding(ctx, t, fn) })
				case "risks":
					n, err = export.JSONL(w, func(fn func(model.Risk) error) error {
						rs, err := st.ListRisks(ctx, t, 0)
						for _, r := range rs {
							if err := fn(r); err != nil {
								return err
							}
						}
						return err
					})
				case "cases":
					n, err = export.JSONL(w, func(fn func(model.Case) error) error {
						cs, err := st.ListCases(ctx, t, store.CaseFilter{})
						for _, c := range cs {
							if err := fn(c); err != nil {
								return err
							}
						}
						return err
					})
				case "audit":
					n, err = export.JSONL(w, func(fn func(model.AuditEntry) error) error {
						es, err := st.Audit(ctx, t, "", 0)
						for i := len(es) - 1; i >= 0; i-- {
							if err := fn(es[i]); err != nil {
								return err
							}
						}
						return err
					})
				default:
					return fmt.Errorf("unknown export %q: want subjects, risks, findings, cases or audit", args[0])
				}
				if err != nil {
					return fmt.Errorf("export %s: %w", args[0], err)
				}
				fmt.Fprintf(cmd.ErrOrStderr(), "%d %s\n", n, args[0])
				return done()
			},
		}
		jsonl.Flags().StringVarP(&out, "output", "o", "", "output file (default stdout)")
		var syslogURL string
		cef := &cobra.Command{
			Use:   "cef",
			Short: "Send (or print) every case change not yet sent as CEF, over syslog when --syslog is given",
			Args:  cobra.NoArgs,
			RunE: func(cmd *cobra.Command, args []string) error {
				ctx := cmd.Context()
				st, err := a.Store(ctx)
				if err != nil {
					return err
				}
				send := func(ctx context.Context, p export.Payload) error {
					_, err := fmt.Fprintln(cmd.OutOrStdout(), export.CEF(p, Version))
					return err
				}
				name := "cef-stdout"
				if syslogURL != "" {
					sl, err := export.ParseSyslogURL(syslogURL)
					if err != nil {
						return err
					}
					defer sl.Close()
					send = func(ctx context.Context, p export.Payload) error { return sl.Send(ctx, export.CEF(p, Version), p.At) }
					name = "syslog"
				}
				f := &export.Follower{Store: st, Tenant: a.Tenant(), Name: name, Send: send}
				n, err := f.Poll(ctx)
				fmt.Fprintf(cmd.ErrOrStderr(), "%d case events sent\n", n)
				return err
			},
		}
		cef.Flags().StringVar(&syslogURL, "syslog", "", "udp://host:514 or tcp://host:6514 (default: print to stdout)")
		var masked bool
		report := &cobra.Command{
			Use:   "report CASE-ID",
			Short: "Write a printable HTML case report with the evidence and the decision trail",
			Args:  cobra.ExactArgs(1),
			RunE: func(cmd *cobra.Command, args []string) error {
				st, err := a.Store(cmd.Context())
				if err != nil {
					return err
				}
				w, done, err := outFile(out, cmd.OutOrStdout())
				if err != nil {
					return err
				}
				if err := export.CaseReport(cmd.Context(), st, a.Tenant(), args[0], masked, w); err != nil {
					return err
				}
				return done()
			},
		}
		report.Flags().StringVarP(&out, "output", "o", "", "output file (default stdout)")
		report.Flags().BoolVar(&masked, "masked", false, "mask personal data as for a viewer")
		ex.AddCommand(jsonl, cef, report)
		return ex
	})

	addCommand(func(a *App) *cobra.Command {
		var n, per int
		cmd := &cobra.Command{
			Use:    "webfixture",
			Short:  "Fill the store with a synthetic organisation for web benchmarks (development)",
			Hidden: true,
			Args:   cobra.NoArgs,
			RunE: func(cmd *cobra.Command, args []string) error {
				st, err := a.Store(cmd.Context())
				if err != nil {
					return err
				}
				start := time.Now()
				fx, err := webfixture.Build(cmd.Context(), st, n, per, time.Now().UTC())
				if err != nil {
					return err
				}
				fmt.Fprintf(cmd.OutOrStdout(), "%d subjects, %d events, %d suspicious in %s\n", fx.Subjects, fx.Events, len(fx.Suspicious), time.Since(start).Round(time.Millisecond))
				return nil
			},
		}
		cmd.Flags().IntVar(&n, "subjects", 1000, "subjects")
		cmd.Flags().IntVar(&per, "events", 10, "sign-ins per subject")
		return cmd
	})
}
