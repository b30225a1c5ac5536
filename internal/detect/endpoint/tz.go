package endpoint

import (
	"strconv"
	"strings"
	"time"
	_ "time/tzdata" // claimed and device zones must resolve on hosts without tzdata
)

// windowsZones maps Windows time-zone key names (TimeZoneKeyName) to IANA.
var windowsZones = map[string]string{
	"china standard time": "Asia/Shanghai", "korea standard time": "Asia/Seoul", "north korea standard time": "Asia/Pyongyang",
	"tokyo standard time": "Asia/Tokyo", "russian standard time": "Europe/Moscow", "vladivostok standard time": "Asia/Vladivostok",
	"singapore standard time": "Asia/Singapore", "taipei standard time": "Asia/Taipei", "ulaanbaatar standard time": "Asia/Ulaanbaatar",
	"se asia standard time": "Asia/Bangkok", "india standard time": "Asia/Kolkata", "arabian standard time": "Asia/Dubai",
	"pacific standard time": "America/Los_Angeles", "mountain standard time": "America/Denver", "us mountain standard time": "America/Phoenix",
	"central standard time": "America/Chicago", "eastern standard time": "America/New_York", "alaskan standard time": "America/Anchorage",
	"hawaiian standard time": "Pacific/Honolulu", "atlantic standard time": "America/Halifax", "canada central standard time": "America/Regina",
	"gmt standard time": "Europe/London", "greenwich standard time": "Atlantic/Reykjavik", "w. europe standard time": "Europe/Berlin",
	"central europe standard time": "Europe/Budapest", "central european standard time": "Europe/Warsaw", "romance standard time": "Europe/Paris",
	"fle standard time": "Europe/Kiev", "gtb standard time": "Europe/Bucharest", "e. south america standard time": "America/Sao_Paulo",
	"aus eastern standard time": "Australia/Sydney", "utc": "UTC", "coordinated universal time": "UTC",
}

// abbrevZones maps time-zone abbreviations (osquery's time.local_timezone on
// POSIX) to the zones they may stand for; ambiguous ones list several.
var abbrevZones = map[string][]string{
	"kst": {"Asia/Seoul", "Asia/Pyongyang"}, "jst": {"Asia/Tokyo"}, "msk": {"Europe/Moscow"}, "hkt": {"Asia/Hong_Kong"},
	"cst": {"America/Chicago", "Asia/Shanghai", "Asia/Taipei", "America/Havana"}, "cdt": {"America/Chicago"},
	"pst": {"America/Los_Angeles"}, "pdt": {"America/Los_Angeles"}, "mst": {"America/Denver", "America/Phoenix"},
	"mdt": {"America/Denver"}, "est": {"America/New_York"}, "edt": {"America/New_York"}, "akst": {"America/Anchorage"},
	"akdt": {"America/Anchorage"}, "hst": {"Pacific/Honolulu"}, "utc": {"UTC"}, "gmt": {"Europe/London", "UTC"},
	"bst": {"Europe/London"}, "cet": {"Europe/Berlin"}, "cest": {"Europe/Berlin"}, "eet": {"Europe/Kiev"},
	"eest": {"Europe/Kiev"}, "ist": {"Asia/Kolkata", "Europe/Dublin", "Asia/Jerusalem"}, "sgt": {"Asia/Singapore"},
	"aest": {"Australia/Sydney"}, "aedt": {"Australia/Sydney"}, "wib": {"Asia/Jakarta"}, "pht": {"Asia/Manila"},
}

// zoneOffsets returns the UTC offsets (seconds) a device time-zone value may
// mean at time at; ok is false when the value is not understood.
func zoneOffsets(v string, at time.Time) ([]int, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return nil, false
	}
	if strings.Contains(v, "/") {
		if loc, err := time.LoadLocation(v); err == nil {
			_, off := at.In(loc).Zone()
			return []int{off}, true
		}
	}
	lv := strings.ToLower(v)
	if z, ok := windowsZones[lv]; ok {
		loc, err := time.LoadLocation(z)
		if err != nil {
			return nil, false
		}
		_, off := at.In(loc).Zone()
		return []int{off}, true
	}
	if zs, ok := abbrevZones[lv]; ok {
		var out []int
		for _, z := range zs {
			if loc, err := time.LoadLocation(z); err == nil {
				_, off := at.In(loc).Zone()
				out = append(out, off)
			}
		}
		return out, len(out) > 0
	}
	// "UTC+8", "GMT-05:00", "+0800"
	s := strings.TrimPrefix(strings.TrimPrefix(lv, "utc"), "gmt")
	if s != "" && (s[0] == '+' || s[0] == '-') {
		sign := 1
		if s[0] == '-' {
			sign = -1
		}
		s = strings.ReplaceAll(s[1:], ":", "")
		h, m := s, "0"
		if len(s) > 2 {
			h, m = s[:len(s)-2], s[len(s)-2:]
		}
		hh, err1 := strconv.Atoi(h)
		mm, err2 := strconv.Atoi(m)
		if err1 == nil && err2 == nil && hh <= 14 && mm < 60 {
			return []int{sign * (hh*3600 + mm*60)}, true
		}
	}
	return nil, false
}

// claimedOffset is the UTC offset of the claimed IANA zone at time at.
func claimedOffset(zone string, at time.Time) (int, bool) {
	offs, ok := zoneOffsets(zone, at)
	if !ok || len(offs) != 1 {
		return 0, false
	}
	return offs[0], true
}

// zoneCountry maps common IANA zones to their country, for a subject who
// claimed a time zone but no address country.
var zoneCountry = map[string]string{
	"America/New_York": "US", "America/Chicago": "US", "America/Denver": "US", "America/Los_Angeles": "US",
	"America/Phoenix": "US", "America/Anchorage": "US", "Pacific/Honolulu": "US", "America/Detroit": "US",
	"America/Indiana/Indianapolis": "US", "America/Boise": "US", "America/Toronto": "CA", "America/Vancouver": "CA",
	"America/Edmonton": "CA", "America/Winnipeg": "CA", "America/Halifax": "CA", "America/Mexico_City": "MX",
	"America/Sao_Paulo": "BR", "America/Argentina/Buenos_Aires": "AR", "America/Bogota": "CO", "Europe/London": "GB",
	"Europe/Dublin": "IE", "Europe/Berlin": "DE", "Europe/Paris": "FR", "Europe/Madrid": "ES", "Europe/Rome": "IT",
	"Europe/Amsterdam": "NL", "Europe/Warsaw": "PL", "Europe/Kyiv": "UA", "Europe/Kiev": "UA", "Europe/Moscow": "RU",
	"Europe/Bucharest": "RO", "Europe/Stockholm": "SE", "Asia/Kolkata": "IN", "Asia/Seoul": "KR", "Asia/Tokyo": "JP",
	"Asia/Shanghai": "CN", "Asia/Hong_Kong": "HK", "Asia/Taipei": "TW", "Asia/Singapore": "SG", "Asia/Manila": "PH",
	"Asia/Jakarta": "ID", "Asia/Ho_Chi_Minh": "VN", "Asia/Bangkok": "TH", "Asia/Dubai": "AE", "Asia/Pyongyang": "KP",
	"Australia/Sydney": "AU", "Australia/Melbourne": "AU", "Pacific/Auckland": "NZ", "Africa/Lagos": "NG",
}
