package cases

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/redflag-dev/redflag/internal/model"
	"github.com/redflag-dev/redflag/internal/store"
	"github.com/redflag-dev/redflag/internal/store/sqlstore"
)

var t0 = time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC)

func open(t *testing.T) store.Store {
	t.Helper()
	st, err := sqlstore.OpenSQLite(context.Background(), filepath.Join(t.TempDir(), "c.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if err := st.UpsertSubjects(context.Background(), []model.Subject{{ID: "s1", Kind: model.KindEmployee, FullName: "A"}, {ID: "s2", Kind: model.KindEmployee, FullName: "B"}}); err != nil {
		t.Fatal(err)
	}
	return st
}

func rsk(subj string, score float64, lvl model.Level, fids ...string) model.Risk {
	return model.Risk{SubjectID: subj, Score: score, Level: lvl, Reasons: []model.Reason{{Code: "X", Title: "Thing", FindingIDs: fids}}}
}

func TestSyncOpensAtLevelAndClearedSuppresses(t *testing.T) {
	ctx := context.Background()
	st := open(t)
	pol := Policy{OpenAt: model.LevelHigh}
	stats, err := Sync(ctx, st, "", []model.Risk{rsk("s1", 70, model.LevelHigh, "f1"), rsk("s2", 40, model.LevelMedium, "f9")}, pol, t0)
	if err != nil || stats.Opened != 1 {
		t.Fatalf("stats %+v err %v", stats, err)
	}
	cs, _ := st.ListCases(ctx, "default", store.CaseFilter{})
	if len(cs) != 1 || cs[0].SubjectIDs[0] != "s1" {
		t.Fatalf("cases %+v", cs)
	}
	svc := &Service{Store: st, Now: func() time.Time { return t0.Add(time.Hour) }}
	if _, err := svc.Transition(ctx, "", "ann", cs[0].ID, model.CaseCleared, "", "looked fine"); !errors.Is(err, ErrInvalid) {
		t.Fatalf("closing without a decision: %v", err)
	}
	if _, err := svc.Transition(ctx, "", "ann", cs[0].ID, model.CaseCleared, "cleared", "VPN is the corporate one"); err != nil {
		t.Fatal(err)
	}
	// Same evidence again: stays cleared, no new case.
	stats, err = Sync(ctx, st, "", []model.Risk{rsk("s1", 70, model.LevelHigh, "f1")}, pol, t0.Add(2*time.Hour))
	if err != nil || stats != (SyncStats{}) {
		t.Fatalf("same evidence: %+v %v", stats, err)
	}
	c, _ := st.GetCase(ctx, "default", cs[0].ID)
	if c.State != model.CaseCleared {
		t.Fatalf("state %s", c.State)
	}
	// New evidence reopens.
	stats, err = Sync(ctx, st, "", []model.Risk{rsk("s1", 80, model.LevelHigh, "f1", "f2")}, pol, t0.Add(3*time.Hour))
	if err != nil || stats.Reopened != 1 {
		t.Fatalf("new evidence: %+v %v", stats, err)
	}
	c, _ = st.GetCase(ctx, "default", cs[0].ID)
	if c.State != model.CaseOpen || c.Decision != "" || c.Score != 80 {
		t.Fatalf("reopened case %+v", c)
	}
	audit, _ := st.Audit(ctx, "default", "case:"+c.ID, 0)
	var actions []string
	for _, a := range audit {
		actions = append(actions, a.Actor+":"+a.Action)
	}
	if got := strings.Join(actions, " "); got != "system:case.reopen ann:case.close system:case.open" {
		t.Fatalf("audit trail %q", got)
	}
	if audit[1].Before != "state=open" || !strings.Contains(audit[1].After, "reason=VPN is the corporate one") {
		t.Fatalf("close entry before/after: %+v", audit[1])
	}
}

func TestWorkflowByHand(t *testing.T) {
	ctx := context.Background()
	st := open(t)
	svc := &Service{Store: st, Now: func() time.Time { return t0 }}
	if _, err := svc.Open(ctx, "", "ann", OpenRequest{}); !errors.Is(err, ErrInvalid) {
		t.Fatalf("no subjects: %v", err)
	}
	if _, err := svc.Open(ctx, "", "ann", OpenRequest{SubjectIDs: []string{"nobody"}}); !errors.Is(err, ErrInvalid) {
		t.Fatalf("unknown subject: %v", err)
	}
	c, err := svc.Open(ctx, "", "ann", OpenRequest{Title: "Shared bank account", SubjectIDs: []string{"s1"}, Note: "from payroll review"})
	if err != nil {
		t.Fatal(err)
	}
	if c, err = svc.Link(ctx, "", "ann", c.ID, "s2"); err != nil || len(c.SubjectIDs) != 2 {
		t.Fatalf("link %v %+v", err, c)
	}
	if c, err = svc.Assign(ctx, "", "ann", c.ID, "bob"); err != nil || c.Assignee != "bob" {
		t.Fatal(err)
	}
	if _, err = svc.Transition(ctx, "", "bob", c.ID, model.CaseState("bogus"), "", ""); !errors.Is(err, ErrInvalid) {
		t.Fatalf("bogus state: %v", err)
	}
	for _, to := range []model.CaseState{model.CaseTriage, model.CaseEscalatedHR, model.CaseEscalatedLegal} {
		if c, err = svc.Transition(ctx, "", "bob", c.ID, to, "", ""); err != nil {
			t.Fatal(err)
		}
	}
	if _, err = svc.AddNote(ctx, "", "bob", c.ID, "", "s3://evidence/c1/report.pdf"); err != nil {
		t.Fatal(err)
	}
	if c, err = svc.Transition(ctx, "", "bob", c.ID, model.CaseConfirmed, "confirmed", "IP-KVM found on the laptop"); err != nil {
		t.Fatal(err)
	}
	if c.ClosedAt == nil || c.Decision != "confirmed" {
		t.Fatalf("closed %+v", c)
	}
	if _, err = svc.Transition(ctx, "", "bob", c.ID, model.CaseTriage, "", "mistake"); !errors.Is(err, ErrTransition) {
		t.Fatalf("closed → triage: %v", err)
	}
	if _, err = svc.Transition(ctx, "", "bob", c.ID, model.CaseOpen, "", ""); !errors.Is(err, ErrInvalid) {
		t.Fatalf("reopen without reason: %v", err)
	}
	notes, _ := st.CaseNotes(ctx, "default", c.ID)
	if len(notes) != 2 || notes[1].Reference == "" {
		t.Fatalf("notes %+v", notes)
	}
	audit, _ := st.Audit(ctx, "default", "case:"+c.ID, 0)
	if len(audit) != 9 {
		t.Fatalf("want 9 audit entries (open, note, link, assign, 3 states, attach, close), got %d", len(audit))
	}
	if audit[0].Action != "case.close" || audit[0].Actor != "bob" || audit[0].Before != "state=escalated_legal assignee=bob" {
		t.Fatalf("last entry %+v", audit[0])
	}
}
