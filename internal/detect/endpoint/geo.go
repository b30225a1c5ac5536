package endpoint

import (
	"strings"

	"github.com/redflag-dev/redflag/internal/indicators"
	"github.com/redflag-dev/redflag/internal/model"
)

var usStates = map[string]string{
	"al": "alabama", "ak": "alaska", "az": "arizona", "ar": "arkansas", "ca": "california", "co": "colorado",
	"ct": "connecticut", "de": "delaware", "fl": "florida", "ga": "georgia", "hi": "hawaii", "id": "idaho",
	"il": "illinois", "in": "indiana", "ia": "iowa", "ks": "kansas", "ky": "kentucky", "la": "louisiana",
	"me": "maine", "md": "maryland", "ma": "massachusetts", "mi": "michigan", "mn": "minnesota", "ms": "mississippi",
	"mo": "missouri", "mt": "montana", "ne": "nebraska", "nv": "nevada", "nh": "new hampshire", "nj": "new jersey",
	"nm": "new mexico", "ny": "new york", "nc": "north carolina", "nd": "north dakota", "oh": "ohio", "ok": "oklahoma",
	"or": "oregon", "pa": "pennsylvania", "ri": "rhode island", "sc": "south carolina", "sd": "south dakota",
	"tn": "tennessee", "tx": "texas", "ut": "utah", "vt": "vermont", "va": "virginia", "wa": "washington",
	"wv": "west virginia", "wi": "wisconsin", "wy": "wyoming", "dc": "district of columbia",
}

func regionKey(s string) string {
	k := indicators.TextKey(s)
	if full, ok := usStates[k]; ok {
		return full
	}
	return k
}

// geoLevel says how far an observed location is from the home address:
// "" (same place or not comparable), "city", "region" or "country".
func geoLevel(home model.Address, ip *model.IPInfo) string {
	hc, ic := strings.ToUpper(strings.TrimSpace(home.Country)), strings.ToUpper(strings.TrimSpace(ip.Country))
	if hc == "" || ic == "" {
		return ""
	}
	if hc != ic {
		return "country"
	}
	hr, ir := regionKey(home.Region), regionKey(ip.Region)
	if hr != "" && ir != "" && hr != ir {
		return "region"
	}
	hcity, icity := indicators.TextKey(home.City), indicators.TextKey(ip.City)
	if hcity != "" && icity != "" && hcity != icity {
		return "city"
	}
	return ""
}
