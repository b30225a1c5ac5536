package app

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/spf13/cobra"

	"github.com/redflag-dev/redflag/internal/auth"
	"github.com/redflag-dev/redflag/internal/web"
)

// This file belongs to the web subsystem (issue 7): `redflag bench web`
// measures page render times, risk recomputation and API throughput on the
// configured store (e.g. a `redflag demo --workers 10000 --no-serve` folder).

func init() {
	addBenchCommand(func(a *App) *cobra.Command {
		var pages, conc int
		var dur time.Duration
		cmd := &cobra.Command{
			Use:   "web",
			Short: "Queue and subject page server time, risk recomputation, API reads per second on the configured store",
			Long: `Measures on the configured store (it adds a user "bench-web" and audit entries for
the pages it views):
  - server time of the case queue and of subject pages (top-risk and ordinary subjects),
  - risk recomputation for all subjects (pipeline scoring, as after detection),
  - GET /api/v1/subjects/{id} requests per second over loopback HTTP.`,
			Args: cobra.NoArgs,
			RunE: func(cmd *cobra.Command, args []string) error {
				return a.benchWeb(cmd.Context(), cmd.OutOrStdout(), pages, conc, dur)
			},
		}
		cmd.Flags().IntVar(&pages, "pages", 100, "subject pages to render")
		cmd.Flags().IntVar(&conc, "concurrency", 16, "parallel API clients")
		cmd.Flags().DurationVar(&dur, "duration", 10*time.Second, "API load duration")
		return cmd
	})
}

func pct(ds []time.Duration, p float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := append([]time.Duration(nil), ds...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return s[min(len(s)-1, int(float64(len(s))*p))]
}

func (a *App) benchWeb(ctx context.Context, out io.Writer, pages, conc int, dur time.Duration) error {
	st, err := a.Store(ctx)
	if err != nil {
		return err
	}
	if o, ok := st.(interface{ Optimize(context.Context) error }); ok {
		if err := o.Optimize(ctx); err != nil {
			return err
		}
	}
	am, err := a.Auth(ctx)
	if err != nil {
		return err
	}
	am.BcryptCost = 4
	pw := auth.RandomPassword()
	if _, err := am.SetUser(ctx, "bench-web", pw, auth.Analyst); err != nil {
		return err
	}
	sid, _, err := am.Login(ctx, "bench-web", pw, "bench")
	if err != nil {
		return err
	}
	tok, _, err := am.NewToken(ctx, "bench-web", "bench")
	if err != nil {
		return err
	}
	p, err := a.Pipeline(ctx)
	if err != nil {
		return err
	}
	srv, err := web.New(web.Options{Store: st, Auth: am, Tenant: a.Tenant(), Log: a.Log, Risk: p.Risk, Reasons: p.Engine.Reasons()})
	if err != nil {
		return err
	}
	nSub, _ := st.CountSubjects(ctx, a.Tenant())
	nEv, _ := st.CountEvents(ctx, a.Tenant())
	fmt.Fprintf(out, "store %s: %d subjects, %d events\n", st.Backend(), nSub, nEv)

	page := func(path string) (time.Duration, error) {
		req := httptest.NewRequest("GET", path, nil)
		req.AddCookie(&http.Cookie{Name: "rf_session", Value: sid})
		w := httptest.NewRecorder()
		start := time.Now()
		srv.ServeHTTP(w, req)
		d := time.Since(start)
		if w.Code != 200 {
			return d, fmt.Errorf("%s: status %d", path, w.Code)
		}
		return d, nil
	}
	var qs []time.Duration
	for _, path := range []string{"/queue", "/queue?state=all", "/queue?state=all&sort=updated", "/queue?level=high&assignee=none"} {
		for i := 0; i < 10; i++ {
			d, err := page(path)
			if err != nil {
				return err
			}
			qs = append(qs, d)
		}
	}
	fmt.Fprintf(out, "queue page:   %d renders, median %s, p95 %s, max %s\n", len(qs), pct(qs, .5).Round(10*time.Microsecond), pct(qs, .95).Round(10*time.Microsecond), pct(qs, 1).Round(10*time.Microsecond))

	risks, err := st.ListRisks(ctx, a.Tenant(), 0)
	if err != nil {
		return err
	}
	var ids []string
	for i := 0; i < len(risks) && len(ids) < pages/2; i++ {
		ids = append(ids, risks[i].SubjectID)
	}
	for i := len(risks) - 1; i >= 0 && len(ids) < pages; i -= max(1, len(risks)/pages) {
		ids = append(ids, risks[i].SubjectID)
	}
	var ss []time.Duration
	for _, id := range ids {
		d, err := page("/subjects/" + id)
		if err != nil {
			return err
		}
		ss = append(ss, d)
	}
	fmt.Fprintf(out, "subject page: %d renders (top-risk and ordinary), median %s, p95 %s, max %s\n", len(ss), pct(ss, .5).Round(10*time.Microsecond), pct(ss, .95).Round(10*time.Microsecond), pct(ss, 1).Round(10*time.Microsecond))

	start := time.Now()
	scored, err := p.Score(ctx, a.Now())
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "risk recomputation: %d subjects in %s\n", len(scored), time.Since(start).Round(time.Millisecond))

	ts := httptest.NewServer(srv)
	defer ts.Close()
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: conc * 2}}
	subj := make([]string, 0, len(risks))
	for _, r := range risks {
		subj = append(subj, r.SubjectID)
	}
	if len(subj) == 0 {
		subj = []string{"none"}
	}
	var n, fails atomic.Int64
	stop := time.Now().Add(dur)
	var wg sync.WaitGroup
	for c := 0; c < conc; c++ {
		wg.Add(1)
		go func(c int) {
			defer wg.Done()
			for i := c; time.Now().Before(stop); i += conc {
				req, _ := http.NewRequestWithContext(ctx, "GET", ts.URL+"/api/v1/subjects/"+subj[i%len(subj)], nil)
				req.Header.Set("Authorization", "Bearer "+tok)
				resp, err := client.Do(req)
				if err != nil {
					fails.Add(1)
					continue
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != 200 {
					fails.Add(1)
					continue
				}
				n.Add(1)
			}
		}(c)
	}
	wg.Wait()
	fmt.Fprintf(out, "API GET /api/v1/subjects/{id}: %d requests in %s over loopback, %.0f req/s, %d failed (%d clients)\n", n.Load(), dur, float64(n.Load())/dur.Seconds(), fails.Load(), conc)
	return nil
}
