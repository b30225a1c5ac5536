package bus

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/redflag-dev/redflag/internal/store"
)

const leaderKey = "leader"

func (w *Worker) analyzedKey(t string) string { return "analyzed/" + w.C.Names.Prefix + "/" + t }

// leaderLoop holds the leader lease when it can and runs the cross-subject
// stage for every tenant with new records once the partitions have caught
// up (or after AnalyzeMax of continuous traffic).
func (w *Worker) leaderLoop(ctx context.Context) {
	var rev uint64
	held := false
	dirtySince := map[string]time.Time{}
	tick := time.NewTicker(w.C.Cfg.AnalyzeEvery)
	defer tick.Stop()
	defer func() {
		if held {
			cctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			w.kv.Delete(cctx, leaderKey, jetstream.LastRevision(rev))
			cancel()
		}
	}()
	lastRenew := time.Time{}
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		if held && time.Since(lastRenew) > w.C.Cfg.LeaseTTL/3 {
			r, err := w.kv.Update(ctx, leaderKey, []byte(w.ID), rev)
			if err != nil {
				held = false
				w.Log.Warn("leader lease lost", "worker", w.ID, "err", err)
			} else {
				rev, lastRenew = r, time.Now()
			}
		}
		if !held {
			r, err := w.kv.Create(ctx, leaderKey, []byte(w.ID))
			if err != nil {
				continue
			}
			rev, held, lastRenew = r, true, time.Now()
			w.Log.Info("leader lease acquired", "worker", w.ID)
		}
		st, err := Progress(ctx, w.C, w.Store)
		if err != nil {
			w.Log.Warn("leader: read progress", "err", err)
			continue
		}
		for _, t := range st.Dirty() {
			if _, ok := dirtySince[t]; !ok {
				dirtySince[t] = time.Now()
			}
			if !st.CaughtUp && time.Since(dirtySince[t]) < w.C.Cfg.AnalyzeMax {
				continue
			}
			start := time.Now()
			if err := w.Analyze(ctx, t); err != nil {
				w.Log.Warn("leader: analyze failed; will retry", "tenant", t, "err", err)
				continue
			}
			b, _ := json.Marshal(st.Processed[t])
			if err := w.Store.PutMeta(ctx, SystemTenant, w.analyzedKey(t), b); err != nil {
				w.Log.Warn("leader: record analysis", "tenant", t, "err", err)
				continue
			}
			delete(dirtySince, t)
			w.Log.Info("tenant analyzed", "worker", w.ID, "tenant", t, "records", st.Processed[t], "took", time.Since(start))
		}
	}
}

// Status is how far the workers have come.
type Status struct {
	// CaughtUp: every partition consumer exists and has nothing pending.
	CaughtUp bool
	Pending  uint64
	// Processed counts the records committed per tenant; Analyzed the count
	// the leader last ran the cross-subject stage at.
	Processed map[string]int64
	Analyzed  map[string]int64
}

// Dirty lists tenants processed since their last analysis.
func (s Status) Dirty() []string {
	var out []string
	for t, n := range s.Processed {
		if s.Analyzed[t] != n {
			out = append(out, t)
		}
	}
	sort.Strings(out)
	return out
}

// Idle reports whether everything published is processed and analyzed.
func (s Status) Idle() bool { return s.CaughtUp && len(s.Dirty()) == 0 }

// Progress reads the checkpoints and the consumers.
func Progress(ctx context.Context, c *Conn, st store.Store) (Status, error) {
	s := Status{Processed: map[string]int64{}, Analyzed: map[string]int64{}}
	// Consumers first: whatever they report as done is committed, so the
	// checkpoints read afterwards include it.
	s.CaughtUp = true
	for p := 0; p < c.Cfg.Partitions; p++ {
		cons, err := c.JS.Consumer(ctx, c.Names.Stream(), c.Names.consumer(p))
		if err != nil {
			if errors.Is(err, jetstream.ErrConsumerNotFound) {
				s.CaughtUp = false
				continue
			}
			return s, err
		}
		info, err := cons.Info(ctx)
		if err != nil {
			return s, err
		}
		if info.NumPending > 0 || info.NumAckPending > 0 {
			s.CaughtUp = false
			s.Pending += info.NumPending + uint64(info.NumAckPending)
		}
	}
	cks, err := st.ListMeta(ctx, SystemTenant, "ckpt/"+c.Names.Prefix+"/")
	if err != nil {
		return s, err
	}
	for _, raw := range cks {
		var ck checkpoint
		if err := json.Unmarshal(raw, &ck); err != nil {
			return s, fmt.Errorf("decode checkpoint: %w", err)
		}
		for t, n := range ck.Counts {
			s.Processed[t] += n
		}
	}
	an, err := st.ListMeta(ctx, SystemTenant, "analyzed/"+c.Names.Prefix+"/")
	if err != nil {
		return s, err
	}
	for k, raw := range an {
		var n int64
		if err := json.Unmarshal(raw, &n); err != nil {
			return s, fmt.Errorf("decode %s: %w", k, err)
		}
		s.Analyzed[strings.TrimPrefix(k, "analyzed/"+c.Names.Prefix+"/")] = n
	}
	return s, nil
}

// WaitIdle returns once everything published so far is processed and
// analyzed, polling every interval.
func WaitIdle(ctx context.Context, c *Conn, st store.Store, interval time.Duration) error {
	var last Status
	var lastErr error
	for {
		s, err := Progress(ctx, c, st)
		if err == nil {
			if s.Idle() {
				return nil
			}
			last = s
		} else if ctx.Err() == nil {
			lastErr = err
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("wait for workers: %w (caught up %v, pending %d, processed %v, analysed %v, last error %v)",
				ctx.Err(), last.CaughtUp, last.Pending, last.Processed, last.Analyzed, lastErr)
		case <-time.After(interval):
		}
	}
}

// WaitCaughtUp returns once every message published so far is processed and
// committed (not necessarily analysed).
func WaitCaughtUp(ctx context.Context, c *Conn, st store.Store, interval time.Duration) error {
	for {
		s, err := Progress(ctx, c, st)
		if err == nil && s.CaughtUp {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("wait for workers to catch up: %w (pending %d)", ctx.Err(), s.Pending)
		case <-time.After(interval):
		}
	}
}
