package graph

import (
	"fmt"
	"math/rand/v2"
	"os"
	"runtime"
	"strconv"
	"strings"
	"syscall"
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
		c0 := cpuTime()
		r := rand.New(rand.NewPCG(1, 2))
		g := New(DefaultConfig())
		g.Grow(n, 8*n)
		var buf []model.Identifier
		for i := 0; i < n; i++ {
			buf = synthIDs(r, i, buf)
			g.Add(names[i], buf)
		}
		b.StopTimer()
		b.ReportMetric(float64(cpuTime()-c0)/1e9, "cpu-s")
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
	c0 := cpuTime()
	for i := 0; i < b.N; i++ {
		buf = synthIDs(r, n+i, buf)
		g.Add("p"+strconv.Itoa(n+i), buf)
	}
	b.ReportMetric(float64(cpuTime()-c0)/float64(b.N), "cpu-ns/op")
}

// cpuTime is the process's user+system CPU time in nanoseconds: on a shared
// machine it shows the work done, where wall time also counts waiting.
func cpuTime() int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return ru.Utime.Nano() + ru.Stime.Nano()
}

func synthSubject(r *rand.Rand, i int) model.Subject {
	first := []string{"ann", "bob", "cara", "dan", "eve", "finn", "gia", "hal", "ivy", "jon", "kai", "lea"}[r.IntN(12)]
	syl := []string{"ka", "ro", "mi", "tan", "bel", "gor", "shi", "vu", "len", "dar", "po", "zek", "ine", "mar", "sol", "ut"}
	last := syl[r.IntN(16)] + syl[r.IntN(16)] + syl[r.IntN(16)] + syl[r.IntN(16)]
	words := make([]string, 150)
	for k := range words {
		words[k] = "w" + strconv.Itoa(r.IntN(400))
	}
	return model.Subject{ID: "p" + strconv.Itoa(i), Kind: model.KindApplicant, FullName: first + " " + last,
		Email: first + "." + last + strconv.Itoa(i) + "@example.com", Phone: fmt.Sprintf("+1 202 %03d %04d", 200+i/10000%800, i%10000),
		DateOfBirth: fmt.Sprintf("19%02d-%02d-%02d", 50+r.IntN(50), 1+r.IntN(12), 1+r.IntN(28)),
		Address:     model.Address{Line: strconv.Itoa(1+r.IntN(999)) + " " + syl[r.IntN(16)] + syl[r.IntN(16)] + " St", City: "City" + syl[r.IntN(16)] + syl[r.IntN(16)], PostalCode: fmt.Sprintf("%05d", r.IntN(99999)), Country: "US"},
		ResumeText:  strings.Join(words, " "), GitHubLogin: first + last, IdPLogins: []string{first + "." + last + strconv.Itoa(i)}}
}

// BenchmarkBuilderAddSubject adds one applicant with every feature on
// (identifier normalisation, fuzzy person matching, resume MinHash/LSH) to
// a builder that already holds GRAPH_BENCH_SUBJECTS/20 subjects (default
// 50,000).
func BenchmarkBuilderAddSubject(b *testing.B) {
	n := benchSubjects() / 20
	r := rand.New(rand.NewPCG(9, 9))
	bl := NewBuilder(DefaultBuildConfig())
	for i := 0; i < n; i++ {
		s := synthSubject(r, i)
		bl.AddSubject(&s)
	}
	subs := make([]model.Subject, b.N)
	for i := range subs {
		subs[i] = synthSubject(r, n+i)
	}
	b.ResetTimer()
	c0 := cpuTime()
	for i := 0; i < b.N; i++ {
		bl.AddSubject(&subs[i])
	}
	b.StopTimer()
	b.ReportMetric(float64(cpuTime()-c0)/float64(b.N), "cpu-ns/op")
	st := bl.G.Stats()
	b.ReportMetric(float64(st.Links), "links")
	b.ReportMetric(float64(st.Largest), "largest")
}
