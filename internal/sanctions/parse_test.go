package sanctions

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func fixture(t testing.TB, rel string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "lists", rel))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func byID(t *testing.T, ents []Entity, id string) *Entity {
	t.Helper()
	for i := range ents {
		if ents[i].SourceID == id {
			return &ents[i]
		}
	}
	t.Fatalf("entity %s not parsed", id)
	return nil
}

func names(e *Entity) []string {
	var out []string
	for _, n := range e.Names {
		out = append(out, n.Kind+":"+n.Name)
	}
	return out
}

func TestParseOFACCSVFixture(t *testing.T) {
	ents, err := ParseOFACCSV(ListOFACSDN, OFACFiles{
		SDN: bytes.NewReader(fixture(t, "ofac/sdn.csv")), Alt: bytes.NewReader(fixture(t, "ofac/alt.csv")),
		Add: bytes.NewReader(fixture(t, "ofac/add.csv")), Comments: bytes.NewReader(fixture(t, "ofac/sdn_comments.csv")),
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(ents) != 7 {
		t.Fatalf("got %d entities, want 7", len(ents))
	}
	jong := byID(t, ents, "24979")
	if jong.Type != TypePerson || jong.Gender != "male" || !slices.Equal(jong.DOBs, []string{"1970-02-05"}) {
		t.Errorf("jong: type %s gender %s dobs %v", jong.Type, jong.Gender, jong.DOBs)
	}
	if !slices.Contains(names(jong), "aka:CHONG, Song-hwa") {
		t.Errorf("jong names %v", names(jong))
	}
	if len(jong.Documents) != 1 || jong.Documents[0].Number != "927220230" || jong.Documents[0].Country != "Korea, North" {
		t.Errorf("jong documents %+v", jong.Documents)
	}
	ys := byID(t, ents, "24977")
	if ys.Type != TypeBusiness || !slices.Equal(ys.Programs, []string{"DPRK3", "DPRK4"}) {
		t.Errorf("yanbian: %s %v", ys.Type, ys.Programs)
	}
	if !slices.Contains(names(ys), "weak:YANBIAN SILVER STAR") {
		t.Errorf("weak aka not extracted: %v", names(ys))
	}
	if len(ys.Addresses) != 1 || ys.Addresses[0].Country != "China" {
		t.Errorf("addresses %+v", ys.Addresses)
	}
	laz := byID(t, ents, "27307")
	if len(laz.Crypto) != 2 || laz.Crypto[0].Currency != "ETH" || laz.Crypto[1].Address != "1Q9UAQbcDezmyouFrzt94t4dSMxgsUfW1X" {
		t.Errorf("crypto %+v", laz.Crypto)
	}
	if !slices.Equal(laz.LinkedTo, []string{"RECONNAISSANCE GENERAL BUREAU"}) {
		t.Errorf("linked %v", laz.LinkedTo)
	}
	kim := byID(t, ents, "90001")
	if !slices.Equal(kim.DOBs, []string{"1981", "1983", "1984", "1985"}) || kim.Emails[0] != "kwangjin@example.kp" || kim.Websites[0] != "www.example.kp" {
		t.Errorf("kim: %v %v %v", kim.DOBs, kim.Emails, kim.Websites)
	}
	if !slices.Equal(kim.POBs, []string{"Pyongyang, Korea, North"}) {
		t.Errorf("pob %v", kim.POBs)
	}
	ves := byID(t, ents, "90003")
	if ves.Type != TypeVessel || ves.Documents[0].Number != "HMYZ7" {
		t.Errorf("vessel %+v", ves)
	}
	// sdn_comments continues the remarks
	alpha := byID(t, ents, "90004")
	if !slices.Contains(alpha.DOBs, "1971") || !slices.Contains(names(alpha), "weak:ALFA, Vanya") || !slices.Contains(names(alpha), "aka:ALFA, Ivan") {
		t.Errorf("comments not merged: %v %v", alpha.DOBs, names(alpha))
	}
}

func TestParseOFACCSVErrors(t *testing.T) {
	if _, err := ParseOFACCSV(ListOFACSDN, OFACFiles{}); err == nil {
		t.Error("missing sdn.csv accepted")
	}
	_, err := ParseOFACCSV(ListOFACSDN, OFACFiles{SDN: strings.NewReader("1,\"A\",-0-\n")})
	if err == nil || !strings.Contains(err.Error(), "sdn.csv:1") {
		t.Errorf("short row: %v", err)
	}
}

func TestParseOFACXMLFixture(t *testing.T) {
	ents, ver, err := ParseOFACXML(ListOFACSDN, bytes.NewReader(fixture(t, "ofac/sdn.xml")))
	if err != nil {
		t.Fatal(err)
	}
	if ver != "01/05/2026" || len(ents) != 2 {
		t.Fatalf("version %q, %d entities", ver, len(ents))
	}
	j := byID(t, ents, "24979")
	if j.PrimaryName() != "JONG, Song Hwa" || j.Gender != "male" || j.Crypto[0].Currency != "ETH" || j.DOBs[0] != "1970-02-05" {
		t.Errorf("%+v", j)
	}
	if !slices.Contains(names(j), "aka:CHONG, Song-hwa") {
		t.Errorf("names %v", names(j))
	}
	if v := byID(t, ents, "90003"); v.Type != TypeVessel || v.Nationalities[0] != "Korea, North" {
		t.Errorf("vessel %+v", v)
	}
}

func TestParseUNFixture(t *testing.T) {
	ents, ver, err := ParseUNXML(bytes.NewReader(fixture(t, "un/consolidated.xml")))
	if err != nil {
		t.Fatal(err)
	}
	if ver != "2026-01-02T00:00:00.000Z" || len(ents) != 2 {
		t.Fatalf("version %q, %d entities", ver, len(ents))
	}
	p := byID(t, ents, "KPi.900")
	want := []string{"primary:PAK TO CHUN", "original:박도춘", "aka:Pak To-chun", "weak:Comrade Pak"}
	if !slices.Equal(names(p), want) {
		t.Errorf("names %v want %v", names(p), want)
	}
	if !slices.Equal(p.DOBs, []string{"1944-03-09", "1945", "1946"}) || p.Gender != "male" || p.Documents[0].Number != "381420754" {
		t.Errorf("%+v", p)
	}
	if !slices.Equal(p.Programs, []string{"UN DPRK"}) {
		t.Errorf("programs %v", p.Programs)
	}
	e := byID(t, ents, "KPe.900")
	if e.Type != TypeBusiness || len(e.Names) != 3 {
		t.Errorf("entity names %v", names(e))
	}
	if _, _, err := ParseUNXML(strings.NewReader("<other/>")); err == nil {
		t.Error("non-UN XML accepted")
	}
}

func TestParseEUFixtures(t *testing.T) {
	x, ver, err := ParseEUXML(bytes.NewReader(fixture(t, "eu/eu_fsf.xml")))
	if err != nil {
		t.Fatal(err)
	}
	if ver == "" || len(x) != 2 {
		t.Fatalf("version %q, %d entities", ver, len(x))
	}
	ri := byID(t, x, "9001")
	if ri.Type != TypePerson || ri.Gender != "male" || ri.DOBs[0] != "1960-02-27" || ri.Documents[0].Number != "472110138" || ri.Nationalities[0] != "KP" {
		t.Errorf("%+v", ri)
	}
	if !slices.Equal(names(ri), []string{"primary:Ri Chol", "weak:Li Chol", "aka:리철"}) || ri.Programs[0] != "EU PRK" {
		t.Errorf("names %v programs %v", names(ri), ri.Programs)
	}
	c, err := ParseEUCSV(bytes.NewReader(fixture(t, "eu/eu_fsf.csv")))
	if err != nil {
		t.Fatal(err)
	}
	if len(c) != 2 {
		t.Fatalf("%d entities", len(c))
	}
	ri = byID(t, c, "9001")
	if ri.Type != TypePerson || !slices.Equal(names(ri), []string{"primary:Ri Chol", "aka:Li Chol"}) || ri.Documents[0].Number != "472110138" {
		t.Errorf("%+v", ri)
	}
	if v := byID(t, c, "9002"); v.Type != TypeBusiness || v.Addresses[0].City != "Moscow" {
		t.Errorf("%+v", v)
	}
}

func TestParseUKFixtures(t *testing.T) {
	ents, ver, err := ParseUKCSV(bytes.NewReader(fixture(t, "uk/UK-Sanctions-List.csv")))
	if err != nil {
		t.Fatal(err)
	}
	if ver != "05-Jan-2026" || len(ents) != 2 {
		t.Fatalf("version %q, %d entities", ver, len(ents))
	}
	k := byID(t, ents, "DPR0900")
	if !slices.Equal(names(k), []string{"primary:Yong Su KIM", "original:김용수", "aka:Yong-su GIM"}) {
		t.Errorf("names %v", names(k))
	}
	if !slices.Equal(k.DOBs, []string{"1962", "1963-04-12"}) || k.Gender != "male" || k.Documents[0].Number != "PP123456" {
		t.Errorf("%+v", k)
	}
	if s := byID(t, ents, "DPR0901"); s.Type != TypeVessel || s.Documents[0].Number != "8712345" {
		t.Errorf("%+v", s)
	}
	old, _, err := ParseUKCSV(bytes.NewReader(fixture(t, "uk/ConList.csv")))
	if err != nil {
		t.Fatal(err)
	}
	if len(old) != 1 || !slices.Equal(names(&old[0]), []string{"primary:Chol PAK", "aka:Cheol PARK"}) || old[0].Type != TypePerson {
		t.Errorf("ofsi layout: %+v", old)
	}
}

func TestParseCSLFixture(t *testing.T) {
	ents, err := ParseCSL(bytes.NewReader(fixture(t, "csl/consolidated.csv")))
	if err != nil {
		t.Fatal(err)
	}
	if len(ents) != 2 {
		t.Fatalf("%d entities", len(ents))
	}
	g := ents[0]
	if g.Type != TypeBusiness || !slices.Contains(names(&g), "aka:Jinpungri") || g.SourceID != "EL-a1" {
		t.Errorf("%+v", g)
	}
	k := byID(t, ents, "SDN-91234")
	if k.Type != TypePerson || k.DOBs[0] != "1983-10-22" || len(k.Crypto) != 1 || k.Documents[0].Number != "836110034" {
		t.Errorf("%+v", k)
	}
}

func TestDiscoverAndLoadFixtures(t *testing.T) {
	lfs, err := Discover(filepath.Join("testdata", "lists"))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, lf := range lfs {
		got = append(got, lf.list+"/"+lf.format)
	}
	want := []string{"us_ofac_sdn/ofac_csv", "un_sc/un_xml", "eu_fsf/eu_csv", "uk_sanctions/uk_csv", "us_csl/csl_csv"}
	if !slices.Equal(got, want) {
		t.Fatalf("discovered %v want %v", got, want)
	}
	ents, infos, err := LoadDir(filepath.Join("testdata", "lists"))
	if err != nil {
		t.Fatal(err)
	}
	total := 0
	for _, in := range infos {
		if in.Error != "" || in.Entities == 0 || in.SHA256 == "" {
			t.Errorf("%+v", in)
		}
		total += in.Entities
	}
	if total != len(ents) || total != 7+2+2+1+2 {
		t.Errorf("loaded %d entities (%d by info)", len(ents), total)
	}
}

// Real samples.

func TestRealOFACFull(t *testing.T) {
	ents := loadOFACShared(t, "sanctions/ofac/full-2024-05")
	if len(ents) != 14965 {
		t.Fatalf("got %d entities, want 14965", len(ents))
	}
	var crypto, dobs, weak int
	for _, e := range ents {
		crypto += len(e.Crypto)
		if len(e.DOBs) > 0 {
			dobs++
		}
		for _, n := range e.Names {
			if n.Kind == "weak" {
				weak++
			}
		}
	}
	if crypto < 400 || dobs < 5000 || weak < 3000 {
		t.Errorf("too little extracted: crypto %d, with DOB %d, weak akas %d", crypto, dobs, weak)
	}
	e := findName(ents, "JONG, Song Hwa")
	if e == nil || e.Gender != "male" || !slices.Contains(e.Programs, "DPRK4") {
		t.Errorf("JONG, Song Hwa: %+v", e)
	}
}

func findName(ents []Entity, n string) *Entity {
	for i := range ents {
		if ents[i].PrimaryName() == n {
			return &ents[i]
		}
	}
	return nil
}

func TestRealOFACBenchAndCons(t *testing.T) {
	ents := loadOFACShared(t, "sanctions/ofac/bench-2021-07")
	if len(ents) != 8976 {
		t.Errorf("bench set: %d entities, want 8976", len(ents))
	}
	d := "sanctions/ofac/non-sdn-consolidated-2025-12/"
	cons, err := ParseOFACCSV(ListOFACCons, OFACFiles{SDN: openShared(t, d+"cons_prim.csv"), Alt: openShared(t, d+"cons_alt.csv"),
		Add: openShared(t, d+"cons_add.csv"), Comments: openShared(t, d+"cons_comments.csv")})
	if err != nil {
		t.Fatal(err)
	}
	if len(cons) != 442 {
		t.Errorf("consolidated: %d entities, want 442", len(cons))
	}
}

func TestRealUN(t *testing.T) {
	ents, ver, err := ParseUNXML(openShared(t, "sanctions/un/un_consolidated.xml"))
	if err != nil {
		t.Fatal(err)
	}
	if len(ents) != 1003 || !strings.HasPrefix(ver, "2026-02-27") {
		t.Fatalf("%d entities, version %q", len(ents), ver)
	}
	p := 0
	for _, e := range ents {
		if e.Type == TypePerson {
			p++
		}
	}
	if p != 730 {
		t.Errorf("%d individuals, want 730", p)
	}
}

func TestRealCSL(t *testing.T) {
	for file, want := range map[string]int{"consolidated-sample-2025-06.csv": 13, "csl-legacy-2019-12.csv": 115} {
		ents, err := ParseCSL(openShared(t, "sanctions/us_csl/"+file))
		if err != nil {
			t.Fatal(err)
		}
		if len(ents) != want {
			t.Errorf("%s: %d entities, want %d", file, len(ents), want)
		}
	}
}
