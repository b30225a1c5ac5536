package identity

import "strings"

// usStateCodes maps US state and territory names to their postal codes. It is
// the one copy the address normaliser and the network and endpoint detectors
// share, so that "California" (Okta, dbip), "CA" (MaxMind, HR records) and
// "US-CA" (ISO 3166-2) compare equal everywhere.
var usStateCodes = map[string]string{
	"alabama": "AL", "alaska": "AK", "arizona": "AZ", "arkansas": "AR", "california": "CA", "colorado": "CO", "connecticut": "CT",
	"delaware": "DE", "district of columbia": "DC", "florida": "FL", "georgia": "GA", "hawaii": "HI", "idaho": "ID", "illinois": "IL",
	"indiana": "IN", "iowa": "IA", "kansas": "KS", "kentucky": "KY", "louisiana": "LA", "maine": "ME", "maryland": "MD",
	"massachusetts": "MA", "michigan": "MI", "minnesota": "MN", "mississippi": "MS", "missouri": "MO", "montana": "MT",
	"nebraska": "NE", "nevada": "NV", "new hampshire": "NH", "new jersey": "NJ", "new mexico": "NM", "new york": "NY",
	"north carolina": "NC", "north dakota": "ND", "ohio": "OH", "oklahoma": "OK", "oregon": "OR", "pennsylvania": "PA",
	"rhode island": "RI", "south carolina": "SC", "south dakota": "SD", "tennessee": "TN", "texas": "TX", "utah": "UT",
	"vermont": "VT", "virginia": "VA", "washington": "WA", "west virginia": "WV", "wisconsin": "WI", "wyoming": "WY",
	"puerto rico": "PR",
}

// USStateCode returns the upper-case postal code of a US state or territory
// given by its full name, in any case ("new york" -> "NY").
func USStateCode(name string) (string, bool) {
	c, ok := usStateCodes[strings.ToLower(strings.TrimSpace(name))]
	return c, ok
}
