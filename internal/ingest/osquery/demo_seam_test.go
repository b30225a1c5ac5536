package osquery_test

import (
	"context"
	"os"
	"strings"
	"testing"

	"github.com/redflag-dev/redflag/internal/demo"
	"github.com/redflag-dev/redflag/internal/ingest"
	"github.com/redflag-dev/redflag/internal/ingest/osquery"
	"github.com/redflag-dev/redflag/internal/model"
)

type countSink struct{ n int }

func (c *countSink) Subjects(context.Context, []model.Subject, []model.Identifier) error { return nil }
func (c *countSink) Events(_ context.Context, evs []model.Event, _ []model.Identifier) error {
	c.n += len(evs)
	return nil
}

// The demo writes osquery logs with the shipped pack's query names and
// columns: nothing it writes may be ignored or rejected.
func TestDemoLogsMatchThePack(t *testing.T) {
	dir := t.TempDir()
	if _, _, err := demo.Generate(dir, demo.Options{Seed: 3, Workers: 120, Applicants: 10, Days: 14}); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(demo.Layout(dir).Osquery)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sink := &countSink{}
	rep, err := osquery.Ingest(context.Background(), f, "demo", osquery.Options{Resolver: ingest.NewMapResolver()}, sink)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Rejected != 0 || rep.Accepted == 0 || sink.n != rep.Accepted {
		t.Fatalf("report %+v, %d events", rep, sink.n)
	}
	for k, v := range rep.Ignored {
		if strings.HasPrefix(k, "query:") || strings.HasPrefix(k, "column:") {
			t.Errorf("demo writes %s (%d rows) that the pack does not have", k, v)
		}
	}
}
