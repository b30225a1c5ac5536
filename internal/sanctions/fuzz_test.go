package sanctions

import (
	"bytes"
	"io"
	"os"
	"testing"
)

// seedShared adds the first n bytes of a shared real sample, when present.
func seedShared(f *testing.F, rel string, n int) {
	p := sharedPath(rel)
	if p == "" {
		return
	}
	fh, err := os.Open(p)
	if err != nil {
		return
	}
	defer fh.Close()
	b := make([]byte, n)
	k, _ := io.ReadFull(fh, b)
	f.Add(b[:k])
}

// sharedPath is sharedData without skipping: "" when absent.
func sharedPath(rel string) string {
	dir, err := os.Getwd()
	if err != nil {
		return ""
	}
	for i := 0; i < 6; i++ {
		if _, err := os.Stat(dir + "/go.mod"); err == nil {
			p := dir + "/../shared/data/" + rel
			if _, err := os.Stat(p); err == nil {
				return p
			}
			return ""
		}
		dir = dir + "/.."
	}
	return ""
}

func fixtureF(f *testing.F, rel string) []byte {
	b, err := os.ReadFile("testdata/lists/" + rel)
	if err != nil {
		f.Fatal(err)
	}
	return b
}

func FuzzParseOFACCSV(f *testing.F) {
	f.Add(append(append(fixtureF(f, "ofac/sdn.csv"), 0), fixtureF(f, "ofac/alt.csv")...))
	seedShared(f, "sanctions/ofac/full-2024-05/sdn.csv", 6000)
	f.Fuzz(func(t *testing.T, b []byte) {
		// sdn.csv and alt.csv separated by a NUL byte
		sdn, alt, _ := bytes.Cut(b, []byte{0})
		ents, err := ParseOFACCSV(ListOFACSDN, OFACFiles{SDN: bytes.NewReader(sdn), Alt: bytes.NewReader(alt)})
		if err != nil {
			return
		}
		for _, e := range ents {
			if e.SourceID == "" || e.List != ListOFACSDN {
				t.Fatalf("entity without id or list: %+v", e)
			}
		}
		NewIndex(ents).Screen(Query{Name: "kim jong"})
	})
}

func FuzzParseOFACRemarks(f *testing.F) {
	f.Add("DOB 05 Feb 1970; alt. DOB 1983 to 1985; nationality Korea, North; Gender Male; Passport 927220230 (Korea, North); a.k.a. 'X'; Digital Currency Address - XBT 1abc; Linked To: Y.")
	f.Fuzz(func(t *testing.T, r string) {
		var e Entity
		parseOFACRemarks(&e, r)
		for _, d := range e.DOBs {
			if d != "" && ParseDate(d) != d {
				t.Fatalf("non-canonical date %q from %q", d, r)
			}
		}
	})
}

func FuzzParseOFACXML(f *testing.F) {
	f.Add(fixtureF(f, "ofac/sdn.xml"))
	f.Fuzz(func(t *testing.T, b []byte) {
		ents, _, err := ParseOFACXML(ListOFACSDN, bytes.NewReader(b))
		if err == nil {
			NewIndex(ents)
		}
	})
}

func FuzzParseUNXML(f *testing.F) {
	f.Add(fixtureF(f, "un/consolidated.xml"))
	seedShared(f, "sanctions/un/un_consolidated.xml", 8000)
	f.Fuzz(func(t *testing.T, b []byte) {
		ents, _, err := ParseUNXML(bytes.NewReader(b))
		if err == nil {
			NewIndex(ents)
		}
	})
}

func FuzzParseEUXML(f *testing.F) {
	f.Add(fixtureF(f, "eu/eu_fsf.xml"))
	f.Fuzz(func(t *testing.T, b []byte) {
		ents, _, err := ParseEUXML(bytes.NewReader(b))
		if err == nil {
			NewIndex(ents)
		}
	})
}

func FuzzParseEUCSV(f *testing.F) {
	f.Add(fixtureF(f, "eu/eu_fsf.csv"))
	f.Fuzz(func(t *testing.T, b []byte) {
		ents, err := ParseEUCSV(bytes.NewReader(b))
		if err == nil {
			NewIndex(ents)
		}
	})
}

func FuzzParseUKCSV(f *testing.F) {
	f.Add(fixtureF(f, "uk/UK-Sanctions-List.csv"))
	f.Add(fixtureF(f, "uk/ConList.csv"))
	f.Fuzz(func(t *testing.T, b []byte) {
		ents, _, err := ParseUKCSV(bytes.NewReader(b))
		if err == nil {
			NewIndex(ents)
		}
	})
}

func FuzzParseCSL(f *testing.F) {
	f.Add(fixtureF(f, "csl/consolidated.csv"))
	seedShared(f, "sanctions/us_csl/consolidated-sample-2025-06.csv", 9000)
	seedShared(f, "sanctions/us_csl/csl-legacy-2019-12.csv", 6000)
	f.Fuzz(func(t *testing.T, b []byte) {
		ents, err := ParseCSL(bytes.NewReader(b))
		if err == nil {
			NewIndex(ents)
		}
	})
}

func FuzzTransliterateAndScreen(f *testing.F) {
	for _, s := range []string{"김정은", "Ким Чен Ын", "金正恩", "Kim Jong-un", "GroupeDiarra (ex-Foo) c/o Bar", "ხობი ლედი", "Ջանոյան"} {
		f.Add(s)
	}
	ix := NewIndex([]Entity{{List: "t", SourceID: "1", Type: TypePerson, Names: []Name{{Name: "KIM, Jong Un", Kind: "primary"}}}})
	f.Fuzz(func(t *testing.T, s string) {
		out := Transliterate(s, false)
		for i := 0; i < len(out); i++ {
			if out[i] >= 'A' && out[i] <= 'Z' {
				t.Fatalf("upper case in %q", out)
			}
		}
		for _, m := range ix.Screen(Query{Name: s}) {
			if m.Score < 0 || m.Score > 1 {
				t.Fatalf("score %v out of range for %q", m.Score, s)
			}
		}
	})
}
