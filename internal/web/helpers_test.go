package web

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/redflag-dev/redflag/internal/auth"
	"github.com/redflag-dev/redflag/internal/model"
	"github.com/redflag-dev/redflag/internal/store"
	"github.com/redflag-dev/redflag/internal/store/sqlstore"
	"github.com/redflag-dev/redflag/internal/web/webfixture"
)

const testPassword = "correct horse battery"

var fixtureNow = time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)

type testEnv struct {
	st  store.Store
	am  *auth.Manager
	srv *Server
	ts  *httptest.Server
	fx  webfixture.Fixture
}

type sinkRecorder struct {
	subjects []model.Subject
	events   []model.Event
}

func (s *sinkRecorder) Subjects(ctx context.Context, subs []model.Subject, ids []model.Identifier) error {
	s.subjects = append(s.subjects, subs...)
	return nil
}

func (s *sinkRecorder) Events(ctx context.Context, evs []model.Event, ids []model.Identifier) error {
	s.events = append(s.events, evs...)
	return nil
}

func newEnv(t testing.TB, n int, opt Options) *testEnv {
	t.Helper()
	ctx := context.Background()
	st, err := sqlstore.OpenSQLite(ctx, filepath.Join(t.TempDir(), "web.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	fx, err := webfixture.Build(ctx, st, n, 12, fixtureNow)
	if err != nil {
		t.Fatal(err)
	}
	am := &auth.Manager{Store: st, BcryptCost: bcrypt.MinCost}
	for name, role := range map[string]auth.Role{"ann": auth.Analyst, "vic": auth.Viewer, "root": auth.Admin} {
		if _, err := am.SetUser(ctx, name, testPassword, role); err != nil {
			t.Fatal(err)
		}
	}
	opt.Store, opt.Auth = st, am
	if opt.Reasons == nil {
		opt.Reasons = webfixture.Reasons
	}
	opt.Log = slog.New(slog.NewTextHandler(io.Discard, nil))
	srv, err := New(opt)
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	return &testEnv{st: st, am: am, srv: srv, ts: ts, fx: fx}
}

// client is a logged-in browser-like client.
type client struct {
	t    testing.TB
	base string
	hc   *http.Client
	csrf string
}

var csrfRE = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

func (e *testEnv) login(t testing.TB, user string) *client {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	c := &client{t: t, base: e.ts.URL, hc: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
	body, _ := c.get("/login")
	m := csrfRE.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no login CSRF token in %q", body)
	}
	resp := c.post("/login", url.Values{"csrf": {m[1]}, "user": {user}, "password": {testPassword}, "next": {"/queue"}})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/queue" {
		t.Fatalf("login %s: %d %s", user, resp.StatusCode, resp.Header.Get("Location"))
	}
	body, code := c.get("/queue")
	if code != 200 {
		t.Fatalf("queue after login: %d", code)
	}
	c.csrf = csrfRE.FindStringSubmatch(body)[1]
	return c
}

func (c *client) get(path string) (string, int) {
	c.t.Helper()
	resp, err := c.hc.Get(c.base + path)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b), resp.StatusCode
}

func (c *client) post(path string, v url.Values) *http.Response {
	c.t.Helper()
	resp, err := c.hc.Post(c.base+path, "application/x-www-form-urlencoded", strings.NewReader(v.Encode()))
	if err != nil {
		c.t.Fatal(err)
	}
	resp.Body.Close()
	return resp
}
