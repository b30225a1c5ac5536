package endpoint

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"syscall"
	"testing"
	"time"

	"github.com/redflag-dev/redflag/internal/detect"
	"github.com/redflag-dev/redflag/internal/ingest"
	"github.com/redflag-dev/redflag/internal/ingest/osquery"
	"github.com/redflag-dev/redflag/internal/model"
)

// synthLog writes n osquery differential result lines for hosts laptops,
// mixing the pack's queries roughly as a fleet logs them (processes most).
func synthLog(n, hosts int) []byte {
	r := rand.New(rand.NewPCG(1, 2))
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	procs := []string{"launchd", "Google Chrome Helper", "Slack", "zoom.us", "Code Helper", "bash", "AnyDesk", "mdworker", "1Password", "WindowServer"}
	apps := []string{"Google Chrome", "Slack", "Zoom", "Visual Studio Code", "1Password", "AnyDesk", "Astrill VPN", "Docker"}
	for i := 0; i < n; i++ {
		h := fmt.Sprintf("lt-%05d", r.IntN(hosts))
		at := int64(1790000000 + i)
		line := map[string]any{"hostIdentifier": h, "unixTime": fmt.Sprint(at), "calendarTime": time.Unix(at, 0).UTC().Format("Mon Jan _2 15:04:05 2006 UTC"),
			"epoch": "0", "counter": "1", "numerics": false, "action": "added",
			"decorations": map[string]string{"host_uuid": "UUID-" + h, "serial": "SER" + h}}
		switch k := r.IntN(10); {
		case k < 6:
			p := procs[r.IntN(len(procs))]
			line["name"] = "pack_redflag_processes"
			line["columns"] = map[string]string{"pid": fmt.Sprint(r.IntN(60000)), "name": p, "path": "/Applications/" + p + ".app/Contents/MacOS/" + p,
				"cmdline": "/Applications/" + p + ".app/Contents/MacOS/" + p + " --type=renderer --lang=en-US", "parent": "1", "uid": "501", "start_time": fmt.Sprint(at - 100)}
		case k < 8:
			a := apps[r.IntN(len(apps))]
			line["name"] = "pack_redflag_apps"
			line["columns"] = map[string]string{"name": a + ".app", "path": "/Applications/" + a + ".app", "bundle_identifier": "com.example." + a, "bundle_version": "1.0"}
		case k < 9:
			line["name"] = "pack_redflag_usb_devices"
			line["columns"] = map[string]string{"vendor": "Logitech", "vendor_id": "046d", "model": "USB Receiver", "model_id": "c52b", "serial": "", "class": "0", "removable": "1"}
		default:
			line["name"] = "pack_redflag_time"
			line["columns"] = map[string]string{"local_timezone": "America/Chicago"}
		}
		enc.Encode(line)
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
	const rows, hosts = 100_000, 1000
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
