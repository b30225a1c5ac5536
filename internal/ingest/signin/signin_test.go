package signin

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/redflag-dev/redflag/internal/ingest"
	"github.com/redflag-dev/redflag/internal/model"
)

type sink struct {
	calls int
	evs   []model.Event
	ids   []model.Identifier
}

func (s *sink) Subjects(context.Context, []model.Subject, []model.Identifier) error { return nil }
func (s *sink) Events(_ context.Context, evs []model.Event, ids []model.Identifier) error {
	s.calls++
	s.evs = append(s.evs, evs...)
	s.ids = append(s.ids, ids...)
	return nil
}

func parse(raw []byte) ([]model.Event, error) {
	var x struct {
		ID, Login, IP string
		Min           int
	}
	if err := json.Unmarshal(raw, &x); err != nil {
		return nil, FieldError{Msg: err.Error()}
	}
	if x.Login == "" {
		return nil, ErrSkip{Why: "no login"}
	}
	t := time.Date(2026, 1, 1, 0, x.Min, 0, 0, time.UTC)
	return []model.Event{{ID: x.ID, Time: t, Source: "t", SignIn: &model.SignIn{Login: x.Login, IP: x.IP, Outcome: "success"}}}, nil
}

func TestRunOrderBatchesAndIdentifiers(t *testing.T) {
	var b strings.Builder
	for i := 0; i < 1000; i++ {
		fmt.Fprintf(&b, `{"id":"e%d","login":"A@x","ip":"1.2.3.%d","min":%d}`+"\n", i, i%2, i)
	}
	b.WriteString("{broken\n")
	b.WriteString(`{"id":"nologin"}` + "\n")
	res := ingest.NewMapResolver()
	res.Add(model.IDEmail, "a@x", "p1")
	s := &sink{}
	rep, err := Run(context.Background(), strings.NewReader(b.String()), Options{File: "f", Source: "t", Resolver: res, BatchSize: 100}, parse, s)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Read != 1002 || rep.Accepted != 1000 || rep.Rejected != 1 || rep.Errors[0].Line != 1001 || rep.Ignored["no login"] != 1 {
		t.Fatalf("report %+v", rep)
	}
	for i, ev := range s.evs {
		if ev.ID != fmt.Sprintf("e%d", i) || ev.SourceRef != fmt.Sprintf("f:%d", i+1) || ev.SubjectID != "p1" || string(ev.Raw) == "" {
			t.Fatalf("event %d out of order or incomplete: %+v", i, ev)
		}
	}
	// Three distinct identifiers (login, two IPs): each sent once when
	// first seen, then once more with the final last-seen time.
	last := map[string]time.Time{}
	for _, id := range s.ids {
		last[string(id.Kind)+":"+id.Value] = id.LastSeen
	}
	if len(s.ids) != 6 || len(last) != 3 || !last["idp_login:a@x"].Equal(time.Date(2026, 1, 1, 0, 999, 0, 0, time.UTC)) {
		t.Fatalf("identifiers %d: %v", len(s.ids), last)
	}
}

func TestCountryCode(t *testing.T) {
	for in, want := range map[string]string{"United States": "US", "china": "CN", "Korea, Republic of": "KR", "gb": "GB", "Atlantis": "", "": ""} {
		if got := CountryCode(in); got != want {
			t.Errorf("%q: %q want %q", in, got, want)
		}
	}
}
