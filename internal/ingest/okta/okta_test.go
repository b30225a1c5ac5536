package okta

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/redflag-dev/redflag/internal/ingest"
	"github.com/redflag-dev/redflag/internal/ingest/signin/signintest"
	"github.com/redflag-dev/redflag/internal/model"
)

func TestRealSamples(t *testing.T) {
	signintest.EachSample(t, "data/logs/okta", Ingest, func(t *testing.T, name string, rep ingest.Report, _ *signintest.Sink) {
		if rep.Accepted == 0 {
			t.Errorf("%s: nothing accepted (%+v)", name, rep)
		}
	})
}

func TestElasticSampleFields(t *testing.T) {
	dir := signintest.SharedDir(t, "data/logs/okta")
	fh, err := os.Open(filepath.Join(dir, "elastic_test-okta-system-events.log"))
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	res := ingest.NewMapResolver()
	res.Add(model.IDEmail, "xxxxxx@elastic.co", "p1")
	sink := &signintest.Sink{}
	rep, err := Ingest(context.Background(), fh, "sys.log", res, sink)
	if err != nil {
		t.Fatal(err)
	}
	// The app.user_management event has a SystemPrincipal actor and a null client.
	if rep.Ignored["okta: event without a user actor"] == 0 {
		t.Errorf("system event not skipped: %+v", rep.Ignored)
	}
	ids := map[string]bool{}
	var nullIP, resolved, proxy int
	for _, ev := range sink.Evs {
		ids[ev.ID] = true // the fixture repeats some uuids for the same event
		if ev.SignIn.IP == "null" {
			t.Errorf("%s: IP is the string null", ev.SourceRef)
		}
		if ev.SignIn.IP == "" {
			nullIP++
		}
		if ev.SubjectID == "p1" {
			resolved++
		}
		if !strings.HasPrefix(ev.SourceRef, "sys.log:") || len(ev.Raw) == 0 {
			t.Errorf("missing source ref or raw: %q", ev.SourceRef)
		}
		if ev.SignIn.IPInfo != nil && ev.SignIn.IPInfo.ProviderASN == 14618 {
			proxy++
		}
	}
	if resolved == 0 {
		t.Error("no event resolved to the subject by e-mail")
	}
	if proxy == 0 {
		t.Error("securityContext.asNumber 14618 not kept in ProviderASN")
	}
	if len(ids) < 8 {
		t.Errorf("only %d distinct event ids", len(ids))
	}
	first := sink.Evs[0]
	if first.SignIn.IP != "175.16.199.1" || first.SignIn.EventType != "user.session.end" || first.SignIn.IPInfo.ProviderCountry != "US" || first.SourceRef != "sys.log:1" {
		t.Errorf("first event: %+v %+v %s", first.SignIn, first.SignIn.IPInfo, first.SourceRef)
	}
	// identifiers recorded for resolved events
	var ip, login bool
	for _, id := range sink.IDs {
		if id.Kind == model.IDIP && id.SubjectID == "p1" {
			ip = true
		}
		if id.Kind == model.IDIdPLogin && id.Value == "xxxxxx@elastic.co" {
			login = true
		}
	}
	if !ip || !login {
		t.Errorf("identifiers missing: ip=%v login=%v", ip, login)
	}
}

const good = `{"uuid":"u1","published":"2025-01-02T03:04:05.000Z","eventType":"user.session.start","actor":{"type":"User","alternateId":"A@x.com"},"client":{"ipAddress":"1.2.3.4","geographicalContext":{"country":"China","geolocation":{"lat":39.9,"lon":116.4}}},"securityContext":{"asNumber":4134,"asOrg":"chinanet","isProxy":true},"authenticationContext":{"externalSessionId":"s1"},"outcome":{"result":"SUCCESS"}}`

func TestBadLinesGoOn(t *testing.T) {
	in := good + "\n{\"uuid\":\"u2\",\"published\":\n" + strings.Replace(good, "u1", "u3", 1) + "\n" +
		strings.Replace(good, "2025-01-02T03:04:05.000Z", "yesterday", 1) + "\n" +
		`{"uuid":"u5","eventtype":"user.authentication.auth_via_mfa","published":"2025-01-02T03:05:00Z","actor":{"type":"User","alternateid":"b@x.com"},"client":{"ipaddress":"null"},"debugcontext":{"debugdata":{"deviceFingerprint":"fp9","factor":"OKTA_VERIFY_PUSH"}},"outcome":{"result":"SUCCESS"}}` + "\n"
	sink := &signintest.Sink{}
	rep, err := Ingest(context.Background(), strings.NewReader(in), "f", nil, sink)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Read != 5 || rep.Accepted != 3 || rep.Rejected != 2 {
		t.Fatalf("report %+v", rep)
	}
	if rep.Errors[0].Line != 2 || rep.Errors[1].Line != 4 || rep.Errors[1].Field != "published" {
		t.Errorf("errors %+v", rep.Errors)
	}
	e := sink.Evs[0].SignIn
	if e.Login != "a@x.com" || e.IPInfo.ProviderCountry != "CN" || e.IPInfo.ProviderASN != 4134 || !e.IPInfo.ProviderProxy || !e.IPInfo.ProviderHasCoords || e.SessionID != "s1" || e.Outcome != "success" {
		t.Errorf("fields: %+v %+v", e, e.IPInfo)
	}
	m := sink.Evs[2].SignIn
	if m.IP != "" || m.MFADeviceID != "fp9" || m.MFAMethod != "OKTA_VERIFY_PUSH" || m.Login != "b@x.com" {
		t.Errorf("lower-case keys / mfa: %+v", m)
	}
}

func TestArrayAndIdempotentIDs(t *testing.T) {
	arr := "[\n" + good + ",\n" + strings.Replace(good, "u1", "u2", 1) + "\n]\n"
	a, b := &signintest.Sink{}, &signintest.Sink{}
	if _, err := Ingest(context.Background(), strings.NewReader(arr), "a", nil, a); err != nil {
		t.Fatal(err)
	}
	if _, err := Ingest(context.Background(), strings.NewReader(good+"\n"+strings.Replace(good, "u1", "u2", 1)), "b", nil, b); err != nil {
		t.Fatal(err)
	}
	if len(a.Evs) != 2 || len(b.Evs) != 2 || a.Evs[1].ID != b.Evs[1].ID || a.Evs[0].ID == a.Evs[1].ID {
		t.Fatalf("ids differ or missing: %d %d", len(a.Evs), len(b.Evs))
	}
	if a.Evs[1].SourceRef != "a:3" {
		t.Errorf("array element line: %s", a.Evs[1].SourceRef)
	}
}

func FuzzParse(f *testing.F) {
	signintest.Fuzz(f, Ingest, "data/logs/okta", func(model.Event) bool { return true }, good)
}
