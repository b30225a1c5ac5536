package graph

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"sort"
	"testing"

	"github.com/redflag-dev/redflag/internal/model"
)

func id(k model.IdentifierKind, v string) model.Identifier {
	return model.Identifier{Kind: k, Value: v}
}

func TestSharedIdentifierMerges(t *testing.T) {
	g := New(DefaultConfig())
	g.Add("p3", []model.Identifier{id(model.IDPhone, "+15550001"), id(model.IDEmail, "a@x.com")})
	g.Add("p2", []model.Identifier{id(model.IDEmail, "b@x.com")})
	ev := g.Add("p1", []model.Identifier{id(model.IDPhone, "+15550001")})
	if len(ev) != 1 || ev[0].Kind != Merge || ev[0].Cluster != "cl:p1" || ev[0].Via != "phone:+15550001" {
		t.Fatalf("merge event: %+v", ev)
	}
	if c := g.Cluster("p3"); c != "cl:p1" {
		t.Errorf("cluster of p3 = %q", c)
	}
	if c := g.Cluster("p2"); c != "cl:p2" {
		t.Errorf("cluster of p2 = %q", c)
	}
	// re-adding the same identifier changes nothing
	if ev := g.Add("p1", []model.Identifier{id(model.IDPhone, "+15550001")}); len(ev) != 0 {
		t.Errorf("re-add gave events %+v", ev)
	}
	ev = g.AddLink(Link{A: "p2", B: "p3", Reason: "fuzzy_person", Weight: 12})
	if len(ev) != 1 || ev[0].Cluster != "cl:p1" || fmt.Sprint(ev[0].From) != "[cl:p1 cl:p2]" {
		t.Fatalf("link merge: %+v", ev)
	}
	if m := g.Members("p2"); fmt.Sprint(m) != "[p1 p2 p3]" {
		t.Errorf("members %v", m)
	}
}

func TestGenericIdentifierDoesNotFuse(t *testing.T) {
	cfg := DefaultConfig()
	cfg.GenericThreshold = 10
	g := New(cfg)
	var events []Event
	// 2,000 people behind one public Wi-Fi / office egress IP
	for i := 0; i < 2000; i++ {
		events = append(events, g.Add(fmt.Sprintf("s%04d", i), []model.Identifier{id(model.IDIP, "198.51.100.7")})...)
	}
	// two of them also share a bank account: that link must survive
	g.AddIdentifier("s0005", model.IDBank, "bank:abc")
	g.AddIdentifier("s1999", model.IDBank, "bank:abc")
	st := g.Stats()
	if st.Largest != 2 || st.Clusters != 1 {
		t.Errorf("stats %+v: want one cluster of two", st)
	}
	if !g.IsGeneric(model.IDIP, "198.51.100.7") {
		t.Error("IP not generic")
	}
	var split int
	for _, e := range events {
		if e.Kind == Split {
			split++
			if e.Via != "ip:198.51.100.7" || len(e.Into) != 10 {
				t.Errorf("split event %+v", e)
			}
		}
	}
	if split != 1 {
		t.Errorf("%d split events, want 1", split)
	}
	if ex := g.Expand("s0005", 3); len(ex) != 1 || ex[0].Subject != "s1999" || ex[0].Via != "bank_account:bank:abc" {
		t.Errorf("expand through generic: %+v", ex)
	}
}

func TestDeclaredGenericAndNoLink(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Generic = []string{"address:us|10001|1 corporate plz"}
	cfg.NoLink = []string{"bank_holder"}
	g := New(cfg)
	g.Add("a", []model.Identifier{id(model.IDAddress, "us|10001|1 corporate plz"), id(model.IDBankHolder, "jane doe")})
	g.Add("b", []model.Identifier{id(model.IDAddress, "us|10001|1 corporate plz"), id(model.IDBankHolder, "jane doe")})
	if g.Cluster("a") == g.Cluster("b") {
		t.Error("declared generic address or no-link kind linked a and b")
	}
	g.Add("c", []model.Identifier{id(model.IDDevice, "d1")})
	g.Add("d", []model.Identifier{id(model.IDDevice, "d1")})
	ev := g.MarkGeneric(model.IDDevice, "d1")
	if len(ev) != 1 || ev[0].Kind != Split || g.Cluster("c") == g.Cluster("d") {
		t.Errorf("MarkGeneric: %+v", ev)
	}
	v, ok := g.Show("a")
	if !ok || len(v.Identifiers) != 2 || !v.Identifiers[0].Generic || !v.Identifiers[0].Declared || v.Identifiers[0].Others[0] != "b" {
		t.Errorf("show: %+v", v)
	}
}

func TestExpandHops(t *testing.T) {
	g := New(DefaultConfig())
	// chain a -phone- b -bank- c -device- d
	g.Add("a", []model.Identifier{id(model.IDPhone, "1")})
	g.Add("b", []model.Identifier{id(model.IDPhone, "1"), id(model.IDBank, "x")})
	g.Add("c", []model.Identifier{id(model.IDBank, "x"), id(model.IDDevice, "d")})
	g.Add("d", []model.Identifier{id(model.IDDevice, "d")})
	got := g.Expand("a", 2)
	want := []Reached{{"b", 1, "a", "phone:1"}, {"c", 2, "b", "bank_account:x"}}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("expand 2: %+v", got)
	}
	if n := len(g.Expand("a", -1)); n != 3 {
		t.Errorf("unbounded expand reached %d", n)
	}
	ev := g.Remove("b")
	if len(ev) != 1 || ev[0].Kind != Split || g.Cluster("a") == g.Cluster("c") || g.Cluster("c") != g.Cluster("d") {
		t.Errorf("remove: %+v a=%s c=%s d=%s", ev, g.Cluster("a"), g.Cluster("c"), g.Cluster("d"))
	}
	if g.Cluster("b") != "" {
		t.Error("removed subject still has a cluster")
	}
}

// TestClustersMatchReference adds random identifiers in random order and
// compares the incremental clusters with connected components computed from
// scratch, including generic identifiers crossing their threshold.
func TestClustersMatchReference(t *testing.T) {
	for seed := uint64(1); seed <= 20; seed++ {
		r := rand.New(rand.NewPCG(seed, 7))
		cfg := DefaultConfig()
		cfg.GenericThreshold = 6
		g := New(cfg)
		holders := map[string]map[string]bool{}
		subjects := map[string]bool{}
		for n := 0; n < 300; n++ {
			s := fmt.Sprintf("s%02d", r.IntN(60))
			v := fmt.Sprintf("v%02d", r.IntN(80))
			if r.IntN(10) == 0 {
				v = "hot" // an identifier everyone ends up sharing
			}
			subjects[s] = true
			if holders[v] == nil {
				holders[v] = map[string]bool{}
			}
			holders[v][s] = true
			g.AddIdentifier(s, model.IDPhone, v)
		}
		// reference: union over identifiers held by at most the threshold
		parent := map[string]string{}
		var find func(string) string
		find = func(x string) string {
			if parent[x] == "" || parent[x] == x {
				return x
			}
			parent[x] = find(parent[x])
			return parent[x]
		}
		for _, hs := range holders {
			if len(hs) > 6 {
				continue
			}
			var first string
			for s := range hs {
				if first == "" {
					first = s
					continue
				}
				a, b := find(first), find(s)
				if a != b {
					if a < b {
						parent[b] = a
					} else {
						parent[a] = b
					}
				}
			}
		}
		comp := map[string][]string{}
		for s := range subjects {
			comp[find(s)] = append(comp[find(s)], s)
		}
		for _, ms := range comp {
			sort.Strings(ms)
			want := "cl:" + ms[0]
			for _, m := range ms {
				if c := g.Cluster(m); c != want {
					t.Fatalf("seed %d: %s in %s, want %s (members %v)", seed, m, c, want, ms)
				}
			}
		}
	}
}

func TestExportDeterministic(t *testing.T) {
	build := func(order []int) []byte {
		g := New(DefaultConfig())
		adds := []func(){
			func() { g.Add("a", []model.Identifier{id(model.IDPhone, "1")}) },
			func() { g.Add("b", []model.Identifier{id(model.IDPhone, "1"), id(model.IDEmail, "e")}) },
			func() { g.Add("c", []model.Identifier{id(model.IDEmail, "e")}) },
			func() { g.AddLink(Link{A: "d", B: "c", Reason: "resume", Weight: 0.9}) },
		}
		for _, i := range order {
			adds[i]()
		}
		var buf bytes.Buffer
		if err := g.Export(&buf); err != nil {
			t.Fatal(err)
		}
		return buf.Bytes()
	}
	x, y := build([]int{0, 1, 2, 3}), build([]int{3, 2, 1, 0})
	if !bytes.Equal(x, y) {
		t.Errorf("export depends on order:\n%s\n%s", x, y)
	}
	var doc struct {
		Clusters    []ExportCluster    `json:"clusters"`
		Identifiers []ExportIdentifier `json:"identifiers"`
		Links       []ExportLink       `json:"links"`
	}
	if err := json.Unmarshal(x, &doc); err != nil {
		t.Fatalf("export is not JSON: %v\n%s", err, x)
	}
	if len(doc.Clusters) != 1 || fmt.Sprint(doc.Clusters[0].Members) != "[a b c d]" || len(doc.Identifiers) != 2 || len(doc.Links) != 1 {
		t.Errorf("export content: %+v", doc)
	}
}

// TestConcurrentUse adds, links and queries from several goroutines (run
// with -race) and checks the final clusters.
func TestConcurrentUse(t *testing.T) {
	g := New(DefaultConfig())
	done := make(chan bool)
	for w := 0; w < 4; w++ {
		go func(w int) {
			for i := 0; i < 200; i++ {
				s := fmt.Sprintf("s%d-%03d", w, i)
				g.Add(s, []model.Identifier{id(model.IDPhone, fmt.Sprintf("ring%d", i%50))})
				g.Expand(s, 2)
				g.Cluster(s)
				g.Show(s)
			}
			done <- true
		}(w)
	}
	for w := 0; w < 4; w++ {
		<-done
	}
	// each phone "ringN" is held by 4 workers x 4 = 16 subjects: under the threshold, one cluster per phone
	if st := g.Stats(); st.Clusters != 50 || st.Largest != 16 {
		t.Errorf("stats %+v", st)
	}
}
