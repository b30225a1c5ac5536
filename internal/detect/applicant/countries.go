package applicant

import (
	"sort"
	"strings"
)

// Country and institution names that place an education or employer in a
// country. The check is a weak signal (catalogue A11: US address with
// non-North-American education); it reads the resume's text, never the
// person's origin.
var countryWords = map[string]string{
	"united states": "US", "usa": "US", "canada": "CA", "mexico": "MX", "brazil": "BR", "argentina": "AR",
	"united kingdom": "GB", "england": "GB", "ireland": "IE", "germany": "DE", "france": "FR", "spain": "ES",
	"italy": "IT", "netherlands": "NL", "belgium": "BE", "poland": "PL", "ukraine": "UA", "russia": "RU",
	"serbia": "RS", "slovakia": "SK", "romania": "RO", "hungary": "HU", "czech republic": "CZ", "sweden": "SE",
	"china": "CN", "hong kong": "HK", "taiwan": "TW", "japan": "JP", "south korea": "KR", "north korea": "KP",
	"vietnam": "VN", "thailand": "TH", "malaysia": "MY", "singapore": "SG", "indonesia": "ID", "philippines": "PH",
	"india": "IN", "pakistan": "PK", "bangladesh": "BD", "nigeria": "NG", "egypt": "EG", "turkey": "TR",
	"australia": "AU", "new zealand": "NZ", "laos": "LA", "cambodia": "KH", "mongolia": "MN", "uae": "AE",
	// institutions and cities that name no country
	"iit ": "IN", "iit bombay": "IN", "iit delhi": "IN", "tsinghua": "CN", "peking university": "CN",
	"shenyang": "CN", "dalian": "CN", "harbin": "CN", "dandong": "CN", "yanbian": "CN", "beijing": "CN", "shanghai": "CN",
	"kim il sung university": "KP", "kim chaek": "KP", "pyongyang": "KP", "belgrade": "RS", "warsaw": "PL",
	"toronto": "CA", "waterloo": "CA", "mcgill": "CA", "sao paulo": "BR", "são paulo": "BR", "kyiv": "UA", "kiev": "UA",
	"moscow": "RU", "vladivostok": "RU", "hanoi": "VN", "ho chi minh": "VN", "kuala lumpur": "MY", "bangkok": "TH",
	"manila": "PH", "bangalore": "IN", "bengaluru": "IN", "mumbai": "IN", "lagos": "NG", "tokyo": "JP", "seoul": "KR",
	"osaka": "JP", "bratislava": "SK", "novi sad": "RS",
}

// ResumeCountries lists the countries the resume's education and
// employer mentions point to, sorted and unique.
func ResumeCountries(text string) []string {
	t := " " + strings.ToLower(strings.NewReplacer(",", " ", ".", " ", ";", " ", "(", " ", ")", " ").Replace(text)) + " "
	t = strings.Join(strings.Fields(t), " ")
	t = " " + t + " "
	seen := map[string]bool{}
	for w, c := range countryWords {
		if strings.Contains(t, " "+strings.TrimSpace(w)+" ") {
			seen[c] = true
		}
	}
	out := make([]string, 0, len(seen))
	for c := range seen {
		out = append(out, c)
	}
	sort.Strings(out)
	return out
}

// regions group countries between which studying or working abroad says
// nothing: North America (catalogue A11 speaks of "non-North-American
// education" for a US address) and the European Union with the EEA,
// Switzerland and the UK. Serbia is deliberately outside: Belgrade degrees
// with Slovak residency papers are a reported pattern (A20).
var regions = map[string]string{
	"US": "na", "CA": "na", "MX": "na",
	"AT": "eu", "BE": "eu", "BG": "eu", "HR": "eu", "CY": "eu", "CZ": "eu", "DK": "eu", "EE": "eu", "FI": "eu", "FR": "eu",
	"DE": "eu", "GR": "eu", "HU": "eu", "IE": "eu", "IT": "eu", "LV": "eu", "LT": "eu", "LU": "eu", "MT": "eu", "NL": "eu",
	"PL": "eu", "PT": "eu", "RO": "eu", "SK": "eu", "SI": "eu", "ES": "eu", "SE": "eu", "NO": "eu", "IS": "eu", "CH": "eu",
	"GB": "eu",
}

// SameRegion reports whether two ISO country codes are equal or in one region.
func SameRegion(a, b string) bool {
	a, b = strings.ToUpper(a), strings.ToUpper(b)
	if a == b {
		return true
	}
	ra, rb := regions[a], regions[b]
	return ra != "" && ra == rb
}
