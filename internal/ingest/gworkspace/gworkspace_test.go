package gworkspace

import (
	"context"
	"strings"
	"testing"

	"github.com/redflag-dev/redflag/internal/ingest"
	"github.com/redflag-dev/redflag/internal/ingest/signin/signintest"
	"github.com/redflag-dev/redflag/internal/model"
)

func TestRealSamples(t *testing.T) {
	signintest.EachSample(t, "data/logs/google_workspace", Ingest, func(t *testing.T, name string, rep ingest.Report, sink *signintest.Sink) {
		if name == "elastic_test-login.log" {
			if len(sink.Evs) != 17 {
				t.Errorf("want 17 events, got %d", len(sink.Evs))
			}
			ids := map[string]bool{}
			for _, e := range sink.Evs {
				ids[e.ID] = true
				if e.SignIn.Login == "" || e.SignIn.IP == "" {
					t.Errorf("%s: %+v", e.SourceRef, e.SignIn)
				}
			}
			if len(ids) < 10 {
				t.Errorf("only %d distinct ids", len(ids))
			}
		}
		if name == "streamalert_gsuite_reports.json" && rep.Ignored["gworkspace: application admin"] != 1 {
			t.Errorf("admin activity not skipped: %+v", rep)
		}
	})
}

const page = `{"kind":"admin#reports#activities","items":[
 {"id":{"time":"2025-04-01T01:02:03.000Z","uniqueQualifier":"-123","applicationName":"login","customerId":"C1"},
  "actor":{"callerType":"USER","email":"Ann@Corp.com","profileId":"77"},"ipAddress":"175.45.176.9",
  "networkInfo":{"ipAsn":[131279],"regionCode":"KP","subdivisionCode":"KP-01"},
  "events":[{"type":"login","name":"login_success","parameters":[{"name":"login_type","value":"google_password"},{"name":"login_challenge_method","multiValue":["password","idv_preregistered_phone"]}]},
            {"type":"login","name":"login_verification","parameters":[{"name":"login_challenge_status","value":"passed"}]}]}
],"nextPageToken":"abc"}`

func TestAPIPage(t *testing.T) {
	in := page + "\n" + `{"id":{"time":"bad","applicationName":"login"},"actor":{"email":"x@y"},"events":[{"name":"logout"}]}` + "\n"
	sink := &signintest.Sink{}
	rep, err := Ingest(context.Background(), strings.NewReader(in), "p", nil, sink)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Accepted != 2 || rep.Rejected != 1 || rep.Errors[0].Field != "id.time" {
		t.Fatalf("%+v", rep)
	}
	a, b := sink.Evs[0], sink.Evs[1]
	if a.SignIn.Login != "ann@corp.com" || a.SignIn.IPInfo.ProviderASN != 131279 || a.SignIn.IPInfo.ProviderCountry != "KP" || a.SignIn.MFAMethod != "password,idv_preregistered_phone" || a.SignIn.Outcome != "success" {
		t.Errorf("first %+v %+v", a.SignIn, a.SignIn.IPInfo)
	}
	if b.SignIn.Outcome != "success" || a.ID == b.ID {
		t.Errorf("second %+v", b.SignIn)
	}
}

func FuzzParse(f *testing.F) {
	signintest.Fuzz(f, Ingest, "data/logs/google_workspace", func(ev model.Event) bool { return ev.SignIn.Login != "" }, page)
}
