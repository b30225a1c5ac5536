package app

import (
	"context"
	"errors"
	"fmt"
	"sort"

	"github.com/redflag-dev/redflag/internal/cases"
	"github.com/redflag-dev/redflag/internal/detect"
	"github.com/redflag-dev/redflag/internal/enrich"
	"github.com/redflag-dev/redflag/internal/model"
	"github.com/redflag-dev/redflag/internal/pipeline"
	"github.com/redflag-dev/redflag/internal/risk"
)

// Service providers and enrichers register here from their subsystem files
// (sanctions.go, indicators.go, ipintel.go ...) in init().
var (
	serviceProviders  = map[string]func(ctx context.Context, a *App) (any, error){}
	enricherProviders []enricherProvider
)

type enricherProvider struct {
	order int
	name  string
	f     func(ctx context.Context, a *App) (enrich.Enricher, error)
}

// addService registers a shared service by name (see detect.Svc*). A
// provider returns (nil, nil) when the service is not configured.
func addService(name string, f func(ctx context.Context, a *App) (any, error)) {
	serviceProviders[name] = f
}

// addEnricher registers an enricher; lower order runs first.
func addEnricher(order int, name string, f func(ctx context.Context, a *App) (enrich.Enricher, error)) {
	enricherProviders = append(enricherProviders, enricherProvider{order, name, f})
}

// Services builds every registered service once.
func (a *App) Services(ctx context.Context) (map[string]any, error) {
	a.mu.Lock()
	if a.services != nil {
		defer a.mu.Unlock()
		return a.services, nil
	}
	a.mu.Unlock()
	out := map[string]any{}
	names := make([]string, 0, len(serviceProviders))
	for n := range serviceProviders {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		v, err := serviceProviders[n](ctx, a)
		if err != nil {
			return nil, fmt.Errorf("service %s: %w", n, err)
		}
		if v != nil {
			out[n] = v
		}
	}
	if k, err := a.Keyer(); err == nil {
		out[detect.SvcKeyer] = k
	}
	a.mu.Lock()
	a.services = out
	a.mu.Unlock()
	return out, nil
}

// Enricher builds the enrichment chain.
func (a *App) Enricher(ctx context.Context) (enrich.Enricher, error) {
	ps := append([]enricherProvider(nil), enricherProviders...)
	sort.SliceStable(ps, func(i, j int) bool { return ps[i].order < ps[j].order })
	var chain enrich.Chain
	for _, p := range ps {
		e, err := p.f(ctx, a)
		if err != nil {
			return nil, fmt.Errorf("enricher %s: %w", p.name, err)
		}
		if e != nil {
			chain = append(chain, e)
		}
	}
	return chain, nil
}

// Engine builds a fresh set of the configured detectors over the app's
// store and services.
func (a *App) Engine(ctx context.Context) (*detect.Engine, error) {
	st, err := a.Store(ctx)
	if err != nil {
		return nil, err
	}
	svcs, err := a.Services(ctx)
	if err != nil {
		return nil, err
	}
	return detect.NewEngine(detect.Deps{Store: st, Config: DetectConfig{a.K}, Logger: a.Log, Services: svcs})
}

// Pipeline builds the ingest → detect → risk → cases pipeline.
func (a *App) Pipeline(ctx context.Context) (*pipeline.Pipeline, error) {
	st, err := a.Store(ctx)
	if err != nil {
		return nil, err
	}
	eng, err := a.Engine(ctx)
	if err != nil {
		return nil, err
	}
	en, err := a.Enricher(ctx)
	if err != nil {
		return nil, err
	}
	rc := risk.DefaultConfig()
	if a.K.Exists("risk") {
		if err := a.K.Unmarshal("risk", &rc); err != nil {
			return nil, fmt.Errorf("risk configuration: %w", err)
		}
	}
	pol := cases.Policy{OpenAt: model.Level(a.K.String("cases.open_at"))}
	switch pol.OpenAt {
	case model.LevelLow, model.LevelMedium, model.LevelHigh, model.LevelCritical:
	default:
		return nil, errors.New("cases.open_at: want low, medium, high or critical")
	}
	return &pipeline.Pipeline{Store: st, Enricher: en, Engine: eng, Risk: rc, Cases: pol, Tenant: a.Tenant(), Log: a.Log}, nil
}
