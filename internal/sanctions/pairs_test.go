package sanctions

import (
	"encoding/csv"
	"fmt"
	"os"
	"testing"
)

// TestCascadePairs scores the labelled company/vessel pairs and writes
// them, with a "rf_score" column, to $PAIRS_OUT for pairmetrics.py. It
// fails when matches do not, on average, outscore non-matches.
func TestCascadePairs(t *testing.T) {
	f := openShared(t, "sanctions/pairs/watchman/cascade-name-pairs.csv")
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	var pos, neg []float64
	out := [][]string{append(rows[0], "rf_score")}
	for _, r := range rows[1:] {
		s := Similarity(r[2], r[3])
		if r[4] == "true" {
			pos = append(pos, s)
		} else {
			neg = append(neg, s)
		}
		out = append(out, append(r, fmt.Sprintf("%.4f", s)))
	}
	var auc float64
	for _, p := range pos {
		for _, n := range neg {
			if p > n {
				auc++
			} else if p == n {
				auc += 0.5
			}
		}
	}
	auc /= float64(len(pos) * len(neg))
	t.Logf("cascade pairs: %d positives, %d negatives, ROC-AUC %.3f", len(pos), len(neg), auc)
	if p := os.Getenv("PAIRS_OUT"); p != "" {
		w, err := os.Create(p)
		if err != nil {
			t.Fatal(err)
		}
		cw := csv.NewWriter(w)
		cw.WriteAll(out)
		w.Close()
	}
	if auc < 0.7 {
		t.Errorf("ROC-AUC %.3f below 0.7", auc)
	}
}
