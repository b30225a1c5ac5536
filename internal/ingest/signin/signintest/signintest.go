// Package signintest holds test helpers for the sign-in parsers: a sink
// that keeps what it receives, and the lookup of ../shared data.
package signintest

import (
	"context"
	"os"
	"path/filepath"
	"testing"

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
