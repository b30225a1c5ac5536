package indicators

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
)

func builtin(t testing.TB) *Pack {
	t.Helper()
	p, err := Builtin()
	if err != nil {
		t.Fatalf("builtin pack: %v", err)
	}
	return p
}

func TestBuiltinLoads(t *testing.T) {
	p := builtin(t)
	if p.Version() == "" {
		t.Fatal("no version")
	}
	c := p.Counts()
	for _, cat := range Categories() {
		if c[cat] == 0 {
			t.Errorf("category %s is empty", cat)
		}
	}
	p.Entries("", func(e *Entry) {
		if e.Source == "" || e.Confidence == "" {
			t.Errorf("%s:%d: entry without source or confidence", e.File, e.Line)
		}
	})
}

func names(es []*Entry) []string {
	var out []string
	for _, e := range es {
		out = append(out, e.Group)
	}
	return out
}

func TestLookups(t *testing.T) {
	p := builtin(t)
	cases := []struct {
		name string
		got  []*Entry
		want string // group (vendor/operator) expected among results; "" = none
	}{
		{"anydesk process", p.RemoteAccessByProcess(`C:\Program Files (x86)\AnyDesk\AnyDesk.exe`), "anydesk"},
		{"anydesk mac process", p.RemoteAccessByProcess("/Applications/AnyDesk.app/Contents/MacOS/AnyDesk"), "anydesk"},
		{"rustdesk glob", p.RemoteAccessByProcess("rustdesk-1.2.3-x86_64.exe"), "rustdesk"},
		{"glob needs suffix", p.RemoteAccessByProcess("rustdesk-1.2.3.msi"), ""},
		{"crd product", p.RemoteAccessByProduct("Chrome Remote Desktop Host"), "chromeremotedesktop"},
		{"crd deb", p.RemoteAccessByProduct("chrome-remote-desktop"), "chromeremotedesktop"},
		{"word boundary", p.RemoteAccessByProduct("ManyDesktops Pro"), ""},
		{"teamviewer bundle", p.RemoteAccessByBundle("com.teamviewer.TeamViewer"), "teamviewer"},
		{"bash is not rmm", p.RemoteAccessByProcess("/bin/bash"), ""},
		{"domain parent", p.RemoteAccessByDomain("relay-12.net.anydesk.com"), "anydesk"},
		{"code tunnel", p.RemoteAccessByCmdline(`"C:\Users\x\code.exe" tunnel --accept-server-license-terms`), "devtunnels"},
		{"code tunnel unquoted", p.RemoteAccessByCmdline("/usr/local/bin/code tunnel --name x"), "devtunnels"},
		{"cmdline word boundary", p.RemoteAccessByCmdline("/usr/bin/code --tunnelx"), ""},
		{"cmdline program only", p.RemoteAccessByCmdline(`C:\x\remoting_start_host.exe`), "chromeremotedesktop"},
		{"astrill program", p.VPNByProduct("Astrill VPN 3.9"), "astrill"},
		{"astrill process", p.VPNByProcess(`C:\Program Files\Astrill\AstrillDialer.exe`), "astrill"},
		{"astrill ip", p.VPNByIP("142.214.202.2"), "astrill"},
		{"not astrill ip", p.VPNByIP("142.214.202.3"), ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			gs := names(c.got)
			if c.want == "" {
				if len(gs) != 0 {
					t.Fatalf("want no match, got %v", gs)
				}
				return
			}
			if !contains(gs, c.want) {
				t.Fatalf("want %s among %v", c.want, gs)
			}
		})
	}
}

func TestKVMLookups(t *testing.T) {
	p := builtin(t)
	if es := p.KVMByUSB("0x1d6b", "0x0104"); len(es) == 0 {
		t.Error("1d6b:0104 not found")
	}
	if es := p.KVMByUSB("1D6B", "104"); len(es) == 0 {
		t.Error("short/upper-case ids not normalised")
	}
	if es := p.KVMByUSB("1d6b", "0002"); len(es) != 0 {
		t.Error("Linux root hub 1d6b:0002 must not match")
	}
	if es := p.KVMByUSBStrings("PiKVM Composite Device"); len(es) == 0 {
		t.Error("PiKVM string not found")
	}
	if es := p.KVMByDisplayName("TinyPilot"); len(es) == 0 || es[0].Name != "TinyPilot" {
		t.Errorf("TinyPilot EDID: %v", es)
	}
	if es := p.KVMByDisplayName("DELL U2720Q"); len(es) != 0 {
		t.Errorf("Dell monitor matched: %v", es)
	}
	if es := p.KVMByPnP("LNX7771"); len(es) == 0 {
		t.Error("LNX7771 not found")
	}
}

func TestOtherLookups(t *testing.T) {
	p := builtin(t)
	if _, ok := p.LookupDomain("mail.hopanatech.com"); !ok {
		t.Error("subdomain of seized domain not found")
	}
	if _, ok := p.LookupDomain("example.com"); ok {
		t.Error("example.com matched")
	}
	if e, ok := p.LookupCryptoAddress("0x098b716b8aaf21512996dc57eb0615e2383e2f96"); !ok || e.Name != "LAZARUS GROUP" {
		t.Errorf("eth address lower-case: %v %v", e, ok)
	}
	if _, ok := p.LookupCryptoAddress("134r8ihv69xdt6p5qvktshrcuevbvzayak"); ok {
		t.Error("base58 address must be case-sensitive")
	}
	if _, ok := p.LookupCryptoAddress("134r8iHv69xdT6p5qVKTsHrcUEuBVZAYak"); !ok {
		t.Error("base58 address not found")
	}
	if e, ok := p.LookupFrontCompany("Yanbian Silverstar Network Technology Co., Ltd"); !ok || !strings.Contains(e.Name, "YANBIAN") {
		t.Errorf("front company: %v %v", e, ok)
	}
	if _, ok := p.LookupFrontCompany("Volasys Silver Star LLC"); !ok {
		t.Error("front company with legal suffix")
	}
	if _, ok := p.LookupFrontCompany("Acme Widgets LLC"); ok {
		t.Error("Acme matched")
	}
	if e, ok := p.PaymentChannel("TransferWise"); !ok || e.Name != "Wise" {
		t.Errorf("payment channel alias: %v %v", e, ok)
	}
	if is, ok := p.KeyboardLayout("00000412"); !ok || is.Language != "ko" {
		t.Errorf("klid: %v %v", is, ok)
	}
	if is, ok := p.MacInputSource("com.apple.inputmethod.Korean.2SetKorean"); !ok || is.Language != "ko" {
		t.Errorf("mac input: %v %v", is, ok)
	}
	if _, ok := p.MacInputSource("com.apple.keylayout.US"); ok {
		t.Error("US layout matched")
	}
	if is, ok := p.Locale("ko_KR"); !ok || !contains(is.Countries, "KR") {
		t.Errorf("locale: %v %v", is, ok)
	}
	if _, ok := p.Locale("en_US"); ok {
		t.Error("en_US matched")
	}
}

func writePack(t testing.TB, dir string, files map[string]string) {
	t.Helper()
	for n, b := range files {
		if err := os.WriteFile(filepath.Join(dir, n), []byte(b), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

const goodManifest = `{"name":"test","version":"9","extends":"builtin","files":[{"path":"extra.csv","category":"remote_access"}]}`

func TestInstallRefusesBadPackKeepsOld(t *testing.T) {
	dst := filepath.Join(t.TempDir(), "indicators")
	good := t.TempDir()
	writePack(t, good, map[string]string{
		ManifestFile: goodManifest,
		"extra.csv":  "tool,vendor,class,kind,value,source,confidence\nAcmeRemote,Acme,rmm,process,acmeremote.exe,analyst,high\n",
	})
	p, err := Install(good, dst)
	if err != nil {
		t.Fatalf("install good pack: %v", err)
	}
	if len(p.RemoteAccessByProcess("acmeremote.exe")) == 0 || len(p.RemoteAccessByProcess("anydesk.exe")) == 0 {
		t.Fatal("extension pack must add to the builtin entries")
	}
	bad := t.TempDir()
	writePack(t, bad, map[string]string{
		ManifestFile: goodManifest,
		"extra.csv": "tool,vendor,class,kind,value,source,confidence\n" +
			"Ok,Ok,rmm,process,ok-tool.exe,analyst,high\n" +
			"Bad,Bad,rmm,process,bad.exe,,high\n" + // no source
			"Bad2,Bad2,rmm,usb_id,1234,analyst,high\n", // wrong kind for category
	})
	_, err = Install(bad, dst)
	var ve *ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("bad pack: want ValidationError, got %v", err)
	}
	if len(ve.Problems) != 2 || !strings.Contains(ve.Problems[0], "extra.csv:3") {
		t.Fatalf("problems should name file:line: %v", ve.Problems)
	}
	act, warn, err := Active(dst)
	if err != nil || warn != nil {
		t.Fatalf("active: %v %v", warn, err)
	}
	if act.Version() != "9" || len(act.RemoteAccessByProcess("acmeremote.exe")) == 0 || len(act.RemoteAccessByProcess("ok-tool.exe")) != 0 {
		t.Fatal("refused pack must leave the previous one in force, with none of its rows")
	}
}

func TestValidationProblems(t *testing.T) {
	cases := map[string]string{
		"bad header":     "tool,vendor\nx,y\n",
		"bad confidence": "tool,vendor,class,kind,value,source,confidence\nA,A,rmm,process,a1234.exe,s,certain\n",
		"bad class":      "tool,vendor,class,kind,value,source,confidence\nA,A,malware,process,a1234.exe,s,high\n",
		"duplicate":      "tool,vendor,class,kind,value,source,confidence\nA,A,rmm,process,a1234.exe,s,high\nA,A,rmm,process,A1234.EXE,s,high\n",
		"bad domain":     "tool,vendor,class,kind,value,source,confidence\nA,A,rmm,domain,not a domain,s,high\n",
		"glob no star":   "tool,vendor,class,kind,value,source,confidence\nA,A,rmm,process_glob,abc.exe,s,high\n",
	}
	for name, body := range cases {
		t.Run(name, func(t *testing.T) {
			d := t.TempDir()
			writePack(t, d, map[string]string{ManifestFile: goodManifest, "extra.csv": body})
			if _, err := LoadDir(d); err == nil {
				t.Fatal("want refusal")
			}
		})
	}
	d := t.TempDir()
	writePack(t, d, map[string]string{ManifestFile: `{"name":"x","version":"1","files":[{"path":"a.csv","category":"nope"}]}`})
	if _, err := LoadDir(d); err == nil || !strings.Contains(err.Error(), "unknown category") {
		t.Fatalf("unknown category: %v", err)
	}
}

func TestExportRoundTrip(t *testing.T) {
	d := t.TempDir()
	if err := Export(d); err != nil {
		t.Fatal(err)
	}
	p, err := LoadDir(d)
	if err != nil {
		t.Fatal(err)
	}
	if p.Len() != builtin(t).Len() {
		t.Fatalf("exported pack has %d entries, builtin %d", p.Len(), builtin(t).Len())
	}
}

// synthetic builds a pack with n extra process names and product names.
func synthetic(b testing.TB, n int) *Pack {
	d := b.TempDir()
	var sb strings.Builder
	sb.WriteString("tool,vendor,class,kind,value,source,confidence\n")
	for i := 0; i < n; i++ {
		fmt.Fprintf(&sb, "T%d,V%d,rmm,process,tool%06d.exe,bench,low\n", i, i, i)
		fmt.Fprintf(&sb, "T%d,V%d,rmm,product_name,Product%06d,bench,low\n", i, i, i)
	}
	writePack(b, d, map[string]string{ManifestFile: goodManifest, "extra.csv": sb.String()})
	p, err := LoadDir(d)
	if err != nil {
		b.Fatal(err)
	}
	return p
}

// BenchmarkMatch shows lookup cost does not grow with pack size.
func BenchmarkMatch(b *testing.B) {
	for _, n := range []int{10, 1000, 50000} {
		p := synthetic(b, n)
		b.Run(fmt.Sprintf("pack=%d", n), func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				p.RemoteAccessByProcess(`C:\Program Files\Vendor\someprocess.exe`)
				p.RemoteAccessByProduct("Some Vendor Remote Support Suite 12.4")
			}
		})
	}
}

func TestTextKey(t *testing.T) {
	for in, want := range map[string]string{
		"Chrome-Remote-Desktop":  "chrome remote desktop",
		"  AnyDesk.app  ":        "anydesk app",
		"快连 VPN":                 "快连 vpn",
		"ÄNYDESK--Host":          "änydesk host",
		"---":                    "",
		`C:\Program Files\X.exe`: "c program files x exe",
	} {
		if got := TextKey(in); got != want {
			t.Errorf("TextKey(%q) = %q, want %q", in, got, want)
		}
	}
	if es := builtin(t).VPNByProduct("快连 VPN"); len(es) == 0 {
		t.Error("non-ASCII product name not matched")
	}
}

// FuzzLoad feeds arbitrary CSV to the pack loader: it must refuse or load,
// never panic, and a loaded entry always has a source and a confidence.
func FuzzLoad(f *testing.F) {
	for _, name := range []string{"remote_access.csv", "ip_kvm.csv", "vpn.csv", "input_sources.csv"} {
		b, err := embedded.ReadFile("data/" + name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(name, b)
	}
	f.Add("remote_access.csv", []byte("tool,vendor,class,kind,value,source,confidence\n\"unterminated"))
	cats := map[string]string{"remote_access.csv": CatRemoteAccess, "ip_kvm.csv": CatIPKVM, "vpn.csv": CatVPN, "input_sources.csv": CatInputSource}
	f.Fuzz(func(t *testing.T, name string, body []byte) {
		cat, ok := cats[name]
		if !ok {
			cat = CatRemoteAccess
		}
		fsys := fstest.MapFS{
			ManifestFile: {Data: []byte(`{"name":"f","version":"1","files":[{"path":"x.csv","category":"` + cat + `"}]}`)},
			"x.csv":      {Data: body},
		}
		p, err := Load(fsys)
		if err != nil {
			return
		}
		p.Entries("", func(e *Entry) {
			if e.Source == "" || !confidences[e.Confidence] || e.Value == "" {
				t.Fatalf("loaded an invalid entry: %+v", e)
			}
		})
		p.RemoteAccessByProcess("x.exe")
		p.Text(cat, string(body))
	})
}
