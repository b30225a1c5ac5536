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
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/redflag-dev/redflag/internal/ingest"
	"github.com/redflag-dev/redflag/internal/model"
)

// Source is the event source name.
const Source = "osquery"

// MaxLine bounds one input line (a TLS envelope can carry many records).
const MaxLine = 64 << 20

// Options configure an ingest.
type Options struct {
	Resolver  ingest.Resolver // may be nil: events land unresolved
	Tenant    string
	BatchSize int // events per sink call; default 2000
}

// Parser turns osquery records into events. It remembers, per host, the
// serial and subject it has learned, so that rows after a system_info row
// resolve. A Parser is not safe for concurrent use.
type Parser struct {
	Resolver ingest.Resolver
	Tenant   string
	File     string
	Report   *ingest.Report

	hosts map[string]*hostState
	names map[string]*QuerySpec // result name -> spec cache (nil = unknown)
	ids   []model.Identifier
}

type hostState struct {
	serial  string
	subject string
	tried   bool
	learned bool // identifiers emitted
}

// NewParser returns a parser that counts into rep.
func NewParser(res ingest.Resolver, tenant, file string, rep *ingest.Report) *Parser {
	return &Parser{Resolver: res, Tenant: tenant, File: file, Report: rep, hosts: map[string]*hostState{}, names: map[string]*QuerySpec{}}
}

// TakeIdentifiers returns and clears the identifiers learned so far (host
// name and serial of resolved hosts).
func (p *Parser) TakeIdentifiers() []model.Identifier {
	ids := p.ids
	p.ids = nil
	return ids
}

// flexStr accepts a JSON string, number, boolean or null (as "").
type flexStr string

func (f *flexStr) UnmarshalJSON(b []byte) error {
	if len(b) == 0 {
		return nil
	}
	switch b[0] {
	case '"':
		if bytes.IndexByte(b, '\\') < 0 {
			*f = flexStr(b[1 : len(b)-1])
			return nil
		}
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*f = flexStr(s)
	case 'n':
		*f = ""
	default:
		*f = flexStr(b)
	}
	return nil
}

type row = map[string]flexStr

// record is the union of every osquery record shape.
type record struct {
	Name           string          `json:"name"`
	HostIdentifier flexStr         `json:"hostIdentifier"`
	Hostname       flexStr         `json:"hostname"`
	CalendarTime   string          `json:"calendarTime"`
	UnixTime       flexStr         `json:"unixTime"`
	Epoch          flexStr         `json:"epoch"`
	Counter        flexStr         `json:"counter"`
	Decorations    row             `json:"decorations"`
	Columns        row             `json:"columns"`
	Action         string          `json:"action"`
	Snapshot       []row           `json:"snapshot"`
	DiffResults    *diffResults    `json:"diffResults"`
	Severity       *flexStr        `json:"severity"`
	Message        *string         `json:"message"`
	LogType        string          `json:"log_type"`
	NodeKey        *string         `json:"node_key"`
	Data           json.RawMessage `json:"data"`
}

type diffResults struct {
	Added   []row `json:"added"`
	Removed []row `json:"removed"`
}

// rawRow is the evidence kept for a row of a batch or snapshot record.
type rawRow struct {
	Name           string  `json:"name"`
	HostIdentifier string  `json:"hostIdentifier"`
	UnixTime       string  `json:"unixTime"`
	Action         string  `json:"action"`
	Decorations    row     `json:"decorations,omitempty"`
	Columns        row     `json:"columns"`
	Counter        flexStr `json:"counter,omitempty"`
}

// Record parses one JSON value (a record, an envelope or a wrapper) found
// at line, and emits its rows. The error names what is wrong; the caller
// reports it against the line.
func (p *Parser) Record(b []byte, line int, emit func(model.Event)) error {
	var r record
	if err := json.Unmarshal(b, &r); err != nil {
		return fmt.Errorf("not valid JSON: %w", err)
	}
	return p.record(&r, b, line, emit, 0)
}

func (p *Parser) record(r *record, b []byte, line int, emit func(model.Event), depth int) error {
	if len(r.Data) > 0 && r.Name == "" && r.Columns == nil && r.Snapshot == nil && r.DiffResults == nil {
		if depth > 2 {
			return errors.New("records nested too deep")
		}
		d := bytes.TrimSpace(r.Data)
		switch {
		case len(d) > 0 && d[0] == '[': // TLS logger envelope
			var items []json.RawMessage
			if err := json.Unmarshal(d, &items); err != nil {
				return ferrf("data", "%v", err)
			}
			if r.LogType == "status" {
				for range items {
					p.Report.Ignore("status_log")
				}
				return nil
			}
			var firstErr error
			for i, it := range items {
				var ir record
				if err := json.Unmarshal(it, &ir); err != nil {
					err = fmt.Errorf("data[%d]: not valid JSON: %w", i, err)
					if firstErr == nil {
						firstErr = err
					}
					continue
				}
				if err := p.record(&ir, it, line, emit, depth+1); err != nil && firstErr == nil {
					firstErr = fmt.Errorf("data[%d]: %w", i, err)
				}
			}
			return firstErr
		case len(d) > 0 && d[0] == '{': // wrapper such as StreamAlert's
			var ir record
			if err := json.Unmarshal(d, &ir); err != nil {
				return ferrf("data", "%v", err)
			}
			return p.record(&ir, d, line, emit, depth+1)
		}
		return ferr("data", "want an array of records or a record")
	}
	if r.Name == "" && r.Severity != nil && r.Message != nil {
		p.Report.Ignore("status_log")
		return nil
	}
	if r.LogType == "status" {
		p.Report.Ignore("status_log")
		return nil
	}
	if r.Name == "" {
		return ferr("name", "missing (not an osquery result record)")
	}
	host := string(r.HostIdentifier)
	if host == "" {
		host = string(r.Hostname)
	}
	if host == "" {
		host = string(r.Decorations["hostname"])
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
			p.Report.Ignore("query:" + r.Name)
			return nil
		}
		for _, c := range r.DiffResults.Added {
			p.row(r, spec, host, "added", at, unix, c, nil, line, emit)
		}
		for _, c := range r.DiffResults.Removed {
			p.row(r, spec, host, "removed", at, unix, c, nil, line, emit)
		}
	case r.Action == "snapshot":
		if spec == nil {
			p.Report.Ignore("query:" + r.Name)
			return nil
		}
		for _, c := range r.Snapshot {
			p.row(r, spec, host, "snapshot", at, unix, c, nil, line, emit)
		}
	case r.Action == "added" || r.Action == "removed":
		if r.Columns == nil {
			return ferr("columns", "missing")
		}
		if spec == nil {
			p.Report.Ignore("query:" + r.Name)
			return nil
		}
		p.row(r, spec, host, r.Action, at, unix, r.Columns, b, line, emit)
	default:
		return ferrf("action", "%q is not added, removed or snapshot (and no diffResults)", r.Action)
	}
	return nil
}

func recordTime(r *record) (time.Time, string, error) {
	if u := strings.TrimSpace(string(r.UnixTime)); u != "" {
		if i := strings.IndexByte(u, '.'); i >= 0 {
			u = u[:i]
		}
		n, err := strconv.ParseInt(u, 10, 64)
		if err != nil || n < 0 || n > 1<<40 {
			return time.Time{}, "", ferrf("unixTime", "%q is not a Unix time", string(r.UnixTime))
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
		if s := strings.TrimSpace(string(dec[k])); s != "" && s != h.serial {
			h.serial, h.tried, h.subject = strings.ToUpper(s), false, ""
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
			if v := string(dec[k]); h.subject == "" && v != "" {
				h.subject, _ = p.Resolver.Resolve(model.IDHostname, v)
			}
		}
		for _, k := range []string{"host_uuid", "uuid"} {
			if v := string(dec[k]); h.subject == "" && v != "" {
				h.subject, _ = p.Resolver.Resolve(model.IDDevice, v)
			}
		}
	}
	return h
}

func (p *Parser) row(r *record, spec *QuerySpec, host, action string, at time.Time, unix string, cols row, raw []byte, line int, emit func(model.Event)) {
	h := p.host(host, r.Decorations)
	if spec.Name == "system_info" {
		if s := strings.TrimSpace(string(cols["hardware_serial"])); s != "" && action != "removed" {
			if !strings.EqualFold(s, h.serial) {
				h.serial, h.tried, h.subject, h.learned = strings.ToUpper(s), false, "", false
				h = p.host(host, nil)
			}
			if h.subject != "" && !h.learned {
				h.learned = true
				p.ids = append(p.ids,
					model.Identifier{Tenant: p.Tenant, Kind: model.IDHostname, Value: strings.ToLower(host), SubjectID: h.subject, Source: Source, FirstSeen: at, LastSeen: at},
					model.Identifier{Tenant: p.Tenant, Kind: model.IDSerial, Value: h.serial, SubjectID: h.subject, Source: Source, FirstSeen: at, LastSeen: at})
			}
		}
	}
	out := make(map[string]string, len(spec.Columns))
	keys := make([]string, 0, len(cols))
	for k, v := range cols {
		if !spec.cols[k] {
			p.Report.Ignore("column:" + spec.Name + "." + k)
			continue
		}
		out[k] = string(v)
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, 0, 5+2*len(keys))
	parts = append(parts, Source, host, r.Name, action, unix)
	for _, k := range keys {
		parts = append(parts, k, out[k])
	}
	obs := &model.EndpointObs{HostIdentifier: host, Serial: h.serial, Query: r.Name, Table: spec.Table, Action: action, Columns: out}
	if u := string(r.Decorations["host_uuid"]); u != "" {
		obs.DeviceID = u
	} else if u := string(r.Decorations["uuid"]); u != "" {
		obs.DeviceID = u
	}
	ip := out["public_ip"]
	if spec.Name != "egress_ip" {
		ip = string(r.Decorations["public_ip"])
	}
	if a, err := netip.ParseAddr(strings.TrimSpace(ip)); err == nil && !a.IsPrivate() && !a.IsLoopback() && !a.IsUnspecified() {
		obs.PublicIP = a.Unmap().String()
	} else if ip != "" && spec.Name == "egress_ip" {
		p.Report.Warn(ingest.RowError{File: p.File, Line: line, Field: "columns.public_ip", Msg: fmt.Sprintf("%q is not a public IP address", ip)})
	}
	if raw == nil {
		raw, _ = json.Marshal(rawRow{Name: r.Name, HostIdentifier: host, UnixTime: unix, Action: action, Decorations: r.Decorations, Columns: cols, Counter: r.Counter})
	} else {
		raw = append([]byte(nil), bytes.TrimSpace(raw)...)
	}
	ev := model.Event{
		Tenant:    p.Tenant,
		ID:        model.StableID("ev", parts...),
		Kind:      model.EvEndpoint,
		Time:      at,
		SubjectID: h.subject,
		Source:    Source,
		SourceRef: fmt.Sprintf("%s:%d", p.File, line),
		Endpoint:  obs,
		Raw:       raw,
	}
	if h.subject == "" {
		p.Report.Unresolved++
	}
	p.Report.Accepted++
	emit(ev)
}

// Ingest reads osquery results from r (JSON Lines, or one JSON array of
// records) and writes their events to sink in batches. Malformed lines are
// reported with their line number and the stream goes on; the error return
// is for failures that stop the input (unreadable stream, sink down).
func Ingest(ctx context.Context, r io.Reader, name string, opt Options, sink ingest.Sink) (ingest.Report, error) {
	rep := ingest.Report{Source: Source}
	if opt.BatchSize <= 0 {
		opt.BatchSize = 2000
	}
	p := NewParser(opt.Resolver, opt.Tenant, name, &rep)
	var batch []model.Event
	var sinkErr error
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
	emit := func(ev model.Event) {
		batch = append(batch, ev)
	}
	err := Scan(ctx, r, func(b []byte, line int) error {
		rep.Read++
		if err := p.Record(b, line, emit); err != nil {
			re := ingest.RowError{File: name, Line: line, Msg: err.Error()}
			var fe interface{ Field() string }
			if errors.As(err, &fe) {
				re.Field = fe.Field()
			}
			rep.Reject(re)
		}
		if len(batch) >= opt.BatchSize {
			if sinkErr = flush(); sinkErr != nil {
				return sinkErr
			}
		}
		return nil
	}, func(line int, err error) {
		rep.Read++
		rep.Reject(ingest.RowError{File: name, Line: line, Msg: err.Error()})
	})
	if err != nil {
		return rep, err
	}
	return rep, flush()
}

// Scan splits r into JSON values: one per non-empty line, or the elements
// of a top-level JSON array. fn gets each value with the line it starts on;
// bad is told about lines it cannot read (too long). An error from fn stops
// the scan.
func Scan(ctx context.Context, r io.Reader, fn func(b []byte, line int) error, bad func(line int, err error)) error {
	br := bufio.NewReaderSize(r, 1<<20)
	// Sniff: a document whose first non-space byte is '[' is one JSON array.
	for {
		c, err := br.Peek(1)
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("read: %w", err)
		}
		if c[0] == ' ' || c[0] == '\t' || c[0] == '\r' || c[0] == '\n' || c[0] == 0xEF || c[0] == 0xBB || c[0] == 0xBF {
			break
		}
		if c[0] == '[' {
			return scanArray(ctx, br, fn, bad)
		}
		break
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
