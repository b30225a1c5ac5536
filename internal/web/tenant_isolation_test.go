package web

// Tenant isolation through the API (issue 8): a server for one tenant, on a
// store that also holds another tenant's organisation, must not show, change
// or accept anything of the other tenant, whatever IDs or credentials a
// caller tries.

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"golang.org/x/crypto/bcrypt"

	"github.com/redflag-dev/redflag/internal/auth"
	"github.com/redflag-dev/redflag/internal/model"
	"github.com/redflag-dev/redflag/internal/store"
	"github.com/redflag-dev/redflag/internal/web/webfixture"
)

func TestTenantIsolationAPI(t *testing.T) {
	ctx := context.Background()
	victim := newEnv(t, 20, Options{}) // the default tenant's organisation
	st := victim.st

	// Tenant acme on the same store: one person with an event, a finding, a
	// risk and a case, and its own users.
	am := &auth.Manager{Store: st, Tenant: "acme", BcryptCost: bcrypt.MinCost}
	if _, err := am.SetUser(ctx, "mallory", testPassword, auth.Admin); err != nil {
		t.Fatal(err)
	}
	if err := st.UpsertSubjects(ctx, []model.Subject{{Tenant: "acme", ID: "acme-p1", Kind: model.KindEmployee, FullName: "Acme Person"}}); err != nil {
		t.Fatal(err)
	}
	def := webfixture.Reasons["NET_VPN_ASTRILL"]
	f := model.NewFinding("test", def, "acme-p1", "k", fixtureNow)
	f.Tenant = "acme"
	if err := st.ReplaceFindings(ctx, "acme", nil, []model.Finding{f}); err != nil {
		t.Fatal(err)
	}
	if err := st.PutRisks(ctx, []model.Risk{{Tenant: "acme", SubjectID: "acme-p1", Score: 70, Level: model.LevelHigh}}); err != nil {
		t.Fatal(err)
	}
	if err := st.PutCase(ctx, model.Case{Tenant: "acme", ID: "acme-c1", SubjectIDs: []string{"acme-p1"}, State: model.CaseOpen, Score: 70}); err != nil {
		t.Fatal(err)
	}
	sink := &sinkRecorder{}
	srv, err := New(Options{Store: st, Auth: am, Tenant: "acme", Reasons: webfixture.Reasons, Sink: sink,
		Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Analyze: func(context.Context) (any, error) { return map[string]int{}, nil }})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv)
	defer ts.Close()
	acme := &testEnv{st: st, am: am, srv: srv, ts: ts}
	tok, _, err := am.NewToken(ctx, "mallory", "probe")
	if err != nil {
		t.Fatal(err)
	}

	// The victim's records and what would betray them.
	sid := victim.fx.Suspicious[0]
	vsub, err := st.GetSubject(ctx, "", sid)
	if err != nil {
		t.Fatal(err)
	}
	vfs, _ := st.FindingsOf(ctx, "", sid)
	var vev model.Event
	st.EachEvent(ctx, "", store.EventQuery{SubjectID: sid, Limit: 1}, func(e model.Event) error { vev = e; return nil })
	vcs, _ := st.ListCases(ctx, "", store.CaseFilter{})
	if len(vfs) == 0 || vev.ID == "" || len(vcs) == 0 {
		t.Fatal("victim fixture lacks findings, events or cases; the test proves nothing")
	}
	vcase := vcs[0]
	markers := []string{vsub.FullName}
	if vsub.Email != "" {
		markers = append(markers, vsub.Email)
	}
	var allVictimIDs []string
	st.EachSubject(ctx, "", func(s model.Subject) error { allVictimIDs = append(allVictimIDs, s.ID); return nil })

	do := func(tok, method, path, body string) (int, string) {
		t.Helper()
		req, _ := http.NewRequest(method, ts.URL+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+tok)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}

	// 1. The other tenant's credentials do not open this tenant's API.
	vtok, _, err := victim.am.NewToken(ctx, "ann", "probe")
	if err != nil {
		t.Fatal(err)
	}
	if code, _ := do(vtok, "GET", "/api/v1/risks", ""); code != http.StatusUnauthorized {
		t.Fatalf("the default tenant's token on acme's server: %d, want 401", code)
	}

	// 2. Every GET route with an ID, fed the victim's IDs.
	idFor := func(pattern string) string {
		switch {
		case strings.Contains(pattern, "/subjects/"):
			return sid
		case strings.Contains(pattern, "/findings/"):
			return vfs[0].ID
		case strings.Contains(pattern, "/events/"):
			return vev.ID
		case strings.Contains(pattern, "/cases/"):
			return vcase.ID
		}
		return sid
	}
	probed := 0
	for _, r := range srv.Routes() {
		if r.Method != "GET" || !r.API || !strings.Contains(r.Pattern, "{id}") {
			continue
		}
		path := strings.Replace(r.Pattern, "{id}", idFor(r.Pattern), 1)
		code, body := do(tok, "GET", path, "")
		probed++
		for _, m := range markers {
			if strings.Contains(body, m) {
				t.Errorf("GET %s (%d) shows the other tenant's %q", path, code, m)
			}
		}
		if code == http.StatusOK && !strings.HasSuffix(r.Pattern, "/graph") && !strings.HasSuffix(r.Pattern, "/events") && !strings.HasSuffix(r.Pattern, "/findings") {
			t.Errorf("GET %s answered 200 for the other tenant's record", path)
		}
		if code == http.StatusOK && (strings.HasSuffix(r.Pattern, "/events") || strings.HasSuffix(r.Pattern, "/findings")) && strings.Contains(body, vfs[0].ID+`"`) {
			t.Errorf("GET %s lists the other tenant's records", path)
		}
	}
	if probed < 6 {
		t.Fatalf("only %d API routes with IDs probed", probed)
	}

	// 3. Lists show acme's person only.
	for _, path := range []string{"/api/v1/subjects", "/api/v1/risks", "/api/v1/cases", "/api/v1/audit", "/api/v1/status", "/api/v1/feedback/report"} {
		code, body := do(tok, "GET", path, "")
		if code != http.StatusOK {
			t.Errorf("GET %s: %d", path, code)
			continue
		}
		for _, id := range allVictimIDs {
			if strings.Contains(body, `"`+id+`"`) {
				t.Errorf("GET %s lists the other tenant's person %s", path, id)
				break
			}
		}
	}
	if _, body := do(tok, "GET", "/api/v1/subjects", ""); !strings.Contains(body, "acme-p1") {
		t.Fatalf("acme's own person missing from its list: %s", body)
	}

	// 4. Writes aimed at the victim's records fail and change nothing.
	for _, w := range []struct{ path, body string }{
		{"/api/v1/cases/" + vcase.ID + "/transition", `{"state":"closed_cleared","decision":"cleared","reason":"x"}`},
		{"/api/v1/cases/" + vcase.ID + "/assign", `{"assignee":"mallory"}`},
		{"/api/v1/cases/" + vcase.ID + "/notes", `{"body":"planted"}`},
		{"/api/v1/cases/acme-c1/subjects", `{"subject_id":"` + sid + `"}`},
		{"/api/v1/feedback", `{"subject_id":"` + sid + `","label":"confirmed"}`},
		{"/api/v1/cases", `{"subject_ids":["` + sid + `"],"title":"steal"}`},
	} {
		if code, body := do(tok, "POST", w.path, w.body); code < 400 {
			t.Errorf("POST %s: %d %s, want a refusal", w.path, code, body)
		}
	}
	after, err := st.GetCase(ctx, "", vcase.ID)
	if err != nil {
		t.Fatal(err)
	}
	if after.State != vcase.State || after.Assignee != vcase.Assignee {
		t.Fatalf("the other tenant's case changed: %+v", after)
	}
	if notes, _ := st.CaseNotes(ctx, "", vcase.ID); len(notes) != 0 {
		for _, n := range notes {
			if n.Body == "planted" {
				t.Fatal("a note was planted in the other tenant's case")
			}
		}
	}
	if c, _ := st.GetCase(ctx, "acme", "acme-c1"); len(c.SubjectIDs) != 1 {
		t.Fatalf("acme's case linked a person of another tenant: %v", c.SubjectIDs)
	}

	// 5. Ingest through the API lands in acme whatever tenant the body names.
	line := `{"tenant":"default","id":"planted-ev","kind":"signin","time":"2026-11-01T00:00:00Z","subject_id":"` + sid + `","source":"api","identifiers":[{"tenant":"default","kind":"email","value":"x@y.test","subject_id":"` + sid + `"}]}` + "\n"
	if code, body := do(tok, "POST", "/api/v1/ingest/events", line); code >= 300 {
		t.Fatalf("ingest: %d %s", code, body)
	}
	if len(sink.events) != 1 || sink.events[0].Tenant != "acme" {
		t.Fatalf("ingested events = %+v; want one event of tenant acme", sink.events)
	}

	// 6. The HTML pages too, with a browser session.
	c := acme.login(t, "mallory")
	for _, path := range []string{"/subjects/" + sid, "/events/" + vev.ID, "/cases/" + vcase.ID, "/cases/" + vcase.ID + "/report", "/subjects", "/queue", "/audit"} {
		body, _ := c.get(path)
		for _, m := range markers {
			if strings.Contains(body, m) {
				t.Errorf("page %s shows the other tenant's %q", path, m)
			}
		}
	}
}
