package export

import (
	"context"
	_ "embed"
	"fmt"
	"html/template"
	"io"
	"strings"
	"time"

	"github.com/redflag-dev/redflag/internal/auth"
	"github.com/redflag-dev/redflag/internal/cases"
	"github.com/redflag-dev/redflag/internal/model"
	"github.com/redflag-dev/redflag/internal/store"
)

//go:embed report.html
var reportHTML string

var reportTmpl = template.Must(template.New("report").Funcs(template.FuncMap{
	"ts": func(t time.Time) string {
		if t.IsZero() {
			return "—"
		}
		return t.UTC().Format("2006-01-02 15:04 UTC")
	},
	"tsp": func(t *time.Time) string {
		if t == nil {
			return "—"
		}
		return t.UTC().Format("2006-01-02 15:04 UTC")
	},
	"state":   func(s model.CaseState) string { return cases.StateLabel(s) },
	"num":     func(f float64) string { return fmt.Sprintf("%.1f", f) },
	"contrib": func(f float64) string { return fmt.Sprintf("%+.2f", f) },
	"join":    strings.Join,
}).Parse(reportHTML))

type reportSubject struct {
	Subject  model.Subject
	Risk     model.Risk
	HasRisk  bool
	Findings []model.Finding
	Events   map[string]model.Event
}

type reportData struct {
	Case      model.Case
	Subjects  []reportSubject
	Notes     []model.CaseNote
	Trail     []model.AuditEntry
	Generated time.Time
	Masked    bool
}

// CaseReport writes a printable, self-contained HTML report of a case: the
// subjects, their scored reasons with every piece of cited evidence, the
// notes and attachments, and the decision trail from the audit log. With
// masked set, personal data is masked as for a viewer.
func CaseReport(ctx context.Context, st store.Store, tenant, caseID string, masked bool, w io.Writer) error {
	tenant = store.TenantOr(tenant)
	c, err := st.GetCase(ctx, tenant, caseID)
	if err != nil {
		return fmt.Errorf("case report: %w", err)
	}
	d := reportData{Case: c, Generated: time.Now().UTC(), Masked: masked}
	for _, sid := range c.SubjectIDs {
		rs := reportSubject{Events: map[string]model.Event{}}
		sub, err := st.GetSubject(ctx, tenant, sid)
		if err != nil {
			sub = model.Subject{ID: sid}
		}
		if masked {
			sub.Email, sub.Phone, sub.DateOfBirth = auth.MaskEmail(sub.Email), auth.MaskPhone(sub.Phone), auth.MaskDOB(sub.DateOfBirth)
			sub.Address.Line, sub.Address.PostalCode = auth.MaskLine(sub.Address.Line), auth.MaskLine(sub.Address.PostalCode)
		}
		rs.Subject = sub
		if r, err := st.GetRisk(ctx, tenant, sid); err == nil {
			rs.Risk, rs.HasRisk = r, true
		}
		if rs.Findings, err = st.FindingsOf(ctx, tenant, sid); err != nil {
			return fmt.Errorf("case report: findings of %s: %w", sid, err)
		}
		for _, f := range rs.Findings {
			for _, e := range f.Evidence {
				if e.Kind != model.EvEvent {
					continue
				}
				if _, ok := rs.Events[e.ID]; ok {
					continue
				}
				if ev, err := st.GetEvent(ctx, tenant, e.ID); err == nil {
					if masked {
						ev.Raw = nil
					}
					rs.Events[e.ID] = ev
				}
			}
		}
		d.Subjects = append(d.Subjects, rs)
	}
	if d.Notes, err = st.CaseNotes(ctx, tenant, c.ID); err != nil {
		return fmt.Errorf("case report: notes: %w", err)
	}
	trail, err := st.Audit(ctx, tenant, "case:"+c.ID, 0)
	if err != nil {
		return fmt.Errorf("case report: audit: %w", err)
	}
	for i := len(trail) - 1; i >= 0; i-- { // oldest first
		d.Trail = append(d.Trail, trail[i])
	}
	if err := reportTmpl.Execute(w, d); err != nil {
		return fmt.Errorf("case report: render: %w", err)
	}
	return nil
}
