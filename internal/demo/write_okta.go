package demo

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"sort"
	"time"
)

// Okta System Log LogEvent, the fields the demo fills (the real object has
// more; see docs/formats/okta.md).
type oktaEvent struct {
	Actor                 oktaActor       `json:"actor"`
	AuthenticationContext oktaAuthCtx     `json:"authenticationContext"`
	Client                oktaClient      `json:"client"`
	DebugContext          oktaDebug       `json:"debugContext"`
	Device                *oktaDevice     `json:"device"`
	DisplayMessage        string          `json:"displayMessage"`
	EventType             string          `json:"eventType"`
	LegacyEventType       string          `json:"legacyEventType"`
	Outcome               oktaOutcome     `json:"outcome"`
	Published             string          `json:"published"`
	Request               oktaRequest     `json:"request"`
	SecurityContext       oktaSecurityCtx `json:"securityContext"`
	Severity              string          `json:"severity"`
	Target                []oktaTarget    `json:"target"`
	Transaction           oktaTransaction `json:"transaction"`
	UUID                  string          `json:"uuid"`
	Version               string          `json:"version"`
}

type oktaActor struct {
	AlternateID string  `json:"alternateId"`
	DetailEntry *string `json:"detailEntry"`
	DisplayName string  `json:"displayName"`
	ID          string  `json:"id"`
	Type        string  `json:"type"`
}
type oktaAuthCtx struct {
	AuthenticationProvider *string `json:"authenticationProvider"`
	AuthenticationStep     int     `json:"authenticationStep"`
	CredentialProvider     *string `json:"credentialProvider"`
	CredentialType         *string `json:"credentialType"`
	ExternalSessionID      string  `json:"externalSessionId"`
	Interface              *string `json:"interface"`
	Issuer                 *string `json:"issuer"`
}
type oktaGeo struct {
	City        string `json:"city"`
	Country     string `json:"country"`
	Geolocation struct {
		Lat float64 `json:"lat"`
		Lon float64 `json:"lon"`
	} `json:"geolocation"`
	PostalCode *string `json:"postalCode"`
	State      string  `json:"state"`
}
type oktaClient struct {
	Device              string  `json:"device"`
	GeographicalContext oktaGeo `json:"geographicalContext"`
	ID                  *string `json:"id"`
	IPAddress           string  `json:"ipAddress"`
	UserAgent           oktaUA  `json:"userAgent"`
	Zone                string  `json:"zone"`
}
type oktaUA struct {
	Browser      string `json:"browser"`
	OS           string `json:"os"`
	RawUserAgent string `json:"rawUserAgent"`
}
type oktaDebug struct {
	DebugData map[string]string `json:"debugData"`
}
type oktaDevice struct {
	ID         string `json:"id"`
	Name       string `json:"name"`
	OSPlatform string `json:"os_platform"`
	OSVersion  string `json:"os_version"`
	Managed    bool   `json:"managed"`
	Registered bool   `json:"registered"`
}
type oktaOutcome struct {
	Reason *string `json:"reason"`
	Result string  `json:"result"`
}
type oktaRequest struct {
	IPChain []oktaIPChain `json:"ipChain"`
}
type oktaIPChain struct {
	GeographicalContext oktaGeo `json:"geographicalContext"`
	IP                  string  `json:"ip"`
	Source              *string `json:"source"`
	Version             string  `json:"version"`
}
type oktaSecurityCtx struct {
	AsNumber uint32 `json:"asNumber"`
	AsOrg    string `json:"asOrg"`
	Domain   string `json:"domain"`
	IsProxy  bool   `json:"isProxy"`
	ISP      string `json:"isp"`
}
type oktaTarget struct {
	AlternateID string `json:"alternateId"`
	DisplayName string `json:"displayName"`
	ID          string `json:"id"`
	Type        string `json:"type"`
}
type oktaTransaction struct {
	Detail map[string]string `json:"detail"`
	ID     string            `json:"id"`
	Type   string            `json:"type"`
}

var countryNames = map[string]string{"US": "United States", "CA": "Canada", "GB": "United Kingdom", "DE": "Germany", "PL": "Poland",
	"BR": "Brazil", "IN": "India", "KR": "South Korea", "JP": "Japan", "MX": "Mexico", "FR": "France", "CN": "China",
	"RU": "Russia", "NL": "Netherlands", "SG": "Singapore"}

func uuidFrom(r *rand.Rand) string {
	return fmt.Sprintf("%08x-%04x-%04x-%04x-%012x", r.Uint32(), r.Uint32()&0xffff, 0x4000|r.Uint32()&0x0fff, 0x8000|r.Uint32()&0x3fff, r.Uint64()&0xffffffffffff)
}

func geoOf(c City) oktaGeo {
	g := oktaGeo{City: c.Name, Country: countryNames[c.Country], State: c.Region}
	g.Geolocation.Lat, g.Geolocation.Lon = c.Lat, c.Lon
	return g
}

func isVPN(c City) bool {
	return c.Block == astrill1.Block || c.Block == astrill2.Block || c.Block == otherVPN.Block || c.Block == torExit.Block
}

type signin struct {
	at      time.Time
	p       *person
	ip      netip.Addr
	city    City
	session string
	fail    bool
}

// sessionsFor plans one person's sign-ins over the window.
func (o *org) sessionsFor(p *person, r *rand.Rand) []signin {
	if p.Kind == "applicant" || p.dev == nil {
		return nil
	}
	var out []signin
	corpIP := hostIn(corporate.Block, r)
	loc := p.opTZ
	startLocal := o.start.In(loc)
	d0 := time.Date(startLocal.Year(), startLocal.Month(), startLocal.Day(), 0, 0, 0, 0, loc)
	weekSession := ""
	for d := d0; d.Before(o.end); d = d.AddDate(0, 0, 1) {
		if p.Hire != nil && d.Before(*p.Hire) {
			continue
		}
		if wd := d.Weekday(); wd == time.Saturday || wd == time.Sunday {
			continue
		}
		if r.Float64() < 0.05 { // a day off
			continue
		}
		var hours []float64
		switch p.schedule {
		case "night":
			hours = []float64{19.5 + r.NormFloat64()*0.8, 22.5 + r.NormFloat64()*0.7}
			if r.Float64() < 0.35 {
				hours = append(hours, 11+r.NormFloat64()*1.2)
			}
		case "remote":
			hours = []float64{9 + r.NormFloat64()*0.6, 14 + r.NormFloat64()*0.9}
		default:
			hours = []float64{8.6 + r.NormFloat64()*0.7}
			if r.Float64() < 0.7 {
				hours = append(hours, 13.5+r.NormFloat64()*1.0)
			}
		}
		if p.longSess && (weekSession == "" || d.Weekday() == time.Monday) {
			weekSession = "102" + model16(r) + "x"
		}
		for _, h := range hours {
			if h < 0 {
				h = 0
			}
			at := d.Add(time.Duration(h * float64(time.Hour))).UTC()
			if at.Before(o.start) || !at.Before(o.end) {
				continue
			}
			ip, city := p.ipPlan(r, at)
			if r.Float64() < p.corpShare {
				ip, city = corpIP, corporate
			}
			sess := "102" + model16(r)
			if p.longSess {
				sess = weekSession
			}
			out = append(out, signin{at: at, p: p, ip: ip, city: city, session: sess, fail: r.Float64() < 0.02})
		}
	}
	return out
}

// allSignins plans everyone's sign-ins once, in time order.
func (o *org) allSignins() []signin {
	if o.signins != nil {
		return o.signins
	}
	var all []signin
	for _, p := range o.people {
		// Each person gets a private stream so that adding people does not
		// reshuffle everyone else's sign-ins.
		r := rand.New(rand.NewPCG(uint64(o.opt.Seed), hash64(p.ID)))
		all = append(all, o.sessionsFor(p, r)...)
	}
	sort.SliceStable(all, func(i, j int) bool { return all[i].at.Before(all[j].at) })
	o.signins = all
	return all
}

func (o *org) writeOkta(path string) (int, error) {
	all := o.allSignins()
	r := rand.New(rand.NewPCG(uint64(o.opt.Seed), 77))
	n := 0
	err := writeJSONL(path, func(enc *json.Encoder) error {
		for _, s := range all {
			for _, ev := range o.oktaEvents(s, r) {
				if err := enc.Encode(ev); err != nil {
					return err
				}
				n++
			}
		}
		return nil
	})
	return n, err
}

func hash64(s string) uint64 {
	var h uint64 = 1469598103934665603
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= 1099511628211
	}
	return h
}

func (o *org) oktaEvents(s signin, r *rand.Rand) []oktaEvent {
	p := s.p
	ua := oktaUA{Browser: "CHROME", OS: "Mac OS X", RawUserAgent: "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"}
	if p.dev.Platform == "windows" {
		ua = oktaUA{Browser: "CHROME", OS: "Windows 10", RawUserAgent: "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"}
	}
	geo := geoOf(s.city)
	client := oktaClient{Device: "Computer", GeographicalContext: geo, IPAddress: s.ip.String(), UserAgent: ua, Zone: "null"}
	sec := oktaSecurityCtx{AsNumber: s.city.ASN, AsOrg: s.city.ASOrg, ISP: s.city.ASOrg, IsProxy: isVPN(s.city)}
	actor := oktaActor{AlternateID: p.Logins[0], DisplayName: p.Name, ID: "00u" + fmt.Sprintf("%017x", hash64(p.ID))[:17], Type: "User"}
	chain := oktaRequest{IPChain: []oktaIPChain{{GeographicalContext: geo, IP: s.ip.String(), Version: "V4"}}}
	txID := model16(r)
	base := oktaEvent{Actor: actor, AuthenticationContext: oktaAuthCtx{ExternalSessionID: s.session}, Client: client,
		Request: chain, SecurityContext: sec, Severity: "INFO", Transaction: oktaTransaction{Detail: map[string]string{}, ID: txID, Type: "WEB"}, Version: "0"}
	start := base
	start.UUID = uuidFrom(r)
	start.Published = s.at.Format("2006-01-02T15:04:05.000Z")
	start.EventType, start.LegacyEventType, start.DisplayMessage = "user.session.start", "core.user_auth.login_success", "User login to Okta"
	start.Outcome = oktaOutcome{Result: "SUCCESS"}
	start.DebugContext = oktaDebug{DebugData: map[string]string{"requestId": txID, "requestUri": "/idp/idx/identify", "url": "/idp/idx/identify?",
		"deviceFingerprint": fmt.Sprintf("%032x", hash64(p.dev.ID))[:32], "threatSuspected": "false"}}
	if s.fail {
		reason := "INVALID_CREDENTIALS"
		start.Outcome = oktaOutcome{Result: "FAILURE", Reason: &reason}
		start.Severity = "WARN"
		start.LegacyEventType = "core.user_auth.login_failed"
		start.DisplayMessage = "User login to Okta"
		return []oktaEvent{start}
	}
	mfa := base
	mfa.UUID = uuidFrom(r)
	mfa.Published = s.at.Add(time.Duration(8+r.IntN(30)) * time.Second).Format("2006-01-02T15:04:05.000Z")
	mfa.EventType, mfa.LegacyEventType, mfa.DisplayMessage = "user.authentication.auth_via_mfa", "core.user.factor.attempt_success", "Authentication of user via MFA"
	mfa.AuthenticationContext.AuthenticationStep = 0
	mfa.Outcome = oktaOutcome{Result: "SUCCESS"}
	mfa.DebugContext = oktaDebug{DebugData: map[string]string{"requestId": txID, "factor": "OKTA_VERIFY_PUSH", "factorIntent": "AUTHENTICATION"}}
	mfa.Device = &oktaDevice{ID: p.mfa, Name: "iPhone", OSPlatform: "IOS", OSVersion: "17.6.1", Registered: true}
	mfa.Target = []oktaTarget{{ID: "pfd" + p.mfa[3:13], Type: "AuthenticatorEnrollment", AlternateID: "unknown", DisplayName: "Okta Verify"}}
	return []oktaEvent{start, mfa}
}
