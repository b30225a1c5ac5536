// Package oktasynth writes synthetic Okta System Log JSON Lines for
// benchmarks: LogEvents shaped like the demo's (a session start and an MFA
// step per sign-in, full client, security and debug contexts; about 1.7 KB
// per event), for people user<N>@example.com, about 5 % of sign-ins from
// the Astrill range 38.170.181.0/24, the rest from 73.0.0.0/8.
package oktasynth

import (
	"bufio"
	"fmt"
	"io"
	"math/rand/v2"
	"time"

	"github.com/redflag-dev/redflag/internal/model"
)

// Write writes n events for the given number of people.
func Write(w io.Writer, n, subjects int) error {
	r := rand.New(rand.NewPCG(1, 2))
	b := bufio.NewWriterSize(w, 1<<20)
	t0 := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	for i := 0; i < n; i++ {
		s := r.IntN(subjects)
		ip := fmt.Sprintf("73.%d.%d.%d", s/250, s%250, 1+r.IntN(3))
		if r.IntN(20) == 0 {
			ip = fmt.Sprintf("38.170.181.%d", r.IntN(250))
		}
		at := t0.Add(time.Duration(i) * 3 * time.Second).Format("2006-01-02T15:04:05.000Z")
		et := "user.session.start"
		dev := "null"
		if i%2 == 1 {
			et = "user.authentication.auth_via_mfa"
			dev = fmt.Sprintf(`{"id":"guo%013d","name":"iPhone","os_platform":"IOS","os_version":"17.6.1","managed":false,"registered":true}`, s)
		}
		if _, err := fmt.Fprintf(b, `{"actor":{"alternateId":"user%d@example.com","detailEntry":null,"displayName":"User %d","id":"00u%017d","type":"User"},"authenticationContext":{"authenticationProvider":null,"authenticationStep":0,"credentialProvider":null,"credentialType":null,"externalSessionId":"102%013d","interface":null,"issuer":null},"client":{"device":"Computer","geographicalContext":{"city":"Miami","country":"United States","geolocation":{"lat":25.76,"lon":-80.19},"postalCode":null,"state":"FL"},"id":null,"ipAddress":"%s","userAgent":{"browser":"CHROME","os":"Mac OS X","rawUserAgent":"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"},"zone":"null"},"debugContext":{"debugData":{"requestId":"%016x","requestUri":"/idp/idx/identify","url":"/idp/idx/identify?","deviceFingerprint":"%032x","threatSuspected":"false","factor":"OKTA_VERIFY_PUSH"}},"device":%s,"displayMessage":"User login to Okta","eventType":"%s","legacyEventType":"core.user_auth.login_success","outcome":{"reason":null,"result":"SUCCESS"},"published":"%s","request":{"ipChain":[{"geographicalContext":{"city":"Miami","country":"United States","geolocation":{"lat":25.76,"lon":-80.19},"postalCode":null,"state":"FL"},"ip":"%s","source":null,"version":"V4"}]},"securityContext":{"asNumber":7922,"asOrg":"Comcast Cable Communications","domain":"","isProxy":false,"isp":"Comcast Cable Communications"},"severity":"INFO","target":null,"transaction":{"detail":{},"id":"%016x","type":"WEB"},"uuid":"%08x-%04x-4000-8000-%012x","version":"0"}`+"\n",
			s, s, s, i/2, ip, r.Uint64(), s, dev, et, at, ip, r.Uint64(), i, i%65536, i); err != nil {
			return err
		}
	}
	return b.Flush()
}

// Subjects returns the people Write's events belong to (claimed Miami, FL,
// America/New_York, hired 2025-01-01).
func Subjects(n int) []model.Subject {
	out := make([]model.Subject, n)
	hire := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range out {
		out[i] = model.Subject{ID: fmt.Sprintf("W%05d", i), Kind: model.KindEmployee, Email: fmt.Sprintf("user%d@example.com", i),
			Address: model.Address{Line: fmt.Sprintf("%d Main St", i), City: "Miami", Region: "FL", Country: "US"}, ClaimedTimezone: "America/New_York", HireDate: &hire}
	}
	return out
}
