// Command gen derives some of the built-in indicator files from the research
// snapshot in ../shared/data (LOLRMM catalogue, OFAC crypto addresses, front
// companies, seized domains). It writes redflag's own schema with selected
// facts and their attribution, never a copy of the third-party file.
//
//	go run ./internal/indicators/internal/gen -shared ../shared/data -out internal/indicators/data
package main

import (
	"encoding/csv"
	"flag"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
)

func main() {
	shared := flag.String("shared", "../shared/data", "research data directory")
	out := flag.String("out", "internal/indicators/data", "indicator data directory")
	flag.Parse()
	if err := lolrmm(*shared, *out); err != nil {
		log.Fatal(err)
	}
	if err := crypto(*shared, *out); err != nil {
		log.Fatal(err)
	}
	if err := fronts(*shared, *out); err != nil {
		log.Fatal(err)
	}
	if err := domains(*shared, *out); err != nil {
		log.Fatal(err)
	}
}

func readCSV(path string) ([]map[string]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	r := csv.NewReader(f)
	r.FieldsPerRecord = -1
	recs, err := r.ReadAll()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	var out []map[string]string
	for _, rec := range recs[1:] {
		m := map[string]string{}
		for i, h := range recs[0] {
			if i < len(rec) {
				m[h] = strings.TrimSpace(rec[i])
			}
		}
		out = append(out, m)
	}
	return out, nil
}

func write(path string, comment []string, header []string, rows [][]string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer f.Close()
	for _, c := range comment {
		fmt.Fprintf(f, "# %s\n", c)
	}
	w := csv.NewWriter(f)
	w.Write(header)
	w.WriteAll(rows)
	w.Flush()
	return w.Error()
}

// Tools of the LOLRMM catalogue left out: built into the operating system,
// SSH/terminal/file-transfer/sync clients, or not remote control.
var skipTools = map[string]bool{
	"apple remote desktop": true, "microsoft quick assist": true, "quick assist": true, "rdclient": true,
	"rdcman": true, "remote desktop plus": true, "mouse without borders": true, "kitty": true, "xshell": true,
	"extraputty": true, "solar-putty": true, "superputty": true, "putty": true, "putty tray": true, "smartty": true,
	"mobaxterm": true, "winscp": true, "securecrt": true, "bitvise ssh client": true, "zoc": true, "smartftp": true,
	"s3 browser": true, "idrive": true, "insync": true, "koofr": true, "yandex.disk": true, "megasync": true,
	"duplicati": true, "nordlocker": true, "dragondisk": true, "basecamp": true, "adobe connect": true,
	"free ping tool": true, "teleport connect": true, "terminals": true, "synergy": true, "beinsync": true,
	"onionshare": true, "psexec (clone)": true, "mremoteng": true, "windows remote assistance": true,
}

var genericExe = map[string]bool{"setup.exe": true, "install.exe": true, "installer.exe": true, "update.exe": true,
	"updater.exe": true, "uninstall.exe": true, "service.exe": true, "agent.exe": true, "client.exe": true,
	"server.exe": true, "launcher.exe": true, "helper.exe": true, "app.exe": true, "main.exe": true, "run.exe": true,
	"start.exe": true, "tray.exe": true, "svc.exe": true, "host.exe": true, "viewer.exe": true, "remote.exe": true,
	"support.exe": true, "msiexec.exe": true, "rundll32.exe": true, "svchost.exe": true, "cmd.exe": true,
	"powershell.exe": true, "mstsc.exe": true, "msra.exe": true, "quickassist.exe": true, "java.exe": true,
	"javaw.exe": true, "python.exe": true, "node.exe": true, "electron.exe": true, "chrome.exe": true, "code.exe": true,
	"explorer.exe": true, "conhost.exe": true, "ssh.exe": true, "sshd.exe": true, "vnc.exe": true, "rdp.exe": true,
	"bomgar-scc.exe": false}

// Shared infrastructure: a domain under these is never evidence of one tool.
var sharedDomains = []string{"amazonaws.com", "cloudfront.net", "azureedge.net", "azurewebsites.net", "windows.net",
	"googleapis.com", "google.com", "github.com", "githubusercontent.com", "microsoft.com", "apple.com",
	"cloudflare.com", "akamaized.net", "akamaihd.net", "azure.com", "live.com", "office.com", "gstatic.com",
	"herokuapp.com", "firebaseio.com", "appspot.com", "digitaloceanspaces.com", "fastly.net", "edgesuite.net"}

var reDomain = regexp.MustCompile(`^(\*\.)?([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{1,62}$`)

func tunnelish(name string) bool {
	n := strings.ToLower(name)
	for _, t := range []string{"tunnel", "ngrok", "tailscale", "zerotier", "netbird", "localxpose", "tmate", "dataplicity", "shellhub"} {
		if strings.Contains(n, t) {
			return true
		}
	}
	return false
}

func lolrmm(shared, out string) error {
	cur, err := readCSV(filepath.Join(out, "remote_access.csv"))
	if err != nil {
		return err
	}
	have := map[string]bool{}
	for _, r := range cur {
		have[r["kind"]+"|"+strings.ToLower(r["value"])] = true
	}
	tools, err := readCSV(filepath.Join(shared, "endpoint/rmm_tools/lolrmm_rmm_tools.csv"))
	if err != nil {
		return err
	}
	const src = "LOLRMM catalogue (magicsword-io/LOLRMM 3c75cf09; Apache-2.0)"
	var rows [][]string
	add := func(tool, vendor, class, kind, val string) {
		k := kind + "|" + strings.ToLower(val)
		if have[k] {
			return
		}
		have[k] = true
		rows = append(rows, []string{tool, vendor, class, kind, val, src, "medium"})
	}
	for _, t := range tools {
		name := strings.TrimSpace(t["Name"])
		if name == "" || skipTools[strings.ToLower(name)] {
			continue
		}
		class := "rmm"
		if tunnelish(name) {
			class = "tunnel"
		}
		var names []string
		for _, col := range []string{"InstallationPaths", "Filename", "OriginalFileName"} {
			for _, p := range strings.Split(t[col], ",") {
				p = strings.TrimSpace(p)
				if i := strings.LastIndexAny(p, `\/`); i >= 0 {
					p = p[i+1:]
				}
				names = append(names, strings.ToLower(p))
			}
		}
		sort.Strings(names)
		for _, n := range names {
			if !strings.HasSuffix(n, ".exe") || genericExe[n] || strings.ContainsAny(n, " %\"'") {
				continue
			}
			if strings.Contains(n, "*") {
				pre, _, _ := strings.Cut(n, "*")
				if len(pre) < 5 {
					continue
				}
				add(name, name, class, "process_glob", n)
				continue
			}
			if len(n) < 8 { // "x.exe", "abc.exe": too generic to name a tool
				continue
			}
			add(name, name, class, "process", n)
		}
	}
	doms, err := readCSV(filepath.Join(shared, "endpoint/rmm_tools/lolrmm_rmm_domains.csv"))
	if err != nil {
		return err
	}
	known := map[string]bool{}
	for _, t := range tools {
		known[strings.ToLower(t["Name"])] = true
	}
outer:
	for _, d := range doms {
		u := strings.ToLower(strings.TrimSpace(d["URI"]))
		tool := d["RMM_Tool"]
		if !reDomain.MatchString(u) || tool == "" {
			continue
		}
		base := strings.TrimPrefix(u, "*.")
		for _, s := range sharedDomains {
			if base == s || strings.HasSuffix(base, "."+s) {
				continue outer
			}
		}
		vendor := tool
		if i := strings.Index(tool, "("); i > 0 && strings.HasSuffix(tool, ")") {
			vendor = strings.TrimSpace(tool[i+1 : len(tool)-1])
		}
		if skipTools[strings.ToLower(vendor)] || skipTools[strings.ToLower(tool)] {
			continue
		}
		class := "rmm"
		if tunnelish(tool) {
			class = "tunnel"
		}
		add(tool, vendor, class, "domain", base)
	}
	return write(filepath.Join(out, "remote_access_lolrmm.csv"), []string{
		"Derived by internal/indicators/internal/gen from the LOLRMM catalogue (https://lolrmm.io, magicsword-io/LOLRMM",
		"commit 3c75cf09, Apache-2.0): Windows executable names and DNS names per tool. OS built-ins, SSH/file-transfer",
		"clients, generic executable names and shared cloud domains are left out. Do not edit by hand; re-run the generator.",
	}, []string{"tool", "vendor", "class", "kind", "value", "source", "confidence"}, rows)
}

func conf(s string) string {
	s = strings.ToLower(s)
	switch {
	case strings.HasPrefix(s, "high"):
		return "high"
	case strings.HasPrefix(s, "medium"):
		return "medium"
	}
	return "low"
}

func firstURL(s string) string {
	for _, f := range strings.Fields(s) {
		if strings.HasPrefix(f, "http") {
			return f
		}
	}
	return s
}

func crypto(shared, out string) error {
	rs, err := readCSV(filepath.Join(shared, "indicators/crypto_addresses_ofac.csv"))
	if err != nil {
		return err
	}
	var rows [][]string
	seen := map[string]bool{}
	for _, r := range rs {
		a := r["address"]
		if a == "" || seen[strings.ToLower(a)] {
			continue
		}
		seen[strings.ToLower(a)] = true
		src := "OFAC SDN"
		if r["sdn_uid"] != "" {
			src += " uid " + r["sdn_uid"]
		}
		src += " " + firstURL(r["source"])
		if strings.Contains(r["source"], "recent-actions") || strings.Contains(r["source"], "press-releases") {
			for _, f := range strings.Fields(r["source"]) {
				if strings.Contains(f, "recent-actions") || strings.Contains(f, "press-releases") {
					src += " ; " + f
				}
			}
		}
		rows = append(rows, []string{a, r["chain_or_asset"], r["sdn_name"], r["ofac_program"], src, conf(r["confidence"])})
	}
	return write(filepath.Join(out, "crypto_addresses.csv"), []string{
		"DPRK-linked digital-currency addresses designated by OFAC (IT-worker revenue, laundering, Lazarus).",
		"Derived by internal/indicators/internal/gen from the research snapshot; production screening must also use the live SDN feed.",
	}, []string{"address", "asset", "holder", "program", "source", "confidence"}, rows)
}

func fronts(shared, out string) error {
	rs, err := readCSV(filepath.Join(shared, "indicators/front_companies.csv"))
	if err != nil {
		return err
	}
	var rows [][]string
	for _, r := range rs {
		d := r["designation_or_case"]
		if r["date"] != "" {
			d += " (" + r["date"] + ")"
		}
		if r["sdn_uid"] != "" {
			d += " SDN uid " + r["sdn_uid"]
		}
		c := "high"
		if !strings.Contains(d, "OFAC") && !strings.Contains(d, "DOJ") {
			c = "medium"
		}
		if strings.Contains(d, "verify") {
			c = "medium"
		}
		// Parenthesised registration numbers are not names.
		var al []string
		for _, a := range strings.Split(r["aliases"], ";") {
			a = strings.TrimSpace(a)
			if i := strings.Index(a, "("); i > 0 {
				a = strings.TrimSpace(a[:i])
			}
			if a != "" {
				al = append(al, a)
			}
		}
		name := r["name"]
		if i := strings.Index(name, " / "); i > 0 {
			al = append(al, strings.TrimSpace(name[i+3:]))
			name = strings.TrimSpace(name[:i])
		}
		rows = append(rows, []string{name, strings.Join(al, "; "), r["country"], d, firstURL(r["source_url"]), c})
	}
	return write(filepath.Join(out, "front_companies.csv"), []string{
		"Front companies and sanctioned entities of the DPRK IT-worker networks (OFAC SDN, DOJ cases, SentinelLabs).",
		"Derived by internal/indicators/internal/gen from the research snapshot.",
	}, []string{"name", "aliases", "country", "designation", "source", "confidence"}, rows)
}

func domains(shared, out string) error {
	rs, err := readCSV(filepath.Join(shared, "indicators/seized_domains.csv"))
	if err != nil {
		return err
	}
	var rows [][]string
	for _, r := range rs {
		d := strings.ToLower(r["domain"])
		if !reDomain.MatchString(d) {
			continue // "(17 domains)": names not published
		}
		note := r["case_or_report"]
		if r["date"] != "" {
			note += " (" + r["date"] + ")"
		}
		rows = append(rows, []string{d, r["status"], r["associated_entity"], firstURL(r["source_url"]), conf(r["confidence"]), note})
	}
	return write(filepath.Join(out, "domains.csv"), []string{
		"Seized and front-company domains of DPRK IT-worker networks. The 2023 (17), 2024 (12) and 2025 (21) seizures",
		"did not publish every name; add them here when the warrants are obtained. Derived by internal/indicators/internal/gen.",
	}, []string{"domain", "status", "entity", "source", "confidence", "note"}, rows)
}
