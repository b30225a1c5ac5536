package identity

import (
	"fmt"
	"strings"

	"github.com/nyaruka/phonenumbers"
)

// Line types reported for phone numbers.
const (
	LineFixed         = "fixed_line"
	LineMobile        = "mobile"
	LineFixedOrMobile = "fixed_line_or_mobile"
	LineTollFree      = "toll_free"
	LinePremium       = "premium_rate"
	LineSharedCost    = "shared_cost"
	LineVoIP          = "voip"
	LinePersonal      = "personal_number"
	LinePager         = "pager"
	LineUAN           = "uan"
	LineVoicemail     = "voicemail"
	LineUnknown       = "unknown"
)

var lineNames = map[phonenumbers.PhoneNumberType]string{
	phonenumbers.FIXED_LINE: LineFixed, phonenumbers.MOBILE: LineMobile,
	phonenumbers.FIXED_LINE_OR_MOBILE: LineFixedOrMobile, phonenumbers.TOLL_FREE: LineTollFree,
	phonenumbers.PREMIUM_RATE: LinePremium, phonenumbers.SHARED_COST: LineSharedCost,
	phonenumbers.VOIP: LineVoIP, phonenumbers.PERSONAL_NUMBER: LinePersonal, phonenumbers.PAGER: LinePager,
	phonenumbers.UAN: LineUAN, phonenumbers.VOICEMAIL: LineVoicemail, phonenumbers.UNKNOWN: LineUnknown,
}

// Phone is a normalised phone number.
type Phone struct {
	E164     string `json:"e164"`
	Country  string `json:"country,omitempty"`   // ISO 3166-1 alpha-2 of the numbering region
	LineType string `json:"line_type,omitempty"` // see Line* constants
	Carrier  string `json:"carrier,omitempty"`   // original carrier from the bundled prefix data
	// CallingCode is the country calling code (1 for all of NANP).
	CallingCode int `json:"calling_code"`
	// VoIPKnown is false where the numbering plan does not say whether a
	// number is VoIP (all of NANP, +1). LineType is then never "voip" even
	// for a Google Voice number.
	VoIPKnown bool `json:"voip_known"`
}

// IsVoIP reports whether the number is known to be VoIP.
func (p Phone) IsVoIP() bool { return p.LineType == LineVoIP }

// ParsePhone normalises a phone number to E.164. defaultRegion (ISO alpha-2,
// e.g. the subject's country) is used for numbers written without a
// country code; "US" when empty.
func ParsePhone(raw, defaultRegion string) (Phone, error) {
	s := strings.TrimSpace(raw)
	if s == "" {
		return Phone{}, fmt.Errorf("empty phone number")
	}
	if len(s) > 64 {
		return Phone{}, fmt.Errorf("phone number is %d characters long", len(s))
	}
	region := strings.ToUpper(strings.TrimSpace(defaultRegion))
	if region == "" || len(region) != 2 {
		region = "US"
	}
	if strings.HasPrefix(s, "00") {
		s = "+" + s[2:]
	}
	n, err := phonenumbers.Parse(s, region)
	if err != nil {
		return Phone{}, fmt.Errorf("%q is not a phone number: %w", raw, err)
	}
	if !phonenumbers.IsValidNumber(n) {
		return Phone{}, fmt.Errorf("%q is not a valid number in any numbering plan", raw)
	}
	p := Phone{
		E164:        phonenumbers.Format(n, phonenumbers.E164),
		Country:     phonenumbers.GetRegionCodeForNumber(n),
		LineType:    lineNames[phonenumbers.GetNumberType(n)],
		VoIPKnown:   n.GetCountryCode() != 1,
		CallingCode: int(n.GetCountryCode()),
	}
	if c, err := phonenumbers.GetCarrierForNumber(n, "en"); err == nil {
		p.Carrier = c
	}
	if p.LineType == "" {
		p.LineType = LineUnknown
	}
	return p, nil
}

// PhoneDigits is the fallback key for a number that does not parse: a
// leading + and the digits, so that formatting differences still match.
func PhoneDigits(raw string) string {
	var b strings.Builder
	for i, r := range strings.TrimSpace(raw) {
		if r == '+' && i == 0 {
			b.WriteRune(r)
		}
		if r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// CallingCodeFor returns the country calling code of an ISO region (0 when
// unknown).
func CallingCodeFor(region string) int {
	return phonenumbers.GetCountryCodeForRegion(strings.ToUpper(strings.TrimSpace(region)))
}
