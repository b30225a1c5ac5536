package risk

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strings"
	"time"

	"github.com/redflag-dev/redflag/internal/model"
	"github.com/redflag-dev/redflag/internal/store"
)

// Verdict is an analyst's judgement of one reason on one subject.
type Verdict string

const (
	TruePositive  Verdict = "tp"
	FalsePositive Verdict = "fp"
)

// ParseVerdict accepts tp/fp and the long forms.
func ParseVerdict(s string) (Verdict, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "tp", "true", "true_positive", "true-positive":
		return TruePositive, nil
	case "fp", "false", "false_positive", "false-positive":
		return FalsePositive, nil
	}
	return "", fmt.Errorf("verdict %q: want tp or fp", s)
}

// Feedback is one analyst verdict on a reason (a code on a subject, covering
// its findings). One verdict per analyst, subject and code is kept: a new
// verdict replaces the analyst's earlier one.
type Feedback struct {
	SubjectID  string    `json:"subject_id"`
	Code       string    `json:"code"`
	FindingIDs []string  `json:"finding_ids,omitempty"`
	Verdict    Verdict   `json:"verdict"`
	Actor      string    `json:"actor"`
	Note       string    `json:"note,omitempty"`
	At         time.Time `json:"at"`
}

const feedbackPrefix = "feedback/"

func feedbackKey(f Feedback) string {
	return feedbackPrefix + f.Code + "/" + f.SubjectID + "/" + f.Actor
}

// RecordFeedback stores a verdict in the store's Meta space and writes it to
// the audit log (before: the analyst's previous verdict, if any).
func RecordFeedback(ctx context.Context, st store.Store, tenant string, f Feedback) error {
	if f.SubjectID == "" || f.Code == "" || f.Actor == "" {
		return fmt.Errorf("feedback: subject, code and actor are required")
	}
	if f.Verdict != TruePositive && f.Verdict != FalsePositive {
		return fmt.Errorf("feedback: verdict %q: want tp or fp", f.Verdict)
	}
	if f.At.IsZero() {
		f.At = time.Now().UTC()
	}
	key := feedbackKey(f)
	before := ""
	if old, ok, err := st.GetMeta(ctx, tenant, key); err != nil {
		return fmt.Errorf("feedback: %w", err)
	} else if ok {
		var o Feedback
		if json.Unmarshal(old, &o) == nil {
			before = string(o.Verdict)
		}
	}
	b, err := json.Marshal(f)
	if err != nil {
		return fmt.Errorf("feedback: %w", err)
	}
	if err := st.PutMeta(ctx, tenant, key, b); err != nil {
		return fmt.Errorf("feedback: %w", err)
	}
	if _, err := st.AppendAudit(ctx, model.AuditEntry{Tenant: tenant, At: f.At, Actor: f.Actor, Action: "feedback." + string(f.Verdict),
		Object: "subject:" + f.SubjectID, Before: before, After: f.Code + "=" + string(f.Verdict)}); err != nil {
		return fmt.Errorf("feedback audit: %w", err)
	}
	return nil
}

// ListFeedback returns every stored verdict, optionally for one subject.
func ListFeedback(ctx context.Context, st store.Store, tenant, subjectID string) ([]Feedback, error) {
	m, err := st.ListMeta(ctx, tenant, feedbackPrefix)
	if err != nil {
		return nil, fmt.Errorf("feedback: %w", err)
	}
	out := make([]Feedback, 0, len(m))
	for k, v := range m {
		var f Feedback
		if err := json.Unmarshal(v, &f); err != nil {
			return nil, fmt.Errorf("feedback %s: %w", k, err)
		}
		if subjectID == "" || f.SubjectID == subjectID {
			out = append(out, f)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].At.Before(out[j].At) })
	return out, nil
}

// CodeFeedback is the feedback on one reason code.
type CodeFeedback struct {
	Code     string  `json:"code"`
	TP       int     `json:"true_positives"`
	FP       int     `json:"false_positives"`
	Subjects int     `json:"subjects"`
	Weight   float64 `json:"weight"`
	Source   string  `json:"weight_source"`
	// Precision is (TP+1)/(TP+FP+2), smoothed so one verdict does not swing it.
	Precision float64 `json:"precision"`
	// Suggested is the current weight moved by the log of the smoothed odds of
	// a true positive, half-damped; a hint for tuning, never applied by itself.
	Suggested float64 `json:"suggested_weight"`
}

// FeedbackReport aggregates verdicts per reason code, worst precision first.
func FeedbackReport(fb []Feedback, s *Scorer) []CodeFeedback {
	by := map[string]*CodeFeedback{}
	subj := map[string]map[string]bool{}
	for _, f := range fb {
		c := by[f.Code]
		if c == nil {
			c = &CodeFeedback{Code: f.Code}
			by[f.Code] = c
			subj[f.Code] = map[string]bool{}
		}
		subj[f.Code][f.SubjectID] = true
		if f.Verdict == TruePositive {
			c.TP++
		} else {
			c.FP++
		}
	}
	out := make([]CodeFeedback, 0, len(by))
	for code, c := range by {
		c.Subjects = len(subj[code])
		c.Weight, c.Source = s.WeightSource(code, 0)
		c.Precision = float64(c.TP+1) / float64(c.TP+c.FP+2)
		c.Suggested = math.Round((c.Weight+0.5*math.Log(float64(c.TP+1)/float64(c.FP+1)))*100) / 100
		c.Precision = math.Round(c.Precision*1000) / 1000
		out = append(out, *c)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Precision != out[j].Precision {
			return out[i].Precision < out[j].Precision
		}
		return out[i].Code < out[j].Code
	})
	return out
}
