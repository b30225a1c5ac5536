package bus

import (
	"context"
	"errors"
	"net/url"
	"sync/atomic"
	"testing"

	"github.com/redflag-dev/redflag/internal/store"
)

// TestNATSRestart: the NATS server stops in the middle of the stream and
// comes back on the same port with the same file store; the workers wait,
// reconnect and finish, with results equal to the embedded pipeline's.
func TestNATSRestart(t *testing.T) {
	ctx := context.Background()
	tenants := []string{"acme"}
	d := makeDataset(tenants, 30, 3000, 11)
	ref := embeddedRun(t, d, tenants)

	cfg := testConfig(t)
	cfg.Listen = "127.0.0.1:-1"
	srv, err := Open(ctx, cfg, quietLog())
	if err != nil {
		t.Fatal(err)
	}
	u, err := url.Parse(srv.ClientURL())
	if err != nil {
		t.Fatal(err)
	}
	ext := cfg
	ext.Mode, ext.URL, ext.Listen = ModeExternal, srv.ClientURL(), ""
	wc, err := Open(ctx, ext, quietLog())
	if err != nil {
		t.Fatal(err)
	}
	defer wc.Close()
	pc, err := Open(ctx, ext, quietLog())
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Close()
	st, _ := openStore(t, t.TempDir(), true)
	startWorkers(t, wc, st, 2)
	pub := &Publisher{C: pc}
	if err := pub.Subjects(ctx, d.subjects, nil); err != nil {
		t.Fatal(err)
	}
	half := len(d.events) / 2
	for _, ch := range chunks(d.events[:half], 300) {
		if err := pub.Events(ctx, ch, nil); err != nil {
			t.Fatal(err)
		}
	}
	srv.Close() // the server goes away, workers mid-stream
	waitFor(t, func() bool { return !wc.NC.IsConnected() })
	cfg.Listen = u.Host
	srv2, err := Open(ctx, cfg, quietLog())
	if err != nil {
		t.Fatal(err)
	}
	defer srv2.Close()
	waitFor(t, func() bool { return pc.NC.IsConnected() && wc.NC.IsConnected() })
	for _, ch := range chunks(d.events[half:], 300) {
		if err := pub.Events(ctx, ch, nil); err != nil {
			t.Fatal(err)
		}
	}
	waitIdle(t, pc, st)
	if want, got := snapshot(t, ref, "acme"), snapshot(t, st, "acme"); want != got {
		t.Fatalf("after a NATS restart:\n%s", diff(want, got))
	}
}

// flakyStore fails every batch commit and event lookup while down is set,
// as a PostgreSQL restart does to its clients.
type flakyStore struct {
	store.Store
	down  atomic.Bool
	fails atomic.Int64
}

var errDown = errors.New("connection refused (store restarting)")

func (f *flakyStore) CommitBatch(ctx context.Context, b store.Batch) (int, error) {
	if f.down.Load() {
		f.fails.Add(1)
		return 0, errDown
	}
	return f.Store.(store.Batcher).CommitBatch(ctx, b)
}

func (f *flakyStore) ExistingEvents(ctx context.Context, t string, ids []string) (map[string]bool, error) {
	if f.down.Load() {
		f.fails.Add(1)
		return nil, errDown
	}
	return f.Store.(store.Batcher).ExistingEvents(ctx, t, ids)
}

// TestStoreOutage: while the store refuses writes, workers keep their batch
// and retry; when it is back they resume, and nothing is lost or doubled.
func TestStoreOutage(t *testing.T) {
	ctx := context.Background()
	tenants := []string{"acme"}
	d := makeDataset(tenants, 30, 2000, 12)
	ref := embeddedRun(t, d, tenants)
	c, err := Open(ctx, testConfig(t), quietLog())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	base, _ := openStore(t, t.TempDir(), false)
	fs := &flakyStore{Store: base}
	startWorkers(t, c, fs, 2)
	pub := &Publisher{C: c}
	if err := pub.Subjects(ctx, d.subjects, nil); err != nil {
		t.Fatal(err)
	}
	half := len(d.events) / 2
	for _, ch := range chunks(d.events[:half], 200) {
		if err := pub.Events(ctx, ch, nil); err != nil {
			t.Fatal(err)
		}
	}
	fs.down.Store(true)
	for _, ch := range chunks(d.events[half:], 200) {
		if err := pub.Events(ctx, ch, nil); err != nil {
			t.Fatal(err)
		}
	}
	waitFor(t, func() bool { return fs.fails.Load() >= 3 }) // the workers hit the outage
	fs.down.Store(false)
	waitIdle(t, c, fs)
	if want, got := snapshot(t, ref, "acme"), snapshot(t, fs, "acme"); want != got {
		t.Fatalf("after a store outage:\n%s", diff(want, got))
	}
}
