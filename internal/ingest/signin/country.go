package signin

import (
	"strings"
	"sync"

	"golang.org/x/text/language"
	"golang.org/x/text/language/display"
)

var (
	countryOnce  sync.Once
	countryNames map[string]string
)

// extra names the providers write that CLDR spells differently.
var countryAliases = map[string]string{
	"united states of america": "US", "usa": "US", "uk": "GB", "great britain": "GB",
	"russia": "RU", "russian federation": "RU", "south korea": "KR", "korea, republic of": "KR",
	"north korea": "KP", "korea, democratic people's republic of": "KP", "dprk": "KP",
	"iran": "IR", "vietnam": "VN", "viet nam": "VN", "czech republic": "CZ", "taiwan": "TW",
	"hong kong": "HK", "macao": "MO", "macau": "MO", "laos": "LA", "syria": "SY", "bolivia": "BO",
	"venezuela": "VE", "tanzania": "TZ", "moldova": "MD", "the netherlands": "NL",
}

// CountryCode returns the ISO 3166-1 alpha-2 code of a country given as a
// code or an English name ("United States", "us", "Korea, Republic of"), or
// "" when it is unknown. Built from CLDR names (golang.org/x/text).
func CountryCode(s string) string {
	s = strings.TrimSpace(s)
	if s == "" {
		return ""
	}
	if len(s) == 2 {
		u := strings.ToUpper(s)
		if u[0] >= 'A' && u[0] <= 'Z' && u[1] >= 'A' && u[1] <= 'Z' {
			return u
		}
	}
	countryOnce.Do(func() {
		countryNames = map[string]string{}
		names := display.English.Regions()
		for a := 'A'; a <= 'Z'; a++ {
			for b := 'A'; b <= 'Z'; b++ {
				code := string([]rune{a, b})
				r, err := language.ParseRegion(code)
				if err != nil || !r.IsCountry() {
					continue
				}
				if n := names.Name(r); n != "" {
					countryNames[strings.ToLower(n)] = code
				}
			}
		}
		for k, v := range countryAliases {
			countryNames[k] = v
		}
	})
	return countryNames[strings.ToLower(s)]
}
