// Package detect runs detectors over normalised events and subjects and
// collects their findings. Detectors live in their own packages by family
// (internal/detect/<family>) and register themselves in init(), the way Caddy
// modules do; the binary picks them up with blank imports in internal/app.
//
// A detector sees every event of a tenant once, in time order, through
// Observe, and keeps whatever per-subject state it needs: it never rescans
// history. Detectors that join across subjects (laptop farms, shared bank
// accounts) do so in Finish, which runs after the last event of a batch.
package detect

import (
	"context"
	"fmt"
	"log/slog"
	"sort"
	"sync"
	"time"

	"github.com/redflag-dev/redflag/internal/model"
	"github.com/redflag-dev/redflag/internal/store"
)

// Emit records a finding.
type Emit func(model.Finding)

// Detector is the part every detector has.
type Detector interface {
	// Name is the detector's stable name; findings carry it.
	Name() string
	// Reasons lists every reason code the detector can emit.
	Reasons() []model.ReasonDef
}

// EventDetector sees each event once, in (time, id) order.
type EventDetector interface {
	Detector
	Observe(ctx context.Context, env *Env, ev *model.Event, emit Emit)
}

// Finisher runs after the last event of a batch.
type Finisher interface {
	Detector
	Finish(ctx context.Context, env *Env, emit Emit) error
}

// Config reads a detector's settings. Unmarshal decodes the configuration
// subtree at path (e.g. "detectors.network") into v, leaving fields the
// configuration does not set at their current values (the defaults).
type Config interface {
	Unmarshal(path string, v any) error
}

// NoConfig leaves every default in place.
type NoConfig struct{}

// Unmarshal implements Config.
func (NoConfig) Unmarshal(string, any) error { return nil }

// Deps are what a detector factory may use.
type Deps struct {
	Store  store.Store
	Config Config
	Logger *slog.Logger
	// Services holds shared services by name ("sanctions", "indicators",
	// "ipintel", "graph"); see the constants below. A detector whose service
	// is missing should return ErrUnavailable from its factory.
	Services map[string]any
}

// Service names used in Deps.Services.
const (
	SvcSanctions  = "sanctions"
	SvcIndicators = "indicators"
	SvcIPIntel    = "ipintel"
	SvcGraph      = "graph"
	SvcKeyer      = "keyer"
)

// ErrUnavailable tells the engine to skip a detector whose dependencies are
// not configured; it is logged, not fatal.
var ErrUnavailable = fmt.Errorf("detector unavailable")

// Factory builds a detector.
type Factory func(deps Deps) (Detector, error)

var (
	regMu    sync.Mutex
	registry = map[string]Factory{}
)

// Register adds a detector factory. It panics on a duplicate name, which is
// a programming error.
func Register(name string, f Factory) {
	regMu.Lock()
	defer regMu.Unlock()
	if _, dup := registry[name]; dup {
		panic("detect: duplicate detector " + name)
	}
	registry[name] = f
}

// Registered lists registered detector names, sorted.
func Registered() []string {
	regMu.Lock()
	defer regMu.Unlock()
	out := make([]string, 0, len(registry))
	for n := range registry {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// Env is what detectors see besides the event itself.
type Env struct {
	Tenant   string
	subjects map[string]*model.Subject
	order    []string
	// Now is the analysis time; detectors use it instead of time.Now so that
	// runs over the same data agree.
	Now time.Time
}

// NewEnv builds an environment over the given subjects.
func NewEnv(tenant string, subjects []model.Subject, now time.Time) *Env {
	e := &Env{Tenant: tenant, subjects: make(map[string]*model.Subject, len(subjects)), Now: now}
	for i := range subjects {
		s := &subjects[i]
		e.subjects[s.ID] = s
		e.order = append(e.order, s.ID)
	}
	sort.Strings(e.order)
	return e
}

// Subject returns the subject with the id, or nil.
func (e *Env) Subject(id string) *model.Subject { return e.subjects[id] }

// Subjects calls fn for every subject in ID order.
func (e *Env) Subjects(fn func(*model.Subject)) {
	for _, id := range e.order {
		fn(e.subjects[id])
	}
}

// AddSubject adds or replaces a subject (streaming mode).
func (e *Env) AddSubject(s model.Subject) {
	if _, ok := e.subjects[s.ID]; !ok {
		e.order = append(e.order, s.ID)
		sort.Strings(e.order)
	}
	e.subjects[s.ID] = &s
}
