package endpoint

import (
	"github.com/redflag-dev/redflag/internal/identity"
	"strings"

	"github.com/redflag-dev/redflag/internal/indicators"
	"github.com/redflag-dev/redflag/internal/model"
)

func regionKey(s string) string {
	k := indicators.TextKey(s)
	if code, ok := identity.USStateCode(k); ok {
		return strings.ToLower(code) // "California" and "CA" compare equal
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
