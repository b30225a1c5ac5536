package osquery

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/redflag-dev/redflag/internal/ingest"
	"github.com/redflag-dev/redflag/internal/model"
	"github.com/redflag-dev/redflag/packs"
)

type memSink struct {
	events []model.Event
	ids    []model.Identifier
}

func (m *memSink) Subjects(context.Context, []model.Subject, []model.Identifier) error { return nil }
func (m *memSink) Events(_ context.Context, evs []model.Event, ids []model.Identifier) error {
	m.events = append(m.events, evs...)
	m.ids = append(m.ids, ids...)
	return nil
}

func ingestFile(t *testing.T, path string, res ingest.Resolver) (ingest.Report, *memSink) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sink := &memSink{}
	rep, err := Ingest(context.Background(), f, filepath.Base(path), Options{Resolver: res, BatchSize: 2}, sink)
	if err != nil {
		t.Fatalf("ingest %s: %v", path, err)
	}
	return rep, sink
}

func TestFarmFixtureResolvesThroughSerial(t *testing.T) {
	res := ingest.NewMapResolver()
	res.Add(model.IDSerial, "C02XK1ABC", "p_farm")
	rep, sink := ingestFile(t, "testdata/farm.jsonl", res)
	if rep.Rejected != 0 || rep.Accepted != 5 || len(sink.events) != 5 {
		t.Fatalf("report %+v, %d events", rep, len(sink.events))
	}
	for _, ev := range sink.events {
		if ev.SubjectID != "p_farm" || ev.Kind != model.EvEndpoint || ev.Endpoint == nil {
			t.Fatalf("event not resolved: %+v", ev)
		}
		if !strings.HasPrefix(ev.SourceRef, "farm.jsonl:") || len(ev.Raw) == 0 {
			t.Fatalf("source ref / raw: %q %d", ev.SourceRef, len(ev.Raw))
		}
	}
	usb := sink.events[1].Endpoint
	if usb.Table != "usb_devices" || usb.Columns["vendor_id"] != "1d6b" || usb.Serial != "C02XK1ABC" {
		t.Fatalf("usb row: %+v", usb)
	}
	p := sink.events[3].Endpoint // numeric values
	if p.Columns["pid"] != "4242" || !strings.Contains(p.Columns["cmdline"], "--pin=123456") {
		t.Fatalf("numeric columns: %+v", p.Columns)
	}
	if _, ok := p.Columns["wired_size"]; ok {
		t.Fatal("column outside the pack's query must be dropped")
	}
	if rep.Ignored["column:processes.wired_size"] != 1 || rep.Ignored["column:system_info.cpu_brand"] != 1 {
		t.Fatalf("unknown columns not counted: %v", rep.Ignored)
	}
	if got := sink.events[0].Time.Unix(); got != 1794405600 {
		t.Fatalf("time %d", got)
	}
	if sink.events[4].Endpoint.PublicIP != "203.0.113.77" {
		t.Fatalf("egress ip: %+v", sink.events[4].Endpoint)
	}
	// A hostname identifier is learned from system_info.
	found := false
	for _, id := range sink.ids {
		if id.Kind == model.IDHostname && id.Value == "lt-0042" && id.SubjectID == "p_farm" {
			found = true
		}
	}
	if !found {
		t.Fatalf("hostname identifier not learned: %+v", sink.ids)
	}
}

func TestStableIDs(t *testing.T) {
	_, a := ingestFile(t, "testdata/farm.jsonl", nil)
	_, b := ingestFile(t, "testdata/farm.jsonl", nil)
	seen := map[string]bool{}
	for i := range a.events {
		if a.events[i].ID != b.events[i].ID {
			t.Fatal("IDs differ between runs")
		}
		if seen[a.events[i].ID] {
			t.Fatal("duplicate ID for different rows")
		}
		seen[a.events[i].ID] = true
	}
}

func TestAllForms(t *testing.T) {
	res := ingest.NewMapResolver()
	res.Add(model.IDHostname, "lt-0007", "p7")
	rep, sink := ingestFile(t, "testdata/forms.jsonl", res)
	if rep.Rejected != 0 {
		t.Fatalf("rejected: %v", rep.Errors)
	}
	if len(sink.events) != 4 {
		t.Fatalf("want batch + snapshot + TLS + processes = 4 rows, got %d", len(sink.events))
	}
	if e := sink.events[0].Endpoint; e.Table != "apps" || e.Action != "added" || e.Columns["bundle_identifier"] != "com.philandro.anydesk" {
		t.Fatalf("batch row: %+v", e)
	}
	if e := sink.events[1].Endpoint; e.Table != "time" || e.Action != "snapshot" || e.Columns["local_timezone"] != "Asia/Shanghai" {
		t.Fatalf("snapshot row: %+v", e)
	}
	if e := sink.events[2].Endpoint; e.Table != "registry" || e.Query != "pack_redflag_keyboard_layout_windows" || e.Columns["data"] != "00000412" {
		t.Fatalf("TLS row: %+v", e)
	}
	if sink.events[2].SubjectID != "" || rep.Unresolved != 1 {
		t.Fatalf("unknown host must stay unresolved and be counted: %q %d", sink.events[2].SubjectID, rep.Unresolved)
	}
	if rep.Ignored["status_log"] != 2 || rep.Ignored["query:pack_other_mounts"] != 1 || rep.Ignored["column:processes.made_up_column"] != 1 {
		t.Fatalf("ignored counts: %v", rep.Ignored)
	}
}

func TestMalformedLinesReportedStreamGoesOn(t *testing.T) {
	rep, sink := ingestFile(t, "testdata/bad.jsonl", nil)
	if len(sink.events) != 2 || rep.Accepted != 2 {
		t.Fatalf("valid rows must land: %d events, %+v", len(sink.events), rep)
	}
	var lines []int
	fields := map[int]string{}
	for _, e := range rep.Errors {
		lines = append(lines, e.Line)
		fields[e.Line] = e.Field
		if e.File != "bad.jsonl" {
			t.Fatalf("file: %+v", e)
		}
	}
	sort.Ints(lines)
	if want := []int{2, 3, 4, 5, 6}; !equalInts(lines, want) {
		t.Fatalf("rejected lines %v, want %v (%v)", lines, want, rep.Errors)
	}
	if fields[4] != "hostIdentifier" || fields[5] != "unixTime" || fields[6] != "action" {
		t.Fatalf("fields: %v", fields)
	}
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestLookup(t *testing.T) {
	for name, want := range map[string]string{
		"pack_redflag_usb_devices":         "usb_devices",
		"pack_redflag_usb_devices_windows": "usb_devices_windows",
		"pack/redflag/time":                "time",
		"processes":                        "processes",
		"pack_incident-response_processes": "processes",
		"pack_redflag_nothing":             "",
		"usb":                              "",
	} {
		q, ok := Lookup(name)
		if want == "" {
			if ok {
				t.Errorf("%s: want unknown, got %s", name, q.Name)
			}
			continue
		}
		if !ok || q.Name != want {
			t.Errorf("%s: got %v, want %s", name, q, want)
		}
	}
}

// moduleRoot walks up to the directory holding go.mod.
func moduleRoot(t testing.TB) string {
	d, _ := os.Getwd()
	for {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			return d
		}
		p := filepath.Dir(d)
		if p == d {
			t.Fatal("no go.mod above the test directory")
		}
		d = p
	}
}

func sampleFiles(t testing.TB) []string {
	dir := filepath.Join(moduleRoot(t), "..", "shared", "data", "endpoint", "osquery")
	if _, err := os.Stat(dir); err != nil {
		t.Skipf("shared samples not available at %s: %v", dir, err)
	}
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range ents {
		// The column schema is not a result log; packs/ holds query packs.
		if e.IsDir() || e.Name() == "osquery_table_columns.json" {
			continue
		}
		out = append(out, filepath.Join(dir, e.Name()))
	}
	if len(out) == 0 {
		t.Skip("no osquery samples")
	}
	return out
}

func TestRealSamplesParse(t *testing.T) {
	for _, f := range sampleFiles(t) {
		t.Run(filepath.Base(f), func(t *testing.T) {
			rep, sink := ingestFile(t, f, nil)
			if rep.Rejected != 0 {
				t.Fatalf("rejected: %v", rep.Errors)
			}
			if rep.Read == 0 {
				t.Fatal("nothing read")
			}
			if rep.Accepted+sumIgnored(rep) == 0 {
				t.Fatalf("no row accepted or counted: %+v", rep)
			}
			for _, ev := range sink.events {
				if ev.ID == "" || ev.Time.IsZero() || ev.Endpoint.HostIdentifier == "" {
					t.Fatalf("incomplete event %+v", ev)
				}
			}
		})
	}
}

func sumIgnored(r ingest.Report) int {
	n := 0
	for k, v := range r.Ignored {
		if !strings.HasPrefix(k, "column:") {
			n += v
		}
	}
	return n
}

func TestOfficialExamplesRows(t *testing.T) {
	for _, f := range sampleFiles(t) {
		if filepath.Base(f) != "osquery_docs_logging_examples.jsonl" {
			continue
		}
		rep, sink := ingestFile(t, f, nil)
		// added + removed (event format) + batch added + removed = 4 processes rows;
		// the snapshot's query "process_snapshot" is not in the pack.
		if len(sink.events) != 4 || rep.Ignored["query:process_snapshot"] != 1 {
			t.Fatalf("%d events, ignored %v", len(sink.events), rep.Ignored)
		}
		if sink.events[0].Endpoint.HostIdentifier != "hostname.local" {
			t.Fatalf("older hostname field not used: %+v", sink.events[0].Endpoint)
		}
		return
	}
	t.Skip("official examples not found")
}

func FuzzRecord(f *testing.F) {
	for _, p := range []string{"testdata/farm.jsonl", "testdata/forms.jsonl", "testdata/bad.jsonl"} {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		for _, l := range bytes.Split(b, []byte("\n")) {
			f.Add(l)
		}
	}
	dir := filepath.Join(moduleRoot(f), "..", "shared", "data", "endpoint", "osquery")
	if ents, err := os.ReadDir(dir); err == nil {
		for _, e := range ents {
			if !e.IsDir() && e.Name() != "osquery_table_columns.json" {
				if b, err := os.ReadFile(filepath.Join(dir, e.Name())); err == nil {
					f.Add(b)
				}
			}
		}
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		sink := &memSink{}
		rep, err := Ingest(context.Background(), bytes.NewReader(in), "fuzz", Options{}, sink)
		if err != nil {
			t.Fatalf("in-memory input must not fail the stream: %v", err)
		}
		if rep.Accepted != len(sink.events) {
			t.Fatalf("accepted %d != events %d", rep.Accepted, len(sink.events))
		}
		for _, ev := range sink.events {
			if ev.ID == "" || ev.Endpoint == nil || ev.Endpoint.HostIdentifier == "" || !json.Valid(ev.Raw) {
				t.Fatalf("bad event %+v", ev)
			}
		}
	})
}

var reName = regexp.MustCompile(`^[A-Za-z0-9_]+$`)

// TestPackIsValidAndMatchesParser checks packs/redflag.conf is a valid
// osquery pack and that every query name maps to what the parser expects.
func TestPackIsValidAndMatchesParser(t *testing.T) {
	var pack map[string]json.RawMessage
	dec := json.NewDecoder(bytes.NewReader(packs.RedflagConf))
	if err := dec.Decode(&pack); err != nil {
		t.Fatalf("pack is not JSON: %v", err)
	}
	allowedTop := map[string]bool{"platform": true, "version": true, "shard": true, "discovery": true, "queries": true}
	for k := range pack {
		if !allowedTop[k] {
			t.Errorf("unknown pack key %q", k)
		}
	}
	type query struct {
		Query       string `json:"query"`
		Interval    int    `json:"interval"`
		Platform    string `json:"platform"`
		Version     string `json:"version"`
		Description string `json:"description"`
		Snapshot    *bool  `json:"snapshot"`
		Removed     *bool  `json:"removed"`
	}
	var qs map[string]json.RawMessage
	if err := json.Unmarshal(pack["queries"], &qs); err != nil {
		t.Fatalf("queries: %v", err)
	}
	platforms := map[string]bool{"darwin": true, "linux": true, "windows": true, "posix": true, "freebsd": true, "any": true, "all": true}
	seen := map[string]bool{}
	for name, raw := range qs {
		var q query
		d := json.NewDecoder(bytes.NewReader(raw))
		d.DisallowUnknownFields()
		if err := d.Decode(&q); err != nil {
			t.Errorf("query %s: %v", name, err)
			continue
		}
		if !reName.MatchString(name) {
			t.Errorf("query name %q: osquery logs pack_<pack>_<name>; use letters, digits, _", name)
		}
		if strings.TrimSpace(q.Query) == "" || !strings.HasPrefix(strings.ToUpper(strings.TrimSpace(q.Query)), "SELECT ") {
			t.Errorf("query %s: not a SELECT", name)
		}
		if q.Interval <= 0 || q.Interval > 604800 {
			t.Errorf("query %s: interval %d", name, q.Interval)
		}
		for _, p := range strings.Split(q.Platform, ",") {
			if p != "" && !platforms[p] {
				t.Errorf("query %s: platform %q", name, p)
			}
		}
		spec, ok := Queries[name]
		if !ok {
			t.Errorf("pack query %s is unknown to the parser", name)
			continue
		}
		seen[name] = true
		sql := strings.ToLower(q.Query)
		if !regexp.MustCompile(`(from|join)\s+` + spec.Table + `\b`).MatchString(sql) {
			t.Errorf("query %s: parser expects table %s, SQL reads %q", name, spec.Table, q.Query)
		}
		for _, c := range spec.Columns {
			if !regexp.MustCompile(`\b` + c + `\b`).MatchString(sql) {
				t.Errorf("query %s: parser keeps column %s that the SQL does not select", name, c)
			}
		}
		if lk, ok := Lookup("pack_" + packs.Name + "_" + name); !ok || lk.Name != name {
			t.Errorf("logged name pack_%s_%s does not map back to %s", packs.Name, name, name)
		}
	}
	for name := range Queries {
		if !seen[name] {
			t.Errorf("parser query %s is missing from the pack", name)
		}
	}
}

func BenchmarkRecord(b *testing.B) {
	line := []byte(`{"name":"pack_redflag_processes","hostIdentifier":"lt-00042","calendarTime":"Tue Sep 22 11:06:40 2026 UTC","unixTime":"1790000000","epoch":"0","counter":"1","numerics":false,"decorations":{"host_uuid":"UUID-lt-00042","serial":"SERlt-00042"},"columns":{"cmdline":"/Applications/Slack.app/Contents/MacOS/Slack --type=renderer --lang=en-US","name":"Slack","parent":"1","path":"/Applications/Slack.app/Contents/MacOS/Slack","pid":"4242","start_time":"1789999900","uid":"501"},"action":"added"}`)
	rep := &ingest.Report{}
	p := NewParser(nil, "", "bench", rep)
	n := 0
	b.ReportAllocs()
	b.SetBytes(int64(len(line)))
	for i := 0; i < b.N; i++ {
		if err := p.Record(line, i, func(model.Event) { n++ }); err != nil {
			b.Fatal(err)
		}
	}
}

// Decoding runs on several goroutines; the result must not depend on how
// many, and order-dependent learning (a host's serial from system_info)
// must see the rows in input order.
func TestParallelDecodeKeepsOrder(t *testing.T) {
	var b bytes.Buffer
	for i := 0; i < 2000; i++ {
		host := fmt.Sprintf("h%02d", i%37)
		if i < 37 {
			fmt.Fprintf(&b, `{"name":"pack_redflag_system_info","hostIdentifier":%q,"unixTime":"%d","action":"added","columns":{"hardware_serial":"SER-%s"}}`+"\n", host, 1790000000+i, host)
			continue
		}
		if i%101 == 0 {
			b.WriteString("{broken\n")
			continue
		}
		fmt.Fprintf(&b, `{"name":"pack_redflag_processes","hostIdentifier":%q,"unixTime":"%d","action":"added","columns":{"pid":"%d","name":"p%d"}}`+"\n", host, 1790000000+i, i, i)
	}
	res := ingest.NewMapResolver()
	for i := 0; i < 37; i++ {
		res.Add(model.IDSerial, fmt.Sprintf("SER-h%02d", i), fmt.Sprintf("person%02d", i))
	}
	var runs [][]model.Event
	var reps []ingest.Report
	for _, workers := range []int{1, 4} {
		sink := &memSink{}
		rep, err := Ingest(context.Background(), bytes.NewReader(b.Bytes()), "big", Options{Resolver: res, Workers: workers, BatchSize: 100}, sink)
		if err != nil {
			t.Fatal(err)
		}
		runs, reps = append(runs, sink.events), append(reps, rep)
	}
	if len(runs[0]) != len(runs[1]) || reps[0].Rejected != reps[1].Rejected || reps[0].Rejected == 0 {
		t.Fatalf("workers change the result: %d/%d events, %d/%d rejected", len(runs[0]), len(runs[1]), reps[0].Rejected, reps[1].Rejected)
	}
	for i := range runs[0] {
		a, c := runs[0][i], runs[1][i]
		if a.ID != c.ID || a.SubjectID != c.SubjectID || a.SourceRef != c.SourceRef {
			t.Fatalf("row %d differs: %s %s / %s %s", i, a.ID, a.SubjectID, c.ID, c.SubjectID)
		}
		if a.SubjectID == "" {
			t.Fatalf("row %d (%s) unresolved: system_info came first", i, a.SourceRef)
		}
	}
	if reps[1].Unresolved != 0 || reps[1].Read != 2000 {
		t.Fatalf("report %+v", reps[1])
	}
	for i, e := range reps[1].Errors {
		if i > 0 && e.Line < reps[1].Errors[i-1].Line {
			t.Fatal("errors out of input order")
		}
	}
}

// chanSink reports each batch it stores.
type chanSink struct{ got chan int }

func (c chanSink) Subjects(context.Context, []model.Subject, []model.Identifier) error { return nil }
func (c chanSink) Events(_ context.Context, evs []model.Event, _ []model.Identifier) error {
	c.got <- len(evs)
	return nil
}

// A live stream (tail -F | redflag ingest osquery -) is stored as it comes,
// not when 256 lines or a full batch have piled up. If rows were held back,
// this test would block until the test binary's timeout.
func TestLiveStreamIsNotHeldBack(t *testing.T) {
	pr, pw := io.Pipe()
	sink := chanSink{got: make(chan int, 16)}
	done := make(chan error, 1)
	go func() {
		_, err := Ingest(context.Background(), pr, "stdin", Options{Workers: 2}, sink)
		done <- err
	}()
	line := `{"name":"pack_redflag_processes","hostIdentifier":"h","unixTime":"1790000000","action":"added","columns":{"pid":"%d","name":"x"}}` + "\n"
	for i := 0; i < 3; i++ {
		fmt.Fprintf(pw, line, i)
		if n := <-sink.got; n != 1 {
			t.Fatalf("batch of %d, want the one row written", n)
		}
	}
	pw.Close()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

func TestArrayDocumentLines(t *testing.T) {
	in := "\n\n[\n" +
		` {"name":"pack_redflag_time","hostIdentifier":"h","unixTime":1790000000,"action":"added","columns":{"local_timezone":"UTC"}},` + "\n" +
		` {"name":"pack_redflag_time","hostIdentifier":"h","unixTime":1790000001,"action":"added","columns":{"local_timezone":"Asia/Seoul"}}` + "\n]\n"
	sink := &memSink{}
	rep, err := Ingest(context.Background(), strings.NewReader(in), "doc.json", Options{}, sink)
	if err != nil || rep.Rejected != 0 || len(sink.events) != 2 {
		t.Fatalf("%v %+v %d", err, rep, len(sink.events))
	}
	if sink.events[0].SourceRef != "doc.json:4" || sink.events[1].SourceRef != "doc.json:5" {
		t.Fatalf("lines: %s %s", sink.events[0].SourceRef, sink.events[1].SourceRef)
	}
}
