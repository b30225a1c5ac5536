package bus

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/redflag-dev/redflag/internal/ingest"
	"github.com/redflag-dev/redflag/internal/model"
	"github.com/redflag-dev/redflag/internal/store"
)

// Envelope is one bus message: an event, or a person record, or the
// identifiers of one person. Every envelope names its tenant; a worker
// refuses one whose subject names another.
type Envelope struct {
	Type    string         `json:"type"` // event | events | subjects | subject | ids
	Tenant  string         `json:"tenant"`
	Event   *model.Event   `json:"event,omitempty"`
	Events  []model.Event  `json:"events,omitempty"` // type "events": one partition's events, in order
	Subject *model.Subject `json:"subject,omitempty"`
	// Subjects (type "subjects"): person records, sent to every partition.
	Subjects []model.Subject    `json:"subjects,omitempty"`
	IDs      []model.Identifier `json:"ids,omitempty"`
}

// Header names.
const (
	HdrPublished = "Rf-Pub" // unix nanoseconds at publish, for end-to-end lag
	HdrError     = "Rf-Error"
	HdrOrigSubj  = "Rf-Orig-Subject"
	HdrOrigSeq   = "Rf-Orig-Seq"
)

// Publisher publishes parsed records to the bus. It implements ingest.Sink,
// so every parser can feed the bus exactly as it feeds the pipeline.
type Publisher struct {
	C      *Conn
	Tenant string // default tenant of records that name none
	// PerMessage overrides MaxEventsPerMsg (1: one event per message).
	PerMessage int
}

var _ ingest.Sink = (*Publisher)(nil)

func (p *Publisher) tenant(t string) (string, error) {
	if t == "" {
		t = store.TenantOr(p.Tenant)
	}
	return t, ValidTenant(t)
}

func digest(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:12])
}

// Subjects implements ingest.Sink. Person records (with their own
// identifiers) go, up to MaxEventsPerMsg per message, to every partition of
// the tenant: each worker's detectors can then look up any person, and the
// records stay in stream order with the events (one consumer filter per
// partition, which nats-server 2.9 supports). The person's own partition
// stores the record; the others only keep it in memory.
func (p *Publisher) Subjects(ctx context.Context, subjects []model.Subject, ids []model.Identifier) error {
	byS := map[string][]model.Identifier{}
	for _, id := range ids {
		byS[id.SubjectID] = append(byS[id.SubjectID], id)
	}
	byT := map[string][]model.Subject{}
	var tenants []string
	for i := range subjects {
		s := subjects[i]
		t, err := p.tenant(s.Tenant)
		if err != nil {
			return fmt.Errorf("subject %q: %w", s.ID, err)
		}
		s.Tenant = t
		if _, ok := byT[t]; !ok {
			tenants = append(tenants, t)
		}
		byT[t] = append(byT[t], s)
	}
	var msgs []*nats.Msg
	for _, t := range tenants {
		list := byT[t]
		for start := 0; start < len(list); start += p.maxPerMsg() {
			chunk := list[start:min(start+p.maxPerMsg(), len(list))]
			var cids []model.Identifier
			for _, s := range chunk {
				cids = append(cids, fillTenant(byS[s.ID], t)...)
				delete(byS, s.ID)
			}
			for part := 0; part < p.C.Names.Partitions; part++ {
				m, err := p.msg(p.C.Names.EventSubject(t, part), Envelope{Type: "subjects", Tenant: t, Subjects: chunk, IDs: cids}, fmt.Sprintf("s/%s/%d/", t, part))
				if err != nil {
					return err
				}
				msgs = append(msgs, m)
			}
		}
	}
	rest, err := p.idMsgs(byS)
	if err != nil {
		return err
	}
	return p.publish(ctx, append(msgs, rest...))
}

// Events implements ingest.Sink: events are published in (time, id) order,
// each to its person's partition; identifiers go to their person's partition.
func (p *Publisher) Events(ctx context.Context, events []model.Event, ids []model.Identifier) error {
	evs := append([]model.Event(nil), events...)
	sort.SliceStable(evs, func(i, j int) bool {
		if !evs[i].Time.Equal(evs[j].Time) {
			return evs[i].Time.Before(evs[j].Time)
		}
		return evs[i].ID < evs[j].ID
	})
	// One message carries up to MaxEventsPerMsg events of one partition, in
	// order: per-message costs (headers, acks, dedupe, file-store records)
	// then stop bounding the throughput.
	type key struct {
		t string
		p int
	}
	groups := map[key][]model.Event{}
	var order []key
	for i := range evs {
		ev := evs[i]
		t, err := p.tenant(ev.Tenant)
		if err != nil {
			return fmt.Errorf("event %q: %w", ev.ID, err)
		}
		ev.Tenant = t
		k := key{t, p.C.Names.Partition(t, ev.SubjectID)}
		if _, ok := groups[k]; !ok {
			order = append(order, k)
		}
		groups[k] = append(groups[k], ev)
	}
	msgs := make([]*nats.Msg, 0, len(order)+1)
	for _, k := range order {
		for _, part := range splitEvents(groups[k], p.maxPerMsg()) {
			var m *nats.Msg
			var err error
			if len(part) == 1 {
				m, err = p.msg(p.C.Names.EventSubject(k.t, k.p), Envelope{Type: "event", Tenant: k.t, Event: &part[0]}, "e/"+k.t+"/"+part[0].ID)
			} else {
				m, err = p.msg(p.C.Names.EventSubject(k.t, k.p), Envelope{Type: "events", Tenant: k.t, Events: part}, "b/"+k.t+"/")
			}
			if err != nil {
				return err
			}
			msgs = append(msgs, m)
		}
	}
	byS := map[string][]model.Identifier{}
	for _, id := range ids {
		byS[id.SubjectID] = append(byS[id.SubjectID], id)
	}
	rest, err := p.idMsgs(byS)
	if err != nil {
		return err
	}
	return p.publish(ctx, append(msgs, rest...))
}

// MaxEventsPerMsg bounds the events of one message (about 150 KB of JSON).
const MaxEventsPerMsg = 200

func (p *Publisher) maxPerMsg() int {
	if p.PerMessage > 0 {
		return p.PerMessage
	}
	return MaxEventsPerMsg
}

func splitEvents(evs []model.Event, n int) [][]model.Event {
	var out [][]model.Event
	for len(evs) > n {
		out = append(out, evs[:n])
		evs = evs[n:]
	}
	return append(out, evs)
}

func fillTenant(ids []model.Identifier, t string) []model.Identifier {
	for i := range ids {
		ids[i].Tenant = t
	}
	return ids
}

func (p *Publisher) idMsgs(byS map[string][]model.Identifier) ([]*nats.Msg, error) {
	keys := make([]string, 0, len(byS))
	for k := range byS {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var out []*nats.Msg
	for _, sid := range keys {
		ids := byS[sid]
		// Identifiers of one person may come from several tenants only by
		// mistake; split them so each message has one tenant.
		byT := map[string][]model.Identifier{}
		for _, id := range ids {
			t, err := p.tenant(id.Tenant)
			if err != nil {
				return nil, fmt.Errorf("identifier %s of %q: %w", id.Kind, sid, err)
			}
			id.Tenant = t
			byT[t] = append(byT[t], id)
		}
		for t, l := range byT {
			m, err := p.msg(p.C.Names.EventSubject(t, p.C.Names.Partition(t, sid)), Envelope{Type: "ids", Tenant: t, IDs: l}, "i/"+t+"/")
			if err != nil {
				return nil, err
			}
			out = append(out, m)
		}
	}
	return out, nil
}

// msg encodes an envelope. The message ID lets JetStream drop a duplicate
// publish inside the dedupe window; events use their stable ID, records a
// digest of their content (an updated record is not a duplicate).
func (p *Publisher) msg(subject string, env Envelope, idPrefix string) (*nats.Msg, error) {
	b, err := json.Marshal(env)
	if err != nil {
		return nil, fmt.Errorf("encode %s: %w", env.Type, err)
	}
	m := nats.NewMsg(subject)
	m.Data = b
	id := idPrefix
	if env.Type != "event" {
		id += digest(b)
	}
	m.Header.Set(jetstream.MsgIDHeader, id)
	m.Header.Set(HdrPublished, strconv.FormatInt(time.Now().UnixNano(), 10))
	return m, nil
}

// publish sends messages asynchronously and waits for every acknowledgement,
// so that Sink calls return only once the bus has the records.
func (p *Publisher) publish(ctx context.Context, msgs []*nats.Msg) error {
	futs := make([]jetstream.PubAckFuture, 0, len(msgs))
	for _, m := range msgs {
		f, err := p.C.JS.PublishMsgAsync(m)
		if err != nil {
			return fmt.Errorf("publish to %s: %w", m.Subject, err)
		}
		futs = append(futs, f)
	}
	for i, f := range futs {
		select {
		case <-f.Ok():
		case err := <-f.Err():
			// Retry once synchronously: the async error is usually a
			// reconnect in progress.
			if _, err2 := p.C.JS.PublishMsg(ctx, msgs[i]); err2 != nil {
				return fmt.Errorf("publish to %s: %w (retry: %v)", msgs[i].Subject, err, err2)
			}
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}
