package graph

import (
	"fmt"
	"math/rand/v2"
	"os"
	"runtime"
	"strconv"
	"testing"

	"github.com/redflag-dev/redflag/internal/model"
)

var benchKinds = []model.IdentifierKind{model.IDEmail, model.IDPhone, model.IDAddress, model.IDDevice, model.IDIdPLogin, model.IDBank, model.IDIP, model.IDSerial}

// synthIDs gives subject i eight identifiers: mostly its own, 2% shared with
// a neighbour (small rings), and an office IP shared by thousands (generic).
func synthIDs(r *rand.Rand, i int, buf []model.Identifier) []model.Identifier {
	buf = buf[:0]
	for k, kind := range benchKinds {
		owner := i
		if r.IntN(50) == 0 {
			owner = i - r.IntN(3) // shared with a recent subject
		}
		v := kind2prefix[k] + strconv.Itoa(owner)
		if kind == model.IDIP && r.IntN(4) == 0 {
			v = "10.0.0." + strconv.Itoa(r.IntN(8)) // office egress: generic
		}
		buf = append(buf, model.Identifier{Kind: kind, Value: v})
	}
	return buf
}

var kind2prefix = []string{"user", "+1555", "addr|", "dev-", "login", "bank:", "ip-", "SER"}

func benchSubjects() int {
	if v, err := strconv.Atoi(os.Getenv("GRAPH_BENCH_SUBJECTS")); err == nil && v > 0 {
		return v
	}
	return 1_000_000
}

// BenchmarkBuild builds a graph of GRAPH_BENCH_SUBJECTS (default 1,000,000)
// subjects with eight identifiers each. Run with -benchtime=1x.
func BenchmarkBuild(b *testing.B) {
	n := benchSubjects()
	names := make([]string, n)
	for i := range names {
		names[i] = fmt.Sprintf("p%07d", i)
	}
	b.ResetTimer()
	for it := 0; it < b.N; it++ {
		r := rand.New(rand.NewPCG(1, 2))
		g := New(DefaultConfig())
		g.Grow(n, 8*n)
		var buf []model.Identifier
		for i := 0; i < n; i++ {
			buf = synthIDs(r, i, buf)
			g.Add(names[i], buf)
		}
		b.StopTimer()
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		b.ReportMetric(float64(ms.HeapInuse)/(1<<20), "heap-MB")
		b.ReportMetric(float64(ms.Sys)/(1<<20), "sys-MB")
		st := g.Stats()
		b.ReportMetric(float64(st.Clusters), "clusters")
		b.ReportMetric(float64(st.Largest), "largest")
		b.ReportMetric(float64(st.Generic), "generic")
		b.StartTimer()
	}
}

// BenchmarkAddOne adds one subject with eight identifiers to a graph that
// already holds GRAPH_BENCH_SUBJECTS/10 subjects (default 100,000).
func BenchmarkAddOne(b *testing.B) {
	n := benchSubjects() / 10
	r := rand.New(rand.NewPCG(1, 2))
	g := New(DefaultConfig())
	var buf []model.Identifier
	for i := 0; i < n; i++ {
		buf = synthIDs(r, i, buf)
		g.Add("p"+strconv.Itoa(i), buf)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		buf = synthIDs(r, n+i, buf)
		g.Add("p"+strconv.Itoa(n+i), buf)
	}
}
