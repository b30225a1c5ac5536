// Package msgraph pulls Microsoft Entra sign-ins from Microsoft Graph
// (GET /v1.0/auditLogs/signIns) with $filter on createdDateTime and
// @odata.nextLink paging. The cursor (in the store's Meta space) holds the
// high-water mark of createdDateTime and, during a run, the next link, so a
// restart resumes the run where it stopped. Each run re-reads an overlap
// before the mark (sign-ins reach Graph late); replays create no duplicates
// because event IDs are stable.
package msgraph

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/redflag-dev/redflag/internal/connect"
)

// CursorKey is the Meta key of the cursor.
const CursorKey = "connect/msgraph/signins"

// Client pulls one tenant's sign-ins.
type Client struct {
	GraphURL string // https://graph.microsoft.com
	Token    func(ctx context.Context) (string, error)
	HTTP     *http.Client
	Retry    connect.Retry
	Cursor   connect.Cursor
	Top      int           // page size (default 1000, Graph's maximum)
	Since    time.Time     // start of the first run
	Overlap  time.Duration // re-read before the high-water mark (default 30m)
	MaxPages int
}

type cursorState struct {
	Since time.Time `json:"since"`          // filter of the current or next run
	Next  string    `json:"next,omitempty"` // next link of the run in progress
	Max   time.Time `json:"max,omitempty"`  // newest createdDateTime seen in the run
}

// Page is one Graph page ({"value":[...]}).
type Page struct {
	N    int
	Body []byte
}

// Stats summarises a run.
type Stats struct {
	Pages, Events int
	Since         time.Time
}

type page struct {
	Value    []json.RawMessage `json:"value"`
	NextLink string            `json:"@odata.nextLink"`
}

// Pull runs (or resumes) one pass over the sign-ins since the cursor.
func (c *Client) Pull(ctx context.Context, handle func(ctx context.Context, p Page) error) (Stats, error) {
	var st Stats
	if c.HTTP == nil {
		c.HTTP = &http.Client{Timeout: 60 * time.Second}
	}
	if c.Overlap == 0 {
		c.Overlap = 30 * time.Minute
	}
	var cur cursorState
	raw, err := c.Cursor.Get(ctx)
	if err != nil {
		return st, fmt.Errorf("read cursor: %w", err)
	}
	if raw != "" {
		if err := json.Unmarshal([]byte(raw), &cur); err != nil {
			return st, fmt.Errorf("cursor %s: %w", c.Cursor.Key, err)
		}
	} else {
		cur.Since = c.Since.UTC()
	}
	st.Since = cur.Since
	next := cur.Next
	if next == "" {
		top := c.Top
		if top <= 0 {
			top = 1000
		}
		q := url.Values{}
		q.Set("$filter", "createdDateTime ge "+cur.Since.Format("2006-01-02T15:04:05Z"))
		q.Set("$top", fmt.Sprint(top))
		next = strings.TrimRight(c.GraphURL, "/") + "/v1.0/auditLogs/signIns?" + q.Encode()
	}
	save := func() error {
		b, _ := json.Marshal(cur)
		if err := c.Cursor.Put(ctx, string(b)); err != nil {
			return fmt.Errorf("save cursor: %w", err)
		}
		return nil
	}
	for c.MaxPages == 0 || st.Pages < c.MaxPages {
		if err := c.sameOrigin(next); err != nil {
			return st, err
		}
		u := next
		_, body, err := c.Retry.Fetch(ctx, c.HTTP, func(ctx context.Context) (*http.Request, error) {
			req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
			if err != nil {
				return nil, err
			}
			tok, err := c.Token(ctx)
			if err != nil {
				return nil, fmt.Errorf("token: %w", err)
			}
			req.Header.Set("Authorization", "Bearer "+tok)
			req.Header.Set("Accept", "application/json")
			return req, nil
		})
		if err != nil {
			return st, fmt.Errorf("GET %s: %w", redact(u), err)
		}
		var p page
		if err := json.Unmarshal(body, &p); err != nil {
			return st, fmt.Errorf("GET %s: not a Graph page: %w", redact(u), err)
		}
		for _, v := range p.Value {
			var x struct {
				CreatedDateTime time.Time `json:"createdDateTime"`
			}
			if json.Unmarshal(v, &x) == nil && x.CreatedDateTime.After(cur.Max) {
				cur.Max = x.CreatedDateTime.UTC()
			}
		}
		if len(p.Value) > 0 {
			if err := handle(ctx, Page{N: len(p.Value), Body: body}); err != nil {
				return st, err
			}
			st.Pages++
			st.Events += len(p.Value)
		}
		if p.NextLink == "" {
			// Run complete: the next run starts at the mark minus the overlap.
			if !cur.Max.IsZero() {
				if s := cur.Max.Add(-c.Overlap); s.After(cur.Since) {
					cur.Since = s
				}
			}
			cur.Next, cur.Max = "", time.Time{}
			return st, save()
		}
		next = p.NextLink
		cur.Next = next
		if err := save(); err != nil {
			return st, err
		}
	}
	return st, nil
}

func (c *Client) sameOrigin(link string) error {
	a, err1 := url.Parse(link)
	b, err2 := url.Parse(c.GraphURL)
	if err1 != nil || err2 != nil || !strings.EqualFold(a.Host, b.Host) || a.Scheme != b.Scheme {
		return fmt.Errorf("next link %q is not on %s", redact(link), c.GraphURL)
	}
	return nil
}

func redact(u string) string {
	if i := strings.IndexByte(u, '?'); i >= 0 {
		return u[:i]
	}
	return u
}

// ClientCredentials gets app-only tokens with the OAuth 2.0 client
// credentials grant (Entra: https://login.microsoftonline.com/<tenant>/oauth2/v2.0/token,
// scope https://graph.microsoft.com/.default) and caches them until shortly
// before they expire.
type ClientCredentials struct {
	TokenURL, ClientID, ClientSecret, Scope string
	HTTP                                    *http.Client
	Retry                                   connect.Retry

	mu     sync.Mutex
	tok    string
	expiry time.Time
}

// Token returns a valid access token.
func (cc *ClientCredentials) Token(ctx context.Context) (string, error) {
	cc.mu.Lock()
	defer cc.mu.Unlock()
	if cc.tok != "" && time.Until(cc.expiry) > time.Minute {
		return cc.tok, nil
	}
	if cc.HTTP == nil {
		cc.HTTP = &http.Client{Timeout: 30 * time.Second}
	}
	scope := cc.Scope
	if scope == "" {
		scope = "https://graph.microsoft.com/.default"
	}
	form := url.Values{"grant_type": {"client_credentials"}, "client_id": {cc.ClientID}, "client_secret": {cc.ClientSecret}, "scope": {scope}}
	_, body, err := cc.Retry.Fetch(ctx, cc.HTTP, func(ctx context.Context) (*http.Request, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, cc.TokenURL, bytes.NewBufferString(form.Encode()))
		if err != nil {
			return nil, err
		}
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		return req, nil
	})
	if err != nil {
		return "", err
	}
	var t struct {
		AccessToken string `json:"access_token"`
		ExpiresIn   int    `json:"expires_in"`
	}
	if err := json.Unmarshal(body, &t); err != nil || t.AccessToken == "" {
		return "", fmt.Errorf("token response without access_token")
	}
	cc.tok, cc.expiry = t.AccessToken, time.Now().Add(time.Duration(t.ExpiresIn)*time.Second)
	return cc.tok, nil
}
