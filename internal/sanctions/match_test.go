package sanctions

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
)

func fixtureIndex(t *testing.T) *Index {
	t.Helper()
	ents, _, err := LoadDir(filepath.Join("testdata", "lists"))
	if err != nil {
		t.Fatal(err)
	}
	return NewIndex(ents)
}

func top(t *testing.T, ix *Index, q Query) Match {
	t.Helper()
	ms := ix.Screen(q)
	if len(ms) == 0 {
		t.Fatalf("%+v: no match", q)
	}
	return ms[0]
}

func TestHangulRomanisation(t *testing.T) {
	for in, want := range map[string]string{"김정은": "gim jeongeun", "박도춘": "bak dochun", "리철": "ri cheol", "남궁민수": "namgung minsu"} {
		if got := strings.TrimSpace(strings.Join(strings.Fields(Transliterate(in, false)), " ")); got != want {
			t.Errorf("RR %s = %q, want %q", in, got, want)
		}
	}
	if got := strings.Join(strings.Fields(Transliterate("김정은", true)), " "); got != "kim chongun" {
		t.Errorf("MR 김정은 = %q", got)
	}
	if got := strings.Join(strings.Fields(Transliterate("Ким Чен Ын", false)), " "); got != "kim chen yn" {
		t.Errorf("Cyrillic: %q", got)
	}
	if got := strings.Join(strings.Fields(Transliterate("王小明", false)), " "); got != "wang xiao ming" {
		t.Errorf("Han: %q", got)
	}
	if got := strings.Join(strings.Fields(Transliterate("Société Générale ŁÓDŹ", false)), " "); got != "societe generale lodz" {
		t.Errorf("Latin: %q", got)
	}
}

func TestPhoneticKeyRomanisation(t *testing.T) {
	groups := [][]string{
		{"jong", "chong", "jeong", "jung", "chung"},
		{"kim", "gim"}, {"ri", "li", "lee", "rhee", "yi"}, {"pak", "park", "bak"},
		{"chol", "cheol", "chul"}, {"kyong", "gyeong", "kyung"}, {"hyok", "hyeok"}, {"kwang", "gwang"},
		{"tong", "dong"}, {"un", "eun"}, {"song", "seong", "sung"}, {"choe", "choi"},
	}
	for _, g := range groups {
		for _, w := range g[1:] {
			if phoneticKey(w) != phoneticKey(g[0]) {
				t.Errorf("key(%s)=%s differs from key(%s)=%s", w, phoneticKey(w), g[0], phoneticKey(g[0]))
			}
		}
	}
	for _, p := range [][2]string{{"kim", "kin"}, {"song", "sang"}, {"smith", "smyth2"}} {
		if phoneticKey(p[0]) == phoneticKey(p[1]) {
			t.Errorf("%s and %s share a key", p[0], p[1])
		}
	}
}

func TestScreenFixtures(t *testing.T) {
	ix := fixtureIndex(t)
	cases := []struct {
		q      Query
		wantID string
		min    float64
	}{
		{Query{Name: "JONG, Song Hwa"}, "24979", 1},   // exact primary
		{Query{Name: "Chong Song-hwa"}, "24979", 1},   // alias is a name
		{Query{Name: "Song Hwa Jeong"}, "24979", 0.9}, // reordered + romanisation
		{Query{Name: "Jung Seonghwa"}, "24979", 0.85}, // joined given name
		{Query{Name: "Gwang Jin Gim"}, "90001", 1},    // alias, reordered
		{Query{Name: "Kwangjin Gim"}, "90001", 0.9},   // joined + variant
		{Query{Name: "Lee Kyung Sik"}, "90002", 0.85}, // Ri/Lee, Kyong/Kyung
		{Query{Name: "YANBIAN SILVERSTAR NETWORK TECHNOLOGY"}, "24977", 0.95},
		{Query{Name: "Yanbian Silverstar Network Technology LLC", Type: "business"}, "24977", 0.95},
		{Query{Name: "Yanbian Silver Star Network Technology Co Ltd"}, "24977", 0.9},
		{Query{Name: "YANBIAN SILVERSTAR NETWORK TECHNOLGY CO., LTD."}, "24977", 0.9}, // typo
		{Query{Name: "박도춘"}, "KPi.900", 0.95},                                         // Hangul query, Latin and Hangul names
		{Query{Name: "Pak Do Chun"}, "KPi.900", 0.9},                                  // RR of the MR-listed name
		{Query{Name: "0x098b716b8aaf21512996dc57eb0615e2383e2f96"}, "27307", 1},       // hex address, any case
		{Query{Name: "1Q9UAQbcDezmyouFrzt94t4dSMxgsUfW1X"}, "27307", 1},
		{Query{Name: "927220230"}, "24979", 1}, // passport number
		{Query{Name: "Ким Кван Джин"}, "90001", 0.8},
	}
	for _, c := range cases {
		m := top(t, ix, c.q)
		if m.SourceID != c.wantID || m.Score < c.min {
			t.Errorf("%q: top %s %q score %.3f (%v), want %s >= %.2f", c.q.Name, m.SourceID, m.MatchedName, m.Score, m.Reasons, c.wantID, c.min)
		}
		if len(m.Reasons) == 0 || m.Reasons[0].Detail == "" {
			t.Errorf("%q: no reasons", c.q.Name)
		}
	}
	// a crypto address is only matched exactly
	if ms := ix.Screen(Query{Name: "1Q9UAQbcDezmyouFrzt94t4dSMxgsUfW1Y"}); len(ms) > 0 && ms[0].Score >= Threshold {
		t.Errorf("altered address matched: %+v", ms[0])
	}
}

func TestScreenNegativesAndLegalForms(t *testing.T) {
	ix := fixtureIndex(t)
	for _, n := range []string{"Jennifer Muller", "Network Technology Co., Ltd.", "Kim", "LLC", "Song Hwa Park", "Ivan Petrov"} {
		for _, m := range ix.Screen(Query{Name: n}) {
			if m.Score >= Threshold {
				t.Errorf("%q alerted on %s %q at %.3f (%v)", n, m.SourceID, m.MatchedName, m.Score, m.Reasons)
			}
		}
	}
}

func TestEvidenceMovesScore(t *testing.T) {
	ix := fixtureIndex(t)
	base := top(t, ix, Query{Name: "Jeong Song Hwa", Type: "person"})
	agree := top(t, ix, Query{Name: "Jeong Song Hwa", Type: "person", BirthDate: "1970-02-05", Country: "KP", Gender: "male"})
	conflict := top(t, ix, Query{Name: "Jeong Song Hwa", Type: "person", BirthDate: "1990-06-01"})
	if !(agree.Score > base.Score && conflict.Score < base.Score) {
		t.Fatalf("scores: base %.3f agree %.3f conflict %.3f", base.Score, agree.Score, conflict.Score)
	}
	if conflict.Score >= Threshold {
		t.Errorf("conflicting birth date still alerts: %.3f", conflict.Score)
	}
	codes := ""
	for _, r := range conflict.Reasons {
		codes += r.Code + " "
	}
	if !strings.Contains(codes, "dob_conflict") {
		t.Errorf("reasons %v", conflict.Reasons)
	}
	vessel := top(t, ix, Query{Name: "SOBAEKSU STAR", Type: "person"})
	if vessel.Score >= 1 {
		t.Errorf("type mismatch not applied: %+v", vessel)
	}
}

func TestHandler(t *testing.T) {
	h := NewHandler(NewScreener(fixtureIndex(t), nil))
	srv := httptest.NewServer(h)
	defer srv.Close()
	resp, err := http.Get(srv.URL + "/api/v1/screen?name=" + "Chong%20Song%20Hwa" + "&type=person&limit=2")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body struct {
		Matches []map[string]any `json:"matches"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 200 || len(body.Matches) == 0 {
		t.Fatalf("status %d, %d matches", resp.StatusCode, len(body.Matches))
	}
	m := body.Matches[0]
	for _, k := range []string{"list", "source_id", "name", "matched_name", "type", "programs", "score", "reasons"} {
		if _, ok := m[k]; !ok {
			t.Errorf("response lacks %q: %v", k, m)
		}
	}
	if m["source_id"] != "24979" {
		t.Errorf("top %v", m)
	}
	for _, bad := range []string{"", "?name=x&limit=0", "?name=x&birth_date=soon"} {
		r, err := http.Get(srv.URL + "/api/v1/screen" + bad)
		if err != nil {
			t.Fatal(err)
		}
		r.Body.Close()
		if r.StatusCode != http.StatusBadRequest {
			t.Errorf("%q: status %d", bad, r.StatusCode)
		}
	}
}

// TestConcurrentScreen screens from several goroutines at once (run with
// -race): the index is read-only and scratch space comes from a pool.
func TestConcurrentScreen(t *testing.T) {
	ix := fixtureIndex(t)
	want := top(t, ix, Query{Name: "Chong Song-hwa"}).SourceID
	errs := make(chan string, 8)
	done := make(chan struct{})
	for g := 0; g < 4; g++ {
		go func() {
			defer func() { done <- struct{}{} }()
			for i := 0; i < 200; i++ {
				if ms := ix.Screen(Query{Name: "Chong Song-hwa"}); len(ms) == 0 || ms[0].SourceID != want {
					errs <- fmt.Sprintf("iteration %d: %+v", i, ms)
					return
				}
				ix.Screen(Query{Name: "Yanbian Silverstar", Type: "business"})
			}
		}()
	}
	for g := 0; g < 4; g++ {
		<-done
	}
	close(errs)
	for e := range errs {
		t.Error(e)
	}
}
