package ipintel

import (
	"context"
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/maxmind/mmdbwriter"
	"github.com/maxmind/mmdbwriter/mmdbtype"

	"github.com/redflag-dev/redflag/internal/ingest/signin/signintest"
	"github.com/redflag-dev/redflag/internal/model"
)

func link(t *testing.T, src, dst string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(src, dst); err != nil {
		t.Fatal(err)
	}
}

// firstAddr returns an address inside the network (the first one).
func firstAddr(t *testing.T, cidr string) netip.Addr {
	p, err := netip.ParsePrefix(cidr)
	if err != nil {
		t.Fatal(err)
	}
	return p.Masked().Addr().Unmap()
}

func sourceRecords(t *testing.T, path string) []map[string]map[string]any {
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var out []map[string]map[string]any
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestMaxMindTestDatabases(t *testing.T) {
	src := signintest.SharedDir(t, "data/ipintel/maxmind_test_mmdb")
	for _, name := range []string{"GeoIP2-City-Test", "GeoLite2-ASN-Test", "GeoIP2-Anonymous-IP-Test"} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			link(t, filepath.Join(src, name+".mmdb"), filepath.Join(dir, name+".mmdb"))
			db, err := Open(dir, Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			if db.Sources()[0].Kind != "mmdb-maxmind" {
				t.Fatalf("layout: %+v", db.Sources())
			}
			checked := 0
			for _, rec := range sourceRecords(t, filepath.Join(src, name+".source.json")) {
				for cidr, v := range rec {
					a := firstAddr(t, cidr)
					got := db.LookupAddr(a)
					switch name {
					case "GeoIP2-City-Test":
						c, _ := v["country"].(map[string]any)
						if c == nil {
							continue
						}
						if got.Country != c["iso_code"] {
							t.Errorf("%s: country %q want %v", a, got.Country, c["iso_code"])
						}
						if city, ok := v["city"].(map[string]any); ok {
							if got.City != city["names"].(map[string]any)["en"] {
								t.Errorf("%s: city %q", a, got.City)
							}
						}
					case "GeoLite2-ASN-Test":
						if n, ok := v["autonomous_system_number"].(float64); ok && got.ASN != uint32(n) {
							t.Errorf("%s: asn %d want %v", a, got.ASN, n)
						}
					case "GeoIP2-Anonymous-IP-Test":
						if vpn, _ := v["is_anonymous_vpn"].(bool); vpn != got.VPN {
							t.Errorf("%s: vpn %v want %v", a, got.VPN, vpn)
						}
						if tor, _ := v["is_tor_exit_node"].(bool); tor != got.Tor {
							t.Errorf("%s: tor %v want %v", a, got.Tor, tor)
						}
						if h, _ := v["is_hosting_provider"].(bool); h != got.Hosting {
							t.Errorf("%s: hosting %v want %v", a, got.Hosting, h)
						}
					}
					checked++
				}
			}
			if checked < 5 {
				t.Fatalf("only %d networks checked", checked)
			}
		})
	}
}

func TestElasticFixtureIPs(t *testing.T) {
	src := signintest.SharedDir(t, "data/ipintel/maxmind_test_mmdb")
	dir := t.TempDir()
	for _, n := range []string{"GeoIP2-City-Test", "GeoLite2-ASN-Test", "GeoIP2-Anonymous-IP-Test"} {
		link(t, filepath.Join(src, n+".mmdb"), filepath.Join(dir, n+".mmdb"))
	}
	db, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	l := db.Lookup("81.2.69.144")
	if l.Country != "GB" || l.City != "London" || !l.VPN || !l.Tor || !l.Hosting || len(l.Sources) != 2 {
		t.Errorf("81.2.69.144: %+v", l)
	}
	c := db.Lookup("175.16.199.1")
	if c.Country != "CN" || c.City != "Changchun" {
		t.Errorf("175.16.199.1: %+v", c)
	}
	if a := db.Lookup("67.43.156.13"); a.ASN != 35908 {
		t.Errorf("67.43.156.13: %+v", a)
	}
}

func writeFlat(t *testing.T, path, dbType string, recs map[string]mmdbtype.Map) {
	t.Helper()
	tree, err := mmdbwriter.New(mmdbwriter.Options{DatabaseType: dbType, RecordSize: 24})
	if err != nil {
		t.Fatal(err)
	}
	for cidr, m := range recs {
		_, n, err := net.ParseCIDR(cidr)
		if err != nil {
			t.Fatal(err)
		}
		if err := tree.Insert(n, m); err != nil {
			t.Fatal(err)
		}
	}
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tree.WriteTo(f); err != nil {
		t.Fatal(err)
	}
	f.Close()
}

func TestFlatLayoutCSVAndLists(t *testing.T) {
	dir := t.TempDir()
	writeFlat(t, filepath.Join(dir, "dbip-city.mmdb"), "dbip-city", map[string]mmdbtype.Map{
		"175.45.176.0/22": {"country_code": mmdbtype.String("KP"), "city": mmdbtype.String("Pyongyang"), "state1": mmdbtype.String("Pyongyang"), "latitude": mmdbtype.Float32(39.03), "longitude": mmdbtype.Float32(125.75)},
	})
	if err := os.WriteFile(filepath.Join(dir, "asn-ipv4.csv"), []byte("1.0.0.0,1.0.0.255,13335,Cloudflare\n175.45.176.0,175.45.179.255,131279,Star JV\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "country-ipv4.csv"), []byte("1.0.0.0,1.0.0.255,AU\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	lists := filepath.Join(dir, "lists")
	os.MkdirAll(lists, 0o755)
	os.WriteFile(filepath.Join(lists, "vpn-astrill.txt"), []byte("# astrill\n38.170.181.0/24\n"), 0o644)
	os.WriteFile(filepath.Join(lists, "vpn.txt"), []byte("10.9.0.0/16 # a vpn\n38.170.0.0/16\n"), 0o644)
	os.WriteFile(filepath.Join(lists, "datacenter.asn.txt"), []byte("AS13335 # cloudflare\n"), 0o644)
	os.WriteFile(filepath.Join(lists, "residential.txt"), []byte("73.0.0.0/8\n"), 0o644)
	db, err := Open(dir, Options{Corporate: []string{"203.0.113.0/24", "198.51.100.7"}})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	k := db.Lookup("175.45.177.1")
	if k.Country != "KP" || k.City != "Pyongyang" || !k.HasCoords || k.ASN != 131279 || k.ASOrg != "Star JV" {
		t.Errorf("flat+csv: %+v", k)
	}
	cf := db.Lookup("1.0.0.1")
	if cf.Country != "AU" || !cf.Hosting || cf.ASN != 13335 {
		t.Errorf("csv+asn list: %+v", cf)
	}
	if a := db.Lookup("38.170.181.9"); !a.VPN || a.VPNOperator != "astrill" {
		t.Errorf("astrill: %+v", a)
	}
	if a := db.Lookup("38.170.1.9"); !a.VPN || a.VPNOperator != "" {
		t.Errorf("generic vpn: %+v", a)
	}
	if a := db.Lookup("198.51.100.7"); !a.Corporate {
		t.Errorf("corporate: %+v", a)
	}
	if a := db.Lookup("198.51.100.8"); a.Corporate {
		t.Errorf("not corporate: %+v", a)
	}
	if a := db.Lookup("73.1.2.3"); !a.Residential || a.VPN {
		t.Errorf("residential: %+v", a)
	}
	// The enricher keeps the provider's view.
	ev := &model.Event{Kind: model.EvSignIn, SignIn: &model.SignIn{IP: "38.170.181.9", IPInfo: &model.IPInfo{ProviderCountry: "US", ProviderASN: 9009, ProviderProxy: true}}}
	NewEnricher(db).Enrich(context.Background(), ev)
	got := ev.SignIn.IPInfo
	if got.VPNOperator != "astrill" || got.ProviderASN != 9009 || got.ProviderCountry != "US" || !got.ProviderProxy {
		t.Errorf("enriched: %+v", got)
	}
}

func TestX4BNetAndAstrillLists(t *testing.T) {
	x4 := signintest.SharedDir(t, "data/ipintel/x4bnet_lists_vpn")
	ast := signintest.SharedDir(t, "data/ipintel/astrill")
	tor := signintest.SharedDir(t, "data/ipintel/tor")
	dir := t.TempDir()
	link(t, filepath.Join(x4, "output_vpn_ipv4.txt"), filepath.Join(dir, "lists", "vpn.txt"))
	link(t, filepath.Join(x4, "output_datacenter_ipv4.txt"), filepath.Join(dir, "lists", "datacenter.txt"))
	link(t, filepath.Join(x4, "output_datacenter_ipv6.txt"), filepath.Join(dir, "lists", "datacenter-v6.txt"))
	link(t, filepath.Join(x4, "input_vpn_ASN.txt"), filepath.Join(dir, "lists", "vpn.asn.txt"))
	link(t, filepath.Join(ast, "spur_astrill_2024.txt"), filepath.Join(dir, "lists", "vpn-astrill.txt"))
	link(t, filepath.Join(tor, "secops-institute_tor-exit-nodes_2024-02-27.lst"), filepath.Join(dir, "lists", "tor.txt"))
	db, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	// Every listed line must answer with its tag.
	check := func(file string, want func(model.IPInfo) bool) {
		b, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, l := range strings.Split(string(b), "\n") {
			l = strings.TrimSpace(l)
			if l == "" || strings.HasPrefix(l, "#") {
				continue
			}
			p, err := parsePrefix(l)
			if err != nil {
				t.Fatalf("%s: %v", l, err)
			}
			last := p.Addr()
			for i := 0; i < (1<<(p.Addr().BitLen()-p.Bits()))-1 && i < 300; i++ {
				last = last.Next()
			}
			for _, a := range []netip.Addr{p.Addr(), last} {
				if got := db.LookupAddr(a); !want(got) {
					t.Fatalf("%s (%s): %+v", a, file, got)
				}
			}
			n++
		}
		if n == 0 {
			t.Fatalf("%s: empty", file)
		}
	}
	check(filepath.Join(x4, "output_vpn_ipv4.txt"), func(i model.IPInfo) bool { return i.VPN })
	check(filepath.Join(ast, "spur_astrill_2024.txt"), func(i model.IPInfo) bool { return i.VPN && i.VPNOperator == "astrill" })
	check(filepath.Join(tor, "secops-institute_tor-exit-nodes_2024-02-27.lst"), func(i model.IPInfo) bool { return i.Tor })
	if a := db.Lookup("192.0.2.1"); a.VPN || a.Tor || a.Hosting {
		t.Errorf("TEST-NET should be untagged: %+v", a)
	}
	if a := db.Lookup("2001:db8::1"); a.Hosting {
		t.Errorf("v6 doc prefix: %+v", a)
	}
}

func TestTagTableOverlaps(t *testing.T) {
	var tb tagBuilder
	tb.add(netip.MustParsePrefix("10.0.0.0/8"), 0)
	tb.add(netip.MustParsePrefix("10.1.0.0/16"), 1)
	tb.add(netip.MustParsePrefix("10.1.2.3/32"), 2)
	tb.add(netip.MustParsePrefix("::/0"), 3)
	tt, err := tb.build()
	if err != nil {
		t.Fatal(err)
	}
	cases := map[string]uint64{"10.0.0.0": 1 | 8, "10.1.0.0": 1 | 2 | 8, "10.1.2.3": 1 | 2 | 4 | 8, "10.1.2.4": 1 | 2 | 8, "10.2.0.0": 1 | 8, "11.0.0.0": 8, "9.255.255.255": 8, "2001:db8::1": 8}
	for ip, want := range cases {
		if got := tt.lookup(netip.MustParseAddr(ip)); got != want {
			t.Errorf("%s: %b want %b", ip, got, want)
		}
	}
}

func TestUpdateKeepsLastGoodCopy(t *testing.T) {
	src := t.TempDir()
	os.MkdirAll(filepath.Join(src, "lists"), 0o755)
	os.WriteFile(filepath.Join(src, "lists", "vpn.txt"), []byte("10.0.0.0/8\n"), 0o644)
	os.WriteFile(filepath.Join(src, "asn.csv"), []byte("1.0.0.0,1.0.0.255,13335,Cloudflare\n"), 0o644)
	dir := t.TempDir()
	res, err := Update(context.Background(), dir, nil, src, nil)
	if err != nil || len(res) != 2 || !res[0].Updated || !res[1].Updated {
		t.Fatalf("first update: %v %+v", err, res)
	}
	// A broken new copy must not replace the good one.
	os.WriteFile(filepath.Join(src, "lists", "vpn.txt"), []byte("not-a-cidr\n"), 0o644)
	res, err = Update(context.Background(), dir, []Source{{Name: "lists/vpn.txt"}}, src, nil)
	if err != nil || res[0].Updated || res[0].Error == "" {
		t.Fatalf("broken update accepted: %+v", res)
	}
	db, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if a := db.Lookup("10.1.2.3"); !a.VPN {
		t.Errorf("last good list lost: %+v", a)
	}
	if a := db.Lookup("1.0.0.9"); a.ASN != 13335 {
		t.Errorf("csv: %+v", a)
	}
}

func TestUpdateOverHTTP(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/tor.txt":
			w.Write([]byte("185.220.101.1\n"))
		default:
			http.Error(w, "gone", http.StatusInternalServerError)
		}
	}))
	defer srv.Close()
	dir := t.TempDir()
	res, err := Update(context.Background(), dir, []Source{{Name: "lists/tor.txt", URL: srv.URL + "/tor.txt"}, {Name: "lists/vpn.txt", URL: srv.URL + "/missing"}}, "", srv.Client())
	if err != nil || !res[0].Updated || res[1].Updated {
		t.Fatalf("%v %+v", err, res)
	}
	db, _ := Open(dir, Options{})
	if a := db.Lookup("185.220.101.1"); !a.Tor {
		t.Errorf("tor: %+v", a)
	}
}

func TestCSVLayouts(t *testing.T) {
	city := "start,end,country_code,state1,state2,city,postcode,latitude,longitude,timezone\n" +
		"175.45.176.0,175.45.179.255,KP,Pyongyang,,Pyongyang,,39.0339,125.7543,Asia/Pyongyang\n" +
		"2001:db8::,2001:db8::ffff,JP,Tokyo,,Tokyo,,35.68,139.69,Asia/Tokyo\n"
	rf, err := readCSV(strings.NewReader(city), "city.csv")
	if err != nil || rf.layout != "city" {
		t.Fatalf("%v %+v", err, rf)
	}
	if f := rf.lookup(netip.MustParseAddr("175.45.177.9")); f.country != "KP" || f.city != "Pyongyang" || !f.hasCoords {
		t.Errorf("v4 city: %+v", f)
	}
	if f := rf.lookup(netip.MustParseAddr("2001:db8::42")); f.country != "JP" {
		t.Errorf("v6 city: %+v", f)
	}
	if f := rf.lookup(netip.MustParseAddr("175.45.180.1")); f.found {
		t.Errorf("outside every range: %+v", f)
	}
	// The -num variants write addresses as integers.
	num, err := readCSV(strings.NewReader("16777216,16777471,13335,Cloudflare\n"), "asn-num.csv")
	if err != nil || num.layout != "asn" {
		t.Fatal(err)
	}
	if f := num.lookup(netip.MustParseAddr("1.0.0.1")); f.asn != 13335 || f.asOrg != "Cloudflare" {
		t.Errorf("num: %+v", f)
	}
	if _, err := readCSV(strings.NewReader("1.0.0.0,1.0.0.255,13335,Cloudflare\n1.0.1.0,x,1,y\n"), "bad.csv"); err == nil || !strings.Contains(err.Error(), "line 2") {
		t.Errorf("bad row not reported with its line: %v", err)
	}
}

func FuzzReadCSV(f *testing.F) {
	f.Add("1.0.0.0,1.0.0.255,13335,Cloudflare\n")
	f.Add("start,end,cc\n1.0.0.0,1.0.0.255,AU\n::,::ff,US\n")
	f.Add("175.45.176.0,175.45.179.255,KP,Pyongyang,,Pyongyang,,39.0,125.7,Asia/Pyongyang\n")
	f.Fuzz(func(t *testing.T, in string) {
		rf, err := readCSV(strings.NewReader(in), "fz.csv")
		if err != nil {
			return
		}
		for _, a := range []string{"1.0.0.1", "::1", "175.45.177.1"} {
			_ = rf.lookup(netip.MustParseAddr(a))
		}
	})
}

func FuzzReadList(f *testing.F) {
	f.Add("10.0.0.0/8\n# c\n1.2.3.4\n2001:db8::/32\n")
	f.Add("AS9009 # M247\n")
	f.Fuzz(func(t *testing.T, in string) {
		var tb tagBuilder
		asn := map[uint32]uint64{}
		if _, err := readList(strings.NewReader(in), "fz", 1, false, &tb, asn); err == nil {
			tt, err := tb.build()
			if err != nil {
				t.Fatal(err)
			}
			_ = tt.lookup(netip.MustParseAddr("10.1.2.3"))
			_ = tt.lookup(netip.MustParseAddr("2001:db8::1"))
		}
		_, _ = readList(strings.NewReader(in), "fz", 1, true, &tb, asn)
	})
}
