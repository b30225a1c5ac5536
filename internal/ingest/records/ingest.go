package records

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"sync/atomic"

	"github.com/redflag-dev/redflag/internal/fingerprint"
	"github.com/redflag-dev/redflag/internal/ingest"
	"github.com/redflag-dev/redflag/internal/model"
)

// Options configure one ingest.
type Options struct {
	Kind      Kind
	Format    Format // "" = sniff
	Mapping   Mapping
	Keyer     *fingerprint.Keyer
	Tenant    string
	BatchSize int // records per transaction; default 2000
}

// Ingest streams one input into the sink in batches. Each batch is one
// transaction in the store, so a killed process loses at most the batch in
// flight and never leaves half a batch. Row problems go into the report; the
// returned error is for failures that stop the whole input (unreadable
// header, store down).
func Ingest(ctx context.Context, r io.Reader, name string, opt Options, sink ingest.Sink) (ingest.Report, error) {
	rep := ingest.Report{Source: "records/" + string(opt.Kind)}
	if _, ok := Columns[opt.Kind]; !ok {
		return rep, fmt.Errorf("unknown record kind %q (want people, payroll, shipments, interviews or devices)", opt.Kind)
	}
	if opt.BatchSize <= 0 {
		opt.BatchSize = 2000
	}
	br := bufio.NewReaderSize(r, 256<<10)
	f := opt.Format
	if f == "" {
		f = Sniff(name, br)
	}
	rr, err := NewRowReader(br, f, opt.Mapping)
	if err != nil {
		return rep, fmt.Errorf("%s: %w", name, err)
	}
	p := &Parser{Kind: opt.Kind, Keyer: opt.Keyer, Tenant: opt.Tenant, Source: name}
	// Parsing and storing overlap: one goroutine writes batches while this
	// one parses the next. At most two batches are in memory at once, and
	// batches land in input order.
	type batch struct {
		subs []model.Subject
		evs  []model.Event
		ids  []model.Identifier
	}
	work := make(chan batch, 1)
	werr := make(chan error, 1)
	var failed atomic.Bool
	go func(work <-chan batch) {
		var first error
		for b := range work {
			if first != nil {
				failed.Store(true)
				continue // drain after a failure
			}
			if len(b.subs) > 0 {
				if err := sink.Subjects(ctx, b.subs, b.ids); err != nil {
					first = fmt.Errorf("%s: store batch: %w", name, err)
				}
				b.ids = nil
			}
			if first == nil && (len(b.evs) > 0 || len(b.ids) > 0) {
				if err := sink.Events(ctx, b.evs, b.ids); err != nil {
					first = fmt.Errorf("%s: store batch: %w", name, err)
				}
			}
		}
		werr <- first
	}(work)
	var subs []model.Subject
	var evs []model.Event
	var ids []model.Identifier
	finish := func() error {
		if len(subs)+len(evs)+len(ids) > 0 {
			work <- batch{subs, evs, ids}
		}
		close(work)
		work = nil
		return <-werr
	}
	flush := func() error {
		if failed.Load() {
			return finish() // the writer failed: stop reading and report why
		}
		if len(subs)+len(evs)+len(ids) > 0 {
			work <- batch{subs, evs, ids}
		}
		subs, evs, ids = nil, nil, nil
		return nil
	}
	defer func() {
		if work != nil {
			close(work)
			<-werr
		}
	}()
	for {
		if err := ctx.Err(); err != nil {
			return rep, err
		}
		row, err := rr.Next()
		if err == io.EOF {
			break
		}
		var le *LineError
		if errors.As(err, &le) {
			rep.Read++
			rep.Reject(ingest.RowError{File: name, Line: le.Line, Msg: le.Err.Error()})
			continue
		}
		if err != nil {
			return rep, fmt.Errorf("%s: %w", name, err)
		}
		rep.Read++
		parsed, err := p.Parse(row)
		if err != nil {
			re := ingest.RowError{File: name, Line: row.Line, Msg: err.Error()}
			var fe *FieldError
			if errors.As(err, &fe) {
				re.Field, re.Msg = fe.Field, fe.Msg
			}
			rep.Reject(re)
			continue
		}
		rep.Accepted++
		for _, w := range parsed.Warnings {
			rep.Warn(ingest.RowError{File: name, Line: row.Line, Field: w.Field, Msg: w.Message})
		}
		if parsed.Subject != nil {
			subs = append(subs, *parsed.Subject)
		}
		if parsed.Event != nil {
			evs = append(evs, *parsed.Event)
		}
		ids = append(ids, parsed.Identifiers...)
		if len(subs)+len(evs) >= opt.BatchSize {
			if err := flush(); err != nil {
				return rep, err
			}
			if work == nil {
				return rep, fmt.Errorf("%s: store batch failed", name)
			}
		}
	}
	return rep, finish()
}
