package bus

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"log/slog"
	"os"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/redflag-dev/redflag/internal/detect"
	"github.com/redflag-dev/redflag/internal/enrich"
	"github.com/redflag-dev/redflag/internal/model"
	"github.com/redflag-dev/redflag/internal/pipeline"
	"github.com/redflag-dev/redflag/internal/store"
)

// SystemTenant holds the bus's own checkpoints in the store's Meta space. It
// starts with '_', which ValidTenant refuses, so no real tenant can read it.
const SystemTenant = "_bus"

// Worker consumes the partitions it owns. Run it in as many processes as
// there are cores to spare; they share the partitions among themselves.
type Worker struct {
	C     *Conn
	Store store.Store // must implement store.Batcher
	// ID names the worker in leases; unique per process (default host-pid).
	ID       string
	Enricher enrich.Enricher
	// NewDetectors builds a fresh set of detectors (fresh state). The worker
	// keeps the per-subject ones (those that are not detect.Finisher).
	NewDetectors func() ([]detect.Detector, error)
	// Now is the analysis time detectors see (Env.Now).
	Now func() time.Time
	// Analyze runs the cross-subject stage (finishers, scoring, cases) for a
	// tenant. Nil: this worker never takes the leader lease.
	Analyze func(ctx context.Context, tenant string) error
	Log     *slog.Logger

	batcher store.Batcher
	kv      jetstream.KeyValue
	parts   map[int]*part
	tenants map[string]*tenantState
	notify  chan struct{}

	leaseMu sync.Mutex
	revs    map[int]uint64 // held partition leases and their revisions
	lost    map[int]bool   // leases keepAlive failed to renew
}

type part struct {
	p      int
	ck     checkpoint
	ckRaw  []byte
	ch     chan jetstream.Msg
	cancel context.CancelFunc
	done   chan struct{}
}

type tenantState struct {
	env     *detect.Env
	engines map[int]*detect.Engine
}

// checkpoint is what a partition owner commits with each batch.
type checkpoint struct {
	Stream string           `json:"stream"`           // identity of the stream the sequence counts in
	Seq    uint64           `json:"seq"`              // last stream sequence processed
	Counts map[string]int64 `json:"counts,omitempty"` // records processed per tenant (leader's dirty check)
}

func (w *Worker) ckKey(p int) string { return fmt.Sprintf("ckpt/%s/%04d", w.C.Names.Prefix, p) }

var errLost = errors.New("partition lease lost")

// Run works until ctx ends, then hands its partitions back.
func (w *Worker) Run(ctx context.Context) error {
	if w.Log == nil {
		w.Log = slog.Default()
	}
	if w.ID == "" {
		h, _ := os.Hostname()
		w.ID = fmt.Sprintf("%s-%d-%d", h, os.Getpid(), time.Now().UnixNano()%1e6)
	}
	w.ID = strings.NewReplacer(".", "_", "*", "_", ">", "_", " ", "_").Replace(w.ID)
	if w.Now == nil {
		w.Now = time.Now
	}
	b, ok := w.Store.(store.Batcher)
	if !ok {
		return fmt.Errorf("store %s cannot commit batches atomically", w.Store.Backend())
	}
	w.batcher = b
	kv, err := w.C.JS.KeyValue(ctx, w.C.Names.Bucket())
	if err != nil {
		return fmt.Errorf("lease bucket: %w", err)
	}
	w.kv = kv
	w.parts = map[int]*part{}
	w.tenants = map[string]*tenantState{}
	w.notify = make(chan struct{}, 1)
	w.revs, w.lost = map[int]uint64{}, map[int]bool{}
	log := w.Log.With("worker", w.ID)
	log.Info("worker started", "partitions", w.C.Cfg.Partitions)

	var wg sync.WaitGroup
	kctx, stopKeep := context.WithCancel(ctx)
	wg.Add(1)
	go func() { defer wg.Done(); w.keepAlive(kctx) }()
	if w.Analyze != nil {
		wg.Add(1)
		go func() { defer wg.Done(); w.leaderLoop(ctx) }()
	}
	defer func() {
		cctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		stopKeep()
		all := map[int]bool{}
		for p := range w.parts {
			all[p] = true
		}
		w.leaseMu.Lock()
		for p := range w.revs {
			all[p] = true
		}
		w.leaseMu.Unlock()
		for p := range all {
			w.release(cctx, p)
		}
		w.kv.Delete(cctx, "member."+w.ID)
		wg.Wait()
		log.Info("worker stopped")
	}()

	tick := w.C.Cfg.LeaseTTL / 3
	nextMaint := time.Time{}
	for ctx.Err() == nil {
		if time.Now().After(nextMaint) {
			w.maintain(ctx)
			nextMaint = time.Now().Add(tick)
		}
		got, bytes := 0, 0
		var ps []*prepared
		for _, p := range w.owned() {
			pt := w.parts[p]
			msgs := drain(pt.ch, max(1, w.C.Cfg.Batch-got), max(1, w.C.Cfg.BatchBytes-bytes))
			if len(msgs) == 0 {
				continue
			}
			got += len(msgs)
			for _, m := range msgs {
				bytes += len(m.Data())
			}
			pr, err := w.prepare(ctx, pt, msgs)
			if err != nil {
				if ctx.Err() != nil {
					break
				}
				log.Warn("partition dropped", "partition", p, "err", err)
				w.drop(p)
				continue
			}
			if pr != nil {
				ps = append(ps, pr)
			}
			if got >= w.C.Cfg.Batch || bytes >= w.C.Cfg.BatchBytes {
				break
			}
		}
		if len(ps) > 0 {
			if err := w.commitAll(ctx, ps); err != nil && ctx.Err() == nil {
				// Another owner's checkpoint: drop every partition of the
				// batch; those still ours are taken again from their
				// checkpoints.
				for _, pr := range ps {
					log.Warn("partition dropped", "partition", pr.pt.p, "err", err)
					w.drop(pr.pt.p)
				}
			}
		}
		if got == 0 {
			select {
			case <-ctx.Done():
			case <-w.notify:
			case <-time.After(time.Until(nextMaint)):
			}
		}
	}
	return nil
}

// drain takes up to n messages and about maxBytes of payload from ch without
// waiting. The byte bound keeps a commit (and so the lag of its first event)
// small when messages carry many events each.
func drain(ch chan jetstream.Msg, n, maxBytes int) []jetstream.Msg {
	var out []jetstream.Msg
	size := 0
	for len(out) < n && size < maxBytes {
		select {
		case m := <-ch:
			out = append(out, m)
			size += len(m.Data())
		default:
			return out
		}
	}
	return out
}

func (w *Worker) owned() []int {
	out := make([]int, 0, len(w.parts))
	for p := range w.parts {
		out = append(out, p)
	}
	sort.Ints(out)
	return out
}

// keepAlive renews the membership and the held leases every LeaseTTL/3, in
// its own goroutine so that a long commit (or a store outage) never lets a
// lease lapse while its owner is still working. A lease it fails to renew is
// reported lost; the main loop then drops the partition.
func (w *Worker) keepAlive(ctx context.Context) {
	t := time.NewTicker(w.C.Cfg.LeaseTTL / 3)
	defer t.Stop()
	for {
		if _, err := w.kv.Put(ctx, "member."+w.ID, []byte(time.Now().UTC().Format(time.RFC3339Nano))); err != nil && ctx.Err() == nil {
			w.Log.Warn("membership heartbeat failed; waiting for the bus", "worker", w.ID, "err", err)
		}
		w.leaseMu.Lock()
		held := make(map[int]uint64, len(w.revs))
		for p, r := range w.revs {
			held[p] = r
		}
		w.leaseMu.Unlock()
		for p, rev := range held {
			nrev, err := w.kv.Update(ctx, leaseKey(p), []byte(w.ID), rev)
			w.leaseMu.Lock()
			if cur, ok := w.revs[p]; ok && cur == rev {
				if err != nil {
					if ctx.Err() == nil {
						w.Log.Warn("lease lost", "worker", w.ID, "partition", p, "err", err)
					}
					delete(w.revs, p)
					w.lost[p] = true
				} else {
					w.revs[p] = nrev
				}
			}
			w.leaseMu.Unlock()
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// maintain drops partitions whose lease was lost, works out which partitions
// this worker should own (rendezvous hashing over the live members), and
// takes or hands back partitions accordingly.
func (w *Worker) maintain(ctx context.Context) {
	w.leaseMu.Lock()
	lost := w.lost
	w.lost = map[int]bool{}
	w.leaseMu.Unlock()
	for p := range lost {
		w.drop(p)
	}
	members, err := w.members(ctx)
	if err != nil {
		w.Log.Warn("list members", "worker", w.ID, "err", err)
		return
	}
	if !slices.Contains(members, w.ID) {
		return // our heartbeat has not landed yet (or the bus is down)
	}
	for p := 0; p < w.C.Cfg.Partitions; p++ {
		mine := rendezvous(members, p) == w.ID
		_, held := w.parts[p]
		w.leaseMu.Lock()
		_, leased := w.revs[p]
		w.leaseMu.Unlock()
		switch {
		case !mine && (held || leased):
			// Also a partition dropped after an error whose lease we still
			// renew: hand the lease over, or its new owner waits forever.
			w.Log.Debug("partition moves", "worker", w.ID, "partition", p, "members", members, "owner", rendezvous(members, p))
			w.release(ctx, p)
		case !held && mine:
			if err := w.acquire(ctx, p); err != nil && ctx.Err() == nil {
				lvl := slog.LevelWarn
				if errors.Is(err, jetstream.ErrKeyExists) {
					lvl = slog.LevelDebug // still leased by the previous owner
				}
				w.Log.Log(ctx, lvl, "acquire partition", "worker", w.ID, "partition", p, "err", err)
			}
		}
	}
}

func leaseKey(p int) string { return "part." + strconv.Itoa(p) }

func (w *Worker) members(ctx context.Context) ([]string, error) {
	l, err := w.kv.ListKeysFiltered(ctx, "member.>")
	if err != nil {
		return nil, err
	}
	var out []string
	for k := range l.Keys() {
		out = append(out, strings.TrimPrefix(k, "member."))
	}
	l.Stop() // the lister closes itself after the last key; Stop then errors
	sort.Strings(out)
	return out, nil
}

// rendezvous picks the owner of a partition: the member with the highest
// hash of (member, partition). Adding or removing a member moves only the
// partitions it wins or held.
func rendezvous(members []string, p int) string {
	best, bestH := "", uint64(0)
	for _, m := range members {
		h := fnv.New64a()
		fmt.Fprintf(h, "%s/%d", m, p)
		if v := mix64(h.Sum64()); best == "" || v > bestH {
			best, bestH = m, v
		}
	}
	return best
}

// mix64 is the splitmix64 finaliser: FNV's high bits barely change between
// "w1/0" and "w4/0", and rendezvous hashing compares whole values.
func mix64(z uint64) uint64 {
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// acquire takes the lease of partition p, reads its checkpoint and starts
// consuming right after it.
func (w *Worker) acquire(ctx context.Context, p int) error {
	// A partition dropped after an error keeps its lease (keepAlive renews
	// it); take it back without touching the bucket.
	w.leaseMu.Lock()
	_, have := w.revs[p]
	w.leaseMu.Unlock()
	if !have {
		rev, err := w.kv.Create(ctx, leaseKey(p), []byte(w.ID))
		if err != nil {
			return err
		}
		w.leaseMu.Lock()
		w.revs[p] = rev
		w.leaseMu.Unlock()
	}
	raw, ok, err := w.Store.GetMeta(ctx, SystemTenant, w.ckKey(p))
	if err != nil {
		// keep the lease: the next maintain tries again
		return fmt.Errorf("read checkpoint: %w", err)
	}
	var ck checkpoint
	if ok {
		if err := json.Unmarshal(raw, &ck); err != nil {
			return fmt.Errorf("checkpoint %s: %w", w.ckKey(p), err)
		}
	} else {
		raw = nil
	}
	if ck.Seq > 0 && ck.Stream != w.C.streamID {
		// The stream was deleted and created again (its sequence restarted):
		// everything in the new stream is new to us. Stored events stay
		// deduplicated by ID.
		w.Log.Warn("checkpoint belongs to an earlier stream; starting at its beginning", "partition", p, "checkpoint_stream", ck.Stream, "stream", w.C.streamID)
		ck.Seq = 0
	}
	n := w.C.Names
	cc := jetstream.ConsumerConfig{
		Durable:       n.consumer(p),
		FilterSubject: n.EventSubject("*", p),
		AckPolicy:     jetstream.AckAllPolicy,
		AckWait:       time.Minute,
		MaxAckPending: -1,
		DeliverPolicy: jetstream.DeliverAllPolicy,
		Replicas:      w.C.Cfg.Replicas,
	}
	if ck.Seq > 0 {
		cc.DeliverPolicy = jetstream.DeliverByStartSequencePolicy
		cc.OptStartSeq = ck.Seq + 1
	}
	// The checkpoint in the store, not the consumer's ack floor, says where to
	// resume: recreate the consumer there.
	if err := w.C.JS.DeleteConsumer(ctx, n.Stream(), cc.Durable); err != nil && !errors.Is(err, jetstream.ErrConsumerNotFound) {
		// keep the lease: the next maintain tries again
		return fmt.Errorf("reset consumer: %w", err)
	}
	cons, err := w.C.JS.CreateConsumer(ctx, n.Stream(), cc)
	if err != nil {
		// keep the lease: the next maintain tries again
		return fmt.Errorf("create consumer: %w", err)
	}
	pctx, cancel := context.WithCancel(ctx)
	pt := &part{p: p, ck: ck, ckRaw: raw, ch: make(chan jetstream.Msg, 2*w.C.Cfg.Batch), cancel: cancel, done: make(chan struct{})}
	it, err := cons.Messages(jetstream.PullMaxMessages(2 * w.C.Cfg.Batch))
	if err != nil {
		cancel()
		// keep the lease: the next maintain tries again
		return fmt.Errorf("consume partition %d: %w", p, err)
	}
	go func() {
		defer close(pt.done)
		go func() { <-pctx.Done(); it.Stop() }()
		for {
			m, err := it.Next()
			if err != nil {
				if pctx.Err() != nil {
					return
				}
				if errors.Is(err, jetstream.ErrMsgIteratorClosed) || errors.Is(err, jetstream.ErrConsumerDeleted) || errors.Is(err, jetstream.ErrConsumerNotFound) {
					// The consumer went away under us (deleted, or the
					// server lost it): have the main loop drop the
					// partition and take it again from its checkpoint,
					// rather than own it with nothing flowing.
					w.Log.Warn("partition consumer stopped; re-acquiring", "worker", w.ID, "partition", p, "err", err)
					w.leaseMu.Lock()
					w.lost[p] = true
					w.leaseMu.Unlock()
					select {
					case w.notify <- struct{}{}:
					default:
					}
					return
				}
				continue
			}
			select {
			case pt.ch <- m:
			case <-pctx.Done():
				return
			}
			select {
			case w.notify <- struct{}{}:
			default:
			}
		}
	}()
	w.parts[p] = pt
	w.Log.Debug("partition acquired", "worker", w.ID, "partition", p, "resume_after_seq", ck.Seq)
	return nil
}

// drop forgets a partition without touching its lease (lost or failing).
func (w *Worker) drop(p int) {
	pt, ok := w.parts[p]
	if !ok {
		return
	}
	pt.cancel()
	select {
	case <-pt.done:
	case <-time.After(2 * time.Second):
		// The feeder is stuck in the client library; it exits when its
		// iterator does, and what it still reads goes nowhere (the partition
		// restarts from its checkpoint).
		w.Log.Warn("partition feeder slow to stop; going on without it", "worker", w.ID, "partition", p)
	}
	delete(w.parts, p)
	for _, ts := range w.tenants {
		delete(ts.engines, p)
	}
}

// release hands a partition back: everything processed is committed, so
// the next owner resumes from the checkpoint.
func (w *Worker) release(ctx context.Context, p int) {
	if _, ok := w.parts[p]; ok {
		w.drop(p)
	}
	w.leaseMu.Lock()
	rev, ok := w.revs[p]
	delete(w.revs, p)
	w.leaseMu.Unlock()
	if ok {
		w.kv.Delete(ctx, leaseKey(p), jetstream.LastRevision(rev))
	}
	w.Log.Debug("partition released", "worker", w.ID, "partition", p)
}

// tenant returns the worker's state for a tenant, loading its people.
func (w *Worker) tenant(ctx context.Context, t string) (*tenantState, error) {
	if ts, ok := w.tenants[t]; ok {
		return ts, nil
	}
	var subs []model.Subject
	if err := w.Store.EachSubject(ctx, t, func(s model.Subject) error { subs = append(subs, s); return nil }); err != nil {
		return nil, fmt.Errorf("load subjects of %s: %w", t, err)
	}
	ts := &tenantState{env: detect.NewEnv(t, subs, w.Now()), engines: map[int]*detect.Engine{}}
	w.tenants[t] = ts
	return ts, nil
}

// PerSubject keeps the detectors that are not finishers.
func PerSubject(ds []detect.Detector) []detect.Detector {
	var out []detect.Detector
	for _, d := range ds {
		if _, fin := d.(detect.Finisher); fin {
			continue
		}
		if _, ev := d.(detect.EventDetector); ev {
			out = append(out, d)
		}
	}
	return out
}

// Finishers keeps the detectors that join across subjects.
func Finishers(ds []detect.Detector) []detect.Detector {
	var out []detect.Detector
	for _, d := range ds {
		if _, fin := d.(detect.Finisher); fin {
			out = append(out, d)
		}
	}
	return out
}

// engine returns the per-subject detector engine of (tenant, partition),
// rebuilding its state from the events already stored for the partition: a
// stored event is, by the atomic commit, exactly an event the previous owner
// had observed, so state and store agree and nothing is counted twice.
func (w *Worker) engine(ctx context.Context, t string, ts *tenantState, p int) (*detect.Engine, error) {
	if e, ok := ts.engines[p]; ok {
		return e, nil
	}
	// Rebuild every owned partition of the tenant that lacks an engine in one
	// pass over the tenant's stored events: after a takeover they all need it.
	todo := map[int]*detect.Engine{}
	for q, pt := range w.parts {
		if _, ok := ts.engines[q]; ok && q != p {
			continue
		}
		ds, err := w.NewDetectors()
		if err != nil {
			return nil, fmt.Errorf("build detectors: %w", err)
		}
		e := detect.NewEngineWith(PerSubject(ds)...)
		if pt.ck.Counts[t] == 0 {
			ts.engines[q] = e // nothing of this tenant committed here: fresh state
			continue
		}
		todo[q] = e
	}
	if len(todo) > 0 {
		n := 0
		discard := func(model.Finding) {}
		start := time.Now()
		err := w.Store.EachEvent(ctx, t, store.EventQuery{}, func(ev model.Event) error {
			if e, ok := todo[w.C.Names.Partition(t, ev.SubjectID)]; ok {
				n++
				e.Observe(ctx, ts.env, &ev, discard)
			}
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("rebuild partition state of %s: %w", t, err)
		}
		for q, e := range todo {
			ts.engines[q] = e
		}
		w.Log.Info("partition state rebuilt from store", "worker", w.ID, "tenant", t, "partitions", len(todo), "events", n, "took", time.Since(start))
	}
	e, ok := ts.engines[p]
	if !ok {
		return nil, fmt.Errorf("partition %d is not owned", p)
	}
	return e, nil
}

type item struct {
	msg jetstream.Msg
	seq uint64
	env Envelope
}

// process handles one batch of a partition: decode, validate, dead-letter
// poison, skip what the checkpoint covers and events already stored, enrich,
// observe, then land everything with the new checkpoint in one transaction.
// prepared is one partition's share of a combined commit.
type prepared struct {
	pt      *part
	b       store.Batch
	next    checkpoint
	raw     []byte
	lastMsg jetstream.Msg
	lags    []int64
	start   time.Time
	msgs    int
}

func (w *Worker) prepare(ctx context.Context, pt *part, msgs []jetstream.Msg) (*prepared, error) {
	var items []item
	var last uint64
	var lastMsg jetstream.Msg
	for _, m := range msgs {
		md, err := m.Metadata()
		if err != nil {
			continue
		}
		seq := md.Sequence.Stream
		if seq <= pt.ck.Seq || seq <= last {
			continue // covered by the checkpoint: a redelivery
		}
		last, lastMsg = seq, m
		var env Envelope
		if err := json.Unmarshal(m.Data(), &env); err != nil {
			if err := w.deadLetter(ctx, m, seq, "", fmt.Errorf("decode: %w", err)); err != nil {
				return nil, err
			}
			continue
		}
		if err := w.validate(m.Subject(), pt.p, &env); err != nil {
			if err := w.deadLetter(ctx, m, seq, env.Tenant, err); err != nil {
				return nil, err
			}
			continue
		}
		items = append(items, item{msg: m, seq: seq, env: env})
	}
	if lastMsg == nil {
		return nil, nil
	}
	next := checkpoint{Seq: last, Counts: map[string]int64{}}
	for k, v := range pt.ck.Counts {
		next.Counts[k] = v
	}
	// Which events are already stored (re-ingested files, replays)?
	byT := map[string][]string{}
	for _, it := range items {
		switch it.env.Type {
		case "event":
			byT[it.env.Tenant] = append(byT[it.env.Tenant], it.env.Event.ID)
		case "events":
			for _, ev := range it.env.Events {
				byT[it.env.Tenant] = append(byT[it.env.Tenant], ev.ID)
			}
		}
	}
	existing := map[string]map[string]bool{}
	for t, ids := range byT {
		ex, err := w.batcher.ExistingEvents(ctx, t, ids)
		if err != nil {
			return nil, w.retryLater(ctx, pt, msgs, fmt.Errorf("look up events: %w", err))
		}
		existing[t] = ex
	}
	var b store.Batch
	cols := map[string]*detect.Collector{}
	var lags []int64
	now := time.Now()
	for _, it := range items {
		t := it.env.Tenant
		ts, err := w.tenant(ctx, t)
		if err != nil {
			return nil, w.retryLater(ctx, pt, msgs, err)
		}
		switch it.env.Type {
		case "subject", "subjects":
			subs := it.env.Subjects
			if it.env.Type == "subject" {
				subs = []model.Subject{*it.env.Subject}
			}
			mine := map[string]bool{}
			for _, s := range subs {
				ts.env.AddSubject(s)
				if w.C.Names.Partition(t, s.ID) == pt.p { // the person's own partition stores it
					b.Subjects = append(b.Subjects, s)
					mine[s.ID] = true
					next.Counts[t]++
				}
			}
			for _, id := range it.env.IDs {
				if mine[id.SubjectID] {
					b.Identifiers = append(b.Identifiers, id)
				}
			}
		case "ids":
			b.Identifiers = append(b.Identifiers, it.env.IDs...)
			next.Counts[t]++
		case "event", "events":
			evs := it.env.Events
			if it.env.Type == "event" {
				evs = []model.Event{*it.env.Event}
			}
			var pubAt int64
			if v, err := strconv.ParseInt(it.msg.Headers().Get(HdrPublished), 10, 64); err == nil {
				pubAt = v
			}
			for _, ev := range evs {
				if err := w.checkEvent(it.msg.Subject(), t, &ev); err != nil {
					if err := w.deadLetterEvent(ctx, it.msg, it.seq, t, ev, err); err != nil {
						return nil, err
					}
					continue
				}
				if existing[t][ev.ID] {
					continue
				}
				if existing[t] == nil {
					existing[t] = map[string]bool{}
				}
				existing[t][ev.ID] = true // a duplicate later in this batch
				eng, err := w.engine(ctx, t, ts, pt.p)
				if err != nil {
					return nil, w.retryLater(ctx, pt, msgs, err)
				}
				col := cols[t]
				if col == nil {
					col = detect.NewCollector()
					cols[t] = col
				}
				if err := w.observe(ctx, eng, ts.env, &ev, col.Emit); err != nil {
					if err := w.deadLetterEvent(ctx, it.msg, it.seq, t, ev, err); err != nil {
						return nil, err
					}
					continue
				}
				b.Events = append(b.Events, ev)
				next.Counts[t]++
				if pubAt > 0 {
					lags = append(lags, now.UnixNano()-pubAt)
				}
			}
		}
	}
	for t, col := range cols {
		for _, f := range col.Findings() {
			f.Tenant = t
			b.Findings = append(b.Findings, f)
		}
	}
	b.Identifiers = pipeline.DedupeIdentifiers(b.Identifiers)
	next.Stream = w.C.streamID
	raw, err := json.Marshal(next)
	if err != nil {
		return nil, fmt.Errorf("encode checkpoint: %w", err)
	}
	b.Checkpoints = []store.Checkpoint{{Tenant: SystemTenant, Key: w.ckKey(pt.p), Prev: pt.ckRaw, Next: raw}}
	return &prepared{pt: pt, b: b, next: next, raw: raw, lastMsg: lastMsg, lags: lags, start: now, msgs: len(msgs)}, nil
}

// commitAll lands the prepared batches of several partitions in one
// transaction (one fsync for all), then acknowledges and reports them.
func (w *Worker) commitAll(ctx context.Context, ps []*prepared) error {
	var b store.Batch
	for _, p := range ps {
		b.Subjects = append(b.Subjects, p.b.Subjects...)
		b.Identifiers = append(b.Identifiers, p.b.Identifiers...)
		b.Events = append(b.Events, p.b.Events...)
		b.Findings = append(b.Findings, p.b.Findings...)
		b.Checkpoints = append(b.Checkpoints, p.b.Checkpoints...)
	}
	tc := time.Now()
	if err := w.commit(ctx, b); err != nil {
		return err
	}
	w.Log.Debug("batch committed", "worker", w.ID, "partitions", len(ps), "events", len(b.Events), "findings", len(b.Findings), "commit", time.Since(tc))
	for _, p := range ps {
		p.pt.ck, p.pt.ckRaw = p.next, p.raw
		if err := p.lastMsg.Ack(); err != nil {
			w.Log.Debug("ack failed; the checkpoint covers it", "err", err)
		}
		w.report(p.pt.p, len(p.b.Events), p.lags, p.start)
	}
	return nil
}

// retryLater gives up on a batch whose inputs could not be read (store
// down): the partition is dropped and re-acquired from its checkpoint, after
// a pause, so its in-memory state is rebuilt from what was committed.
func (w *Worker) retryLater(ctx context.Context, pt *part, _ []jetstream.Msg, err error) error {
	select {
	case <-ctx.Done():
	case <-time.After(time.Second):
	}
	return err
}

// observe feeds one event to the engine; a detector that panics on it makes
// the event poison.
func (w *Worker) observe(ctx context.Context, e *detect.Engine, env *detect.Env, ev *model.Event, emit detect.Emit) (err error) {
	if w.Enricher != nil {
		w.Enricher.Enrich(ctx, ev)
	}
	var buf []model.Finding
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("detector panicked on event %s: %v", ev.ID, r)
			return
		}
		for _, f := range buf {
			emit(f)
		}
	}()
	e.Observe(ctx, env, ev, func(f model.Finding) { buf = append(buf, f) })
	return nil
}

// commit lands the batch, waiting out a store outage: the batch stays in
// memory and is retried with backoff until it lands, the context ends, or
// the checkpoint shows another owner.
func (w *Worker) commit(ctx context.Context, b store.Batch) error {
	pause := 100 * time.Millisecond
	for {
		_, err := w.batcher.CommitBatch(ctx, b)
		if err == nil {
			return nil
		}
		if errors.Is(err, store.ErrConflict) {
			return fmt.Errorf("%w: %v", errLost, err)
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		w.Log.Warn("commit failed; retrying", "worker", w.ID, "err", err, "pause", pause)
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(pause):
		}
		pause = min(2*pause, 5*time.Second)
	}
}

// validate checks that an envelope is whole and sits on the subject its
// tenant and person route to, so a message cannot write into another
// tenant or partition.
func (w *Worker) validate(subject string, p int, env *Envelope) error {
	n := w.C.Names
	t := env.Tenant
	if err := ValidTenant(t); err != nil {
		return err
	}
	sameTenant := func(rt string) error {
		if rt != "" && rt != t {
			return fmt.Errorf("record of tenant %q inside an envelope of tenant %q", rt, t)
		}
		return nil
	}
	switch env.Type {
	case "event":
		if env.Event == nil {
			return errors.New("event message without an event")
		}
		return w.checkEvent(subject, t, env.Event)
	case "events":
		if len(env.Events) == 0 {
			return errors.New("empty events message")
		}
		// Each event is checked on its own when processed, so one bad event
		// does not take its neighbours to the dead-letter stream.
	case "subject", "subjects":
		if env.Type == "subject" {
			if env.Subject == nil {
				return errors.New("subject message without a record")
			}
			env.Subjects = []model.Subject{*env.Subject}
			env.Type = "subjects"
		}
		if len(env.Subjects) == 0 {
			return errors.New("empty subjects message")
		}
		for i := range env.Subjects {
			s := &env.Subjects[i]
			if s.ID == "" {
				return errors.New("subject record without id")
			}
			if err := sameTenant(s.Tenant); err != nil {
				return err
			}
			s.Tenant = t
		}
		if want := n.EventSubject(t, p); subject != want {
			return fmt.Errorf("subject records arrived on %s, belong on %s", subject, want)
		}
		for i := range env.IDs {
			if err := sameTenant(env.IDs[i].Tenant); err != nil {
				return err
			}
			env.IDs[i].Tenant = t
		}
	case "ids":
		if len(env.IDs) == 0 {
			return errors.New("empty identifier message")
		}
		for i := range env.IDs {
			id := &env.IDs[i]
			if err := sameTenant(id.Tenant); err != nil {
				return err
			}
			id.Tenant = t
			if want := n.EventSubject(t, n.Partition(t, id.SubjectID)); subject != want {
				return fmt.Errorf("identifier of %s arrived on %s, belongs on %s", id.SubjectID, subject, want)
			}
		}
	default:
		return fmt.Errorf("unknown message type %q", env.Type)
	}
	return nil
}

// checkEvent checks one event: whole, of the envelope's tenant, and on the
// partition its person routes to. It normalises tenant and time.
func (w *Worker) checkEvent(subject, t string, ev *model.Event) error {
	if ev.ID == "" || ev.Kind == "" || ev.Time.IsZero() {
		return errors.New("event without id, kind or time")
	}
	if ev.Tenant != "" && ev.Tenant != t {
		return fmt.Errorf("record of tenant %q inside an envelope of tenant %q", ev.Tenant, t)
	}
	ev.Tenant = t
	ev.Time = ev.Time.UTC()
	n := w.C.Names
	if want := n.EventSubject(t, n.Partition(t, ev.SubjectID)); subject != want {
		return fmt.Errorf("event %s arrived on %s, belongs on %s", ev.ID, subject, want)
	}
	return nil
}

// deadLetterEvent dead-letters one event of a message.
func (w *Worker) deadLetterEvent(ctx context.Context, m jetstream.Msg, seq uint64, t string, ev model.Event, cause error) error {
	data, err := json.Marshal(Envelope{Type: "event", Tenant: t, Event: &ev})
	if err != nil {
		return fmt.Errorf("encode dead letter: %w", err)
	}
	return w.publishDead(ctx, m.Subject(), data, seq, ev.ID, t, cause)
}

// deadLetter publishes a poison message to the tenant's dead-letter subject
// with the error, and lets the partition go on.
func (w *Worker) deadLetter(ctx context.Context, m jetstream.Msg, seq uint64, t string, cause error) error {
	// Filed under the tenant whose subject it arrived on: that is whose
	// stream it polluted, whatever its body claims.
	return w.publishDead(ctx, m.Subject(), m.Data(), seq, "", t, cause)
}

func (w *Worker) publishDead(ctx context.Context, subject string, data []byte, seq uint64, evID, t string, cause error) error {
	if parts := strings.Split(subject, "."); len(parts) > 1 && ValidTenant(parts[1]) == nil {
		t = parts[1]
	} else if ValidTenant(t) != nil {
		t = "_invalid"
	}
	dm := nats.NewMsg(w.C.Names.DLQSubject(t))
	dm.Data = data
	dm.Header.Set(HdrError, cause.Error())
	dm.Header.Set(HdrOrigSubj, subject)
	dm.Header.Set(HdrOrigSeq, strconv.FormatUint(seq, 10))
	dm.Header.Set(jetstream.MsgIDHeader, "dlq/"+strconv.FormatUint(seq, 10)+"/"+evID)
	if _, err := w.C.JS.PublishMsg(ctx, dm); err != nil {
		return fmt.Errorf("dead-letter message %d: %w", seq, err)
	}
	w.Log.Warn("dead-lettered", "worker", w.ID, "seq", seq, "event", evID, "subject", subject, "err", cause)
	return nil
}

// Stats is a worker's progress report on StatsSubject after each commit.
type Stats struct {
	Worker    string  `json:"worker"`
	Partition int     `json:"partition"`
	Events    int     `json:"events"`
	LagNanos  []int64 `json:"lag_ns,omitempty"` // publish→commit, a sample of at most 256
	Committed int64   `json:"committed_unix_ns"`
}

func (w *Worker) report(p, n int, lags []int64, start time.Time) {
	if n == 0 {
		return
	}
	done := time.Now()
	extra := done.Sub(start).Nanoseconds() // lag counts until the commit landed
	step := max(1, len(lags)/256)
	var sample []int64
	for i := 0; i < len(lags); i += step {
		sample = append(sample, lags[i]+extra)
	}
	b, _ := json.Marshal(Stats{Worker: w.ID, Partition: p, Events: n, LagNanos: sample, Committed: done.UnixNano()})
	w.C.NC.Publish(w.C.Names.StatsSubject(), b)
}
