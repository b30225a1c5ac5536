// Package risk turns findings into an explained subject score. Each finding
// contributes the log-odds weight of its reason code, scaled by its severity;
// repeated findings of one code add with diminishing returns; each family is
// capped, so that many weak signals of one kind cannot outweigh one strong
// signal of another; old evidence decays. The score is the logistic of the
// prior plus the sum, on 0..100.
package risk

import (
	"math"
	"sort"
	"time"

	"github.com/redflag-dev/redflag/internal/model"
)

// Config holds the scoring parameters. Version names the weight set, so that
// a score can say which weights produced it.
type Config struct {
	Version    string                   `koanf:"version" json:"version"`
	Prior      float64                  `koanf:"prior" json:"prior"`             // log-odds before any evidence
	Weights    map[string]float64       `koanf:"weights" json:"weights"`         // per reason code, overrides ReasonDef.LogOdds
	FamilyCaps map[model.Family]float64 `koanf:"family_caps" json:"family_caps"` // max log-odds per family
	HalfLife   time.Duration            `koanf:"half_life" json:"half_life"`     // evidence decay; 0 = none
	Levels     Levels                   `koanf:"levels" json:"levels"`
}

// Levels are the score thresholds of each level.
type Levels struct {
	Medium   float64 `koanf:"medium" json:"medium"`
	High     float64 `koanf:"high" json:"high"`
	Critical float64 `koanf:"critical" json:"critical"`
}

// DefaultConfig is the documented default weight set.
func DefaultConfig() Config {
	return Config{
		Version: "2026.11-1",
		Prior:   -6.0,
		FamilyCaps: map[model.Family]float64{
			model.FamNetwork:   5.0,
			model.FamEndpoint:  7.0,
			model.FamPayroll:   6.0,
			model.FamIdentity:  6.0,
			model.FamApplicant: 4.5,
			model.FamShipping:  5.0,
			model.FamSanctions: 8.0,
			model.FamBehaviour: 3.0,
			model.FamRule:      4.0,
		},
		HalfLife: 180 * 24 * time.Hour,
		Levels:   Levels{Medium: 25, High: 60, Critical: 85},
	}
}

// DefaultLogOdds is the weight of a reason by its diagnostic strength when
// neither the configuration nor the reason definition sets one.
func DefaultLogOdds(s model.Strength) float64 {
	switch s {
	case model.Strong:
		return 4.0
	case model.Moderate:
		return 2.0
	default:
		return 0.8
	}
}

// Scorer scores subjects.
type Scorer struct {
	cfg     Config
	reasons map[string]model.ReasonDef
}

// New returns a scorer; reasons are the definitions the detectors publish.
func New(cfg Config, reasons map[string]model.ReasonDef) *Scorer {
	if cfg.Levels == (Levels{}) {
		cfg.Levels = DefaultConfig().Levels
	}
	return &Scorer{cfg: cfg, reasons: reasons}
}

// Weight returns the log-odds weight of a reason code.
func (s *Scorer) Weight(code string, strength model.Strength) float64 {
	if w, ok := s.cfg.Weights[code]; ok {
		return w
	}
	if d, ok := s.reasons[code]; ok && d.LogOdds != 0 {
		return d.LogOdds
	}
	return DefaultLogOdds(strength)
}

// Level maps a score to its level.
func (s *Scorer) Level(score float64) model.Level {
	switch {
	case score >= s.cfg.Levels.Critical:
		return model.LevelCritical
	case score >= s.cfg.Levels.High:
		return model.LevelHigh
	case score >= s.cfg.Levels.Medium:
		return model.LevelMedium
	}
	return model.LevelLow
}

// Score computes one subject's risk from its findings.
func (s *Scorer) Score(subjectID string, findings []model.Finding, now time.Time, prev model.Level) model.Risk {
	type acc struct {
		r     model.Reason
		parts []float64
	}
	byCode := map[string]*acc{}
	var codes []string
	for _, f := range findings {
		a := byCode[f.Code]
		if a == nil {
			a = &acc{r: model.Reason{Code: f.Code, Title: f.Title, Family: f.Family}}
			byCode[f.Code] = a
			codes = append(codes, f.Code)
		}
		w := s.Weight(f.Code, f.Strength) * f.Severity
		if s.cfg.HalfLife > 0 && now.After(f.Time) {
			w *= math.Exp2(-float64(now.Sub(f.Time)) / float64(s.cfg.HalfLife))
		}
		a.parts = append(a.parts, w)
		a.r.FindingIDs = append(a.r.FindingIDs, f.ID)
		a.r.Evidence = append(a.r.Evidence, f.Evidence...)
	}
	sort.Strings(codes)
	// Within a code: the strongest finding counts fully, each further one half
	// as much as the one before, so repetition adds but cannot run away.
	famRaw := map[model.Family]float64{}
	for _, c := range codes {
		a := byCode[c]
		sort.Sort(sort.Reverse(sort.Float64Slice(a.parts)))
		sum, k := 0.0, 1.0
		for _, p := range a.parts {
			sum += p * k
			k /= 2
		}
		a.r.Contribution = sum
		famRaw[a.r.Family] += sum
	}
	// Family caps scale every reason of an over-cap family down in proportion.
	fam := map[model.Family]float64{}
	for f, raw := range famRaw {
		capv, ok := s.cfg.FamilyCaps[f]
		scale := 1.0
		if ok && raw > capv && raw > 0 {
			scale = capv / raw
		}
		fam[f] = raw * scale
		for _, c := range codes {
			if byCode[c].r.Family == f {
				byCode[c].r.Contribution *= scale
			}
		}
	}
	total := s.cfg.Prior
	reasons := make([]model.Reason, 0, len(codes))
	for _, c := range codes {
		r := byCode[c].r
		r.Contribution = math.Round(r.Contribution*1000) / 1000
		total += r.Contribution
		reasons = append(reasons, r)
	}
	sort.SliceStable(reasons, func(i, j int) bool { return reasons[i].Contribution > reasons[j].Contribution })
	score := 0.0
	if len(findings) > 0 {
		score = 100 / (1 + math.Exp(-total))
	}
	score = math.Round(score*10) / 10
	for f, v := range fam {
		fam[f] = math.Round(v*1000) / 1000
	}
	return model.Risk{
		SubjectID: subjectID,
		Score:     score,
		Level:     s.Level(score),
		PrevLevel: prev,
		Reasons:   reasons,
		Families:  fam,
		Computed:  now.UTC(),
	}
}
