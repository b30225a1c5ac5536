package sanctions

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"runtime"
	"sort"
	"strings"
	"sync"
	"syscall"
	"time"
)

// BenchQuery is one labelled query (the ofac-queries TSV layout: qid,
// category, type, name, expected_ent_num[, dob]).
type BenchQuery struct {
	ID, Category, Type, Name, Expected, DOB string
}

// ReadBenchQueries reads a labelled query TSV with a header row.
func ReadBenchQueries(path string) ([]BenchQuery, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open queries: %w", err)
	}
	defer f.Close()
	var out []BenchQuery
	sc := bufio.NewScanner(f)
	first := true
	for sc.Scan() {
		if first {
			first = false
			continue
		}
		p := strings.Split(sc.Text(), "\t")
		for len(p) < 6 {
			p = append(p, "")
		}
		out = append(out, BenchQuery{p[0], p[1], p[2], p[3], p[4], p[5]})
	}
	return out, sc.Err()
}

// BenchReport is the outcome of a benchmark run.
type BenchReport struct {
	Queries      int
	Elapsed      time.Duration
	PerSecond    float64
	CPU          time.Duration // process CPU time (user+system) during the throughput run
	PerCPUSecond float64       // screens per CPU-second: the figure that does not depend on machine load
	Workers      int
	HitAt1       map[string][2]int // category -> (hits, total)
	HitAt10      map[string][2]int
	Thresholds   []float64
	Recall       []float64 // share of positives whose expected entry scores >= t
	NegAlert     []float64 // share of negatives with any result >= t
	Misses       []string  // positive queries whose expected entry is not first
	NegativeHits []string  // negatives scoring at or above Threshold
	LowPositives []string  // positives found with a score below 0.9
}

// RunBench screens every query (accuracy), then replays them for at least
// minDur across workers goroutines (throughput).
func RunBench(ix *Index, qs []BenchQuery, workers int, minDur time.Duration, limit int) BenchReport {
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	rep := BenchReport{Queries: len(qs), Workers: workers, HitAt1: map[string][2]int{}, HitAt10: map[string][2]int{}}
	rep.Thresholds = []float64{0.60, 0.65, 0.70, 0.75, 0.80, 0.82, 0.84, 0.85, 0.86, 0.88, 0.90, 0.95}
	rep.Recall = make([]float64, len(rep.Thresholds))
	rep.NegAlert = make([]float64, len(rep.Thresholds))
	var pos, neg int
	for _, q := range qs {
		ms := ix.Screen(Query{Name: q.Name, Type: q.Type, BirthDate: q.DOB, Limit: limit})
		if q.Category == "negative" || q.Expected == "" {
			neg++
			top := 0.0
			if len(ms) > 0 {
				top = ms[0].Score
			}
			for i, t := range rep.Thresholds {
				if top >= t {
					rep.NegAlert[i]++
				}
			}
			if top >= Threshold {
				rep.NegativeHits = append(rep.NegativeHits, fmt.Sprintf("%s %q -> %s %q %.3f", q.ID, q.Name, ms[0].SourceID, ms[0].MatchedName, top))
			}
			continue
		}
		pos++
		rank, score := 0, 0.0
		for i, m := range ms {
			if m.SourceID == q.Expected || (q.Expected == "*" && i == 0) {
				rank, score = i+1, m.Score
				break
			}
		}
		if rank > 0 && score < 0.9 {
			rep.LowPositives = append(rep.LowPositives, fmt.Sprintf("%s %s %q -> %s %.3f", q.ID, q.Category, q.Name, q.Expected, score))
		}
		h1, h10 := rep.HitAt1[q.Category], rep.HitAt10[q.Category]
		h1[1]++
		h10[1]++
		if rank == 1 {
			h1[0]++
		} else {
			top := ""
			if len(ms) > 0 {
				top = fmt.Sprintf("%s %q %.3f", ms[0].SourceID, ms[0].MatchedName, ms[0].Score)
			}
			rep.Misses = append(rep.Misses, fmt.Sprintf("%s %s %q want %s rank %d (%.3f) top %s", q.ID, q.Category, q.Name, q.Expected, rank, score, top))
		}
		if rank >= 1 && rank <= 10 {
			h10[0]++
		}
		rep.HitAt1[q.Category], rep.HitAt10[q.Category] = h1, h10
		for i, t := range rep.Thresholds {
			if rank > 0 && score >= t {
				rep.Recall[i]++
			}
		}
	}
	for i := range rep.Thresholds {
		if pos > 0 {
			rep.Recall[i] /= float64(pos)
		}
		if neg > 0 {
			rep.NegAlert[i] /= float64(neg)
		}
	}
	// throughput
	if len(qs) == 0 {
		return rep
	}
	var n int64
	var mu sync.Mutex
	cpu0 := cpuTime()
	start := time.Now()
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			local := int64(0)
			for i := w; time.Since(start) < minDur || i < len(qs); i += workers {
				q := qs[i%len(qs)]
				ix.Screen(Query{Name: q.Name, Type: q.Type, BirthDate: q.DOB, Limit: limit})
				local++
			}
			mu.Lock()
			n += local
			mu.Unlock()
		}(w)
	}
	wg.Wait()
	rep.Elapsed = time.Since(start)
	rep.CPU = cpuTime() - cpu0
	rep.PerSecond = float64(n) / rep.Elapsed.Seconds()
	if rep.CPU > 0 {
		rep.PerCPUSecond = float64(n) / rep.CPU.Seconds()
	}
	rep.Queries = int(n)
	return rep
}

// cpuTime is the process's user+system CPU time.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// CPUTime is the process's user+system CPU time so far.
func CPUTime() time.Duration { return cpuTime() }

// Write prints the report.
func (r BenchReport) Write(w io.Writer) {
	fmt.Fprintf(w, "throughput: %d screens in %s wall with %d workers = %.0f screens/s; %s CPU = %.0f screens per CPU-second (%.1f µs CPU per screen)\n",
		r.Queries, r.Elapsed.Round(time.Millisecond), r.Workers, r.PerSecond, r.CPU.Round(time.Millisecond), r.PerCPUSecond, 1e6/r.PerCPUSecond)
	cats := make([]string, 0, len(r.HitAt1))
	for c := range r.HitAt1 {
		cats = append(cats, c)
	}
	sort.Strings(cats)
	for _, c := range cats {
		h1, h10 := r.HitAt1[c], r.HitAt10[c]
		fmt.Fprintf(w, "  %-18s n=%4d hit@1=%6.2f%% hit@10=%6.2f%%\n", c, h1[1], 100*float64(h1[0])/float64(h1[1]), 100*float64(h10[0])/float64(h10[1]))
	}
	fmt.Fprintf(w, "  threshold  recall(positives)  alerting(negatives)\n")
	for i, t := range r.Thresholds {
		mark := ""
		if t == Threshold {
			mark = "  <- operating threshold"
		}
		fmt.Fprintf(w, "  %.2f       %6.2f%%            %6.2f%%%s\n", t, 100*r.Recall[i], 100*r.NegAlert[i], mark)
	}
}
