// Package connect holds what the pull connectors (internal/connect/okta,
// internal/connect/msgraph) share: an HTTP fetch with retries that honours
// rate limits (429 with X-Rate-Limit-Reset or Retry-After), retries 5xx and
// timeouts with capped exponential backoff, and a cursor kept in the store's
// Meta space so that a restarted pull resumes where it stopped.
package connect

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"strconv"
	"time"

	"github.com/redflag-dev/redflag/internal/store"
)

// Retry configures the retry loop.
type Retry struct {
	Attempts int           // total attempts per request (default 8)
	Base     time.Duration // first backoff (default 1s)
	Max      time.Duration // longest single wait (default 2m)
	// Sleep waits; tests replace it to record waits instead of sleeping.
	Sleep func(ctx context.Context, d time.Duration) error
	// Now is the clock used to read X-Rate-Limit-Reset.
	Now func() time.Time
}

func (r *Retry) defaults() {
	if r.Attempts <= 0 {
		r.Attempts = 8
	}
	if r.Base <= 0 {
		r.Base = time.Second
	}
	if r.Max <= 0 {
		r.Max = 2 * time.Minute
	}
	if r.Sleep == nil {
		r.Sleep = func(ctx context.Context, d time.Duration) error {
			t := time.NewTimer(d)
			defer t.Stop()
			select {
			case <-t.C:
				return nil
			case <-ctx.Done():
				return ctx.Err()
			}
		}
	}
	if r.Now == nil {
		r.Now = time.Now
	}
}

// MaxBody bounds one response body.
const MaxBody = 256 << 20

// HTTPError is a final non-retryable (or retries exhausted) HTTP status.
type HTTPError struct {
	Status int
	Body   string
}

func (e *HTTPError) Error() string { return fmt.Sprintf("HTTP %d: %s", e.Status, e.Body) }

// Fetch performs the request built by build, retrying as configured, and
// returns the response headers and body of a 2xx answer.
func (r Retry) Fetch(ctx context.Context, client *http.Client, build func(ctx context.Context) (*http.Request, error)) (http.Header, []byte, error) {
	r.defaults()
	var last error
	for attempt := 0; attempt < r.Attempts; attempt++ {
		req, err := build(ctx)
		if err != nil {
			return nil, nil, err
		}
		resp, err := client.Do(req)
		var wait time.Duration
		if err != nil {
			if ctx.Err() != nil {
				return nil, nil, ctx.Err()
			}
			if !retryable(err) {
				return nil, nil, err
			}
			last = err
			wait = r.backoff(attempt)
		} else {
			body, rerr := io.ReadAll(io.LimitReader(resp.Body, MaxBody))
			resp.Body.Close()
			switch {
			case rerr != nil:
				last = fmt.Errorf("read body: %w", rerr)
				wait = r.backoff(attempt)
			case resp.StatusCode >= 200 && resp.StatusCode < 300:
				return resp.Header, body, nil
			case resp.StatusCode == http.StatusTooManyRequests:
				last = &HTTPError{resp.StatusCode, clip(body)}
				wait = r.rateLimitWait(resp.Header, attempt)
			case resp.StatusCode >= 500:
				last = &HTTPError{resp.StatusCode, clip(body)}
				wait = r.backoff(attempt)
			default:
				return nil, nil, &HTTPError{resp.StatusCode, clip(body)}
			}
		}
		if attempt == r.Attempts-1 {
			break
		}
		if err := r.Sleep(ctx, wait); err != nil {
			return nil, nil, err
		}
	}
	return nil, nil, fmt.Errorf("giving up after %d attempts: %w", r.Attempts, last)
}

func retryable(err error) bool {
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return true
	}
	return errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) || errors.As(err, &ne)
}

func (r Retry) backoff(attempt int) time.Duration {
	d := r.Base << min(attempt, 20)
	if d > r.Max || d <= 0 {
		d = r.Max
	}
	// Full jitter in [d/2, d).
	return d/2 + time.Duration(rand.Int64N(int64(d/2)+1))
}

// rateLimitWait reads Okta's X-Rate-Limit-Reset (epoch seconds) or the
// standard Retry-After (seconds or HTTP date).
func (r Retry) rateLimitWait(h http.Header, attempt int) time.Duration {
	if v := h.Get("X-Rate-Limit-Reset"); v != "" {
		if sec, err := strconv.ParseInt(v, 10, 64); err == nil {
			d := time.Unix(sec, 0).Sub(r.Now()) + time.Second
			if d < time.Second {
				d = time.Second
			}
			return min(d, r.Max)
		}
	}
	if v := h.Get("Retry-After"); v != "" {
		if sec, err := strconv.Atoi(v); err == nil {
			return min(time.Duration(sec)*time.Second, r.Max)
		}
		if t, err := http.ParseTime(v); err == nil {
			return min(max(t.Sub(r.Now()), time.Second), r.Max)
		}
	}
	return r.backoff(attempt)
}

func clip(b []byte) string {
	if len(b) > 300 {
		b = b[:300]
	}
	return string(b)
}

// Cursor is a connector's persisted position.
type Cursor struct {
	St     store.Store
	Tenant string
	Key    string // e.g. "connect/okta/cursor"
}

// Get returns the stored cursor, "" when none.
func (c Cursor) Get(ctx context.Context) (string, error) {
	b, ok, err := c.St.GetMeta(ctx, store.TenantOr(c.Tenant), c.Key)
	if err != nil || !ok {
		return "", err
	}
	return string(b), nil
}

// Put stores the cursor.
func (c Cursor) Put(ctx context.Context, v string) error {
	return c.St.PutMeta(ctx, store.TenantOr(c.Tenant), c.Key, []byte(v))
}
