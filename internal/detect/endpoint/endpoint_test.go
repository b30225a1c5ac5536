package endpoint

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"sort"
	"testing"
	"time"

	"github.com/redflag-dev/redflag/internal/detect"
	"github.com/redflag-dev/redflag/internal/indicators"
	"github.com/redflag-dev/redflag/internal/model"
	"github.com/redflag-dev/redflag/internal/store"
)

var t0 = time.Date(2026, 9, 1, 12, 0, 0, 0, time.UTC)

func pack(t testing.TB) *indicators.Pack {
	t.Helper()
	p, err := indicators.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	return p
}

type world struct {
	subjects []model.Subject
	events   []model.Event
	n        int
}

func (w *world) person(id, country, tz, role string) {
	w.subjects = append(w.subjects, model.Subject{ID: id, Kind: model.KindEmployee, FullName: id, Role: role,
		Address: model.Address{Line: "1 " + id + " Street", City: "Austin", Region: "TX", Country: country}, ClaimedTimezone: tz})
}

func (w *world) device(subject, host string, enrolled time.Time) {
	w.n++
	w.events = append(w.events, model.Event{ID: fmt.Sprintf("dev%d", w.n), Kind: model.EvDevice, Time: enrolled, SubjectID: subject,
		Device: &model.Device{DeviceID: "d-" + host, Hostname: host, EnrolledAt: &enrolled}})
}

// row adds an osquery row; subject "" leaves it unresolved.
func (w *world) row(subject, host, query string, at time.Time, cols map[string]string) *model.Event {
	w.n++
	w.events = append(w.events, model.Event{ID: fmt.Sprintf("ev%d", w.n), Kind: model.EvEndpoint, Time: at, SubjectID: subject,
		Endpoint: &model.EndpointObs{HostIdentifier: host, Query: "pack_redflag_" + query, Action: "added", Columns: cols}})
	return &w.events[len(w.events)-1]
}

func run(t *testing.T, w *world, cfg Config) []model.Finding {
	t.Helper()
	return runStore(t, w, cfg, nil)
}

func runStore(t *testing.T, w *world, cfg Config, st store.Store) []model.Finding {
	t.Helper()
	d := NewWith(pack(t), cfg, st)
	env := detect.NewEnv("default", w.subjects, t0.AddDate(0, 1, 0))
	col := detect.NewCollector()
	evs := append([]model.Event(nil), w.events...)
	sort.SliceStable(evs, func(i, j int) bool { return evs[i].Time.Before(evs[j].Time) })
	eng := detect.NewEngineWith(d)
	for i := range evs {
		eng.Observe(context.Background(), env, &evs[i], col.Emit)
	}
	if err := eng.Finish(context.Background(), env, col.Emit); err != nil {
		t.Fatal(err)
	}
	fs := col.Findings()
	codes := map[string]bool{}
	for _, r := range d.Reasons() {
		codes[r.Code] = true
	}
	for _, f := range fs {
		if !codes[f.Code] || f.Family != model.FamEndpoint || len(f.Evidence) == 0 {
			t.Fatalf("finding without declared code, family or evidence: %+v", f)
		}
	}
	return fs
}

func has(fs []model.Finding, subject, code string) *model.Finding {
	for i := range fs {
		if fs[i].SubjectID == subject && fs[i].Code == code {
			return &fs[i]
		}
	}
	return nil
}

func count(fs []model.Finding, code string) int {
	n := 0
	for _, f := range fs {
		if f.Code == code {
			n++
		}
	}
	return n
}

func TestRemoteAccessPresentVersusNewHire(t *testing.T) {
	w := &world{}
	w.person("old", "US", "America/Chicago", "Engineer")
	w.person("new", "US", "America/Chicago", "Engineer")
	w.device("old", "lt-old", t0.AddDate(0, 0, -60))
	w.device("new", "lt-new", t0.AddDate(0, 0, -5))
	w.row("old", "lt-old", "processes", t0, map[string]string{"name": "AnyDesk.exe", "path": `C:\Program Files (x86)\AnyDesk\AnyDesk.exe`})
	w.row("new", "lt-new", "programs", t0, map[string]string{"name": "AnyDesk", "publisher": "philandro Software GmbH"})
	fs := run(t, w, DefaultConfig())
	if has(fs, "old", "END_RMM_PRESENT") == nil || has(fs, "old", "END_RMM_NEW_HIRE") != nil {
		t.Fatalf("old hire: %v", fs)
	}
	f := has(fs, "new", "END_RMM_NEW_HIRE")
	if f == nil || has(fs, "new", "END_RMM_PRESENT") != nil {
		t.Fatalf("new hire: %v", fs)
	}
	if f.Details["vendor"] != "anydesk" || f.Evidence[0].ID == "" {
		t.Fatalf("details/evidence: %+v", f)
	}
}

func TestAllowListGlobalAndByRole(t *testing.T) {
	w := &world{}
	w.person("admin", "US", "America/Chicago", "IT Administrator")
	w.person("dev", "US", "America/Chicago", "Engineer")
	w.row("admin", "lt-a", "processes", t0, map[string]string{"name": "TeamViewer.exe"})
	w.row("admin", "lt-a", "apps", t0, map[string]string{"name": "AnyDesk.app", "bundle_identifier": "com.philandro.anydesk"})
	w.row("dev", "lt-d", "processes", t0, map[string]string{"name": "TeamViewer.exe"})
	w.row("dev", "lt-d", "processes", t0, map[string]string{"name": "AnyDesk"})
	cfg := DefaultConfig()
	cfg.AllowRMM = []string{"TeamViewer"}
	cfg.RoleAllowRMM = map[string][]string{"it administrator": {"anydesk"}}
	fs := run(t, w, cfg)
	for _, f := range fs {
		if f.SubjectID == "admin" {
			t.Fatalf("allow-listed admin flagged: %+v", f)
		}
	}
	if f := has(fs, "dev", "END_RMM_PRESENT"); f == nil || f.Details["vendor"] != "anydesk" || count(fs, "END_RMM_PRESENT") != 1 {
		t.Fatalf("dev: AnyDesk (not role-allowed) must be flagged, TeamViewer (allowed) not: %v", fs)
	}
	if has(fs, "dev", "END_RMM_MULTI_VENDOR") != nil {
		t.Fatal("an allowed vendor must not count towards several vendors")
	}
	// Limited to IT administrators, TeamViewer is flagged on the developer's laptop.
	cfg.AllowRMMRoles = []string{"IT Administrator"}
	fs = run(t, w, cfg)
	if has(fs, "admin", "END_RMM_PRESENT") != nil || count(fs, "END_RMM_PRESENT") != 2 || has(fs, "dev", "END_RMM_MULTI_VENDOR") == nil {
		t.Fatalf("allow_rmm_roles: %v", fs)
	}
}

func TestMultiVendorAndCRDPin(t *testing.T) {
	w := &world{}
	w.person("p", "US", "America/Chicago", "")
	w.row("p", "h", "processes", t0, map[string]string{"name": "AnyDesk.exe"})
	w.row("p", "h", "processes", t0.Add(time.Hour), map[string]string{"name": "remoting_start_host.exe",
		"cmdline": `remoting_start_host.exe --code="4/0AX" --redirect-url="https://remotedesktop.google.com/_/oauthredirect" --name=%COMPUTERNAME% --pin=424242`})
	w.person("q", "US", "America/Chicago", "")
	w.row("q", "h2", "deb_packages", t0, map[string]string{"name": "chrome-remote-desktop"})
	w.row("q", "h2", "processes", t0, map[string]string{"name": "chrome-remote-desktop-host", "cmdline": "/opt/google/chrome-remote-desktop/chrome-remote-desktop-host --start"})
	fs := run(t, w, DefaultConfig())
	m := has(fs, "p", "END_RMM_MULTI_VENDOR")
	if m == nil || m.Details["count"] != "2" {
		t.Fatalf("multi vendor: %v", fs)
	}
	c := has(fs, "p", "END_CRD_HEADLESS_PIN")
	if c == nil {
		t.Fatalf("CRD pin not found: %v", fs)
	}
	if want := "******"; !contains(c.Details["matched"], want) || contains(c.Details["matched"], "424242") {
		t.Fatalf("PIN must be redacted: %q", c.Details["matched"])
	}
	if has(fs, "q", "END_CRD_HEADLESS_PIN") != nil || has(fs, "q", "END_RMM_MULTI_VENDOR") != nil || has(fs, "q", "END_RMM_PRESENT") == nil {
		t.Fatalf("CRD without --pin: present only: %v", fs)
	}
}

func contains(s, sub string) bool {
	return len(sub) > 0 && len(s) >= len(sub) && (stringIndex(s, sub) >= 0)
}

func stringIndex(s, sub string) int {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return i
		}
	}
	return -1
}

func TestIPKVMUSBAndGadget(t *testing.T) {
	w := &world{}
	w.person("farm", "US", "America/Chicago", "")
	w.person("mac", "US", "America/Chicago", "")
	w.person("linux", "US", "America/Chicago", "")
	w.row("farm", "f", "usb_devices", t0, map[string]string{"vendor": "PiKVM", "vendor_id": "1d6b", "model": "PiKVM Composite Device", "model_id": "0104", "serial": "CAFEBABE", "class": "0"})
	// Same gadget with changed strings, on a Mac that has its own keyboard.
	w.row("mac", "m", "usb_devices", t0, map[string]string{"vendor": "Logitech", "vendor_id": "1d6b", "model": "Receiver", "model_id": "0104", "class": "0"})
	w.row("mac", "m", "usb_devices", t0, map[string]string{"vendor": "Apple Inc.", "vendor_id": "05ac", "model": "Apple Internal Keyboard / Trackpad", "model_id": "027e", "class": "0"})
	// Root hubs only: nothing.
	w.row("linux", "l", "usb_devices", t0, map[string]string{"vendor": "Linux Foundation", "vendor_id": "1d6b", "model": "2.0 root hub", "model_id": "0002", "class": "9"})
	// Windows PnP enumeration: VID/PID in the registry key.
	w.person("win", "US", "America/Chicago", "")
	w.row("win", "w", "usb_devices_windows", t0, map[string]string{"key": `HKEY_LOCAL_MACHINE\SYSTEM\CurrentControlSet\Enum\USB\VID_3346&PID_1009\0123456789ABCDEF`, "name": "Mfg", "data": "sipeed"})
	// A Windows laptop with a NanoKVM and its own HID keyboard is not gadget-only.
	w.person("win2", "US", "America/Chicago", "")
	w.row("win2", "w2", "usb_devices_windows", t0, map[string]string{"key": `HKEY_LOCAL_MACHINE\SYSTEM\CurrentControlSet\Enum\USB\VID_1D6B&PID_0104\1`, "name": "Mfg", "data": "(Standard system devices)"})
	w.row("win2", "w2", "usb_devices_windows", t0, map[string]string{"key": `HKEY_LOCAL_MACHINE\SYSTEM\CurrentControlSet\Enum\USB\VID_046D&PID_C31C\2`, "name": "Mfg", "data": "(Standard keyboards)"})
	w.row("win2", "w2", "usb_devices_windows", t0, map[string]string{"key": `HKEY_LOCAL_MACHINE\SYSTEM\CurrentControlSet\Enum\USB\VID_046D&PID_C31C\2`, "name": "DeviceDesc", "data": "USB Input Device"})
	fs := run(t, w, DefaultConfig())
	if has(fs, "win2", "END_IPKVM_USB") == nil || has(fs, "win2", "END_USB_GADGET_ONLY_HID") != nil {
		t.Fatalf("win2: KVM yes, gadget-only no: %v", fs)
	}
	if has(fs, "win", "END_USB_GADGET_ONLY_HID") != nil {
		t.Fatal("NanoKVM ids are not the Linux gadget")
	}
	if f := has(fs, "win", "END_IPKVM_USB"); f == nil || f.Details["products"] != "NanoKVM (Sipeed)" {
		t.Fatalf("Windows NanoKVM: %v", fs)
	}
	if has(fs, "farm", "END_IPKVM_USB") == nil || has(fs, "farm", "END_USB_GADGET_ONLY_HID") == nil {
		t.Fatalf("farm: %v", fs)
	}
	if has(fs, "mac", "END_IPKVM_USB") == nil {
		t.Fatal("1d6b:0104 must match by id even with changed strings")
	}
	if has(fs, "mac", "END_USB_GADGET_ONLY_HID") != nil {
		t.Fatal("a device with its own keyboard is not gadget-only")
	}
	for _, f := range fs {
		if f.SubjectID == "linux" {
			t.Fatalf("root hub flagged: %+v", f)
		}
	}
}

func TestUSBRemovedDeviceNotPresent(t *testing.T) {
	w := &world{}
	w.person("p", "US", "America/Chicago", "")
	w.row("p", "h", "usb_devices", t0, map[string]string{"vendor": "x", "vendor_id": "1d6b", "model": "y", "model_id": "0104", "usb_address": "3"})
	r := w.row("p", "h", "usb_devices", t0.Add(time.Hour), map[string]string{"vendor": "x", "vendor_id": "1d6b", "model": "y", "model_id": "0104", "usb_address": "3"})
	r.Endpoint.Action = "removed"
	fs := run(t, w, DefaultConfig())
	if has(fs, "p", "END_IPKVM_USB") == nil {
		t.Fatal("a KVM seen once is evidence even after removal")
	}
	if has(fs, "p", "END_USB_GADGET_ONLY_HID") != nil {
		t.Fatal("gadget removed: not attached any more")
	}
}

func edid(pnp string, product uint16, name string) string {
	b := make([]byte, 128)
	copy(b, []byte{0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0})
	m := uint16(pnp[0]-64)<<10 | uint16(pnp[1]-64)<<5 | uint16(pnp[2]-64)
	b[8], b[9] = byte(m>>8), byte(m)
	b[10], b[11] = byte(product), byte(product>>8)
	d := b[54:72]
	d[3] = 0xfc
	copy(d[5:], []byte(name+"\n"))
	return hex.EncodeToString(b)
}

func TestIPKVMDisplay(t *testing.T) {
	w := &world{}
	w.person("mac", "US", "America/Chicago", "")
	w.person("win", "US", "America/Chicago", "")
	w.person("ok", "US", "America/Chicago", "")
	w.row("mac", "m", "connected_displays", t0, map[string]string{"name": "TinyPilot", "vendor_id": "TSB", "product_id": "9876"})
	w.row("win", "w", "display_edid_windows", t0, map[string]string{"key": `HKEY_LOCAL_MACHINE\SYSTEM\CurrentControlSet\Enum\DISPLAY\LNX7770\5&1\Device Parameters`, "name": "EDID", "data": edid("LNX", 0x7770, "PiKVM")})
	w.row("ok", "o", "connected_displays", t0, map[string]string{"name": "DELL U2720Q", "vendor_id": "DEL", "product_id": "41089"})
	fs := run(t, w, DefaultConfig())
	if has(fs, "mac", "END_IPKVM_DISPLAY") == nil || has(fs, "win", "END_IPKVM_DISPLAY") == nil {
		t.Fatalf("KVM displays: %v", fs)
	}
	if has(fs, "ok", "END_IPKVM_DISPLAY") != nil {
		t.Fatal("a Dell monitor flagged")
	}
	if n, p := decodeEDID(edid("LNX", 0x7771, "PiKVM V3")); n != "PiKVM V3" || p != "LNX7771" {
		t.Fatalf("decodeEDID = %q %q", n, p)
	}
}

func TestVPN(t *testing.T) {
	w := &world{}
	w.person("a", "US", "America/Chicago", "")
	w.person("n", "US", "America/Chicago", "")
	w.row("a", "h1", "programs", t0, map[string]string{"name": "Astrill", "publisher": "Astrill Systems Corp."})
	w.row("n", "h2", "apps", t0, map[string]string{"name": "NordVPN.app", "bundle_identifier": "com.nordvpn.macos"})
	fs := run(t, w, DefaultConfig())
	if has(fs, "a", "END_VPN_ASTRILL") == nil || has(fs, "a", "END_VPN_CLIENT") != nil {
		t.Fatalf("astrill: %v", fs)
	}
	if has(fs, "n", "END_VPN_CLIENT") == nil || has(fs, "n", "END_VPN_ASTRILL") != nil {
		t.Fatalf("nordvpn: %v", fs)
	}
	cfg := DefaultConfig()
	cfg.AllowVPN = []string{"NordVPN"}
	if fs := run(t, w, cfg); has(fs, "n", "END_VPN_CLIENT") != nil {
		t.Fatal("allow-listed VPN flagged")
	}
}

func TestInputSourceVersusClaimedCountry(t *testing.T) {
	w := &world{}
	w.person("us", "US", "America/Chicago", "")
	w.person("kr", "KR", "Asia/Seoul", "")
	w.person("none", "", "", "")
	w.person("tzonly", "", "America/Denver", "")
	w.row("tzonly", "h-tz", "keyboard_layout_windows", t0, map[string]string{"data": "00000412"})
	w.person("mac", "US", "America/New_York", "")
	w.person("ru", "US", "America/New_York", "")
	for _, s := range []string{"us", "kr", "none"} {
		w.row(s, "h-"+s, "keyboard_layout_windows", t0, map[string]string{"key": `HKEY_USERS\S-1\Keyboard Layout\Preload`, "path": `HKEY_USERS\S-1\Keyboard Layout\Preload\2`, "name": "2", "data": "00000412"})
	}
	w.row("mac", "h-mac", "locale_macos", t0, map[string]string{"domain": "com.apple.HIToolbox", "key": "AppleEnabledInputSources", "subkey": "1/Input Mode", "value": "com.apple.inputmethod.Korean.2SetKorean"})
	w.row("ru", "h-ru", "locale_windows", t0, map[string]string{"data": "ru-RU"})
	w.person("lin", "US", "America/New_York", "")
	w.row("lin", "h-lin", "keyboard_layout_linux", t0, map[string]string{"label": "XKBLAYOUT", "value": `"us,kr"`})
	fs := run(t, w, DefaultConfig())
	if f := has(fs, "us", "END_INPUT_LOCALE_MISMATCH"); f == nil || f.Details["language"] != "ko" {
		t.Fatalf("Korean layout with claimed US: %v", fs)
	}
	if has(fs, "kr", "END_INPUT_LOCALE_MISMATCH") != nil || has(fs, "none", "END_INPUT_LOCALE_MISMATCH") != nil {
		t.Fatal("no contradiction with claimed KR or with no claim")
	}
	if f := has(fs, "tzonly", "END_INPUT_LOCALE_MISMATCH"); f == nil || f.Details["claimed_country"] != "US" {
		t.Fatalf("claimed time zone America/Denver claims the US: %v", fs)
	}
	if has(fs, "mac", "END_INPUT_LOCALE_MISMATCH") == nil {
		t.Fatal("macOS Korean input source missed")
	}
	if has(fs, "ru", "END_INPUT_LOCALE_MISMATCH") != nil {
		t.Fatal("ru is not watched by default")
	}
	if has(fs, "lin", "END_INPUT_LOCALE_MISMATCH") == nil {
		t.Fatal("Linux XKB layout kr missed")
	}
	cfg := DefaultConfig()
	cfg.WatchLanguages = []string{"ko", "ru"}
	if fs := run(t, w, cfg); has(fs, "ru", "END_INPUT_LOCALE_MISMATCH") == nil {
		t.Fatal("ru watched by config missed")
	}
}

func TestTimezone(t *testing.T) {
	w := &world{}
	w.person("sh", "US", "America/Chicago", "")
	w.person("ok", "US", "America/Chicago", "")
	w.person("abbr", "US", "America/Chicago", "")
	w.person("trip", "US", "America/Chicago", "")
	w.person("win", "US", "America/Los_Angeles", "")
	for i := 0; i < 4; i++ {
		at := t0.AddDate(0, 0, i)
		w.row("sh", "h-sh", "time", at, map[string]string{"local_timezone": "Asia/Shanghai"})
		w.row("ok", "h-ok", "time", at, map[string]string{"local_timezone": "America/Chicago"})
		w.row("abbr", "h-ab", "time", at, map[string]string{"local_timezone": "CDT"})
		w.row("trip", "h-tr", "time", at, map[string]string{"local_timezone": "Asia/Tokyo"})
		w.row("win", "h-win", "timezone_windows", at, map[string]string{"data": "Korea Standard Time"})
	}
	cfg := DefaultConfig()
	cfg.Travel = []Travel{{PersonID: "trip", From: "2026-08-30", To: "2026-09-10"}}
	fs := run(t, w, cfg)
	if f := has(fs, "sh", "END_TIMEZONE_MISMATCH"); f == nil || f.Details["device_timezone"] != "Asia/Shanghai" {
		t.Fatalf("Shanghai vs Chicago: %v", fs)
	}
	if has(fs, "win", "END_TIMEZONE_MISMATCH") == nil {
		t.Fatal("Windows zone name missed")
	}
	for _, s := range []string{"ok", "abbr", "trip"} {
		if has(fs, s, "END_TIMEZONE_MISMATCH") != nil {
			t.Errorf("%s flagged", s)
		}
	}
}

func TestEgressLocationAndTraveller(t *testing.T) {
	w := &world{}
	w.person("far", "US", "America/Chicago", "")
	w.person("trav", "US", "America/Chicago", "")
	w.person("vpn", "US", "America/Chicago", "")
	home := &model.IPInfo{Country: "US", Region: "Texas", City: "Austin", Residential: true}
	away := &model.IPInfo{Country: "US", Region: "Arizona", City: "Phoenix", Residential: true}
	for i := 0; i < 10; i++ {
		at := t0.AddDate(0, 0, i)
		e := w.row("far", "h-far", "egress_ip", at, map[string]string{"public_ip": "198.51.100.7"})
		e.Endpoint.PublicIP, e.Endpoint.IPInfo = "198.51.100.7", away
		ip, info := "198.51.100.20", home
		if i == 4 {
			ip, info = "203.0.113.9", &model.IPInfo{Country: "JP", City: "Tokyo"}
		}
		e = w.row("trav", "h-trav", "egress_ip", at, map[string]string{"public_ip": ip})
		e.Endpoint.PublicIP, e.Endpoint.IPInfo = ip, info
		e = w.row("vpn", "h-vpn", "egress_ip", at, map[string]string{"public_ip": "142.214.202.2"})
		e.Endpoint.PublicIP, e.Endpoint.IPInfo = "142.214.202.2", &model.IPInfo{Country: "SG", VPN: true, VPNOperator: "astrill"}
	}
	fs := run(t, w, DefaultConfig())
	f := has(fs, "far", "END_EGRESS_LOCATION_MISMATCH")
	if f == nil || f.Details["level"] != "region" || f.Severity != 0.8 {
		t.Fatalf("far: %v", fs)
	}
	if has(fs, "trav", "END_EGRESS_LOCATION_MISMATCH") != nil {
		t.Fatal("one day abroad out of ten is travel")
	}
	if has(fs, "vpn", "END_EGRESS_LOCATION_MISMATCH") != nil {
		t.Fatal("VPN exits are not locations")
	}
}

func TestSharedEgress(t *testing.T) {
	w := &world{}
	for _, s := range []string{"a", "b", "c", "d"} {
		w.person(s, "US", "America/Chicago", "")
	}
	add := func(s, ip string, info *model.IPInfo) {
		e := w.row(s, "h-"+s, "egress_ip", t0, map[string]string{"public_ip": ip})
		e.Endpoint.PublicIP, e.Endpoint.IPInfo = ip, info
	}
	add("a", "198.51.100.50", nil)
	add("b", "198.51.100.50", &model.IPInfo{Country: "US", Residential: true})
	// A couple at one address: one household.
	w.person("e", "US", "America/Chicago", "")
	w.person("f", "US", "America/Chicago", "")
	w.subjects[len(w.subjects)-1].Address = w.subjects[len(w.subjects)-2].Address
	add("e", "198.51.100.60", nil)
	add("f", "198.51.100.60", nil)
	add("c", "192.0.2.1", &model.IPInfo{Corporate: true})
	add("d", "192.0.2.1", &model.IPInfo{Corporate: true})
	fs := run(t, w, DefaultConfig())
	fa, fb := has(fs, "a", "END_SHARED_EGRESS"), has(fs, "b", "END_SHARED_EGRESS")
	if fa == nil || fb == nil || fa.Details["others"] != "b" {
		t.Fatalf("shared residential egress: %v", fs)
	}
	if has(fs, "c", "END_SHARED_EGRESS") != nil {
		t.Fatal("corporate egress is shared by design")
	}
	if has(fs, "e", "END_SHARED_EGRESS") != nil {
		t.Fatal("two workers at one home address are one household")
	}
}

func TestResolvesThroughDeviceRecords(t *testing.T) {
	w := &world{}
	w.person("p", "US", "America/Chicago", "")
	w.device("p", "LT-0099", t0.AddDate(0, 0, -2))
	w.row("", "lt-0099", "processes", t0, map[string]string{"name": "rustdesk.exe"})
	fs := run(t, w, DefaultConfig())
	if has(fs, "p", "END_RMM_NEW_HIRE") == nil {
		t.Fatalf("unresolved row must resolve through the device record's host name: %v", fs)
	}
}

func TestFindingIDsStable(t *testing.T) {
	w := &world{}
	w.person("p", "US", "America/Chicago", "")
	w.row("p", "h", "processes", t0, map[string]string{"name": "AnyDesk.exe"})
	a, b := run(t, w, DefaultConfig()), run(t, w, DefaultConfig())
	if len(a) == 0 || a[0].ID != b[0].ID {
		t.Fatal("finding IDs differ between runs")
	}
}

func TestUnavailableWithoutPack(t *testing.T) {
	_, err := New(detect.Deps{Services: map[string]any{}})
	if !errors.Is(err, detect.ErrUnavailable) {
		t.Fatalf("want ErrUnavailable, got %v", err)
	}
}

// metaStore is a store that only answers the calls the detector makes.
type metaStore struct {
	store.Store
	meta map[string][]byte
}

func (m metaStore) ListMeta(_ context.Context, _, prefix string) (map[string][]byte, error) {
	out := map[string][]byte{}
	for k, v := range m.meta {
		if len(k) >= len(prefix) && k[:len(prefix)] == prefix {
			out[k] = v
		}
	}
	return out, nil
}

func (m metaStore) SubjectsByIdentifier(context.Context, string, model.IdentifierKind, string) ([]string, error) {
	return nil, nil
}

func TestRegisteredTravelExcusesEgress(t *testing.T) {
	w := &world{}
	w.person("p", "US", "America/Chicago", "")
	for i := 0; i < 6; i++ {
		at := t0.AddDate(0, 0, i)
		info := &model.IPInfo{Country: "JP", City: "Tokyo", Residential: true}
		if i == 0 {
			info = &model.IPInfo{Country: "US", Region: "TX", City: "Austin", Residential: true}
		}
		e := w.row("p", "h", "egress_ip", at, map[string]string{"public_ip": "203.0.113.5"})
		e.Endpoint.PublicIP, e.Endpoint.IPInfo = "203.0.113.5", info
		w.row("p", "h", "time", at, map[string]string{"local_timezone": map[bool]string{true: "America/Chicago", false: "Asia/Tokyo"}[i == 0]})
	}
	fs := run(t, w, DefaultConfig())
	if has(fs, "p", "END_EGRESS_LOCATION_MISMATCH") == nil || has(fs, "p", "END_TIMEZONE_MISMATCH") == nil {
		t.Fatalf("without a registered trip, five days in Tokyo are away: %v", fs)
	}
	st := metaStore{meta: map[string][]byte{
		"network/travel/p/2026-09-02/JP": []byte(`{"person_id":"p","start_date":"2026-09-02","end_date":"2026-09-06","country":"JP"}`),
	}}
	fs = runStore(t, w, DefaultConfig(), st)
	if has(fs, "p", "END_EGRESS_LOCATION_MISMATCH") != nil || has(fs, "p", "END_TIMEZONE_MISMATCH") != nil {
		t.Fatalf("registered trip must excuse the days away: %v", fs)
	}
}
