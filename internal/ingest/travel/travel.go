// Package travel reads registered business travel (CSV with a header, or
// JSON Lines): person_id, start_date, end_date (inclusive, YYYY-MM-DD),
// country (ISO 3166-1 alpha-2), and optional city and purpose. Trips are
// kept in the store's Meta space under "network/travel/", where the network
// detector reads them to excuse sign-ins from the trip's country during the
// trip. See docs/formats/travel.md.
package travel

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/redflag-dev/redflag/internal/ingest"
	"github.com/redflag-dev/redflag/internal/ingest/signin"
	"github.com/redflag-dev/redflag/internal/store"
)

// MetaPrefix is where trips live in the store's Meta space.
const MetaPrefix = "network/travel/"

// Trip is one registered trip.
type Trip struct {
	PersonID  string `json:"person_id"`
	StartDate string `json:"start_date"`
	EndDate   string `json:"end_date"`
	Country   string `json:"country"`
	City      string `json:"city,omitempty"`
	Purpose   string `json:"purpose,omitempty"`
}

// Key is the trip's Meta key (stable: re-ingesting changes nothing).
func (t Trip) Key() string {
	return MetaPrefix + t.PersonID + "/" + t.StartDate + "/" + t.Country
}

func (t *Trip) validate() (string, error) {
	t.PersonID = strings.TrimSpace(t.PersonID)
	t.Country = signin.CountryCode(t.Country)
	if t.PersonID == "" {
		return "person_id", errors.New("missing")
	}
	s, err := time.Parse("2006-01-02", strings.TrimSpace(t.StartDate))
	if err != nil {
		return "start_date", fmt.Errorf("want YYYY-MM-DD: %q", t.StartDate)
	}
	e, err := time.Parse("2006-01-02", strings.TrimSpace(t.EndDate))
	if err != nil {
		return "end_date", fmt.Errorf("want YYYY-MM-DD: %q", t.EndDate)
	}
	if e.Before(s) {
		return "end_date", errors.New("before start_date")
	}
	if t.Country == "" {
		return "country", errors.New("missing or unknown country")
	}
	return "", nil
}

// Ingest reads trips from r and stores them.
func Ingest(ctx context.Context, r io.Reader, file, tenant string, st store.Store) (ingest.Report, error) {
	rep := ingest.Report{Source: "travel"}
	tenant = store.TenantOr(tenant)
	put := func(line int, t Trip) error {
		rep.Read++
		if field, err := t.validate(); err != nil {
			rep.Reject(ingest.RowError{File: file, Line: line, Field: field, Msg: err.Error()})
			return nil
		}
		b, _ := json.Marshal(t)
		if old, ok, err := st.GetMeta(ctx, tenant, t.Key()); err == nil && ok && bytes.Equal(old, b) {
			rep.Accepted++
			return nil
		}
		if err := st.PutMeta(ctx, tenant, t.Key(), b); err != nil {
			return fmt.Errorf("store trip: %w", err)
		}
		rep.Accepted++
		rep.New++
		return nil
	}
	br := bufio.NewReader(r)
	peek, _ := br.Peek(64)
	if bytes.HasPrefix(bytes.TrimSpace(peek), []byte("{")) {
		sc := bufio.NewScanner(br)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		line := 0
		for sc.Scan() {
			line++
			l := bytes.TrimSpace(sc.Bytes())
			if len(l) == 0 {
				continue
			}
			var t Trip
			if err := json.Unmarshal(l, &t); err != nil {
				rep.Read++
				rep.Reject(ingest.RowError{File: file, Line: line, Msg: "malformed JSON: " + err.Error()})
				continue
			}
			if err := put(line, t); err != nil {
				return rep, err
			}
		}
		return rep, sc.Err()
	}
	cr := csv.NewReader(br)
	cr.FieldsPerRecord = -1
	head, err := cr.Read()
	if err != nil {
		return rep, fmt.Errorf("%s: read header: %w", file, err)
	}
	col := map[string]int{}
	for i, h := range head {
		col[strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))] = i
	}
	for _, need := range []string{"person_id", "start_date", "end_date", "country"} {
		if _, ok := col[need]; !ok {
			return rep, fmt.Errorf("%s: header has no %q column", file, need)
		}
	}
	get := func(rec []string, k string) string {
		if i, ok := col[k]; ok && i < len(rec) {
			return rec[i]
		}
		return ""
	}
	line := 1
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		line++
		if err != nil {
			rep.Read++
			rep.Reject(ingest.RowError{File: file, Line: line, Msg: err.Error()})
			continue
		}
		t := Trip{PersonID: get(rec, "person_id"), StartDate: get(rec, "start_date"), EndDate: get(rec, "end_date"), Country: get(rec, "country"), City: get(rec, "city"), Purpose: get(rec, "purpose")}
		if err := put(line, t); err != nil {
			return rep, err
		}
	}
	return rep, nil
}

// Load returns the tenant's stored trips.
func Load(ctx context.Context, st store.Store, tenant string) ([]Trip, error) {
	m, err := st.ListMeta(ctx, store.TenantOr(tenant), MetaPrefix)
	if err != nil {
		return nil, err
	}
	out := make([]Trip, 0, len(m))
	for k, v := range m {
		var t Trip
		if err := json.Unmarshal(v, &t); err != nil {
			return nil, fmt.Errorf("meta %s: %w", k, err)
		}
		out = append(out, t)
	}
	return out, nil
}
