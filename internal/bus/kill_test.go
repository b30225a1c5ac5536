package bus

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/redflag-dev/redflag/internal/store"
	"github.com/redflag-dev/redflag/internal/store/sqlstore"
)

// TestHelperWorkerProcess is not a test: TestKillWorker re-executes the test
// binary with REDFLAG_BUS_HELPER=1 to run a worker in its own process, which
// it then kills with SIGKILL.
func TestHelperWorkerProcess(t *testing.T) {
	if os.Getenv("REDFLAG_BUS_HELPER") != "1" {
		t.Skip("helper process for TestKillWorker")
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	cfg := Config{Mode: ModeExternal, URL: os.Getenv("REDFLAG_BUS_URL"), Prefix: os.Getenv("REDFLAG_BUS_PREFIX"),
		Partitions: 8, LeaseTTL: 1500 * time.Millisecond, Batch: 100, AnalyzeEvery: 100 * time.Millisecond}
	c, err := Open(ctx, cfg, quietLog())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	var st store.Store
	if dsn := os.Getenv("REDFLAG_BUS_PG"); dsn != "" {
		st, err = sqlstore.OpenPostgres(ctx, dsn)
	} else {
		st, err = sqlstore.OpenSQLite(ctx, os.Getenv("REDFLAG_BUS_SQLITE"))
	}
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	w := &Worker{C: c, Store: st, ID: os.Getenv("REDFLAG_BUS_ID"), NewDetectors: testDetectors, Now: func() time.Time { return testNow },
		Analyze: Analyzer(testDetectors, pipelineFor(st), func() time.Time { return testNow }), Log: quietLog()}
	if err := w.Run(ctx); err != nil {
		t.Fatal(err)
	}
}

type proc struct{ cmd *exec.Cmd }

func spawnWorker(t *testing.T, id, url, prefix, storeRef string, pg bool) *proc {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperWorkerProcess$")
	env := append(os.Environ(), "REDFLAG_BUS_HELPER=1", "REDFLAG_BUS_URL="+url, "REDFLAG_BUS_PREFIX="+prefix, "REDFLAG_BUS_ID="+id)
	if pg {
		env = append(env, "REDFLAG_BUS_PG="+storeRef)
	} else {
		env = append(env, "REDFLAG_BUS_SQLITE="+storeRef)
	}
	cmd.Env = env
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &proc{cmd: cmd}
	t.Cleanup(func() { p.kill() })
	return p
}

func (p *proc) kill() {
	if p.cmd.ProcessState == nil {
		p.cmd.Process.Signal(syscall.SIGKILL)
		p.cmd.Wait()
	}
}

// TestKillWorker: three worker processes share the partitions; one is
// killed with SIGKILL in the middle of the stream and a replacement starts.
// Every event is stored once and the findings, scores and cases equal those
// of the embedded pipeline over the same data, so no event was lost and
// none counted twice (the test detector's findings carry running counts).
func TestKillWorker(t *testing.T) {
	if testing.Short() {
		t.Skip("starts worker processes")
	}
	ctx := context.Background()
	tenants := []string{"acme", "globex"}
	d := makeDataset(tenants, 40, 6000, 7)
	ref := embeddedRun(t, d, tenants)

	cfg := testConfig(t)
	cfg.Listen = "127.0.0.1:-1"
	c, err := Open(ctx, cfg, quietLog())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	pg := os.Getenv("REDFLAG_TEST_POSTGRES") != ""
	st, ref2 := openStore(t, t.TempDir(), true)
	url := c.ClientURL()
	var ws []*proc
	for i := 0; i < 3; i++ {
		ws = append(ws, spawnWorker(t, fmt.Sprintf("k%d", i), url, cfg.Prefix, ref2, pg))
	}
	pub := &Publisher{C: c}
	if err := pub.Subjects(ctx, d.subjects, nil); err != nil {
		t.Fatal(err)
	}
	parts := chunks(d.events, 200)
	killed := false
	var atKill int64
	for i, ch := range parts {
		if err := pub.Events(ctx, ch, nil); err != nil {
			t.Fatal(err)
		}
		if !killed && i >= len(parts)/3 {
			// Wait until worker k0 has committed something, then kill it.
			waitFor(t, func() bool {
				cks, _ := st.ListMeta(ctx, SystemTenant, "ckpt/"+cfg.Prefix+"/")
				return len(cks) > 0
			})
			ws[0].cmd.Process.Signal(syscall.SIGKILL)
			ws[0].cmd.Wait()
			killed = true
			s, _ := Progress(ctx, c, st)
			for _, n := range s.Processed {
				atKill += n
			}
			ws = append(ws, spawnWorker(t, "k3", url, cfg.Prefix, ref2, pg))
		}
	}
	if atKill >= int64(len(d.events)+len(d.subjects)) {
		t.Fatalf("the kill came after everything was processed (%d records); it proves nothing", atKill)
	}
	waitIdle(t, c, st)
	t.Logf("killed k0 with %d of %d records processed", atKill, len(d.events)+len(d.subjects))
	for _, tn := range tenants {
		want, got := snapshot(t, ref, tn), snapshot(t, st, tn)
		if want != got {
			t.Fatalf("tenant %s after SIGKILL (%s store):\n%s", tn, st.Backend(), diff(want, got))
		}
		n, _ := st.CountEvents(ctx, tn)
		m, _ := ref.CountEvents(ctx, tn)
		if n != m {
			t.Fatalf("tenant %s: %d events stored, want %d", tn, n, m)
		}
	}
}

// waitFor polls cond until it holds or waitLimit passes (a hang guard).
func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(waitLimit)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition never held")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

var _ = strings.TrimSpace
