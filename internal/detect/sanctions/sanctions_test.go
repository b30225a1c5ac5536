package sanctions

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/redflag-dev/redflag/internal/detect"
	"github.com/redflag-dev/redflag/internal/model"
	lists "github.com/redflag-dev/redflag/internal/sanctions"
	"github.com/redflag-dev/redflag/internal/store/sqlstore"
)

func screener(t *testing.T) *lists.Screener {
	t.Helper()
	ents, infos, err := lists.LoadDir(filepath.Join("..", "..", "sanctions", "testdata", "lists"))
	if err != nil {
		t.Fatal(err)
	}
	return lists.NewScreener(lists.NewIndex(ents), infos)
}

func TestDetectorFindingsAndClearing(t *testing.T) {
	ctx := context.Background()
	st, err := sqlstore.OpenSQLite(ctx, filepath.Join(t.TempDir(), "rf.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	now := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	subjects := []model.Subject{
		{ID: "p1", Kind: model.KindContractor, FullName: "Song-hwa Chong", DateOfBirth: "1970-02-05", StaffingVendor: "Yanbian Silverstar Network Technology Co., Ltd."},
		{ID: "p2", Kind: model.KindEmployee, FullName: "Jennifer Muller", StaffingVendor: "Acme Staffing LLC"},
		{ID: "p3", Kind: model.KindContractor, FullName: "Gwang Jin Gim", DateOfBirth: "1999-07-01"},
	}
	if err := st.UpsertSubjects(ctx, subjects); err != nil {
		t.Fatal(err)
	}
	pay := model.Event{ID: "e1", Kind: model.EvPayroll, Time: now, SubjectID: "p2", Source: "records/payroll", SourceRef: "payroll.csv:2",
		Payroll: &model.Payroll{Event: "payment", Rail: "crypto", CryptoAddress: "1Q9UAQbcDezmyouFrzt94t4dSMxgsUfW1X", AccountHolder: "Ri Kyong Sik"}}
	if _, err := st.PutEvents(ctx, []model.Event{pay}); err != nil {
		t.Fatal(err)
	}
	run := func() map[string][]model.Finding {
		d := New(screener(t), st, Config{})
		eng := detect.NewEngineWith(d)
		if _, err := eng.Run(ctx, st, "", now); err != nil {
			t.Fatal(err)
		}
		out := map[string][]model.Finding{}
		for _, id := range []string{"p1", "p2", "p3"} {
			fs, err := st.FindingsOf(ctx, "default", id)
			if err != nil {
				t.Fatal(err)
			}
			out[id] = fs
		}
		return out
	}
	got := run()
	codes := func(fs []model.Finding) map[string]model.Finding {
		m := map[string]model.Finding{}
		for _, f := range fs {
			m[f.Code] = f
		}
		return m
	}
	p1 := codes(got["p1"])
	if _, ok := p1["SANCTIONS_NAME_MATCH"]; !ok {
		t.Errorf("p1 name not matched: %+v", got["p1"])
	}
	if f, ok := p1["SANCTIONS_VENDOR_MATCH"]; !ok || f.Details["source_id"] != "24977" || f.Evidence[0].Kind != model.EvListEntry || f.Evidence[0].ID != "us_ofac_sdn:24977" {
		t.Errorf("p1 vendor: %+v", f)
	}
	p2 := codes(got["p2"])
	if f, ok := p2["SANCTIONS_CRYPTO_ADDRESS"]; !ok || f.Evidence[1].ID != "e1" {
		t.Errorf("p2 crypto: %+v", got["p2"])
	}
	if _, ok := p2["SANCTIONS_PAYEE_MATCH"]; !ok {
		t.Errorf("p2 payee: %+v", got["p2"])
	}
	if _, ok := p2["SANCTIONS_NAME_MATCH"]; ok {
		t.Errorf("p2 name must not match: %+v", got["p2"])
	}
	// p3's birth date conflicts with the listed one: no alert
	if len(got["p3"]) != 0 {
		t.Errorf("p3 alerted despite conflicting birth date: %+v", got["p3"])
	}

	// clear p1's name hit; it must not come back
	if err := ClearHit(ctx, st, p1["SANCTIONS_NAME_MATCH"], "analyst@example.com", "different person", now); err != nil {
		t.Fatal(err)
	}
	got = run()
	p1 = codes(got["p1"])
	if _, ok := p1["SANCTIONS_NAME_MATCH"]; ok {
		t.Errorf("cleared hit alerted again")
	}
	if _, ok := p1["SANCTIONS_VENDOR_MATCH"]; !ok {
		t.Errorf("clearing the name hit removed the vendor hit")
	}
	// the subject changes (new birth date agreeing less): the hit comes back
	subjects[0].DateOfBirth = "1970"
	if err := st.UpsertSubjects(ctx, subjects[:1]); err != nil {
		t.Fatal(err)
	}
	got = run()
	if _, ok := codes(got["p1"])["SANCTIONS_NAME_MATCH"]; !ok {
		t.Errorf("changed subject did not re-alert: %+v", got["p1"])
	}
	if err := ClearHit(ctx, st, model.Finding{ID: "x", Detector: "other"}, "a", "", now); err == nil {
		t.Error("clearing a non-sanctions finding accepted")
	}
}

func TestFactoryUnavailableWithoutLists(t *testing.T) {
	eng, err := detect.NewEngine(detect.Deps{Services: map[string]any{}}, Name)
	if err != nil {
		t.Fatal(err)
	}
	if len(eng.Detectors()) != 0 {
		t.Errorf("detector built without lists")
	}
}
