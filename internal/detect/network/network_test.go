package network

import (
	"context"
	"fmt"
	"sort"
	"testing"
	"time"

	"github.com/redflag-dev/redflag/internal/detect"
	"github.com/redflag-dev/redflag/internal/model"
)

var t0 = time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC) // a Monday

type fx struct {
	subjects []model.Subject
	events   []model.Event
	n        int
}

func (f *fx) subject(id, country, region, tz string) *model.Subject {
	f.subjects = append(f.subjects, model.Subject{ID: id, Kind: model.KindEmployee, Address: model.Address{Country: country, Region: region}, ClaimedTimezone: tz})
	return &f.subjects[len(f.subjects)-1]
}

type opt func(*model.SignIn)

func ip(a string) opt { return func(s *model.SignIn) { s.IP = a } }
func geo(c, r string, lat, lon float64) opt {
	return func(s *model.SignIn) {
		s.IPInfo.Country, s.IPInfo.Region, s.IPInfo.Lat, s.IPInfo.Lon, s.IPInfo.HasCoords = c, r, lat, lon, true
	}
}
func asn(n uint32) opt { return func(s *model.SignIn) { s.IPInfo.ASN = n } }
func vpn(op string) opt {
	return func(s *model.SignIn) { s.IPInfo.VPN, s.IPInfo.VPNOperator = true, op }
}
func corp() opt          { return func(s *model.SignIn) { s.IPInfo.Corporate = true } }
func mfa(dev string) opt { return func(s *model.SignIn) { s.MFADeviceID = dev } }
func sess(id string) opt { return func(s *model.SignIn) { s.SessionID = id } }
func managed(b bool) opt { return func(s *model.SignIn) { s.Managed = &b } }

var us = geo("US", "California", 37.77, -122.42)

func (f *fx) signin(subject string, at time.Time, opts ...opt) {
	f.n++
	s := &model.SignIn{Provider: "okta", Login: subject + "@corp", EventType: "user.session.start", Outcome: "success", IP: "73.0.0." + fmt.Sprint(len(subject)), IPInfo: &model.IPInfo{}}
	us(s)
	for _, o := range opts {
		o(s)
	}
	f.events = append(f.events, model.Event{ID: fmt.Sprintf("e%05d", f.n), Kind: model.EvSignIn, Time: at, SubjectID: subject, Source: "okta", SignIn: s})
}

func (f *fx) run(t *testing.T, cfg Config) map[string]map[string]model.Finding {
	t.Helper()
	d, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	sort.SliceStable(f.events, func(i, j int) bool { return f.events[i].Time.Before(f.events[j].Time) })
	env := detect.NewEnv("default", f.subjects, t0)
	col := detect.NewCollector()
	eng := detect.NewEngineWith(d)
	for i := range f.events {
		eng.Observe(context.Background(), env, &f.events[i], col.Emit)
	}
	if err := eng.Finish(context.Background(), env, col.Emit); err != nil {
		t.Fatal(err)
	}
	out := map[string]map[string]model.Finding{}
	for _, fd := range col.Findings() {
		if out[fd.SubjectID] == nil {
			out[fd.SubjectID] = map[string]model.Finding{}
		}
		if len(fd.Evidence) == 0 {
			t.Errorf("%s %s: no evidence", fd.SubjectID, fd.Code)
		}
		out[fd.SubjectID][fd.Code] = fd
	}
	return out
}

func has(got map[string]map[string]model.Finding, subject, code string) bool {
	_, ok := got[subject][code]
	return ok
}

// workdays adds sign-ins every hour of a working day (9..17 local at the
// given UTC offset) for n days.
func (f *fx) workdays(subject string, days, utcOffset, startLocal, endLocal int, opts ...opt) {
	for d := 0; d < days; d++ {
		day := t0.AddDate(0, 0, d)
		if wd := day.Weekday(); wd == time.Saturday || wd == time.Sunday {
			continue
		}
		for h := startLocal; h <= endLocal; h++ {
			f.signin(subject, day.Add(time.Duration(h-utcOffset)*time.Hour+5*time.Minute), opts...)
		}
	}
}

func TestVPNAndAstrill(t *testing.T) {
	f := &fx{}
	f.subject("ast", "US", "CA", "")
	f.subject("vpn", "US", "CA", "")
	f.subject("once", "US", "CA", "")
	f.signin("ast", t0, vpn("astrill"))
	f.signin("vpn", t0, vpn(""))
	f.signin("vpn", t0.Add(time.Hour), vpn(""))
	f.signin("once", t0, vpn(""))
	got := f.run(t, Defaults())
	if !has(got, "ast", CodeAstrill) || has(got, "ast", CodeVPN) {
		t.Errorf("astrill: %v", got["ast"])
	}
	if !has(got, "vpn", CodeVPN) || has(got, "vpn", CodeAstrill) {
		t.Errorf("vpn: %v", got["vpn"])
	}
	if has(got, "once", CodeVPN) {
		t.Error("a single VPN sign-in is below vpn_min_signins")
	}
	if got["ast"][CodeAstrill].Strength != model.Strong || got["vpn"][CodeVPN].Strength != model.Moderate {
		t.Error("Astrill must be the stronger reason")
	}
}

func TestCountryMismatchTravelAndCorporate(t *testing.T) {
	f := &fx{}
	f.subject("cn", "US", "CA", "")
	f.subject("fr", "US", "CA", "")
	f.subject("trav", "US", "CA", "")
	f.subject("corp", "US", "CA", "")
	for i := 0; i < 3; i++ {
		at := t0.Add(time.Duration(i) * 48 * time.Hour)
		f.signin("cn", at, geo("CN", "Liaoning", 41.8, 123.4))
		f.signin("fr", at, geo("FR", "", 48.85, 2.35))
		f.signin("trav", at, geo("FR", "", 48.85, 2.35))
		f.signin("corp", at, geo("SG", "", 1.3, 103.8), corp())
	}
	cfg := Defaults()
	cfg.Travel = []Travel{{Subject: "trav", Country: "FR", From: "2026-03-01", To: "2026-03-10"}}
	got := f.run(t, cfg)
	if !has(got, "cn", CodeHighRiskGeo) {
		t.Errorf("cn: %v", got["cn"])
	}
	if !has(got, "fr", CodeCountry) || has(got, "fr", CodeHighRiskGeo) {
		t.Errorf("fr: %v", got["fr"])
	}
	if len(got["trav"]) != 0 {
		t.Errorf("registered travel must not be flagged: %v", got["trav"])
	}
	if len(got["corp"]) != 0 {
		t.Errorf("corporate egress must not be flagged: %v", got["corp"])
	}
}

func TestRegionMismatch(t *testing.T) {
	f := &fx{}
	f.subject("far", "US", "NY", "")
	f.subject("home", "US", "CA", "")
	for i := 0; i < 10; i++ {
		at := t0.Add(time.Duration(i) * 24 * time.Hour)
		f.signin("far", at) // California egress, New York address
		f.signin("home", at)
	}
	got := f.run(t, Defaults())
	if !has(got, "far", CodeRegion) || got["far"][CodeRegion].Details["observed_region"] != "CA" {
		t.Errorf("far: %v", got["far"])
	}
	if has(got, "home", CodeRegion) {
		t.Errorf("home: %v", got["home"])
	}
}

func TestImpossibleTravel(t *testing.T) {
	f := &fx{}
	f.subject("jump", "US", "CA", "")
	f.subject("fly", "US", "CA", "")
	f.signin("jump", t0)
	f.signin("jump", t0.Add(2*time.Hour), geo("US", "New York", 40.7, -74.0)) // 4,100 km in 2 h
	f.signin("fly", t0)
	f.signin("fly", t0.Add(6*time.Hour), geo("US", "New York", 40.7, -74.0)) // ~690 km/h
	got := f.run(t, Defaults())
	if !has(got, "jump", CodeImpossible) || len(got["jump"][CodeImpossible].Evidence) != 2 {
		t.Errorf("jump: %v", got["jump"])
	}
	if has(got, "fly", CodeImpossible) {
		t.Errorf("fly: %v", got["fly"])
	}
}

func TestMultiCountryAndASN(t *testing.T) {
	f := &fx{}
	f.subject("multi", "US", "CA", "")
	f.subject("spread", "US", "CA", "")
	f.subject("asns", "US", "CA", "")
	f.signin("multi", t0)
	f.signin("multi", t0.Add(10*time.Hour), geo("MX", "", 19.4, -99.1))
	f.signin("spread", t0)
	f.signin("spread", t0.Add(30*time.Hour), geo("MX", "", 19.4, -99.1))
	for i := uint32(0); i < 4; i++ {
		f.signin("asns", t0.Add(time.Duration(i)*time.Hour), asn(100+i))
	}
	cfg := Defaults()
	cfg.GeoMinSignIns = 5 // isolate the window rule from the country rule
	got := f.run(t, cfg)
	if !has(got, "multi", CodeMultiCountry) || got["multi"][CodeMultiCountry].Details["countries"] != "MX,US" {
		t.Errorf("multi: %v", got["multi"])
	}
	if has(got, "spread", CodeMultiCountry) {
		t.Errorf("30 h apart is outside the 24 h window: %v", got["spread"])
	}
	if !has(got, "asns", CodeMultiASN) || has(got, "multi", CodeMultiASN) {
		t.Errorf("asns: %v / %v", got["asns"], got["multi"])
	}
}

func TestLaptopFarmSharedIP(t *testing.T) {
	f := &fx{}
	for _, s := range []string{"w1", "w2", "w3", "solo", "v1", "v2", "c1", "c2", "old1", "old2", "fam1", "fam2"} {
		f.subject(s, "US", "CA", "").Address.Line = s + " Main St"
	}
	f.subjects[len(f.subjects)-1].Address = f.subjects[len(f.subjects)-2].Address // a family at one home
	for i := 0; i < 13; i++ {                                                     // an unregistered office NAT: too many accounts for a farm
		id := fmt.Sprintf("office%d", i)
		f.subject(id, "US", "CA", "").Address.Line = id
		f.signin(id, t0, ip("73.9.9.9"))
	}
	f.signin("fam1", t0, ip("73.8.8.8"))
	f.signin("fam2", t0, ip("73.8.8.8"))
	f.signin("w1", t0, ip("73.5.5.5"))
	f.signin("w2", t0.Add(time.Hour), ip("73.5.5.5"))
	f.signin("w3", t0.Add(48*time.Hour), ip("73.5.5.5"))
	f.signin("solo", t0, ip("73.6.6.6"))
	f.signin("v1", t0, ip("38.170.181.1"), vpn("astrill")) // VPN exits are shared by strangers
	f.signin("v2", t0, ip("38.170.181.1"), vpn("astrill"))
	f.signin("c1", t0, ip("203.0.113.9"), corp())
	f.signin("c2", t0, ip("203.0.113.9"), corp())
	f.signin("old1", t0, ip("73.7.7.7"))
	f.signin("old2", t0.Add(90*24*time.Hour), ip("73.7.7.7"))
	got := f.run(t, Defaults())
	for _, s := range []string{"w1", "w2", "w3"} {
		fd, ok := got[s][CodeSharedIP]
		if !ok || fd.Details["accounts"] != "3" {
			t.Errorf("%s: %v", s, got[s])
		}
	}
	for _, s := range []string{"solo", "v1", "c1", "old1", "old2", "fam1", "fam2", "office0"} {
		if has(got, s, CodeSharedIP) {
			t.Errorf("%s flagged: %v", s, got[s][CodeSharedIP])
		}
	}
	// The finding links the other subjects.
	ev := got["w1"][CodeSharedIP].Evidence
	var subs int
	for _, e := range ev {
		if e.Kind == model.EvSubject {
			subs++
		}
	}
	if subs != 2 || ev[0].ID != "ip:73.5.5.5" {
		t.Errorf("evidence %v", ev)
	}
}

func TestSharedMFADevice(t *testing.T) {
	f := &fx{}
	for _, s := range []string{"a", "b", "c"} {
		f.subject(s, "US", "CA", "")
	}
	f.signin("a", t0, mfa("phone-1"))
	f.signin("b", t0.Add(time.Hour), mfa("PHONE-1"))
	f.signin("c", t0, mfa("phone-2"))
	got := f.run(t, Defaults())
	if !has(got, "a", CodeSharedMFA) || !has(got, "b", CodeSharedMFA) || has(got, "c", CodeSharedMFA) {
		t.Errorf("mfa: %v", got)
	}
}

func TestActivityHours(t *testing.T) {
	f := &fx{}
	f.subject("kp", "US", "NY", "America/New_York")
	f.subject("normal", "US", "NY", "America/New_York")
	f.subject("owl", "US", "NY", "America/New_York")
	f.subject("few", "US", "NY", "America/New_York")
	f.subject("cn", "CN", "", "Asia/Shanghai")
	f.workdays("kp", 14, 9, 9, 18)      // Pyongyang office hours
	f.workdays("normal", 14, -5, 9, 17) // New York office hours
	f.workdays("owl", 14, -5, 13, 24)   // late riser, works past midnight
	f.workdays("owl", 3, -5, 0, 1)
	f.subject("evening", "US", "NY", "America/New_York")
	f.workdays("evening", 21, -5, 19, 23) // evenings Monday-Friday: in UTC+8 that is Tuesday-Saturday mornings
	f.workdays("few", 2, 8, 9, 17)        // below the sample minimum
	f.workdays("cn", 14, 8, 9, 17)        // claims UTC+8 and works UTC+8 hours
	cfg := Defaults()
	cfg.RegionRecent = 0
	got := f.run(t, cfg)
	if !has(got, "kp", CodeHours) {
		t.Errorf("kp not flagged: %v", got["kp"])
	}
	for _, s := range []string{"normal", "owl", "few", "cn", "evening"} {
		if has(got, s, CodeHours) {
			t.Errorf("%s flagged: %v", s, got[s][CodeHours].Details)
		}
	}
}

func TestLongSession(t *testing.T) {
	f := &fx{}
	f.subject("long", "US", "CA", "")
	f.subject("short", "US", "CA", "")
	for h := 0; h <= 30; h += 3 {
		f.signin("long", t0.Add(time.Duration(h)*time.Hour), sess("s1"))
		f.signin("short", t0.Add(time.Duration(h)*time.Hour), sess(fmt.Sprintf("day%d", h/20)))
	}
	got := f.run(t, Defaults())
	if !has(got, "long", CodeLongSession) || got["long"][CodeLongSession].Details["longest_hours"] != "30" {
		t.Errorf("long: %v", got["long"])
	}
	if has(got, "short", CodeLongSession) {
		t.Errorf("short: %v", got["short"])
	}
}

func TestNewAccountRules(t *testing.T) {
	f := &fx{}
	hire := t0.AddDate(0, 0, 1)
	for _, id := range []string{"newcn", "newunm", "newok", "veteran"} {
		s := f.subject(id, "US", "CA", "")
		h := hire
		if id == "veteran" {
			h = t0.AddDate(-2, 0, 0)
		}
		s.HireDate = &h
	}
	f.signin("newcn", hire.Add(time.Hour), geo("CN", "", 39.9, 116.4))
	f.signin("newunm", hire.Add(time.Hour), managed(false))
	f.signin("newok", hire.Add(time.Hour), managed(true))
	f.signin("veteran", hire.Add(time.Hour), managed(false))
	got := f.run(t, Defaults())
	if !has(got, "newcn", CodeNewGeo) || !has(got, "newunm", CodeNewUnmanaged) {
		t.Errorf("new: %v %v", got["newcn"], got["newunm"])
	}
	if has(got, "newok", CodeNewUnmanaged) || has(got, "veteran", CodeNewUnmanaged) {
		t.Errorf("false positive: %v %v", got["newok"], got["veteran"])
	}
}

func TestStableFindingsAndDisabled(t *testing.T) {
	build := func() *fx {
		f := &fx{}
		f.subject("ast", "US", "CA", "")
		f.signin("ast", t0, vpn("astrill"))
		return f
	}
	a := build().run(t, Defaults())
	b := build().run(t, Defaults())
	if a["ast"][CodeAstrill].ID != b["ast"][CodeAstrill].ID || a["ast"][CodeAstrill].ID == "" {
		t.Error("finding IDs are not stable")
	}
	cfg := Defaults()
	cfg.Disabled = []string{CodeAstrill}
	if c := build().run(t, cfg); has(c, "ast", CodeAstrill) {
		t.Error("disabled code emitted")
	}
}

func TestRegisteredWithConfig(t *testing.T) {
	eng, err := detect.NewEngine(detect.Deps{}, Name)
	if err != nil || len(eng.Detectors()) != 1 || len(eng.Reasons()) != len(reasonDefs) {
		t.Fatalf("engine: %v", err)
	}
}

func TestMFAStepsDoNotCountAsSignIns(t *testing.T) {
	f := &fx{}
	f.subject("v", "US", "CA", "")
	f.subject("w", "US", "CA", "")
	step := func(s *model.SignIn) { s.EventType = "user.authentication.auth_via_mfa" }
	f.signin("v", t0, vpn(""))
	f.signin("v", t0.Add(time.Second), vpn(""), step, mfa("phone-9")) // the same sign-in's MFA step
	f.signin("w", t0, mfa("PHONE-9"), step)
	got := f.run(t, Defaults())
	if has(got, "v", CodeVPN) {
		t.Errorf("one VPN sign-in with its MFA step counted twice: %v", got["v"])
	}
	if !has(got, "v", CodeSharedMFA) || !has(got, "w", CodeSharedMFA) {
		t.Errorf("MFA steps must still feed the shared-device join: %v", got)
	}
}

func TestSecondRunOnSameDetectorDoesNotDoubleCount(t *testing.T) {
	d, err := New(Defaults())
	if err != nil {
		t.Fatal(err)
	}
	subs := []model.Subject{{ID: "v", Address: model.Address{Country: "US"}}}
	ev := model.Event{ID: "e1", Kind: model.EvSignIn, Time: t0, SubjectID: "v", SignIn: &model.SignIn{EventType: "user.session.start", Outcome: "success", IP: "38.1.1.1", IPInfo: &model.IPInfo{VPN: true}}}
	for run := 0; run < 2; run++ {
		env := detect.NewEnv("default", subs, t0)
		col := detect.NewCollector()
		e := ev
		d.Observe(context.Background(), env, &e, col.Emit)
		if err := d.Finish(context.Background(), env, col.Emit); err != nil {
			t.Fatal(err)
		}
		if n := len(col.Findings()); n != 0 {
			t.Fatalf("run %d: one VPN sign-in (below vpn_min_signins) gave %d findings", run, n)
		}
	}
}
