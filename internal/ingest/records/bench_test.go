package records

import (
	"bytes"
	"context"
	"fmt"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/redflag-dev/redflag/internal/pipeline"
	"github.com/redflag-dev/redflag/internal/store/sqlstore"
)

func payrollCSV(rows int) []byte {
	var b bytes.Buffer
	b.WriteString("person_id,date,event,account_number,routing_or_bank_id,account_holder,bank_country,rail,amount,currency\n")
	for i := 0; i < rows; i++ {
		fmt.Fprintf(&b, "P%05d,2026-%02d-%02d,payment,%012d,021000021,Worker %d,US,ach,%d.50,USD\n", i%20000, 1+i%12, 1+i%28, i%20000, i%20000, 3000+i%5000)
	}
	return b.Bytes()
}

// BenchmarkIngestSQLite measures record ingest into SQLite end to end:
// CSV parsing, validation, fingerprinting, and batched transactions.
func BenchmarkIngestSQLite(b *testing.B) {
	const rows = 100000
	data := payrollCSV(rows)
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
