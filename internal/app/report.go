package app

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/redflag-dev/redflag/internal/model"
	"github.com/redflag-dev/redflag/internal/store"
)

// ReportVersion is the version of the `redflag report --format json`
// contract. Fields may be added; none is removed or changes meaning without
// a new version.
const ReportVersion = "1"

// Report is the JSON document `redflag report` prints.
type Report struct {
	Version     string          `json:"version"`
	GeneratedAt time.Time       `json:"generated_at"`
	Tenant      string          `json:"tenant"`
	Subjects    []ReportSubject `json:"subjects"`
}

// ReportSubject is one subject's line in the report.
type ReportSubject struct {
	PersonID  string                   `json:"person_id"`
	Kind      model.SubjectKind        `json:"kind,omitempty"`
	Score     float64                  `json:"score"`
	Level     model.Level              `json:"level"`
	PrevLevel model.Level              `json:"previous_level,omitempty"`
	Reasons   []ReportReason           `json:"reasons"`
	Families  map[model.Family]float64 `json:"families,omitempty"`
	Warnings  []model.Warning          `json:"warnings,omitempty"`
}

// ReportReason is one explained contribution.
type ReportReason struct {
	Code         string              `json:"code"`
	Title        string              `json:"title"`
	Family       model.Family        `json:"family"`
	Contribution float64             `json:"contribution"`
	Findings     []string            `json:"finding_ids"`
	Evidence     []model.EvidenceRef `json:"evidence"`
}

// BuildReport reads the stored risks, highest score first.
func BuildReport(ctx context.Context, st store.Store, tenant string, minScore float64, now time.Time) (Report, error) {
	risks, err := st.ListRisks(ctx, tenant, 0)
	if err != nil {
		return Report{}, err
	}
	kinds := map[string]model.SubjectKind{}
	if err := st.EachSubject(ctx, tenant, func(s model.Subject) error { kinds[s.ID] = s.Kind; return nil }); err != nil {
		return Report{}, err
	}
	rep := Report{Version: ReportVersion, GeneratedAt: now, Tenant: tenant, Subjects: []ReportSubject{}}
	for _, r := range risks {
		if r.Score < minScore {
			continue
		}
		rs := ReportSubject{PersonID: r.SubjectID, Kind: kinds[r.SubjectID], Score: r.Score, Level: r.Level, PrevLevel: r.PrevLevel,
			Families: r.Families, Warnings: r.Warnings, Reasons: []ReportReason{}}
		for _, re := range r.Reasons {
			ev := re.Evidence
			if ev == nil {
				ev = []model.EvidenceRef{}
			}
			rs.Reasons = append(rs.Reasons, ReportReason{Code: re.Code, Title: re.Title, Family: re.Family, Contribution: re.Contribution, Findings: re.FindingIDs, Evidence: ev})
		}
		rep.Subjects = append(rep.Subjects, rs)
	}
	return rep, nil
}

// WriteTable prints the report for people.
func WriteTable(w io.Writer, rep Report, limit int) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "PERSON\tKIND\tSCORE\tLEVEL\tTOP REASONS")
	for i, s := range rep.Subjects {
		if limit > 0 && i >= limit {
			fmt.Fprintf(tw, "... %d more\t\t\t\t\n", len(rep.Subjects)-limit)
			break
		}
		var rs []string
		for j, r := range s.Reasons {
			if j == 3 {
				rs = append(rs, fmt.Sprintf("+%d more", len(s.Reasons)-3))
				break
			}
			rs = append(rs, fmt.Sprintf("%s (%+.1f)", r.Code, r.Contribution))
		}
		fmt.Fprintf(tw, "%s\t%s\t%.1f\t%s\t%s\n", s.PersonID, s.Kind, s.Score, s.Level, strings.Join(rs, ", "))
	}
	tw.Flush()
}

func init() {
	addCommand(func(a *App) *cobra.Command {
		var format string
		var minScore float64
		var limit int
		cmd := &cobra.Command{
			Use:   "report",
			Short: "Print every subject's score, level and reasons, highest score first",
			Long: `Print every subject's score (0-100), level (low, medium, high, critical) and
reasons, highest score first. --format json prints a stable, versioned document
for other tools: {version, generated_at, tenant, subjects: [{person_id, kind,
score, level, previous_level, reasons: [{code, title, family, contribution,
finding_ids, evidence: [{kind, id, note}]}]}]}.`,
			Args: cobra.NoArgs,
			RunE: func(cmd *cobra.Command, args []string) error {
				st, err := a.Store(cmd.Context())
				if err != nil {
					return err
				}
				rep, err := BuildReport(cmd.Context(), st, a.Tenant(), minScore, a.Now())
				if err != nil {
					return err
				}
				switch format {
				case "json":
					enc := json.NewEncoder(cmd.OutOrStdout())
					enc.SetIndent("", "  ")
					return enc.Encode(rep)
				case "table":
					WriteTable(cmd.OutOrStdout(), rep, limit)
					return nil
				}
				return fmt.Errorf("--format %q: want json or table", format)
			},
		}
		cmd.Flags().StringVar(&format, "format", "table", "json or table")
		cmd.Flags().Float64Var(&minScore, "min-score", 0, "only subjects at or above this score")
		cmd.Flags().IntVar(&limit, "limit", 0, "table only: at most this many rows (0 = all)")
		return cmd
	})
}
