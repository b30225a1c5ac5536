package web

import (
	"strings"
	"testing"
	"time"

	"github.com/redflag-dev/redflag/internal/model"
)

func TestActivityFitsOffset(t *testing.T) {
	// Activity 09:00-17:00 in Seoul (UTC+9) for someone claiming New York.
	var times []time.Time
	seoul := time.FixedZone("KST", 9*3600)
	for d := 0; d < 10; d++ {
		for h := 9; h < 18; h++ {
			times = append(times, time.Date(2026, 11, 1+d, h, 30, 0, 0, seoul))
		}
	}
	a := activity(times, "America/New_York")
	if !a.ZoneOK || a.Total != 90 {
		t.Fatalf("activity %+v", a)
	}
	if a.InHours > 0.2 {
		t.Fatalf("share in New York business hours %.2f, want low", a.InHours)
	}
	if a.BestShare != 1 || a.BestOffset < 8 || a.BestOffset > 10 {
		t.Fatalf("best offset %+d (%.2f), want about +9", a.BestOffset, a.BestShare)
	}
	bad := activity(times, "Mars/Olympus")
	if bad.ZoneOK || !strings.Contains(bad.Note, "not a known IANA zone") {
		t.Fatalf("bad zone: %+v", bad)
	}
	svg := hourChartSVG(a)
	if strings.Count(svg, `class="hbar off"`)+strings.Count(svg, `class="hbar"`) != 24 {
		t.Fatal("want 24 bars")
	}
}

func TestGraphSVGEscapes(t *testing.T) {
	s := graphSVG(model.Subject{ID: "a", FullName: `<script>x</script>`}, Graph{Links: []Link{{SubjectID: `b"><script>`, Name: `<img src=x onerror=alert(1)>`, Via: []LinkIdent{{Kind: "email"}}}}})
	if strings.Contains(s, "<script>") || strings.Contains(s, "<img") {
		t.Fatalf("unescaped text in SVG: %s", s)
	}
}

func TestLocMatch(t *testing.T) {
	home := model.Address{City: "Raleigh", Region: "NC", Country: "US"}
	cases := map[[3]string]string{
		{"Raleigh", "NC", "US"}:   "city",
		{"Durham", "NC", "US"}:    "region",
		{"Nashville", "TN", "US"}: "country",
		{"Tokyo", "", "JP"}:       "",
	}
	for in, want := range cases {
		if got := locMatch(home, in[0], in[1], in[2]); got != want {
			t.Errorf("%v: got %q want %q", in, got, want)
		}
	}
	if locMatch(model.Address{}, "Raleigh", "NC", "US") != "" {
		t.Error("no claimed country should not match")
	}
}
