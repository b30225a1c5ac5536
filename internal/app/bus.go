package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"sync"
	"time"

	"github.com/redflag-dev/redflag/internal/bus"
	"github.com/redflag-dev/redflag/internal/detect"
	"github.com/redflag-dev/redflag/internal/ingest"
	"github.com/redflag-dev/redflag/internal/pipeline"
)

// This file wires the event bus (issue 8): configuration, the publishing
// sink that `redflag ingest` and `redflag demo` use when bus.mode is not
// "off", the in-process worker of embedded mode, and waiting for the workers
// before reporting. Worker processes are `redflag worker` (worker.go).

func init() {
	d := bus.Defaults()
	Defaults["bus.mode"] = d.Mode
	Defaults["bus.url"] = ""
	Defaults["bus.prefix"] = d.Prefix
	Defaults["bus.partitions"] = d.Partitions
	Defaults["bus.replicas"] = d.Replicas
	Defaults["bus.max_age"] = d.MaxAge.String()
	Defaults["bus.dedupe"] = d.Dedupe.String()
	Defaults["bus.lease_ttl"] = d.LeaseTTL.String()
	Defaults["bus.batch"] = d.Batch
	Defaults["bus.batch_bytes"] = d.BatchBytes
	Defaults["bus.analyze_every"] = d.AnalyzeEvery.String()
	Defaults["bus.analyze_max"] = d.AnalyzeMax.String()
	Defaults["bus.listen"] = ""
	Defaults["bus.wait"] = "0s"
}

type busState struct {
	mu     sync.Mutex
	conn   *bus.Conn
	cancel context.CancelFunc
	done   chan struct{}
}

// BusConfig reads the bus section of the configuration.
func (a *App) BusConfig() bus.Config {
	k := a.K
	c := bus.Config{
		Mode: k.String("bus.mode"), URL: k.String("bus.url"), Listen: k.String("bus.listen"), Prefix: k.String("bus.prefix"),
		Partitions: k.Int("bus.partitions"), Replicas: k.Int("bus.replicas"), MaxAge: k.Duration("bus.max_age"),
		Dedupe: k.Duration("bus.dedupe"), LeaseTTL: k.Duration("bus.lease_ttl"), Batch: k.Int("bus.batch"), BatchBytes: k.Int("bus.batch_bytes"),
		AnalyzeEvery: k.Duration("bus.analyze_every"), AnalyzeMax: k.Duration("bus.analyze_max"),
		StoreDir: k.String("bus.store_dir"),
	}
	if c.StoreDir == "" {
		c.StoreDir = filepath.Join(a.DataDir(), "nats")
	}
	return c
}

// BusMode is "off", "embedded" or "external".
func (a *App) BusMode() string {
	m := a.K.String("bus.mode")
	if m == "" {
		return bus.ModeOff
	}
	return m
}

func (a *App) busState() *busState {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.bus == nil {
		a.bus = &busState{}
	}
	return a.bus
}

// Bus opens the bus once (starting the embedded server in embedded mode).
func (a *App) Bus(ctx context.Context) (*bus.Conn, error) {
	bs := a.busState()
	bs.mu.Lock()
	defer bs.mu.Unlock()
	if bs.conn != nil {
		return bs.conn, nil
	}
	if a.BusMode() == bus.ModeOff {
		return nil, errors.New("the event bus is off: set bus.mode to embedded or external, or pass --nats nats://…")
	}
	c, err := bus.Open(ctx, a.BusConfig(), a.Log)
	if err != nil {
		return nil, err
	}
	bs.conn = c
	return c, nil
}

func (a *App) closeBus() {
	a.mu.Lock()
	bs := a.bus
	a.mu.Unlock()
	if bs == nil {
		return
	}
	bs.mu.Lock()
	defer bs.mu.Unlock()
	if bs.cancel != nil {
		bs.cancel()
		<-bs.done
		bs.cancel = nil
	}
	if bs.conn != nil {
		bs.conn.Close()
		bs.conn = nil
	}
}

// NewDetectors builds a fresh set of the configured detectors.
func (a *App) NewDetectors(ctx context.Context) ([]detect.Detector, error) {
	eng, err := a.Engine(ctx)
	if err != nil {
		return nil, err
	}
	return eng.Detectors(), nil
}

// NewWorker builds a stream worker over the app's store, enrichers and
// detectors. leader: whether it may run the cross-subject stage.
func (a *App) NewWorker(ctx context.Context, c *bus.Conn, id string, leader bool) (*bus.Worker, error) {
	st, err := a.Store(ctx)
	if err != nil {
		return nil, err
	}
	en, err := a.Enricher(ctx)
	if err != nil {
		return nil, err
	}
	newDet := func() ([]detect.Detector, error) { return a.NewDetectors(ctx) }
	if _, err := newDet(); err != nil {
		return nil, err
	}
	w := &bus.Worker{C: c, Store: st, ID: id, Enricher: en, NewDetectors: newDet, Now: a.Now, Log: a.Log}
	if leader {
		pl, err := a.Pipeline(ctx)
		if err != nil {
			return nil, err
		}
		w.Analyze = bus.Analyzer(newDet, func(tenant string) (*pipeline.Pipeline, error) {
			return &pipeline.Pipeline{Store: pl.Store, Enricher: pl.Enricher, Engine: pl.Engine, Risk: pl.Risk, Cases: pl.Cases, Tenant: tenant, Log: pl.Log}, nil
		}, a.Now)
	}
	return w, nil
}

// IngestSink is where `redflag ingest` sends parsed records: the pipeline
// itself when the bus is off, else a bus publisher. In embedded mode it also
// starts the in-process worker (once), so the records are processed by the
// same worker code a scale-out deployment runs.
func (a *App) IngestSink(ctx context.Context, p *pipeline.Pipeline) (ingest.Sink, error) {
	if a.BusMode() == bus.ModeOff {
		return p, nil
	}
	c, err := a.Bus(ctx)
	if err != nil {
		return nil, err
	}
	if a.BusMode() == bus.ModeEmbedded {
		if err := a.startEmbeddedWorker(ctx, c); err != nil {
			return nil, err
		}
	}
	return &bus.Publisher{C: c, Tenant: a.Tenant()}, nil
}

func (a *App) startEmbeddedWorker(ctx context.Context, c *bus.Conn) error {
	bs := a.busState()
	bs.mu.Lock()
	running := bs.cancel != nil
	bs.mu.Unlock()
	if running {
		return nil
	}
	// No leader in-process: `ingest` and `demo` call Analyze once at the end,
	// as the direct mode does (analyzeOnBus), so that one run leaves one
	// analysis behind (scores' previous levels and case history included).
	w, err := a.NewWorker(ctx, c, "embedded", false)
	if err != nil {
		return err
	}
	wctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := w.Run(wctx); err != nil {
			a.Log.Error("embedded worker stopped", "err", err)
		}
	}()
	bs.mu.Lock()
	bs.cancel, bs.done = cancel, done
	bs.mu.Unlock()
	return nil
}

// flushBus waits, when records went through the bus, until the workers have
// stored everything published, so that the next ingest resolves logins and
// hosts against the people just loaded.
func (a *App) flushBus(ctx context.Context) error {
	if a.BusMode() == bus.ModeOff {
		return nil
	}
	c, err := a.Bus(ctx)
	if err != nil {
		return err
	}
	st, err := a.Store(ctx)
	if err != nil {
		return err
	}
	if d := a.K.Duration("bus.wait"); d > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, d)
		defer cancel()
	}
	return bus.WaitCaughtUp(ctx, c, st, 50*time.Millisecond)
}

// analyzeOnBus replaces the batch analysis when records went through the
// bus: the workers' leader runs it, so wait until they are idle. It returns
// false when the bus is off.
func (a *App) analyzeOnBus(ctx context.Context, w io.Writer) (bool, error) {
	if a.BusMode() == bus.ModeOff {
		return false, nil
	}
	c, err := a.Bus(ctx)
	if err != nil {
		return true, err
	}
	st, err := a.Store(ctx)
	if err != nil {
		return true, err
	}
	if d := a.K.Duration("bus.wait"); d > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, d)
		defer cancel()
	}
	start := time.Now()
	if a.BusMode() == bus.ModeEmbedded {
		// The in-process worker stores; once it has caught up, run the
		// cross-person stage, scoring and cases here, once.
		if err := a.startEmbeddedWorker(ctx, c); err != nil {
			return true, err
		}
		if err := bus.WaitCaughtUp(ctx, c, st, 50*time.Millisecond); err != nil {
			return true, err
		}
		newDet := func() ([]detect.Detector, error) { return a.NewDetectors(ctx) }
		pl, err := a.Pipeline(ctx)
		if err != nil {
			return true, err
		}
		analyze := bus.Analyzer(newDet, func(string) (*pipeline.Pipeline, error) { return pl, nil }, a.Now)
		if err := analyze(ctx, a.Tenant()); err != nil {
			return true, err
		}
		fmt.Fprintf(w, "analysed on the embedded bus (%.1fs)\n", time.Since(start).Seconds())
		return true, nil
	}
	fmt.Fprintln(w, "waiting for the workers to process and analyse what was published ...")
	if err := bus.WaitIdle(ctx, c, st, 100*time.Millisecond); err != nil {
		return true, err
	}
	s, err := bus.Progress(ctx, c, st)
	if err != nil {
		return true, err
	}
	fmt.Fprintf(w, "workers idle: %d records processed for tenant %s, analysed (%.1fs)\n", s.Processed[a.Tenant()], a.Tenant(), time.Since(start).Seconds())
	return true, nil
}
