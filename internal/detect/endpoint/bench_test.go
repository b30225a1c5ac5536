package endpoint

import (
	"bytes"
	"context"
	"fmt"
	"syscall"
	"testing"
	"time"

	"github.com/redflag-dev/redflag/internal/detect"
	"github.com/redflag-dev/redflag/internal/ingest"
	"github.com/redflag-dev/redflag/internal/ingest/osquery"
	"github.com/redflag-dev/redflag/internal/model"
)

func synthLog(n, hosts int) []byte {
	var b bytes.Buffer
	if err := osquery.Synthetic(&b, n, hosts); err != nil {
		panic(err)
	}
	return b.Bytes()
}

// engineSink feeds parsed events straight into the detection engine.
type engineSink struct {
	eng *detect.Engine
	env *detect.Env
	col *detect.Collector
	n   int
}

func (s *engineSink) Subjects(context.Context, []model.Subject, []model.Identifier) error { return nil }
func (s *engineSink) Events(ctx context.Context, evs []model.Event, _ []model.Identifier) error {
	for i := range evs {
		s.eng.Observe(ctx, s.env, &evs[i], s.col.Emit)
	}
	s.n += len(evs)
	return nil
}

// BenchmarkIngestDetect measures osquery ingest + endpoint detection in
// rows per second (one stream, one core).
func BenchmarkIngestDetect(b *testing.B) {
	const rows, hosts = 200_000, 1000
	log := synthLog(rows, hosts)
	res := ingest.NewMapResolver()
	var subjects []model.Subject
	for i := 0; i < hosts; i++ {
		id := fmt.Sprintf("W%05d", i)
		res.Add(model.IDSerial, fmt.Sprintf("SERlt-%05d", i), id)
		subjects = append(subjects, model.Subject{ID: id, Address: model.Address{Country: "US", City: "Austin", Region: "TX", Line: id}, ClaimedTimezone: "America/Chicago"})
	}
	p := pack(b)
	b.SetBytes(int64(len(log)))
	cpu0 := cpuTime()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		d := NewWith(p, DefaultConfig(), nil)
		sink := &engineSink{eng: detect.NewEngineWith(d), env: detect.NewEnv("default", subjects, time.Unix(1790300000, 0)), col: detect.NewCollector()}
		rep, err := osquery.Ingest(context.Background(), bytes.NewReader(log), "bench", osquery.Options{Resolver: res, BatchSize: 2000}, sink)
		if err != nil || rep.Accepted != rows {
			b.Fatalf("ingest: %v %+v", err, rep)
		}
		if err := sink.eng.Finish(context.Background(), sink.env, sink.col.Emit); err != nil {
			b.Fatal(err)
		}
		if len(sink.col.Findings()) == 0 {
			b.Fatal("no findings: the synthetic fleet has AnyDesk and Astrill")
		}
	}
	b.ReportMetric(float64(rows*b.N)/b.Elapsed().Seconds(), "rows/s")
	// On a shared machine the wall clock measures the neighbours too; the
	// process's CPU time (user+system, all threads) is what the work costs.
	b.ReportMetric(float64(rows*b.N)/(cpuTime()-cpu0).Seconds(), "rows/cpu-s")
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
