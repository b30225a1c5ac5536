package app

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/spf13/cobra"

	"github.com/redflag-dev/redflag/internal/bus"
	"github.com/redflag-dev/redflag/internal/model"
	"github.com/redflag-dev/redflag/internal/store/sqlstore"
)

func init() { addBenchCommand(newBenchIngestCmd) }

type benchIngestOpts struct {
	events, rate, workers, subjects, partitions, batch int
	timeout                                            time.Duration
}

func newBenchIngestCmd(a *App) *cobra.Command {
	var o benchIngestOpts
	cmd := &cobra.Command{
		Use:   "ingest",
		Short: "Publish synthetic sign-ins through the bus to worker processes; print throughput and publish→commit lag",
		Long: `Start W 'redflag worker' processes on a fresh bus prefix and a fresh store
(a new schema with --postgres, else a temporary SQLite file), publish N synthetic
sign-ins at R events/s (0: as fast as possible), and report the end-to-end
throughput and the lag from publish to the commit of the event and its findings
(p50, p90, p99, max). Without --nats an embedded NATS server is started with a
local port for the workers. The cross-person leader stage is off during the run.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.benchIngest(cmd.Context(), cmd.OutOrStdout(), o)
		},
	}
	f := cmd.Flags()
	f.IntVar(&o.events, "events", 200000, "events to publish")
	f.IntVar(&o.rate, "rate", 0, "target publish rate in events/s (0: as fast as possible)")
	f.IntVar(&o.workers, "workers", 2, "worker processes")
	f.IntVar(&o.subjects, "subjects", 20000, "distinct people the sign-ins belong to")
	f.IntVar(&o.partitions, "partitions", 16, "stream partitions")
	f.IntVar(&o.batch, "batch", 1000, "messages a worker commits at once")
	f.DurationVar(&o.timeout, "timeout", 10*time.Minute, "give up after this long")
	return cmd
}

func (a *App) benchIngest(ctx context.Context, out io.Writer, o benchIngestOpts) error {
	ctx, cancel := context.WithTimeout(ctx, o.timeout)
	defer cancel()
	tmp, err := os.MkdirTemp("", "redflag-bench-bus-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	prefix := fmt.Sprintf("bench%d", time.Now().UnixNano()%1e9)

	cfg := a.BusConfig()
	cfg.Prefix, cfg.Partitions, cfg.Batch = prefix, o.partitions, o.batch
	cfg.MaxAge = time.Hour
	if cfg.Mode != bus.ModeExternal {
		cfg.Mode, cfg.StoreDir, cfg.Listen = bus.ModeEmbedded, filepath.Join(tmp, "nats"), "127.0.0.1:-1"
	}
	c, err := bus.Open(ctx, cfg, a.Log)
	if err != nil {
		return err
	}
	defer func() {
		s, _ := c.JS.Stream(context.Background(), c.Names.Stream())
		if s != nil && cfg.Mode == bus.ModeExternal {
			c.JS.DeleteStream(context.Background(), c.Names.Stream())
			c.JS.DeleteStream(context.Background(), c.Names.DLQStream())
			c.JS.DeleteKeyValue(context.Background(), c.Names.Bucket())
		}
		c.Close()
	}()
	url := c.ClientURL()

	// A fresh store the workers share.
	storeArgs := []string{"--data-dir", filepath.Join(tmp, "data")}
	backend := "sqlite"
	if a.K.String("store.driver") == "postgres" {
		backend = "postgres"
		dsn := a.K.String("store.postgres")
		admin, err := sqlstore.OpenPostgres(ctx, dsn)
		if err != nil {
			return err
		}
		schema := "bench_" + prefix
		if _, err := admin.DB().ExecContext(ctx, "CREATE SCHEMA "+schema); err != nil {
			admin.Close()
			return fmt.Errorf("create schema: %w", err)
		}
		defer func() {
			admin.DB().ExecContext(context.Background(), "DROP SCHEMA "+schema+" CASCADE")
			admin.Close()
		}()
		sep := "?"
		if strings.Contains(dsn, "?") {
			sep = "&"
		}
		full := dsn + sep + "search_path=" + schema
		st, err := sqlstore.OpenPostgres(ctx, full) // migrate once
		if err != nil {
			return err
		}
		st.Close()
		storeArgs = append(storeArgs, "--postgres", full)
	} else {
		st, err := sqlstore.OpenSQLite(ctx, filepath.Join(tmp, "data", "redflag.db"))
		if err != nil {
			return err
		}
		st.Close()
	}
	self, err := os.Executable()
	if err != nil {
		return err
	}
	var procs []*exec.Cmd
	defer func() {
		for _, p := range procs {
			p.Process.Signal(syscall.SIGTERM)
		}
		for _, p := range procs {
			p.Wait()
		}
	}()
	for i := 0; i < o.workers; i++ {
		args := append([]string{}, storeArgs...)
		if a.configPath != "" {
			args = append(args, "--config", a.configPath)
		}
		args = append(args, "--nats", url, "worker", "--no-leader", "--id", fmt.Sprintf("bench-%d", i))
		p := exec.Command(self, args...)
		p.Env = append(os.Environ(), "REDFLAG_BUS__PREFIX="+prefix, fmt.Sprintf("REDFLAG_BUS__PARTITIONS=%d", o.partitions),
			fmt.Sprintf("REDFLAG_BUS__BATCH=%d", o.batch), "REDFLAG_BUS__LEASE_TTL=3s", "REDFLAG_LOG__LEVEL=warn")
		p.Stderr = os.Stderr
		if err := p.Start(); err != nil {
			return fmt.Errorf("start worker: %w", err)
		}
		procs = append(procs, p)
	}
	// Wait until the workers own every partition.
	st, err := a.benchStore(ctx, storeArgs)
	if err != nil {
		return err
	}
	defer st.Close()
	if err := bus.WaitCaughtUp(ctx, c, st, 100*time.Millisecond); err != nil {
		return err
	}
	// ... and the partitions are spread over all of them (a worker that joins
	// later would move partitions in the middle of the measurement).
	kv, err := c.JS.KeyValue(ctx, c.Names.Bucket())
	if err != nil {
		return err
	}
	for {
		keys, _ := kv.Keys(ctx)
		n := 0
		owners := map[string]bool{}
		for _, k := range keys {
			if strings.HasPrefix(k, "part.") {
				if e, err := kv.Get(ctx, k); err == nil {
					n++
					owners[string(e.Value())] = true
				}
			}
		}
		if n == o.partitions && len(owners) == min(o.workers, o.partitions) {
			break
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
	var mu sync.Mutex
	var lags []int64
	processed := 0
	var lastCommit int64
	done := make(chan struct{})
	sub, err := c.NC.Subscribe(c.Names.StatsSubject(), func(m *nats.Msg) {
		var s bus.Stats
		if json.Unmarshal(m.Data, &s) != nil {
			return
		}
		mu.Lock()
		defer mu.Unlock()
		processed += s.Events
		lags = append(lags, s.LagNanos...)
		lastCommit = max(lastCommit, s.Committed)
		if processed >= o.events {
			select {
			case <-done:
			default:
				close(done)
			}
		}
	})
	if err != nil {
		return err
	}
	defer sub.Unsubscribe()

	pub := &bus.Publisher{C: c, Tenant: "bench"}
	t0 := time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)
	start := time.Now()
	const chunk = 1000
	evs := make([]model.Event, 0, chunk)
	for i := 0; i < o.events; i += chunk {
		evs = evs[:0]
		for j := i; j < min(i+chunk, o.events); j++ {
			s := fmt.Sprintf("u%06d", j%o.subjects)
			evs = append(evs, model.Event{Tenant: "bench", ID: fmt.Sprintf("%s-%d", prefix, j), Kind: model.EvSignIn, Time: t0.Add(time.Duration(j) * time.Millisecond),
				SubjectID: s, Source: "bench", SignIn: &model.SignIn{Provider: "okta", Login: s + "@example.com", EventType: "user.session.start", Outcome: "success",
					IP: fmt.Sprintf("198.51.%d.%d", (j/250)%250, j%250), UserAgent: "Mozilla/5.0", DeviceID: "d-" + s}})
		}
		if o.rate > 0 {
			due := start.Add(time.Duration(float64(i) / float64(o.rate) * float64(time.Second)))
			if d := time.Until(due); d > 0 {
				time.Sleep(d)
			}
		}
		if err := pub.Events(ctx, evs, nil); err != nil {
			return err
		}
	}
	published := time.Since(start)
	select {
	case <-done:
	case <-ctx.Done():
		mu.Lock()
		defer mu.Unlock()
		return fmt.Errorf("only %d of %d events processed before the timeout", processed, o.events)
	}
	mu.Lock()
	defer mu.Unlock()
	e2e := time.Duration(lastCommit - start.UnixNano())
	sort.Slice(lags, func(i, j int) bool { return lags[i] < lags[j] })
	pct := func(p float64) time.Duration {
		if len(lags) == 0 {
			return 0
		}
		return time.Duration(lags[min(len(lags)-1, int(p*float64(len(lags))))])
	}
	rate := "max"
	if o.rate > 0 {
		rate = fmt.Sprintf("%d/s", o.rate)
	}
	fmt.Fprintf(out, "bus %s, store %s, %d workers, %d partitions, batch %d, %d people, rate %s\n", cfg.Mode, backend, o.workers, o.partitions, o.batch, o.subjects, rate)
	fmt.Fprintf(out, "published %d events in %.2fs (%.0f/s); processed end to end in %.2fs: %.0f events/s\n",
		o.events, published.Seconds(), float64(o.events)/published.Seconds(), e2e.Seconds(), float64(o.events)/e2e.Seconds())
	fmt.Fprintf(out, "lag publish→commit: p50 %s  p90 %s  p99 %s  max %s  (%d samples)\n",
		pct(0.50).Round(time.Millisecond), pct(0.90).Round(time.Millisecond), pct(0.99).Round(time.Millisecond), pct(1).Round(time.Millisecond), len(lags))
	return nil
}

func (a *App) benchStore(ctx context.Context, storeArgs []string) (*sqlstore.Store, error) {
	for i := 0; i < len(storeArgs)-1; i++ {
		if storeArgs[i] == "--postgres" {
			return sqlstore.OpenPostgres(ctx, storeArgs[i+1])
		}
	}
	return sqlstore.OpenSQLite(ctx, filepath.Join(storeArgs[1], "redflag.db"))
}
