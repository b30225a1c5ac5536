package app

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/redflag-dev/redflag/internal/bus"
	"github.com/redflag-dev/redflag/internal/demo"
	"github.com/redflag-dev/redflag/internal/model"
	"github.com/redflag-dev/redflag/internal/store"
	"github.com/redflag-dev/redflag/internal/store/sqlstore"
)

// demoSteps is the order `redflag demo` ingests its inputs in.
func demoSteps(fs demo.Files) [][2]string {
	var out [][2]string
	for _, s := range [][2]string{{"people", fs.People}, {"devices", fs.Devices}, {"interviews", fs.Interviews}, {"shipments", fs.Shipments},
		{"payroll", fs.Payroll}, {"travel", fs.Travel}, {"okta", fs.Okta}, {"osquery", fs.Osquery}} {
		if _, ok := ingestKinds[s[0]]; ok {
			out = append(out, s)
		}
	}
	return out
}

// storeSnapshot renders findings, risks and cases of the default tenant.
func storeSnapshot(t *testing.T, st store.Store) string {
	t.Helper()
	ctx := context.Background()
	var lines []string
	if err := st.EachFinding(ctx, "", func(f model.Finding) error {
		lines = append(lines, fmt.Sprintf("F %s %s %s %.4f %s %v %v", f.ID, f.SubjectID, f.Code, f.Severity, f.Time.Format(time.RFC3339), f.Details, f.Evidence))
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	rs, err := st.ListRisks(ctx, "", 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rs {
		var codes []string
		for _, x := range r.Reasons {
			codes = append(codes, fmt.Sprintf("%s=%.3f", x.Code, x.Contribution))
		}
		lines = append(lines, fmt.Sprintf("R %s %.1f %s %v", r.SubjectID, r.Score, r.Level, codes))
	}
	cs, err := st.ListCases(ctx, "", store.CaseFilter{})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cs {
		lines = append(lines, fmt.Sprintf("C %s %v %.1f %s", c.ID, c.SubjectIDs, c.Score, c.State))
	}
	sort.Strings(lines)
	return strings.Join(lines, "\n")
}

func firstDiff(a, b string) string {
	al, bl := strings.Split(a, "\n"), strings.Split(b, "\n")
	for i := 0; i < len(al) || i < len(bl); i++ {
		var x, y string
		if i < len(al) {
			x = al[i]
		}
		if i < len(bl) {
			y = bl[i]
		}
		if x != y {
			return fmt.Sprintf("line %d:\n  embedded: %s\n  bus:      %s\n(%d vs %d lines)", i, x, y, len(al), len(bl))
		}
	}
	return ""
}

// TestBusParityDemo: the demo dataset ingested with the bus off (the direct
// pipeline) and through the bus to three `redflag worker` processes, one of
// which is killed with SIGKILL mid-stream and replaced, gives identical
// findings, scores and cases.
func TestBusParityDemo(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and starts worker processes")
	}
	dir := t.TempDir()
	inputs := filepath.Join(dir, "inputs")
	if _, _, err := demo.Generate(inputs, demo.Options{Seed: 3, Workers: 150, Applicants: 40, Days: 20}); err != nil {
		t.Fatal(err)
	}
	fs := demo.Layout(inputs)
	now := demo.DefaultEnd.Format(time.RFC3339)
	t.Setenv("REDFLAG_NOW", now)
	key := strings.Repeat("ab", 32) // one fingerprint key for both runs
	t.Setenv("REDFLAG_FINGERPRINT__KEY", key)

	// Reference: the direct pipeline.
	ref := filepath.Join(dir, "ref")
	for _, s := range demoSteps(fs) {
		if out, errs, code := run(t, "--config", fs.Config, "--data-dir", ref, "ingest", "--analyze=false", s[0], s[1]); code != 0 {
			t.Fatalf("ingest %s: %s %s", s[0], out, errs)
		}
	}
	if _, errs, code := run(t, "--config", fs.Config, "--data-dir", ref, "analyze"); code != 0 {
		t.Fatalf("analyze: %s", errs)
	}

	// Scale-out: a NATS server with a port, three worker processes sharing
	// one store.
	c, err := bus.Open(context.Background(), bus.Config{Mode: bus.ModeEmbedded, StoreDir: filepath.Join(dir, "nats"), Listen: "127.0.0.1:-1"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	url := c.ClientURL()
	bin := filepath.Join(dir, "redflag")
	if out, err := exec.Command("go", "build", "-o", bin, "github.com/redflag-dev/redflag/cmd/redflag").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	data := filepath.Join(dir, "bus")
	// Open the store once so the workers find it migrated.
	st0, err := sqlstore.OpenSQLite(context.Background(), filepath.Join(data, "redflag.db"))
	if err != nil {
		t.Fatal(err)
	}
	st0.Close()
	env := append(os.Environ(), "REDFLAG_BUS__LEASE_TTL=1500ms", "REDFLAG_BUS__ANALYZE_EVERY=100ms", "REDFLAG_LOG__LEVEL=warn")
	start := func(id string) *exec.Cmd {
		cmd := exec.Command(bin, "--config", fs.Config, "--data-dir", data, "--nats", url, "worker", "--id", id)
		cmd.Env = env
		cmd.Stderr = os.Stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			if cmd.ProcessState == nil {
				cmd.Process.Signal(syscall.SIGTERM)
				cmd.Wait()
			}
		})
		return cmd
	}
	ws := []*exec.Cmd{start("w1"), start("w2"), start("w3")}
	for i, s := range demoSteps(fs) {
		if out, errs, code := run(t, "--config", fs.Config, "--data-dir", data, "--nats", url, "ingest", "--analyze=false", s[0], s[1]); code != 0 {
			t.Fatalf("ingest %s through the bus: %s %s", s[0], out, errs)
		}
		if i == 2 {
			ws[0].Process.Signal(syscall.SIGKILL)
			ws[0].Wait()
			start("w4")
		}
	}
	if out, errs, code := run(t, "--config", fs.Config, "--data-dir", data, "--nats", url, "analyze"); code != 0 {
		t.Fatalf("analyze through the bus: %s %s", out, errs)
	}

	a, err := sqlstore.OpenSQLite(context.Background(), filepath.Join(ref, "redflag.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := sqlstore.OpenSQLite(context.Background(), filepath.Join(data, "redflag.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	want, got := storeSnapshot(t, a), storeSnapshot(t, b)
	if !strings.Contains(want, "\nF ") && !strings.HasPrefix(want, "F ") {
		t.Fatalf("the reference run found nothing; the test proves nothing:\n%s", want)
	}
	if want != got {
		t.Fatalf("bus run differs from the direct pipeline: %s", firstDiff(want, got))
	}
	n1, _ := a.CountEvents(context.Background(), "")
	n2, _ := b.CountEvents(context.Background(), "")
	if n1 != n2 {
		t.Fatalf("events: %d direct, %d through the bus", n1, n2)
	}
	t.Logf("%d events, %d snapshot lines identical", n1, strings.Count(want, "\n")+1)
}
