// Package entra parses Microsoft Entra ID sign-in logs in their three
// shapes into sign-in events:
//
//   - Microsoft Graph auditLogs/signIns objects, one per line, arrays, or
//     whole {"value":[...]} pages;
//   - Azure Monitor diagnostic-settings records (Event Hub / storage), alone
//     or in the {"records":[...]} envelope, with the signIn under properties;
//   - Log Analytics / Sentinel exports (SigninLogs and
//     AADNonInteractiveUserSignInLogs) with PascalCase columns whose nested
//     objects arrive as JSON strings.
//
// Rows that are not sign-ins (AuditLogs and other categories) are skipped
// and counted. See docs/formats/entra.md.
package entra

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"strings"

	"github.com/redflag-dev/redflag/internal/ingest"
	"github.com/redflag-dev/redflag/internal/ingest/signin"
	"github.com/redflag-dev/redflag/internal/model"
)

// Source is the event source name.
const Source = "entra"

// location is an object, a JSON string holding one (Log Analytics), or a
// plain country code (the record envelope's "location").
type location struct {
	City            string `json:"city"`
	State           string `json:"state"`
	CountryOrRegion string `json:"countryOrRegion"`
	GeoCoordinates  *struct {
		Latitude  *float64 `json:"latitude"`
		Longitude *float64 `json:"longitude"`
	} `json:"geoCoordinates"`
}

type locField struct {
	loc     *location
	country string
}

func (l *locField) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) == 0 || string(b) == "null" {
		return nil
	}
	if b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		s = strings.TrimSpace(s)
		if strings.HasPrefix(s, "{") {
			var x location
			if err := json.Unmarshal([]byte(s), &x); err != nil {
				return err
			}
			l.loc = &x
			return nil
		}
		l.country = s
		return nil
	}
	var x location
	if err := json.Unmarshal(b, &x); err != nil {
		return err
	}
	l.loc = &x
	return nil
}

type deviceDetail struct {
	DeviceID    string      `json:"deviceId"`
	DisplayName string      `json:"displayName"`
	IsCompliant signin.Flex `json:"isCompliant"`
	IsManaged   signin.Flex `json:"isManaged"`
	TrustType   string      `json:"trustType"`
}

type status struct {
	ErrorCode signin.Flex `json:"errorCode"`
}

type authDetail struct {
	AuthenticationMethod       string      `json:"authenticationMethod"`
	AuthenticationMethodDetail string      `json:"authenticationMethodDetail"`
	Succeeded                  signin.Flex `json:"succeeded"`
}

// SignIn is the Graph signIn object; the same field names (any case) are
// used by the record envelope's properties and by Log Analytics columns.
type SignIn struct {
	ID                     string              `json:"id"`
	CreatedDateTime        string              `json:"createdDateTime"`
	TimeGenerated          string              `json:"TimeGenerated"`
	UserPrincipalName      string              `json:"userPrincipalName"`
	UserID                 string              `json:"userId"`
	IPAddress              string              `json:"ipAddress"`
	UserAgent              string              `json:"userAgent"`
	AppDisplayName         string              `json:"appDisplayName"`
	IsInteractive          signin.Flex         `json:"isInteractive"`
	Location               locField            `json:"location"`
	LocationDetails        locField            `json:"LocationDetails"`
	DeviceDetail           signin.EmbeddedJSON `json:"deviceDetail"`
	Status                 signin.EmbeddedJSON `json:"status"`
	ResultType             signin.Flex         `json:"ResultType"`
	AutonomousSystemNumber signin.Flex         `json:"autonomousSystemNumber"`
	AuthenticationDetails  signin.EmbeddedJSON `json:"authenticationDetails"`
	AuthAppDevice          signin.EmbeddedJSON `json:"authenticationAppDeviceDetails"`
	SessionID              string              `json:"sessionId"`
	Category               string              `json:"Category"`
	Type                   string              `json:"Type"`
	SignInEventTypes       signin.EmbeddedJSON `json:"signInEventTypes"`
}

// record is the diagnostic-settings envelope of one sign-in.
type record struct {
	Time            string          `json:"time"`
	Category        string          `json:"category"`
	OperationName   string          `json:"operationName"`
	ResultType      signin.Flex     `json:"resultType"`
	CallerIPAddress string          `json:"callerIpAddress"`
	Location        locField        `json:"location"`
	Properties      json.RawMessage `json:"properties"`
}

// Parse turns one record in any of the three shapes into a sign-in event.
func Parse(raw []byte) ([]model.Event, error) {
	var env record
	if err := signin.Decode(raw, &env); err != nil {
		return nil, signin.FieldError{Msg: "malformed sign-in record: " + err.Error()}
	}
	var si SignIn
	category := env.Category
	if len(env.Properties) > 0 && env.Properties[0] == '{' {
		if !isSignInCategory(category) {
			return nil, signin.ErrSkip{Why: "entra: category " + orUnknown(category)}
		}
		if err := signin.Decode(env.Properties, &si); err != nil {
			return nil, signin.FieldError{Field: "properties", Msg: err.Error()}
		}
		if si.CreatedDateTime == "" {
			si.CreatedDateTime = env.Time
		}
		if si.IPAddress == "" {
			si.IPAddress = env.CallerIPAddress
		}
		if si.ResultType == "" {
			si.ResultType = env.ResultType
		}
	} else {
		if err := signin.Decode(raw, &si); err != nil {
			return nil, signin.FieldError{Msg: "malformed sign-in: " + err.Error()}
		}
		category = si.Category
		if category == "" {
			category = si.Type
		}
		if category != "" && !isSignInCategory(category) {
			return nil, signin.ErrSkip{Why: "entra: category " + category}
		}
		if si.UserPrincipalName == "" && si.CreatedDateTime == "" && si.TimeGenerated == "" {
			return nil, signin.ErrSkip{Why: "entra: not a sign-in"}
		}
	}
	ev, err := fromSignIn(&si, category)
	if err != nil {
		return nil, err
	}
	return []model.Event{ev}, nil
}

func orUnknown(s string) string {
	if s == "" {
		return "unknown"
	}
	return s
}

func isSignInCategory(c string) bool {
	c = strings.ToLower(c)
	if strings.Contains(c, "serviceprincipal") || strings.Contains(c, "managedidentity") {
		return false // workload identities, not people
	}
	return c == "" || strings.Contains(c, "signin")
}

// interrupts are AADSTS codes that mean "more to do", not a failure.
var interrupts = map[string]bool{"50074": true, "50076": true, "50079": true, "50140": true, "50125": true, "50072": true, "50158": true, "81010": true}

func fromSignIn(si *SignIn, category string) (model.Event, error) {
	when := si.CreatedDateTime
	if when == "" {
		when = si.TimeGenerated
	}
	t, err := signin.ParseTime(when)
	if err != nil {
		return model.Event{}, signin.FieldError{Field: "createdDateTime", Msg: err.Error()}
	}
	if si.UserPrincipalName == "" {
		// Service principals and managed identities have no user.
		return model.Event{}, signin.ErrSkip{Why: "entra: sign-in without a user"}
	}
	s := &model.SignIn{Provider: Source, Login: strings.ToLower(si.UserPrincipalName), EventType: eventType(si, category)}
	s.IP = signin.CleanIP(si.IPAddress)
	s.UserAgent = si.UserAgent
	s.SessionID = si.SessionID
	code := string(si.ResultType)
	var st status
	if err := si.Status.Decode(&st); err != nil {
		return model.Event{}, signin.FieldError{Field: "status", Msg: err.Error()}
	}
	if st.ErrorCode != "" {
		code = string(st.ErrorCode)
	}
	switch {
	case code == "0" || code == "":
		s.Outcome = "success"
	case interrupts[code]:
		s.Outcome = "challenge"
	default:
		s.Outcome = "failure"
	}
	var dd deviceDetail
	if err := si.DeviceDetail.Decode(&dd); err != nil {
		return model.Event{}, signin.FieldError{Field: "deviceDetail", Msg: err.Error()}
	}
	s.DeviceID = dd.DeviceID
	if dd.IsManaged != "" || dd.IsCompliant != "" {
		m := dd.IsManaged.Bool() || dd.IsCompliant.Bool()
		s.Managed = &m
	}
	var ads []authDetail
	if len(si.AuthenticationDetails) > 0 && si.AuthenticationDetails[0] == '[' {
		if err := si.AuthenticationDetails.Decode(&ads); err != nil {
			return model.Event{}, signin.FieldError{Field: "authenticationDetails", Msg: err.Error()}
		}
	}
	for _, ad := range ads {
		m := strings.ToLower(ad.AuthenticationMethod)
		if m == "" || strings.Contains(m, "password") || strings.Contains(m, "previously satisfied") {
			continue
		}
		s.MFAMethod = ad.AuthenticationMethod
		if d := ad.AuthenticationMethodDetail; d != "" && !strings.ContainsAny(d, "Xx*") && ad.Succeeded.Bool() {
			s.MFADeviceID = strings.ToLower(ad.AuthenticationMethod) + ":" + d
		}
	}
	var aad struct {
		DeviceID string `json:"deviceId"`
	}
	if len(si.AuthAppDevice) > 0 && si.AuthAppDevice[0] == '{' {
		if err := si.AuthAppDevice.Decode(&aad); err == nil && aad.DeviceID != "" {
			s.MFADeviceID = "authenticator:" + aad.DeviceID
		}
	}
	info := &model.IPInfo{IP: s.IP, ProviderASN: si.AutonomousSystemNumber.Uint()}
	loc := si.Location.loc
	if loc == nil {
		loc = si.LocationDetails.loc
	}
	if loc != nil {
		info.ProviderCountry = signin.CountryCode(loc.CountryOrRegion)
		info.ProviderRegion = loc.State
		info.ProviderCity = loc.City
		if g := loc.GeoCoordinates; g != nil && g.Latitude != nil && g.Longitude != nil && (*g.Latitude != 0 || *g.Longitude != 0) {
			info.ProviderLat, info.ProviderLon, info.ProviderHasCoords = *g.Latitude, *g.Longitude, true
		}
	} else if c := si.Location.country; c != "" {
		info.ProviderCountry = signin.CountryCode(c)
	}
	s.IPInfo = info
	id := si.ID
	if id == "" {
		id = model.StableID("raw", s.Login, when, s.IP)
	}
	// The Graph id is unique per sign-in; the sample exports reuse it
	// across categories, so a non-interactive category keys separately.
	key := []string{Source, id}
	if c := strings.ToLower(category); c != "" && c != "signinlogs" {
		key = append(key, c)
	}
	return model.Event{ID: model.StableID("ev", key...), Kind: model.EvSignIn, Time: t, Source: Source, SignIn: s}, nil
}

func eventType(si *SignIn, category string) string {
	c := strings.ToLower(category)
	switch {
	case strings.Contains(c, "noninteractive"):
		return "nonInteractiveUser"
	case strings.Contains(c, "serviceprincipal"):
		return "servicePrincipal"
	case strings.Contains(c, "managedidentity"):
		return "managedIdentity"
	}
	if si.IsInteractive != "" && !si.IsInteractive.Bool() {
		return "nonInteractiveUser"
	}
	return "interactiveUser"
}

// Ingest reads an Entra sign-in log file in any of the three shapes.
func Ingest(ctx context.Context, r io.Reader, file string, res ingest.Resolver, sink ingest.Sink) (ingest.Report, error) {
	return signin.Run(ctx, r, signin.Options{File: file, Source: Source, Resolver: res}, Parse, sink)
}
