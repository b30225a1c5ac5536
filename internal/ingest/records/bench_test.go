package records

import (
	"bytes"
	"context"
	"io"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/redflag-dev/redflag/internal/pipeline"
	"github.com/redflag-dev/redflag/internal/store/sqlstore"
)

// BenchmarkIngestSQLite measures record ingest into SQLite end to end:
// CSV parsing, validation, fingerprinting, and batched transactions.
func BenchmarkIngestSQLite(b *testing.B) {
	const rows = 100000
	data, err := io.ReadAll(SyntheticPayroll(rows))
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	cpu0 := cpuSeconds()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		st, err := sqlstore.OpenSQLite(context.Background(), filepath.Join(b.TempDir(), "b.db"))
		if err != nil {
			b.Fatal(err)
		}
		p := &pipeline.Pipeline{Store: st}
		b.StartTimer()
		rep, err := Ingest(context.Background(), bytes.NewReader(data), "bench.csv", Options{Kind: Payroll, Keyer: keyer(b)}, p)
		if err != nil || rep.Accepted != rows {
			b.Fatalf("rep=%+v err=%v", rep, err)
		}
		b.StopTimer()
		st.Close()
		b.StartTimer()
	}
	b.ReportMetric(float64(rows*b.N)/b.Elapsed().Seconds(), "rows/s")
	// Rows per CPU-second: what one idle core achieves; robust to other
	// load on the machine, which the wall-clock figure is not.
	b.ReportMetric(float64(rows*b.N)/(cpuSeconds()-cpu0), "rows/cpu-s")
}

func cpuSeconds() float64 {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return float64(ru.Utime.Sec+ru.Stime.Sec) + float64(ru.Utime.Usec+ru.Stime.Usec)/1e6
}
