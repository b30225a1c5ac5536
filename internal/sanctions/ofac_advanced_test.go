package sanctions

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
)

func advFixture(t testing.TB) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "ofac_advanced", "sdn_advanced.xml"))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestParseOFACAdvancedFixture(t *testing.T) {
	ents, ver, err := ParseOFACAdvanced(ListOFACSDN, bytes.NewReader(advFixture(t)))
	if err != nil {
		t.Fatal(err)
	}
	if ver != "2026-11-20" {
		t.Errorf("version %q", ver)
	}
	var ids []string
	for _, e := range ents {
		ids = append(ids, e.SourceID)
		if e.List != ListOFACSDN {
			t.Errorf("%s: list %q", e.SourceID, e.List)
		}
	}
	if want := []string{"24979", "90001", "90002", "27307", "90005", "90003"}; !slices.Equal(ids, want) {
		t.Fatalf("entities %v, want %v (file order)", ids, want)
	}
	want := map[string]Entity{
		"24979": {List: ListOFACSDN, SourceID: "24979", Type: TypePerson,
			// The primary alias comes second in the file; Names[0] is still the primary name.
			Names:         []Name{{"JONG, Song Hwa", "primary"}, {"CHONG, Song-hwa", "aka"}, {"정송화", "original"}},
			Programs:      []string{"DPRK4"},
			DOBs:          []string{"1970-02-05"},
			Nationalities: []string{"Korea, North"},
			Gender:        "male",
			Documents:     []Document{{Type: "Passport", Number: "927220230", Country: "Korea, North"}},
			Crypto:        []CryptoAddress{{Currency: "ETH", Address: "0x0000000000000000000000000000000000dEaD01"}},
		},
		"90001": {List: ListOFACSDN, SourceID: "90001", Type: TypePerson,
			// Given name before surname in the file; a LowQuality alias is weak.
			Names:    []Name{{"KIM, Kwang Jin", "primary"}, {"GIM, Gwang Jin", "aka"}, {"KJ KIM", "weak"}},
			Programs: []string{"DPRK3"},
			// 1981 (a whole year) and 1983 to 1985 (a range of years).
			DOBs:          []string{"1981", "1983", "1984", "1985"},
			POBs:          []string{"Pyongyang, Korea, North"},
			Nationalities: []string{"Korea, North"},
			Gender:        "male",
			Emails:        []string{"kwangjin@example.kp"},
			Websites:      []string{"www.example.kp"},
			// The relationship to profile 99999 (not in the file) is skipped; the phone is not kept.
		},
		"90002": {List: ListOFACSDN, SourceID: "90002", Type: TypePerson,
			// Parts Last, Middle, First in the file: "LAST, First Middle".
			Names:         []Name{{"RI, Kyong Sik", "primary"}, {"LI, Kyong Sik", "fka"}},
			Programs:      []string{"DPRK2"},
			DOBs:          []string{"1959-03"}, // 1 to 31 March 1959
			Nationalities: []string{"Korea, North"},
			Gender:        "male",
		},
		"27307": {List: ListOFACSDN, SourceID: "27307", Type: TypeBusiness,
			Names:     []Name{{"LAZARUS GROUP", "primary"}, {"APPLEWORM", "weak"}},
			Programs:  []string{"DPRK3", "CYBER2"},
			Addresses: []Address{{Line: "Potonggang District", City: "Pyongyang", Country: "Korea, North"}},
			Crypto: []CryptoAddress{{Currency: "ETH", Address: "0x098B716B8Aaf21512996dC57EB0615e2383E2f96"},
				{Currency: "XBT", Address: "1Q9UAQbcDezmyouFrzt94t4dSMxgsUfW1X"}},
			LinkedTo: []string{"RECONNAISSANCE GENERAL BUREAU"},
		},
		"90005": {List: ListOFACSDN, SourceID: "90005", Type: TypeBusiness,
			Names:    []Name{{"RECONNAISSANCE GENERAL BUREAU", "primary"}, {"정찰총국", "original"}},
			Programs: []string{"DPRK"},
			Addresses: []Address{{Line: "Potonggang District", City: "Pyongyang", Country: "Korea, North"},
				{City: "Yanji, Jilin", Country: "China"}},
		},
		"90003": {List: ListOFACSDN, SourceID: "90003", Type: TypeVessel,
			Names:         []Name{{"SOBAEKSU STAR", "primary"}},
			Programs:      []string{"DPRK4"},
			Nationalities: []string{"Korea, North"}, // the flag, as the CSV parser keeps it
			Documents:     []Document{{Type: "Vessel Registration Identification", Number: "IMO 9103320"}, {Type: "Call Sign", Number: "HMYZ7"}},
		},
	}
	for _, e := range ents {
		if w := want[e.SourceID]; !reflect.DeepEqual(e, w) {
			t.Errorf("entity %s:\n got %+v\nwant %+v", e.SourceID, e, w)
		}
	}
}

// The Hangul names reach the index and the matcher through its Hangul reading.
func TestOFACAdvancedHangulAliasScreens(t *testing.T) {
	ents, _, err := ParseOFACAdvanced(ListOFACSDN, bytes.NewReader(advFixture(t)))
	if err != nil {
		t.Fatal(err)
	}
	ms := NewIndex(ents).Screen(Query{Name: "정찰총국"})
	if len(ms) == 0 || ms[0].SourceID != "90005" || ms[0].NameKind != "original" {
		t.Fatalf("screening the Hangul name: %+v", ms)
	}
}

// A party whose only identity is not flagged primary, or none of whose
// aliases is, still gets its first Latin name as the primary name, once.
func TestParseOFACAdvancedNoPrimaryFlag(t *testing.T) {
	for _, edit := range []string{`<Identity ID="14002" FixedRef="90001" Primary="false"`, `<Alias FixedRef="90001" AliasTypeID="1403" Primary="false"`} {
		orig := strings.Fields(edit)
		orig[len(orig)-1] = strings.Replace(orig[len(orig)-1], "false", "true", 1)
		doc := strings.Replace(string(advFixture(t)), strings.Join(orig, " "), edit, 1)
		if doc == string(advFixture(t)) {
			t.Fatalf("fixture lacks %s", strings.Join(orig, " "))
		}
		ents, _, err := ParseOFACAdvanced(ListOFACSDN, strings.NewReader(doc))
		if err != nil {
			t.Fatal(err)
		}
		e := byID(t, ents, "90001")
		if got := names(e); !slices.Equal(got, []string{"primary:KIM, Kwang Jin", "aka:GIM, Gwang Jin", "weak:KJ KIM"}) {
			t.Errorf("%s: names %v", edit, got)
		}
	}
}

// Moving the tables after the parties (which the schema allows) changes nothing.
func TestParseOFACAdvancedSectionOrder(t *testing.T) {
	b := string(advFixture(t))
	cut := func(s, from, to string) (string, string) {
		i, j := strings.Index(s, from), strings.Index(s, to)
		if i < 0 || j < 0 {
			t.Fatalf("fixture lacks %s..%s", from, to)
		}
		j += len(to)
		return s[:i] + s[j:], s[i:j]
	}
	rest, refs := cut(b, "<ReferenceValueSets>", "</ReferenceValueSets>")
	rest, locs := cut(rest, "<Locations>", "</Locations>")
	rest, docs := cut(rest, "<IDRegDocuments>", "</IDRegDocuments>")
	rest, rels := cut(rest, "<ProfileRelationships>", "</ProfileRelationships>")
	reordered := strings.Replace(rest, "</Sanctions>", docs+rels+locs+refs+"</Sanctions>", 1)
	want, _, err := ParseOFACAdvanced(ListOFACSDN, strings.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	got, _, err := ParseOFACAdvanced(ListOFACSDN, strings.NewReader(reordered))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("reordered sections give other entities:\n%+v\n%+v", got, want)
	}
}

// The same parties written as classic sdn.xml and as advanced XML give the
// same entities, but for the remarks text (the classic file's free text)
// and the original-script names, which only the advanced XML carries.
func TestOFACAdvancedMatchesClassicXML(t *testing.T) {
	adv, _, err := ParseOFACAdvanced(ListOFACSDN, bytes.NewReader(advFixture(t)))
	if err != nil {
		t.Fatal(err)
	}
	cb, err := os.ReadFile(filepath.Join("testdata", "ofac_advanced", "sdn.xml"))
	if err != nil {
		t.Fatal(err)
	}
	classic, _, err := ParseOFACXML(ListOFACSDN, bytes.NewReader(cb))
	if err != nil {
		t.Fatal(err)
	}
	if len(adv) != len(classic) {
		t.Fatalf("%d advanced entities, %d classic", len(adv), len(classic))
	}
	originals := 0
	for i := range adv {
		a, c := adv[i], classic[i]
		a.Remarks, c.Remarks = "", ""
		a.Names = slices.DeleteFunc(slices.Clone(a.Names), func(n Name) bool { return n.Kind == "original" })
		originals += len(adv[i].Names) - len(a.Names)
		if !reflect.DeepEqual(a, c) {
			t.Errorf("entity %s differs:\nadvanced %+v\nclassic  %+v", a.SourceID, a, c)
		}
	}
	if originals != 2 {
		t.Errorf("%d original-script names, want 2", originals)
	}
}

func TestParseOFACAdvancedErrors(t *testing.T) {
	good := string(advFixture(t))
	cases := []struct {
		name, doc string
		want      string // regexp the error must match
	}{
		{"not xml", "hello", `ofac advanced xml`},
		{"other root", `<sdnList></sdnList>`, `root element is <sdnList>`},
		{"empty", ``, `no Sanctions element`},
		{"truncated", good[:len(good)/2], `ofac advanced xml line \d+`},
		{"bad nesting", strings.Replace(good, `</Alias>`, `</Identity>`, 1), `line \d+: DistinctParty 24979`},
		{"bad nesting in a location", strings.Replace(good, `</Value></LocationPartValue>`, `</LocationPartValue></Value>`, 1),
			`line \d+: Location 101: element <Value> closed by </LocationPartValue>`},
		{"unclosed root", strings.Replace(good, `</Sanctions>`, ``, 1), `unexpected end of file inside <Sanctions>`},
		{"stray end tag", strings.Replace(good, `</Locations>`, `</Locations></IDRegDocuments>`, 1), `element <Sanctions> closed by </IDRegDocuments>`},
		{"unknown feature type", strings.Replace(good, `FeatureTypeID="224"`, `FeatureTypeID="9999"`, 1),
			`DistinctParty 24979: Profile 24979: Feature 80003: FeatureTypeID "9999" is not defined`},
		{"unknown party sub-type", strings.Replace(good, `<Profile ID="90002" PartySubTypeID="4">`, `<Profile ID="90002" PartySubTypeID="77">`, 1),
			`DistinctParty 90002: Profile 90002: PartySubTypeID "77"`},
		{"unknown location", strings.Replace(good, `<VersionLocation LocationID="101" />`, `<VersionLocation LocationID="555" />`, 1),
			`Profile 27307: Feature 80032: LocationID "555" is not a Location`},
		{"unknown name part group", strings.Replace(good, `NamePartGroupID="60050"`, `NamePartGroupID="1"`, 1),
			`Profile 90003: NamePartValue "SOBAEKSU STAR": NamePartGroupID "1"`},
		{"unknown alias type", strings.Replace(good, `AliasTypeID="1401"`, `AliasTypeID="1"`, 1),
			`Profile 90002: Alias: AliasTypeID "1"`},
		{"unknown document country", strings.Replace(good, `IssuedBy-CountryID="11082"`, `IssuedBy-CountryID="5"`, 1),
			`Profile 24979: IDRegDocument 7001 \(line \d+\): CountryID "5"`},
		{"entry for unknown profile", strings.Replace(good, `ProfileID="90003" ListID`, `ProfileID="123" ListID`, 1),
			`SanctionsEntry 90003: ProfileID "123" is not a profile`},
		{"no name", strings.Replace(good, `>SOBAEKSU STAR<`, `> <`, 1), `Profile 90003 has no name`},
		{"duplicate profile", strings.Replace(good, `<Profile ID="90003"`, `<Profile ID="24979"`, 1), `Profile 24979 appears twice`},
	}
	for _, c := range cases {
		_, _, err := ParseOFACAdvanced(ListOFACSDN, strings.NewReader(c.doc))
		if err == nil {
			t.Errorf("%s: no error", c.name)
			continue
		}
		if !regexp.MustCompile(c.want).MatchString(err.Error()) {
			t.Errorf("%s: error %q does not match %q", c.name, err, c.want)
		}
	}
}

func TestAppendPeriod(t *testing.T) {
	d := func(y, m, dd string) *advDate { return &advDate{y, m, dd} }
	p := func(sf, st, ef, et *advDate) advPeriod {
		return advPeriod{Start: &advBound{sf, st}, End: &advBound{ef, et}}
	}
	cases := []struct {
		p    advPeriod
		want []string
	}{
		{p(d("1975", "4", "13"), d("1975", "4", "13"), d("1975", "4", "13"), d("1975", "4", "13")), []string{"1975-04-13"}},
		{p(d("1961", "1", "1"), d("1961", "1", "1"), d("1961", "12", "31"), d("1961", "12", "31")), []string{"1961"}},
		{p(d("1968", "2", "1"), d("1968", "2", "1"), d("1968", "2", "29"), d("1968", "2", "29")), []string{"1968-02"}},
		{p(d("1967", "2", "1"), d("1967", "2", "1"), d("1967", "2", "28"), d("1967", "2", "28")), []string{"1967-02"}},
		{p(d("1984", "1", "1"), d("1984", "12", "31"), d("1986", "1", "1"), d("1986", "12", "31")), []string{"1984", "1985", "1986"}},
		// a span inside one year reads as that year, as "26 Sep 1946 to 07 Dec 1946" does in the CSV
		{p(d("1946", "9", "26"), d("1946", "9", "26"), d("1946", "12", "7"), d("1946", "12", "7")), []string{"1946"}},
		// year only, no month or day elements
		{advPeriod{Start: &advBound{From: d("1950", "", "")}}, []string{"1950"}},
		// more than ten years says nothing useful
		{p(d("1950", "1", "1"), d("1950", "1", "1"), d("1975", "12", "31"), d("1975", "12", "31")), nil},
		// reversed or empty
		{p(d("1990", "1", "1"), nil, d("1980", "1", "1"), nil), nil},
		{advPeriod{}, nil},
	}
	for i, c := range cases {
		if got := appendPeriod(nil, c.p); !slices.Equal(got, c.want) {
			t.Errorf("case %d: got %v want %v", i, got, c.want)
		}
	}
}

func TestDiscoverOFACAdvanced(t *testing.T) {
	dir := t.TempDir()
	b := advFixture(t)
	// named as OFAC publishes it; and under another name, recognised by content
	if err := os.WriteFile(filepath.Join(dir, "SDN_ADVANCED.XML"), b, 0o644); err != nil {
		t.Fatal(err)
	}
	sub := filepath.Join(dir, "cons")
	os.MkdirAll(sub, 0o755)
	if err := os.WriteFile(filepath.Join(sub, "cons_list.xml"), b, 0o644); err != nil {
		t.Fatal(err)
	}
	lfs, err := Discover(dir)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, lf := range lfs {
		got = append(got, lf.list+"/"+lf.format)
	}
	if want := []string{"us_ofac_sdn/ofac_advanced_xml", "us_ofac_cons/ofac_advanced_xml"}; !slices.Equal(got, want) {
		t.Fatalf("discovered %v want %v", got, want)
	}
	ents, infos, err := LoadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(ents) != 12 || infos[0].Version != "2026-11-20" || infos[0].SHA256 == "" || infos[0].Entities != 6 {
		t.Errorf("%d entities; %+v", len(ents), infos)
	}
	// The hash is over the whole file, as for the other formats.
	lf := lfs[0]
	lf.format = FormatOFACXML // any single-file format hashes the bytes as read
	_, info2, _ := parseList(lf)
	if info2.SHA256 != infos[0].SHA256 {
		t.Errorf("streamed hash %s, read hash %s", infos[0].SHA256, info2.SHA256)
	}
	// Files published before 2024 use the namespace http://www.un.org/sanctions/1.0.
	old := t.TempDir()
	ob := bytes.Replace(b, []byte(OFACAdvancedNS), []byte(OFACAdvancedOldNS), 1)
	if bytes.Equal(ob, b) {
		t.Fatal("fixture lacks the current namespace")
	}
	os.WriteFile(filepath.Join(old, "list.xml"), ob, 0o644)
	if lfs, err := Discover(old); err != nil || len(lfs) != 1 || lfs[0].format != FormatOFACAdvanced || lfs[0].list != ListOFACSDN {
		t.Errorf("old namespace: %+v %v", lfs, err)
	}
	// Beside a classic sdn.xml, the advanced XML is preferred; the CSV set still comes first.
	cb, _ := os.ReadFile(filepath.Join("testdata", "ofac_advanced", "sdn.xml"))
	os.WriteFile(filepath.Join(dir, "a_sdn.xml"), cb, 0o644)
	if lfs, _ := Discover(dir); lfs[0].format != FormatOFACAdvanced {
		t.Errorf("classic XML chosen over the advanced XML: %+v", lfs[0])
	}
}

func TestListStoreInstallsOFACAdvanced(t *testing.T) {
	src := t.TempDir()
	if err := os.WriteFile(filepath.Join(src, "sdn_advanced.xml"), advFixture(t), 0o644); err != nil {
		t.Fatal(err)
	}
	st := &ListStore{Root: t.TempDir()}
	res, err := st.UpdateFrom(context.Background(), src)
	if err != nil || len(res) != 1 || !res[0].Updated || res[0].Entities != 6 || res[0].Version != "2026-11-20" {
		t.Fatalf("update: %+v %v", res, err)
	}
	m, err := st.Manifest()
	if err != nil || m[ListOFACSDN].Format != FormatOFACAdvanced {
		t.Fatalf("manifest %+v %v", m, err)
	}
	// A broken new file keeps the last good copy.
	os.WriteFile(filepath.Join(src, "sdn_advanced.xml"), advFixture(t)[:3000], 0o644)
	res, _ = st.UpdateFrom(context.Background(), src)
	if len(res) != 1 || !res[0].Kept || res[0].Entities != 6 || !strings.Contains(res[0].Error, "ofac advanced xml") {
		t.Fatalf("broken update: %+v", res)
	}
}

func FuzzParseOFACAdvanced(f *testing.F) {
	f.Add(advFixture(f))
	seedShared(f, "sanctions/ofac/sdn_advanced.xml", 64000)
	// the tables after the parties: the deferred path
	fx := string(advFixture(f))
	i, j := strings.Index(fx, "<ReferenceValueSets>"), strings.Index(fx, "</ReferenceValueSets>")+len("</ReferenceValueSets>")
	f.Add([]byte(strings.Replace(fx[:i]+fx[j:], "</Sanctions>", fx[i:j]+"</Sanctions>", 1)))
	f.Add([]byte(`<Sanctions><DistinctParties><DistinctParty FixedRef="1"><Profile ID="1" PartySubTypeID="4"/></DistinctParty></DistinctParties></Sanctions>`))
	f.Fuzz(func(t *testing.T, b []byte) {
		ents, _, err := ParseOFACAdvanced(ListOFACSDN, bytes.NewReader(b))
		if err != nil {
			return
		}
		for _, e := range ents {
			if e.SourceID == "" || len(e.Names) == 0 || e.Names[0].Kind != "primary" && e.Names[0].Kind != "original" {
				t.Fatalf("entity without id or primary name: %+v", e)
			}
			for _, d := range e.DOBs {
				if ParseDate(d) != d {
					t.Fatalf("non-canonical date %q", d)
				}
			}
		}
		NewIndex(ents).Screen(Query{Name: "kim jong"})
	})
}

// syntheticAdvanced repeats the fixture's parties n times under new IDs.
func syntheticAdvanced(t testing.TB, n int) []byte {
	s := string(advFixture(t))
	i, j := strings.Index(s, "<DistinctParties>")+len("<DistinctParties>"), strings.Index(s, "</DistinctParties>")
	parties := regexp.MustCompile(`(?s)<DistinctParty .*?</DistinctParty>`).FindAllString(s[i:j], -1)
	idRe := regexp.MustCompile(`FixedRef="(\d+)"`)
	var b bytes.Buffer
	b.WriteString(s[:i])
	var entries bytes.Buffer
	for k := 0; k < n; k++ {
		p := parties[k%len(parties)]
		old := idRe.FindStringSubmatch(p)[1]
		id := fmt.Sprint(1000000 + k)
		p = strings.ReplaceAll(p, `"`+old+`"`, `"`+id+`"`)
		p = strings.Replace(p, `Identity ID="`, `Identity ID="x`, 1) // its own identity: no documents
		b.WriteString(p)
		fmt.Fprintf(&entries, `<SanctionsEntry ID="%s" ProfileID="%s" ListID="1550"><SanctionsMeasure ID="1" SanctionsTypeID="1"><Comment>DPRK3</Comment></SanctionsMeasure></SanctionsEntry>`, id, id)
	}
	b.WriteString("</DistinctParties><SanctionsEntries>")
	b.Write(entries.Bytes())
	b.WriteString("</SanctionsEntries></Sanctions>")
	return b.Bytes()
}

// BenchmarkParseOFACAdvanced parses a synthetic advanced XML: the fixture's
// parties repeated under new IDs, 6,000 of them (about 18 MB) unless
// REDFLAG_BENCH_OFAC_PARTIES says otherwise (40000 gives about 120 MB, the
// size of the real SDN file, which has about 18,000 larger parties). With
// REDFLAG_BENCH_OFAC_OUT=FILE the document is also written to FILE, for
// `redflag bench screen --lists-dir` and `redflag lists update --from`.
func BenchmarkParseOFACAdvanced(b *testing.B) {
	n := 6000
	if v := os.Getenv("REDFLAG_BENCH_OFAC_PARTIES"); v != "" {
		if _, err := fmt.Sscan(v, &n); err != nil {
			b.Fatal(err)
		}
	}
	doc := syntheticAdvanced(b, n)
	if out := os.Getenv("REDFLAG_BENCH_OFAC_OUT"); out != "" {
		if err := os.WriteFile(out, doc, 0o644); err != nil {
			b.Fatal(err)
		}
	}
	b.SetBytes(int64(len(doc)))
	b.ReportAllocs()
	for b.Loop() {
		ents, _, err := ParseOFACAdvanced(ListOFACSDN, bytes.NewReader(doc))
		if err != nil || len(ents) != n {
			b.Fatal(len(ents), err)
		}
	}
}
