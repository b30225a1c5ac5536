package bus

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/redflag-dev/redflag/internal/model"
)

// BenchmarkPublish measures the publisher alone (embedded server, file store).
func BenchmarkPublish(b *testing.B) {
	cfg := Config{Mode: ModeEmbedded, StoreDir: b.TempDir(), Prefix: "bench", Partitions: 16}
	c, err := Open(context.Background(), cfg, quietLog())
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	pub := &Publisher{C: c, Tenant: "bench"}
	evs := benchEvents(b.N, "p")
	b.ResetTimer()
	for _, ch := range chunks(evs, 1000) {
		if err := pub.Events(context.Background(), ch, nil); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
}

// BenchmarkWorkers measures publish → commit with in-process workers and the
// test detectors, on SQLite (or PostgreSQL with REDFLAG_TEST_POSTGRES).
func BenchmarkWorkers(b *testing.B) {
	for _, n := range []int{1, 2} {
		b.Run(fmt.Sprintf("workers=%d", n), func(b *testing.B) {
			cfg := Config{Mode: ModeEmbedded, StoreDir: b.TempDir(), Prefix: fmt.Sprintf("bw%d", time.Now().UnixNano()%1e9), Partitions: 16, LeaseTTL: 3 * time.Second}
			c, err := Open(context.Background(), cfg, quietLog())
			if err != nil {
				b.Fatal(err)
			}
			defer c.Close()
			st, _ := openStore(&testing.T{}, b.TempDir(), true)
			defer st.Close()
			t := &testing.T{}
			startWorkers(t, c, st, n)
			pub := &Publisher{C: c, Tenant: "bench"}
			evs := benchEvents(b.N, "e")
			ctx := context.Background()
			if err := WaitCaughtUp(ctx, c, st, 100*time.Millisecond); err != nil {
				b.Fatal(err)
			}
			b.ResetTimer()
			for _, ch := range chunks(evs, 1000) {
				if err := pub.Events(ctx, ch, nil); err != nil {
					b.Fatal(err)
				}
			}
			if err := WaitCaughtUp(ctx, c, st, 100*time.Millisecond); err != nil {
				b.Fatal(err)
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
		})
	}
}

func benchEvents(n int, prefix string) []model.Event {
	t0 := time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)
	evs := make([]model.Event, n)
	for j := range evs {
		s := fmt.Sprintf("u%05d", j%20000)
		evs[j] = model.Event{Tenant: "bench", ID: fmt.Sprintf("%s%d-%d", prefix, time.Now().UnixNano(), j), Kind: model.EvSignIn, Time: t0.Add(time.Duration(j) * time.Millisecond),
			SubjectID: s, Source: "bench", SignIn: &model.SignIn{Provider: "okta", Login: s, Outcome: "success", IP: "198.51.100.7", DeviceID: "d-" + s,
				IPInfo: &model.IPInfo{IP: "198.51.100.7", Country: "US"}}}
	}
	return evs
}
