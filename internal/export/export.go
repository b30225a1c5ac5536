// Package export sends redflag's results into the tools analysts already
// run: signed webhooks on case open and change (HMAC-SHA256, retried with
// exponential backoff), JSON Lines, CEF over syslog (TCP or UDP), and a
// printable HTML case report.
//
// Webhooks and syslog follow the audit log: a Follower reads case.* entries
// past a cursor kept in the store's Meta space, so that cases opened by a
// pipeline run in another process are delivered too, exactly once per
// entry unless delivery fails (then the cursor stays and it retries).
package export

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/redflag-dev/redflag/internal/model"
	"github.com/redflag-dev/redflag/internal/store"
)

// SignatureHeader carries "sha256=<hex HMAC of timestamp.body>".
const (
	SignatureHeader = "X-Redflag-Signature"
	TimestampHeader = "X-Redflag-Timestamp"
	EventHeader     = "X-Redflag-Event"
)

// Sign returns the signature header value for a body sent at ts.
func Sign(secret []byte, ts int64, body []byte) string {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(strconv.FormatInt(ts, 10)))
	m.Write([]byte{'.'})
	m.Write(body)
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}

// Verify checks a signature in constant time; receivers use it.
func Verify(secret []byte, ts int64, body []byte, sig string) bool {
	return hmac.Equal([]byte(Sign(secret, ts, body)), []byte(sig))
}

// Webhook posts signed JSON to one URL.
type Webhook struct {
	URL    string
	Secret []byte
	Client *http.Client
	// MaxAttempts (default 6) and BaseDelay (default 1 s) set the retry
	// schedule: BaseDelay, 2×, 4×, ... between attempts.
	MaxAttempts int
	BaseDelay   time.Duration
	// Sleep waits between attempts; tests replace it.
	Sleep func(ctx context.Context, d time.Duration) error
	// OnResult, when set, sees every attempt's outcome ("ok", "retry", "fail").
	OnResult func(outcome string)
}

// Payload is a webhook body.
type Payload struct {
	Event  string      `json:"event"` // case.open, case.state, case.close, ...
	Seq    int64       `json:"seq"`
	At     time.Time   `json:"at"`
	Actor  string      `json:"actor"`
	Before string      `json:"before,omitempty"`
	After  string      `json:"after,omitempty"`
	Case   *model.Case `json:"case,omitempty"`
	Tenant string      `json:"tenant"`
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// ErrPermanent marks a delivery the receiver refused (4xx other than 408/429).
var ErrPermanent = errors.New("webhook refused")

// Send delivers one payload, retrying network errors, 408, 429 and 5xx.
func (h *Webhook) Send(ctx context.Context, p Payload) error {
	body, err := json.Marshal(p)
	if err != nil {
		return fmt.Errorf("webhook: %w", err)
	}
	attempts, delay := h.MaxAttempts, h.BaseDelay
	if attempts <= 0 {
		attempts = 6
	}
	if delay <= 0 {
		delay = time.Second
	}
	sleep := h.Sleep
	if sleep == nil {
		sleep = sleepCtx
	}
	client := h.Client
	if client == nil {
		client = &http.Client{Timeout: 10 * time.Second}
	}
	var last error
	for i := 0; i < attempts; i++ {
		if i > 0 {
			if err := sleep(ctx, delay); err != nil {
				return err
			}
			delay *= 2
		}
		ts := time.Now().Unix()
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, h.URL, bytes.NewReader(body))
		if err != nil {
			return fmt.Errorf("webhook %s: %w", h.URL, err)
		}
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set(TimestampHeader, strconv.FormatInt(ts, 10))
		req.Header.Set(SignatureHeader, Sign(h.Secret, ts, body))
		req.Header.Set(EventHeader, p.Event)
		resp, err := client.Do(req)
		if err != nil {
			last = err
			h.result("retry")
			continue
		}
		io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
		resp.Body.Close()
		switch {
		case resp.StatusCode < 300:
			h.result("ok")
			return nil
		case resp.StatusCode == 408 || resp.StatusCode == 429 || resp.StatusCode >= 500:
			last = fmt.Errorf("status %d", resp.StatusCode)
			h.result("retry")
		default:
			h.result("fail")
			return fmt.Errorf("webhook %s: %w: status %d", h.URL, ErrPermanent, resp.StatusCode)
		}
	}
	h.result("fail")
	return fmt.Errorf("webhook %s: gave up after %d attempts: %w", h.URL, attempts, last)
}

func (h *Webhook) result(o string) {
	if h.OnResult != nil {
		h.OnResult(o)
	}
}

// Follower reads new case.* audit entries and hands them to a sender.
type Follower struct {
	Store  store.Store
	Tenant string
	// Name keys the cursor ("export/cursor/<name>").
	Name string
	Send func(ctx context.Context, p Payload) error
}

func (f *Follower) cursorKey() string { return "export/cursor/" + f.Name }

// Cursor returns the last delivered audit sequence number.
func (f *Follower) Cursor(ctx context.Context) (int64, error) {
	b, ok, err := f.Store.GetMeta(ctx, store.TenantOr(f.Tenant), f.cursorKey())
	if err != nil || !ok {
		return 0, err
	}
	return strconv.ParseInt(string(b), 10, 64)
}

// Poll delivers every case.* entry past the cursor, oldest first, and moves
// the cursor after each success. It returns how many it delivered.
func (f *Follower) Poll(ctx context.Context) (int, error) {
	t := store.TenantOr(f.Tenant)
	cur, err := f.Cursor(ctx)
	if err != nil {
		return 0, fmt.Errorf("export cursor: %w", err)
	}
	// Audit is newest first; read back far enough to reach the cursor, so
	// that a burst of other entries cannot hide case changes.
	var entries []model.AuditEntry
	for limit := 1000; ; limit *= 4 {
		entries, err = f.Store.Audit(ctx, t, "", limit)
		if err != nil {
			return 0, fmt.Errorf("export: read audit: %w", err)
		}
		if len(entries) < limit || entries[len(entries)-1].Seq <= cur+1 {
			break
		}
	}
	n := 0
	for i := len(entries) - 1; i >= 0; i-- {
		e := entries[i]
		if e.Seq <= cur {
			continue
		}
		if len(e.Object) > 5 && e.Object[:5] == "case:" && len(e.Action) > 5 && e.Action[:5] == "case." {
			p := Payload{Event: e.Action, Seq: e.Seq, At: e.At, Actor: e.Actor, Before: e.Before, After: e.After, Tenant: t}
			if c, err := f.Store.GetCase(ctx, t, e.Object[5:]); err == nil {
				p.Case = &c
			}
			if err := f.Send(ctx, p); err != nil {
				return n, err
			}
			n++
		}
		if err := f.Store.PutMeta(ctx, t, f.cursorKey(), []byte(strconv.FormatInt(e.Seq, 10))); err != nil {
			return n, fmt.Errorf("export cursor: %w", err)
		}
	}
	return n, nil
}

// Run polls every interval until ctx ends; errors go to onErr.
func (f *Follower) Run(ctx context.Context, every time.Duration, onErr func(error)) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		if _, err := f.Poll(ctx); err != nil && ctx.Err() == nil && onErr != nil {
			onErr(err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// JSONL writes one JSON document per line.
func JSONL[T any](w io.Writer, items func(fn func(T) error) error) (int, error) {
	enc := json.NewEncoder(w)
	n := 0
	err := items(func(v T) error {
		n++
		return enc.Encode(v)
	})
	return n, err
}
