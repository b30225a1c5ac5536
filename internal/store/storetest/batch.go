package storetest

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"testing"
	"time"

	"github.com/redflag-dev/redflag/internal/model"
	"github.com/redflag-dev/redflag/internal/store"
)

// testTenantsEveryRead writes the same IDs under two tenants and checks that
// no read of one tenant returns anything of the other.
func testTenantsEveryRead(t *testing.T, s store.Store) {
	ctx := context.Background()
	def := model.ReasonDef{Code: "X_T", Title: "t", Family: model.FamNetwork, Strength: model.Weak}
	for _, tn := range []string{"acme", "globex"} {
		must(t, s.UpsertSubjects(ctx, []model.Subject{{Tenant: tn, ID: "p", FullName: tn}}))
		must(t, s.PutIdentifiers(ctx, []model.Identifier{{Tenant: tn, Kind: model.IDEmail, Value: tn + "@x.test", SubjectID: "p", Source: "hr", FirstSeen: t0}}))
		_, err := s.PutEvents(ctx, []model.Event{{Tenant: tn, ID: "e-" + tn, Kind: model.EvSignIn, Time: t0, SubjectID: "p", Source: tn}})
		must(t, err)
		f := model.NewFinding("d", def, "p", tn, t0)
		f.ID += "-" + tn
		must(t, s.ReplaceFindings(ctx, tn, nil, []model.Finding{f}))
		must(t, s.PutRisks(ctx, []model.Risk{{Tenant: tn, SubjectID: "p", Score: 50}}))
		must(t, s.PutCase(ctx, model.Case{Tenant: tn, ID: "c-" + tn, SubjectIDs: []string{"p"}, State: model.CaseOpen}))
		must(t, s.AddCaseNote(ctx, tn, model.CaseNote{ID: "n-" + tn, CaseID: "c-" + tn, Body: tn, At: t0}))
		_, err = s.AppendAudit(ctx, model.AuditEntry{Tenant: tn, Actor: tn, Action: "x", Object: "case:c"})
		must(t, err)
		must(t, s.PutMeta(ctx, tn, "k/"+tn, []byte(tn)))
	}
	for _, pair := range [][2]string{{"acme", "globex"}, {"globex", "acme"}} {
		me, other := pair[0], pair[1]
		leak := func(what string, got any) { t.Helper(); t.Fatalf("tenant %s sees %s of %s: %v", me, what, other, got) }
		if sub, _ := s.GetSubject(ctx, me, "p"); sub.FullName != me {
			leak("subject", sub.FullName)
		}
		must(t, s.EachSubject(ctx, me, func(x model.Subject) error {
			if x.FullName != me {
				leak("subject", x.FullName)
			}
			return nil
		}))
		if ids, _ := s.SubjectsByIdentifier(ctx, me, model.IDEmail, other+"@x.test"); len(ids) != 0 {
			leak("identifier", ids)
		}
		must(t, s.EachIdentifier(ctx, me, func(x model.Identifier) error {
			if x.Value != me+"@x.test" || x.Tenant != me {
				leak("identifier", x)
			}
			return nil
		}))
		if ids, _ := s.IdentifiersOf(ctx, me, "p"); len(ids) != 1 {
			leak("identifiers", ids)
		}
		if _, err := s.GetEvent(ctx, me, "e-"+other); !errors.Is(err, store.ErrNotFound) {
			leak("event", err)
		}
		must(t, s.EachEvent(ctx, me, store.EventQuery{}, func(e model.Event) error {
			if e.Source != me {
				leak("event", e.ID)
			}
			return nil
		}))
		if n, _ := s.CountEvents(ctx, me); n != 1 {
			leak("event count", n)
		}
		fs, _ := s.FindingsOf(ctx, me, "p")
		if len(fs) != 1 || fs[0].Tenant != me {
			leak("findings", fs)
		}
		must(t, s.EachFinding(ctx, me, func(f model.Finding) error {
			if f.Tenant != me {
				leak("finding", f.ID)
			}
			return nil
		}))
		if _, err := s.GetFinding(ctx, me, fs[0].ID[:len(fs[0].ID)-len(me)]+other); !errors.Is(err, store.ErrNotFound) {
			leak("finding by id", err)
		}
		if rs, _ := s.ListRisks(ctx, me, 0); len(rs) != 1 || rs[0].Tenant != me {
			leak("risks", rs)
		}
		if _, err := s.GetCase(ctx, me, "c-"+other); !errors.Is(err, store.ErrNotFound) {
			leak("case", err)
		}
		if cs, _ := s.ListCases(ctx, me, store.CaseFilter{SubjectID: "p"}); len(cs) != 1 || cs[0].ID != "c-"+me {
			leak("cases", cs)
		}
		if ns, _ := s.CaseNotes(ctx, me, "c-"+other); len(ns) != 0 {
			leak("case notes", ns)
		}
		if au, _ := s.Audit(ctx, me, "", 0); len(au) != 1 || au[0].Actor != me {
			leak("audit", au)
		}
		if _, ok, _ := s.GetMeta(ctx, me, "k/"+other); ok {
			leak("meta", "k/"+other)
		}
		if m, _ := s.ListMeta(ctx, me, "k/"); len(m) != 1 {
			leak("meta list", m)
		}
	}
	// Replacing one tenant's findings of a detector leaves the other's.
	must(t, s.ReplaceFindings(ctx, "acme", []string{"d"}, nil))
	if fs, _ := s.FindingsOf(ctx, "globex", "p"); len(fs) != 1 {
		t.Fatalf("ReplaceFindings for acme removed globex's findings: %v", fs)
	}
}

// testBulkEvents stores more events than one multi-row statement carries,
// with duplicates inside the batch, and checks the counts.
func testBulkEvents(t *testing.T, s store.Store) {
	ctx := context.Background()
	var evs []model.Event
	for i := 0; i < 1500; i++ {
		evs = append(evs, model.Event{ID: fmt.Sprintf("e%05d", i), Kind: model.EvSignIn, Time: t0.Add(time.Duration(i) * time.Second), SubjectID: fmt.Sprintf("s%d", i%7), Source: "okta", SignIn: &model.SignIn{Login: "x"}})
	}
	dup := append(append([]model.Event(nil), evs[:1000]...), evs[500:1500]...)
	n, err := s.PutEvents(ctx, dup)
	must(t, err)
	if n != 1500 {
		t.Fatalf("PutEvents with duplicates inserted %d, want 1500", n)
	}
	if n, _ = s.PutEvents(ctx, evs); n != 0 {
		t.Fatalf("second PutEvents inserted %d", n)
	}
	if c, _ := s.CountEvents(ctx, ""); c != 1500 {
		t.Fatalf("CountEvents = %d", c)
	}
	// Repeated keys inside one write: identifiers merge their windows,
	// findings keep the last of an ID (PostgreSQL refuses to update one row
	// twice in a statement, so the store must fold them first).
	var ids []model.Identifier
	for i := 0; i < 1200; i++ {
		ids = append(ids, model.Identifier{Kind: model.IDIP, Value: fmt.Sprintf("10.0.%d.%d", i%3, i%600), SubjectID: "s1", Source: "okta", FirstSeen: t0.Add(time.Duration(i) * time.Minute)})
	}
	must(t, s.PutIdentifiers(ctx, ids))
	got, err := s.IdentifiersOf(ctx, "", "s1")
	must(t, err)
	if len(got) != 600 {
		t.Fatalf("%d identifiers, want 600 distinct", len(got))
	}
	for _, id := range got {
		if id.Value == "10.0.0.0" && (!id.FirstSeen.Equal(t0) || !id.LastSeen.Equal(t0.Add(600*time.Minute))) {
			t.Fatalf("merged window of 10.0.0.0 = %s..%s", id.FirstSeen, id.LastSeen)
		}
	}
	def := model.ReasonDef{Code: "X_D", Title: "d", Family: model.FamNetwork, Strength: model.Weak}
	var fs []model.Finding
	for i := 0; i < 700; i++ {
		f := model.NewFinding("d", def, fmt.Sprintf("s%d", i%350), "k", t0)
		f.Details = map[string]string{"i": fmt.Sprint(i)}
		fs = append(fs, f)
	}
	must(t, s.ReplaceFindings(ctx, "", nil, fs))
	n = 0
	must(t, s.EachFinding(ctx, "", func(f model.Finding) error {
		n++
		if f.SubjectID == "s0" && f.Details["i"] != "350" {
			t.Fatalf("finding of s0 kept version %s, want the last (350)", f.Details["i"])
		}
		return nil
	}))
	if n != 350 {
		t.Fatalf("%d findings, want 350", n)
	}
}

func testBatch(t *testing.T, s store.Store) {
	ctx := context.Background()
	b := s.(store.Batcher)
	def := model.ReasonDef{Code: "X_B", Title: "b", Family: model.FamNetwork, Strength: model.Weak}
	f := model.NewFinding("d", def, "p", "k", t0)
	f.Tenant = "t1"
	batch := store.Batch{
		Subjects:    []model.Subject{{Tenant: "t1", ID: "p", FullName: "P"}},
		Identifiers: []model.Identifier{{Tenant: "t1", Kind: model.IDIP, Value: "1.2.3.4", SubjectID: "p", Source: "okta", FirstSeen: t0}},
		Events: []model.Event{
			{Tenant: "t1", ID: "e1", Kind: model.EvSignIn, Time: t0, SubjectID: "p", Source: "okta"},
			{Tenant: "t2", ID: "e1", Kind: model.EvSignIn, Time: t0, SubjectID: "p", Source: "okta"},
		},
		Findings:   []model.Finding{f},
		Checkpoint: &store.Checkpoint{Tenant: "_bus", Key: "ckpt/0", Next: []byte("1")},
	}
	n, err := b.CommitBatch(ctx, batch)
	must(t, err)
	if n != 2 {
		t.Fatalf("CommitBatch new events = %d, want 2 (same ID in two tenants)", n)
	}
	// The same checkpoint precondition again must conflict and write nothing.
	batch.Events = append(batch.Events, model.Event{Tenant: "t1", ID: "e2", Kind: model.EvSignIn, Time: t0, SubjectID: "p"})
	if _, err := b.CommitBatch(ctx, batch); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("stale checkpoint: err = %v, want ErrConflict", err)
	}
	if _, err := s.GetEvent(ctx, "t1", "e2"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("conflicting batch left an event behind: %v", err)
	}
	batch.Checkpoint = &store.Checkpoint{Tenant: "_bus", Key: "ckpt/0", Prev: []byte("1"), Next: []byte("2")}
	n, err = b.CommitBatch(ctx, batch)
	must(t, err)
	if n != 1 {
		t.Fatalf("second batch new events = %d, want 1", n)
	}
	if v, _, _ := s.GetMeta(ctx, "_bus", "ckpt/0"); string(v) != "2" {
		t.Fatalf("checkpoint = %q", v)
	}
	// Several checkpoints: one stale precondition fails the whole batch.
	multi := store.Batch{
		Events: []model.Event{{Tenant: "t1", ID: "e9", Kind: model.EvSignIn, Time: t0, SubjectID: "p"}},
		Checkpoints: []store.Checkpoint{
			{Tenant: "_bus", Key: "ckpt/1", Next: []byte("a")},
			{Tenant: "_bus", Key: "ckpt/0", Prev: []byte("1"), Next: []byte("3")}, // stale: it is "2"
		},
	}
	if _, err := b.CommitBatch(ctx, multi); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("stale second checkpoint: err = %v, want ErrConflict", err)
	}
	if _, ok, _ := s.GetMeta(ctx, "_bus", "ckpt/1"); ok {
		t.Fatal("a failed multi-checkpoint batch wrote its first checkpoint")
	}
	multi.Checkpoints[1].Prev = []byte("2")
	if _, err := b.CommitBatch(ctx, multi); err != nil {
		t.Fatal(err)
	}
	if v, _, _ := s.GetMeta(ctx, "_bus", "ckpt/0"); string(v) != "3" {
		t.Fatalf("checkpoint 0 = %q", v)
	}
	ex, err := b.ExistingEvents(ctx, "t1", []string{"e1", "e2", "e3"})
	must(t, err)
	if !ex["e1"] || !ex["e2"] || ex["e3"] || len(ex) != 2 {
		t.Fatalf("ExistingEvents = %v", ex)
	}
	if fs, _ := s.FindingsOf(ctx, "t1", "p"); len(fs) != 1 {
		t.Fatalf("batch findings = %v", fs)
	}
	if fs, _ := s.FindingsOf(ctx, "t2", "p"); len(fs) != 0 {
		t.Fatalf("finding crossed tenants: %v", fs)
	}
	if tl, ok := s.(store.TenantLister); ok {
		ts, err := tl.Tenants(ctx)
		must(t, err)
		sort.Strings(ts)
		if fmt.Sprint(ts) != "[t1 t2]" {
			t.Fatalf("Tenants = %v", ts)
		}
	}
}
