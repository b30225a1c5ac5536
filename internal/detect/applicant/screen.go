package applicant

import (
	"sort"

	"github.com/redflag-dev/redflag/internal/model"
)

// Decisions.
const (
	Clear  = "clear"
	Review = "review"
	Block  = "block"
)

// VerdictReason is one reason behind a verdict.
type VerdictReason struct {
	Code     string              `json:"code"`
	Title    string              `json:"title"`
	Strength model.Strength      `json:"strength"`
	Detector string              `json:"detector"`
	Evidence []model.EvidenceRef `json:"evidence"`
	Details  map[string]string   `json:"details,omitempty"`
}

// Verdict is the screening result of one applicant.
type Verdict struct {
	PersonID   string          `json:"person_id"`
	Name       string          `json:"full_name"`
	Kind       string          `json:"kind"`
	Status     string          `json:"status,omitempty"`
	Decision   string          `json:"decision"`   // clear|review|block
	Onboarding string          `json:"onboarding"` // allowed|blocked
	Reasons    []VerdictReason `json:"reasons"`
	Steps      []StepResult    `json:"steps"`   // the required checklist
	Pending    []string        `json:"pending"` // required steps not passed
	Warnings   []model.Warning `json:"warnings,omitempty"`
}

// Screen decides: block on any strong (★★★) reason, review on any other
// reason or when a required verification step has not passed, clear
// otherwise. Onboarding stays blocked until every required step passed
// and the decision is not block.
func Screen(s *model.Subject, findings []model.Finding, steps map[string]StepResult, required []string) Verdict {
	v := Verdict{PersonID: s.ID, Name: s.FullName, Kind: string(s.Kind), Status: s.Status, Decision: Clear, Onboarding: "allowed",
		Reasons: []VerdictReason{}, Steps: []StepResult{}, Pending: []string{}, Warnings: s.Warnings}
	fs := append([]model.Finding(nil), findings...)
	sort.Slice(fs, func(i, j int) bool {
		if fs[i].Strength != fs[j].Strength {
			return fs[i].Strength > fs[j].Strength
		}
		return fs[i].Code < fs[j].Code
	})
	for _, f := range fs {
		v.Reasons = append(v.Reasons, VerdictReason{Code: f.Code, Title: f.Title, Strength: f.Strength, Detector: f.Detector, Evidence: f.Evidence, Details: f.Details})
		switch {
		case f.Strength >= model.Strong:
			v.Decision = Block
		case v.Decision == Clear:
			v.Decision = Review
		}
	}
	for _, st := range required {
		r, ok := steps[st]
		if !ok {
			r = StepResult{Step: st, Result: "missing"}
		}
		v.Steps = append(v.Steps, r)
		if r.Result != "pass" {
			v.Pending = append(v.Pending, st)
		}
	}
	if len(v.Pending) > 0 {
		v.Onboarding = "blocked"
		if v.Decision == Clear {
			v.Decision = Review
		}
	}
	if v.Decision == Block {
		v.Onboarding = "blocked"
	}
	return v
}
