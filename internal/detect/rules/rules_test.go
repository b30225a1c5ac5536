package rules

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/redflag-dev/redflag/internal/detect"
	"github.com/redflag-dev/redflag/internal/model"
)

func TestRuleMatchesAndExplains(t *testing.T) {
	d, err := Compile([]Rule{
		{Code: "RULE_KP_SIGNIN", Title: "Sign-in from North Korea", Family: "network", Strength: 3, When: `Kind == "signin" && IP.Country == "KP"`},
		{Code: "RULE_NIGHT_US", Title: "US worker signs in at 03:00 UTC twice", When: `Kind == "signin" && Subject.Address.Country == "US" && Event.Time.Hour() == 3`, MinEvents: 2},
	})
	if err != nil {
		t.Fatal(err)
	}
	subs := []model.Subject{{ID: "a", Address: model.Address{Country: "US"}}, {ID: "b", Address: model.Address{Country: "US"}}}
	env := detect.NewEnv("default", subs, time.Now())
	col := detect.NewCollector()
	at := time.Date(2026, 9, 1, 3, 0, 0, 0, time.UTC)
	evs := []model.Event{
		{ID: "e1", Kind: model.EvSignIn, SubjectID: "a", Time: at, SignIn: &model.SignIn{IP: "175.45.176.1", IPInfo: &model.IPInfo{Country: "KP"}}},
		{ID: "e2", Kind: model.EvSignIn, SubjectID: "b", Time: at, SignIn: &model.SignIn{}}, // no IPInfo: must not error
		{ID: "e3", Kind: model.EvSignIn, SubjectID: "b", Time: at.Add(24 * time.Hour), SignIn: &model.SignIn{IPInfo: &model.IPInfo{Country: "US"}}},
		{ID: "e4", Kind: model.EvPayroll, SubjectID: "a", Time: at, Payroll: &model.Payroll{}},
	}
	for i := range evs {
		d.Observe(context.Background(), env, &evs[i], col.Emit)
	}
	d.Finish(context.Background(), env, col.Emit)
	got := map[string][]string{}
	for _, f := range col.Findings() {
		got[f.Code] = append(got[f.Code], f.SubjectID)
		if len(f.Evidence) == 0 {
			t.Errorf("%s without evidence", f.Code)
		}
	}
	if strings.Join(got["RULE_KP_SIGNIN"], ",") != "a" {
		t.Errorf("KP rule hit %v, want a", got["RULE_KP_SIGNIN"])
	}
	// a has one 03:00 sign-in (below min_events 2), b has two.
	if strings.Join(got["RULE_NIGHT_US"], ",") != "b" {
		t.Errorf("night rule hit %v, want b", got["RULE_NIGHT_US"])
	}
	if d.Errors != 0 {
		t.Errorf("%d evaluation errors", d.Errors)
	}
}

func TestBadRulesAreRefusedWithTheirName(t *testing.T) {
	for _, c := range []struct {
		r    Rule
		want string
	}{
		{Rule{Code: "bad", Title: "x", When: "true"}, "code must look like"},
		{Rule{Code: "RULE_X", Title: "x", When: "Event.NoSuchField == 1"}, "RULE_X"},
		{Rule{Code: "RULE_Y", Title: "x", When: `Event.Kind`}, "RULE_Y"}, // not boolean
		{Rule{Code: "RULE_Z", Title: "x", When: "true", Strength: 7}, "strength"},
	} {
		if _, err := Compile([]Rule{c.r}); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("rule %+v: error %v, want it to mention %q", c.r, err, c.want)
		}
	}
}
