package bus

import (
	"context"
	"fmt"
	"time"

	"github.com/redflag-dev/redflag/internal/cases"
	"github.com/redflag-dev/redflag/internal/detect"
	"github.com/redflag-dev/redflag/internal/pipeline"
)

// Analyzer returns the leader's cross-subject stage for Worker.Analyze: the
// finisher detectors run over the tenant's stored events (as Engine.Run does
// in embedded mode, replacing their findings), then every subject is scored
// and cases are synced with the very pipeline calls the embedded mode makes.
// pipelineFor must return a pipeline whose Engine holds every detector, so
// that scoring knows every reason's weight.
func Analyzer(newDetectors func() ([]detect.Detector, error), pipelineFor func(tenant string) (*pipeline.Pipeline, error), now func() time.Time) func(ctx context.Context, tenant string) error {
	return func(ctx context.Context, tenant string) error {
		at := now()
		ds, err := newDetectors()
		if err != nil {
			return fmt.Errorf("build detectors: %w", err)
		}
		p, err := pipelineFor(tenant)
		if err != nil {
			return err
		}
		if fin := Finishers(ds); len(fin) > 0 {
			if _, err := detect.NewEngineWith(fin...).Run(ctx, p.Store, tenant, at); err != nil {
				return fmt.Errorf("cross-subject stage: %w", err)
			}
		}
		risks, err := p.Score(ctx, at)
		if err != nil {
			return err
		}
		if _, err := cases.Sync(ctx, p.Store, tenant, risks, p.Cases, at); err != nil {
			return fmt.Errorf("cases: %w", err)
		}
		return nil
	}
}
