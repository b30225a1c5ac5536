package app

import (
	"context"
	"fmt"
	"os"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/redflag-dev/redflag/internal/detect"
	"github.com/redflag-dev/redflag/internal/detect/applicant"
	_ "github.com/redflag-dev/redflag/internal/detect/payroll" // payroll and payments detectors
	idn "github.com/redflag-dev/redflag/internal/identity"
	"github.com/redflag-dev/redflag/internal/model"
	"github.com/redflag-dev/redflag/internal/store"
)

func init() {
	addCommand(screenApplicantsCommand)
	addCommand(emailDomainsCommand)
}

// ScreenResult is the JSON document `redflag screen-applicants` prints.
type ScreenResult struct {
	GeneratedAt time.Time           `json:"generated_at"`
	Tenant      string              `json:"tenant"`
	Required    []string            `json:"required_steps"`
	Counts      map[string]int      `json:"counts"`
	Verdicts    []applicant.Verdict `json:"verdicts"`
}

// ScreenApplicants runs every detector over the stored data in memory (it
// stores nothing) and turns each applicant's findings into a verdict.
func ScreenApplicants(ctx context.Context, st store.Store, deps detect.Deps, tenant string, now time.Time, kinds map[model.SubjectKind]bool, only []string) (ScreenResult, error) {
	eng, err := detect.NewEngine(deps)
	if err != nil {
		return ScreenResult{}, err
	}
	var subjects []model.Subject
	if err := st.EachSubject(ctx, tenant, func(s model.Subject) error { subjects = append(subjects, s); return nil }); err != nil {
		return ScreenResult{}, fmt.Errorf("load subjects: %w", err)
	}
	env := detect.NewEnv(tenant, subjects, now)
	col := detect.NewCollector()
	if err := st.EachEvent(ctx, tenant, store.EventQuery{}, func(ev model.Event) error {
		eng.Observe(ctx, env, &ev, col.Emit)
		return ctx.Err()
	}); err != nil {
		return ScreenResult{}, fmt.Errorf("stream events: %w", err)
	}
	if err := eng.Finish(ctx, env, col.Emit); err != nil {
		return ScreenResult{}, err
	}
	byS := map[string][]model.Finding{}
	for _, f := range col.Findings() {
		byS[f.SubjectID] = append(byS[f.SubjectID], f)
	}
	var ad *applicant.Detector
	for _, d := range eng.Detectors() {
		if x, ok := d.(*applicant.Detector); ok {
			ad = x
		}
	}
	required := applicant.DefaultConfig().Required
	if ad != nil {
		required = ad.Required()
	}
	want := map[string]bool{}
	for _, o := range only {
		want[o] = true
	}
	res := ScreenResult{GeneratedAt: now, Tenant: tenant, Required: required, Counts: map[string]int{}, Verdicts: []applicant.Verdict{}}
	sort.Slice(subjects, func(i, j int) bool { return subjects[i].ID < subjects[j].ID })
	for i := range subjects {
		s := &subjects[i]
		if len(want) > 0 && !want[s.ID] || len(want) == 0 && !kinds[s.Kind] {
			continue
		}
		var steps map[string]applicant.StepResult
		if ad != nil {
			steps = ad.StepResults(s.ID)
		}
		v := applicant.Screen(s, byS[s.ID], steps, required)
		res.Counts[v.Decision]++
		res.Verdicts = append(res.Verdicts, v)
	}
	rank := map[string]int{applicant.Block: 0, applicant.Review: 1, applicant.Clear: 2}
	sort.SliceStable(res.Verdicts, func(i, j int) bool { return rank[res.Verdicts[i].Decision] < rank[res.Verdicts[j].Decision] })
	return res, nil
}

func screenApplicantsCommand(a *App) *cobra.Command {
	var format string
	var all bool
	cmd := &cobra.Command{
		Use:   "screen-applicants [PERSON_ID...]",
		Short: "Give each applicant a verdict of clear, review or block, with reasons",
		Long: `screen-applicants runs every detector over the stored records (without storing
findings; 'redflag analyze' stores them) and gives each applicant a verdict:

  block   a strong (three-star) reason: sanctions hit, reused phone, e-mail,
          resume, photo or device, re-application under a new identity,
          interview through a VPN or from another country, failed ID check
  review  any other reason, or a required verification step that has not
          passed yet (onboarding stays blocked until it does)
  clear   no reason and every required step passed

The required checklist is detectors.applicant.required in the configuration
(default: video_interview, id_document, liveness, background_check; the
other steps are in_person, e_verify and reference_check).`,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			st, err := a.Store(ctx)
			if err != nil {
				return err
			}
			svcs, err := a.Services(ctx)
			if err != nil {
				return err
			}
			kinds := map[model.SubjectKind]bool{model.KindApplicant: true}
			if all {
				kinds[model.KindEmployee], kinds[model.KindContractor] = true, true
			}
			res, err := ScreenApplicants(ctx, st, detect.Deps{Store: st, Config: DetectConfig{a.K}, Logger: a.Log, Services: svcs}, a.Tenant(), a.Now(), kinds, args)
			if err != nil {
				return err
			}
			if format == "json" {
				return idWriteJSON(cmd.OutOrStdout(), res)
			}
			w := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 2, 2, ' ', 0)
			fmt.Fprintln(w, "PERSON\tNAME\tVERDICT\tONBOARDING\tPENDING\tREASONS")
			for _, v := range res.Verdicts {
				var codes []string
				for _, r := range v.Reasons {
					codes = append(codes, r.Code)
				}
				fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\n", v.PersonID, v.Name, v.Decision, v.Onboarding, strings.Join(v.Pending, ","), strings.Join(dedupe(codes), " "))
			}
			if err := w.Flush(); err != nil {
				return err
			}
			fmt.Fprintf(cmd.ErrOrStderr(), "%d block, %d review, %d clear\n", res.Counts[applicant.Block], res.Counts[applicant.Review], res.Counts[applicant.Clear])
			return nil
		},
	}
	cmd.Flags().StringVar(&format, "format", "table", "output format: table or json")
	cmd.Flags().BoolVar(&all, "all", false, "screen employees and contractors too, not only applicants")
	return cmd
}

func dedupe(xs []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, x := range xs {
		if !seen[x] {
			seen[x] = true
			out = append(out, x)
		}
	}
	return out
}

func emailDomainsCommand(a *App) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "emaildomains",
		Short: "Maintain the list of disposable e-mail domains used in applicant screening",
	}
	var from string
	var replace bool
	update := &cobra.Command{
		Use:   "update --from FILE",
		Short: "Load disposable e-mail domains from a file (npm disposable-email-domains index.json, or one domain per line)",
		Long: `update loads a list of disposable e-mail domains into the store, where the
applicant detector reads it (merged with the small list built into redflag).
FILE is a JSON array of domains, as in index.json or wildcard.json of the npm
package disposable-email-domains (fetch it with 'npm pack disposable-email-domains'),
or a text file with one domain per line. Without --replace the new domains are
added to the stored ones.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if from == "" {
				return fmt.Errorf("--from FILE is required")
			}
			b, err := os.ReadFile(from)
			if err != nil {
				return fmt.Errorf("read %s: %w", from, err)
			}
			set, err := idn.ParseDomainData(b)
			if err != nil {
				return fmt.Errorf("%s: %w", from, err)
			}
			ctx := cmd.Context()
			st, err := a.Store(ctx)
			if err != nil {
				return err
			}
			if !replace {
				if old, ok, err := st.GetMeta(ctx, a.Tenant(), applicant.MetaDisposable); err != nil {
					return err
				} else if ok {
					prev, err := idn.ParseDomainList(strings.NewReader(string(old)))
					if err != nil {
						return err
					}
					set.Merge(prev)
				}
			}
			if err := st.PutMeta(ctx, a.Tenant(), applicant.MetaDisposable, set.Bytes()); err != nil {
				return fmt.Errorf("store domain list: %w", err)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "stored %d disposable e-mail domains\n", set.Len())
			return nil
		},
	}
	update.Flags().StringVar(&from, "from", "", "file to load")
	update.Flags().BoolVar(&replace, "replace", false, "replace the stored list instead of adding to it")
	check := &cobra.Command{
		Use:   "check DOMAIN_OR_EMAIL...",
		Short: "Say whether domains or e-mail addresses are on the disposable list",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			st, err := a.Store(ctx)
			if err != nil {
				return err
			}
			set, err := applicant.Disposable(ctx, st, a.Tenant())
			if err != nil {
				return err
			}
			for _, x := range args {
				d := idn.DomainOf(x)
				if d == "" {
					d = x
				}
				if e, ok := set.Contains(d); ok {
					fmt.Fprintf(cmd.OutOrStdout(), "%s\tdisposable (%s)\n", x, e)
				} else {
					fmt.Fprintf(cmd.OutOrStdout(), "%s\tnot listed\n", x)
				}
			}
			return nil
		},
	}
	cmd.AddCommand(update, check)
	return cmd
}
