package bus

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/redflag-dev/redflag/internal/store/sqlstore"
)

// privatePostgres starts a throw-away PostgreSQL server of our own (so that
// restarting it disturbs nobody) and returns its DSN and a control function
// ("stop" or "start"). It skips when the server binaries are missing.
func privatePostgres(t *testing.T) (string, func(string)) {
	t.Helper()
	bin := os.Getenv("REDFLAG_TEST_PGBIN")
	if bin == "" {
		bin = "/usr/lib/postgresql/15/bin"
	}
	if _, err := os.Stat(filepath.Join(bin, "initdb")); err != nil {
		t.Skipf("no PostgreSQL server binaries in %s (set REDFLAG_TEST_PGBIN); skipping the PostgreSQL restart test", bin)
	}
	dir, err := os.MkdirTemp("", "rfpg-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	asPG := func(name string, args ...string) *exec.Cmd {
		if os.Geteuid() == 0 { // the server refuses to run as root
			return exec.Command("runuser", append([]string{"-u", "postgres", "--", filepath.Join(bin, name)}, args...)...)
		}
		return exec.Command(filepath.Join(bin, name), args...)
	}
	if os.Geteuid() == 0 {
		if out, err := exec.Command("chown", "postgres", dir).CombinedOutput(); err != nil {
			t.Skipf("cannot hand %s to the postgres user: %v %s", dir, err, out)
		}
	}
	data := filepath.Join(dir, "data")
	if out, err := asPG("initdb", "-D", data, "-A", "trust", "-U", "postgres").CombinedOutput(); err != nil {
		t.Skipf("initdb failed (%v): %s", err, out)
	}
	port := 20000 + os.Getpid()%20000
	ctl := func(what string) {
		args := []string{"-D", data, "-w", "-l", filepath.Join(dir, "log")}
		switch what {
		case "start":
			args = append(args, "-o", fmt.Sprintf("-p %d -k %s -c listen_addresses=127.0.0.1 -c fsync=off", port, dir), "start")
		case "stop":
			args = append(args, "-m", "immediate", "stop") // as abrupt as a crash
		}
		if out, err := asPG("pg_ctl", args...).CombinedOutput(); err != nil {
			t.Fatalf("pg_ctl %s: %v\n%s", what, err, out)
		}
	}
	ctl("start")
	t.Cleanup(func() { asPG("pg_ctl", "-D", data, "-m", "immediate", "stop").Run() })
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", port), ctl
}

// TestPostgresRestart: PostgreSQL is stopped abruptly mid-stream and started
// again; the workers wait and resume, and the results equal the embedded
// pipeline's.
func TestPostgresRestart(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a PostgreSQL server")
	}
	dsn, ctl := privatePostgres(t)
	ctx := context.Background()
	tenants := []string{"acme"}
	d := makeDataset(tenants, 30, 3000, 13)
	ref := embeddedRun(t, d, tenants)
	st, err := sqlstore.OpenPostgres(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	c, err := Open(ctx, testConfig(t), quietLog())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	startWorkers(t, c, st, 2)
	pub := &Publisher{C: c}
	if err := pub.Subjects(ctx, d.subjects, nil); err != nil {
		t.Fatal(err)
	}
	half := len(d.events) / 2
	for _, ch := range chunks(d.events[:half], 300) {
		if err := pub.Events(ctx, ch, nil); err != nil {
			t.Fatal(err)
		}
	}
	ctl("stop")
	for _, ch := range chunks(d.events[half:], 300) {
		if err := pub.Events(ctx, ch, nil); err != nil {
			t.Fatal(err)
		}
	}
	if err := st.Ping(ctx); err == nil {
		t.Fatal("PostgreSQL still answers after stop")
	}
	ctl("start")
	waitIdle(t, c, st)
	if want, got := snapshot(t, ref, "acme"), snapshot(t, st, "acme"); want != got {
		t.Fatalf("after a PostgreSQL restart:\n%s", diff(want, got))
	}
}
