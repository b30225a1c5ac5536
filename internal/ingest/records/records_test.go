package records

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/redflag-dev/redflag/internal/fingerprint"
	"github.com/redflag-dev/redflag/internal/ingest"
	"github.com/redflag-dev/redflag/internal/model"
)

type memSink struct {
	subs []model.Subject
	evs  []model.Event
	ids  []model.Identifier
}

func (m *memSink) Subjects(_ context.Context, s []model.Subject, ids []model.Identifier) error {
	m.subs = append(m.subs, s...)
	m.ids = append(m.ids, ids...)
	return nil
}
func (m *memSink) Events(_ context.Context, e []model.Event, ids []model.Identifier) error {
	m.evs = append(m.evs, e...)
	m.ids = append(m.ids, ids...)
	return nil
}

func keyer(t testing.TB) *fingerprint.Keyer {
	k, err := fingerprint.New([]byte("test-key-0123456789abcdef"))
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func run(t *testing.T, kind Kind, file string) (ingest.Report, *memSink) {
	t.Helper()
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sink := &memSink{}
	rep, err := Ingest(context.Background(), f, file, Options{Kind: kind, Keyer: keyer(t), BatchSize: 2}, sink)
	if err != nil {
		t.Fatal(err)
	}
	return rep, sink
}

func TestPeopleCSV(t *testing.T) {
	rep, sink := run(t, People, "testdata/people.csv")
	if rep.Read != 4 || rep.Accepted != 2 || rep.Rejected != 2 {
		t.Fatalf("report = %+v", rep)
	}
	// Errors name file, line and field.
	want := map[string]string{"date_of_birth": "testdata/people.csv:3", "kind": "testdata/people.csv:4"}
	for _, e := range rep.Errors {
		loc, ok := want[e.Field]
		if !ok || !strings.HasPrefix(e.Error(), loc) {
			t.Errorf("unexpected error %q (field %q)", e.Error(), e.Field)
		}
	}
	if len(sink.subs) != 2 {
		t.Fatalf("subjects = %d", len(sink.subs))
	}
	p1 := sink.subs[0]
	if p1.FullName != "Dana Whitfield" || p1.HireDate == nil || p1.HireDate.Format("2006-01-02") != "2025-01-15" || len(p1.IdPLogins) != 2 {
		t.Fatalf("P001 = %+v", p1)
	}
	p4 := sink.subs[1]
	if p4.Address.Country != "US" || len(p4.Warnings) != 1 || p4.Warnings[0].Field != "email" {
		t.Fatalf("P004 = %+v", p4)
	}
	var phones []string
	for _, id := range sink.ids {
		if id.Kind == model.IDPhone {
			phones = append(phones, id.Value)
		}
	}
	if strings.Join(phones, ",") != "+15125550101,+15125550104" {
		t.Fatalf("phones = %v", phones)
	}
}

func TestPayrollJSONLFingerprintsAccounts(t *testing.T) {
	rep, sink := run(t, Payroll, "testdata/payroll.jsonl")
	if rep.Accepted != 2 || rep.Rejected != 4 {
		t.Fatalf("report = %+v", rep)
	}
	fields := map[string]bool{}
	for _, e := range rep.Errors {
		fields[e.Field] = true
	}
	for _, f := range []string{"crypto_address", "event", "amount"} {
		if !fields[f] {
			t.Errorf("no error names field %q: %+v", f, rep.Errors)
		}
	}
	a, b := sink.evs[0], sink.evs[1]
	if a.Payroll.AccountFP == "" || a.Payroll.AccountFP != b.Payroll.AccountFP {
		t.Fatalf("same account formatted differently must fingerprint equal: %q %q", a.Payroll.AccountFP, b.Payroll.AccountFP)
	}
	for _, ev := range sink.evs {
		blob, _ := json.Marshal(ev)
		if bytes.Contains(blob, []byte("123456789")) || bytes.Contains(blob, []byte("2345-6789")) {
			t.Fatalf("account number stored in clear: %s", blob)
		}
	}
	if b.Payroll.Amount != 8200.5 || b.SourceRef != "testdata/payroll.jsonl:2" {
		t.Fatalf("payment = %+v", b)
	}
}

func TestStableEventIDs(t *testing.T) {
	_, s1 := run(t, Payroll, "testdata/payroll.jsonl")
	_, s2 := run(t, Payroll, "testdata/payroll.jsonl")
	for i := range s1.evs {
		if s1.evs[i].ID != s2.evs[i].ID {
			t.Fatalf("event %d ID changed between runs", i)
		}
	}
	if s1.evs[0].ID == s1.evs[1].ID {
		t.Fatal("different rows share an ID")
	}
}

func TestMappingAndSniffing(t *testing.T) {
	in := "{\"EmpID\":\"X1\",\"Name\":\"Kim Park\",\"idp_logins\":[\"kp@x.test\",\"kpark\"]}\n"
	sink := &memSink{}
	rep, err := Ingest(context.Background(), strings.NewReader(in), "stdin", Options{Kind: People, Mapping: Mapping{"person_id": "EmpID", "full_name": "Name"}}, sink)
	if err != nil || rep.Accepted != 1 {
		t.Fatalf("rep=%+v err=%v", rep, err)
	}
	if s := sink.subs[0]; s.ID != "X1" || s.FullName != "Kim Park" || len(s.IdPLogins) != 2 {
		t.Fatalf("subject = %+v", s)
	}
}

func TestAccountWithoutKeyIsRejected(t *testing.T) {
	in := "person_id,date,event,account_number\nP1,2025-01-01,account_added,12345678\n"
	sink := &memSink{}
	rep, _ := Ingest(context.Background(), strings.NewReader(in), "p.csv", Options{Kind: Payroll}, sink)
	if rep.Rejected != 1 || rep.Errors[0].Field != "account_number" {
		t.Fatalf("report = %+v", rep)
	}
}

// FuzzRows feeds arbitrary bytes through both readers and every kind: they
// must never panic, and every accepted row must have its required fields.
func FuzzRows(f *testing.F) {
	for _, p := range []string{"testdata/people.csv", "testdata/payroll.jsonl"} {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b, uint8(0))
		f.Add(b, uint8(1))
	}
	f.Add([]byte("person_id,date,event\n\"unterminated,2025-01-01,payment\n"), uint8(2))
	f.Fuzz(func(t *testing.T, data []byte, k uint8) {
		kind := Kinds[int(k)%len(Kinds)]
		for _, format := range []Format{CSV, JSONL} {
			sink := &memSink{}
			rep, err := Ingest(context.Background(), bytes.NewReader(data), "fuzz", Options{Kind: kind, Format: format, Keyer: keyer(t)}, sink)
			if err != nil {
				continue
			}
			if rep.Accepted+rep.Rejected != rep.Read {
				t.Fatalf("counts do not add up: %+v", rep)
			}
			if len(sink.subs)+len(sink.evs) != rep.Accepted {
				t.Fatalf("accepted %d but stored %d", rep.Accepted, len(sink.subs)+len(sink.evs))
			}
		}
	})
}
