package payroll

import (
	"context"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/redflag-dev/redflag/internal/detect"
	"github.com/redflag-dev/redflag/internal/detect/applicant"
	"github.com/redflag-dev/redflag/internal/model"
)

var now = time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)

func day(d int) time.Time { return now.AddDate(0, 0, d) }

func person(id, name string, kind model.SubjectKind, hire int) model.Subject {
	h := day(hire)
	return model.Subject{ID: id, FullName: name, Kind: kind, HireDate: &h, Address: model.Address{Line: "1 Main St", City: "Austin", PostalCode: "73301", Country: "US"}}
}

func pay(id, s string, d int, event string, p model.Payroll) model.Event {
	p.Event = event
	return model.Event{ID: id, Kind: model.EvPayroll, Time: day(d), SubjectID: s, Source: "records/payroll", Payroll: &p}
}

type fakeLists struct{}

func (fakeLists) LookupCryptoAddress(a string) (applicant.Hit, bool) {
	if strings.EqualFold(a, "0x098B716B8Aaf21512996dC57EB0615e2383E2f96") {
		return applicant.Hit{List: "ofac_sdn", Entry: "LAZARUS GROUP", Score: 1}, true
	}
	return applicant.Hit{}, false
}

func (fakeLists) LookupEntity(name string) (applicant.Hit, bool) {
	if strings.Contains(strings.ToLower(name), "silver star") {
		return applicant.Hit{List: "front_companies", Entry: "YANBIAN SILVERSTAR NETWORK TECHNOLOGY CO. LTD.", Score: 0.9}, true
	}
	return applicant.Hit{}, false
}

func run(t *testing.T, lists applicant.Lookups, subjects []model.Subject, events []model.Event) map[string][]model.Finding {
	t.Helper()
	d := New(DefaultConfig(), lists)
	env := detect.NewEnv("default", subjects, now)
	col := detect.NewCollector()
	sort.SliceStable(events, func(i, j int) bool { return events[i].Time.Before(events[j].Time) })
	for i := range events {
		d.Observe(context.Background(), env, &events[i], col.Emit)
	}
	if err := d.Finish(context.Background(), env, col.Emit); err != nil {
		t.Fatal(err)
	}
	out := map[string][]model.Finding{}
	for _, f := range col.Findings() {
		out[f.SubjectID] = append(out[f.SubjectID], f)
	}
	return out
}

func get(fs []model.Finding, code string) (model.Finding, bool) {
	for _, f := range fs {
		if f.Code == code {
			return f, true
		}
	}
	return model.Finding{}, false
}

func codes(fs []model.Finding) []string {
	var out []string
	for _, f := range fs {
		out = append(out, f.Code)
	}
	sort.Strings(out)
	return out
}

func TestSharedAccountHolderAndChanges(t *testing.T) {
	subjects := []model.Subject{
		person("w1", "Ann Lee", model.KindEmployee, -40), person("w2", "Bob Ray", model.KindContractor, -35),
		person("w3", "Cara Diaz", model.KindEmployee, -400), person("w4", "Dan Wu", model.KindEmployee, -400),
	}
	own := func(name, fp string) model.Payroll {
		return model.Payroll{AccountFP: fp, AccountHolder: name, BankCountry: "US", Rail: "ach"}
	}
	fac := model.Payroll{AccountFP: "bank:fac", AccountHolder: "Mark Facilitator", BankCountry: "US", Rail: "ach"}
	events := []model.Event{
		pay("e1", "w1", -40, "account_added", own("Ann Lee", "bank:a")), pay("e2", "w1", -31, "account_changed", fac), pay("e3", "w1", -1, "payment", fac),
		pay("e4", "w2", -35, "account_added", own("Bob Ray", "bank:b")), pay("e5", "w2", -26, "account_changed", fac),
		// Cara: holder "C. Diaz" and later "Diaz Cara" are her, three changes in 60 days
		pay("e6", "w3", -80, "account_changed", own("C. Diaz", "bank:c1")), pay("e7", "w3", -50, "account_changed", own("Diaz, Cara", "bank:c2")),
		pay("e8", "w3", -20, "account_changed", own("Cara Diaz", "bank:c3")),
		pay("e9", "w4", -10, "payment", own("Dan Wu", "bank:d")),
	}
	got := run(t, applicant.Lookups{}, subjects, events)
	for _, w := range []string{"w1", "w2"} {
		for _, c := range []string{SharedAccount.Code, SharedHolder.Code, HolderMismatch.Code, ChangeAfterHire.Code} {
			if _, ok := get(got[w], c); !ok {
				t.Errorf("%s lacks %s: %v", w, c, codes(got[w]))
			}
		}
	}
	f, _ := get(got["w1"], SharedAccount.Code)
	if f.Evidence[0].ID != "bank_account:bank:fac" || f.Details["count"] != "2" {
		t.Errorf("shared account evidence %+v", f)
	}
	if f, ok := get(got["w3"], FrequentChanges.Code); !ok || f.Details["changes"] != "3" {
		t.Errorf("w3 frequent changes: %v", codes(got["w3"]))
	}
	if _, ok := get(got["w3"], HolderMismatch.Code); ok {
		t.Errorf("initials / reordered name called a mismatch: %v", codes(got["w3"]))
	}
	if len(got["w4"]) != 0 {
		t.Errorf("w4 clean but got %v", codes(got["w4"]))
	}
}

func TestRailsCountryCryptoAndVendor(t *testing.T) {
	emp := person("e1", "Eve Adams", model.KindEmployee, -300)
	con := person("c1", "Carl Burns", model.KindContractor, -300)
	ven := person("v1", "Vic Cole", model.KindContractor, -300)
	ven.StaffingVendor = "Yanbian Silver Star Network Technology Co."
	events := []model.Event{
		pay("p1", "e1", -20, "payment", model.Payroll{AccountFP: "bank:py", AccountHolder: "Eve Adams", Rail: "payoneer", BankCountry: "HK"}),
		pay("p2", "c1", -20, "payment", model.Payroll{Rail: "crypto", CryptoAsset: "ETH", CryptoAddress: "0x098b716b8aaf21512996dc57eb0615e2383e2f96", AccountHolder: "Carl Burns"}),
	}
	got := run(t, applicant.Lookups{Crypto: fakeLists{}, Entity: fakeLists{}}, []model.Subject{emp, con, ven}, events)
	if f, ok := get(got["e1"], PlatformRail.Code); !ok || f.Severity != 1 {
		t.Errorf("employee on Payoneer: %+v", f)
	}
	if _, ok := get(got["e1"], BankCountry.Code); !ok {
		t.Errorf("HK bank for a US resident: %v", codes(got["e1"]))
	}
	if f, ok := get(got["c1"], CryptoRail.Code); !ok || f.Severity != DefaultConfig().ContractorSeverity {
		t.Errorf("contractor crypto severity: %+v", f)
	}
	if f, ok := get(got["c1"], CryptoOFAC.Code); !ok || f.Evidence[1].ID != "ofac_sdn:LAZARUS GROUP" {
		t.Errorf("OFAC crypto: %+v", f)
	}
	if f, ok := get(got["v1"], SanctionedPayee.Code); !ok || f.Details["list"] != "front_companies" {
		t.Errorf("front-company vendor: %v", codes(got["v1"]))
	}
	// without the list services the list checks stay silent
	got = run(t, applicant.Lookups{}, []model.Subject{emp, con, ven}, events)
	if _, ok := get(got["c1"], CryptoOFAC.Code); ok || len(got["v1"]) != 0 {
		t.Error("list findings without lists")
	}
}

func TestPooledAccountIsGeneric(t *testing.T) {
	var subjects []model.Subject
	var events []model.Event
	for i := 0; i < 40; i++ {
		id := "w" + string(rune('A'+i))
		subjects = append(subjects, person(id, "Person "+id, model.KindEmployee, -300))
		events = append(events, pay("p"+id, id, -3, "payment", model.Payroll{AccountFP: "bank:pool", AccountHolder: "Person " + id}))
	}
	for s, fs := range run(t, applicant.Lookups{}, subjects, events) {
		if _, ok := get(fs, SharedAccount.Code); ok {
			t.Fatalf("%s: a pooled account shared by 40 called a shared account", s)
		}
	}
}
