// Package endpoint detects DPRK IT-worker tradecraft in endpoint telemetry
// (osquery result rows): remote-access tools and several of them on one
// device, Chrome Remote Desktop set up headless with a PIN, IP-KVMs by USB
// or display identity, a USB gadget as the only keyboard/mouse, VPN clients
// (Astrill first), keyboard layouts/input methods/locales and a device time
// zone that contradict the claimed profile, a public egress away from the
// home address, and several workers' devices behind one egress IP.
//
// Everything it compares is a technical fact about the device against what
// the worker claimed (country, time zone, address); nothing here judges a
// person's origin. Indicator matching goes through the indicator pack
// (internal/indicators), whose lookups do not grow with the pack's size.
//
// Observe keeps a small state per host and never rescans; findings are
// emitted in Finish, once hosts are resolved to subjects and device
// enrolment dates are known.
package endpoint

import (
	"context"
	"encoding/hex"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/redflag-dev/redflag/internal/detect"
	"github.com/redflag-dev/redflag/internal/indicators"
	"github.com/redflag-dev/redflag/internal/ingest/osquery"
	"github.com/redflag-dev/redflag/internal/model"
	"github.com/redflag-dev/redflag/internal/store"
)

// Name is the detector name.
const Name = "endpoint"

// Travel is a known trip: the worker's device is expected away from home.
type Travel struct {
	PersonID string `koanf:"person_id" json:"person_id"`
	From     string `koanf:"from" json:"from"` // YYYY-MM-DD, inclusive
	To       string `koanf:"to" json:"to"`     // YYYY-MM-DD, inclusive
}

// Config holds the detector's settings ("detectors.endpoint").
type Config struct {
	// NewHireDays: a remote-access tool first seen within this many days of
	// device enrolment (else hire date) is the stronger END_RMM_NEW_HIRE.
	NewHireDays int `koanf:"new_hire_days"`
	// AllowRMM and AllowVPN are vendor/operator names the company really
	// uses (also read from indicators.allow_rmm / indicators.allow_vpn).
	AllowRMM []string `koanf:"allow_rmm"`
	AllowVPN []string `koanf:"allow_vpn"`
	// AllowRMMRoles, when set, limits AllowRMM to subjects with one of these
	// roles (also read from indicators.allow_rmm_roles): "TeamViewer is
	// allowed for IT administrators" rather than for everyone.
	AllowRMMRoles []string `koanf:"allow_rmm_roles"`
	// RoleAllowRMM allows tools by subject role, e.g. {"IT Administrator": ["teamviewer"]}; "*" allows all.
	RoleAllowRMM map[string][]string `koanf:"role_allow_rmm"`
	// WatchLanguages are the input-source/locale languages (ISO 639-1) that
	// are flagged when they contradict the claimed country.
	WatchLanguages []string `koanf:"watch_languages"`
	// SharedEgressMin is the number of distinct workers behind one egress IP that is flagged.
	SharedEgressMin int `koanf:"shared_egress_min"`
	// A device time zone or egress location away from the claim is flagged
	// when it holds on at least AwayMinDays observed days (or all of them,
	// if fewer were observed) and on at least AwayMinShare of the days.
	AwayMinDays  int     `koanf:"away_min_days"`
	AwayMinShare float64 `koanf:"away_min_share"`
	// Travel lists known trips; their days are not counted as away. Trips
	// registered with `redflag ingest travel` are read from the store too.
	Travel []Travel `koanf:"travel"`
}

// DefaultConfig returns the defaults.
func DefaultConfig() Config {
	return Config{NewHireDays: 14, WatchLanguages: []string{"ko"}, SharedEgressMin: 2, AwayMinDays: 3, AwayMinShare: 0.5}
}

func init() { detect.Register(Name, New) }

// New builds the detector from its dependencies; it needs the indicator
// pack service.
func New(deps detect.Deps) (detect.Detector, error) {
	var pack *indicators.Pack
	if prov, ok := deps.Services[detect.SvcIndicators].(indicators.Provider); ok {
		pack = prov.IndicatorPack()
	}
	if pack == nil {
		return nil, fmt.Errorf("%w: no indicator pack (service %q)", detect.ErrUnavailable, detect.SvcIndicators)
	}
	cfg := DefaultConfig()
	if deps.Config != nil {
		if err := deps.Config.Unmarshal("detectors."+Name, &cfg); err != nil {
			return nil, fmt.Errorf("detectors.%s: %w", Name, err)
		}
		var ic struct {
			AllowRMM      []string `koanf:"allow_rmm"`
			AllowRMMRoles []string `koanf:"allow_rmm_roles"`
			AllowVPN      []string `koanf:"allow_vpn"`
		}
		if err := deps.Config.Unmarshal("indicators", &ic); err != nil {
			return nil, fmt.Errorf("indicators: %w", err)
		}
		cfg.AllowRMM = append(cfg.AllowRMM, ic.AllowRMM...)
		cfg.AllowVPN = append(cfg.AllowVPN, ic.AllowVPN...)
		cfg.AllowRMMRoles = append(cfg.AllowRMMRoles, ic.AllowRMMRoles...)
	}
	return NewWith(pack, cfg, deps.Store), nil
}

// Detector is the endpoint detector.
type Detector struct {
	pack  *indicators.Pack
	cfg   Config
	store store.Store // optional: resolves hosts no event resolved

	allowRMM map[string]bool
	allowRol map[string]bool
	allowVPN map[string]bool
	roleRMM  map[string]map[string]bool
	watch    map[string]bool
	travel   map[string][][2]time.Time
	// travelLoaded marks tenants whose registered trips were read.
	travelLoaded map[string]bool

	specs map[string]*osquery.QuerySpec
	hosts map[string]*hostState
	devs  map[string]*devRec // "serial:X" / "host:x" / "id:x"
}

// NewWith builds the detector directly (tests, embedding).
func NewWith(pack *indicators.Pack, cfg Config, st store.Store) *Detector {
	d := &Detector{pack: pack, cfg: cfg, store: st, allowRMM: map[string]bool{}, allowVPN: map[string]bool{},
		roleRMM: map[string]map[string]bool{}, watch: map[string]bool{}, travel: map[string][][2]time.Time{}, travelLoaded: map[string]bool{},
		specs: map[string]*osquery.QuerySpec{}, hosts: map[string]*hostState{}, devs: map[string]*devRec{}}
	for _, v := range cfg.AllowRMM {
		d.allowRMM[vendorKey(v)] = true
	}
	d.allowRol = map[string]bool{}
	for _, r := range cfg.AllowRMMRoles {
		d.allowRol[indicators.TextKey(r)] = true
	}
	for _, v := range cfg.AllowVPN {
		d.allowVPN[vendorKey(v)] = true
	}
	for role, vs := range cfg.RoleAllowRMM {
		m := map[string]bool{}
		for _, v := range vs {
			m[vendorKey(v)] = true
		}
		d.roleRMM[indicators.TextKey(role)] = m
	}
	for _, l := range cfg.WatchLanguages {
		d.watch[strings.ToLower(strings.TrimSpace(l))] = true
	}
	for _, t := range cfg.Travel {
		from, err1 := time.Parse("2006-01-02", t.From)
		to, err2 := time.Parse("2006-01-02", t.To)
		if err1 == nil && err2 == nil {
			d.travel[t.PersonID] = append(d.travel[t.PersonID], [2]time.Time{from, to.Add(24*time.Hour - time.Nanosecond)})
		}
	}
	return d
}

func vendorKey(s string) string {
	if strings.TrimSpace(s) == "*" {
		return "*"
	}
	return indicators.VendorKey(s)
}

// Name implements detect.Detector.
func (d *Detector) Name() string { return Name }

// Reasons implements detect.Detector.
func (d *Detector) Reasons() []model.ReasonDef { return append([]model.ReasonDef(nil), allReasons...) }

type devRec struct {
	subject  string
	enrolled *time.Time
}

// hit is one indicator seen on a host.
type hit struct {
	entry       *indicators.Entry
	how         string // what matched: "process anydesk.exe", "program AnyDesk"
	first, last time.Time
	events      []string
}

const maxEvidence = 5

func (h *hit) add(ev *model.Event, how string) {
	if h.first.IsZero() || ev.Time.Before(h.first) {
		h.first = ev.Time
	}
	if ev.Time.After(h.last) {
		h.last = ev.Time
	}
	if h.how == "" {
		h.how = how
	}
	if len(h.events) < maxEvidence {
		for _, id := range h.events {
			if id == ev.ID {
				return
			}
		}
		h.events = append(h.events, ev.ID)
	}
}

type usbDev struct {
	vendorID, modelID, vendor, model, class string
	ev                                      string
}

type dayObs struct {
	value string // tz value, or egress IP
	info  *model.IPInfo
	ev    string
	at    time.Time
}

type hostState struct {
	host, subject, serial, deviceID string
	rmm                             map[string]*hit // vendor -> hit
	vpn                             map[string]*hit // operator -> hit
	crd                             *hit
	kvmUSB, kvmDisp                 map[string]*hit
	usb                             map[string]usbDev
	langs                           map[string]*hit // language -> hit
	tz                              map[string]dayObs
	egress                          map[string][]dayObs // day -> distinct IPs
}

func (d *Detector) hostOf(ev *model.Event) *hostState {
	ep := ev.Endpoint
	h := d.hosts[ep.HostIdentifier]
	if h == nil {
		h = &hostState{host: ep.HostIdentifier, rmm: map[string]*hit{}, vpn: map[string]*hit{}, kvmUSB: map[string]*hit{},
			kvmDisp: map[string]*hit{}, usb: map[string]usbDev{}, langs: map[string]*hit{}, tz: map[string]dayObs{}, egress: map[string][]dayObs{}}
		d.hosts[ep.HostIdentifier] = h
	}
	if ev.SubjectID != "" {
		h.subject = ev.SubjectID
	}
	if ep.Serial != "" {
		h.serial = strings.ToUpper(ep.Serial)
	}
	if ep.DeviceID != "" {
		h.deviceID = ep.DeviceID
	}
	return h
}

func (d *Detector) spec(q string) *osquery.QuerySpec {
	s, ok := d.specs[q]
	if !ok {
		s, _ = osquery.Lookup(q)
		d.specs[q] = s
	}
	return s
}

var (
	rePin    = regexp.MustCompile(`(?i)--pin(=|\s+)\S`)
	reUSBKey = regexp.MustCompile(`(?i)\\VID_([0-9A-F]{4})&PID_([0-9A-F]{4})`)
	reDisp   = regexp.MustCompile(`(?i)\\DISPLAY\\([A-Z]{3}[0-9A-F]{4})\\`)
)

// Observe implements detect.EventDetector.
func (d *Detector) Observe(ctx context.Context, env *detect.Env, ev *model.Event, emit detect.Emit) {
	switch {
	case ev.Kind == model.EvDevice && ev.Device != nil:
		d.observeDevice(ev)
		return
	case ev.Kind != model.EvEndpoint || ev.Endpoint == nil:
		return
	}
	ep := ev.Endpoint
	h := d.hostOf(ev)
	if ep.PublicIP != "" {
		d.observeEgress(h, ev)
	}
	sp := d.spec(ep.Query)
	if sp == nil {
		return
	}
	c := ep.Columns
	switch sp.Name {
	case "system_info":
		if s := c["hardware_serial"]; s != "" {
			h.serial = strings.ToUpper(s)
		}
	case "processes":
		d.process(h, ev, c["name"], c["path"])
		if cl := c["cmdline"]; cl != "" {
			for _, e := range d.pack.RemoteAccessByCmdline(cl) {
				d.tool(h, ev, e, "command line "+trunc(cl, 160))
			}
			if hasFoldPin(cl) && isCRDHost(strings.ToLower(cl+" "+c["name"])) && rePin.MatchString(cl) {
				if h.crd == nil {
					h.crd = &hit{}
				}
				h.crd.add(ev, "command line "+redactPin(trunc(cl, 200)))
			}
		}
	case "listening_ports":
		d.process(h, ev, c["name"], c["path"])
		for _, e := range d.pack.RemoteAccessByPort(c["port"]) {
			d.tool(h, ev, e, "listening on port "+c["port"])
		}
	case "apps":
		for _, e := range d.pack.RemoteAccessByBundle(c["bundle_identifier"]) {
			d.tool(h, ev, e, "app "+c["bundle_identifier"])
		}
		for _, e := range d.pack.VPNByBundle(c["bundle_identifier"]) {
			d.tool(h, ev, e, "app "+c["bundle_identifier"])
		}
		d.product(h, ev, "app", c["name"])
		if c["bundle_name"] != c["name"] {
			d.product(h, ev, "app", c["bundle_name"])
		}
		if x := c["bundle_executable"]; x != "" {
			d.process(h, ev, x, "")
		}
	case "programs":
		d.product(h, ev, "program", c["name"])
		for _, e := range d.pack.RemoteAccessBySigner(c["publisher"]) {
			d.tool(h, ev, e, "program publisher "+c["publisher"])
		}
	case "deb_packages":
		d.product(h, ev, "package", c["name"])
	case "chrome_extensions":
		for _, e := range d.pack.RemoteAccessByExtension(c["identifier"]) {
			d.tool(h, ev, e, "browser extension "+c["identifier"])
		}
		d.product(h, ev, "browser extension", c["name"])
	case "usb_devices":
		d.usb(h, ev, c["vendor_id"], c["model_id"], c["vendor"], c["model"], c["serial"], c["class"], c["usb_address"])
	case "usb_devices_windows":
		if m := reUSBKey.FindStringSubmatch(c["key"]); m != nil {
			d.usb(h, ev, m[1], m[2], c["data"], "", "", "", c["key"])
		}
	case "connected_displays":
		d.display(h, ev, c["name"], pnpIDs(c["vendor_id"], c["product_id"])...)
	case "display_edid_windows":
		name, pnp := decodeEDID(c["data"])
		if m := reDisp.FindStringSubmatch(c["key"]); m != nil && pnp == "" {
			pnp = m[1]
		}
		d.display(h, ev, name, pnp)
	case "keyboard_layout_windows":
		if is, ok := d.pack.KeyboardLayout(c["data"]); ok {
			d.lang(h, ev, is, "keyboard layout "+c["data"])
		}
	case "locale_windows":
		if is, ok := d.pack.Locale(c["data"]); ok {
			d.lang(h, ev, is, "locale "+c["data"])
		}
	case "locale_macos":
		v := c["value"]
		switch c["key"] {
		case "AppleLocale", "AppleLanguages":
			if is, ok := d.pack.Locale(v); ok {
				d.lang(h, ev, is, c["key"]+" "+v)
			}
		case "AppleEnabledInputSources", "AppleSelectedInputSources":
			if is, ok := d.pack.MacInputSource(v); ok {
				d.lang(h, ev, is, "input source "+v)
			}
		}
	case "keyboard_layout_linux":
		if c["label"] == "XKBLAYOUT" {
			for _, l := range strings.Split(strings.Trim(c["value"], `"`), ",") {
				if is, ok := d.pack.XKBLayout(l); ok {
					d.lang(h, ev, is, "XKB layout "+l)
				}
			}
		}
	case "time":
		d.observeTZ(h, ev, c["local_timezone"])
	case "timezone_windows":
		d.observeTZ(h, ev, c["data"])
	}
}

func baseName(p string) string {
	if i := strings.LastIndexAny(p, `/\`); i >= 0 {
		return p[i+1:]
	}
	return p
}

// isCRDHost reports whether a lower-cased command line (with the process
// name) is a Chrome Remote Desktop host or its set-up tool.
func isCRDHost(low string) bool {
	for _, k := range []string{"remoting_start_host", "remoting_me2me_host", "chrome-remote-desktop", "chromeremotedesktophost", "start-host"} {
		if strings.Contains(low, k) {
			return true
		}
	}
	return false
}

// hasFoldPin is a cheap, allocation-free prefilter for "--pin" in any case.
func hasFoldPin(s string) bool {
	for i := 0; i+5 <= len(s); i++ {
		if s[i] == '-' && s[i+1] == '-' && (s[i+2]|0x20) == 'p' && (s[i+3]|0x20) == 'i' && (s[i+4]|0x20) == 'n' {
			return true
		}
	}
	return false
}

func trunc(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

var rePinValue = regexp.MustCompile(`(?i)(--pin(=|\s+))\S+`)

// redactPin keeps the PIN out of findings: the flag is the evidence.
func redactPin(s string) string { return rePinValue.ReplaceAllString(s, "${1}******") }

func (d *Detector) process(h *hostState, ev *model.Event, name, path string) {
	for i, n := range [2]string{path, name} {
		if n == "" || i == 1 && path != "" && strings.EqualFold(baseName(path), n) {
			continue // the name is the path's base name: already looked up
		}
		for _, e := range d.pack.RemoteAccessByProcess(n) {
			d.tool(h, ev, e, "process "+n)
		}
		for _, e := range d.pack.VPNByProcess(n) {
			d.tool(h, ev, e, "process "+n)
		}
	}
}

func (d *Detector) product(h *hostState, ev *model.Event, what, name string) {
	if name == "" {
		return
	}
	for _, e := range d.pack.RemoteAccessByProduct(name) {
		d.tool(h, ev, e, what+" "+name)
	}
	for _, e := range d.pack.VPNByProduct(name) {
		d.tool(h, ev, e, what+" "+name)
	}
}

func (d *Detector) tool(h *hostState, ev *model.Event, e *indicators.Entry, how string) {
	m := h.rmm
	if e.Category == indicators.CatVPN {
		m = h.vpn
	}
	t := m[e.Group]
	if t == nil {
		t = &hit{entry: e}
		m[e.Group] = t
	} else if rank(e.Confidence) > rank(t.entry.Confidence) {
		t.entry, t.how = e, how
	}
	t.add(ev, how)
}

func rank(c string) int {
	switch c {
	case "high":
		return 3
	case "medium":
		return 2
	}
	return 1
}

// gadgetRootHubs are Linux Foundation root hubs, present on every Linux
// machine; they are not gadgets.
var gadgetRootHubs = map[string]bool{"0001": true, "0002": true, "0003": true}

func hex4(s string) string {
	s = strings.ToLower(strings.TrimPrefix(strings.TrimSpace(strings.ToLower(s)), "0x"))
	if len(s) < 4 {
		s = strings.Repeat("0", 4-len(s)) + s
	}
	return s
}

func (d *Detector) usb(h *hostState, ev *model.Event, vid, pid, vendor, model_, serial, class, addr string) {
	vid, pid = hex4(vid), hex4(pid)
	key := vid + ":" + pid + ":" + serial + ":" + addr
	if ev.Endpoint.Action == "removed" {
		delete(h.usb, key)
	} else if old, ok := h.usb[key]; ok && addr != "" && strings.Contains(addr, `\`) {
		// Windows: one registry row per value (Mfg, DeviceDesc) of the device.
		if !strings.Contains(old.vendor, vendor) {
			old.vendor = strings.TrimSpace(old.vendor + " " + vendor)
			h.usb[key] = old
		}
	} else {
		h.usb[key] = usbDev{vendorID: vid, modelID: pid, vendor: vendor, model: model_, class: class, ev: ev.ID}
	}
	how := fmt.Sprintf("USB %s:%s %q %q", vid, pid, vendor, model_)
	var es []*indicators.Entry
	es = append(es, d.pack.KVMByUSB(vid, pid)...)
	es = append(es, d.pack.KVMByUSBStrings(vendor, model_)...)
	for _, e := range d.pack.KVMBySerial(serial) {
		if e.Confidence == "high" {
			es = append(es, e)
		}
	}
	for _, e := range es {
		kvmHit(h.kvmUSB, e, ev, how)
	}
}

func kvmHit(m map[string]*hit, e *indicators.Entry, ev *model.Event, how string) {
	t := m[e.Name]
	if t == nil {
		t = &hit{entry: e}
		m[e.Name] = t
	}
	t.add(ev, how)
}

func (d *Detector) display(h *hostState, ev *model.Event, name string, pnps ...string) {
	how := fmt.Sprintf("display %q %s", name, strings.Join(pnps, "/"))
	for _, e := range d.pack.KVMByDisplayName(name) {
		kvmHit(h.kvmDisp, e, ev, how)
	}
	for _, pnp := range pnps {
		if pnp == "" {
			continue
		}
		for _, e := range d.pack.KVMByPnP(pnp) {
			kvmHit(h.kvmDisp, e, ev, how)
		}
	}
}

// pnpIDs builds the candidate EDID PnP ids ("LNX7770") from
// connected_displays' vendor_id (three letters, or the 16-bit EDID
// manufacturer code as a number) and product_id. A product id without 0x may
// be decimal (osquery) or hex (as tools print it), so both readings are
// returned.
func pnpIDs(vendor, product string) []string {
	vendor, product = strings.TrimSpace(vendor), strings.TrimSpace(product)
	if vendor == "" || product == "" {
		return nil
	}
	letters := ""
	if len(vendor) == 3 && isAlpha(vendor) {
		letters = strings.ToUpper(vendor)
	} else if n, err := strconv.ParseUint(strings.TrimPrefix(strings.ToLower(vendor), "0x"), baseOf(vendor), 16); err == nil {
		letters = string([]byte{byte((n>>10)&31) + 64, byte((n>>5)&31) + 64, byte(n&31) + 64})
		if !isAlpha(letters) {
			return nil
		}
	} else {
		return nil
	}
	var out []string
	if strings.HasPrefix(strings.ToLower(product), "0x") {
		if c, err := strconv.ParseUint(product[2:], 16, 16); err == nil {
			out = append(out, fmt.Sprintf("%s%04X", letters, c))
		}
		return out
	}
	if c, err := strconv.ParseUint(product, 16, 16); err == nil {
		out = append(out, fmt.Sprintf("%s%04X", letters, c))
	}
	if c, err := strconv.ParseUint(product, 10, 16); err == nil {
		if id := fmt.Sprintf("%s%04X", letters, c); len(out) == 0 || out[0] != id {
			out = append(out, id)
		}
	}
	return out
}

func baseOf(s string) int {
	if strings.HasPrefix(strings.ToLower(s), "0x") {
		return 16
	}
	return 10
}

func isAlpha(s string) bool {
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
			return false
		}
	}
	return s != ""
}

// decodeEDID reads the monitor name and PnP id of an EDID block given as
// hex (osquery's registry data for REG_BINARY).
func decodeEDID(h string) (name, pnp string) {
	b, err := hex.DecodeString(strings.TrimSpace(strings.TrimPrefix(strings.ToLower(h), "0x")))
	if err != nil || len(b) < 128 || b[0] != 0 || b[1] != 0xff {
		return "", ""
	}
	m := uint16(b[8])<<8 | uint16(b[9])
	letters := []byte{byte((m>>10)&31) + 64, byte((m>>5)&31) + 64, byte(m&31) + 64}
	if isAlpha(string(letters)) {
		pnp = fmt.Sprintf("%s%04X", letters, uint16(b[10])|uint16(b[11])<<8)
	}
	for off := 54; off+18 <= 126; off += 18 {
		dsc := b[off : off+18]
		if dsc[0] == 0 && dsc[1] == 0 && dsc[3] == 0xfc {
			txt := dsc[5:18]
			if i := strings.IndexByte(string(txt), '\n'); i >= 0 {
				txt = txt[:i]
			}
			name = strings.TrimSpace(string(txt))
		}
	}
	return name, pnp
}

func (d *Detector) lang(h *hostState, ev *model.Event, is indicators.InputSource, how string) {
	t := h.langs[is.Language]
	if t == nil {
		t = &hit{entry: is.Entry}
		h.langs[is.Language] = t
	}
	t.add(ev, how)
}

func day(t time.Time) string { return t.UTC().Format("2006-01-02") }

func (d *Detector) observeTZ(h *hostState, ev *model.Event, v string) {
	if v == "" || ev.Endpoint.Action == "removed" {
		return
	}
	h.tz[day(ev.Time)] = dayObs{value: v, ev: ev.ID, at: ev.Time}
}

func (d *Detector) observeEgress(h *hostState, ev *model.Event) {
	if ev.Endpoint.Action == "removed" {
		return
	}
	k := day(ev.Time)
	for _, o := range h.egress[k] {
		if o.value == ev.Endpoint.PublicIP {
			return
		}
	}
	if len(h.egress[k]) < 8 {
		h.egress[k] = append(h.egress[k], dayObs{value: ev.Endpoint.PublicIP, info: ev.Endpoint.IPInfo, ev: ev.ID, at: ev.Time})
	}
}

func (d *Detector) observeDevice(ev *model.Event) {
	dv := ev.Device
	if ev.SubjectID == "" {
		return
	}
	r := &devRec{subject: ev.SubjectID, enrolled: dv.EnrolledAt}
	if dv.Serial != "" {
		d.devs["serial:"+strings.ToUpper(dv.Serial)] = r
	}
	if dv.Hostname != "" {
		d.devs["host:"+strings.ToLower(dv.Hostname)] = r
	}
	if dv.DeviceID != "" {
		d.devs["id:"+strings.ToLower(dv.DeviceID)] = r
	}
}
