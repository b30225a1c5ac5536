package identity

import (
	"strings"
	"testing"

	"github.com/redflag-dev/redflag/internal/model"
)

func TestParsePhone(t *testing.T) {
	cases := []struct {
		raw, region, e164, country, line string
		voipKnown                        bool
	}{
		{"+44 56 1234 5678", "", "+445612345678", "GB", LineVoIP, true},
		{"(702) 919-1300", "US", "+17029191300", "US", LineFixedOrMobile, false},
		{"702.919.1300", "", "+17029191300", "US", LineFixedOrMobile, false},
		{"0044 7911 123456", "US", "+447911123456", "GG", LineMobile, true},
		{"+91 98765 43210", "", "+919876543210", "IN", LineMobile, true},
		{"07911 123456", "GB", "+447911123456", "GG", LineMobile, true},
	}
	for _, c := range cases {
		p, err := ParsePhone(c.raw, c.region)
		if err != nil {
			t.Fatalf("%q: %v", c.raw, err)
		}
		if p.E164 != c.e164 || p.Country != c.country || p.LineType != c.line || p.VoIPKnown != c.voipKnown {
			t.Errorf("%q: got %+v, want %s %s %s voipKnown=%v", c.raw, p, c.e164, c.country, c.line, c.voipKnown)
		}
	}
	for _, bad := range []string{"", "abc", "123", "+1 555", strings.Repeat("9", 80)} {
		if p, err := ParsePhone(bad, "US"); err == nil {
			t.Errorf("%q parsed as %+v", bad, p)
		}
	}
}

func TestParseEmail(t *testing.T) {
	same := [][]string{
		{"John.Smith+jobs@Gmail.com", "johnsmith@gmail.com", " j.o.h.n.smith@googlemail.com ", "mailto:JOHNSMITH@gmail.com"},
		{"a.b+x@proton.me", "a.b@proton.me", "A.B@PROTON.ME"},
	}
	for _, group := range same {
		var first string
		for i, raw := range group {
			e, err := ParseEmail(raw)
			if err != nil {
				t.Fatalf("%q: %v", raw, err)
			}
			if i == 0 {
				first = e.Canonical
			} else if e.Canonical != first {
				t.Errorf("%q -> %q, want %q", raw, e.Canonical, first)
			}
		}
	}
	// dots matter outside Gmail
	a, _ := ParseEmail("a.b@proton.me")
	b, _ := ParseEmail("ab@proton.me")
	if a.Canonical == b.Canonical {
		t.Errorf("dots dropped for proton.me: %q", a.Canonical)
	}
	for _, bad := range []string{"", "no-at-sign", "@example.com", "a@", "a@b", "a b@c.com", "a@-x.com", "a@x..com", "+@gmail.com"} {
		if e, err := ParseEmail(bad); err == nil {
			t.Errorf("%q parsed as %+v", bad, e)
		}
	}
}

func TestDomainOf(t *testing.T) {
	for in, want := range map[string]string{
		"a@Example.COM": "example.com", "https://www.Foo.netlify.app/x?y": "foo.netlify.app",
		"http://user@host.io:8080/": "host.io", "nodot": "", "portfolio.dev": "portfolio.dev",
	} {
		if got := DomainOf(in); got != want {
			t.Errorf("DomainOf(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestAddressKeySurvivesVariations(t *testing.T) {
	base := model.Address{Line: "1515 North Adela Lane, Apt 4B", City: "Las Vegas", Region: "NV", PostalCode: "89111", Country: "US"}
	variants := []model.Address{
		{Line: "1515 N. Adela Ln #4B", City: "LAS VEGAS", Region: "Nevada", PostalCode: "89111-1234", Country: "us"},
		{Line: "1515 n adela lane unit 4b", City: "Las  Vegas", Region: "nv", PostalCode: "89111", Country: "USA"},
		{Line: "1515 North Adela Lane Suite 4B", City: "Vegas", Region: "NV", PostalCode: "89111", Country: "US"},
	}
	k, err := ParseAddress(base)
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range variants {
		n, err := ParseAddress(v)
		if err != nil {
			t.Fatalf("%+v: %v", v, err)
		}
		if n.Key != k.Key {
			t.Errorf("%+v\n key %q\nwant %q", v, n.Key, k.Key)
		}
	}
	other, _ := ParseAddress(model.Address{Line: "1515 North Adela Lane, Apt 5", City: "Las Vegas", PostalCode: "89111", Country: "US"})
	if other.Key == k.Key {
		t.Errorf("different unit gave the same key %q", k.Key)
	}
	if other.Building != k.Building {
		t.Errorf("same building differs: %q vs %q", other.Building, k.Building)
	}
	for _, bad := range []model.Address{{}, {City: "Austin", Country: "US"}, {Line: "12 Main St"}, {Line: "!!!", PostalCode: "1"}} {
		if n, err := ParseAddress(bad); err == nil {
			t.Errorf("%+v parsed as %+v", bad, n)
		}
	}
}

func TestIDs(t *testing.T) {
	if v, err := IP("::ffff:10.0.0.1"); err != nil || v != "10.0.0.1" {
		t.Errorf("IP mapped: %q %v", v, err)
	}
	if _, err := IP("10.0.0.300"); err == nil {
		t.Error("bad IP accepted")
	}
	for _, in := range []string{"@Octo-Cat", "https://github.com/octo-cat/", "octo-cat", " OCTO-CAT "} {
		if got := CodeLogin(in); got != "octo-cat" {
			t.Errorf("CodeLogin(%q) = %q", in, got)
		}
	}
	if Serial(" c02-xk 12 ") != "C02XK12" {
		t.Errorf("Serial: %q", Serial(" c02-xk 12 "))
	}
	if HolderName("  José  O'Neil ") != "jose o neil" {
		t.Errorf("HolderName: %q", HolderName("  José  O'Neil "))
	}
}

func TestExtractWarnsAndKeeps(t *testing.T) {
	s := &model.Subject{ID: "p1", Email: "not-an-email", Phone: "12", Address: model.Address{City: "Austin"},
		ResumeText: "Go developer", GitHubLogin: "@Dev1", IdPLogins: []string{"Dev1@Corp.example"}}
	ids, warns := Extract(s, Options{})
	fields := map[string]bool{}
	for _, w := range warns {
		fields[w.Field] = true
	}
	for _, f := range []string{"email", "phone", "address_line"} {
		if !fields[f] {
			t.Errorf("no warning for %s: %+v", f, warns)
		}
	}
	kinds := map[model.IdentifierKind]string{}
	for _, id := range ids {
		kinds[id.Kind] = id.Value
	}
	for _, k := range []model.IdentifierKind{model.IDEmail, model.IDPhone, model.IDAddress, model.IDCodeLogin, model.IDIdPLogin, model.IDResume} {
		if kinds[k] == "" {
			t.Errorf("identifier %s dropped: %+v", k, ids)
		}
	}
	if kinds[model.IDCodeLogin] != "dev1" || kinds[model.IDIdPLogin] != "dev1@corp.example" {
		t.Errorf("logins not normalised: %+v", kinds)
	}
}

func TestResumeNearDuplicates(t *testing.T) {
	a := "Senior full-stack engineer with 8 years of experience building React, Node.js and Go services for fintech startups. Led a team of five at Acme Payments; designed event-driven microservices on AWS; cut latency by 40 percent. BSc Computer Science."
	b := strings.Replace(a, "Acme Payments", "Bolt Finance", 1) + " Available immediately."
	c := "Registered nurse with ten years in intensive care, trained in pediatric advanced life support, charge nurse on night shifts, fluent in hospital information systems and patient triage protocols."
	sa, _ := MinHash(a)
	sb, _ := MinHash(b)
	sc, _ := MinHash(c)
	if s := sa.Similarity(&sb); s < 0.6 {
		t.Errorf("near-duplicates similarity %.2f", s)
	}
	if s := sa.Similarity(&sc); s > 0.2 {
		t.Errorf("unrelated similarity %.2f", s)
	}
	if d := HammingDistance(SimHash(a), SimHash(b)); d > 16 {
		t.Errorf("simhash near-dup distance %d", d)
	}
	if d := HammingDistance(SimHash(a), SimHash(c)); d < 16 {
		t.Errorf("simhash unrelated distance %d", d)
	}
	x := NewTextIndex()
	x.Add("a", a)
	x.Add("c", c)
	if x.Add("a", b) {
		t.Error("duplicate id accepted")
	}
	m := x.Query(b, 0.5)
	if len(m) != 1 || m[0].ID != "a" {
		t.Errorf("query: %+v", m)
	}
	if ResumeKey(a) != ResumeKey(strings.ToUpper(a)+"  ") || ResumeKey(a) == ResumeKey(b) {
		t.Error("ResumeKey does not ignore case/spacing or confuses different texts")
	}
}

func TestDisposableDomains(t *testing.T) {
	s := SeedDisposable()
	if s.Len() < 40 {
		t.Fatalf("seed list has %d domains", s.Len())
	}
	if d, ok := s.Contains("eu.Mailinator.com"); !ok || d != "mailinator.com" {
		t.Errorf("subdomain of a listed domain: %q %v", d, ok)
	}
	if _, ok := s.Contains("gmail.com"); ok {
		t.Error("gmail.com listed as disposable")
	}
	j, err := ParseDomainData([]byte(`["foo-mail.example", "*.bar.example", "  "]`))
	if err != nil || j.Len() != 2 {
		t.Fatalf("JSON list: %v %d", err, j.Len())
	}
	if _, ok := j.Contains("x.bar.example"); !ok {
		t.Error("wildcard entry not matched")
	}
	if _, err := ParseDomainData([]byte(`{"not":"an array"}`)); err == nil {
		t.Error("object accepted as a domain list")
	}
}
