package bus

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/redflag-dev/redflag/internal/model"
	"github.com/redflag-dev/redflag/internal/store"
)

func quietLog() *slog.Logger {
	if os.Getenv("REDFLAG_TEST_VERBOSE") != "" {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError}))
}

func testConfig(t *testing.T) Config {
	return Config{Mode: ModeEmbedded, StoreDir: t.TempDir(), Prefix: fmt.Sprintf("rft%d", time.Now().UnixNano()%1e9),
		Partitions: 8, LeaseTTL: 1500 * time.Millisecond, Batch: 200, AnalyzeEvery: 100 * time.Millisecond}
}

// startWorkers runs n in-process workers until the test ends.
func startWorkers(t *testing.T, c *Conn, st store.Store, n int) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		w := &Worker{C: c, Store: st, ID: fmt.Sprintf("w%d", i), NewDetectors: testDetectors, Now: func() time.Time { return testNow },
			Analyze: Analyzer(testDetectors, pipelineFor(st), func() time.Time { return testNow }), Log: quietLog()}
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := w.Run(ctx); err != nil {
				t.Errorf("worker: %v", err)
			}
		}()
	}
	t.Cleanup(func() { cancel(); wg.Wait() })
}

func publishAll(t *testing.T, pub *Publisher, d dataset) {
	t.Helper()
	ctx := context.Background()
	if err := pub.Subjects(ctx, d.subjects, nil); err != nil {
		t.Fatal(err)
	}
	for _, ch := range chunks(d.events, 500) {
		if err := pub.Events(ctx, ch, nil); err != nil {
			t.Fatal(err)
		}
	}
}

func waitIdle(t *testing.T, c *Conn, st store.Store) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	defer cancel()
	if err := WaitIdle(ctx, c, st, 50*time.Millisecond); err != nil {
		if f := os.Getenv("REDFLAG_TEST_DUMP"); f != "" {
			buf := make([]byte, 1<<22)
			os.WriteFile(f, buf[:runtime.Stack(buf, true)], 0o644)
		}
		t.Fatal(err)
	}
}

// TestParity: the same data through the direct pipeline and through the bus
// with three workers gives identical findings, scores and cases.
func TestParity(t *testing.T) {
	tenants := []string{"acme", "globex"}
	d := makeDataset(tenants, 40, 3000, 1)
	ref := embeddedRun(t, d, tenants)

	c, err := Open(context.Background(), testConfig(t), quietLog())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	st, _ := openStore(t, t.TempDir(), true)
	startWorkers(t, c, st, 3)
	publishAll(t, &Publisher{C: c}, d)
	waitIdle(t, c, st)

	for _, tn := range tenants {
		want, got := snapshot(t, ref, tn), snapshot(t, st, tn)
		if want == "" {
			t.Fatalf("reference run of %s found nothing; the test proves nothing", tn)
		}
		if want != got {
			t.Fatalf("tenant %s: bus results differ from the embedded pipeline (%s store):\n%s", tn, st.Backend(), diff(want, got))
		}
		n, _ := st.CountEvents(context.Background(), tn)
		m, _ := ref.CountEvents(context.Background(), tn)
		if n != m {
			t.Fatalf("tenant %s: %d events stored, want %d", tn, n, m)
		}
	}
	// Publishing everything again changes nothing: events are idempotent
	// and a detector never sees an event twice.
	publishAll(t, &Publisher{C: c}, d)
	waitIdle(t, c, st)
	for _, tn := range tenants {
		if want, got := snapshot(t, ref, tn), snapshot(t, st, tn); want != got {
			t.Fatalf("tenant %s after re-publish:\n%s", tn, diff(want, got))
		}
	}
}

// TestPoison: undecodable, misrouted and detector-crashing messages go to
// the dead-letter stream with their error, and the rest is processed.
func TestPoison(t *testing.T) {
	ctx := context.Background()
	c, err := Open(ctx, testConfig(t), quietLog())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	st, _ := openStore(t, t.TempDir(), false)
	startWorkers(t, c, st, 1)
	d := makeDataset([]string{"acme"}, 5, 50, 2)
	pub := &Publisher{C: c}
	publishAll(t, pub, d)
	// 1. Not JSON.
	if _, err := c.JS.Publish(ctx, c.Names.EventSubject("acme", 0), []byte("{not json")); err != nil {
		t.Fatal(err)
	}
	// 2. An acme event published on globex's subject: must not land anywhere.
	ev := d.events[0]
	ev.ID = "crosser"
	b, _ := json.Marshal(Envelope{Type: "event", Tenant: "acme", Event: &ev})
	if _, err := c.JS.Publish(ctx, c.Names.EventSubject("globex", c.Names.Partition("globex", ev.SubjectID)), b); err != nil {
		t.Fatal(err)
	}
	// 3. An event a detector panics on.
	// It travels in one message with two good events of the same person:
	// only the poison one may go to the dead-letter stream.
	pe := d.events[1]
	pe.ID = "poison-1"
	n1, n2 := pe, pe
	n1.ID, n2.ID = "neighbour-1", "neighbour-2"
	n2.Time = n2.Time.Add(time.Second)
	if err := pub.Events(ctx, []model.Event{n1, pe, n2}, nil); err != nil {
		t.Fatal(err)
	}
	// Then more good events: the stream goes on.
	more := makeDataset([]string{"acme"}, 5, 20, 3)
	for i := range more.events {
		more.events[i].ID = "late-" + more.events[i].ID
	}
	if err := pub.Events(ctx, more.events, nil); err != nil {
		t.Fatal(err)
	}
	waitIdle(t, c, st)

	n, _ := st.CountEvents(ctx, "acme")
	if want := len(d.events) + len(more.events) + 2; n != want {
		t.Fatalf("acme has %d events, want %d", n, want)
	}
	if n, _ := st.CountEvents(ctx, "globex"); n != 0 {
		t.Fatalf("globex has %d events; the misrouted one leaked", n)
	}
	if _, err := st.GetEvent(ctx, "acme", "poison-1"); err == nil {
		t.Fatal("poison event was stored")
	}
	s, err := c.JS.Stream(ctx, c.Names.DLQStream())
	if err != nil {
		t.Fatal(err)
	}
	cons, err := s.OrderedConsumer(ctx, jetstream.OrderedConsumerConfig{})
	if err != nil {
		t.Fatal(err)
	}
	batch, err := cons.FetchNoWait(10)
	if err != nil {
		t.Fatal(err)
	}
	var errs []string
	for m := range batch.Messages() {
		errs = append(errs, m.Subject()+": "+m.Headers().Get(HdrError))
		if m.Headers().Get(HdrOrigSeq) == "" || m.Headers().Get(HdrOrigSubj) == "" {
			t.Errorf("dead letter without origin headers: %v", m.Headers())
		}
	}
	if len(errs) != 3 {
		t.Fatalf("dead letters = %d, want 3:\n%v", len(errs), errs)
	}
	t.Logf("dead letters: %v", errs)
}

// TestTenantIsolationBus: records of one tenant never reach another's state,
// and tenant names that could alias subjects are refused at publish.
func TestTenantIsolationBus(t *testing.T) {
	ctx := context.Background()
	c, err := Open(ctx, testConfig(t), quietLog())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	st, _ := openStore(t, t.TempDir(), false)
	startWorkers(t, c, st, 2)
	pub := &Publisher{C: c}
	for _, bad := range []string{"a.b", "a*", ">", "a b", "_bus", ""} {
		if bad == "" {
			continue // empty means the publisher's default tenant
		}
		if err := pub.Events(ctx, []model.Event{{Tenant: bad, ID: "x", Kind: model.EvSignIn, Time: testNow}}, nil); err == nil {
			t.Errorf("tenant %q accepted on the bus", bad)
		}
	}
	// The same person and event IDs in two tenants stay apart.
	for _, tn := range []string{"acme", "globex"} {
		if err := pub.Subjects(ctx, []model.Subject{{Tenant: tn, ID: "p1", FullName: "Name in " + tn}}, []model.Identifier{{Tenant: tn, Kind: model.IDEmail, Value: tn + "@x.test", SubjectID: "p1", Source: "hr"}}); err != nil {
			t.Fatal(err)
		}
		ev := model.Event{Tenant: tn, ID: "same-id", Kind: model.EvSignIn, Time: testNow, SubjectID: "p1", Source: tn,
			SignIn: &model.SignIn{Login: "p1", IPInfo: &model.IPInfo{Country: "US"}, DeviceID: "shared-dev"}}
		if err := pub.Events(ctx, []model.Event{ev}, nil); err != nil {
			t.Fatal(err)
		}
	}
	// One person per tenant on one device: no cross-tenant "shared device".
	waitIdle(t, c, st)
	for _, tn := range []string{"acme", "globex"} {
		e, err := st.GetEvent(ctx, tn, "same-id")
		if err != nil || e.Source != tn {
			t.Fatalf("%s event = %+v, %v", tn, e, err)
		}
		fs, _ := st.FindingsOf(ctx, tn, "p1")
		for _, f := range fs {
			if f.Code == defShare.Code {
				t.Fatalf("%s: device shared across tenants was joined: %+v", tn, f)
			}
			if f.Code == defName.Code && f.Tenant != tn {
				t.Fatalf("finding crossed tenants: %+v", f)
			}
		}
		ids, _ := st.IdentifiersOf(ctx, tn, "p1")
		if len(ids) != 1 || ids[0].Value != tn+"@x.test" {
			t.Fatalf("%s identifiers = %+v", tn, ids)
		}
	}
}

func TestPartitionStable(t *testing.T) {
	n := Names{Prefix: "redflag", Partitions: 16}
	seen := map[int]bool{}
	for i := 0; i < 1000; i++ {
		p := n.Partition("acme", fmt.Sprint("person", i))
		if p < 0 || p >= 16 {
			t.Fatalf("partition %d out of range", p)
		}
		if p != n.Partition("acme", fmt.Sprint("person", i)) {
			t.Fatal("partition not stable")
		}
		seen[p] = true
	}
	if len(seen) != 16 {
		t.Fatalf("1000 people use %d of 16 partitions", len(seen))
	}
	// Known value: changing the hash would move people between partitions of
	// an existing stream.
	if got := n.Partition("acme", "p001"); got != n.Partition("acme", "p001") || fmt.Sprint(got) != fmt.Sprint(partitionRef) {
		t.Fatalf("Partition(acme, p001) = %d, want %d", got, partitionRef)
	}
}

func TestRendezvousMovesLittle(t *testing.T) {
	a := []string{"w1", "w2", "w3"}
	b := []string{"w1", "w2", "w3", "w4"}
	moved := 0
	for p := 0; p < 64; p++ {
		x, y := rendezvous(a, p), rendezvous(b, p)
		if x != y {
			if y != "w4" {
				t.Fatalf("partition %d moved from %s to %s, not to the new member", p, x, y)
			}
			moved++
		}
	}
	if moved == 0 || moved > 32 {
		t.Fatalf("adding a fourth worker moved %d of 64 partitions", moved)
	}
}

// FuzzValidate: no message, however malformed, panics the validator or
// passes with a tenant other than its subject's.
func FuzzValidate(f *testing.F) {
	ev := model.Event{ID: "e1", Kind: model.EvSignIn, Time: testNow, SubjectID: "p1"}
	good, _ := json.Marshal(Envelope{Type: "event", Tenant: "acme", Event: &ev})
	f.Add(good, "redflag.acme.events.3")
	f.Add([]byte(`{"type":"subjects","tenant":"acme","subjects":[{"person_id":"p"}]}`), "redflag.acme.events.2")
	f.Add([]byte(`{"type":"ids","tenant":"acme","ids":[{"kind":"email","value":"x","subject_id":"p","tenant":"globex"}]}`), "redflag.acme.events.1")
	f.Add([]byte(`{}`), "redflag..events.1")
	w := &Worker{C: &Conn{Names: Names{Prefix: "redflag", Partitions: 8}}}
	f.Fuzz(func(t *testing.T, data []byte, subject string) {
		var env Envelope
		if json.Unmarshal(data, &env) != nil {
			return
		}
		for p := 0; p < 8; p++ {
			if w.validate(subject, p, &env) != nil {
				continue
			}
			tok := "." + env.Tenant + "."
			if len(subject) < len(tok) || !containsToken(subject, env.Tenant) {
				t.Fatalf("accepted tenant %q on subject %q", env.Tenant, subject)
			}
			if env.Event != nil && env.Event.Tenant != env.Tenant {
				t.Fatalf("event tenant %q in envelope %q", env.Event.Tenant, env.Tenant)
			}
		}
	})
}

func containsToken(subject, tok string) bool {
	for _, part := range splitDots(subject) {
		if part == tok {
			return true
		}
	}
	return false
}

func splitDots(s string) []string {
	var out []string
	start := 0
	for i := 0; i < len(s); i++ {
		if s[i] == '.' {
			out = append(out, s[start:i])
			start = i + 1
		}
	}
	return append(out, s[start:])
}

var _ = nats.NewMsg

// partitionRef pins FNV-1a("acme\x1fp001") % 16.
// (computed independently: python3 FNV-1a 32-bit).
const partitionRef = 3

// waitLimit bounds how long a test waits for the workers; it is a hang
// guard, not an assertion on speed.
var waitLimit = func() time.Duration {
	if d, err := time.ParseDuration(os.Getenv("REDFLAG_TEST_WAIT")); err == nil {
		return d
	}
	return 3 * time.Minute
}()

// TestParityExternalNATS runs the parity check against the NATS server in
// REDFLAG_TEST_NATS (CI: nats://127.0.0.1:4222), on a prefix of its own that
// it deletes afterwards, with PostgreSQL when REDFLAG_TEST_POSTGRES is set.
func TestParityExternalNATS(t *testing.T) {
	url := os.Getenv("REDFLAG_TEST_NATS")
	if url == "" {
		t.Skip("REDFLAG_TEST_NATS is not set; skipping the parity test on an external NATS server")
	}
	tenants := []string{"acme", "globex"}
	d := makeDataset(tenants, 30, 2000, 21)
	ref := embeddedRun(t, d, tenants)
	cfg := testConfig(t)
	cfg.Mode, cfg.URL, cfg.StoreDir = ModeExternal, url, ""
	ctx := context.Background()
	c, err := Open(ctx, cfg, quietLog())
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		c.JS.DeleteStream(context.Background(), c.Names.Stream())
		c.JS.DeleteStream(context.Background(), c.Names.DLQStream())
		c.JS.DeleteKeyValue(context.Background(), c.Names.Bucket())
		c.Close()
	}()
	st, _ := openStore(t, t.TempDir(), true)
	startWorkers(t, c, st, 3)
	publishAll(t, &Publisher{C: c}, d)
	waitIdle(t, c, st)
	for _, tn := range tenants {
		if want, got := snapshot(t, ref, tn), snapshot(t, st, tn); want != got {
			t.Fatalf("tenant %s on %s:\n%s", tn, url, diff(want, got))
		}
	}
}
