package app

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/redflag-dev/redflag/internal/demo"
	"github.com/redflag-dev/redflag/internal/store/sqlstore"
)

// run executes the CLI in-process and returns stdout, stderr and the exit code.
func run(t *testing.T, args ...string) (string, string, int) {
	t.Helper()
	var out, errb bytes.Buffer
	root := NewRoot()
	root.SetArgs(args)
	root.SetOut(&out)
	root.SetErr(&errb)
	code := 0
	if err := root.ExecuteContext(context.Background()); err != nil {
		code = 1
		if ec, ok := err.(interface{ ExitCode() int }); ok {
			code = ec.ExitCode()
		}
		errb.WriteString(err.Error())
	}
	return out.String(), errb.String(), code
}

func TestDemoEndToEnd(t *testing.T) {
	dir := t.TempDir()
	out, errs, code := run(t, "demo", "--no-serve", "--seed", "7", "--workers", "150", "--applicants", "40", "--days", "20", "--dir", filepath.Join(dir, "demo"))
	if code != 0 {
		t.Fatalf("demo failed (%d): %s\n%s", code, errs, out)
	}
	for _, want := range []string{"precision", "recall", "cell farm-1", "Top subjects"} {
		if !strings.Contains(out, want) {
			t.Fatalf("demo output lacks %q:\n%s", want, out)
		}
	}
	// The report is valid JSON with subjects ordered by score.
	data := filepath.Join(dir, "demo", "data")
	js, errs, code := run(t, "--data-dir", data, "report", "--format", "json")
	if code != 0 {
		t.Fatalf("report failed: %s", errs)
	}
	var rep Report
	if err := json.Unmarshal([]byte(js), &rep); err != nil {
		t.Fatalf("report JSON: %v", err)
	}
	if rep.Version != ReportVersion || len(rep.Subjects) != 150+40 {
		t.Fatalf("report has version %q and %d subjects", rep.Version, len(rep.Subjects))
	}
	for i := 1; i < len(rep.Subjects); i++ {
		if rep.Subjects[i].Score > rep.Subjects[i-1].Score {
			t.Fatalf("report not ordered by score at %d", i)
		}
	}
	// The planted shared payroll account is found, with evidence.
	truth := readTruth(t, filepath.Join(dir, "demo", "inputs", "truth.json"))
	farm := map[string]bool{}
	for _, c := range truth.Cells {
		if c.Kind == "laptop_farm" {
			for _, m := range c.Members {
				farm[m] = true
			}
		}
	}
	found := 0
	for _, s := range rep.Subjects {
		for _, r := range s.Reasons {
			if r.Code == "PAY_SHARED_ACCOUNT" {
				if !farm[s.PersonID] {
					t.Errorf("shared account flagged outside the farm: %s", s.PersonID)
				}
				if len(r.Evidence) == 0 {
					t.Errorf("reason without evidence for %s", s.PersonID)
				}
				found++
			}
		}
	}
	if found != 2 {
		t.Fatalf("PAY_SHARED_ACCOUNT on %d subjects, want the 2 planted", found)
	}
}

func readTruth(t *testing.T, path string) demo.Truth {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var tr demo.Truth
	if err := json.Unmarshal(b, &tr); err != nil {
		t.Fatal(err)
	}
	return tr
}

func TestIngestIdempotentAndRejects(t *testing.T) {
	dir := t.TempDir()
	people := filepath.Join(dir, "people.csv")
	os.WriteFile(people, []byte("person_id,full_name,kind,hire_date\nP1,Ann One,employee,2025-01-01\nP2,Bob Two,employee,not-a-date\nP3,Cy Three,contractor,\n"), 0o644)
	pay := filepath.Join(dir, "payroll.csv")
	os.WriteFile(pay, []byte("person_id,date,event,account_number,routing_or_bank_id,amount\nP1,2025-02-01,payment,1234567890,021000021,100\nP3,2025-02-01,payment,1234567890,021000021,100\n"), 0o644)
	data := filepath.Join(dir, "data")
	_, errs, code := run(t, "--data-dir", data, "ingest", "people", people)
	if code != 2 || !strings.Contains(errs, "people.csv:3") || !strings.Contains(errs, `"hire_date"`) || !strings.Contains(errs, "1 record(s) rejected") {
		t.Fatalf("want exit 2 naming people.csv:3 and hire_date, got %d: %s", code, errs)
	}
	for i := 0; i < 2; i++ {
		if _, errs, code := run(t, "--data-dir", data, "ingest", "payroll", pay); code != 0 {
			t.Fatalf("payroll ingest %d: %s", i, errs)
		}
	}
	st, err := sqlstore.OpenSQLite(context.Background(), filepath.Join(data, "redflag.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if n, _ := st.CountSubjects(context.Background(), ""); n != 2 {
		t.Fatalf("subjects = %d, want 2 (the bad row must not land, the good ones must)", n)
	}
	if n, _ := st.CountEvents(context.Background(), ""); n != 2 {
		t.Fatalf("events after ingesting twice = %d, want 2", n)
	}
	// The account number is nowhere in the database file in clear.
	db, _ := os.ReadFile(filepath.Join(data, "redflag.db"))
	wal, _ := os.ReadFile(filepath.Join(data, "redflag.db-wal"))
	if bytes.Contains(append(db, wal...), []byte("1234567890")) {
		t.Fatal("bank account number stored in clear")
	}
	js, _, _ := run(t, "--data-dir", data, "report", "--format", "json")
	if !strings.Contains(js, "PAY_SHARED_ACCOUNT") {
		t.Fatalf("shared account not reported:\n%s", js)
	}
}

// TestKilledIngestLosesNothingCommitted kills `redflag ingest` mid-file and
// checks that the store holds whole batches only, then that re-running the
// ingest completes the file without duplicates.
func TestKilledIngestLosesNothingCommitted(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "redflag")
	if out, err := exec.Command("go", "build", "-o", bin, "github.com/redflag-dev/redflag/cmd/redflag").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	const rows = 200000
	f := filepath.Join(dir, "payroll.csv")
	var b bytes.Buffer
	b.WriteString("person_id,date,event,amount,rail\n")
	for i := 0; i < rows; i++ {
		b.WriteString("P")
		b.WriteString(itoa(i % 5000))
		b.WriteString(",2025-03-01,payment,")
		b.WriteString(itoa(i))
		b.WriteString(",ach\n")
	}
	os.WriteFile(f, b.Bytes(), 0o644)
	data := filepath.Join(dir, "data")
	const batch = 1000
	env := append(os.Environ(), "REDFLAG_INGEST__BATCH_SIZE="+itoa(batch))
	cmd := exec.Command(bin, "--data-dir", data, "ingest", "--analyze=false", "payroll", f)
	cmd.Env = env
	var childOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &childOut, &childOut
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	// Wait until some batches are committed, then kill without warning.
	dbPath := filepath.Join(data, "redflag.db")
	deadline := time.Now().Add(10 * time.Minute)
	for {
		if n := countEvents(t, dbPath); n >= 3*batch {
			break
		}
		select {
		case err := <-exited:
			t.Fatalf("ingest ended before it could be killed (%v):\n%s", err, childOut.String())
		default:
		}
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			t.Fatal("ingest made no progress")
		}
		time.Sleep(20 * time.Millisecond)
	}
	cmd.Process.Signal(syscall.SIGKILL)
	<-exited
	n := countEvents(t, dbPath)
	if n%batch != 0 || n == 0 {
		t.Fatalf("after SIGKILL the store holds %d events: not a whole number of %d-row batches", n, batch)
	}
	if n == rows {
		t.Logf("ingest finished before the kill; the batch check still held")
	}
	again := exec.Command(bin, "--data-dir", data, "ingest", "--analyze=false", "payroll", f)
	again.Env = env
	if out, err := again.CombinedOutput(); err != nil {
		t.Fatalf("re-ingest: %v\n%s", err, out)
	}
	if n := countEvents(t, dbPath); n != rows {
		t.Fatalf("after re-ingest: %d events, want %d", n, rows)
	}
}

// countEvents counts stored events through a read-only connection, so the
// check never takes a write lock from the process under test.
func countEvents(t *testing.T, path string) int {
	t.Helper()
	if _, err := os.Stat(path); err != nil {
		return 0
	}
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro&_pragma=busy_timeout(5000)")
	if err != nil {
		return 0
	}
	defer db.Close()
	var n int
	if err := db.QueryRow(`SELECT COUNT(*) FROM events`).Scan(&n); err != nil {
		return 0
	}
	return n
}

func itoa(n int) string { return strconv.Itoa(n) }
