package identity

import (
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
)

var vocab = strings.Fields(`senior junior lead staff principal engineer developer designer analyst manager go golang java python
rust react angular vue node typescript javascript kotlin swift android ios aws gcp azure docker kubernetes terraform postgres
mysql redis kafka spark hadoop airflow graphql rest grpc microservices serverless devops sre security payments fintech
healthcare ecommerce logistics startup enterprise agile scrum led built designed shipped migrated scaled reduced improved
latency throughput cost team teams mentored hired delivered platform api apis backend frontend fullstack mobile data machine
learning ml ai models pipelines dashboards analytics testing ci cd automation observability monitoring university college
bachelor master degree computer science engineering mathematics physics years experience remote contract freelance clients
projects products features customers users million billion percent revenue growth`)

func synthResume(r *rand.Rand, n int) string {
	w := make([]string, n)
	for i := range w {
		w[i] = vocab[r.IntN(len(vocab))]
	}
	return strings.Join(w, " ")
}

var (
	benchOnce  sync.Once
	benchIndex *TextIndex
	benchTexts []string
)

func benchN() int {
	if v, err := strconv.Atoi(os.Getenv("RESUME_BENCH_N")); err == nil && v > 0 {
		return v
	}
	return 100_000
}

func benchSetup() {
	r := rand.New(rand.NewPCG(3, 4))
	n := benchN()
	benchIndex = NewTextIndex()
	for i := 0; i < n; i++ {
		t := synthResume(r, 120+r.IntN(120))
		benchIndex.Add("r"+strconv.Itoa(i), t)
		if i < 1000 {
			benchTexts = append(benchTexts, t)
		}
	}
}

// BenchmarkResumeQuery: near-duplicate search over RESUME_BENCH_N (default
// 100,000) indexed resumes of 120-240 words; each query is a lightly edited
// copy of an indexed resume.
func BenchmarkResumeQuery(b *testing.B) {
	benchOnce.Do(benchSetup)
	r := rand.New(rand.NewPCG(5, 6))
	queries := make([]string, 256)
	for i := range queries {
		w := strings.Fields(benchTexts[r.IntN(len(benchTexts))])
		for k := 0; k < 3; k++ { // three word edits
			w[r.IntN(len(w))] = vocab[r.IntN(len(vocab))]
		}
		queries[i] = strings.Join(w, " ")
	}
	b.ResetTimer()
	found := 0
	for i := 0; i < b.N; i++ {
		if len(benchIndex.Query(queries[i%len(queries)], 0.8)) > 0 {
			found++
		}
	}
	b.ReportMetric(float64(found)/float64(b.N), "hit-rate")
}

// BenchmarkResumeIndex measures adding one resume to the index.
func BenchmarkResumeIndex(b *testing.B) {
	r := rand.New(rand.NewPCG(7, 8))
	texts := make([]string, 1024)
	for i := range texts {
		texts[i] = synthResume(r, 180)
	}
	x := NewTextIndex()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		x.Add(strconv.Itoa(i), texts[i%len(texts)])
	}
}
