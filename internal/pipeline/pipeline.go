// Package pipeline carries data the one way it flows: parsed records are
// enriched and stored (Sink), then Analyze runs the detectors over what is
// stored, scores every subject and opens or updates cases.
package pipeline

import (
	"context"
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/redflag-dev/redflag/internal/cases"
	"github.com/redflag-dev/redflag/internal/detect"
	"github.com/redflag-dev/redflag/internal/enrich"
	"github.com/redflag-dev/redflag/internal/model"
	"github.com/redflag-dev/redflag/internal/risk"
	"github.com/redflag-dev/redflag/internal/store"
)

// Pipeline wires the stages together.
type Pipeline struct {
	Store    store.Store
	Enricher enrich.Enricher // may be nil
	Engine   *detect.Engine
	Risk     risk.Config
	Cases    cases.Policy
	Tenant   string
	Log      *slog.Logger

	newEvents atomic.Int64
}

// NewEvents is how many events this pipeline stored that were not stored
// before.
func (p *Pipeline) NewEvents() int64 { return p.newEvents.Load() }

// Subjects implements ingest.Sink.
func (p *Pipeline) Subjects(ctx context.Context, subjects []model.Subject, ids []model.Identifier) error {
	for i := range subjects {
		if subjects[i].Tenant == "" {
			subjects[i].Tenant = p.tenant()
		}
	}
	if err := p.Store.UpsertSubjects(ctx, subjects); err != nil {
		return err
	}
	return p.putIDs(ctx, DedupeIdentifiers(ids))
}

// Events implements ingest.Sink.
func (p *Pipeline) Events(ctx context.Context, events []model.Event, ids []model.Identifier) error {
	for i := range events {
		if events[i].Tenant == "" {
			events[i].Tenant = p.tenant()
		}
		if p.Enricher != nil {
			p.Enricher.Enrich(ctx, &events[i])
		}
	}
	ids = DedupeIdentifiers(ids)
	for i := range ids {
		if ids[i].Tenant == "" {
			ids[i].Tenant = p.tenant()
		}
	}
	if b, ok := p.Store.(store.Batcher); ok {
		n, err := b.CommitBatch(ctx, store.Batch{Events: events, Identifiers: ids})
		p.newEvents.Add(int64(n))
		return err
	}
	n, err := p.Store.PutEvents(ctx, events)
	if err != nil {
		return err
	}
	p.newEvents.Add(int64(n))
	return p.putIDs(ctx, ids)
}

// DedupeIdentifiers merges repeated (tenant, kind, value, subject)
// identifiers, keeping the widest first/last-seen window.
func DedupeIdentifiers(ids []model.Identifier) []model.Identifier {
	if len(ids) < 2 {
		return ids
	}
	type key struct{ t, k, v, s string }
	idx := make(map[key]int, len(ids))
	out := ids[:0:0]
	for _, id := range ids {
		k := key{id.Tenant, string(id.Kind), id.Value, id.SubjectID}
		if id.LastSeen.IsZero() {
			id.LastSeen = id.FirstSeen
		}
		if i, ok := idx[k]; ok {
			if id.FirstSeen.Before(out[i].FirstSeen) {
				out[i].FirstSeen = id.FirstSeen
			}
			if id.LastSeen.After(out[i].LastSeen) {
				out[i].LastSeen = id.LastSeen
			}
			continue
		}
		idx[k] = len(out)
		out = append(out, id)
	}
	return out
}

func (p *Pipeline) putIDs(ctx context.Context, ids []model.Identifier) error {
	for i := range ids {
		if ids[i].Tenant == "" {
			ids[i].Tenant = p.tenant()
		}
	}
	return p.Store.PutIdentifiers(ctx, ids)
}

func (p *Pipeline) tenant() string { return store.TenantOr(p.Tenant) }

// Result summarises an analysis.
type Result struct {
	Detect detect.RunStats
	Scored int
	Cases  cases.SyncStats
	Took   time.Duration
}

// Analyze runs detection, scoring and case syncing for the tenant.
func (p *Pipeline) Analyze(ctx context.Context, now time.Time) (Result, error) {
	start := time.Now()
	t := p.tenant()
	ds, err := p.Engine.Run(ctx, p.Store, t, now)
	if err != nil {
		return Result{}, fmt.Errorf("detect: %w", err)
	}
	risks, err := p.Score(ctx, now)
	if err != nil {
		return Result{}, err
	}
	cs, err := cases.Sync(ctx, p.Store, t, risks, p.Cases, now)
	if err != nil {
		return Result{}, fmt.Errorf("cases: %w", err)
	}
	return Result{Detect: ds, Scored: len(risks), Cases: cs, Took: time.Since(start)}, nil
}

// Score recomputes every subject's risk from the stored findings.
func (p *Pipeline) Score(ctx context.Context, now time.Time) ([]model.Risk, error) {
	t := p.tenant()
	scorer := risk.New(p.Risk, p.Engine.Reasons())
	byS := map[string][]model.Finding{}
	if err := p.Store.EachFinding(ctx, t, func(f model.Finding) error { byS[f.SubjectID] = append(byS[f.SubjectID], f); return nil }); err != nil {
		return nil, fmt.Errorf("load findings: %w", err)
	}
	prev := map[string]model.Level{}
	old, err := p.Store.ListRisks(ctx, t, 0)
	if err != nil {
		return nil, fmt.Errorf("load risks: %w", err)
	}
	for _, r := range old {
		prev[r.SubjectID] = r.Level
	}
	var risks []model.Risk
	err = p.Store.EachSubject(ctx, t, func(s model.Subject) error {
		r := scorer.Score(s.ID, byS[s.ID], now, prev[s.ID])
		r.Tenant = t
		r.Warnings = append(r.Warnings, s.Warnings...)
		risks = append(risks, r)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("load subjects: %w", err)
	}
	if err := p.Store.PutRisks(ctx, risks); err != nil {
		return nil, fmt.Errorf("store risks: %w", err)
	}
	return risks, nil
}
