package sanctions

import (
	"os"
	"testing"
	"time"
)

func benchIndex(t testing.TB) *Index {
	ents := loadOFACShared(t, "sanctions/ofac/full-2024-05")
	un, _, err := ParseUNXML(openShared(t, "sanctions/un/un_consolidated.xml"))
	if err != nil {
		t.Fatal(err)
	}
	return NewIndex(append(ents, un...))
}

func TestDevQueryAccuracy(t *testing.T) {
	start := time.Now()
	ix := benchIndex(t)
	t.Logf("index: %d entities, %d names, built in %s (incl. parsing)", ix.Len(), ix.NameCount(), time.Since(start))
	qs, err := ReadBenchQueries(sharedData(t, "sanctions/bench/ofac-queries-dev.tsv"))
	if err != nil {
		t.Fatal(err)
	}
	rep := RunBench(ix, qs, 1, 0, 10)
	rep.Write(os.Stderr)
	if os.Getenv("SHOW_MISSES") != "" {
		for _, m := range rep.Misses {
			t.Log("miss:", m)
		}
		for _, m := range rep.LowPositives {
			t.Log("low:", m)
		}
		for _, m := range rep.NegativeHits {
			t.Log("neg:", m)
		}
	}
	for cat, h := range rep.HitAt1 {
		if float64(h[0]) < 0.9*float64(h[1]) {
			t.Errorf("%s: hit@1 %d/%d below 90%%", cat, h[0], h[1])
		}
	}
}
