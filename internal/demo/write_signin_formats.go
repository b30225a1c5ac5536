package demo

// Entra ID and Google Workspace renderings of the same sign-ins the Okta
// writer produces (issue 4): the same people, times, IPs, sessions and MFA
// devices, so that the network detectors can be checked on every format.

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// SignInFiles names the extra sign-in logs WriteSignInFormats writes.
type SignInFiles struct {
	Entra      string // diagnostic-settings records, one {"records":[...]} envelope per line
	GWorkspace string // Reports API login activities, one per line
}

// SignInLayout returns where WriteSignInFormats writes under dir.
func SignInLayout(dir string) SignInFiles {
	return SignInFiles{Entra: filepath.Join(dir, "entra", "signinlogs.jsonl"), GWorkspace: filepath.Join(dir, "gworkspace", "login.jsonl")}
}

// WriteSignInFormats writes the organisation's sign-ins (the same plan as
// the Okta log for these options) as Entra sign-in records and Google
// Workspace login activities. It returns the number of sign-ins written.
func WriteSignInFormats(dir string, opt Options) (int, error) {
	return generate(opt).writeSignInFormats(dir)
}

func (o *org) writeSignInFormats(dir string) (int, error) {
	if err := os.MkdirAll(filepath.Join(dir, "entra"), 0o755); err != nil {
		return 0, err
	}
	if err := os.MkdirAll(filepath.Join(dir, "gworkspace"), 0o755); err != nil {
		return 0, err
	}
	all := o.allSignins()
	fs := SignInLayout(dir)
	if err := writeLines(fs.Entra, all, 100, entraRecord); err != nil {
		return 0, err
	}
	if err := writeLines(fs.GWorkspace, all, 1, gwActivity); err != nil {
		return 0, err
	}
	return len(all), nil
}

func writeLines(path string, all []signin, per int, render func(s signin, i int) any) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return writeJSONL(path, func(enc *json.Encoder) error {
		for i := 0; i < len(all); i += per {
			end := min(i+per, len(all))
			var v any
			if per == 1 {
				v = render(all[i], i)
			} else {
				recs := make([]any, 0, end-i)
				for j := i; j < end; j++ {
					recs = append(recs, render(all[j], j))
				}
				v = map[string]any{"records": recs}
			}
			if err := enc.Encode(v); err != nil {
				return err
			}
		}
		return nil
	})
}

func entraRecord(s signin, i int) any {
	p := s.p
	id := fmt.Sprintf("%08x-%04x-4%03x-8%03x-%012x", hash64(p.ID+s.at.String()), i&0xffff, i&0xfff, (i>>12)&0xfff, hash64(s.session)&0xffffffffffff)
	code, result := 0, "0"
	if s.fail {
		code, result = 50126, "50126"
	}
	when := s.at.UTC().Format("2006-01-02T15:04:05.0000000Z")
	props := map[string]any{
		"id": id, "createdDateTime": when, "userPrincipalName": p.Logins[0], "userDisplayName": p.Name,
		"ipAddress": s.ip.String(), "appDisplayName": "Office 365", "clientAppUsed": "Browser", "isInteractive": true,
		"status":                 map[string]any{"errorCode": code},
		"deviceDetail":           map[string]any{"deviceId": "", "operatingSystem": p.dev.Platform, "browser": "Chrome 131.0.0", "isCompliant": false, "isManaged": false},
		"location":               map[string]any{"city": s.city.Name, "state": s.city.Region, "countryOrRegion": s.city.Country, "geoCoordinates": map[string]any{"latitude": s.city.Lat, "longitude": s.city.Lon}},
		"autonomousSystemNumber": s.city.ASN,
		"sessionId":              s.session,
	}
	if !s.fail {
		props["authenticationDetails"] = []any{
			map[string]any{"authenticationStepDateTime": when, "authenticationMethod": "Password", "succeeded": true},
			map[string]any{"authenticationStepDateTime": when, "authenticationMethod": "Mobile app notification", "authenticationMethodDetail": "Authenticator " + p.mfa, "succeeded": true},
		}
	}
	return map[string]any{
		"time": when, "resourceId": "/tenants/00000000-0000-0000-0000-000000000000/providers/Microsoft.aadiam",
		"operationName": "Sign-in activity", "operationVersion": "1.0", "category": "SignInLogs", "tenantId": "00000000-0000-0000-0000-000000000000",
		"resultType": result, "resultSignature": "None", "durationMs": 0, "callerIpAddress": s.ip.String(), "correlationId": id,
		"identity": p.Name, "Level": 4, "location": s.city.Country, "properties": props,
	}
}

func gwActivity(s signin, i int) any {
	p := s.p
	name := "login_success"
	params := []any{map[string]any{"name": "login_type", "value": "google_password"},
		map[string]any{"name": "login_challenge_method", "multiValue": []string{"password", "idv_preregistered_phone"}}}
	if s.fail {
		name = "login_failure"
		params = append(params, map[string]any{"name": "login_failure_type", "value": "login_failure_invalid_password"})
	}
	return map[string]any{
		"kind":        "admin#reports#activity",
		"id":          map[string]any{"time": s.at.UTC().Format(time.RFC3339Nano), "uniqueQualifier": fmt.Sprint(int64(hash64(p.ID+s.at.String()) >> 1)), "applicationName": "login", "customerId": "C0demo"},
		"actor":       map[string]any{"callerType": "USER", "email": p.Logins[0], "profileId": fmt.Sprint(hash64(p.ID) >> 8)},
		"ipAddress":   s.ip.String(),
		"networkInfo": map[string]any{"ipAsn": []uint32{s.city.ASN}, "regionCode": s.city.Country},
		"events":      []any{map[string]any{"type": "login", "name": name, "parameters": params}},
	}
}
