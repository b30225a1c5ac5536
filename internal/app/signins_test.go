package app

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/redflag-dev/redflag/internal/ingest/signin/signintest"
)

// TestDemoNetworkCells runs a small demo and checks that every member of
// the planted network cells has network reasons and that the hard
// negatives of the network kinds have none of the reasons they mimic.
func TestDemoNetworkCells(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the demo")
	}
	dir := filepath.Join(t.TempDir(), "demo")
	out, errs, code := run(t, "demo", "--no-serve", "--seed", "5", "--workers", "200", "--applicants", "20", "--days", "45", "--dir", dir)
	if code != 0 {
		t.Fatalf("demo: %s\n%s", errs, out)
	}
	js, errs, code := run(t, "--data-dir", filepath.Join(dir, "data"), "report", "--format", "json")
	if code != 0 {
		t.Fatal(errs)
	}
	var rep Report
	if err := json.Unmarshal([]byte(js), &rep); err != nil {
		t.Fatal(err)
	}
	codes := map[string]map[string]bool{}
	for _, s := range rep.Subjects {
		codes[s.PersonID] = map[string]bool{}
		for _, r := range s.Reasons {
			codes[s.PersonID][r.Code] = true
		}
	}
	truth := readTruth(t, filepath.Join(dir, "inputs", "truth.json"))
	want := map[string][]string{
		"laptop_farm":           {"NET_SHARED_IP_LAPTOP_FARM"},
		"vpn_remote_workers":    {"NET_VPN_ASTRILL"},
		"staffing_vendor_front": {"NET_VPN_ASTRILL"},
	}
	// The demo can give two people one e-mail (and so one login); their
	// merged sign-ins are not a fair test either way.
	dup := duplicateEmails(t, filepath.Join(dir, "inputs", "people.csv"))
	found := 0
	for _, c := range truth.Cells {
		for _, m := range c.Members {
			if dup[m] {
				continue
			}
			found++
			for _, code := range want[c.Kind] {
				if !codes[m][code] {
					t.Errorf("%s member %s lacks %s (has %v)", c.Kind, m, code, codes[m])
				}
			}
		}
	}
	if found < 6 {
		t.Fatalf("only %d cell members checked", found)
	}
	mimic := map[string][]string{
		"traveller":        {"NET_SIGNIN_COUNTRY_MISMATCH", "NET_MULTI_COUNTRY_24H", "NET_SIGNIN_HIGH_RISK_COUNTRY"},
		"night_owl":        {"NET_ACTIVITY_HOURS_UTC8_9"},
		"corporate_vpn":    {"NET_SHARED_IP_LAPTOP_FARM", "NET_VPN_SIGNIN", "NET_IMPOSSIBLE_TRAVEL"},
		"family_same_home": {"NET_SHARED_IP_LAPTOP_FARM"},
		"moved_house":      {"NET_EGRESS_REGION_MISMATCH", "NET_IMPOSSIBLE_TRAVEL"},
	}
	checked := 0
	for _, n := range truth.Negatives {
		if dup[n.PersonID] {
			continue
		}
		for _, code := range mimic[n.Kind] {
			checked++
			if codes[n.PersonID][code] {
				t.Errorf("hard negative %s (%s) has %s", n.PersonID, n.Kind, code)
			}
		}
	}
	if checked == 0 {
		t.Fatal("no hard negatives checked")
	}
}

func duplicateEmails(t *testing.T, path string) map[string]bool {
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	col := map[string]int{}
	for i, h := range rows[0] {
		col[h] = i
	}
	by := map[string][]string{}
	for _, r := range rows[1:] {
		e := strings.ToLower(r[col["email"]])
		by[e] = append(by[e], r[col["person_id"]])
	}
	out := map[string]bool{}
	for _, ids := range by {
		if len(ids) > 1 {
			for _, id := range ids {
				out[id] = true
			}
		}
	}
	return out
}

func TestIngestOktaSampleAndIPDB(t *testing.T) {
	dir := signintest.SharedDir(t, "data/logs/okta")
	data := t.TempDir()
	_, errs, code := run(t, "--data-dir", data, "ingest", "--analyze=false", "okta", filepath.Join(dir, "elastic_test-okta-system-events.log"))
	if code != 0 || !strings.Contains(errs, "okta: read 20, accepted 19, rejected 0") {
		t.Fatalf("ingest okta (%d): %s", code, errs)
	}
	mm := signintest.SharedDir(t, "data/ipintel/maxmind_test_mmdb")
	src := t.TempDir()
	for _, n := range []string{"GeoIP2-City-Test.mmdb", "GeoIP2-Anonymous-IP-Test.mmdb"} {
		b, _ := os.ReadFile(filepath.Join(mm, n))
		os.WriteFile(filepath.Join(src, n), b, 0o644)
	}
	if _, errs, code := run(t, "--data-dir", data, "ipdb", "update", "--from", src); code != 0 {
		t.Fatalf("ipdb update: %s", errs)
	}
	out, errs, code := run(t, "--data-dir", data, "ipdb", "lookup", "81.2.69.144")
	if code != 0 || !strings.Contains(out, "London") || !strings.Contains(out, "tor") {
		t.Fatalf("lookup: %s %s", out, errs)
	}
	if _, _, code := run(t, "--data-dir", data, "ipdb", "lookup", "not-an-ip"); code == 0 {
		t.Fatal("bad address accepted")
	}
}

func TestPullOktaCommand(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "SSWS secret" {
			http.Error(w, "no", 401)
			return
		}
		if r.URL.Query().Get("after") == "1" {
			w.Header().Set("Link", fmt.Sprintf(`<%s/api/v1/logs?after=1>; rel="next"`, "http://"+r.Host))
			w.Write([]byte("[]"))
			return
		}
		w.Header().Set("Link", fmt.Sprintf(`<%s/api/v1/logs?after=1>; rel="next"`, "http://"+r.Host))
		w.Write([]byte(`[{"uuid":"p1","published":"2026-01-01T00:00:00.000Z","eventType":"user.session.start","actor":{"type":"User","alternateId":"a@x"},"client":{"ipAddress":"1.2.3.4"},"outcome":{"result":"SUCCESS"}}]`))
	}))
	defer srv.Close()
	t.Setenv("REDFLAG_CONNECT__OKTA__URL", srv.URL)
	t.Setenv("REDFLAG_CONNECT__OKTA__TOKEN", "secret")
	data := t.TempDir()
	for i := 0; i < 2; i++ {
		_, errs, code := run(t, "--data-dir", data, "pull", "--analyze=false", "okta")
		if code != 0 {
			t.Fatalf("pull %d: %s", i, errs)
		}
		want := "okta: 1 pages, 1 events"
		if i == 1 {
			want = "okta: 0 pages, 0 events" // resumed from the stored cursor
		}
		if !strings.Contains(errs, want) {
			t.Fatalf("pull %d: want %q in\n%s", i, want, errs)
		}
	}
}
