// Package okta pulls the Okta System Log (GET /api/v1/logs) page by page:
// the first run starts at since (sortOrder=ASCENDING), every later page
// comes from the Link rel="next" header, and that link is persisted as the
// cursor after the page's events are stored, so a restart resumes without
// gaps; replaying a page after a crash creates no duplicates because event
// IDs are stable. An empty page means the pull has caught up; the cursor
// then points at the polling link Okta returns.
package okta

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/redflag-dev/redflag/internal/connect"
)

// CursorKey is the Meta key of the cursor.
const CursorKey = "connect/okta/next"

// Client pulls one Okta org's System Log.
type Client struct {
	BaseURL string // https://<org>.okta.com
	Token   string // API token (SSWS)
	HTTP    *http.Client
	Retry   connect.Retry
	Cursor  connect.Cursor
	Limit   int       // events per page (default 1000)
	Since   time.Time // start of the first run
	// MaxPages stops a run after this many pages (0 = until caught up).
	MaxPages int
}

// Page is one page of LogEvents (a JSON array).
type Page struct {
	N    int
	Body []byte
	URL  string
}

// Stats summarises a run.
type Stats struct {
	Pages  int
	Events int
	Cursor string
}

// Pull fetches pages from the cursor (or Since) until caught up, handing
// each page to handle and persisting the next link after handle succeeds.
func (c *Client) Pull(ctx context.Context, handle func(ctx context.Context, p Page) error) (Stats, error) {
	var st Stats
	if c.HTTP == nil {
		c.HTTP = &http.Client{Timeout: 60 * time.Second}
	}
	next, err := c.Cursor.Get(ctx)
	if err != nil {
		return st, fmt.Errorf("read cursor: %w", err)
	}
	if next == "" {
		limit := c.Limit
		if limit <= 0 {
			limit = 1000
		}
		q := url.Values{}
		q.Set("since", c.Since.UTC().Format("2006-01-02T15:04:05.000Z"))
		q.Set("sortOrder", "ASCENDING")
		q.Set("limit", fmt.Sprint(limit))
		next = strings.TrimRight(c.BaseURL, "/") + "/api/v1/logs?" + q.Encode()
	} else if err := c.sameOrigin(next); err != nil {
		return st, err
	}
	for c.MaxPages == 0 || st.Pages < c.MaxPages {
		u := next
		hdr, body, err := c.Retry.Fetch(ctx, c.HTTP, func(ctx context.Context) (*http.Request, error) {
			req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
			if err != nil {
				return nil, err
			}
			req.Header.Set("Accept", "application/json")
			req.Header.Set("Authorization", "SSWS "+c.Token)
			return req, nil
		})
		if err != nil {
			return st, fmt.Errorf("GET %s: %w", redact(u), err)
		}
		n := countEvents(body)
		if n < 0 {
			return st, fmt.Errorf("GET %s: response is not a JSON array", redact(u))
		}
		link := nextLink(hdr)
		if n > 0 {
			if err := handle(ctx, Page{N: n, Body: body, URL: u}); err != nil {
				return st, err
			}
			st.Pages++
			st.Events += n
		}
		if link != "" {
			if err := c.sameOrigin(link); err != nil {
				return st, err
			}
			next = link
		}
		// The cursor moves only after the page is stored.
		if err := c.Cursor.Put(ctx, next); err != nil {
			return st, fmt.Errorf("save cursor: %w", err)
		}
		st.Cursor = next
		if n == 0 || link == "" || link == u {
			return st, nil // caught up
		}
	}
	return st, nil
}

// sameOrigin refuses a next link to another host (the token goes with it).
func (c *Client) sameOrigin(link string) error {
	a, err1 := url.Parse(link)
	b, err2 := url.Parse(c.BaseURL)
	if err1 != nil || err2 != nil || !strings.EqualFold(a.Host, b.Host) || a.Scheme != b.Scheme {
		return fmt.Errorf("next link %q is not on %s", redact(link), c.BaseURL)
	}
	return nil
}

func redact(u string) string {
	if i := strings.IndexByte(u, '?'); i >= 0 {
		return u[:i]
	}
	return u
}

// countEvents counts the elements of a JSON array page (-1 when not an array).
func countEvents(body []byte) int {
	b := bytes.TrimSpace(body)
	if len(b) == 0 || b[0] != '[' {
		return -1
	}
	if bytes.Equal(bytes.ReplaceAll(b, []byte(" "), nil), []byte("[]")) {
		return 0
	}
	// Count top-level elements with a small scanner.
	depth, n, inStr, esc := 0, 0, false, false
	for _, ch := range b {
		switch {
		case esc:
			esc = false
		case inStr:
			if ch == '\\' {
				esc = true
			} else if ch == '"' {
				inStr = false
			}
		case ch == '"':
			inStr = true
		case ch == '[' || ch == '{':
			depth++
			if depth == 2 {
				n++
			}
		case ch == ']' || ch == '}':
			depth--
		}
	}
	return n
}

// nextLink returns the rel="next" URL of the Link headers.
func nextLink(h http.Header) string {
	for _, v := range h.Values("Link") {
		for _, part := range strings.Split(v, ",") {
			part = strings.TrimSpace(part)
			if !strings.Contains(part, `rel="next"`) && !strings.Contains(part, "rel=next") {
				continue
			}
			if i, j := strings.IndexByte(part, '<'), strings.IndexByte(part, '>'); i >= 0 && j > i {
				return part[i+1 : j]
			}
		}
	}
	return ""
}
