// Package osquery reads osquery result logs into endpoint events.
//
// It accepts every form osquery (and the TLS loggers of Fleet, Kolide and
// others) writes: differential results in event format (one line per row,
// "action":"added"|"removed"), differential batches ("diffResults"),
// snapshots ("action":"snapshot", "snapshot":[...]), status logs (ignored and
// counted), the TLS envelope {"node_key","log_type","data":[...]}, and JSON
// arrays of records such as StreamAlert's {"data":{...}} wrappers. Values may
// be strings or numbers (--logger_numerics); the host is hostIdentifier or
// the older hostname; time is unixTime, else calendarTime.
//
// Each result row becomes one model.Event of kind EvEndpoint whose ID is
// stable (host, query, action, unixTime and a hash of the row), so that
// re-ingesting a log changes nothing. Hosts resolve to subjects through the
// serial (decorations or the system_info query), the host identifier and
// the device records, via an ingest.Resolver.
//
// Written on encoding/json: no library parses osquery's result-log variants,
// and the format is small.
package osquery

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	jsonv2 "github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

	"github.com/redflag-dev/redflag/internal/ingest"
	"github.com/redflag-dev/redflag/internal/model"
)

// decodeOpts accept what osquery writes: invalid UTF-8 in column values
// (registry data, process names) is kept, and a repeated member name does not
// reject the record.
var decodeOpts = jsonv2.JoinOptions(jsontext.AllowInvalidUTF8(true), jsontext.AllowDuplicateNames(true))

func unmarshal(b []byte, v any) error { return jsonv2.Unmarshal(b, v, decodeOpts) }

// Source is the event source name.
const Source = "osquery"

// MaxLine bounds one input line (a TLS envelope can carry many records).
const MaxLine = 64 << 20

// Options configure an ingest.
type Options struct {
	Resolver  ingest.Resolver // may be nil: events land unresolved
	Tenant    string
	BatchSize int // events per sink call; default 2000
	Workers   int // decoding goroutines; default GOMAXPROCS (at most 8)
}

// Parser turns osquery records into events. It remembers, per host, the
// serial and subject it has learned, so that rows after a system_info row
// resolve. A Parser is not safe for concurrent use; Ingest runs the
// stateless JSON decoding and row building on several cores and the
// resolution in order.
type Parser struct {
	Resolver ingest.Resolver
	Tenant   string
	File     string
	Report   *ingest.Report

	b     *builder
	hosts map[string]*hostState
	ids   []model.Identifier
	items []item
}

type hostState struct {
	serial  string
	subject string
	tried   bool
	learned bool // identifiers emitted
}

// NewParser returns a parser that counts into rep.
func NewParser(res ingest.Resolver, tenant, file string, rep *ingest.Report) *Parser {
	return &Parser{Resolver: res, Tenant: tenant, File: file, Report: rep, hosts: map[string]*hostState{},
		b: newBuilder(tenant, file, rep)}
}

// builder decodes records and builds their events. It keeps no state
// across records (only a cache of query names), so one builder per core
// can run in parallel.
type builder struct {
	tenant, file string
	rep          *ingest.Report // Ignored and Warnings
	names        map[string]*QuerySpec
	ownsInput    bool // input bytes are not reused by the caller
	rd           *bytes.Reader
	dec          *jsontext.Decoder
	in           interner
}

func newBuilder(tenant, file string, rep *ingest.Report) *builder {
	return &builder{tenant: tenant, file: file, rep: rep, names: map[string]*QuerySpec{}}
}

// item is a built event waiting for host resolution.
type item struct {
	ev  model.Event
	dec row
}

// TakeIdentifiers returns and clears the identifiers learned so far (host
// name and serial of resolved hosts).
func (p *Parser) TakeIdentifiers() []model.Identifier {
	ids := p.ids
	p.ids = nil
	return ids
}

type row = map[string]string

// record is the union of every osquery record shape.
type record struct {
	Name           string
	HostIdentifier string
	Hostname       string
	CalendarTime   string
	UnixTime       string
	Counter        string
	Decorations    row
	Columns        row
	Action         string
	Snapshot       []row
	DiffResults    *diffResults
	Severity       *string
	Message        *string
	LogType        string
	Data           jsontext.Value
}

type diffResults struct {
	Added, Removed []row
}

// rawRow is the evidence kept for a row of a batch or snapshot record.
type rawRow struct {
	Name           string `json:"name"`
	HostIdentifier string `json:"hostIdentifier"`
	UnixTime       string `json:"unixTime"`
	Action         string `json:"action"`
	Decorations    row    `json:"decorations,omitempty"`
	Columns        row    `json:"columns"`
	Counter        string `json:"counter,omitempty"`
}

// Record parses one JSON value (a record, an envelope or a wrapper) found
// at line, and emits its rows. The error names what is wrong; the caller
// reports it against the line.
func (p *Parser) Record(b []byte, line int, emit func(model.Event)) error {
	items, err := p.b.value(b, line, p.items[:0])
	for i := range items {
		p.resolve(&items[i])
		emit(items[i].ev)
	}
	p.items = items[:0]
	return err
}

// value decodes one JSON value and appends its rows to out.
func (p *builder) value(b []byte, line int, out []item) ([]item, error) {
	var r record
	if err := p.decode(b, &r); err != nil {
		return out, fmt.Errorf("not valid JSON: %w", err)
	}
	err := p.record(&r, b, line, &out, 0)
	return out, err
}

func (p *builder) record(r *record, b []byte, line int, out *[]item, depth int) error {
	if len(r.Data) > 0 && r.Name == "" && r.Columns == nil && r.Snapshot == nil && r.DiffResults == nil {
		if depth > 2 {
			return errors.New("records nested too deep")
		}
		d := bytes.TrimSpace(r.Data)
		switch {
		case len(d) > 0 && d[0] == '[': // TLS logger envelope
			var items []jsontext.Value
			if err := unmarshal(d, &items); err != nil {
				return ferrf("data", "%v", err)
			}
			if r.LogType == "status" {
				for range items {
					p.rep.Ignore("status_log")
				}
				return nil
			}
			var firstErr error
			for i, it := range items {
				var ir record
				if err := p.decode(it, &ir); err != nil {
					err = fmt.Errorf("data[%d]: not valid JSON: %w", i, err)
					if firstErr == nil {
						firstErr = err
					}
					continue
				}
				if err := p.record(&ir, it, line, out, depth+1); err != nil && firstErr == nil {
					firstErr = fmt.Errorf("data[%d]: %w", i, err)
				}
			}
			return firstErr
		case len(d) > 0 && d[0] == '{': // wrapper such as StreamAlert's
			var ir record
			if err := p.decode(d, &ir); err != nil {
				return ferrf("data", "%v", err)
			}
			return p.record(&ir, d, line, out, depth+1)
		}
		return ferr("data", "want an array of records or a record")
	}
	if r.Name == "" && r.Severity != nil && r.Message != nil {
		p.rep.Ignore("status_log")
		return nil
	}
	if r.LogType == "status" {
		p.rep.Ignore("status_log")
		return nil
	}
	if r.Name == "" {
		return ferr("name", "missing (not an osquery result record)")
	}
	host := r.HostIdentifier
	if host == "" {
		host = r.Hostname
	}
	if host == "" {
		host = r.Decorations["hostname"]
	}
	if host == "" {
		return ferr("hostIdentifier", "missing (nor hostname)")
	}
	at, unix, err := recordTime(r)
	if err != nil {
		return err
	}
	spec, ok := p.names[r.Name]
	if !ok {
		spec, _ = Lookup(r.Name)
		p.names[r.Name] = spec
	}
	switch {
	case r.DiffResults != nil:
		if spec == nil {
			p.rep.Ignore("query:" + r.Name)
			return nil
		}
		for _, c := range r.DiffResults.Added {
			p.row(r, spec, host, "added", at, unix, c, nil, line, out)
		}
		for _, c := range r.DiffResults.Removed {
			p.row(r, spec, host, "removed", at, unix, c, nil, line, out)
		}
	case r.Action == "snapshot":
		if spec == nil {
			p.rep.Ignore("query:" + r.Name)
			return nil
		}
		for _, c := range r.Snapshot {
			p.row(r, spec, host, "snapshot", at, unix, c, nil, line, out)
		}
	case r.Action == "added" || r.Action == "removed":
		if r.Columns == nil {
			return ferr("columns", "missing")
		}
		if spec == nil {
			p.rep.Ignore("query:" + r.Name)
			return nil
		}
		p.row(r, spec, host, r.Action, at, unix, r.Columns, b, line, out)
	default:
		return ferrf("action", "%q is not added, removed or snapshot (and no diffResults)", r.Action)
	}
	return nil
}

func recordTime(r *record) (time.Time, string, error) {
	if u := strings.TrimSpace(r.UnixTime); u != "" {
		if i := strings.IndexByte(u, '.'); i >= 0 {
			u = u[:i]
		}
		n, err := strconv.ParseInt(u, 10, 64)
		if err != nil || n < 0 || n > 1<<40 {
			return time.Time{}, "", ferrf("unixTime", "%q is not a Unix time", r.UnixTime)
		}
		return time.Unix(n, 0).UTC(), strconv.FormatInt(n, 10), nil
	}
	if c := strings.TrimSpace(r.CalendarTime); c != "" {
		c = strings.TrimSuffix(c, " UTC")
		t, err := time.Parse(time.ANSIC, c)
		if err != nil {
			return time.Time{}, "", ferrf("calendarTime", "%q is not an asctime date", r.CalendarTime)
		}
		return t.UTC(), strconv.FormatInt(t.Unix(), 10), nil
	}
	return time.Time{}, "", ferr("unixTime", "missing (nor calendarTime)")
}

func (p *Parser) host(host string, dec row) *hostState {
	h := p.hosts[host]
	if h == nil {
		h = &hostState{}
		p.hosts[host] = h
	}
	for _, k := range []string{"hardware_serial", "serial", "host_serial", "serial_number"} {
		if s := strings.TrimSpace(dec[k]); s != "" {
			if !strings.EqualFold(s, h.serial) {
				h.serial, h.tried, h.subject = strings.ToUpper(s), false, ""
			}
			break
		}
	}
	if !h.tried && p.Resolver != nil {
		h.tried = true
		if h.serial != "" {
			h.subject, _ = p.Resolver.Resolve(model.IDSerial, h.serial)
		}
		if h.subject == "" {
			h.subject, _ = p.Resolver.Resolve(model.IDHostname, host)
		}
		if h.subject == "" {
			h.subject, _ = p.Resolver.Resolve(model.IDDevice, host)
		}
		for _, k := range []string{"hostname", "computer_name"} {
			if v := dec[k]; h.subject == "" && v != "" {
				h.subject, _ = p.Resolver.Resolve(model.IDHostname, v)
			}
		}
		for _, k := range []string{"host_uuid", "uuid"} {
			if v := dec[k]; h.subject == "" && v != "" {
				h.subject, _ = p.Resolver.Resolve(model.IDDevice, v)
			}
		}
	}
	return h
}

// resolve sets the subject and serial of a built event from what the
// parser has learned about its host, learning from system_info rows.
func (p *Parser) resolve(it *item) {
	ep := it.ev.Endpoint
	host := ep.HostIdentifier
	h := p.host(host, it.dec)
	if ep.Table == "system_info" && ep.Action != "removed" {
		if s := strings.TrimSpace(ep.Columns["hardware_serial"]); s != "" {
			if !strings.EqualFold(s, h.serial) {
				h.serial, h.tried, h.subject, h.learned = strings.ToUpper(s), false, "", false
				h = p.host(host, nil)
			}
			if h.subject != "" && !h.learned {
				h.learned = true
				at := it.ev.Time
				p.ids = append(p.ids,
					model.Identifier{Tenant: p.Tenant, Kind: model.IDHostname, Value: strings.ToLower(host), SubjectID: h.subject, Source: Source, FirstSeen: at, LastSeen: at},
					model.Identifier{Tenant: p.Tenant, Kind: model.IDSerial, Value: h.serial, SubjectID: h.subject, Source: Source, FirstSeen: at, LastSeen: at})
			}
		}
	}
	ep.Serial = h.serial
	it.ev.SubjectID = h.subject
	if h.subject == "" {
		p.Report.Unresolved++
	}
	p.Report.Accepted++
}

func (p *builder) row(r *record, spec *QuerySpec, host, action string, at time.Time, unix string, cols row, raw []byte, line int, out *[]item) {
	keys := make([]string, 0, len(cols))
	unknown := 0
	for k := range cols {
		if !spec.cols[k] {
			p.rep.Ignore("column:" + spec.Name + "." + k)
			unknown++
			continue
		}
		keys = append(keys, k)
	}
	m := cols // the decoded map is this row's own: keep it when nothing is dropped
	if unknown > 0 {
		m = make(map[string]string, len(keys))
		for _, k := range keys {
			m[k] = cols[k]
		}
	}
	sort.Strings(keys)
	parts := make([]string, 0, 5+2*len(keys))
	parts = append(parts, Source, host, r.Name, action, unix)
	for _, k := range keys {
		parts = append(parts, k, m[k])
	}
	obs := &model.EndpointObs{HostIdentifier: host, Query: r.Name, Table: spec.Table, Action: action, Columns: m}
	if u := r.Decorations["host_uuid"]; u != "" {
		obs.DeviceID = u
	} else if u := r.Decorations["uuid"]; u != "" {
		obs.DeviceID = u
	}
	ip := m["public_ip"]
	if spec.Name != "egress_ip" {
		ip = r.Decorations["public_ip"]
	}
	if a, err := netip.ParseAddr(strings.TrimSpace(ip)); err == nil && !a.IsPrivate() && !a.IsLoopback() && !a.IsUnspecified() {
		obs.PublicIP = a.Unmap().String()
	} else if ip != "" && spec.Name == "egress_ip" {
		p.rep.Warn(ingest.RowError{File: p.file, Line: line, Field: "columns.public_ip", Msg: fmt.Sprintf("%q is not a public IP address", ip)})
	}
	if raw == nil {
		var err error
		raw, err = jsonv2.Marshal(rawRow{Name: r.Name, HostIdentifier: host, UnixTime: unix, Action: action, Decorations: r.Decorations, Columns: cols, Counter: r.Counter}, decodeOpts)
		if err != nil {
			raw = nil // never keep half a record as evidence
		}
	} else if p.ownsInput {
		raw = bytes.TrimSpace(raw) // the line is this builder's own copy
	} else {
		raw = append([]byte(nil), bytes.TrimSpace(raw)...)
	}
	*out = append(*out, item{dec: r.Decorations, ev: model.Event{
		Tenant:    p.tenant,
		ID:        model.StableID("ev", parts...),
		Kind:      model.EvEndpoint,
		Time:      at,
		Source:    Source,
		SourceRef: p.file + ":" + strconv.Itoa(line),
		Endpoint:  obs,
		Raw:       raw,
	}})
}

// chunkLines is how many input lines a worker decodes at a time.
const chunkLines = 256

// Ingest reads osquery results from r (JSON Lines, or one JSON array of
// records) and writes their events to sink in batches. Malformed lines are
// reported with their line number and the stream goes on; the error return
// is for failures that stop the input (unreadable stream, sink down).
//
// Decoding and row building run on Options.Workers goroutines (default
// GOMAXPROCS); host resolution and the sink see rows in input order.
func Ingest(ctx context.Context, r io.Reader, name string, opt Options, sink ingest.Sink) (ingest.Report, error) {
	rep := ingest.Report{Source: Source}
	if opt.BatchSize <= 0 {
		opt.BatchSize = 2000
	}
	workers := opt.Workers
	if workers <= 0 {
		workers = min(runtime.GOMAXPROCS(0), 8)
	}
	p := NewParser(opt.Resolver, opt.Tenant, name, &rep)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	type line struct {
		b   []byte
		n   int
		err error
	}
	type result struct {
		items []item
		rep   ingest.Report
	}
	type chunk struct {
		lines []line
		res   chan result
	}
	jobs := make(chan *chunk, workers*2)
	order := make(chan *chunk, workers*4)
	var scanErr error
	go func() {
		defer close(order)
		defer close(jobs)
		cur := &chunk{}
		send := func() error {
			cur.res = make(chan result, 1)
			select {
			case jobs <- cur:
			case <-ctx.Done():
				return ctx.Err()
			}
			order <- cur // never blocks for long: the consumer drains order
			cur = &chunk{}
			return nil
		}
		scanErr = scan(ctx, r, func(b []byte, n int) error {
			cur.lines = append(cur.lines, line{b: append([]byte(nil), b...), n: n})
			if len(cur.lines) >= chunkLines {
				return send()
			}
			return nil
		}, func(n int, err error) {
			cur.lines = append(cur.lines, line{n: n, err: err})
		}, func() error {
			// A live stream (tail -F | redflag ingest osquery -) has paused:
			// hand on the partial chunk rather than wait for 256 lines.
			if len(cur.lines) > 0 {
				return send()
			}
			return nil
		})
		if len(cur.lines) > 0 && scanErr == nil {
			scanErr = send()
		}
	}()
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			b := &builder{tenant: opt.Tenant, file: name, names: map[string]*QuerySpec{}, ownsInput: true}
			for c := range jobs {
				var res result
				b.rep = &res.rep
				for _, l := range c.lines {
					res.rep.Read++
					if l.err != nil {
						res.rep.Reject(ingest.RowError{File: name, Line: l.n, Msg: l.err.Error()})
						continue
					}
					var err error
					if res.items, err = b.value(l.b, l.n, res.items); err != nil {
						res.rep.Reject(rowError(name, l.n, err))
					}
				}
				c.res <- res
			}
		}()
	}
	var batch []model.Event
	flush := func() error {
		ids := p.TakeIdentifiers()
		if len(batch) == 0 && len(ids) == 0 {
			return nil
		}
		if err := sink.Events(ctx, batch, ids); err != nil {
			return fmt.Errorf("%s: store batch: %w", name, err)
		}
		batch = batch[:0]
		return nil
	}
	var sinkErr error
	for c := range order {
		res := <-c.res
		if sinkErr != nil {
			continue // drain after a failure
		}
		rep.Add(res.rep)
		for i := range res.items {
			p.resolve(&res.items[i])
			batch = append(batch, res.items[i].ev)
			if len(batch) >= opt.BatchSize {
				if sinkErr = flush(); sinkErr != nil {
					cancel()
					break
				}
			}
		}
		// Nothing else queued (a paused live stream): store what we have.
		if sinkErr == nil && len(c.lines) < chunkLines && len(order) == 0 {
			if sinkErr = flush(); sinkErr != nil {
				cancel()
			}
		}
	}
	wg.Wait()
	if sinkErr != nil {
		return rep, sinkErr
	}
	if scanErr != nil {
		return rep, scanErr
	}
	return rep, flush()
}

// Scan splits r into JSON values: one per non-empty line, or the elements
// of a top-level JSON array. fn gets each value with the line it starts on;
// bad is told about lines it cannot read (too long). An error from fn stops
// the scan.
func Scan(ctx context.Context, r io.Reader, fn func(b []byte, line int) error, bad func(line int, err error)) error {
	return scan(ctx, r, fn, bad, nil)
}

// scan is Scan with idle, called when the input has no more buffered data
// (a live stream waits for its writer): the caller can hand on what it holds.
func scan(ctx context.Context, r io.Reader, fn func(b []byte, line int) error, bad func(line int, err error), idle func() error) error {
	br := bufio.NewReaderSize(r, 1<<20)
	// Sniff: a document whose first non-space byte is '[' is one JSON array.
	// Look only at what is buffered, so that a live stream is not waited on.
	for n := 1; ; {
		head, err := br.Peek(n)
		if len(head) == 0 {
			if err == io.EOF {
				return nil
			}
			return fmt.Errorf("read: %w", err)
		}
		if b := br.Buffered(); b > len(head) {
			head, _ = br.Peek(b)
		}
		t := bytes.TrimLeft(bytes.TrimPrefix(head, []byte("\xef\xbb\xbf")), " \t\r\n")
		if len(t) > 0 {
			if t[0] == '[' {
				return scanArray(ctx, br, fn, bad)
			}
			break
		}
		if err != nil || len(head) >= 64<<10 {
			break // only white space so far
		}
		n = len(head) + 1
	}
	line := 0
	var long []byte
	for {
		if line%1024 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		b, err := br.ReadSlice('\n')
		if err == bufio.ErrBufferFull {
			long = append(long[:0], b...)
			for err == bufio.ErrBufferFull {
				b, err = br.ReadSlice('\n')
				if len(long) <= MaxLine {
					long = append(long, b...)
				}
			}
			b = long
		}
		if len(b) > 0 {
			line++
			if len(b) > MaxLine {
				bad(line, fmt.Errorf("line longer than %d bytes", MaxLine))
			} else if t := bytes.TrimSpace(bytes.TrimPrefix(b, []byte("\xef\xbb\xbf"))); len(t) > 0 {
				if t[0] == '[' {
					if e := eachArrayElem(t, line, fn, bad); e != nil {
						return e
					}
				} else if e := fn(t, line); e != nil {
					return e
				}
			}
		}
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("read line %d: %w", line+1, err)
		}
		if idle != nil && br.Buffered() == 0 {
			if e := idle(); e != nil {
				return e
			}
		}
	}
}

func scanArray(ctx context.Context, br *bufio.Reader, fn func(b []byte, line int) error, bad func(line int, err error)) error {
	doc, err := io.ReadAll(io.LimitReader(br, 1<<30))
	if err != nil {
		return fmt.Errorf("read: %w", err)
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	return eachArrayElem(doc, 1, fn, bad)
}

// eachArrayElem calls fn for each element of the JSON array in doc, whose
// first byte is on line first.
func eachArrayElem(doc []byte, first int, fn func(b []byte, line int) error, bad func(line int, err error)) error {
	dec := json.NewDecoder(bytes.NewReader(doc))
	if _, err := dec.Token(); err != nil {
		bad(first, fmt.Errorf("not a JSON array: %w", err))
		return nil
	}
	line, pos := first, 0
	advance := func(to int) {
		line += bytes.Count(doc[pos:to], []byte{'\n'})
		pos = to
	}
	for dec.More() {
		start := int(dec.InputOffset())
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			// Skip separators to report the element's own line.
			for start < len(doc) && (doc[start] == ',' || doc[start] == ' ' || doc[start] == '\n' || doc[start] == '\r' || doc[start] == '\t') {
				start++
			}
			advance(start)
			bad(line, fmt.Errorf("malformed JSON array element: %w", err))
			return nil
		}
		for start < len(doc) && (doc[start] == ',' || doc[start] == ' ' || doc[start] == '\n' || doc[start] == '\r' || doc[start] == '\t') {
			start++
		}
		advance(start)
		if err := fn(raw, line); err != nil {
			return err
		}
	}
	return nil
}

// rowError turns a record error into a report entry naming the field.
func rowError(file string, line int, err error) ingest.RowError {
	re := ingest.RowError{File: file, Line: line, Msg: err.Error()}
	var fe *FieldError
	if errors.As(err, &fe) {
		re.Field = fe.Name
		if err == error(fe) {
			re.Msg = fe.Msg
		}
	}
	return re
}

// FieldError names the field of a rejected record.
type FieldError struct {
	Name string
	Msg  string
}

func (e *FieldError) Error() string { return fmt.Sprintf("field %q: %s", e.Name, e.Msg) }

// Field is the field's name.
func (e *FieldError) Field() string { return e.Name }

func ferr(field, msg string) error { return &FieldError{Name: field, Msg: msg} }

func ferrf(field, format string, a ...any) error {
	return &FieldError{Name: field, Msg: fmt.Sprintf(format, a...)}
}

// decode reads one record with the streaming JSON tokenizer: no reflection,
// numbers and booleans kept as their text, unknown members skipped.
func (p *builder) decode(data []byte, r *record) error {
	if p.dec == nil {
		p.rd = bytes.NewReader(data)
		p.dec = jsontext.NewDecoder(p.rd, decodeOpts)
	} else {
		p.rd.Reset(data)
		p.dec.Reset(p.rd, decodeOpts)
	}
	d := p.dec
	if p.in == nil {
		p.in = interner{}
	}
	in := p.in
	if d.PeekKind() == 'n' {
		return expect(d, '{', "an object") // a record must be an object
	}
	if _, err := in.members(d, func(name string) (err error) {
		switch name {
		case "name":
			r.Name, err = in.scalar(d)
		case "hostIdentifier":
			r.HostIdentifier, err = in.scalar(d)
		case "hostname":
			r.Hostname, err = in.scalar(d)
		case "calendarTime":
			r.CalendarTime, err = in.scalar(d)
		case "unixTime":
			r.UnixTime, err = in.scalar(d)
		case "counter":
			r.Counter, err = in.scalar(d)
		case "action":
			r.Action, err = in.scalar(d)
		case "log_type":
			r.LogType, err = in.scalar(d)
		case "severity":
			var v string
			v, err = in.scalar(d)
			r.Severity = &v
		case "message":
			var v string
			v, err = in.scalar(d)
			r.Message = &v
		case "decorations":
			r.Decorations, err = in.object(d)
		case "columns":
			r.Columns, err = in.object(d)
		case "snapshot":
			r.Snapshot, err = in.objects(d)
		case "diffResults":
			r.DiffResults, err = in.diff(d)
		case "data":
			var v jsontext.Value
			if v, err = d.ReadValue(); err == nil {
				r.Data = append(jsontext.Value(nil), v...)
			}
		default:
			err = d.SkipValue()
		}
		return err
	}); err != nil {
		return err
	}
	if _, err := d.ReadToken(); err != io.EOF {
		return errors.New("data after the end of the record")
	}
	return nil
}

func expect(d *jsontext.Decoder, kind jsontext.Kind, what string) error {
	if k := d.PeekKind(); k != kind {
		if _, err := d.ReadValue(); err != nil || k == 0 {
			return orSyntax(err)
		}
		return fmt.Errorf("want %s, got %s", what, kindName(k))
	}
	_, err := d.ReadToken()
	return err
}

func kindName(k jsontext.Kind) string {
	switch k {
	case 'n':
		return "null"
	case 't', 'f':
		return "a boolean"
	case '"':
		return "a string"
	case '0':
		return "a number"
	case '{':
		return "an object"
	case '[':
		return "an array"
	}
	return "something else"
}

func orSyntax(err error) error {
	if err == nil || err == io.EOF {
		return errors.New("unexpected end of input")
	}
	return err
}

// interner shares the strings that repeat across rows (column names,
// short values such as "0", "1", "501"), saving an allocation each.
type interner map[string]string

const internMax = 4096

// internLen bounds interned values: flags and small codes ("0", "1", "501")
// repeat; longer values (pids, paths) mostly do not.
const internLen = 12

func (in interner) get(b []byte) string {
	if s, ok := in[string(b)]; ok {
		return s
	}
	s := string(b)
	if len(in) < internMax {
		in[s] = s
	}
	return s
}

// text turns a raw JSON value into its text: a string unquoted, a number
// or boolean as written, null as "", an object or array as its JSON.
func (in interner) text(v jsontext.Value, intern bool) (string, error) {
	if len(v) == 0 {
		return "", nil
	}
	switch v[0] {
	case '"':
		body := v[1 : len(v)-1]
		if bytes.IndexByte(body, '\\') >= 0 {
			u, err := jsontext.AppendUnquote(nil, v)
			return string(u), err
		}
		if intern && len(body) <= internLen {
			return in.get(body), nil
		}
		return string(body), nil
	case 'n':
		return "", nil
	case '{', '[':
		return string(v), nil
	}
	if intern && len(v) <= internLen {
		return in.get(v), nil
	}
	return string(v), nil
}

// name returns an object member name, interned: names repeat on every row.
func (in interner) name(v jsontext.Value) (string, error) {
	if len(v) >= 2 && v[0] == '"' && bytes.IndexByte(v, '\\') < 0 {
		return in.get(v[1 : len(v)-1]), nil
	}
	return in.text(v, false)
}

// scalar reads a string, number, boolean or null (as "") as text; an
// object or array is kept as its JSON text.
func (in interner) scalar(d *jsontext.Decoder) (string, error) {
	v, err := d.ReadValue()
	if err != nil {
		return "", err
	}
	return in.text(v, true)
}

// members reads a JSON object and calls f with each member's name; f reads
// the member's value. A null is no object: present is false.
func (in interner) members(d *jsontext.Decoder, f func(name string) error) (present bool, err error) {
	if d.PeekKind() == 'n' {
		_, err := d.ReadToken()
		return false, err
	}
	if err := expect(d, '{', "an object"); err != nil {
		return false, err
	}
	for {
		k := d.PeekKind()
		if k == '}' {
			break
		}
		if k != '"' {
			_, err := d.ReadToken()
			return false, orSyntax(err)
		}
		nv, err := d.ReadValue()
		if err != nil {
			return false, err
		}
		name, err := in.name(nv) // nv is void after the next read
		if err != nil {
			return false, err
		}
		if err := f(name); err != nil {
			return false, err
		}
	}
	_, err = d.ReadToken()
	return true, err
}

// elements reads a JSON array and calls f once per element; f reads it. A
// null is no array: present is false.
func elements(d *jsontext.Decoder, f func() error) (present bool, err error) {
	if d.PeekKind() == 'n' {
		_, err := d.ReadToken()
		return false, err
	}
	if err := expect(d, '[', "an array"); err != nil {
		return false, err
	}
	for {
		k := d.PeekKind()
		if k == ']' {
			break
		}
		if k == 0 {
			_, err := d.ReadToken()
			return false, orSyntax(err)
		}
		if err := f(); err != nil {
			return false, err
		}
	}
	_, err = d.ReadToken()
	return true, err
}

// object reads a JSON object of scalars; null is a nil map.
func (in interner) object(d *jsontext.Decoder) (row, error) {
	m := make(row, 8)
	present, err := in.members(d, func(name string) error {
		v, err := in.scalar(d)
		m[name] = v
		return err
	})
	if !present {
		return nil, err
	}
	return m, err
}

// objects reads an array of objects; null is a nil slice.
func (in interner) objects(d *jsontext.Decoder) ([]row, error) {
	out := []row{}
	present, err := elements(d, func() error {
		m, err := in.object(d)
		if m != nil {
			out = append(out, m)
		}
		return err
	})
	if !present {
		return nil, err
	}
	return out, err
}

func (in interner) diff(d *jsontext.Decoder) (*diffResults, error) {
	out := &diffResults{}
	present, err := in.members(d, func(name string) (err error) {
		switch name {
		case "added":
			out.Added, err = in.objects(d)
		case "removed":
			out.Removed, err = in.objects(d)
		default:
			err = d.SkipValue()
		}
		return err
	})
	if !present {
		return nil, err
	}
	return out, err
}
