package entra

import (
	"bytes"
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
	signintest.EachSample(t, "data/logs/entra", Ingest, func(t *testing.T, name string, rep ingest.Report, sink *signintest.Sink) {
		switch name {
		case "elastic_test-signinlogs-raw.log":
			// SignInLogs and NonInteractiveUserSignInLogs have a user; the
			// three service-principal/managed-identity records are skipped.
			if len(sink.Evs) != 2 || rep.Accepted != 2 {
				t.Errorf("raw: %d events, report %+v", len(sink.Evs), rep)
			}
			e := sink.Evs[0]
			if e.SignIn.Login != "test@elastic.co" || e.SignIn.IP != "81.2.69.144" || e.SignIn.IPInfo.ProviderCountry != "FR" || e.SignIn.Outcome != "challenge" {
				t.Errorf("raw first: %+v %+v", e.SignIn, e.SignIn.IPInfo)
			}
			if sink.Evs[1].SignIn.EventType != "nonInteractiveUser" || sink.Evs[0].ID == sink.Evs[1].ID {
				t.Errorf("non-interactive: %+v", sink.Evs[1].SignIn)
			}
		case "elastic_test-signinlogs-sample.log":
			e := sink.Evs[0]
			if e.SignIn.IPInfo.ProviderASN != 55836 || e.SignIn.Outcome != "success" || e.Time.Format("2006-01-02T15:04:05") != "2022-01-24T05:10:08" {
				t.Errorf("sample: %+v %+v %v", e.SignIn, e.SignIn.IPInfo, e.Time)
			}
		case "otrf_GoldenSAML_AADAuditEvents.json":
			if len(sink.Evs) != 0 || rep.Ignored["entra: category AuditLogs"]+rep.Ignored["entra: category ApplicationManagement"] == 0 {
				t.Errorf("audit rows should be skipped: %+v", rep)
			}
		}
	})
}

const graphPage = `{
  "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#auditLogs/signIns",
  "value": [
    {"id": "g1", "createdDateTime": "2025-03-01T10:00:00Z", "userPrincipalName": "Ann@Corp.com", "ipAddress": "175.45.176.3",
     "status": {"errorCode": 0}, "deviceDetail": {"deviceId": "", "isCompliant": false, "isManaged": false},
     "location": {"city": "Pyongyang", "state": "", "countryOrRegion": "KP", "geoCoordinates": {"latitude": 39.03, "longitude": 125.75}},
     "authenticationAppDeviceDetails": {"deviceId": "dev-77"}},
    {"id": "g2", "createdDateTime": "2025-03-01T11:00:00Z", "userPrincipalName": "bob@corp.com", "ipAddress": "null", "status": {"errorCode": 50126}}
  ],
  "@odata.nextLink": "https://graph.microsoft.com/v1.0/auditLogs/signIns?$skiptoken=x"
}
`

func TestGraphPagePrettyPrinted(t *testing.T) {
	sink := &signintest.Sink{}
	rep, err := Ingest(context.Background(), strings.NewReader(graphPage), "page.json", nil, sink)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Accepted != 2 || len(sink.Evs) != 2 {
		t.Fatalf("report %+v", rep)
	}
	a, b := sink.Evs[0].SignIn, sink.Evs[1].SignIn
	if a.Login != "ann@corp.com" || a.IPInfo.ProviderCountry != "KP" || a.Managed == nil || *a.Managed || a.MFADeviceID != "authenticator:dev-77" || !a.IPInfo.ProviderHasCoords {
		t.Errorf("first: %+v %+v", a, a.IPInfo)
	}
	if b.IP != "" || b.Outcome != "failure" {
		t.Errorf("second: %+v", b)
	}
	if sink.Evs[0].SourceRef != "page.json:4" {
		t.Errorf("source ref %s", sink.Evs[0].SourceRef)
	}
}

// A Log Analytics SigninLogs export row: nested columns are JSON strings.
const laRow = `{"TimeGenerated":"2025-03-02T08:00:00.123Z","Type":"SigninLogs","Id":"la1","UserPrincipalName":"ann@corp.com","IPAddress":"1.128.3.4","AutonomousSystemNumber":"55836","Location":"IN","LocationDetails":"{\"city\":\"Nizampet\",\"state\":\"Telangana\",\"countryOrRegion\":\"IN\",\"geoCoordinates\":{\"latitude\":17.5,\"longitude\":78.3}}","DeviceDetail":"{\"deviceId\":\"d1\",\"isManaged\":true}","Status":"{\"errorCode\":0}","ResultType":"0","AuthenticationDetails":"[{\"authenticationMethod\":\"Password\",\"succeeded\":true},{\"authenticationMethod\":\"Mobile app notification\",\"authenticationMethodDetail\":\"iPhone 12\",\"succeeded\":true}]"}`

func TestLogAnalyticsExport(t *testing.T) {
	in := laRow + "\n" + `{"TimeGenerated":"2025-03-02T08:00:00Z","Type":"SigninLogs","UserPrincipalName":"x@corp.com","Status":"{broken"}` + "\n" + `{"Type":"AuditLogs","TimeGenerated":"2025-03-02T08:00:00Z"}` + "\n"
	sink := &signintest.Sink{}
	rep, err := Ingest(context.Background(), strings.NewReader(in), "la.json", nil, sink)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Accepted != 1 || rep.Rejected != 1 || rep.Errors[0].Line != 2 || rep.Ignored["entra: category AuditLogs"] != 1 {
		t.Fatalf("report %+v", rep)
	}
	s := sink.Evs[0].SignIn
	if s.IPInfo.ProviderASN != 55836 || s.IPInfo.ProviderCity != "Nizampet" || s.DeviceID != "d1" || s.Managed == nil || !*s.Managed || s.MFADeviceID != "mobile app notification:iPhone 12" || s.Outcome != "success" {
		t.Errorf("LA row: %+v %+v", s, s.IPInfo)
	}
}

func TestRecordsEnvelope(t *testing.T) {
	dir := signintest.SharedDir(t, "data/logs/entra")
	b, err := os.ReadFile(filepath.Join(dir, "elastic_test-signinlogs-sample.log"))
	if err != nil {
		t.Fatal(err)
	}
	lines := bytes.Split(bytes.TrimSpace(b), []byte("\n"))
	env := []byte(`{"records":[` + string(bytes.Join(lines, []byte(","))) + `]}`)
	sink := &signintest.Sink{}
	rep, err := Ingest(context.Background(), bytes.NewReader(env), "eh", nil, sink)
	if err != nil || rep.Rejected != 0 || len(sink.Evs) != len(lines) {
		t.Fatalf("envelope: err=%v report=%+v events=%d want %d", err, rep, len(sink.Evs), len(lines))
	}
}

func FuzzParse(f *testing.F) {
	signintest.Fuzz(f, Ingest, "data/logs/entra", func(ev model.Event) bool { return ev.SignIn.Login != "" }, laRow, graphPage)
}
