package msgraph

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redflag-dev/redflag/internal/connect"
	"github.com/redflag-dev/redflag/internal/store/sqlstore"
)

// fakeGraph serves auditLogs/signIns newest first, $filter createdDateTime
// ge, $top, $skiptoken paging via @odata.nextLink, 429 with Retry-After.
type fakeGraph struct {
	mu      sync.Mutex
	signins []map[string]any
	fail    map[int]int
	n       int
	tokens  int
	srv     *httptest.Server
}

var t0 = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

func newFake(n int) *fakeGraph {
	f := &fakeGraph{fail: map[int]int{}}
	for i := 0; i < n; i++ {
		f.add(fmt.Sprintf("s%04d", i), t0.Add(time.Duration(i)*time.Minute))
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/token", func(w http.ResponseWriter, r *http.Request) {
		r.ParseForm()
		if r.Form.Get("grant_type") != "client_credentials" || r.Form.Get("client_secret") != "sec" {
			http.Error(w, `{"error":"invalid_client"}`, 401)
			return
		}
		f.mu.Lock()
		f.tokens++
		f.mu.Unlock()
		w.Write([]byte(`{"access_token":"tok","expires_in":3600,"token_type":"Bearer"}`))
	})
	mux.HandleFunc("/v1.0/auditLogs/signIns", f.serve)
	f.srv = httptest.NewServer(mux)
	return f
}

func (f *fakeGraph) add(id string, at time.Time) {
	f.signins = append(f.signins, map[string]any{"id": id, "createdDateTime": at.Format(time.RFC3339), "userPrincipalName": "a@x"})
}

func (f *fakeGraph) serve(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	f.n++
	st := f.fail[f.n]
	f.mu.Unlock()
	if r.Header.Get("Authorization") != "Bearer tok" {
		http.Error(w, "unauthorized", 401)
		return
	}
	if st == 429 {
		w.Header().Set("Retry-After", "7")
		http.Error(w, "throttled", 429)
		return
	}
	if st != 0 {
		http.Error(w, "oops", st)
		return
	}
	q := r.URL.Query()
	since, _ := time.Parse(time.RFC3339, strings.TrimPrefix(q.Get("$filter"), "createdDateTime ge "))
	top, _ := strconv.Atoi(q.Get("$top"))
	skip, _ := strconv.Atoi(q.Get("$skiptoken"))
	var sel []map[string]any
	for _, s := range f.signins {
		at, _ := time.Parse(time.RFC3339, s["createdDateTime"].(string))
		if !at.Before(since) {
			sel = append(sel, s)
		}
	}
	sort.Slice(sel, func(i, j int) bool { return sel[i]["createdDateTime"].(string) > sel[j]["createdDateTime"].(string) })
	end := min(skip+top, len(sel))
	resp := map[string]any{"@odata.context": "x", "value": sel[skip:end]}
	if end < len(sel) {
		nq := fmt.Sprintf("$filter=%s&$top=%d&$skiptoken=%d", strings.ReplaceAll(q.Get("$filter"), " ", "%20"), top, end)
		resp["@odata.nextLink"] = f.srv.URL + "/v1.0/auditLogs/signIns?" + nq
	}
	json.NewEncoder(w).Encode(resp)
}

type sink struct{ seen map[string]int }

func (s *sink) handle(_ context.Context, p Page) error {
	var pg page
	if err := json.Unmarshal(p.Body, &pg); err != nil {
		return err
	}
	for _, v := range pg.Value {
		var x struct{ ID string }
		json.Unmarshal(v, &x)
		s.seen[x.ID]++
	}
	return nil
}

func newClient(t *testing.T, f *fakeGraph, db string, waits *[]time.Duration) *Client {
	st, err := sqlstore.OpenSQLite(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	retry := connect.Retry{Sleep: func(_ context.Context, d time.Duration) error { *waits = append(*waits, d); return nil }}
	cc := &ClientCredentials{TokenURL: f.srv.URL + "/token", ClientID: "id", ClientSecret: "sec", Retry: retry}
	return &Client{GraphURL: f.srv.URL, Token: cc.Token, Top: 40, Since: t0, Retry: retry, Cursor: connect.Cursor{St: st, Key: CursorKey}}
}

func TestPullResumeAndIncremental(t *testing.T) {
	f := newFake(100)
	defer f.srv.Close()
	f.fail[2] = 429
	f.fail[3] = 502
	db := filepath.Join(t.TempDir(), "s.db")
	var waits []time.Duration
	s := &sink{seen: map[string]int{}}
	c := newClient(t, f, db, &waits)
	crash := errors.New("crash")
	calls := 0
	_, err := c.Pull(context.Background(), func(ctx context.Context, p Page) error {
		calls++
		if calls == 2 {
			return crash
		}
		return s.handle(ctx, p)
	})
	if !errors.Is(err, crash) || len(s.seen) != 40 {
		t.Fatalf("first run: %v, %d", err, len(s.seen))
	}
	if len(waits) != 2 || waits[0] != 7*time.Second {
		t.Errorf("waits %v: want Retry-After 7s then a backoff", waits)
	}
	c2 := newClient(t, f, db, &waits)
	st, err := c2.Pull(context.Background(), s.handle)
	if err != nil || len(s.seen) != 100 {
		t.Fatalf("resume: %v %+v unique %d", err, st, len(s.seen))
	}
	for id, n := range s.seen {
		if n != 1 {
			t.Errorf("%s seen %d times", id, n)
		}
	}
	// Next run: only the overlap window and new sign-ins.
	f.add("late", t0.Add(200*time.Minute))
	st, err = c2.Pull(context.Background(), s.handle)
	if err != nil || s.seen["late"] != 1 || st.Events > 40 || !st.Since.Equal(t0.Add(99*time.Minute-30*time.Minute)) {
		t.Fatalf("incremental: %v %+v", err, st)
	}
	if f.tokens != 2 { // one per client: the token is cached
		t.Errorf("tokens fetched %d", f.tokens)
	}
}

func TestBadCredentials(t *testing.T) {
	f := newFake(3)
	defer f.srv.Close()
	var waits []time.Duration
	c := newClient(t, f, filepath.Join(t.TempDir(), "s.db"), &waits)
	cc := &ClientCredentials{TokenURL: f.srv.URL + "/token", ClientID: "id", ClientSecret: "wrong"}
	c.Token = cc.Token
	if _, err := c.Pull(context.Background(), func(context.Context, Page) error { return nil }); err == nil || !strings.Contains(err.Error(), "401") {
		t.Fatalf("want 401, got %v", err)
	}
}
