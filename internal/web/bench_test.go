package web

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/redflag-dev/redflag/internal/auth"
	"github.com/redflag-dev/redflag/internal/store"
	"github.com/redflag-dev/redflag/internal/store/sqlstore"
	"github.com/redflag-dev/redflag/internal/web/webfixture"
)

// The web benchmarks share one store of REDFLAG_BENCH_SUBJECTS subjects
// (default 2000; docs/benchmarks/web.md uses 10000) with 20 sign-ins each.
var bench struct {
	once sync.Once
	st   store.Store
	srv  *Server
	fx   webfixture.Fixture
	sid  string // session cookie of an analyst
	tok  string // API token of an analyst
	err  error
	dir  string
}

// TestMain removes the shared benchmark store when the run ends.
func TestMain(m *testing.M) {
	code := m.Run()
	if bench.st != nil {
		bench.st.Close()
	}
	if bench.dir != "" {
		os.RemoveAll(bench.dir)
	}
	os.Exit(code)
}

func benchEnv(b *testing.B) {
	bench.once.Do(func() {
		n := 2000
		if v, err := strconv.Atoi(os.Getenv("REDFLAG_BENCH_SUBJECTS")); err == nil && v > 0 {
			n = v
		}
		ctx := context.Background()
		bench.dir, bench.err = os.MkdirTemp("", "rfbench")
		if bench.err != nil {
			return
		}
		st, err := sqlstore.OpenSQLite(ctx, filepath.Join(bench.dir, "bench.db"))
		if err != nil {
			bench.err = err
			return
		}
		start := time.Now()
		if bench.fx, err = webfixture.Build(ctx, st, n, 20, fixtureNow); err != nil {
			bench.err = err
			return
		}
		b.Logf("fixture: %d subjects, %d events in %s", bench.fx.Subjects, bench.fx.Events, time.Since(start).Round(time.Millisecond))
		am := &auth.Manager{Store: st, BcryptCost: bcrypt.MinCost}
		am.SetUser(ctx, "ann", testPassword, auth.Analyst)
		bench.sid, _, err = am.Login(ctx, "ann", testPassword, "bench")
		if err != nil {
			bench.err = err
			return
		}
		bench.tok, _, _ = am.NewToken(ctx, "ann", "bench")
		bench.st = st
		bench.srv, bench.err = New(Options{Store: st, Auth: am, Reasons: webfixture.Reasons, Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	})
	if bench.err != nil {
		b.Fatal(bench.err)
	}
}

func benchPage(b *testing.B, path string) {
	benchEnv(b)
	req := httptest.NewRequest("GET", path, nil)
	req.AddCookie(&http.Cookie{Name: sessionCookie, Value: bench.sid})
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		w := httptest.NewRecorder()
		bench.srv.ServeHTTP(w, req)
		if w.Code != 200 {
			b.Fatalf("%s: %d", path, w.Code)
		}
	}
}

func BenchmarkQueuePage(b *testing.B)          { benchPage(b, "/queue") }
func BenchmarkQueuePageAllSorted(b *testing.B) { benchPage(b, "/queue?state=all&sort=updated&q=smith") }
func BenchmarkSubjectPageSuspicious(b *testing.B) {
	benchEnv(b)
	benchPage(b, "/subjects/"+bench.fx.Suspicious[0])
}
func BenchmarkSubjectPageOrdinary(b *testing.B) { benchPage(b, "/subjects/p00010") }

// BenchmarkRiskRecomputeAll scores every subject from the stored findings,
// stores the risks and syncs cases, as the pipeline does after detection.
func BenchmarkRiskRecomputeAll(b *testing.B) {
	benchEnv(b)
	for i := 0; i < b.N; i++ {
		if _, err := webfixture.Rescore(context.Background(), bench.st, fixtureNow); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkAPISubjectRead measures GET /api/v1/subjects/{id} over loopback
// HTTP with a token, from parallel clients; it reports requests per second.
func BenchmarkAPISubjectRead(b *testing.B) {
	benchEnv(b)
	ts := httptest.NewServer(bench.srv)
	defer ts.Close()
	tr := &http.Transport{MaxIdleConnsPerHost: 64}
	client := &http.Client{Transport: tr}
	n := bench.fx.Subjects
	b.SetParallelism(8)
	b.ResetTimer()
	start := time.Now()
	var ctr sync.Mutex
	i := 0
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			ctr.Lock()
			i++
			id := i % n
			ctr.Unlock()
			req, _ := http.NewRequest("GET", ts.URL+"/api/v1/subjects/p"+pad5(id), nil)
			req.Header.Set("Authorization", "Bearer "+bench.tok)
			resp, err := client.Do(req)
			if err != nil {
				b.Error(err)
				return
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 {
				b.Errorf("status %d", resp.StatusCode)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "req/s")
}

func pad5(i int) string {
	s := strconv.Itoa(i)
	for len(s) < 5 {
		s = "0" + s
	}
	return s
}

// BenchmarkAPISubjectReadInProcess is the same read without the loopback
// network and client: the server's own cost per request.
func BenchmarkAPISubjectReadInProcess(b *testing.B) {
	benchEnv(b)
	n := bench.fx.Subjects
	var ctr sync.Mutex
	i := 0
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			ctr.Lock()
			i++
			id := i % n
			ctr.Unlock()
			req := httptest.NewRequest("GET", "/api/v1/subjects/p"+pad5(id), nil)
			req.Header.Set("Authorization", "Bearer "+bench.tok)
			w := httptest.NewRecorder()
			bench.srv.ServeHTTP(w, req)
			if w.Code != 200 {
				b.Errorf("status %d", w.Code)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "req/s")
}
