package travel

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/redflag-dev/redflag/internal/store/sqlstore"
)

func TestIngestCSVAndJSONL(t *testing.T) {
	ctx := context.Background()
	st, err := sqlstore.OpenSQLite(ctx, filepath.Join(t.TempDir(), "t.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	in := "person_id,start_date,end_date,country,city,purpose\nW1,2026-03-01,2026-03-05,FR,Paris,business\nW2,2026-03-09,2026-03-01,GB,London,x\nW3,2026-03-01,2026-03-02,Japan,,\n"
	rep, err := Ingest(ctx, strings.NewReader(in), "travel.csv", "", st)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Accepted != 2 || rep.Rejected != 1 || rep.Errors[0].Line != 3 || rep.Errors[0].Field != "end_date" || rep.New != 2 {
		t.Fatalf("%+v", rep)
	}
	again, _ := Ingest(ctx, strings.NewReader(in), "travel.csv", "", st)
	if again.New != 0 {
		t.Errorf("re-ingest changed data: %+v", again)
	}
	if _, err := Ingest(ctx, strings.NewReader(`{"person_id":"W4","start_date":"2026-04-01","end_date":"2026-04-02","country":"KR"}`+"\n{bad\n"), "t.jsonl", "", st); err != nil {
		t.Fatal(err)
	}
	trips, err := Load(ctx, st, "")
	if err != nil || len(trips) != 3 {
		t.Fatalf("%v %+v", err, trips)
	}
	var jp bool
	for _, tr := range trips {
		if tr.PersonID == "W3" && tr.Country == "JP" {
			jp = true
		}
	}
	if !jp {
		t.Errorf("country name not normalised: %+v", trips)
	}
}

func FuzzIngest(f *testing.F) {
	f.Add("person_id,start_date,end_date,country\nW1,2026-03-01,2026-03-05,FR\n")
	f.Add(`{"person_id":"W4","start_date":"2026-04-01","end_date":"2026-04-02","country":"KR"}` + "\n")
	st, err := sqlstore.OpenSQLite(context.Background(), filepath.Join(f.TempDir(), "f.db"))
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { st.Close() })
	f.Fuzz(func(t *testing.T, in string) {
		rep, err := Ingest(context.Background(), strings.NewReader(in), "fz", "", st)
		if err == nil && rep.Accepted+rep.Rejected != rep.Read {
			t.Fatalf("counts %+v", rep)
		}
	})
}
