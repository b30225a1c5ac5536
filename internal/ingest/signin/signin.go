// Package signin is what the sign-in log parsers (internal/ingest/okta,
// entra, gworkspace) share: the loop that streams records from a file,
// turns each into sign-in events with a provider-specific function, resolves
// the login to a subject, derives identifiers for the identity graph (IP,
// MFA device, IdP login), and hands batches to an ingest.Sink while counting
// everything in an ingest.Report.
package signin

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/netip"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"

	jsonv2 "github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

	"github.com/redflag-dev/redflag/internal/ingest"
	"github.com/redflag-dev/redflag/internal/ingest/logstream"
	"github.com/redflag-dev/redflag/internal/model"
)

// ErrSkip is returned (wrapped with a reason) by a ParseFunc for a record that
// is valid but not a sign-in (a system event, an audit row); it is counted as
// ignored, not rejected.
type ErrSkip struct{ Why string }

func (e ErrSkip) Error() string { return "skipped: " + e.Why }

// FieldError names the field that made a record invalid.
type FieldError struct {
	Field string
	Msg   string
}

func (e FieldError) Error() string { return e.Field + ": " + e.Msg }

// ParseFunc turns one raw record into zero or more events. The events need
// ID, Time, Source and SignIn set; the loop sets SourceRef, Raw, SubjectID.
type ParseFunc func(raw []byte) ([]model.Event, error)

// Options control a run.
type Options struct {
	File      string          // name used in SourceRef and errors ("-" for stdin)
	Source    string          // report source, e.g. "okta"
	Resolver  ingest.Resolver // may be nil: events stay unresolved
	BatchSize int             // events per Sink call (default 2000)
	// KeepRaw keeps the raw record on the event (default true via Run).
	DropRaw bool
}

// Run streams records from r, parses them with parse and sends batches to
// sink. A malformed record is rejected with its line and the stream goes on;
// a sink error stops the run (what was sent before stays stored). Records
// are parsed by one worker per CPU in chunks; results are handled in input
// order, so reports, batches and IDs do not depend on scheduling.
func Run(ctx context.Context, r io.Reader, opt Options, parse ParseFunc, sink ingest.Sink) (ingest.Report, error) {
	rep := ingest.Report{Source: opt.Source}
	if opt.BatchSize <= 0 {
		opt.BatchSize = 2000
	}
	b := NewBatcher(opt, sink, &rep)
	b.ownsRaw = true
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	type rec struct {
		line int
		raw  []byte
		err  error // a container error from logstream
		evs  []model.Event
		perr error
	}
	type chunk struct {
		recs []rec
		done chan struct{}
	}
	workers := runtime.GOMAXPROCS(0)
	jobs := make(chan *chunk, workers*2)
	order := make(chan *chunk, workers*4)
	var wg sync.WaitGroup
	for i := 0; i < workers; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for c := range jobs {
				for i := range c.recs {
					if c.recs[i].err == nil {
						c.recs[i].evs, c.recs[i].perr = parse(c.recs[i].raw)
					}
				}
				close(c.done)
			}
		}()
	}
	const chunkSize = 128
	var readErr error
	go func() {
		defer close(order)
		defer close(jobs)
		cur := &chunk{done: make(chan struct{})}
		flush := func() bool {
			if len(cur.recs) == 0 {
				return true
			}
			select {
			case order <- cur:
			case <-ctx.Done():
				return false
			}
			select {
			case jobs <- cur:
			case <-ctx.Done():
				close(cur.done) // queued but never parsed; the collector is stopping
				return false
			}
			cur = &chunk{done: make(chan struct{}), recs: make([]rec, 0, chunkSize)}
			return true
		}
		var arena []byte // records are copied into chunk-sized arenas, never reused
		readErr = logstream.Each(ctx, r, func(line int, raw []byte) error {
			if cap(arena)-len(arena) < len(raw) {
				arena = make([]byte, 0, max(256<<10, len(raw)))
			}
			start := len(arena)
			arena = append(arena, raw...)
			cur.recs = append(cur.recs, rec{line: line, raw: arena[start:len(arena):len(arena)]})
			if len(cur.recs) >= chunkSize && !flush() {
				return ctx.Err()
			}
			return nil
		}, func(line int, err error) {
			cur.recs = append(cur.recs, rec{line: line, err: err})
		})
		flush()
	}()
	var err error
	for c := range order {
		<-c.done
		if err != nil {
			continue // drain
		}
		for _, x := range c.recs {
			rep.Read++
			if x.err != nil {
				rep.Reject(ingest.RowError{File: opt.File, Line: x.line, Msg: x.err.Error()})
				continue
			}
			if x.perr != nil {
				if s, ok := x.perr.(ErrSkip); ok {
					rep.Ignore(s.Why)
					continue
				}
				re := ingest.RowError{File: opt.File, Line: x.line, Msg: x.perr.Error()}
				if fe, ok := x.perr.(FieldError); ok {
					re.Field, re.Msg = fe.Field, fe.Msg
				}
				rep.Reject(re)
				continue
			}
			if e := b.Add(ctx, x.line, x.raw, x.evs); e != nil {
				err = e
				cancel()
				break
			}
		}
	}
	wg.Wait()
	if err == nil && readErr != nil {
		err = readErr
	}
	if err == nil {
		err = b.Close(ctx)
	}
	if err != nil {
		return rep, fmt.Errorf("%s: %w", opt.File, err)
	}
	return rep, nil
}

// Batcher resolves, derives identifiers and batches events for a sink.
type Batcher struct {
	opt  Options
	sink ingest.Sink
	rep  *ingest.Report
	evs  []model.Event
	// Identifiers: every distinct (kind, value, subject) of the run, sent
	// once when first seen, and again at the end if its first/last-seen
	// times moved (a store upsert per event would dominate the ingest).
	known map[idKey]*idState
	dirty []idKey
	// ownsRaw: the raw records passed to Add are not reused by the caller.
	ownsRaw bool
}

type idState struct {
	id                  model.Identifier
	sent                bool
	sentFirst, sentLast time.Time
}

type idKey struct {
	kind       model.IdentifierKind
	value, sub string
}

// NewBatcher returns a batcher that reports into rep.
func NewBatcher(opt Options, sink ingest.Sink, rep *ingest.Report) *Batcher {
	if opt.BatchSize <= 0 {
		opt.BatchSize = 2000
	}
	return &Batcher{opt: opt, sink: sink, rep: rep, known: map[idKey]*idState{}}
}

// Add takes the events parsed from one record.
func (b *Batcher) Add(ctx context.Context, line int, raw []byte, evs []model.Event) error {
	ref := b.opt.File + ":" + strconv.Itoa(line)
	var keep json.RawMessage
	if !b.opt.DropRaw && len(evs) > 0 {
		keep = raw // Run hands over records it never reuses
		if !b.ownsRaw {
			keep = append(json.RawMessage(nil), raw...)
		}
	}
	for i := range evs {
		ev := evs[i]
		ev.Kind = model.EvSignIn
		if ev.SourceRef == "" {
			ev.SourceRef = ref
		}
		if ev.Raw == nil {
			ev.Raw = keep
		}
		b.rep.Accepted++
		if ev.SubjectID == "" && b.opt.Resolver != nil && ev.SignIn != nil {
			if id, ok := ingest.ResolveLogin(b.opt.Resolver, ev.SignIn.Login); ok {
				ev.SubjectID = id
			}
		}
		if ev.SubjectID == "" {
			b.rep.Unresolved++
		} else {
			b.identifiers(&ev)
		}
		b.evs = append(b.evs, ev)
	}
	if len(b.evs) >= b.opt.BatchSize {
		return b.Flush(ctx)
	}
	return nil
}

func (b *Batcher) identifiers(ev *model.Event) {
	s := ev.SignIn
	add := func(k model.IdentifierKind, v string) {
		v = strings.ToLower(strings.TrimSpace(v))
		if v == "" {
			return
		}
		key := idKey{k, v, ev.SubjectID}
		if st, ok := b.known[key]; ok {
			if ev.Time.Before(st.id.FirstSeen) {
				st.id.FirstSeen = ev.Time
			}
			if ev.Time.After(st.id.LastSeen) {
				st.id.LastSeen = ev.Time
			}
			return
		}
		b.known[key] = &idState{id: model.Identifier{Tenant: ev.Tenant, Kind: k, Value: v, SubjectID: ev.SubjectID, Source: ev.Source, FirstSeen: ev.Time, LastSeen: ev.Time}}
		b.dirty = append(b.dirty, key)
	}
	add(model.IDIdPLogin, s.Login)
	if s.Outcome == "success" || s.Outcome == "challenge" || s.Outcome == "" {
		add(model.IDIP, s.IP)
	}
	add(model.IDMFADevice, s.MFADeviceID)
}

// Flush sends the batched events with the identifiers first seen since
// the last flush.
func (b *Batcher) Flush(ctx context.Context) error {
	if len(b.evs) == 0 && len(b.dirty) == 0 {
		return nil
	}
	ids := make([]model.Identifier, 0, len(b.dirty))
	for _, k := range b.dirty {
		st := b.known[k]
		ids = append(ids, st.id)
		st.sent, st.sentFirst, st.sentLast = true, st.id.FirstSeen, st.id.LastSeen
	}
	evs := b.evs
	b.evs, b.dirty = nil, nil
	if b.sink == nil {
		return nil
	}
	if err := b.sink.Events(ctx, evs, ids); err != nil {
		return fmt.Errorf("store batch: %w", err)
	}
	return nil
}

// Close flushes and then sends the identifiers whose first/last-seen times
// moved after they were sent.
func (b *Batcher) Close(ctx context.Context) error {
	if err := b.Flush(ctx); err != nil {
		return err
	}
	var ids []model.Identifier
	for _, st := range b.known {
		if st.sent && (!st.id.FirstSeen.Equal(st.sentFirst) || !st.id.LastSeen.Equal(st.sentLast)) {
			ids = append(ids, st.id)
			st.sentFirst, st.sentLast = st.id.FirstSeen, st.id.LastSeen
		}
	}
	for len(ids) > 0 && b.sink != nil {
		n := min(len(ids), b.opt.BatchSize)
		if err := b.sink.Events(ctx, nil, ids[:n]); err != nil {
			return fmt.Errorf("store identifiers: %w", err)
		}
		ids = ids[n:]
	}
	return nil
}

// Outcome maps a provider result to success|failure|challenge|other.
func Outcome(result string) string {
	switch strings.ToUpper(strings.TrimSpace(result)) {
	case "SUCCESS", "ALLOW", "0", "SUCCEEDED", "LOGIN_SUCCESS":
		return "success"
	case "FAILURE", "DENY", "FAILED", "LOGIN_FAILURE", "REJECT":
		return "failure"
	case "CHALLENGE", "LOGIN_CHALLENGE", "INTERRUPTED":
		return "challenge"
	}
	return "other"
}

// CleanIP returns ip in canonical form, or "" when it is empty, a
// placeholder ("null", "unknown") or not an address.
func CleanIP(ip string) string {
	ip = strings.TrimSpace(ip)
	switch strings.ToLower(ip) {
	case "", "null", "none", "unknown", "-", "n/a":
		return ""
	}
	a, err := netip.ParseAddr(ip)
	if err != nil {
		return ""
	}
	return a.Unmap().String()
}

// ParseTime parses the RFC 3339 variants the providers write.
func ParseTime(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, fmt.Errorf("missing")
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.9999999", "2006-01-02 15:04:05.9999999Z07:00", "2006-01-02 15:04:05.9999999"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("not an RFC 3339 time: %q", s)
}

// Flex is a JSON value that may be a string or a number (ids and counters
// that some exporters quote and others do not). It keeps the text.
type Flex string

// UnmarshalJSON implements json.Unmarshaler.
func (f *Flex) UnmarshalJSON(b []byte) error {
	if len(b) == 0 || string(b) == "null" {
		*f = ""
		return nil
	}
	if b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*f = Flex(s)
		return nil
	}
	*f = Flex(strings.TrimSpace(string(b)))
	return nil
}

// Uint returns the value as an unsigned number, 0 when it is not one.
func (f Flex) Uint() uint32 {
	s := strings.TrimPrefix(strings.TrimPrefix(string(f), "AS"), "as")
	n, err := strconv.ParseUint(s, 10, 32)
	if err != nil {
		return 0
	}
	return uint32(n)
}

// Bool returns the value as a boolean ("true", true, "1").
func (f Flex) Bool() bool {
	switch strings.ToLower(string(f)) {
	case "true", "1", "yes":
		return true
	}
	return false
}

// EmbeddedJSON is an object that may arrive as a JSON object or as a string
// holding JSON (Log Analytics exports). It keeps the decoded object bytes.
type EmbeddedJSON json.RawMessage

// UnmarshalJSON implements json.Unmarshaler.
func (e *EmbeddedJSON) UnmarshalJSON(b []byte) error {
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		s = strings.TrimSpace(s)
		if s == "" || s == "null" {
			*e = nil
			return nil
		}
		if !json.Valid([]byte(s)) {
			return fmt.Errorf("embedded JSON is not valid JSON")
		}
		*e = EmbeddedJSON(s)
		return nil
	}
	if string(b) == "null" {
		*e = nil
		return nil
	}
	*e = append((*e)[:0], b...)
	return nil
}

// Decode unmarshals the embedded object into v (no-op when empty).
func (e EmbeddedJSON) Decode(v any) error {
	if len(e) == 0 {
		return nil
	}
	return json.Unmarshal(e, v)
}

// decodeOpts make the JSON v2 decoder accept what the providers write:
// keys in any case (Panther fixtures lower-case them), duplicate keys and
// invalid UTF-8 (kept, not fatal).
var decodeOpts = jsonv2.JoinOptions(
	jsonv2.MatchCaseInsensitiveNames(true),
	jsontext.AllowDuplicateNames(true),
	jsontext.AllowInvalidUTF8(true),
)

// Decode unmarshals one record. It uses github.com/go-json-experiment/json
// (the JSON v2 candidate), which decodes these records about 1.7 times
// faster than encoding/json in the benchmarks (docs/benchmarks/network.md).
func Decode(raw []byte, v any) error { return jsonv2.Unmarshal(raw, v, decodeOpts) }
