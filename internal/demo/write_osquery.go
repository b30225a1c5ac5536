package demo

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"
)

// osquery differential result log line ("event" format, the default).
type osqLine struct {
	Name           string            `json:"name"`
	HostIdentifier string            `json:"hostIdentifier"`
	CalendarTime   string            `json:"calendarTime"`
	UnixTime       int64             `json:"unixTime"`
	Epoch          int               `json:"epoch"`
	Counter        int               `json:"counter"`
	Numerics       bool              `json:"numerics"`
	Decorations    map[string]string `json:"decorations"`
	Columns        map[string]string `json:"columns"`
	Action         string            `json:"action"`
}

// QueryPrefix is the pack prefix of the demo's query names.
const QueryPrefix = "pack_redflag_"

func (o *org) osqueryLines(p *person) []osqLine {
	d := p.dev
	if d == nil {
		return nil
	}
	counter := map[string]int{}
	var out []osqLine
	deco := map[string]string{"host_uuid": strings.ToUpper(fmt.Sprintf("%016x-%016x", hash64(d.ID), hash64(d.Serial))), "hostname": d.Hostname, "serial": d.Serial}
	add := func(q string, at time.Time, action string, cols map[string]string) {
		out = append(out, osqLine{Name: QueryPrefix + q, HostIdentifier: d.Hostname, CalendarTime: at.UTC().Format("Mon Jan _2 15:04:05 2006 UTC"),
			UnixTime: at.Unix(), Counter: counter[q], Decorations: deco, Columns: cols, Action: action})
	}
	// Inventory is first reported a few hours after enrolment (counter 0),
	// then changes appear as differential rows (counter > 0).
	inv := d.Enrolled.Add(3 * time.Hour)
	if inv.Before(o.start.AddDate(0, 0, -365)) {
		inv = o.start.AddDate(0, 0, -365)
	}
	add("system_info", inv, "added", map[string]string{"hostname": d.Hostname, "uuid": deco["host_uuid"], "hardware_serial": d.Serial,
		"hardware_vendor": map[string]string{"darwin": "Apple Inc.", "windows": "LENOVO"}[d.Platform],
		"hardware_model":  map[string]string{"darwin": "MacBookPro18,3", "windows": "20XW0055US"}[d.Platform], "computer_name": d.Hostname})
	add("time", inv, "added", map[string]string{"local_timezone": d.TZ})
	for _, u := range d.USB {
		add("usb_devices", inv, "added", map[string]string{"vendor": u.Vendor, "vendor_id": u.VendorID, "model": u.Model, "model_id": u.ProductID,
			"serial": "", "class": "0", "removable": "1"})
	}
	lateApps := map[string]bool{"AnyDesk": true, "Astrill VPN": true, "TeamViewer": true}
	for _, a := range d.Apps {
		at := inv
		if lateApps[a] {
			at = d.Enrolled.Add(time.Duration(2+len(a)%4) * 24 * time.Hour) // within days of delivery
			counter["apps"]++
			counter["programs"]++
		}
		if d.Platform == "darwin" {
			add("apps", at, "added", map[string]string{"name": a + ".app", "bundle_identifier": bundleID(a), "path": "/Applications/" + a + ".app"})
		} else {
			add("programs", at, "added", map[string]string{"name": a, "publisher": publisher(a), "install_location": `C:\Program Files\` + a})
		}
	}
	for i, pr := range d.Procs {
		at := d.Enrolled.Add(time.Duration(3+i) * 24 * time.Hour)
		counter["processes"]++
		add("processes", at, "added", map[string]string{"pid": fmt.Sprint(4000 + i*17), "name": pr.Name, "path": pr.Path, "cmdline": pr.Cmdline})
	}
	for _, disp := range d.Displays {
		counter["connected_displays"]++
		add("connected_displays", d.Enrolled.Add(26*time.Hour), "added", map[string]string{"name": disp, "vendor_id": "", "product_id": "", "display_type": "external"})
	}
	for i, l := range d.Layouts {
		at := inv
		if i > 0 && p.cell != "" {
			at = d.Enrolled.Add(30 * time.Hour)
			counter["keyboard_layout"]++
		}
		user := "S-1-5-21-1004336348-1177238915-682003330-1001"
		if d.Platform == "windows" {
			add("keyboard_layout_windows", at, "added", map[string]string{"key": `HKEY_USERS\` + user + `\Keyboard Layout\Preload`,
				"path": fmt.Sprintf(`HKEY_USERS\%s\Keyboard Layout\Preload\%d`, user, i+1), "name": fmt.Sprint(i + 1), "data": l})
		} else {
			add("locale_macos", at, "added", map[string]string{"username": "user", "domain": "com.apple.HIToolbox", "key": "AppleEnabledInputSources",
				"subkey": fmt.Sprintf("%d/Bundle ID", i), "value": l})
		}
	}
	if d.Platform == "windows" {
		user := "S-1-5-21-1004336348-1177238915-682003330-1001"
		add("locale_windows", inv, "added", map[string]string{"key": `HKEY_USERS\` + user + `\Control Panel\International`,
			"path": `HKEY_USERS\` + user + `\Control Panel\International\LocaleName`, "name": "LocaleName", "data": strings.ReplaceAll(d.Locale, "_", "-")})
	} else {
		add("locale_macos", inv, "added", map[string]string{"username": "user", "domain": ".GlobalPreferences", "key": "AppleLocale", "subkey": "", "value": d.Locale})
	}
	egressAt := inv
	if egressAt.Before(o.start) {
		egressAt = o.start.Add(6 * time.Hour)
	}
	if p.moved != nil {
		add("egress_ip", egressAt, "added", map[string]string{"public_ip": p.moved.FromHomeIP.String()})
		counter["egress_ip"]++
		add("egress_ip", p.moved.At.Add(20*time.Hour), "added", map[string]string{"public_ip": d.Egress.String()})
	} else {
		add("egress_ip", egressAt, "added", map[string]string{"public_ip": d.Egress.String()})
	}
	for _, t := range p.trips {
		counter["egress_ip"]++
		add("egress_ip", t.Start.Add(20*time.Hour), "added", map[string]string{"public_ip": hostIn(t.City.Block, o.r).String()})
	}
	return out
}

func bundleID(app string) string {
	m := map[string]string{"AnyDesk": "com.philandro.anydesk", "TeamViewer": "com.teamviewer.TeamViewer", "Astrill VPN": "com.astrill.astrillvpn",
		"Google Chrome": "com.google.Chrome", "Slack": "com.tinyspeck.slackmacgap", "Zoom": "us.zoom.xos", "Visual Studio Code": "com.microsoft.VSCode", "1Password": "com.1password.1password"}
	return m[app]
}

func publisher(app string) string {
	m := map[string]string{"AnyDesk": "AnyDesk Software GmbH", "TeamViewer": "TeamViewer Germany GmbH", "Astrill VPN": "Astrill Systems Corp.",
		"Google Chrome": "Google LLC", "Slack": "Slack Technologies, LLC", "Zoom": "Zoom Video Communications, Inc.", "Visual Studio Code": "Microsoft Corporation", "1Password": "AgileBits Inc."}
	return m[app]
}

func (o *org) writeOsquery(path string) (int, error) {
	var all []osqLine
	for _, p := range o.people {
		all = append(all, o.osqueryLines(p)...)
	}
	sort.SliceStable(all, func(i, j int) bool { return all[i].UnixTime < all[j].UnixTime })
	err := writeJSONL(path, func(enc *json.Encoder) error {
		for i := range all {
			if err := enc.Encode(&all[i]); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	return len(all), nil
}
