package demo

import (
	"fmt"
	"io"
	"sort"
)

// Scored is one subject's outcome, for evaluation.
type Scored struct {
	PersonID string
	Score    float64
	Flagged  bool
}

// Eval is precision and recall of flagged subjects against the truth.
type Eval struct {
	TP, FP, FN, TN    int
	Precision, Recall float64
	FlaggedNegatives  []string // hard negatives that were flagged
	MissedByCell      map[string][]string
	FoundByCell       map[string]int
}

// Evaluate compares flagged subjects with the truth.
func (t Truth) Evaluate(results []Scored) Eval {
	dprk := map[string]bool{}
	for _, id := range t.DPRK {
		dprk[id] = true
	}
	neg := map[string]string{}
	for _, n := range t.Negatives {
		neg[n.PersonID] = n.Kind
	}
	flagged := map[string]bool{}
	e := Eval{MissedByCell: map[string][]string{}, FoundByCell: map[string]int{}}
	for _, r := range results {
		flagged[r.PersonID] = r.Flagged
		switch {
		case r.Flagged && dprk[r.PersonID]:
			e.TP++
		case r.Flagged:
			e.FP++
			if k, ok := neg[r.PersonID]; ok {
				e.FlaggedNegatives = append(e.FlaggedNegatives, r.PersonID+" ("+k+")")
			}
		case dprk[r.PersonID]:
			e.FN++
		default:
			e.TN++
		}
	}
	for _, c := range t.Cells {
		for _, m := range c.Members {
			if flagged[m] {
				e.FoundByCell[c.Name]++
			} else {
				e.MissedByCell[c.Name] = append(e.MissedByCell[c.Name], m)
			}
		}
	}
	if e.TP+e.FP > 0 {
		e.Precision = float64(e.TP) / float64(e.TP+e.FP)
	}
	if e.TP+e.FN > 0 {
		e.Recall = float64(e.TP) / float64(e.TP+e.FN)
	}
	sort.Strings(e.FlaggedNegatives)
	return e
}

// Print writes the evaluation for people.
func (e Eval) Print(w io.Writer, t Truth) {
	fmt.Fprintf(w, "precision %.3f  recall %.3f  (TP %d, FP %d, FN %d, TN %d)\n", e.Precision, e.Recall, e.TP, e.FP, e.FN, e.TN)
	for _, c := range t.Cells {
		fmt.Fprintf(w, "  cell %-16s %-22s found %d/%d", c.Name, c.Kind, e.FoundByCell[c.Name], len(c.Members))
		if m := e.MissedByCell[c.Name]; len(m) > 0 {
			fmt.Fprintf(w, "  missed %v", m)
		}
		fmt.Fprintln(w)
	}
	if len(e.FlaggedNegatives) > 0 {
		fmt.Fprintf(w, "  hard negatives flagged: %v\n", e.FlaggedNegatives)
	} else {
		fmt.Fprintf(w, "  hard negatives flagged: none of %d\n", len(t.Negatives))
	}
}
