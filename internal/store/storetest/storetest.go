// Package storetest is the behavioural test suite every store.Store backend
// must pass. Backends call Run from their own tests.
package storetest

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/redflag-dev/redflag/internal/model"
	"github.com/redflag-dev/redflag/internal/store"
)

// Run runs the suite. open must return an empty store for each call.
func Run(t *testing.T, open func(t *testing.T) store.Store) {
	t.Run("Subjects", func(t *testing.T) { testSubjects(t, open(t)) })
	t.Run("Identifiers", func(t *testing.T) { testIdentifiers(t, open(t)) })
	t.Run("EventsIdempotent", func(t *testing.T) { testEvents(t, open(t)) })
	t.Run("Findings", func(t *testing.T) { testFindings(t, open(t)) })
	t.Run("RisksOrdered", func(t *testing.T) { testRisks(t, open(t)) })
	t.Run("CasesAndAudit", func(t *testing.T) { testCases(t, open(t)) })
	t.Run("Meta", func(t *testing.T) { testMeta(t, open(t)) })
	t.Run("TenantIsolation", func(t *testing.T) { testTenants(t, open(t)) })
	t.Run("TenantIsolationEveryRead", func(t *testing.T) { testTenantsEveryRead(t, open(t)) })
	t.Run("BulkEvents", func(t *testing.T) { testBulkEvents(t, open(t)) })
	t.Run("Batch", func(t *testing.T) {
		s := open(t)
		if _, ok := s.(store.Batcher); !ok {
			t.Skipf("%s does not implement store.Batcher", s.Backend())
		}
		testBatch(t, s)
	})
}

var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func testSubjects(t *testing.T, s store.Store) {
	ctx := context.Background()
	subs := []model.Subject{
		{ID: "p2", Kind: model.KindEmployee, FullName: "Bo", Address: model.Address{City: "Austin", Country: "US"}},
		{ID: "p1", Kind: model.KindApplicant, FullName: "Al", IdPLogins: []string{"al@x.test"}},
	}
	must(t, s.UpsertSubjects(ctx, subs))
	got, err := s.GetSubject(ctx, "", "p2")
	must(t, err)
	if got.FullName != "Bo" || got.Address.City != "Austin" || got.Tenant != model.DefaultTenant {
		t.Fatalf("GetSubject = %+v", got)
	}
	subs[0].FullName = "Bob"
	must(t, s.UpsertSubjects(ctx, subs[:1]))
	got, _ = s.GetSubject(ctx, "", "p2")
	if got.FullName != "Bob" {
		t.Fatalf("upsert did not replace: %q", got.FullName)
	}
	var ids []string
	must(t, s.EachSubject(ctx, "", func(sub model.Subject) error { ids = append(ids, sub.ID); return nil }))
	if fmt.Sprint(ids) != "[p1 p2]" {
		t.Fatalf("EachSubject order = %v", ids)
	}
	if n, _ := s.CountSubjects(ctx, ""); n != 2 {
		t.Fatalf("CountSubjects = %d", n)
	}
	if _, err := s.GetSubject(ctx, "", "nope"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("missing subject error = %v", err)
	}
}

func testIdentifiers(t *testing.T, s store.Store) {
	ctx := context.Background()
	must(t, s.PutIdentifiers(ctx, []model.Identifier{
		{Kind: model.IDPhone, Value: "+15550001", SubjectID: "a", Source: "hr", FirstSeen: t0},
		{Kind: model.IDPhone, Value: "+15550001", SubjectID: "b", Source: "hr", FirstSeen: t0.Add(time.Hour)},
	}))
	// A later sighting widens the window, an earlier one moves first_seen back.
	must(t, s.PutIdentifiers(ctx, []model.Identifier{
		{Kind: model.IDPhone, Value: "+15550001", SubjectID: "a", Source: "hr", FirstSeen: t0.Add(-time.Hour), LastSeen: t0.Add(5 * time.Hour)},
	}))
	subs, err := s.SubjectsByIdentifier(ctx, "", model.IDPhone, "+15550001")
	must(t, err)
	if fmt.Sprint(subs) != "[a b]" {
		t.Fatalf("SubjectsByIdentifier = %v", subs)
	}
	ids, err := s.IdentifiersOf(ctx, "", "a")
	must(t, err)
	if len(ids) != 1 || !ids[0].FirstSeen.Equal(t0.Add(-time.Hour)) || !ids[0].LastSeen.Equal(t0.Add(5*time.Hour)) {
		t.Fatalf("IdentifiersOf = %+v", ids)
	}
	n := 0
	must(t, s.EachIdentifier(ctx, "", func(model.Identifier) error { n++; return nil }))
	if n != 2 {
		t.Fatalf("EachIdentifier saw %d", n)
	}
}

func testEvents(t *testing.T, s store.Store) {
	ctx := context.Background()
	evs := []model.Event{
		{ID: "e2", Kind: model.EvSignIn, Time: t0.Add(time.Minute), SubjectID: "a", Source: "okta", SignIn: &model.SignIn{Login: "a@x", IP: "1.2.3.4"}},
		{ID: "e1", Kind: model.EvPayroll, Time: t0, SubjectID: "a", Source: "records", Payroll: &model.Payroll{Event: "payment", Amount: 10}},
		{ID: "e3", Kind: model.EvSignIn, Time: t0.Add(2 * time.Minute), SubjectID: "b", Source: "okta", SignIn: &model.SignIn{Login: "b@x"}},
	}
	n, err := s.PutEvents(ctx, evs)
	must(t, err)
	if n != 3 {
		t.Fatalf("first PutEvents inserted %d", n)
	}
	n, err = s.PutEvents(ctx, evs)
	must(t, err)
	if n != 0 {
		t.Fatalf("re-ingest inserted %d, want 0", n)
	}
	if c, _ := s.CountEvents(ctx, ""); c != 3 {
		t.Fatalf("CountEvents = %d", c)
	}
	var order []string
	must(t, s.EachEvent(ctx, "", store.EventQuery{}, func(e model.Event) error { order = append(order, e.ID); return nil }))
	if fmt.Sprint(order) != "[e1 e2 e3]" {
		t.Fatalf("time order = %v", order)
	}
	order = nil
	must(t, s.EachEvent(ctx, "", store.EventQuery{Kind: model.EvSignIn, SubjectID: "a"}, func(e model.Event) error { order = append(order, e.ID); return nil }))
	if fmt.Sprint(order) != "[e2]" {
		t.Fatalf("filtered = %v", order)
	}
	got, err := s.GetEvent(ctx, "", "e2")
	must(t, err)
	if got.SignIn == nil || got.SignIn.IP != "1.2.3.4" || !got.Time.Equal(t0.Add(time.Minute)) {
		t.Fatalf("GetEvent = %+v", got)
	}
}

func testFindings(t *testing.T, s store.Store) {
	ctx := context.Background()
	def := model.ReasonDef{Code: "X_ONE", Title: "one", Family: model.FamNetwork, Strength: model.Strong}
	f1 := model.NewFinding("d1", def, "a", "k1", t0)
	f2 := model.NewFinding("d2", def, "a", "k2", t0)
	must(t, s.ReplaceFindings(ctx, "", nil, []model.Finding{f1, f2}))
	// Replacing d1's findings with none removes f1 but keeps d2's.
	must(t, s.ReplaceFindings(ctx, "", []string{"d1"}, nil))
	fs, err := s.FindingsOf(ctx, "", "a")
	must(t, err)
	if len(fs) != 1 || fs[0].ID != f2.ID {
		t.Fatalf("after replace = %+v", fs)
	}
	if _, err := s.GetFinding(ctx, "", f1.ID); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("deleted finding still there: %v", err)
	}
}

func testRisks(t *testing.T, s store.Store) {
	ctx := context.Background()
	must(t, s.PutRisks(ctx, []model.Risk{{SubjectID: "a", Score: 10, Level: model.LevelLow}, {SubjectID: "b", Score: 90, Level: model.LevelCritical}, {SubjectID: "c", Score: 50, Level: model.LevelMedium}}))
	rs, err := s.ListRisks(ctx, "", 2)
	must(t, err)
	if len(rs) != 2 || rs[0].SubjectID != "b" || rs[1].SubjectID != "c" {
		t.Fatalf("ListRisks = %+v", rs)
	}
}

func testCases(t *testing.T, s store.Store) {
	ctx := context.Background()
	c := model.Case{ID: "c1", SubjectIDs: []string{"a", "b"}, State: model.CaseOpen, Score: 80, OpenedAt: t0, UpdatedAt: t0}
	must(t, s.PutCase(ctx, c))
	must(t, s.PutCase(ctx, model.Case{ID: "c2", SubjectIDs: []string{"c"}, State: model.CaseCleared, Score: 90}))
	open, err := s.ListCases(ctx, "", store.CaseFilter{OpenOnly: true})
	must(t, err)
	if len(open) != 1 || open[0].ID != "c1" {
		t.Fatalf("open cases = %+v", open)
	}
	bySub, _ := s.ListCases(ctx, "", store.CaseFilter{SubjectID: "b"})
	if len(bySub) != 1 || bySub[0].ID != "c1" {
		t.Fatalf("cases of b = %+v", bySub)
	}
	c.SubjectIDs = []string{"a"}
	must(t, s.PutCase(ctx, c))
	if bySub, _ = s.ListCases(ctx, "", store.CaseFilter{SubjectID: "b"}); len(bySub) != 0 {
		t.Fatalf("stale case subject index: %+v", bySub)
	}
	must(t, s.AddCaseNote(ctx, "", model.CaseNote{ID: "n1", CaseID: "c1", Author: "ann", Body: "looked", At: t0}))
	notes, _ := s.CaseNotes(ctx, "", "c1")
	if len(notes) != 1 || notes[0].Body != "looked" {
		t.Fatalf("notes = %+v", notes)
	}
	s1, err := s.AppendAudit(ctx, model.AuditEntry{Actor: "ann", Action: "case.state", Object: "case:c1", Before: "open", After: "triage"})
	must(t, err)
	s2, err := s.AppendAudit(ctx, model.AuditEntry{Actor: "ann", Action: "case.view", Object: "case:c2"})
	must(t, err)
	if s2 <= s1 {
		t.Fatalf("audit seq not increasing: %d then %d", s1, s2)
	}
	entries, err := s.Audit(ctx, "", "case:c1", 10)
	must(t, err)
	if len(entries) != 1 || entries[0].Before != "open" || entries[0].After != "triage" || entries[0].Actor != "ann" {
		t.Fatalf("audit = %+v", entries)
	}
}

func testMeta(t *testing.T, s store.Store) {
	ctx := context.Background()
	if _, ok, err := s.GetMeta(ctx, "", "cursor/okta"); ok || err != nil {
		t.Fatalf("missing meta: ok=%v err=%v", ok, err)
	}
	must(t, s.PutMeta(ctx, "", "cursor/okta", []byte("v1")))
	must(t, s.PutMeta(ctx, "", "cursor/okta", []byte("v2")))
	must(t, s.PutMeta(ctx, "", "list/ofac", []byte("x")))
	v, ok, err := s.GetMeta(ctx, "", "cursor/okta")
	if err != nil || !ok || string(v) != "v2" {
		t.Fatalf("GetMeta = %q %v %v", v, ok, err)
	}
	m, err := s.ListMeta(ctx, "", "cursor/")
	must(t, err)
	if len(m) != 1 || string(m["cursor/okta"]) != "v2" {
		t.Fatalf("ListMeta = %v", m)
	}
}

func testTenants(t *testing.T, s store.Store) {
	ctx := context.Background()
	must(t, s.UpsertSubjects(ctx, []model.Subject{{Tenant: "t1", ID: "p", FullName: "One"}, {Tenant: "t2", ID: "p", FullName: "Two"}}))
	a, err := s.GetSubject(ctx, "t1", "p")
	must(t, err)
	b, err := s.GetSubject(ctx, "t2", "p")
	must(t, err)
	if a.FullName != "One" || b.FullName != "Two" {
		t.Fatalf("tenants mixed: %q %q", a.FullName, b.FullName)
	}
	if _, err := s.GetSubject(ctx, "", "p"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("default tenant sees other tenants' subject: %v", err)
	}
	_, err = s.PutEvents(ctx, []model.Event{{Tenant: "t1", ID: "e", Kind: model.EvSignIn, Time: t0, SubjectID: "p"}})
	must(t, err)
	if _, err := s.GetEvent(ctx, "t2", "e"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("tenant t2 sees t1's event: %v", err)
	}
}
