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
