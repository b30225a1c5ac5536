// Package signintest holds test helpers for the sign-in parsers: a sink
// that keeps what it receives, and the lookup of ../shared data.
package signintest

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/redflag-dev/redflag/internal/ingest"
	"github.com/redflag-dev/redflag/internal/model"
)

// Sink records events and identifiers.
type Sink struct {
	Evs  []model.Event
	IDs  []model.Identifier
	Subs []model.Subject
}

// Subjects implements ingest.Sink.
func (s *Sink) Subjects(_ context.Context, subs []model.Subject, ids []model.Identifier) error {
	s.Subs = append(s.Subs, subs...)
	s.IDs = append(s.IDs, ids...)
	return nil
}

// Events implements ingest.Sink.
func (s *Sink) Events(_ context.Context, evs []model.Event, ids []model.Identifier) error {
	s.Evs = append(s.Evs, evs...)
	s.IDs = append(s.IDs, ids...)
	return nil
}

// SharedDirOK finds ../shared/<rel> from the module root.
func SharedDirOK(rel string) (string, bool) {
	dir, err := os.Getwd()
	if err != nil {
		return "", false
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			p := filepath.Join(dir, "..", "shared", rel)
			if _, err := os.Stat(p); err == nil {
				return p, true
			}
			return "", false
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", false
		}
		dir = parent
	}
}

// SharedDir is SharedDirOK that skips the test when the data is absent.
func SharedDir(t testing.TB, rel string) string {
	t.Helper()
	p, ok := SharedDirOK(rel)
	if !ok {
		t.Skipf("../shared/%s not found; shared sample data is needed for this test", rel)
	}
	return p
}

// IngestFunc is the signature every sign-in parser's Ingest has.
type IngestFunc func(ctx context.Context, r io.Reader, file string, res ingest.Resolver, sink ingest.Sink) (ingest.Report, error)

// EachSample ingests every real sample under ../shared/<rel> (skipping the
// test when the folder is absent, and README files). Each file must parse
// with nothing rejected and something read; check adds per-file assertions
// and may be nil. The samples together must yield at least one event.
func EachSample(t *testing.T, rel string, ingestFn IngestFunc, check func(t *testing.T, name string, rep ingest.Report, sink *Sink)) {
	t.Helper()
	dir := SharedDir(t, rel)
	files, _ := filepath.Glob(filepath.Join(dir, "*"))
	total := 0
	for _, f := range files {
		if strings.HasSuffix(f, ".md") {
			continue
		}
		fh, err := os.Open(f)
		if err != nil {
			t.Fatal(err)
		}
		sink := &Sink{}
		rep, err := ingestFn(context.Background(), fh, filepath.Base(f), nil, sink)
		fh.Close()
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		if rep.Rejected != 0 || rep.Read == 0 {
			t.Errorf("%s: rejected %d of %d read: %v", f, rep.Rejected, rep.Read, rep.Errors)
		}
		if check != nil {
			check(t, filepath.Base(f), rep, sink)
		}
		total += len(sink.Evs)
	}
	if total == 0 {
		t.Fatal("no events from the samples")
	}
}

// Fuzz runs a parser over arbitrary input, seeded with seeds and with every
// line of the real samples under ../shared/<rel> when present. The parser
// must not panic, must store exactly the events it counts as accepted, and
// every stored event must pass valid.
func Fuzz(f *testing.F, ingestFn IngestFunc, rel string, valid func(model.Event) bool, seeds ...string) {
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	if dir, ok := SharedDirOK(rel); ok {
		files, _ := filepath.Glob(filepath.Join(dir, "*"))
		for _, fn := range files {
			b, _ := os.ReadFile(fn)
			for _, l := range bytes.Split(b, []byte("\n")) {
				f.Add(l)
			}
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		sink := &Sink{}
		rep, err := ingestFn(context.Background(), bytes.NewReader(data), "fz", nil, sink)
		if err != nil {
			return
		}
		if rep.Accepted != len(sink.Evs) {
			t.Fatalf("accepted %d, events %d", rep.Accepted, len(sink.Evs))
		}
		for _, ev := range sink.Evs {
			if ev.ID == "" || ev.SignIn == nil || ev.Time.IsZero() || !valid(ev) {
				t.Fatalf("bad event %+v", ev)
			}
		}
	})
}
