package identity

import (
	"bytes"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/redflag-dev/redflag/internal/model"
)

// Seeds are real-world shapes: the Senzing truth-set and FEBRL records and
// the libphonenumber examples in ../shared/docs/data-formats.md §4.1.
func FuzzParsePhone(f *testing.F) {
	for _, s := range []string{"702-919-1300", "+44 56 1234 5678", "+850 191 234 5678", "+86 138 0013 8000", "(800) 555-0199 ext 12", "0044 7911 123456", "+", "00", "+1 (", "tel:+1-201-555-0123"} {
		f.Add(s, "US")
	}
	f.Fuzz(func(t *testing.T, raw, region string) {
		p, err := ParsePhone(raw, region)
		if err != nil {
			return
		}
		if !strings.HasPrefix(p.E164, "+") || len(p.E164) > 16 {
			t.Fatalf("bad E.164 %q from %q", p.E164, raw)
		}
		q, err := ParsePhone(p.E164, "")
		if err != nil || q.E164 != p.E164 {
			t.Fatalf("E.164 %q does not round-trip: %+v %v", p.E164, q, err)
		}
	})
}

func FuzzParseEmail(f *testing.F) {
	for _, s := range []string{"bsmith@work.com", "John.Smith+jobs@Gmail.com", "Bob <bob@x.org>", "mailto:a@b.co", "a@b", "@@", "x@y..z", "ü@bücher.de"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		e, err := ParseEmail(raw)
		if err != nil {
			return
		}
		if strings.Count(e.Canonical, "@") < 1 || e.Domain == "" || e.Canonical != strings.ToLower(e.Canonical) {
			t.Fatalf("bad canonical %+v from %q", e, raw)
		}
		e2, err := ParseEmail(e.Canonical)
		if err != nil || e2.Canonical != e.Canonical {
			t.Fatalf("canonical %q not idempotent: %+v %v", e.Canonical, e2, err)
		}
	})
}

func FuzzParseAddress(f *testing.F) {
	f.Add("123 Main Street, Las Vegas NV 89132", "Las Vegas", "NV", "89132", "US")
	f.Add("1515 Adela Ln #4B", "Las Vegas", "Nevada", "89111-1234", "USA")
	f.Add("8 stanley street miami", "winston hills", "nsw", "4223", "AU")
	f.Add("Flat 2, 10 Downing St", "London", "", "SW1A 2AA", "GB")
	f.Add("Rua São João, nº 5", "Lisboa", "", "1000-001", "PT")
	f.Fuzz(func(t *testing.T, line, city, region, postal, country string) {
		a, err := ParseAddress(model.Address{Line: line, City: city, Region: region, PostalCode: postal, Country: country})
		if err != nil {
			return
		}
		if a.Key == "" || !utf8.ValidString(a.Key) && utf8.ValidString(line+city+region+postal+country) {
			t.Fatalf("bad key %+v", a)
		}
		// Normalising the normalised line again must not change the key.
		b, err := ParseAddress(model.Address{Line: a.Line, City: a.City, Region: a.Region, PostalCode: a.PostalCode, Country: a.Country})
		if err != nil || b.Key != a.Key {
			t.Fatalf("key not idempotent: %q vs %q (%v)", a.Key, b.Key, err)
		}
	})
}

func FuzzTextSignatures(f *testing.F) {
	f.Add("Senior Go engineer, 8 years, React and AWS.", "Senior Go engineer, 9 years, React and AWS.")
	f.Add("", "x")
	f.Fuzz(func(t *testing.T, a, b string) {
		sa, oka := MinHash(a)
		sb, okb := MinHash(b)
		if oka && okb {
			s := sa.Similarity(&sb)
			if s < 0 || s > 1 || sa.Similarity(&sa) != 1 {
				t.Fatalf("similarity out of range: %v", s)
			}
		}
		_ = SimHash(a)
		_ = DomainOf(a)
		_ = CodeLogin(a)
	})
}

func FuzzParseDomainData(f *testing.F) {
	f.Add([]byte(`["0-mail.com","027168.com","*.wildcard.example"]`))
	f.Add([]byte("mailinator.com\n# comment\nyopmail.com\n"))
	f.Add([]byte(`[1,2]`))
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := ParseDomainData(b)
		if err != nil {
			return
		}
		again, err := ParseDomainList(bytes.NewReader(s.Bytes()))
		if err != nil || again.Len() != s.Len() {
			t.Fatalf("round trip lost domains: %d -> %d (%v)", s.Len(), again.Len(), err)
		}
	})
}
