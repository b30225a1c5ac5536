// Package gworkspace parses Google Workspace login audit activities (Admin
// SDK Reports API, applicationName=login) into sign-in events: one event
// per entry of the activity's events, which may be an array (the API) or a
// single object (Elastic's split form). Whole API pages ({"items":[...]})
// are read too. Activities of other applications are skipped and counted.
// See docs/formats/gworkspace.md.
package gworkspace

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"strconv"
	"strings"

	"github.com/redflag-dev/redflag/internal/ingest"
	"github.com/redflag-dev/redflag/internal/ingest/signin"
	"github.com/redflag-dev/redflag/internal/model"
)

// Source is the event source name.
const Source = "gworkspace"

type param struct {
	Name       string          `json:"name"`
	Value      string          `json:"value"`
	IntValue   signin.Flex     `json:"intValue"`
	BoolValue  signin.Flex     `json:"boolValue"`
	MultiValue []string        `json:"multiValue"`
	Other      json.RawMessage `json:"messageValue"`
}

type event struct {
	Type       string  `json:"type"`
	Name       string  `json:"name"`
	Parameters []param `json:"parameters"`
}

type events []event

func (e *events) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '{' {
		var one event
		if err := json.Unmarshal(b, &one); err != nil {
			return err
		}
		*e = events{one}
		return nil
	}
	var many []event
	if err := json.Unmarshal(b, &many); err != nil {
		return err
	}
	*e = many
	return nil
}

// Activity is the Reports API activity resource.
type Activity struct {
	ID struct {
		Time            string      `json:"time"`
		UniqueQualifier signin.Flex `json:"uniqueQualifier"`
		ApplicationName string      `json:"applicationName"`
		CustomerID      string      `json:"customerId"`
	} `json:"id"`
	Actor struct {
		CallerType string      `json:"callerType"`
		Email      string      `json:"email"`
		ProfileID  signin.Flex `json:"profileId"`
	} `json:"actor"`
	IPAddress   string `json:"ipAddress"`
	NetworkInfo *struct {
		IPAsn           []signin.Flex `json:"ipAsn"`
		RegionCode      string        `json:"regionCode"`
		SubdivisionCode string        `json:"subdivisionCode"`
	} `json:"networkInfo"`
	Events events `json:"events"`
}

// Parse turns one activity into sign-in events.
func Parse(raw []byte) ([]model.Event, error) {
	var a Activity
	if err := signin.Decode(raw, &a); err != nil {
		return nil, signin.FieldError{Msg: "malformed activity: " + err.Error()}
	}
	if app := strings.ToLower(a.ID.ApplicationName); app != "" && app != "login" {
		return nil, signin.ErrSkip{Why: "gworkspace: application " + app}
	}
	t, err := signin.ParseTime(a.ID.Time)
	if err != nil {
		return nil, signin.FieldError{Field: "id.time", Msg: err.Error()}
	}
	if len(a.Events) == 0 {
		return nil, signin.FieldError{Field: "events", Msg: "missing"}
	}
	login := strings.ToLower(strings.TrimSpace(a.Actor.Email))
	ip := signin.CleanIP(a.IPAddress)
	var info *model.IPInfo
	if ip != "" || a.NetworkInfo != nil {
		info = &model.IPInfo{IP: ip}
		if n := a.NetworkInfo; n != nil {
			info.ProviderCountry = signin.CountryCode(n.RegionCode)
			info.ProviderRegion = n.SubdivisionCode
			if len(n.IPAsn) > 0 {
				info.ProviderASN = n.IPAsn[0].Uint()
			}
		}
	}
	var out []model.Event
	for i, e := range a.Events {
		if e.Name == "" {
			return nil, signin.FieldError{Field: "events[" + strconv.Itoa(i) + "].name", Msg: "missing"}
		}
		l := login
		if l == "" {
			for _, p := range e.Parameters {
				if p.Name == "affected_email_address" {
					l = strings.ToLower(p.Value)
				}
			}
		}
		if l == "" {
			continue
		}
		s := &model.SignIn{Provider: Source, Login: l, EventType: e.Name, IP: ip, Outcome: outcome(e)}
		for _, p := range e.Parameters {
			switch p.Name {
			case "login_challenge_method":
				if len(p.MultiValue) > 0 {
					s.MFAMethod = strings.Join(p.MultiValue, ",")
				} else {
					s.MFAMethod = p.Value
				}
			}
		}
		if info != nil {
			c := *info
			s.IPInfo = &c
		}
		out = append(out, model.Event{
			ID:     model.StableID("ev", Source, a.ID.Time, string(a.ID.UniqueQualifier), e.Name, strconv.Itoa(i)),
			Kind:   model.EvSignIn,
			Time:   t,
			Source: Source,
			SignIn: s,
		})
	}
	if len(out) == 0 {
		return nil, signin.ErrSkip{Why: "gworkspace: activity without a user"}
	}
	return out, nil
}

func outcome(e event) string {
	switch e.Name {
	case "login_success":
		return "success"
	case "login_failure":
		return "failure"
	case "login_challenge", "login_verification":
		for _, p := range e.Parameters {
			if p.Name == "login_challenge_status" && strings.EqualFold(p.Value, "passed") {
				return "success"
			}
		}
		return "challenge"
	}
	return "other"
}

// Ingest reads a Google Workspace login audit file.
func Ingest(ctx context.Context, r io.Reader, file string, res ingest.Resolver, sink ingest.Sink) (ingest.Report, error) {
	return signin.Run(ctx, r, signin.Options{File: file, Source: Source, Resolver: res}, Parse, sink)
}
