package applicant

import (
	"context"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/redflag-dev/redflag/internal/detect"
	idn "github.com/redflag-dev/redflag/internal/identity"
	"github.com/redflag-dev/redflag/internal/indicators"
	"github.com/redflag-dev/redflag/internal/model"
)

var now = time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)

type fakeLists struct{}

func (fakeLists) LookupDomain(d string) (Hit, bool) {
	if d == "inditechlab.com" {
		return Hit{List: "seized_domains", Entry: "inditechlab.com", Score: 1, Note: "seized 2024-10-10"}, true
	}
	return Hit{}, false
}

func iv(id, s, step, result string, at int, ip *model.IPInfo, cam *float64) model.Event {
	return model.Event{ID: id, Kind: model.EvInterview, Time: now.AddDate(0, 0, at), SubjectID: s, Source: "records/interviews",
		Interview: &model.Interview{Step: step, Result: result, IPInfo: ip, CameraOnRatio: cam}}
}

func run(t *testing.T, d *Detector, subjects []model.Subject, events []model.Event) map[string][]model.Finding {
	t.Helper()
	env := detect.NewEnv("default", subjects, now)
	col := detect.NewCollector()
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

func codes(fs []model.Finding) string {
	var out []string
	for _, f := range fs {
		out = append(out, f.Code)
	}
	sort.Strings(out)
	return strings.Join(out, " ")
}

func applicantIn(id, name, country string) model.Subject {
	return model.Subject{ID: id, Kind: model.KindApplicant, FullName: name, Status: "applied",
		Address: model.Address{Line: "1 Main St", City: "Austin", PostalCode: "73301", Country: country}}
}

func TestRecordChecks(t *testing.T) {
	a := applicantIn("a1", "Chong Song-hwa", "US")
	a.DateOfBirth = "1970-02-05"
	a.Email = "chong@mailinator.com"
	a.Phone = "+44 56 1234 5678" // GB VoIP, claimed US
	a.ResumeText = "Go developer. Portfolio: https://www.inditechlab.com/team. Education: B.S., Kim Il Sung University, Pyongyang."
	b := applicantIn("a2", "Jane Roe", "US")
	b.Email = "jane.roe@gmail.com"
	b.Phone = "(512) 555-0100"
	b.ResumeText = "Backend engineer. Education: University of Texas. Experience: Dell, Austin, USA."
	d := New(DefaultConfig(), nil, Lookups{Domain: fakeLists{}})
	got := run(t, d, []model.Subject{a, b}, nil)
	want := "APP_DISPOSABLE_EMAIL APP_EDUCATION_COUNTRY_MISMATCH APP_PHONE_COUNTRY_MISMATCH APP_SEIZED_DOMAIN APP_VOIP_PHONE"
	if c := codes(got["a1"]); c != want {
		t.Errorf("a1: %s\nwant %s", c, want)
	}
	if c := codes(got["a2"]); c != "" {
		t.Errorf("a2 clean but got %s", c)
	}
	for _, f := range got["a1"] {
		if f.Code == EducationCountry.Code && f.Details["resume_countries"] != "KP" {
			t.Errorf("education countries %q", f.Details["resume_countries"])
		}
	}
}

func TestInterviewChecksAndChecklist(t *testing.T) {
	low, high := 0.1, 0.95
	h := now.AddDate(0, 0, -30)
	w := model.Subject{ID: "w1", Kind: model.KindContractor, FullName: "Wen Li", HireDate: &h, Address: model.Address{Line: "1 Main", City: "Austin", Country: "US"}}
	old := model.Subject{ID: "w2", Kind: model.KindEmployee, FullName: "Old Timer", Address: model.Address{Line: "2 Main", City: "Austin", Country: "US"}}
	a := applicantIn("a1", "Ann Bell", "US")
	events := []model.Event{
		iv("i1", "a1", "video_interview", "pass", -40, &model.IPInfo{IP: "142.214.202.2", VPN: true, VPNOperator: "astrill"}, &low),
		iv("i2", "a1", "id_document", "fail", -39, nil, nil),
		iv("i3", "w1", "video_interview", "pass", -60, &model.IPInfo{IP: "175.0.0.9", Country: "CN"}, &high),
		iv("i4", "w1", "id_document", "pass", -58, nil, nil),
		iv("i5", "w1", "in_person", "refused", -57, nil, nil),
	}
	d := New(DefaultConfig(), nil, Lookups{})
	got := run(t, d, []model.Subject{w, old, a}, events)
	if c := codes(got["a1"]); c != "APP_CAMERA_REFUSED APP_INTERVIEW_VPN APP_VERIFICATION_FAILED" {
		t.Errorf("a1: %s", c)
	}
	if c := codes(got["w1"]); c != "APP_HIRED_UNVERIFIED APP_INTERVIEW_COUNTRY_MISMATCH APP_VERIFICATION_REFUSED" {
		t.Errorf("w1: %s", c)
	}
	if len(got["w2"]) != 0 {
		t.Errorf("a worker without hiring records got %s", codes(got["w2"]))
	}
	for _, f := range got["w1"] {
		if f.Code == HiredUnverified.Code && f.Details["steps"] != "liveness=missing,background_check=missing" {
			t.Errorf("missing steps %q", f.Details["steps"])
		}
	}
	// verdicts
	v := Screen(&a, got["a1"], d.StepResults("a1"), d.Required())
	if v.Decision != Block || v.Onboarding != "blocked" || v.Reasons[0].Strength != model.Strong {
		t.Errorf("a1 verdict %+v", v)
	}
	clean := applicantIn("a3", "Cleo Park", "US")
	steps := map[string]StepResult{}
	for _, s := range d.Required() {
		steps[s] = StepResult{Step: s, Result: "pass"}
	}
	if v := Screen(&clean, nil, steps, d.Required()); v.Decision != Clear || v.Onboarding != "allowed" || len(v.Pending) != 0 {
		t.Errorf("clean verdict %+v", v)
	}
	delete(steps, "liveness")
	if v := Screen(&clean, nil, steps, d.Required()); v.Decision != Review || v.Onboarding != "blocked" || strings.Join(v.Pending, ",") != "liveness" {
		t.Errorf("pending verdict %+v", v)
	}
	weak := []model.Finding{{Code: "APP_EDUCATION_COUNTRY_MISMATCH", Strength: model.Weak}}
	steps["liveness"] = StepResult{Step: "liveness", Result: "pass"}
	if v := Screen(&clean, weak, steps, d.Required()); v.Decision != Review || v.Onboarding != "allowed" {
		t.Errorf("weak-reason verdict %+v", v)
	}
}

func TestDisposableFromStoreList(t *testing.T) {
	set, err := idn.ParseDomainData([]byte(`["brand-new-burner.example"]`))
	if err != nil {
		t.Fatal(err)
	}
	d := New(DefaultConfig(), set, Lookups{})
	a := applicantIn("a1", "Ann Bell", "US")
	a.Email = "ann@x.brand-new-burner.example"
	if c := codes(run(t, d, []model.Subject{a}, nil)["a1"]); c != "APP_DISPOSABLE_EMAIL" {
		t.Errorf("got %q", c)
	}
}

func TestResumeCountries(t *testing.T) {
	if !SameRegion("us", "CA") || !SameRegion("DE", "PL") || SameRegion("RS", "SK") || SameRegion("US", "KP") {
		t.Error("SameRegion")
	}
	for text, want := range map[string]string{
		"B.S. Computer Science, IIT Bombay; worked in Bangalore": "IN",
		"University of Belgrade (Serbia), residency in Slovakia": "RS,SK",
		"Studied at the University of Texas":                     "",
		"Misleading word: chinaware and koreanbbq":               "",
	} {
		if got := strings.Join(ResumeCountries(text), ","); got != want {
			t.Errorf("%q: %q, want %q", text, got, want)
		}
	}
}

func TestLookupsFromIndicatorPack(t *testing.T) {
	p, err := indicators.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	l := LookupsFrom(map[string]any{detect.SvcIndicators: p})
	if h, ok := l.Domain.LookupDomain("inditechlab.com"); !ok || h.List != "indicators/domain" {
		t.Errorf("seized domain: %+v %v", h, ok)
	}
	if _, ok := l.Domain.LookupDomain("gmail.com"); ok {
		t.Error("gmail.com is not seized")
	}
	if h, ok := l.Crypto.LookupCryptoAddress("0x098b716b8aaf21512996dc57eb0615e2383e2f96"); !ok || !strings.Contains(h.Note, "LAZARUS") {
		t.Errorf("OFAC crypto: %+v %v", h, ok)
	}
	if h, ok := l.Entity.LookupEntity("Yanbian Silverstar Network Technology Co., Ltd"); !ok || !strings.Contains(h.Entry, "YANBIAN") {
		t.Errorf("front company: %+v %v", h, ok)
	}
	// with the sanctions service present, designated entries are left to it
	l = LookupsFrom(map[string]any{detect.SvcIndicators: p, detect.SvcSanctions: struct{}{}})
	if l.Crypto != nil {
		t.Error("crypto look-up kept although the sanctions detector screens crypto addresses")
	}
	if _, ok := l.Entity.LookupEntity("Yanbian Silverstar Network Technology Co., Ltd"); ok {
		t.Error("OFAC-designated entity looked up twice")
	}
	if _, ok := l.Domain.LookupDomain("inditechlab.com"); !ok {
		t.Error("domains are not screened by the sanctions detector and must stay")
	}
}
