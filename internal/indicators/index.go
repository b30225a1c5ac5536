package indicators

import (
	"fmt"
	"net/netip"
	"sort"
	"strings"

	ahocorasick "github.com/BobuSumisu/aho-corasick"
)

// Pack is a loaded, validated, indexed indicator pack. It is read-only and
// safe for concurrent use.
type Pack struct {
	manifest Manifest
	entries  []Entry
	exact    map[catKind]map[string][]int // (category, kind) -> value -> entries
	globs    map[catKind]*globIndex       // (category, kind without _glob) -> wildcard index
	texts    map[string]*textIndex        // category -> free-text automaton
	cidrs    map[int]map[netip.Prefix][]int
	names    map[string][]int // category\x00CompanyKey(name or alias) -> entries
	counts   map[string]int
}

type catKind struct{ cat, kind string }

// textKinds are matched as whole words inside free text.
var textKinds = map[string]bool{"product_name": true, "usb_string": true, "edid_name": true, "scsi_string": true, "cmdline": true}

// globIndex indexes values "prefix*suffix" by their literal prefix, grouped
// by prefix length: a lookup tries one map probe per distinct prefix length,
// so its cost depends on the input length, not on the number of globs.
type globIndex struct {
	byLen map[int]map[string][]globEntry
	lens  []int
}

type globEntry struct {
	suffix string
	idx    int
}

func (g *globIndex) add(val string, idx int) {
	pre, suf, _ := strings.Cut(val, "*")
	suf = strings.ReplaceAll(suf, "*", "")
	if g.byLen == nil {
		g.byLen = map[int]map[string][]globEntry{}
	}
	m := g.byLen[len(pre)]
	if m == nil {
		m = map[string][]globEntry{}
		g.byLen[len(pre)] = m
		g.lens = append(g.lens, len(pre))
		sort.Ints(g.lens)
	}
	m[pre] = append(m[pre], globEntry{suf, idx})
}

func (g *globIndex) match(s string, fn func(int)) {
	for _, l := range g.lens {
		if l > len(s) {
			return
		}
		for _, ge := range g.byLen[l][s[:l]] {
			if len(s)-l >= len(ge.suffix) && strings.HasSuffix(s, ge.suffix) {
				fn(ge.idx)
			}
		}
	}
}

// textIndex is an Aho-Corasick automaton over a category's free-text values.
type textIndex struct {
	trie    *ahocorasick.Trie
	byPat   [][]int // pattern number -> entries
	patKind []string
}

func build(m Manifest, entries []Entry) (*Pack, error) {
	p := &Pack{manifest: m, entries: entries, exact: map[catKind]map[string][]int{}, globs: map[catKind]*globIndex{},
		texts: map[string]*textIndex{}, cidrs: map[int]map[netip.Prefix][]int{}, names: map[string][]int{}, counts: map[string]int{}}
	textPats := map[string]map[string][]int{} // category -> pattern -> entries
	for i := range entries {
		e := &entries[i]
		p.counts[e.Category]++
		switch {
		case strings.HasSuffix(e.Kind, "_glob"):
			k := catKind{e.Category, strings.TrimSuffix(e.Kind, "_glob")}
			if p.globs[k] == nil {
				p.globs[k] = &globIndex{}
			}
			p.globs[k].add(e.Value, i)
		case e.Kind == "cidr":
			pf := netip.MustParsePrefix(e.Value)
			if p.cidrs[pf.Bits()] == nil {
				p.cidrs[pf.Bits()] = map[netip.Prefix][]int{}
			}
			p.cidrs[pf.Bits()][pf] = append(p.cidrs[pf.Bits()][pf], i)
		case textKinds[e.Kind]:
			if textPats[e.Category] == nil {
				textPats[e.Category] = map[string][]int{}
			}
			textPats[e.Category][e.Value] = append(textPats[e.Category][e.Value], i)
		case e.Kind == "name" || e.Kind == "channel":
			for _, n := range append([]string{e.Value}, e.Aliases...) {
				k := e.Category + "\x00" + CompanyKey(n)
				p.names[k] = appendUnique(p.names[k], i)
			}
		}
		if e.Kind == "process" && strings.HasSuffix(e.Value, ".exe") {
			// "AnyDesk" (macOS/Linux) finds "anydesk.exe" without building a string.
			ck := catKind{e.Category, "process_stem"}
			if p.exact[ck] == nil {
				p.exact[ck] = map[string][]int{}
			}
			stem := strings.TrimSuffix(e.Value, ".exe")
			p.exact[ck][stem] = append(p.exact[ck][stem], i)
		}
		if !strings.HasSuffix(e.Kind, "_glob") {
			ck := catKind{e.Category, e.Kind}
			if p.exact[ck] == nil {
				p.exact[ck] = map[string][]int{}
			}
			p.exact[ck][e.Value] = append(p.exact[ck][e.Value], i)
		}
	}
	for cat, pats := range textPats {
		keys := make([]string, 0, len(pats))
		for k := range pats {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		ti := &textIndex{}
		b := ahocorasick.NewTrieBuilder()
		for _, k := range keys {
			b.AddString(k)
			ti.byPat = append(ti.byPat, pats[k])
		}
		ti.trie = b.Build()
		p.texts[cat] = ti
	}
	return p, nil
}

func appendUnique(s []int, v int) []int {
	for _, x := range s {
		if x == v {
			return s
		}
	}
	return append(s, v)
}

// Provider is implemented by services that carry an indicator pack (the
// pack itself, or an adapter registered as detect.SvcIndicators).
type Provider interface {
	IndicatorPack() *Pack
}

// IndicatorPack implements Provider.
func (p *Pack) IndicatorPack() *Pack { return p }

// Manifest returns the pack's manifest.
func (p *Pack) Manifest() Manifest { return p.manifest }

// Version is the pack version.
func (p *Pack) Version() string { return p.manifest.Version }

// Counts returns the number of entries per category.
func (p *Pack) Counts() map[string]int {
	out := make(map[string]int, len(p.counts))
	for k, v := range p.counts {
		out[k] = v
	}
	return out
}

// Entries calls fn for every entry of a category ("" for all), in file order.
func (p *Pack) Entries(category string, fn func(*Entry)) {
	for i := range p.entries {
		if category == "" || p.entries[i].Category == category {
			fn(&p.entries[i])
		}
	}
}

// Len is the number of entries.
func (p *Pack) Len() int { return len(p.entries) }

func (p *Pack) get(cat, kind, val string) []*Entry {
	idx := p.exact[catKind{cat, kind}][val]
	if len(idx) == 0 {
		return nil
	}
	out := make([]*Entry, len(idx))
	for i, j := range idx {
		out[i] = &p.entries[j]
	}
	return out
}

func (p *Pack) first(cat, kind, val string) (*Entry, bool) {
	if idx := p.exact[catKind{cat, kind}][val]; len(idx) > 0 {
		return &p.entries[idx[0]], true
	}
	return nil, false
}

// Text finds the category's free-text values (of the given kinds; none =
// all) that occur as whole words in s. Each entry is reported once.
func (p *Pack) Text(category, s string, kinds ...string) []*Entry {
	ti := p.texts[category]
	if ti == nil || s == "" {
		return nil
	}
	var stack [256]byte
	return p.textMatch(ti, textKey(s, stack[:0]), kinds)
}

func (p *Pack) textMatch(ti *textIndex, t []byte, kinds []string) []*Entry {
	var out []*Entry
	var seen map[int]bool
	ti.trie.Walk(t, func(end, n, pat int64) bool {
		start := end - n + 1
		if start > 0 && t[start-1] != ' ' {
			return true
		}
		if int(end)+1 < len(t) && t[end+1] != ' ' {
			return true
		}
		for _, j := range ti.byPat[pat] {
			e := &p.entries[j]
			if len(kinds) > 0 && !contains(kinds, e.Kind) {
				continue
			}
			if seen == nil {
				seen = map[int]bool{}
			}
			if !seen[j] {
				seen[j] = true
				out = append(out, e)
			}
		}
		return true
	})
	return out
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

// processKey reduces a process name or path to its lower-case base name.
func processKey(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.LastIndexAny(s, `/\`); i >= 0 {
		s = s[i+1:]
	}
	return strings.ToLower(s)
}

// byProcess looks a process base name up among exact and wildcard names.
func (p *Pack) byProcess(cat, name string) []*Entry {
	k := processKey(name)
	if k == "" {
		return nil
	}
	out := p.get(cat, "process", k)
	if !strings.HasSuffix(k, ".exe") {
		// "AnyDesk" on macOS/Linux matches "anydesk.exe" entries too.
		out = append(out, p.get(cat, "process_stem", k)...)
	}
	if g := p.globs[catKind{cat, "process"}]; g != nil {
		g.match(k, func(i int) { out = append(out, &p.entries[i]) })
	}
	return out
}

// RemoteAccessByProcess finds remote-access tools by process name or path.
func (p *Pack) RemoteAccessByProcess(name string) []*Entry { return p.byProcess(CatRemoteAccess, name) }

// VPNByProcess finds VPN clients by process name or path.
func (p *Pack) VPNByProcess(name string) []*Entry { return p.byProcess(CatVPN, name) }

// RemoteAccessByBundle finds remote-access tools by macOS bundle identifier.
func (p *Pack) RemoteAccessByBundle(id string) []*Entry {
	return p.get(CatRemoteAccess, "app_bundle", strings.ToLower(strings.TrimSpace(id)))
}

// VPNByBundle finds VPN clients by macOS bundle identifier or Android package.
func (p *Pack) VPNByBundle(id string) []*Entry {
	k := strings.ToLower(strings.TrimSpace(id))
	return append(p.get(CatVPN, "app_bundle", k), p.get(CatVPN, "package", k)...)
}

// RemoteAccessByProduct finds remote-access tools named in a software
// inventory entry (program, app or package name).
func (p *Pack) RemoteAccessByProduct(name string) []*Entry {
	return p.Text(CatRemoteAccess, name, "product_name")
}

// VPNByProduct finds VPN clients named in a software inventory entry.
func (p *Pack) VPNByProduct(name string) []*Entry { return p.Text(CatVPN, name, "product_name") }

// RemoteAccessBySigner finds remote-access tools by code-signing publisher.
func (p *Pack) RemoteAccessBySigner(signer string) []*Entry {
	return p.get(CatRemoteAccess, "signer", collapseSpace(strings.ToLower(signer)))
}

// RemoteAccessByCmdline finds remote-access tools recognised by a command
// line fragment (for example "code tunnel").
func (p *Pack) RemoteAccessByCmdline(cmdline string) []*Entry {
	ti := p.texts[CatRemoteAccess]
	if ti == nil || cmdline == "" {
		return nil
	}
	prog, rest := splitCmdline(cmdline)
	var stack [512]byte
	t := textKey(prog, stack[:0])
	if n := len(t); n > 0 {
		t = append(t, ' ')
		if t = appendTextKey(t, rest); len(t) == n+1 {
			t = t[:n] // rest had no words
		}
	} else {
		t = appendTextKey(t, rest)
	}
	return p.textMatch(ti, t, cmdlineKinds)
}

var cmdlineKinds = []string{"cmdline"}

// splitCmdline returns the program's base name without ".exe" and the rest.
func splitCmdline(cmdline string) (prog, rest string) {
	s := strings.TrimSpace(cmdline)
	if strings.HasPrefix(s, `"`) {
		if i := strings.IndexByte(s[1:], '"'); i >= 0 {
			prog, rest = s[1:i+1], s[i+2:]
		} else {
			prog = s[1:]
		}
	} else if i := strings.IndexByte(s, ' '); i >= 0 {
		prog, rest = s[:i], s[i:]
	} else {
		prog = s
	}
	prog = processKey(prog)
	return strings.TrimSuffix(prog, ".exe"), rest
}

// CmdlineKey reduces the program of a command line to its base name without
// ".exe", so that `"C:\\Program Files\\VS Code\\code.exe" tunnel` reads as
// "code tunnel".
func CmdlineKey(cmdline string) string {
	prog, rest := splitCmdline(cmdline)
	return prog + rest
}

// RemoteAccessByExtension finds remote-access browser extensions by id.
func (p *Pack) RemoteAccessByExtension(id string) []*Entry {
	return p.get(CatRemoteAccess, "chrome_extension", strings.ToLower(strings.TrimSpace(id)))
}

// RemoteAccessByPort finds remote-access services by listening port.
func (p *Pack) RemoteAccessByPort(port string) []*Entry {
	return p.get(CatRemoteAccess, "listen_port", strings.TrimSpace(port))
}

// byDomain walks from the full name up to the registrable parent, so that
// "relay-1.net.anydesk.com" finds "anydesk.com".
func (p *Pack) byDomain(cat, d string) []*Entry {
	d = strings.TrimSuffix(strings.ToLower(strings.TrimSpace(d)), ".")
	for d != "" {
		if es := p.get(cat, "domain", d); len(es) > 0 {
			return es
		}
		i := strings.IndexByte(d, '.')
		if i < 0 || strings.IndexByte(d[i+1:], '.') < 0 {
			return nil
		}
		d = d[i+1:]
	}
	return nil
}

// RemoteAccessByDomain finds remote-access tools by a DNS name they use.
func (p *Pack) RemoteAccessByDomain(d string) []*Entry { return p.byDomain(CatRemoteAccess, d) }

// VPNByDomain finds VPN operators by a DNS name they use.
func (p *Pack) VPNByDomain(d string) []*Entry { return p.byDomain(CatVPN, d) }

// LookupDomain reports whether a domain (or a parent of it) is a seized or
// front-company domain, as an applicant e-mail domain or web site.
func (p *Pack) LookupDomain(d string) (*Entry, bool) {
	if es := p.byDomain(CatDomain, d); len(es) > 0 {
		return es[0], true
	}
	return nil, false
}

// VPNByIP finds VPN operators by an exit IP or range.
func (p *Pack) VPNByIP(ip string) []*Entry {
	a, err := netip.ParseAddr(strings.TrimSpace(ip))
	if err != nil {
		return nil
	}
	a = a.Unmap()
	out := p.get(CatVPN, "ip", a.String())
	for bits, m := range p.cidrs {
		if bits > a.BitLen() {
			continue
		}
		pf, err := a.Prefix(bits)
		if err != nil {
			continue
		}
		for _, i := range m[pf] {
			if p.entries[i].Category == CatVPN {
				out = append(out, &p.entries[i])
			}
		}
	}
	return out
}

// LookupCryptoAddress reports whether an address is a listed DPRK-linked
// address. Hex (0x) addresses match case-insensitively.
func (p *Pack) LookupCryptoAddress(addr string) (*Entry, bool) {
	k, err := CryptoKey(addr)
	if err != nil {
		return nil, false
	}
	return p.first(CatCrypto, "address", k)
}

// LookupFrontCompany reports whether a company name (or one of its listed
// aliases) is a known front company or sanctioned entity. Case,
// punctuation and legal-form words (LLC, Ltd, Co.) are ignored.
func (p *Pack) LookupFrontCompany(name string) (*Entry, bool) {
	k := CompanyKey(name)
	if k == "" {
		return nil, false
	}
	if idx := p.names[CatFrontCompany+"\x00"+k]; len(idx) > 0 {
		return &p.entries[idx[0]], true
	}
	return nil, false
}

// PaymentChannel finds the payment channel a rail or provider name refers
// to ("Payoneer", "TransferWise", "USDT").
func (p *Pack) PaymentChannel(name string) (*Entry, bool) {
	k := CompanyKey(name)
	if k == "" {
		return nil, false
	}
	if idx := p.names[CatPayment+"\x00"+k]; len(idx) > 0 {
		return &p.entries[idx[0]], true
	}
	return nil, false
}

// KVMByUSB finds IP-KVM identities by USB vendor and product id (hex, with
// or without 0x).
func (p *Pack) KVMByUSB(vendorID, productID string) []*Entry {
	v := strings.TrimPrefix(strings.ToLower(strings.TrimSpace(vendorID)), "0x")
	d := strings.TrimPrefix(strings.ToLower(strings.TrimSpace(productID)), "0x")
	if len(v) < 4 {
		v = strings.Repeat("0", 4-len(v)) + v
	}
	if len(d) < 4 {
		d = strings.Repeat("0", 4-len(d)) + d
	}
	return p.get(CatIPKVM, "usb_id", v+":"+d)
}

// KVMByUSBStrings finds IP-KVM identities in USB vendor/model/serial strings.
func (p *Pack) KVMByUSBStrings(strs ...string) []*Entry {
	var out []*Entry
	for _, s := range strs {
		out = append(out, p.Text(CatIPKVM, s, "usb_string", "scsi_string")...)
	}
	return out
}

// KVMBySerial finds IP-KVM default USB serial numbers.
func (p *Pack) KVMBySerial(serial string) []*Entry {
	return p.get(CatIPKVM, "usb_serial", collapseSpace(strings.ToLower(serial)))
}

// KVMByDisplayName finds IP-KVM default EDID monitor names in a display name.
func (p *Pack) KVMByDisplayName(name string) []*Entry { return p.Text(CatIPKVM, name, "edid_name") }

// KVMByPnP finds IP-KVM EDID manufacturer+product ids ("LNX7770") and
// manufacturer-only ids ("TSB").
func (p *Pack) KVMByPnP(pnp string) []*Entry {
	k := strings.ToLower(strings.TrimSpace(pnp))
	out := p.get(CatIPKVM, "edid_pnp", k)
	if len(k) > 3 {
		out = append(out, p.get(CatIPKVM, "edid_pnp", k[:3])...)
	}
	return out
}

// InputSource is what the pack knows about a keyboard layout, input method
// or locale.
type InputSource struct {
	Entry     *Entry
	Language  string
	Countries []string
}

// KeyboardLayout looks up a Windows keyboard layout id (KLID, e.g. 00000412).
func (p *Pack) KeyboardLayout(klid string) (InputSource, bool) {
	k := strings.ToLower(strings.TrimSpace(klid))
	if len(k) > 8 {
		k = k[len(k)-8:]
	}
	return p.input("klid", k)
}

// MacInputSource looks up a macOS input source id or layout name
// ("com.apple.inputmethod.Korean.2SetKorean", "2-Set Korean").
func (p *Pack) MacInputSource(id string) (InputSource, bool) {
	k := collapseSpace(strings.ToLower(strings.TrimSpace(id)))
	if is, ok := p.input("macos_input_source", k); ok {
		return is, true
	}
	var hit *Entry
	if g := p.globs[catKind{CatInputSource, "macos_input"}]; g != nil {
		g.match(k, func(i int) {
			if hit == nil {
				hit = &p.entries[i]
			}
		})
	}
	if hit == nil {
		return InputSource{}, false
	}
	return InputSource{Entry: hit, Language: hit.Group, Countries: hit.Countries}, true
}

// Locale looks up the language of a locale ("ko_KR", "ko-KR", "ko").
func (p *Pack) Locale(loc string) (InputSource, bool) {
	l := strings.ToLower(strings.TrimSpace(loc))
	if i := strings.IndexAny(l, "_-.@"); i >= 0 {
		l = l[:i]
	}
	return p.input("language", l)
}

// XKBLayout looks up a Linux XKB layout code ("kr").
func (p *Pack) XKBLayout(code string) (InputSource, bool) {
	return p.input("xkb_layout", strings.ToLower(strings.TrimSpace(code)))
}

func (p *Pack) input(kind, k string) (InputSource, bool) {
	e, ok := p.first(CatInputSource, kind, k)
	if !ok {
		return InputSource{}, false
	}
	return InputSource{Entry: e, Language: e.Group, Countries: e.Countries}, true
}

// String summarises the pack.
func (p *Pack) String() string {
	return fmt.Sprintf("%s %s (%d indicators)", p.manifest.Name, p.manifest.Version, len(p.entries))
}
