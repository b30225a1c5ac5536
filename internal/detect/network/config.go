package network

import (
	"fmt"
	"strings"
	"time"
)

// Config holds the thresholds of the network detector, read from
// detectors.network in the configuration on top of Defaults().
type Config struct {
	// VPN/proxy/Tor (N01): sign-ins needed before the generic VPN reason
	// fires; one Astrill or Tor sign-in is enough.
	VPNMinSignIns int `koanf:"vpn_min_signins"`
	// Geography (N02, N10).
	GeoMinSignIns     int      `koanf:"geo_min_signins"`     // mismatching sign-ins before flagging
	HighRiskCountries []string `koanf:"high_risk_countries"` // stronger reason when the sign-in country is one of these
	RegionRecent      int      `koanf:"region_recent"`       // recent sign-ins whose majority region is compared to the claim
	// Impossible travel (N03).
	TravelMaxKmh float64 `koanf:"travel_max_kmh"`
	TravelMinKm  float64 `koanf:"travel_min_km"`
	// Several countries/ASNs per account per window (N03).
	Window          time.Duration `koanf:"window"`
	WindowCountries int           `koanf:"window_countries"`
	WindowASNs      int           `koanf:"window_asns"`
	// Shared IP (laptop farm, N04) and shared MFA device (N05).
	SharedIPMinAccounts int           `koanf:"shared_ip_min_accounts"`
	SharedIPWindow      time.Duration `koanf:"shared_ip_window"`
	// An IP shared by more accounts than this is an office or carrier NAT
	// nobody registered as corporate, not a laptop farm; it is skipped.
	SharedIPMaxAccounts  int `koanf:"shared_ip_max_accounts"`
	SharedMFAMinAccounts int `koanf:"shared_mfa_min_accounts"`
	// Activity hours (N09).
	HoursMinSamples int     `koanf:"hours_min_samples"` // distinct (day, hour) slots
	HoursMinGain    float64 `koanf:"hours_min_gain"`    // mean log-likelihood gain per slot of UTC+8/9 over the claimed zone
	SuspectOffsets  []int   `koanf:"suspect_offsets"`   // hours east of UTC (8, 9)
	HoursMaxWeekend float64 `koanf:"hours_max_weekend"` // max weekend share of activity in the suspect zone
	// Long sessions (N07).
	SessionMax time.Duration `koanf:"session_max"`
	// First days of a new account (O06).
	NewAccountDays   int `koanf:"new_account_days"`
	NewAccountFirstN int `koanf:"new_account_first_n"`
	// Corporate egress by ASN, besides the ranges ipintel marks Corporate.
	CorporateASNs []uint32 `koanf:"corporate_asns"`
	// Registered travel: sign-ins from the country in the period are expected.
	Travel []Travel `koanf:"travel"`
	// Disabled reason codes.
	Disabled []string `koanf:"disabled"`
}

// Travel is one registered trip.
type Travel struct {
	Subject string `koanf:"person_id" json:"person_id"`
	Login   string `koanf:"login" json:"login,omitempty"`
	Country string `koanf:"country" json:"country"`
	From    string `koanf:"from" json:"from"` // YYYY-MM-DD
	To      string `koanf:"to" json:"to"`     // YYYY-MM-DD, inclusive
}

// Defaults are the documented default thresholds.
func Defaults() Config {
	return Config{
		VPNMinSignIns:        2,
		GeoMinSignIns:        2,
		HighRiskCountries:    []string{"KP", "CN", "RU"},
		RegionRecent:         10,
		TravelMaxKmh:         1000,
		TravelMinKm:          500,
		Window:               24 * time.Hour,
		WindowCountries:      2,
		WindowASNs:           4,
		SharedIPMinAccounts:  2,
		SharedIPWindow:       30 * 24 * time.Hour,
		SharedIPMaxAccounts:  12,
		SharedMFAMinAccounts: 2,
		HoursMinSamples:      30,
		HoursMinGain:         0.4,
		SuspectOffsets:       []int{8, 9},
		HoursMaxWeekend:      0.1,
		SessionMax:           24 * time.Hour,
		NewAccountDays:       30,
		NewAccountFirstN:     10,
	}
}

type trip struct {
	country  string
	from, to time.Time
}

func (c *Config) trips() (map[string][]trip, error) {
	out := map[string][]trip{}
	for i, t := range c.Travel {
		f, err := time.Parse("2006-01-02", t.From)
		if err != nil {
			return nil, fmt.Errorf("detectors.network.travel[%d].from: %w", i, err)
		}
		to, err := time.Parse("2006-01-02", t.To)
		if err != nil {
			return nil, fmt.Errorf("detectors.network.travel[%d].to: %w", i, err)
		}
		key := t.Subject
		if key == "" {
			key = "login:" + strings.ToLower(t.Login)
		}
		out[key] = append(out[key], trip{strings.ToUpper(t.Country), f, to.Add(24 * time.Hour)})
	}
	return out, nil
}
