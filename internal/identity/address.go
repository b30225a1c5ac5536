package identity

import (
	"fmt"
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"

	"github.com/redflag-dev/redflag/internal/model"
)

// Addr is a normalised postal address.
type Addr struct {
	Line       string `json:"line"` // "12 n main st unit 4b"
	City       string `json:"city,omitempty"`
	Region     string `json:"region,omitempty"`
	PostalCode string `json:"postal_code,omitempty"`
	Country    string `json:"country,omitempty"`
	// Key identifies the place: country, postal code and street line when a
	// postal code is known (city and region spellings vary more than the
	// code), otherwise street line, city, region and country.
	Key string `json:"key"`
	// Building is Key without the unit, for "same building" comparisons.
	Building string `json:"building"`
}

// abbrev maps street-type, direction and unit words to one spelling (USPS
// Publication 28 style abbreviations).
var abbrev = map[string]string{
	"street": "st", "str": "st", "avenue": "ave", "av": "ave", "avn": "ave", "road": "rd", "drive": "dr", "drv": "dr",
	"boulevard": "blvd", "blv": "blvd", "lane": "ln", "court": "ct", "crt": "ct", "place": "pl", "highway": "hwy",
	"parkway": "pkwy", "pky": "pkwy", "circle": "cir", "terrace": "ter", "square": "sq", "trail": "trl",
	"way": "way", "crescent": "cres", "expressway": "expy", "freeway": "fwy", "heights": "hts", "point": "pt",
	"mount": "mt", "fort": "ft", "saint": "st", "center": "ctr", "centre": "ctr", "plaza": "plz", "route": "rte",
	"north": "n", "south": "s", "east": "e", "west": "w", "northeast": "ne", "northwest": "nw",
	"southeast": "se", "southwest": "sw",
	// units all become "unit" so that "Apt 4B", "#4B", "Suite 4B" and "Unit 4B" agree
	"apartment": "unit", "apt": "unit", "suite": "unit", "ste": "unit", "unit": "unit", "flat": "unit",
	"room": "unit", "rm": "unit", "no": "unit", "number": "unit",
	"floor": "fl", "fl": "fl", "building": "bldg", "bldg": "bldg",
	"po": "po", "p": "p", "box": "box",
}

var countryNames = map[string]string{
	"usa": "US", "united states": "US", "united states of america": "US", "u s a": "US", "u s": "US",
	"uk": "GB", "united kingdom": "GB", "great britain": "GB", "england": "GB",
}

// tokens lower-cases s, strips accents and punctuation ('#' becomes "unit")
// and splits it into words.
func tokens(s string) []string {
	s = norm.NFKD.String(s)
	var b strings.Builder
	for _, r := range s {
		switch {
		case unicode.Is(unicode.Mn, r):
			continue // combining accent
		case r == '#':
			b.WriteString(" unit ")
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			b.WriteRune(unicode.ToLower(r))
		case r == '-' || r == '/':
			b.WriteRune(r)
		default:
			b.WriteByte(' ')
		}
	}
	return strings.Fields(b.String())
}

func normLine(s string) (line, building string) {
	ts := tokens(s)
	out := make([]string, 0, len(ts))
	unitAt := -1
	for i, t := range ts {
		t = strings.Trim(t, "-/")
		if t == "" {
			continue
		}
		if a, ok := abbrev[t]; ok {
			t = a
		}
		if t == "unit" {
			// "no" and "number" only mean a unit before something with a digit
			if i+1 >= len(ts) || strings.IndexFunc(ts[i+1], unicode.IsDigit) < 0 {
				if ts[i] == "no" || ts[i] == "number" {
					out = append(out, ts[i])
					continue
				}
			}
			if len(out) > 0 && out[len(out)-1] == "unit" {
				continue // "apt #4" -> one unit word
			}
			if unitAt < 0 {
				unitAt = len(out)
			}
		}
		out = append(out, t)
	}
	line = strings.Join(out, " ")
	if unitAt >= 0 {
		building = strings.Join(out[:unitAt], " ")
	} else {
		building = line
	}
	return line, building
}

func normPostal(p, country string) string {
	var b strings.Builder
	for _, r := range strings.ToUpper(p) {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			b.WriteRune(r)
		}
	}
	s := b.String()
	if (country == "US" || country == "") && len(s) == 9 && isDigits(s) { // ZIP+4
		s = s[:5]
	}
	return s
}

func isDigits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return s != ""
}

func normCountry(c string) string {
	t := strings.Join(tokens(c), " ")
	if v, ok := countryNames[t]; ok {
		return v
	}
	return strings.ToUpper(t)
}

// ParseAddress normalises a postal address. It fails when there is no
// street line, or nothing besides it to place it (city or postal code).
func ParseAddress(a model.Address) (Addr, error) {
	if a.IsZero() {
		return Addr{}, fmt.Errorf("empty address")
	}
	country := normCountry(a.Country)
	line, building := normLine(a.Line)
	out := Addr{
		Line:       line,
		City:       strings.Join(tokens(a.City), " "),
		Country:    country,
		PostalCode: normPostal(a.PostalCode, country),
	}
	region := strings.Join(tokens(a.Region), " ")
	if v, ok := USStateCode(region); ok && (country == "US" || country == "") {
		region = strings.ToLower(v)
	}
	out.Region = region
	if out.Line == "" {
		return out, fmt.Errorf("address has no street line")
	}
	if out.City == "" && out.PostalCode == "" {
		return out, fmt.Errorf("address %q has neither a city nor a postal code", a.Line)
	}
	if out.PostalCode != "" {
		out.Key = strings.Join([]string{strings.ToLower(country), strings.ToLower(out.PostalCode), line}, "|")
		out.Building = strings.Join([]string{strings.ToLower(country), strings.ToLower(out.PostalCode), building}, "|")
	} else {
		out.Key = strings.Join([]string{strings.ToLower(country), out.Region, out.City, line}, "|")
		out.Building = strings.Join([]string{strings.ToLower(country), out.Region, out.City, building}, "|")
	}
	return out, nil
}

// AddressKey returns the canonical key of a, or model.Address.Key() as a
// fallback when the address does not parse.
func AddressKey(a model.Address) string {
	if n, err := ParseAddress(a); err == nil {
		return n.Key
	}
	return a.Key()
}
