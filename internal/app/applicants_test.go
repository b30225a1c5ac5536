package app

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/redflag-dev/redflag/internal/detect/applicant"
	"github.com/redflag-dev/redflag/internal/graph"
)

const peopleCSV = `person_id,kind,full_name,email,phone,date_of_birth,address_line,city,region,postal_code,country,claimed_timezone,hire_date,end_date,status,role,manager_id,referrer_id,source_channel,staffing_vendor,resume_text,photo_path,github_login,idp_logins
A1,applicant,John Smith,john.smith@gmail.com,(512) 555-0101,1980-01-02,1 Oak St,Austin,TX,73301,US,America/Chicago,,,rejected,Dev,,,job_board,,"Senior developer with 9 years of experience in Go, React and AWS at Acme Payments and Globex.",,,
A2,applicant,Wei Zhang,JohnSmith+jobs@googlemail.com,+1 512 555 0101,1985-03-04,2 Elm St,Austin,TX,73301,US,America/Chicago,,,applied,Dev,,,job_board,,"Senior developer with 9 years of hands-on experience in Go, React and AWS at Acme Payments and Globex.",,,
A3,applicant,Cleo Park,cleo.park@proton.me,+1 512 555 0177,1990-05-06,3 Ash St,Austin,TX,73301,US,America/Chicago,,,applied,QA,,,careers_site,,"QA engineer, University of Texas.",,,
A4,applicant,Tom Burner,tom@mailinator.com,+1 512 555 0188,1991-07-08,4 Fir St,Austin,TX,73301,US,America/Chicago,,,applied,QA,,,careers_site,,,,,
`

const interviewsCSV = `person_id,date,step,result,ip,camera_on_ratio,notes
A3,2026-10-01,video_interview,pass,,0.95,
A3,2026-10-02,id_document,pass,,,
A3,2026-10-03,liveness,pass,,,
A3,2026-10-04,background_check,pass,,,
A4,2026-10-01,video_interview,pass,,0.9,
`

func TestScreenApplicantsAndGraphCommands(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	for name, body := range map[string]string{"people.csv": peopleCSV, "interviews.csv": interviewsCSV, "disposable.json": `["brand-new-burner.example"]`} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, kind := range []string{"people", "interviews"} {
		if _, errs, code := run(t, "--data-dir", data, "ingest", kind, filepath.Join(dir, kind+".csv")); code != 0 {
			t.Fatalf("ingest %s: %s", kind, errs)
		}
	}
	out, errs, code := run(t, "--data-dir", data, "screen-applicants", "--format", "json")
	if code != 0 {
		t.Fatalf("screen-applicants: %s", errs)
	}
	var res ScreenResult
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("JSON: %v\n%s", err, out)
	}
	got := map[string]applicant.Verdict{}
	for _, v := range res.Verdicts {
		got[v.PersonID] = v
	}
	if len(got) != 4 {
		t.Fatalf("%d verdicts: %s", len(got), out)
	}
	codes := func(v applicant.Verdict) string {
		var cs []string
		for _, r := range v.Reasons {
			cs = append(cs, r.Code)
		}
		return strings.Join(cs, " ")
	}
	if v := got["A2"]; v.Decision != applicant.Block || !strings.Contains(codes(v), "APP_REAPPLIED_NEW_IDENTITY") || !strings.Contains(codes(v), "ID_SHARED_PHONE") {
		t.Errorf("A2: %s %s", v.Decision, codes(v))
	}
	if v := got["A3"]; v.Decision != applicant.Clear || v.Onboarding != "allowed" {
		t.Errorf("A3: %+v", v)
	}
	if v := got["A4"]; v.Decision != applicant.Review || v.Onboarding != "blocked" || !strings.Contains(codes(v), "APP_DISPOSABLE_EMAIL") {
		t.Errorf("A4: %+v", v)
	}

	// the disposable list can be updated from the npm index.json format
	if out, errs, code := run(t, "--data-dir", data, "emaildomains", "update", "--from", filepath.Join(dir, "disposable.json")); code != 0 || !strings.Contains(out, "stored 1 ") {
		t.Fatalf("emaildomains update: %s %s", out, errs)
	}
	if out, _, _ := run(t, "--data-dir", data, "emaildomains", "check", "x@brand-new-burner.example", "gmail.com"); !strings.Contains(out, "x@brand-new-burner.example\tdisposable") || !strings.Contains(out, "gmail.com\tnot listed") {
		t.Errorf("emaildomains check: %s", out)
	}
	if _, _, code := run(t, "--data-dir", data, "emaildomains", "update", "--from", filepath.Join(dir, "people.csv")); code == 0 {
		t.Error("a CSV of people accepted as a domain list")
	}

	// graph show / expand / export
	out, errs, code = run(t, "--data-dir", data, "graph", "show", "A2", "--format", "json")
	if code != 0 {
		t.Fatalf("graph show: %s", errs)
	}
	var sv graph.SubjectView
	if err := json.Unmarshal([]byte(out), &sv); err != nil || sv.Cluster != "cl:A1" || strings.Join(sv.Members, ",") != "A1,A2" {
		t.Errorf("graph show: %v %+v", err, sv)
	}
	out, _, _ = run(t, "--data-dir", data, "graph", "expand", "A1", "--hops", "1")
	if !strings.Contains(out, "A2") || !strings.Contains(out, "phone:+15125550101") && !strings.Contains(out, "email:johnsmith@gmail.com") {
		t.Errorf("graph expand: %s", out)
	}
	out, _, _ = run(t, "--data-dir", data, "graph", "export")
	var exp struct {
		Clusters []graph.ExportCluster `json:"clusters"`
	}
	if err := json.Unmarshal([]byte(out), &exp); err != nil || len(exp.Clusters) != 1 {
		t.Errorf("graph export: %v %s", err, out)
	}
	if _, _, code := run(t, "--data-dir", data, "graph", "show", "NOPE"); code == 0 {
		t.Error("unknown subject accepted")
	}
}
