// Package risk turns findings into an explained subject score. Each finding
// contributes the log-odds weight of its reason code, scaled by its severity;
// repeated findings of one code add with diminishing returns; each family is
// capped, so that many weak signals of one kind cannot outweigh one strong
// signal of another; old evidence decays. The score is the logistic of the
// prior plus the sum, on 0..100.
//
// The weights live in weights.yaml (embedded, versioned, documented in
// docs/risk.md); DefaultConfig returns them. Analyst feedback on reasons is
// kept by feedback.go and reported per reason code so the weights can be
// tuned from it.
package risk

import (
	_ "embed"
	"fmt"
	"math"
	"sort"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/redflag-dev/redflag/internal/model"
)

//go:embed weights.yaml
var weightsYAML []byte

// WeightsYAML returns the embedded default weight file, for documentation
// and `redflag risk weights`.
func WeightsYAML() []byte { return append([]byte(nil), weightsYAML...) }

// Config holds the scoring parameters. Version names the weight set, so that
// a score can say which weights produced it.
type Config struct {
	Version string  `koanf:"version" json:"version"`
	Prior   float64 `koanf:"prior" json:"prior"` // log-odds before any evidence
	// Weights per reason code override everything else.
	Weights map[string]float64 `koanf:"weights" json:"weights"`
	// Catalogue weights by threat-catalogue row (E04, N01 ...); a reason takes
	// the highest of its rows.
	Catalogue map[string]float64 `koanf:"catalogue" json:"catalogue"`
	// Strength weights by the catalogue's diagnostic strength (1..3 stars).
	Strength     map[model.Strength]float64 `koanf:"strength" json:"strength"`
	FamilyCaps   map[model.Family]float64   `koanf:"family_caps" json:"family_caps"`     // max log-odds per family
	RepeatFactor float64                    `koanf:"repeat_factor" json:"repeat_factor"` // weight of each further finding of one code
	HalfLife     time.Duration              `koanf:"half_life" json:"half_life"`         // evidence decay; 0 = none
	Levels       Levels                     `koanf:"levels" json:"levels"`
}

// Levels are the score thresholds of each level.
type Levels struct {
	Medium   float64 `koanf:"medium" json:"medium" yaml:"medium"`
	High     float64 `koanf:"high" json:"high" yaml:"high"`
	Critical float64 `koanf:"critical" json:"critical" yaml:"critical"`
}

type fileConfig struct {
	Version      string                     `yaml:"version"`
	Prior        float64                    `yaml:"prior"`
	Strength     map[model.Strength]float64 `yaml:"strength"`
	Catalogue    map[string]float64         `yaml:"catalogue"`
	Weights      map[string]float64         `yaml:"weights"`
	FamilyCaps   map[model.Family]float64   `yaml:"family_caps"`
	RepeatFactor float64                    `yaml:"repeat_factor"`
	HalfLifeDays float64                    `yaml:"half_life_days"`
	Levels       Levels                     `yaml:"levels"`
}

// ParseConfig reads a weight file in the format of weights.yaml.
func ParseConfig(b []byte) (Config, error) {
	var f fileConfig
	if err := yaml.Unmarshal(b, &f); err != nil {
		return Config{}, fmt.Errorf("risk weights: %w", err)
	}
	c := Config{
		Version: f.Version, Prior: f.Prior, Weights: f.Weights, Catalogue: f.Catalogue, Strength: f.Strength,
		FamilyCaps: f.FamilyCaps, RepeatFactor: f.RepeatFactor,
		HalfLife: time.Duration(f.HalfLifeDays * float64(24*time.Hour)), Levels: f.Levels,
	}
	if c.Weights == nil {
		c.Weights = map[string]float64{}
	}
	return c, c.Validate()
}

// Validate checks that the configuration can score.
func (c Config) Validate() error {
	var errs []string
	if c.Version == "" {
		errs = append(errs, "version is empty")
	}
	if !(c.Levels.Medium < c.Levels.High && c.Levels.High < c.Levels.Critical) {
		errs = append(errs, fmt.Sprintf("levels must rise: medium %.0f < high %.0f < critical %.0f", c.Levels.Medium, c.Levels.High, c.Levels.Critical))
	}
	if c.RepeatFactor < 0 || c.RepeatFactor > 1 {
		errs = append(errs, fmt.Sprintf("repeat_factor %.2f not in 0..1", c.RepeatFactor))
	}
	for f, v := range c.FamilyCaps {
		if v < 0 {
			errs = append(errs, fmt.Sprintf("family_caps.%s is negative", f))
		}
	}
	finite := func(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }
	if !finite(c.Prior) || !finite(c.Levels.Medium) || !finite(c.Levels.High) || !finite(c.Levels.Critical) || !finite(c.RepeatFactor) {
		errs = append(errs, "prior, levels and repeat_factor must be finite numbers")
	}
	for _, m := range []map[string]float64{c.Weights, c.Catalogue} {
		for k, v := range m {
			if !finite(v) {
				errs = append(errs, fmt.Sprintf("weight %s is not a finite number", k))
			}
		}
	}
	for k, v := range c.Strength {
		if !finite(v) {
			errs = append(errs, fmt.Sprintf("strength %d is not a finite number", k))
		}
	}
	for f, v := range c.FamilyCaps {
		if !finite(v) {
			errs = append(errs, fmt.Sprintf("family_caps.%s is not a finite number", f))
		}
	}
	if c.HalfLife < 0 {
		errs = append(errs, "half_life is negative")
	}
	if len(errs) > 0 {
		return fmt.Errorf("risk configuration: %s", strings.Join(errs, "; "))
	}
	return nil
}

// DefaultConfig is the documented default weight set (weights.yaml).
func DefaultConfig() Config {
	c, err := ParseConfig(weightsYAML)
	if err != nil {
		panic("risk: embedded weights.yaml: " + err.Error())
	}
	return c
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
	d := Config{}
	if cfg.Levels == (Levels{}) || cfg.Strength == nil || cfg.RepeatFactor == 0 {
		d = DefaultConfig()
	}
	if cfg.Levels == (Levels{}) {
		cfg.Levels = d.Levels
	}
	if cfg.Strength == nil {
		cfg.Strength = d.Strength
	}
	if cfg.RepeatFactor == 0 {
		cfg.RepeatFactor = d.RepeatFactor
	}
	return &Scorer{cfg: cfg, reasons: reasons}
}

// Config returns the configuration in use.
func (s *Scorer) Config() Config { return s.cfg }

// Weight returns the log-odds weight of a reason code, and where it came from.
func (s *Scorer) Weight(code string, strength model.Strength) float64 {
	w, _ := s.WeightSource(code, strength)
	return w
}

// WeightSource returns the weight of a code and which rule chose it:
// "code", "catalogue:E04", "detector" or "strength".
func (s *Scorer) WeightSource(code string, strength model.Strength) (float64, string) {
	if w, ok := s.cfg.Weights[code]; ok {
		return w, "code"
	}
	d, known := s.reasons[code]
	if known {
		best, row := math.Inf(-1), ""
		for _, c := range d.Catalogue {
			if w, ok := s.cfg.Catalogue[c]; ok && w > best {
				best, row = w, c
			}
		}
		if row != "" {
			return best, "catalogue:" + row
		}
		if d.LogOdds != 0 {
			return d.LogOdds, "detector"
		}
		if strength == 0 {
			strength = d.Strength
		}
	}
	if w, ok := s.cfg.Strength[strength]; ok {
		return w, "strength"
	}
	return DefaultLogOdds(strength), "strength"
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

// Score computes one subject's risk from its findings. Findings that are
// malformed (another subject, a severity outside 0..1, a time in the future,
// no code) are repaired or skipped and reported as warnings.
func (s *Scorer) Score(subjectID string, findings []model.Finding, now time.Time, prev model.Level) model.Risk {
	type acc struct {
		r     model.Reason
		parts []float64
		seen  map[model.EvidenceRef]bool
	}
	var warns []model.Warning
	warn := func(f model.Finding, field, msg string) {
		warns = append(warns, model.Warning{Field: "finding " + f.ID + " " + field, Message: msg})
	}
	byCode := map[string]*acc{}
	var codes []string
	used := 0
	for _, f := range findings {
		if f.SubjectID != "" && f.SubjectID != subjectID {
			warn(f, "subject_id", fmt.Sprintf("belongs to %s, not %s; skipped", f.SubjectID, subjectID))
			continue
		}
		if f.Code == "" {
			warn(f, "code", "no reason code; skipped")
			continue
		}
		sev := f.Severity
		switch {
		case math.IsNaN(sev):
			warn(f, "severity", "not a number; taken as 1")
			sev = 1
		case sev < 0:
			warn(f, "severity", fmt.Sprintf("%.2f below 0; taken as 0", sev))
			sev = 0
		case sev > 1:
			warn(f, "severity", fmt.Sprintf("%.2f above 1; taken as 1", sev))
			sev = 1
		}
		if f.Time.IsZero() {
			warn(f, "time", "no time; not decayed")
		} else if f.Time.After(now.Add(time.Hour)) {
			warn(f, "time", fmt.Sprintf("%s is in the future; not decayed", f.Time.UTC().Format(time.RFC3339)))
		}
		if len(f.Evidence) == 0 {
			warn(f, "evidence", "no evidence references")
		}
		fam := f.Family
		if d, ok := s.reasons[f.Code]; ok && fam == "" {
			fam = d.Family
		}
		if _, ok := s.cfg.FamilyCaps[fam]; !ok && len(s.cfg.FamilyCaps) > 0 {
			warn(f, "family", fmt.Sprintf("unknown family %q: no cap applies", fam))
		}
		a := byCode[f.Code]
		if a == nil {
			title := f.Title
			if title == "" {
				title = s.reasons[f.Code].Title
			}
			a = &acc{r: model.Reason{Code: f.Code, Title: title, Family: fam}, seen: map[model.EvidenceRef]bool{}}
			byCode[f.Code] = a
			codes = append(codes, f.Code)
		}
		w := s.Weight(f.Code, f.Strength) * sev
		if s.cfg.HalfLife > 0 && !f.Time.IsZero() && now.After(f.Time) {
			w *= math.Exp2(-float64(now.Sub(f.Time)) / float64(s.cfg.HalfLife))
		}
		a.parts = append(a.parts, w)
		a.r.FindingIDs = append(a.r.FindingIDs, f.ID)
		for _, e := range f.Evidence {
			if !a.seen[e] {
				a.seen[e] = true
				a.r.Evidence = append(a.r.Evidence, e)
			}
		}
		used++
	}
	sort.Strings(codes)
	// Within a code: the strongest finding counts fully, each further one
	// RepeatFactor as much as the one before.
	famRaw := map[model.Family]float64{}
	for _, c := range codes {
		a := byCode[c]
		sort.Sort(sort.Reverse(sort.Float64Slice(a.parts)))
		sum, k := 0.0, 1.0
		for _, p := range a.parts {
			sum += p * k
			k *= s.cfg.RepeatFactor
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
	if used > 0 {
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
		Warnings:  warns,
		Computed:  now.UTC(),

		WeightsVersion: s.cfg.Version,
	}
}
