// Package ingest holds what every source parser shares: the Sink that
// parsed records go to, the Report of what was read and rejected (each
// rejection names the file, line and field), and the Resolver that maps a
// login, e-mail, host or serial to the subject it belongs to. Source parsers
// live in internal/ingest/<source>.
package ingest

import (
	"context"
	"fmt"
	"strings"
	"sync"

	"github.com/redflag-dev/redflag/internal/model"
)

// Sink receives parsed records in batches. The pipeline's sink enriches and
// stores them; the scale-out sink publishes them to the event bus.
type Sink interface {
	Subjects(ctx context.Context, subjects []model.Subject, ids []model.Identifier) error
	Events(ctx context.Context, events []model.Event, ids []model.Identifier) error
}

// RowError is one rejected input record.
type RowError struct {
	File  string `json:"file"`
	Line  int    `json:"line"`
	Field string `json:"field,omitempty"`
	Msg   string `json:"message"`
}

func (e RowError) Error() string {
	loc := e.File
	if e.Line > 0 {
		loc = fmt.Sprintf("%s:%d", e.File, e.Line)
	}
	if e.Field != "" {
		return fmt.Sprintf("%s: field %q: %s", loc, e.Field, e.Msg)
	}
	return fmt.Sprintf("%s: %s", loc, e.Msg)
}

// MaxKeptErrors bounds the errors a report keeps; the count goes on.
const MaxKeptErrors = 1000

// Report counts what an ingest read, accepted and rejected.
type Report struct {
	Source     string         `json:"source"`
	Read       int            `json:"read"`
	Accepted   int            `json:"accepted"`
	Rejected   int            `json:"rejected"`
	New        int            `json:"new"`        // events not stored before
	Unresolved int            `json:"unresolved"` // records whose subject was not found
	Ignored    map[string]int `json:"ignored,omitempty"`
	Errors     []RowError     `json:"errors,omitempty"`
	Warnings   []RowError     `json:"warnings,omitempty"`
}

// Reject records a rejected record.
func (r *Report) Reject(e RowError) {
	r.Rejected++
	if len(r.Errors) < MaxKeptErrors {
		r.Errors = append(r.Errors, e)
	}
}

// Warn records a problem that did not stop the record.
func (r *Report) Warn(e RowError) {
	if len(r.Warnings) < MaxKeptErrors {
		r.Warnings = append(r.Warnings, e)
	}
}

// Ignore counts something skipped on purpose (unknown table, system event).
func (r *Report) Ignore(what string) {
	if r.Ignored == nil {
		r.Ignored = map[string]int{}
	}
	r.Ignored[what]++
}

// Add merges another report's counts into r.
func (r *Report) Add(o Report) {
	r.Read += o.Read
	r.Accepted += o.Accepted
	r.New += o.New
	r.Unresolved += o.Unresolved
	for _, e := range o.Errors {
		r.Reject(e)
	}
	r.Rejected += o.Rejected - len(o.Errors)
	for _, w := range o.Warnings {
		r.Warn(w)
	}
	for k, v := range o.Ignored {
		if r.Ignored == nil {
			r.Ignored = map[string]int{}
		}
		r.Ignored[k] += v
	}
}

// Resolver maps identifiers seen in telemetry to subjects.
type Resolver interface {
	Resolve(kind model.IdentifierKind, value string) (subjectID string, ok bool)
}

// MapResolver is an in-memory Resolver, safe for concurrent use. Values are
// matched case-insensitively.
type MapResolver struct {
	mu sync.RWMutex
	m  map[model.IdentifierKind]map[string]string
}

// NewMapResolver returns an empty resolver.
func NewMapResolver() *MapResolver {
	return &MapResolver{m: map[model.IdentifierKind]map[string]string{}}
}

// Add maps value to subjectID. The first mapping of a value wins, so that a
// value shared by two subjects resolves stably.
func (r *MapResolver) Add(kind model.IdentifierKind, value, subjectID string) {
	v := strings.ToLower(strings.TrimSpace(value))
	if v == "" || subjectID == "" {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	km := r.m[kind]
	if km == nil {
		km = map[string]string{}
		r.m[kind] = km
	}
	if _, ok := km[v]; !ok {
		km[v] = subjectID
	}
}

// Resolve implements Resolver.
func (r *MapResolver) Resolve(kind model.IdentifierKind, value string) (string, bool) {
	v := strings.ToLower(strings.TrimSpace(value))
	r.mu.RLock()
	defer r.mu.RUnlock()
	id, ok := r.m[kind][v]
	return id, ok
}

// ResolveLogin tries a login as an identity-provider login, then as an
// e-mail address.
func ResolveLogin(r Resolver, login string) (string, bool) {
	if id, ok := r.Resolve(model.IDIdPLogin, login); ok {
		return id, true
	}
	return r.Resolve(model.IDEmail, login)
}

// AddSubject registers a subject's own identifiers (e-mail, IdP logins,
// code-hosting login).
func (r *MapResolver) AddSubject(s model.Subject) {
	r.Add(model.IDEmail, s.Email, s.ID)
	for _, l := range s.IdPLogins {
		r.Add(model.IDIdPLogin, l, s.ID)
	}
	r.Add(model.IDCodeLogin, s.GitHubLogin, s.ID)
}
