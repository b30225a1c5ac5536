package detect

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"time"

	"github.com/redflag-dev/redflag/internal/model"
	"github.com/redflag-dev/redflag/internal/store"
)

// Engine holds a set of built detectors.
type Engine struct {
	detectors []Detector
	log       *slog.Logger
}

// NewEngine builds the named detectors, or all registered ones when names is
// empty. Detectors whose factory returns ErrUnavailable are skipped.
func NewEngine(deps Deps, names ...string) (*Engine, error) {
	if deps.Config == nil {
		deps.Config = NoConfig{}
	}
	if deps.Logger == nil {
		deps.Logger = slog.Default()
	}
	if len(names) == 0 {
		names = Registered()
	}
	e := &Engine{log: deps.Logger}
	for _, n := range names {
		regMu.Lock()
		f, ok := registry[n]
		regMu.Unlock()
		if !ok {
			return nil, fmt.Errorf("unknown detector %q", n)
		}
		d, err := f(deps)
		if errors.Is(err, ErrUnavailable) {
			deps.Logger.Info("detector skipped", "detector", n, "why", err)
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("build detector %s: %w", n, err)
		}
		e.detectors = append(e.detectors, d)
	}
	return e, nil
}

// NewEngineWith wraps already-built detectors (tests, embedding).
func NewEngineWith(ds ...Detector) *Engine { return &Engine{detectors: ds, log: slog.Default()} }

// Detectors returns the engine's detectors.
func (e *Engine) Detectors() []Detector { return e.detectors }

// Reasons lists every reason the engine's detectors can emit, by code.
func (e *Engine) Reasons() map[string]model.ReasonDef {
	out := map[string]model.ReasonDef{}
	for _, d := range e.detectors {
		for _, r := range d.Reasons() {
			out[r.Code] = r
		}
	}
	return out
}

// Collector gathers findings, keeping one per ID (the latest emitted).
type Collector struct {
	byID  map[string]int
	items []model.Finding
}

// NewCollector returns an empty collector.
func NewCollector() *Collector { return &Collector{byID: map[string]int{}} }

// Emit adds a finding; a finding with an ID already seen replaces it.
func (c *Collector) Emit(f model.Finding) {
	if f.Severity == 0 {
		f.Severity = 1
	}
	if i, ok := c.byID[f.ID]; ok {
		c.items[i] = f
		return
	}
	c.byID[f.ID] = len(c.items)
	c.items = append(c.items, f)
}

// Findings returns the findings sorted by subject, time and ID.
func (c *Collector) Findings() []model.Finding {
	out := append([]model.Finding(nil), c.items...)
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.SubjectID != b.SubjectID {
			return a.SubjectID < b.SubjectID
		}
		if !a.Time.Equal(b.Time) {
			return a.Time.Before(b.Time)
		}
		return a.ID < b.ID
	})
	return out
}

// Observe feeds one event to every event detector.
func (e *Engine) Observe(ctx context.Context, env *Env, ev *model.Event, emit Emit) {
	for _, d := range e.detectors {
		if od, ok := d.(EventDetector); ok {
			od.Observe(ctx, env, ev, emit)
		}
	}
}

// Finish runs every finisher.
func (e *Engine) Finish(ctx context.Context, env *Env, emit Emit) error {
	for _, d := range e.detectors {
		if f, ok := d.(Finisher); ok {
			if err := f.Finish(ctx, env, emit); err != nil {
				return fmt.Errorf("detector %s: %w", d.Name(), err)
			}
		}
	}
	return nil
}

// RunStats summarises a detection run.
type RunStats struct {
	Subjects int
	Events   int
	Findings int
	Took     time.Duration
}

// Run streams every stored event of the tenant through the detectors, runs
// the finishers, and replaces the stored findings of these detectors with
// the new ones, in one transaction. Running it twice over the same data
// stores the same findings.
func (e *Engine) Run(ctx context.Context, st store.Store, tenant string, now time.Time) (RunStats, error) {
	start := time.Now()
	var subjects []model.Subject
	if err := st.EachSubject(ctx, tenant, func(s model.Subject) error { subjects = append(subjects, s); return nil }); err != nil {
		return RunStats{}, fmt.Errorf("load subjects: %w", err)
	}
	env := NewEnv(tenant, subjects, now)
	col := NewCollector()
	n := 0
	err := st.EachEvent(ctx, tenant, store.EventQuery{}, func(ev model.Event) error {
		n++
		e.Observe(ctx, env, &ev, col.Emit)
		return ctx.Err()
	})
	if err != nil {
		return RunStats{}, fmt.Errorf("stream events: %w", err)
	}
	if err := e.Finish(ctx, env, col.Emit); err != nil {
		return RunStats{}, err
	}
	fs := col.Findings()
	for i := range fs {
		fs[i].Tenant = tenant
	}
	names := make([]string, 0, len(e.detectors))
	for _, d := range e.detectors {
		names = append(names, d.Name())
	}
	if err := st.ReplaceFindings(ctx, tenant, names, fs); err != nil {
		return RunStats{}, fmt.Errorf("store findings: %w", err)
	}
	return RunStats{Subjects: len(subjects), Events: n, Findings: len(fs), Took: time.Since(start)}, nil
}
