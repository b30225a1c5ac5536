package web

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/redflag-dev/redflag/internal/model"
	"github.com/redflag-dev/redflag/internal/store"
	"github.com/redflag-dev/redflag/internal/web/webfixture"
)

func TestOpenAPIMatchesRoutes(t *testing.T) {
	e := newEnv(t, 12, Options{Sink: &sinkRecorder{}, Screen: http.NotFoundHandler(), Analyze: func(context.Context) (any, error) { return nil, nil }})
	var doc struct {
		Paths map[string]map[string]any `yaml:"paths"`
	}
	if err := yaml.Unmarshal(OpenAPI(), &doc); err != nil {
		t.Fatal(err)
	}
	documented := map[string]bool{}
	for p, ops := range doc.Paths {
		for m := range ops {
			documented[strings.ToUpper(m)+" "+p] = true
		}
	}
	registered := map[string]bool{}
	for _, r := range e.srv.Routes() {
		if r.API {
			registered[r.Method+" "+r.Pattern] = true
		}
	}
	var missing, extra []string
	for k := range registered {
		if !documented[k] {
			missing = append(missing, k)
		}
	}
	for k := range documented {
		if !registered[k] {
			extra = append(extra, k)
		}
	}
	sort.Strings(missing)
	sort.Strings(extra)
	if len(missing) > 0 || len(extra) > 0 {
		t.Fatalf("OpenAPI out of step with routes:\n registered but undocumented: %v\n documented but not registered: %v", missing, extra)
	}
	if len(registered) < 20 {
		t.Fatalf("only %d API routes registered", len(registered))
	}
}

func TestScriptInNameRendersAsText(t *testing.T) {
	e := newEnv(t, 12, Options{})
	c := e.login(t, "ann")
	for _, path := range []string{"/subjects/" + e.fx.XSSSubject, "/subjects?q=mallory", "/queue?state=all&q=mallory"} {
		body, code := c.get(path)
		if code != 200 {
			t.Fatalf("%s: %d", path, code)
		}
		if strings.Contains(body, webfixture.XSSName) || strings.Contains(body, `<script>alert`) {
			t.Fatalf("%s: raw <script> from a subject name reached the page", path)
		}
		if path[:9] == "/subjects" && !strings.Contains(body, `&lt;script&gt;alert(&#34;xss&#34;)&lt;/script&gt; Mallory`) {
			t.Fatalf("%s: escaped name not shown", path)
		}
	}
}

func TestLoginCSRFAndRoles(t *testing.T) {
	e := newEnv(t, 12, Options{})
	// Not logged in: UI redirects, API says 401.
	anon := &client{t: t, base: e.ts.URL, hc: &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
	if _, code := anon.get("/queue"); code != http.StatusSeeOther {
		t.Fatalf("anonymous queue: %d", code)
	}
	if _, code := anon.get("/api/v1/subjects"); code != http.StatusUnauthorized {
		t.Fatalf("anonymous API: %d", code)
	}
	c := e.login(t, "ann")
	cs, _ := e.st.ListCases(context.Background(), "", store.CaseFilter{})
	if len(cs) == 0 {
		t.Fatal("fixture opened no cases")
	}
	id := cs[0].ID
	// Form post without the CSRF token is refused and changes nothing.
	if resp := c.post("/cases/"+id+"/state", url.Values{"state": {"triage"}}); resp.StatusCode != http.StatusForbidden {
		t.Fatalf("post without CSRF: %d", resp.StatusCode)
	}
	if resp := c.post("/cases/"+id+"/state", url.Values{"state": {"triage"}, "csrf": {"forged"}}); resp.StatusCode != http.StatusForbidden {
		t.Fatalf("post with a forged CSRF token: %d", resp.StatusCode)
	}
	got, _ := e.st.GetCase(context.Background(), "", id)
	if got.State != model.CaseOpen {
		t.Fatalf("state changed without CSRF: %s", got.State)
	}
	if resp := c.post("/cases/"+id+"/state", url.Values{"state": {"triage"}, "csrf": {c.csrf}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("post with CSRF: %d", resp.StatusCode)
	}
	// Closing without a reason is refused with the form shown again.
	if resp := c.post("/cases/"+id+"/state", url.Values{"state": {"closed_cleared"}, "decision": {"cleared"}, "csrf": {c.csrf}}); resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("close without reason: %d", resp.StatusCode)
	}
	// A viewer sees masked PII and may not act.
	v := e.login(t, "vic")
	sub, _ := e.st.GetSubject(context.Background(), "", e.fx.Suspicious[0])
	body, _ := v.get("/subjects/" + sub.ID)
	if strings.Contains(body, sub.Email) || strings.Contains(body, sub.Phone) || strings.Contains(body, sub.DateOfBirth) || strings.Contains(body, sub.Address.Line) {
		t.Fatal("viewer sees unmasked PII")
	}
	if !strings.Contains(body, "personal data masked") {
		t.Fatal("viewer page does not say PII is masked")
	}
	if resp := v.post("/cases/"+id+"/state", url.Values{"state": {"open"}, "csrf": {v.csrf}}); resp.StatusCode != http.StatusForbidden {
		t.Fatalf("viewer changed a case: %d", resp.StatusCode)
	}
	// The analyst sees them.
	body, _ = c.get("/subjects/" + sub.ID)
	if !strings.Contains(body, sub.Email) {
		t.Fatal("analyst does not see the e-mail")
	}
	// Every subject view is audited.
	au, _ := e.st.Audit(context.Background(), "", "subject:"+sub.ID, 0)
	views := 0
	for _, a := range au {
		if a.Action == "subject.view" {
			views++
		}
	}
	if views != 2 {
		t.Fatalf("want 2 audited subject views, got %d", views)
	}
}

func TestCookiesAndHeaders(t *testing.T) {
	e := newEnv(t, 12, Options{SecureCookies: true})
	c := &client{t: t, base: e.ts.URL, hc: &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
	resp, err := c.hc.Get(e.ts.URL + "/login")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	tok := csrfRE.FindStringSubmatch(string(b))[1]
	req, _ := http.NewRequest("POST", e.ts.URL+"/login", strings.NewReader(url.Values{"csrf": {tok}, "user": {"ann"}, "password": {testPassword}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for _, ck := range resp.Cookies() {
		req.AddCookie(ck)
	}
	resp, err = c.hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	var sess *http.Cookie
	for _, ck := range resp.Cookies() {
		if ck.Name == sessionCookie {
			sess = ck
		}
	}
	if sess == nil || !sess.HttpOnly || !sess.Secure || sess.SameSite != http.SameSiteStrictMode {
		t.Fatalf("session cookie flags: %+v", sess)
	}
	if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") {
		t.Fatalf("CSP %q", csp)
	}
}

func TestLoginRateLimited(t *testing.T) {
	e := newEnv(t, 12, Options{})
	c := &client{t: t, base: e.ts.URL, hc: &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
	codes := map[int]int{}
	for i := 0; i < 7; i++ {
		resp, _ := c.hc.Get(e.ts.URL + "/login")
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		tok := csrfRE.FindStringSubmatch(string(b))[1]
		req, _ := http.NewRequest("POST", e.ts.URL+"/login", strings.NewReader(url.Values{"csrf": {tok}, "user": {"ann"}, "password": {"wrong guess " + string(rune('a'+i))}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		for _, ck := range resp.Cookies() {
			req.AddCookie(ck)
		}
		r2, err := c.hc.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		r2.Body.Close()
		codes[r2.StatusCode]++
	}
	if codes[http.StatusUnauthorized] != 5 || codes[http.StatusTooManyRequests] != 2 {
		t.Fatalf("codes %v: want 5×401 then 2×429", codes)
	}
}

func apiDo(t *testing.T, e *testEnv, tok, method, path, body string) (int, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest(method, e.ts.URL+path, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+tok)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out
}

func TestAPIWithTokens(t *testing.T) {
	sink := &sinkRecorder{}
	e := newEnv(t, 30, Options{Sink: sink})
	ctx := context.Background()
	tok, _, err := e.am.NewToken(ctx, "ann", "test")
	if err != nil {
		t.Fatal(err)
	}
	vtok, _, _ := e.am.NewToken(ctx, "vic", "test")
	sid := e.fx.Suspicious[0]
	code, out := apiDo(t, e, tok, "GET", "/api/v1/subjects/"+sid+"/risk", "")
	if code != 200 || out["level"] == nil {
		t.Fatalf("risk: %d %v", code, out)
	}
	reasons := out["reasons"].([]any)
	links := reasons[0].(map[string]any)["evidence_links"].([]any)
	if len(links) == 0 || !strings.HasPrefix(links[0].(map[string]any)["url"].(string), "/") {
		t.Fatalf("reason without evidence links: %v", reasons[0])
	}
	if code, _ := apiDo(t, e, tok, "GET", "/api/v1/subjects/nobody", ""); code != 404 {
		t.Fatalf("missing subject: %d", code)
	}
	code, g := apiDo(t, e, tok, "GET", "/api/v1/subjects/"+sid+"/graph", "")
	if code != 200 || len(g["links"].([]any)) == 0 {
		t.Fatalf("graph: %d %v", code, g)
	}
	// Viewer: masked e-mail, and may not transition.
	_, vs := apiDo(t, e, vtok, "GET", "/api/v1/subjects/"+sid, "")
	if em := vs["subject"].(map[string]any)["email"].(string); !strings.Contains(em, "•••") {
		t.Fatalf("viewer e-mail %q not masked", em)
	}
	cs, _ := e.st.ListCases(ctx, "", store.CaseFilter{SubjectID: sid})
	if code, _ := apiDo(t, e, vtok, "POST", "/api/v1/cases/"+cs[0].ID+"/transition", `{"state":"triage"}`); code != 403 {
		t.Fatalf("viewer transition: %d", code)
	}
	if code, out := apiDo(t, e, tok, "POST", "/api/v1/cases/"+cs[0].ID+"/transition", `{"state":"closed_confirmed","decision":"confirmed"}`); code != 400 {
		t.Fatalf("close without reason: %d %v", code, out)
	}
	if code, out := apiDo(t, e, tok, "POST", "/api/v1/cases/"+cs[0].ID+"/transition", `{"state":"closed_confirmed","decision":"confirmed","reason":"IP-KVM on the laptop"}`); code != 200 || out["state"] != "closed_confirmed" {
		t.Fatalf("close: %d %v", code, out)
	}
	if code, _ := apiDo(t, e, tok, "POST", "/api/v1/cases/"+cs[0].ID+"/transition", `{"state":"triage"}`); code != 409 {
		t.Fatalf("closed → triage: %d", code)
	}
	// Feedback, then the report counts it.
	if code, out := apiDo(t, e, tok, "POST", "/api/v1/feedback", `{"subject_id":"`+sid+`","code":"NET_VPN_ASTRILL","verdict":"fp"}`); code != 201 {
		t.Fatalf("feedback: %d %v", code, out)
	}
	_, rep := apiDo(t, e, tok, "GET", "/api/v1/feedback/report", "")
	codes := rep["codes"].([]any)
	if len(codes) != 1 || codes[0].(map[string]any)["false_positives"].(float64) != 1 {
		t.Fatalf("feedback report %v", rep)
	}
	// Ingest: bad lines are named by line and field; good ones land.
	body := `{"person_id":"n1","kind":"employee","full_name":"New Person"}
{"person_id":"n2","kind":"alien"}
not json
{"kind":"employee"}
`
	code, ir := apiDo(t, e, tok, "POST", "/api/v1/ingest/records", body)
	if code != 200 || ir["accepted"].(float64) != 1 || ir["rejected"].(float64) != 3 || len(sink.subjects) != 1 {
		t.Fatalf("ingest: %d %v", code, ir)
	}
	errs := ir["errors"].([]any)
	if e0 := errs[0].(map[string]any); e0["line"].(float64) != 2 || e0["field"] != "kind" {
		t.Fatalf("first error %v", e0)
	}
	code, ir = apiDo(t, e, tok, "POST", "/api/v1/ingest/events", `{"id":"x1","kind":"signin","time":"2026-11-01T10:00:00Z","subject_id":"p00001","source":"api"}`+"\n")
	if code != 200 || len(sink.events) != 1 {
		t.Fatalf("ingest events: %d %v", code, ir)
	}
	if code, _ := apiDo(t, e, "rft_wrong", "GET", "/api/v1/subjects", ""); code != 401 {
		t.Fatalf("bad token: %d", code)
	}
}

func TestEvidenceLinksResolve(t *testing.T) {
	e := newEnv(t, 12, Options{})
	c := e.login(t, "ann")
	body, _ := c.get("/subjects/" + e.fx.Suspicious[0])
	hrefs := regexp.MustCompile(`class="chip" href="([^"]+)"`).FindAllStringSubmatch(body, -1)
	if len(hrefs) < 5 {
		t.Fatalf("want evidence links on the subject page, got %d", len(hrefs))
	}
	for _, h := range hrefs {
		u := strings.ReplaceAll(h[1], "&amp;", "&")
		b, code := c.get(u)
		if code == http.StatusSeeOther {
			continue // event/subject redirects
		}
		if code != 200 {
			t.Fatalf("evidence link %s: %d %s", u, code, b[:min(200, len(b))])
		}
	}
	// An identifier page lists all the people holding it.
	body, code := c.get("/evidence?kind=identifier&id=" + url.QueryEscape("bank_account:fp_cell0"))
	if code != 200 || strings.Count(body, `href="/subjects/`) < 2 {
		t.Fatalf("shared bank account page: %d", code)
	}
}
