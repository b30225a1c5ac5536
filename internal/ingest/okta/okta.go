// Package okta parses the Okta System Log (LogEvent objects, as returned by
// GET /api/v1/logs or delivered by log streaming) into sign-in events. It
// accepts JSON Lines, JSON arrays and StreamAlert-style wrappers, tolerates
// lower-cased keys (encoding/json matches names case-insensitively), the
// string "null" as an IP address and system events with empty clients.
// See docs/formats/okta.md.
package okta

import (
	"context"
	"io"
	"strings"

	"github.com/redflag-dev/redflag/internal/ingest"
	"github.com/redflag-dev/redflag/internal/ingest/signin"
	"github.com/redflag-dev/redflag/internal/model"
)

// Source is the event source name.
const Source = "okta"

type geo struct {
	City        string `json:"city"`
	State       string `json:"state"`
	Country     string `json:"country"`
	Geolocation *struct {
		Lat *float64 `json:"lat"`
		Lon *float64 `json:"lon"`
	} `json:"geolocation"`
}

// LogEvent is the subset of Okta's LogEvent that redflag reads.
type LogEvent struct {
	UUID      string `json:"uuid"`
	Published string `json:"published"`
	EventType string `json:"eventType"`
	Actor     *struct {
		ID          string `json:"id"`
		Type        string `json:"type"`
		AlternateID string `json:"alternateId"`
	} `json:"actor"`
	Client *struct {
		IPAddress string `json:"ipAddress"`
		Device    string `json:"device"`
		ID        string `json:"id"`
		UserAgent *struct {
			RawUserAgent string `json:"rawUserAgent"`
		} `json:"userAgent"`
		GeographicalContext *geo `json:"geographicalContext"`
	} `json:"client"`
	Device *struct {
		ID      string `json:"id"`
		Name    string `json:"name"`
		Managed *bool  `json:"managed"`
	} `json:"device"`
	SecurityContext *struct {
		AsNumber signin.Flex `json:"asNumber"`
		AsOrg    string      `json:"asOrg"`
		ISP      string      `json:"isp"`
		IsProxy  signin.Flex `json:"isProxy"`
	} `json:"securityContext"`
	AuthenticationContext *struct {
		ExternalSessionID string `json:"externalSessionId"`
	} `json:"authenticationContext"`
	DebugContext *struct {
		DebugData struct {
			DeviceFingerprint signin.Flex `json:"deviceFingerprint"`
			Factor            signin.Flex `json:"factor"`
		} `json:"debugData"`
	} `json:"debugContext"`
	Outcome *struct {
		Result string `json:"result"`
		Reason string `json:"reason"`
	} `json:"outcome"`
	Request *struct {
		IPChain []struct {
			IP string `json:"ip"`
		} `json:"ipChain"`
	} `json:"request"`
}

// Parse turns one LogEvent into a sign-in event. Events without a user
// actor (SystemPrincipal jobs) are skipped.
func Parse(raw []byte) ([]model.Event, error) {
	var le LogEvent
	if err := signin.Decode(raw, &le); err != nil {
		return nil, signin.FieldError{Field: "", Msg: "malformed LogEvent: " + err.Error()}
	}
	ev, err := FromLogEvent(&le, raw)
	if err != nil {
		return nil, err
	}
	return []model.Event{ev}, nil
}

// FromLogEvent converts a decoded LogEvent. raw is used for an ID only when
// the event has no uuid.
func FromLogEvent(le *LogEvent, raw []byte) (model.Event, error) {
	if le.EventType == "" {
		return model.Event{}, signin.FieldError{Field: "eventType", Msg: "missing"}
	}
	if le.Actor == nil || !strings.EqualFold(le.Actor.Type, "User") || le.Actor.AlternateID == "" {
		return model.Event{}, signin.ErrSkip{Why: "okta: event without a user actor"}
	}
	t, err := signin.ParseTime(le.Published)
	if err != nil {
		return model.Event{}, signin.FieldError{Field: "published", Msg: err.Error()}
	}
	s := &model.SignIn{Provider: Source, Login: strings.ToLower(le.Actor.AlternateID), EventType: le.EventType}
	if le.Outcome != nil {
		s.Outcome = signin.Outcome(le.Outcome.Result)
	} else {
		s.Outcome = "other"
	}
	info := &model.IPInfo{}
	if c := le.Client; c != nil {
		s.IP = signin.CleanIP(c.IPAddress)
		if c.UserAgent != nil {
			s.UserAgent = c.UserAgent.RawUserAgent
		}
		if g := c.GeographicalContext; g != nil {
			info.ProviderCountry = signin.CountryCode(g.Country)
			info.ProviderRegion = g.State
			info.ProviderCity = g.City
			if gl := g.Geolocation; gl != nil && gl.Lat != nil && gl.Lon != nil && (*gl.Lat != 0 || *gl.Lon != 0) {
				info.ProviderLat, info.ProviderLon, info.ProviderHasCoords = *gl.Lat, *gl.Lon, true
			}
		}
	}
	if s.IP == "" && le.Request != nil && len(le.Request.IPChain) > 0 {
		s.IP = signin.CleanIP(le.Request.IPChain[0].IP)
	}
	if sc := le.SecurityContext; sc != nil {
		info.ProviderASN = sc.AsNumber.Uint()
		info.ProviderASOrg = sc.AsOrg
		info.ProviderProxy = sc.IsProxy.Bool()
	}
	var factor string
	if dc := le.DebugContext; dc != nil {
		s.DeviceID = string(dc.DebugData.DeviceFingerprint)
		factor = string(dc.DebugData.Factor)
	}
	mfaEvent := factor != "" || strings.Contains(le.EventType, "mfa") || strings.Contains(le.EventType, "factor")
	if d := le.Device; d != nil && !mfaEvent {
		// The device that signed in (Okta FastPass / device assurance).
		if d.ID != "" {
			s.DeviceID = d.ID
		}
		s.Managed = d.Managed
	}
	if mfaEvent {
		// On an MFA event the top-level device is the authenticator (the
		// Okta Verify phone), which is what N05 compares across accounts.
		s.MFAMethod = factor
		if le.Device != nil && le.Device.ID != "" {
			s.MFADeviceID = le.Device.ID
		} else if s.Outcome == "success" && le.EventType == "user.authentication.auth_via_mfa" {
			s.MFADeviceID = s.DeviceID
		}
	}
	if ac := le.AuthenticationContext; ac != nil && !strings.EqualFold(ac.ExternalSessionID, "unknown") {
		s.SessionID = ac.ExternalSessionID
	}
	if s.IP != "" || info.ProviderCountry != "" || info.ProviderASN != 0 || info.ProviderProxy {
		info.IP = s.IP
		s.IPInfo = info
	}
	id := le.UUID
	if id == "" {
		id = model.StableID("raw", string(raw))
	}
	return model.Event{
		ID:     model.StableID("ev", Source, id, le.Published, le.EventType),
		Kind:   model.EvSignIn,
		Time:   t,
		Source: Source,
		SignIn: s,
	}, nil
}

// Ingest reads an Okta System Log file (JSON Lines or arrays) into sink.
func Ingest(ctx context.Context, r io.Reader, file string, res ingest.Resolver, sink ingest.Sink) (ingest.Report, error) {
	return signin.Run(ctx, r, signin.Options{File: file, Source: Source, Resolver: res}, Parse, sink)
}
