package okta

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/redflag-dev/redflag/internal/connect"
	"github.com/redflag-dev/redflag/internal/store/sqlstore"
)

// fakeOkta speaks the documented /api/v1/logs contract: since, limit,
// after (opaque cursor), Link rel="next", 429 with X-Rate-Limit-Reset.
type fakeOkta struct {
	mu       sync.Mutex
	events   []map[string]any
	fail     map[int]int // request number -> status to answer
	hang     map[int]bool
	requests int
	authSeen string
	srv      *httptest.Server
}

func newFake(n int) *fakeOkta {
	f := &fakeOkta{fail: map[int]int{}, hang: map[int]bool{}}
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := 0; i < n; i++ {
		f.events = append(f.events, map[string]any{"uuid": fmt.Sprintf("u%05d", i), "published": t0.Add(time.Duration(i) * time.Minute).Format("2006-01-02T15:04:05.000Z"),
			"eventType": "user.session.start", "actor": map[string]any{"type": "User", "alternateId": "a@x"}})
	}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	return f
}

func (f *fakeOkta) serve(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	f.requests++
	n := f.requests
	f.authSeen = r.Header.Get("Authorization")
	status, hang := f.fail[n], f.hang[n]
	f.mu.Unlock()
	if hang {
		<-r.Context().Done()
		return
	}
	if status == http.StatusTooManyRequests {
		w.Header().Set("X-Rate-Limit-Reset", strconv.FormatInt(time.Now().Add(30*time.Second).Unix(), 10))
		http.Error(w, `{"errorCode":"E0000047"}`, status)
		return
	}
	if status != 0 {
		http.Error(w, "boom", status)
		return
	}
	q := r.URL.Query()
	limit, _ := strconv.Atoi(q.Get("limit"))
	if limit == 0 {
		limit = 100
	}
	start := 0
	if a := q.Get("after"); a != "" {
		start, _ = strconv.Atoi(a)
	} else if s := q.Get("since"); s != "" {
		since, _ := time.Parse("2006-01-02T15:04:05.000Z", s)
		for start < len(f.events) {
			p, _ := time.Parse("2006-01-02T15:04:05.000Z", f.events[start]["published"].(string))
			if !p.Before(since) {
				break
			}
			start++
		}
	}
	end := min(start+limit, len(f.events))
	w.Header().Set("Link", fmt.Sprintf(`<%s/api/v1/logs?limit=%d>; rel="self", <%s/api/v1/logs?after=%d&limit=%d>; rel="next"`, f.srv.URL, limit, f.srv.URL, end, limit))
	json.NewEncoder(w).Encode(f.events[start:end])
}

type rec struct {
	mu    sync.Mutex
	seen  map[string]int
	pages int
}

func (r *rec) handle(ctx context.Context, p Page) error {
	var evs []map[string]any
	if err := json.Unmarshal(p.Body, &evs); err != nil {
		return err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.pages++
	for _, e := range evs {
		r.seen[e["uuid"].(string)]++
	}
	return nil
}

func client(t *testing.T, f *fakeOkta, dbPath string, waits *[]time.Duration) *Client {
	st, err := sqlstore.OpenSQLite(context.Background(), dbPath)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return &Client{BaseURL: f.srv.URL, Token: "t0k", HTTP: &http.Client{Timeout: 200 * time.Millisecond}, Limit: 100,
		Since:  time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC),
		Cursor: connect.Cursor{St: st, Key: CursorKey},
		Retry:  connect.Retry{Sleep: func(_ context.Context, d time.Duration) error { *waits = append(*waits, d); return nil }}}
}

func TestPullPagesRateLimitsErrorsAndTimeouts(t *testing.T) {
	f := newFake(250)
	defer f.srv.Close()
	f.fail[2] = http.StatusTooManyRequests
	f.fail[3] = http.StatusServiceUnavailable
	f.hang[4] = true
	var waits []time.Duration
	c := client(t, f, filepath.Join(t.TempDir(), "s.db"), &waits)
	r := &rec{seen: map[string]int{}}
	st, err := c.Pull(context.Background(), r.handle)
	if err != nil {
		t.Fatal(err)
	}
	if st.Events != 250 || len(r.seen) != 250 || st.Pages != 3 {
		t.Fatalf("stats %+v, unique %d", st, len(r.seen))
	}
	if len(waits) != 3 || waits[0] < 20*time.Second {
		t.Errorf("waits %v: want the 429 wait from X-Rate-Limit-Reset (~30s) then two backoffs", waits)
	}
	if f.authSeen != "SSWS t0k" {
		t.Errorf("auth header %q", f.authSeen)
	}
}

func TestResumeAfterRestartNoGapsNoDuplicates(t *testing.T) {
	f := newFake(350)
	defer f.srv.Close()
	db := filepath.Join(t.TempDir(), "s.db")
	var waits []time.Duration
	r := &rec{seen: map[string]int{}}
	crash := errors.New("crash")
	c1 := client(t, f, db, &waits)
	calls := 0
	_, err := c1.Pull(context.Background(), func(ctx context.Context, p Page) error {
		calls++
		if calls == 3 {
			return crash // the process dies while storing page 3
		}
		return r.handle(ctx, p)
	})
	if !errors.Is(err, crash) {
		t.Fatalf("want crash, got %v", err)
	}
	if len(r.seen) != 200 {
		t.Fatalf("before restart: %d", len(r.seen))
	}
	c2 := client(t, f, db, &waits) // a new process, same store
	st, err := c2.Pull(context.Background(), r.handle)
	if err != nil {
		t.Fatal(err)
	}
	if len(r.seen) != 350 || st.Events != 150 {
		t.Fatalf("after restart: unique %d, stats %+v", len(r.seen), st)
	}
	for id, n := range r.seen {
		if n != 1 {
			t.Errorf("%s delivered %d times", id, n)
		}
	}
	// Caught up: the next run fetches nothing new.
	f.events = append(f.events, map[string]any{"uuid": "new", "published": "2026-02-01T00:00:00.000Z", "eventType": "user.session.start"})
	st, err = c2.Pull(context.Background(), r.handle)
	if err != nil || st.Events != 1 || r.seen["new"] != 1 {
		t.Fatalf("poll: %v %+v", err, st)
	}
}

func TestRefusesForeignNextLink(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Link", `<https://evil.example/api/v1/logs?after=1>; rel="next"`)
		w.Write([]byte(`[{"uuid":"a"}]`))
	}))
	defer srv.Close()
	var waits []time.Duration
	c := client(t, &fakeOkta{srv: srv}, filepath.Join(t.TempDir(), "s.db"), &waits)
	if _, err := c.Pull(context.Background(), func(context.Context, Page) error { return nil }); err == nil {
		t.Fatal("followed a next link to another host")
	}
}

func TestGivesUpOn4xx(t *testing.T) {
	f := newFake(10)
	defer f.srv.Close()
	f.fail[1] = http.StatusUnauthorized
	var waits []time.Duration
	c := client(t, f, filepath.Join(t.TempDir(), "s.db"), &waits)
	_, err := c.Pull(context.Background(), func(context.Context, Page) error { return nil })
	var he *connect.HTTPError
	if !errors.As(err, &he) || he.Status != 401 || len(waits) != 0 {
		t.Fatalf("err %v waits %v", err, waits)
	}
}
