package identity

import (
	"context"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/redflag-dev/redflag/internal/detect"
	"github.com/redflag-dev/redflag/internal/model"
	"github.com/redflag-dev/redflag/internal/store"
	"github.com/redflag-dev/redflag/internal/store/sqlstore"
)

var now = time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)

func day(d int) time.Time { return now.AddDate(0, 0, d) }

func worker(id, name, line, postal string) model.Subject {
	h := day(-60)
	return model.Subject{ID: id, Kind: model.KindEmployee, FullName: name, Status: "active", HireDate: &h,
		Address: model.Address{Line: line, City: "Springfield", Region: "IL", PostalCode: postal, Country: "US"}}
}

func ship(id, subject string, at time.Time, line, postal string) model.Event {
	return model.Event{ID: id, Kind: model.EvShipment, Time: at, SubjectID: subject, Source: "records/shipments",
		Shipment: &model.Shipment{ShipmentID: id, Item: "laptop", Address: model.Address{Line: line, City: "Springfield", Region: "IL", PostalCode: postal, Country: "US"}}}
}

func signin(id, subject, ip string, info *model.IPInfo) model.Event {
	if info != nil {
		info.IP = ip
	}
	return model.Event{ID: id, Kind: model.EvSignIn, Time: day(-1), SubjectID: subject, Source: "okta",
		SignIn: &model.SignIn{Provider: "okta", Login: subject, Outcome: "success", IP: ip, IPInfo: info}}
}

type result struct{ fs []model.Finding }

func run(t *testing.T, st store.Store, subjects []model.Subject, events []model.Event) result {
	t.Helper()
	d := New(DefaultConfig(), st)
	env := detect.NewEnv("default", subjects, now)
	col := detect.NewCollector()
	sort.Slice(events, func(i, j int) bool { return events[i].Time.Before(events[j].Time) })
	for i := range events {
		d.Observe(context.Background(), env, &events[i], col.Emit)
	}
	if err := d.Finish(context.Background(), env, col.Emit); err != nil {
		t.Fatal(err)
	}
	return result{col.Findings()}
}

func (r result) codes(subject string) []string {
	var out []string
	for _, f := range r.fs {
		if f.SubjectID == subject {
			out = append(out, f.Code)
		}
	}
	sort.Strings(out)
	return out
}

func (r result) has(subject, code string) bool {
	for _, c := range r.codes(subject) {
		if c == code {
			return true
		}
	}
	return false
}

func (r result) find(subject, code string) (model.Finding, bool) {
	for _, f := range r.fs {
		if f.SubjectID == subject && f.Code == code {
			return f, true
		}
	}
	return model.Finding{}, false
}

func TestLaptopFarmButNotFamilyOrMover(t *testing.T) {
	subjects := []model.Subject{
		worker("w1", "Ann Lee", "1 Oak St", "62701"),
		worker("w2", "Bob Ray", "2 Elm St", "62702"),
		worker("w3", "Cid Fox", "3 Ash St", "62703"),
		// a family: two workers at one home, laptops shipped home
		worker("f1", "Dana Kowalski", "9 Pine Avenue Apt 2", "62704"),
		worker("f2", "Piotr Kowalski", "9 Pine Ave #2", "62704"),
		// moved: record has the new home, the laptop went to the old one
		worker("m1", "Eve Moss", "77 New Rd", "62705"),
	}
	old := day(-900)
	subjects[5].HireDate = &old
	events := []model.Event{
		ship("s1", "w1", day(-50), "500 Farm Road", "62799"),
		ship("s2", "w2", day(-40), "500 Farm Rd.", "62799"),
		ship("s3", "w3", day(-30), "500 FARM RD", "62799-1234"),
		ship("s4", "f1", day(-50), "9 Pine Ave Apt 2", "62704"),
		ship("s5", "f2", day(-45), "9 Pine Avenue, Unit 2", "62704"),
		ship("s6", "m1", day(-903), "12 Old St", "62706"),
	}
	r := run(t, nil, subjects, events)
	for _, w := range []string{"w1", "w2", "w3"} {
		f, ok := r.find(w, Farm.Code)
		if !ok {
			t.Fatalf("%s: no farm finding: %v", w, r.codes(w))
		}
		if len(f.Evidence) != 4 || f.Evidence[0].Kind != model.EvIdentifier || !f.Time.Equal(day(-30)) {
			t.Errorf("%s: evidence %+v time %v", w, f.Evidence, f.Time)
		}
	}
	for _, s := range []string{"f1", "f2", "m1"} {
		if r.has(s, Farm.Code) || r.has(s, NotHome.Code) {
			t.Errorf("%s flagged: %v", s, r.codes(s))
		}
	}
	// a single recent hire shipped away from home is the weak O01 signal
	subjects = append(subjects, worker("n1", "Gus Hale", "4 Birch St", "62707"))
	events = append(events, ship("s7", "n1", day(-62), "88 Elsewhere Ln", "62708"))
	r = run(t, nil, subjects, events)
	if !r.has("n1", NotHome.Code) {
		t.Errorf("recent hire shipped away from home: %v", r.codes("n1"))
	}
	// an applicant with an offer: equipment to go elsewhere than the ID address
	ap := applicant("ap1", "Ola Nord", "", "", "", "offer")
	subjects = append(subjects, ap)
	events = append(events, ship("s8", "ap1", day(-2), "1 Forwarder Way", "62799"))
	r = run(t, nil, subjects, events)
	if !r.has("ap1", NotHome.Code) {
		t.Errorf("applicant shipped away from home: %v", r.codes("ap1"))
	}
}

func TestGenericShippingAddressIsNoFarm(t *testing.T) {
	var subjects []model.Subject
	var events []model.Event
	for i := 0; i < 30; i++ { // everyone's laptop goes to the office
		id := "w" + string(rune('a'+i%26)) + string(rune('a'+i/26))
		subjects = append(subjects, worker(id, "Person "+id, id+" Home St", "62701"))
		events = append(events, ship("s"+id, id, day(-10), "1 Corporate Plaza", "62700"))
	}
	r := run(t, nil, subjects, events)
	for _, f := range r.fs {
		if f.Code == Farm.Code {
			t.Fatalf("office address called a farm: %+v", f)
		}
	}
}

func TestSharedResidentialIPButNotVPNOrFamily(t *testing.T) {
	subjects := []model.Subject{
		worker("w1", "Ann Lee", "1 Oak St", "62701"), worker("w2", "Bob Ray", "2 Elm St", "62702"),
		worker("w3", "Cid Fox", "3 Ash St", "62703"), worker("w4", "Dee Orr", "4 Fir St", "62704"),
		worker("f1", "Dana Kowalski", "9 Pine Ave", "62709"), worker("f2", "Piotr Kowalski", "9 Pine Ave", "62709"),
	}
	res := &model.IPInfo{Residential: true, Country: "US"}
	vpn := func() *model.IPInfo { return &model.IPInfo{VPN: true, VPNOperator: "astrill"} }
	events := []model.Event{
		signin("e1", "w1", "198.51.100.9", &model.IPInfo{Residential: true}), signin("e2", "w2", "198.51.100.9", nil),
		signin("e3", "w3", "198.51.100.9", nil),
		// three unrelated people on one Astrill exit: shared infrastructure, not a farm
		signin("e4", "w1", "203.0.113.5", vpn()), signin("e5", "w2", "203.0.113.5", vpn()), signin("e6", "w4", "203.0.113.5", vpn()),
		// a family's home line
		signin("e7", "f1", "192.0.2.44", res), signin("e8", "f2", "192.0.2.44", &model.IPInfo{Residential: true}),
	}
	r := run(t, nil, subjects, events)
	for _, w := range []string{"w1", "w2", "w3"} {
		f, ok := r.find(w, FarmIP.Code)
		if !ok || f.Details["ip"] != "198.51.100.9" {
			t.Errorf("%s: %v %+v", w, r.codes(w), f)
		}
	}
	for _, s := range []string{"w4", "f1", "f2"} {
		if r.has(s, FarmIP.Code) {
			t.Errorf("%s flagged: %+v", s, r.fs)
		}
	}
}

func applicant(id, name, phone, email, resume, status string) model.Subject {
	return model.Subject{ID: id, Kind: model.KindApplicant, FullName: name, Phone: phone, Email: email, ResumeText: resume, Status: status,
		Address: model.Address{Line: id + " Main St", City: "Austin", Region: "TX", PostalCode: "73301", Country: "US"}}
}

const resumeA = "Senior full-stack developer with 9 years of experience. Skills: React, Node.js, Go, AWS, Kubernetes, PostgreSQL. Experience: Acme Payments (2017-2021), Globex (2021-present). Education: B.S. Computer Science, University of Texas."

func TestReuseAcrossNamesAndReapplication(t *testing.T) {
	subjects := []model.Subject{
		applicant("a1", "John Smith", "(512) 555-0101", "john.smith@gmail.com", resumeA, "rejected"),
		applicant("a2", "Wei Zhang", "+1 512 555 0101", "JohnSmith+jobs@googlemail.com", strings.Replace(resumeA, "years of experience", "years of hands-on experience", 1), "applied"),
		applicant("a3", "Maria Garcia", "+1 512 555 0199", "maria@proton.me", "Nurse with ten years in intensive care.", "applied"),
		// the same person twice (same name): not reuse
		applicant("a4", "Maria Garcia", "+1 512 555 0199", "mgarcia@proton.me", "", "applied"),
	}
	r := run(t, nil, subjects, nil)
	for _, c := range []string{SharedPhone.Code, SharedEmail.Code, SharedResume.Code, Reapplied.Code} {
		if !r.has("a2", c) {
			t.Errorf("a2 lacks %s: %v", c, r.codes("a2"))
		}
	}
	for _, c := range []string{SharedPhone.Code, SharedEmail.Code, SharedResume.Code} {
		if !r.has("a1", c) {
			t.Errorf("a1 lacks %s: %v", c, r.codes("a1"))
		}
	}
	if r.has("a1", Reapplied.Code) {
		t.Error("the rejected identity itself got the re-application finding")
	}
	if c := r.codes("a3"); len(c) != 0 {
		t.Errorf("same person's two records flagged: %v", c)
	}
	f, _ := r.find("a2", SharedPhone.Code)
	if f.Evidence[0].ID != "phone:+15125550101" || f.Evidence[len(f.Evidence)-1].ID != "a1" {
		t.Errorf("phone evidence: %+v", f.Evidence)
	}
}

func TestSharedMFAAndReferralChain(t *testing.T) {
	subjects := []model.Subject{
		worker("w1", "Ann Lee", "1 Oak St", "62701"), worker("w2", "Bob Ray", "2 Elm St", "62702"),
		worker("w3", "Cid Fox", "3 Ash St", "62703"),
	}
	// w3 refers two look-alike applicants (same phone), one of whom refers a third
	c1 := applicant("c1", "Tom Hill", "+1 512 555 0111", "", "", "applied")
	c2 := applicant("c2", "Tim Hull", "+1 512 555 0111", "", "", "applied")
	c3 := applicant("c3", "Sam Pike", "+1 512 555 0177", "", "", "applied")
	c1.ReferrerID, c2.ReferrerID, c3.ReferrerID = "w3", "w3", "c1"
	subjects = append(subjects, c1, c2, c3)
	mfa := func(id, s string) model.Event {
		e := signin(id, s, "", nil)
		e.SignIn.MFADeviceID = "guo-OKTA-123"
		return e
	}
	r := run(t, nil, subjects, []model.Event{mfa("m1", "w1"), mfa("m2", "w2")})
	if !r.has("w1", SharedMFA.Code) || !r.has("w2", SharedMFA.Code) || r.has("w3", SharedMFA.Code) {
		t.Errorf("MFA: %v %v %v", r.codes("w1"), r.codes("w2"), r.codes("w3"))
	}
	if !r.has("w3", Lookalikes.Code) {
		t.Errorf("w3 refers look-alikes: %v", r.codes("w3"))
	}
	f, ok := r.find("c3", Referred.Code)
	if !ok || f.Details["chain"] != "c1" {
		t.Errorf("c3 referred by flagged c1: %+v %v", f, r.codes("c3"))
	}
	f, ok = r.find("c1", Referred.Code)
	if !ok || f.Details["flagged"] != "w3" {
		t.Errorf("c1 referred by flagged w3: %+v", f)
	}
}

func TestExpansionFromConfirmedCase(t *testing.T) {
	ctx := context.Background()
	st, err := sqlstore.OpenSQLite(ctx, filepath.Join(t.TempDir(), "t.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	subjects := []model.Subject{
		worker("x", "Xi Confirmed", "1 Oak St", "62701"), worker("y", "Yan Linked", "2 Elm St", "62702"),
		worker("z", "Zed Twohops", "3 Ash St", "62703"), worker("q", "Quin Far", "4 Fir St", "62704"),
		worker("r", "Rae Referred", "5 Yew St", "62705"),
	}
	subjects[4].ReferrerID = "x"
	if err := st.PutCase(ctx, model.Case{Tenant: "default", ID: "case1", Title: "t", SubjectIDs: []string{"x"}, State: model.CaseConfirmed, OpenedAt: now, UpdatedAt: now}); err != nil {
		t.Fatal(err)
	}
	pay := func(id, s, fp string) model.Event {
		return model.Event{ID: id, Kind: model.EvPayroll, Time: day(-5), SubjectID: s, Payroll: &model.Payroll{Event: "payment", AccountFP: fp}}
	}
	dev := func(id, s, d string) model.Event {
		return model.Event{ID: id, Kind: model.EvDevice, Time: day(-5), SubjectID: s, Device: &model.Device{DeviceID: d}}
	}
	events := []model.Event{pay("p1", "x", "bank:aa"), pay("p2", "y", "bank:aa"), dev("d1", "y", "dev-7"), dev("d2", "z", "dev-7"),
		dev("d3", "z", "dev-8"), dev("d4", "q", "dev-8")}
	r := run(t, st, subjects, events)
	f, ok := r.find("y", Confirmed.Code)
	if !ok || f.Severity != 1 || f.Details["via"] != "bank_account:bank:aa" {
		t.Errorf("y: %+v %v", f, r.codes("y"))
	}
	f, ok = r.find("z", Confirmed.Code)
	if !ok || f.Severity != 0.5 || f.Details["from"] != "y" {
		t.Errorf("z: %+v", f)
	}
	if r.has("q", Confirmed.Code) || r.has("x", Confirmed.Code) {
		t.Errorf("q (3 hops) or x (the case) raised: %v %v", r.codes("q"), r.codes("x"))
	}
	if f, ok := r.find("r", Confirmed.Code); !ok || f.Details["via"] != "referral" {
		t.Errorf("referee of the confirmed subject: %+v", f)
	}
	// the confirmed subject is flagged, so its referee's chain is too
	if !r.has("r", Referred.Code) {
		t.Errorf("r referred by a confirmed subject: %v", r.codes("r"))
	}
}

func TestFindingsAreStable(t *testing.T) {
	subjects := []model.Subject{
		applicant("a1", "John Smith", "(512) 555-0101", "", resumeA, "rejected"),
		applicant("a2", "Wei Zhang", "+1 512 555 0101", "", resumeA, "applied"),
	}
	a, b := run(t, nil, subjects, nil), run(t, nil, []model.Subject{subjects[1], subjects[0]}, nil)
	if len(a.fs) == 0 || len(a.fs) != len(b.fs) {
		t.Fatalf("%d vs %d findings", len(a.fs), len(b.fs))
	}
	for i := range a.fs {
		if a.fs[i].ID != b.fs[i].ID {
			t.Errorf("finding %d: %s vs %s", i, a.fs[i].ID, b.fs[i].ID)
		}
	}
}
