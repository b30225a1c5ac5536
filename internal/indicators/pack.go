// Package indicators holds redflag's versioned indicator pack: remote-access
// tools, IP-KVM identities, VPN clients and operators, seized domains, front
// companies, DPRK-linked crypto addresses, payment channels and the keyboard
// layouts/input sources the endpoint detectors compare with a subject's
// claimed profile. The pack ships embedded in the binary (data/) and an
// analyst can replace or extend it without a rebuild (`redflag indicators
// update --from DIR`); an update that fails validation is refused as a whole.
//
// Lookups cost the same whatever the pack size: exact values live in maps,
// wildcard values are indexed by their literal prefix, and free-text
// matching (product names in software inventories, USB strings, command
// lines) runs one Aho-Corasick automaton per category over the input
// (github.com/BobuSumisu/aho-corasick), never a loop over patterns.
package indicators

import (
	"bytes"
	"embed"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/netip"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"unicode/utf8"
)

//go:embed data
var embedded embed.FS

// ManifestFile is the name of the manifest in a pack directory.
const ManifestFile = "pack.json"

// Category names.
const (
	CatRemoteAccess = "remote_access"
	CatIPKVM        = "ip_kvm"
	CatVPN          = "vpn"
	CatDomain       = "domain"
	CatFrontCompany = "front_company"
	CatCrypto       = "crypto_address"
	CatPayment      = "payment_channel"
	CatInputSource  = "input_source"
)

// Manifest describes a pack.
type Manifest struct {
	Name        string `json:"name"`
	Version     string `json:"version"`
	Published   string `json:"published,omitempty"`
	Description string `json:"description,omitempty"`
	// Extends is "builtin" when the pack adds to the embedded pack rather
	// than replacing it.
	Extends string     `json:"extends,omitempty"`
	Files   []FileSpec `json:"files"`
}

// FileSpec names one data file and its category.
type FileSpec struct {
	Path     string `json:"path"`
	Category string `json:"category"`
}

// Entry is one indicator.
type Entry struct {
	Category string `json:"category"`
	Kind     string `json:"kind"`
	Value    string `json:"value"`
	// Name is the tool, product, provider, entity, holder or channel.
	Name string `json:"name"`
	// Group is the key entries are counted by: the vendor of a remote-access
	// tool, the operator of a VPN, the language of an input source.
	Group string `json:"group,omitempty"`
	// Class refines the category: rmm|tunnel for remote access, consumer|proxy for VPNs.
	Class      string   `json:"class,omitempty"`
	Aliases    []string `json:"aliases,omitempty"`
	Countries  []string `json:"countries,omitempty"`
	Extra      string   `json:"extra,omitempty"` // asset, status, designation, type
	Note       string   `json:"note,omitempty"`
	Source     string   `json:"source"`
	Confidence string   `json:"confidence"` // high|medium|low
	File       string   `json:"file"`
	Line       int      `json:"line"`
}

// Ref is the evidence reference of an entry.
func (e *Entry) Ref() string {
	return fmt.Sprintf("%s:%s:%s", e.Category, e.Kind, e.Value)
}

// schema describes a category's CSV columns and how each row becomes an entry.
type schema struct {
	columns []string
	kinds   map[string]bool // allowed kinds; nil = fixed kind
	kind    string          // fixed kind when kinds is nil
	build   func(r map[string]string, e *Entry) error
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.FieldsFunc(s, func(r rune) bool { return r == ';' || r == '|' }) {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func kindSet(ks ...string) map[string]bool {
	m := map[string]bool{}
	for _, k := range ks {
		m[k] = true
	}
	return m
}

var schemas = map[string]schema{
	CatRemoteAccess: {
		columns: []string{"tool", "vendor", "class", "kind", "value", "source", "confidence"},
		kinds:   kindSet("process", "process_glob", "app_bundle", "product_name", "signer", "domain", "cmdline", "chrome_extension", "listen_port"),
		build: func(r map[string]string, e *Entry) error {
			e.Name, e.Group, e.Class = r["tool"], VendorKey(r["vendor"]), r["class"]
			if e.Group == "" {
				return fieldErr("vendor", "empty")
			}
			if e.Class != "rmm" && e.Class != "tunnel" {
				return fieldErr("class", "want rmm or tunnel, got %q", e.Class)
			}
			return nil
		},
	},
	CatIPKVM: {
		columns: []string{"product", "kind", "value", "source", "confidence", "note"},
		kinds:   kindSet("usb_id", "usb_string", "usb_serial", "edid_name", "edid_pnp", "scsi_string"),
		build: func(r map[string]string, e *Entry) error {
			e.Name, e.Note = r["product"], r["note"]
			return nil
		},
	},
	CatVPN: {
		columns: []string{"provider", "operator", "class", "kind", "value", "source", "confidence"},
		kinds:   kindSet("process", "process_glob", "app_bundle", "product_name", "package", "domain", "ip", "cidr"),
		build: func(r map[string]string, e *Entry) error {
			e.Name, e.Group, e.Class = r["provider"], VendorKey(r["operator"]), r["class"]
			if e.Group == "" {
				return fieldErr("operator", "empty")
			}
			if e.Class != "consumer" && e.Class != "proxy" {
				return fieldErr("class", "want consumer or proxy, got %q", e.Class)
			}
			return nil
		},
	},
	CatDomain: {
		columns: []string{"domain", "status", "entity", "source", "confidence", "note"},
		kind:    "domain",
		build: func(r map[string]string, e *Entry) error {
			e.Value, e.Extra, e.Name, e.Note = r["domain"], r["status"], r["entity"], r["note"]
			return nil
		},
	},
	CatFrontCompany: {
		columns: []string{"name", "aliases", "country", "designation", "source", "confidence"},
		kind:    "name",
		build: func(r map[string]string, e *Entry) error {
			e.Value, e.Name, e.Aliases, e.Extra = r["name"], r["name"], splitList(r["aliases"]), r["designation"]
			if c := r["country"]; c != "" {
				e.Note = c
			}
			return nil
		},
	},
	CatCrypto: {
		columns: []string{"address", "asset", "holder", "program", "source", "confidence"},
		kind:    "address",
		build: func(r map[string]string, e *Entry) error {
			e.Value, e.Extra, e.Name, e.Note = r["address"], strings.ToUpper(r["asset"]), r["holder"], r["program"]
			if e.Extra == "" {
				return fieldErr("asset", "empty")
			}
			return nil
		},
	},
	CatPayment: {
		columns: []string{"channel", "aliases", "type", "observed_use", "source", "confidence"},
		kind:    "channel",
		build: func(r map[string]string, e *Entry) error {
			e.Value, e.Name, e.Aliases, e.Extra, e.Note = r["channel"], r["channel"], splitList(r["aliases"]), r["type"], r["observed_use"]
			return nil
		},
	},
	CatInputSource: {
		columns: []string{"kind", "value", "name", "language", "countries", "source", "confidence"},
		kinds:   kindSet("klid", "macos_input_source", "macos_input_glob", "language", "xkb_layout"),
		build: func(r map[string]string, e *Entry) error {
			e.Name, e.Group = r["name"], strings.ToLower(r["language"])
			for _, c := range splitList(r["countries"]) {
				c = strings.ToUpper(c)
				if len(c) != 2 {
					return fieldErr("countries", "%q is not an ISO 3166 alpha-2 code", c)
				}
				e.Countries = append(e.Countries, c)
			}
			if e.Group == "" {
				return fieldErr("language", "empty")
			}
			return nil
		},
	},
}

// Categories lists the known categories, sorted.
func Categories() []string {
	out := make([]string, 0, len(schemas))
	for c := range schemas {
		out = append(out, c)
	}
	sort.Strings(out)
	return out
}

// FieldError names the field of a rejected row.
type FieldError struct {
	Field string
	Msg   string
}

func (e *FieldError) Error() string { return fmt.Sprintf("field %q: %s", e.Field, e.Msg) }

func fieldErr(field, format string, a ...any) error {
	return &FieldError{Field: field, Msg: fmt.Sprintf(format, a...)}
}

// ValidationError lists every problem of a refused pack.
type ValidationError struct {
	Problems []string
}

func (e *ValidationError) Error() string {
	const max = 20
	ps := e.Problems
	more := ""
	if len(ps) > max {
		more = fmt.Sprintf("\n  ... and %d more", len(ps)-max)
		ps = ps[:max]
	}
	return fmt.Sprintf("indicator pack refused (%d problems):\n  %s%s", len(e.Problems), strings.Join(ps, "\n  "), more)
}

var (
	reHex4    = regexp.MustCompile(`^[0-9a-f]{4}$`)
	reDomain  = regexp.MustCompile(`^(\*\.)?([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{1,62}$`)
	reKLID    = regexp.MustCompile(`^[0-9a-f]{8}$`)
	rePnP     = regexp.MustCompile(`^[a-z]{3}([0-9a-f]{4})?$`)
	reEthAddr = regexp.MustCompile(`^0x[0-9a-f]{40}$`)
	reB58     = regexp.MustCompile(`^[1-9A-HJ-NP-Za-km-z]{25,60}$`)
	reBech32  = regexp.MustCompile(`^(bc|ltc|tb)1[02-9ac-hj-np-z]{8,87}$`)
	reGeneric = regexp.MustCompile(`^[0-9A-Za-z]{20,120}$`)
	rePort    = regexp.MustCompile(`^[0-9]{1,5}$`)
	reExtID   = regexp.MustCompile(`^[a-p]{32}$`)
)

var confidences = map[string]bool{"high": true, "medium": true, "low": true}

// normaliseValue canonicalises and checks a value for its category and kind.
func normaliseValue(cat, kind, v string) (string, error) {
	v = strings.TrimSpace(v)
	if v == "" {
		return "", fieldErr("value", "empty")
	}
	lv := strings.ToLower(v)
	switch kind {
	case "process", "process_glob", "signer", "app_bundle", "package", "product_name", "usb_string", "usb_serial",
		"edid_name", "scsi_string", "cmdline", "macos_input_source", "macos_input_glob", "name", "channel":
		lv = collapseSpace(lv)
		if (kind == "process_glob" || kind == "macos_input_glob") && !strings.Contains(lv, "*") {
			return "", fieldErr("value", "%q: a glob needs a '*'", v)
		}
		if kind != "process_glob" && kind != "macos_input_glob" && strings.Contains(lv, "*") {
			return "", fieldErr("value", "%q: '*' only in *_glob kinds", v)
		}
		if kind == "product_name" || kind == "usb_string" || kind == "edid_name" || kind == "scsi_string" || kind == "cmdline" {
			lv = TextKey(lv)
			if len(lv) < 3 {
				return "", fieldErr("value", "%q is too short to match in free text", v)
			}
		}
		if kind == "name" || kind == "channel" {
			lv = CompanyKey(lv)
			if lv == "" {
				return "", fieldErr("value", "%q has no letters", v)
			}
		}
		return lv, nil
	case "domain":
		lv = strings.TrimSuffix(lv, ".")
		if !reDomain.MatchString(lv) {
			return "", fieldErr("value", "%q is not a domain name", v)
		}
		return strings.TrimPrefix(lv, "*."), nil
	case "usb_id":
		vid, pid, ok := strings.Cut(lv, ":")
		vid, pid = strings.TrimPrefix(vid, "0x"), strings.TrimPrefix(pid, "0x")
		if !ok || !reHex4.MatchString(vid) || !reHex4.MatchString(pid) {
			return "", fieldErr("value", "%q is not a USB vendor:product id (vvvv:pppp, hex)", v)
		}
		return vid + ":" + pid, nil
	case "edid_pnp":
		if !rePnP.MatchString(lv) {
			return "", fieldErr("value", "%q is not an EDID PnP id (three letters, optional 4 hex digits)", v)
		}
		return lv, nil
	case "klid":
		if !reKLID.MatchString(lv) {
			return "", fieldErr("value", "%q is not a keyboard layout id (8 hex digits)", v)
		}
		return lv, nil
	case "language", "xkb_layout":
		if len(lv) < 2 || len(lv) > 8 || strings.ContainsAny(lv, " _-") {
			return "", fieldErr("value", "%q is not a language or layout code", v)
		}
		return lv, nil
	case "ip":
		a, err := netip.ParseAddr(v)
		if err != nil {
			return "", fieldErr("value", "%q is not an IP address", v)
		}
		return a.Unmap().String(), nil
	case "cidr":
		p, err := netip.ParsePrefix(v)
		if err != nil {
			return "", fieldErr("value", "%q is not a CIDR range", v)
		}
		return p.Masked().String(), nil
	case "address":
		return CryptoKey(v)
	case "listen_port":
		if !rePort.MatchString(v) {
			return "", fieldErr("value", "%q is not a port", v)
		}
		return v, nil
	case "chrome_extension":
		if !reExtID.MatchString(lv) {
			return "", fieldErr("value", "%q is not a Chrome extension id", v)
		}
		return lv, nil
	}
	return "", fieldErr("kind", "unknown kind %q", kind)
}

// CryptoKey canonicalises a crypto address: Ethereum-style hex addresses are
// case-insensitive (EIP-55 case is a checksum only), others are case-sensitive.
func CryptoKey(v string) (string, error) {
	v = strings.TrimSpace(v)
	lv := strings.ToLower(v)
	switch {
	case strings.HasPrefix(lv, "0x"):
		if !reEthAddr.MatchString(lv) {
			return "", fieldErr("value", "%q is not a 0x-hex address", v)
		}
		return lv, nil
	case reBech32.MatchString(lv):
		return lv, nil
	case reB58.MatchString(v), reGeneric.MatchString(v):
		return v, nil
	}
	return "", fieldErr("value", "%q is not a crypto address", v)
}

func collapseSpace(s string) string { return strings.Join(strings.Fields(s), " ") }

// TextKey lower-cases s and turns every run of non-alphanumeric characters
// into one space, so that "Chrome-Remote-Desktop", "chrome_remote_desktop"
// and "Chrome Remote Desktop" compare equal in free-text matching.
func TextKey(s string) string { return string(textKey(s, nil)) }

// textKey writes the text key of s into buf; ASCII takes a fast path.
func textKey(s string, buf []byte) []byte { return appendTextKey(buf[:0], s) }

// appendTextKey appends the text key of s to dst.
func appendTextKey(dst []byte, s string) []byte {
	b := dst
	start := len(dst)
	space := true
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z' || c >= '0' && c <= '9':
			b = append(b, c)
			space = false
		case c >= 'A' && c <= 'Z':
			b = append(b, c+('a'-'A'))
			space = false
		case c >= 0x80:
			return appendTextKeyUnicode(dst[:start], s)
		default:
			if !space {
				b = append(b, ' ')
				space = true
			}
		}
	}
	if n := len(b); n > start && b[n-1] == ' ' {
		b = b[:n-1]
	}
	return b
}

func appendTextKeyUnicode(dst []byte, s string) []byte {
	b := dst
	start := len(dst)
	space := true
	for _, r := range strings.ToLower(s) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r > 127 {
			b = utf8.AppendRune(b, r)
			space = false
		} else if !space {
			b = append(b, ' ')
			space = true
		}
	}
	if n := len(b); n > start && b[n-1] == ' ' {
		b = b[:n-1]
	}
	return b
}

var legalSuffixes = map[string]bool{"llc": true, "ltd": true, "limited": true, "co": true, "inc": true, "corp": true,
	"corporation": true, "company": true, "liability": true, "gmbh": true, "plc": true, "the": true, "lc": true}

// CompanyKey normalises a company name for lookup: lower case, punctuation
// dropped, legal-form words (LLC, Ltd, Co., Corporation, Limited Liability
// Company) removed.
func CompanyKey(s string) string {
	words := strings.Fields(TextKey(s))
	out := words[:0]
	for _, w := range words {
		if !legalSuffixes[w] {
			out = append(out, w)
		}
	}
	return strings.Join(out, " ")
}

// VendorKey normalises a vendor or operator name to a key (lower-case
// letters and digits only), as used by allow-lists.
func VendorKey(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// Load reads a pack from fsys (the manifest and the files it lists),
// validating every row. Any problem refuses the whole pack.
func Load(fsys fs.FS) (*Pack, error) {
	mb, err := fs.ReadFile(fsys, ManifestFile)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", ManifestFile, err)
	}
	var m Manifest
	dec := json.NewDecoder(bytes.NewReader(mb))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&m); err != nil {
		return nil, &ValidationError{Problems: []string{fmt.Sprintf("%s: %v", ManifestFile, err)}}
	}
	var probs []string
	if strings.TrimSpace(m.Version) == "" {
		probs = append(probs, ManifestFile+": field \"version\": empty")
	}
	if strings.TrimSpace(m.Name) == "" {
		probs = append(probs, ManifestFile+": field \"name\": empty")
	}
	if m.Extends != "" && m.Extends != "builtin" {
		probs = append(probs, fmt.Sprintf("%s: field \"extends\": want \"builtin\" or empty, got %q", ManifestFile, m.Extends))
	}
	if len(m.Files) == 0 {
		probs = append(probs, ManifestFile+": field \"files\": no data files listed")
	}
	var entries []Entry
	seen := map[string]bool{}
	for _, f := range m.Files {
		sc, ok := schemas[f.Category]
		if !ok {
			probs = append(probs, fmt.Sprintf("%s: file %s: unknown category %q (want one of %s)", ManifestFile, f.Path, f.Category, strings.Join(Categories(), ", ")))
			continue
		}
		if f.Path == "" || path.IsAbs(f.Path) || strings.Contains(f.Path, "..") {
			probs = append(probs, fmt.Sprintf("%s: file path %q must be relative to the pack", ManifestFile, f.Path))
			continue
		}
		if seen[f.Path] {
			probs = append(probs, fmt.Sprintf("%s: file %s listed twice", ManifestFile, f.Path))
			continue
		}
		seen[f.Path] = true
		b, err := fs.ReadFile(fsys, f.Path)
		if err != nil {
			probs = append(probs, fmt.Sprintf("%s: %v", f.Path, err))
			continue
		}
		es, ps := parseFile(f.Path, f.Category, sc, b)
		entries = append(entries, es...)
		probs = append(probs, ps...)
	}
	if len(probs) > 0 {
		return nil, &ValidationError{Problems: probs}
	}
	var base []Entry
	if m.Extends == "builtin" {
		b, err := Builtin()
		if err != nil {
			return nil, fmt.Errorf("builtin pack: %w", err)
		}
		base = b.entries
	}
	p, err := build(m, append(append([]Entry(nil), base...), entries...))
	if err != nil {
		return nil, err
	}
	return p, nil
}

func parseFile(name, cat string, sc schema, b []byte) ([]Entry, []string) {
	var probs []string
	cr := csv.NewReader(bytes.NewReader(b))
	cr.Comment = '#'
	cr.FieldsPerRecord = -1
	hdr, err := cr.Read()
	if err != nil {
		return nil, []string{fmt.Sprintf("%s: header: %v", name, err)}
	}
	for i := range hdr {
		hdr[i] = strings.TrimSpace(strings.TrimPrefix(hdr[i], "\ufeff"))
	}
	if strings.Join(hdr, ",") != strings.Join(sc.columns, ",") {
		return nil, []string{fmt.Sprintf("%s:1: header %q: want %q", name, strings.Join(hdr, ","), strings.Join(sc.columns, ","))}
	}
	var out []Entry
	dup := map[string]int{}
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			probs = append(probs, fmt.Sprintf("%s: %v", name, err))
			var pe *csv.ParseError
			if errors.As(err, &pe) && pe.Err != csv.ErrQuote {
				continue
			}
			break // an open quote swallows the rest of the file
		}
		line, _ := cr.FieldPos(0)
		if len(rec) != len(sc.columns) {
			probs = append(probs, fmt.Sprintf("%s:%d: %d fields, want %d", name, line, len(rec), len(sc.columns)))
			continue
		}
		r := make(map[string]string, len(rec))
		for i, c := range sc.columns {
			r[c] = strings.TrimSpace(rec[i])
		}
		e := Entry{Category: cat, Kind: sc.kind, Value: r["value"], Source: r["source"], Confidence: strings.ToLower(r["confidence"]), File: name, Line: line}
		if sc.kinds != nil {
			e.Kind = r["kind"]
			if !sc.kinds[e.Kind] {
				probs = append(probs, fmt.Sprintf("%s:%d: field \"kind\": unknown kind %q", name, line, e.Kind))
				continue
			}
		}
		if err := sc.build(r, &e); err != nil {
			probs = append(probs, fmt.Sprintf("%s:%d: %v", name, line, err))
			continue
		}
		if e.Source == "" {
			probs = append(probs, fmt.Sprintf("%s:%d: field \"source\": empty (every indicator names its source)", name, line))
			continue
		}
		if !confidences[e.Confidence] {
			probs = append(probs, fmt.Sprintf("%s:%d: field \"confidence\": want high, medium or low, got %q", name, line, r["confidence"]))
			continue
		}
		if e.Name == "" && cat != CatInputSource {
			probs = append(probs, fmt.Sprintf("%s:%d: field %q: empty", name, line, sc.columns[0]))
			continue
		}
		v, err := normaliseValue(cat, e.Kind, e.Value)
		if err != nil {
			probs = append(probs, fmt.Sprintf("%s:%d: %v", name, line, err))
			continue
		}
		e.Value = v
		k := e.Kind + "\x00" + e.Value + "\x00" + e.Group
		if prev, ok := dup[k]; ok {
			probs = append(probs, fmt.Sprintf("%s:%d: duplicate of line %d (%s %q)", name, line, prev, e.Kind, e.Value))
			continue
		}
		dup[k] = line
		out = append(out, e)
	}
	return out, probs
}

// Builtin loads the pack embedded in the binary.
func Builtin() (*Pack, error) {
	sub, err := fs.Sub(embedded, "data")
	if err != nil {
		return nil, err
	}
	return Load(sub)
}

// LoadDir loads a pack from a directory.
func LoadDir(dir string) (*Pack, error) {
	return Load(os.DirFS(dir))
}

// Install validates the pack in src and, only when it is valid, copies it
// into dst (replacing the pack there) through a temporary directory and a
// rename, so that a failure leaves the previous pack in force.
func Install(src, dst string) (*Pack, error) {
	p, err := LoadDir(src)
	if err != nil {
		return nil, err
	}
	parent := filepath.Dir(dst)
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return nil, fmt.Errorf("create %s: %w", parent, err)
	}
	tmp, err := os.MkdirTemp(parent, ".indicators-new-")
	if err != nil {
		return nil, fmt.Errorf("stage pack: %w", err)
	}
	defer os.RemoveAll(tmp)
	files := []string{ManifestFile}
	for _, f := range p.manifest.Files {
		files = append(files, f.Path)
	}
	for _, f := range files {
		b, err := os.ReadFile(filepath.Join(src, filepath.FromSlash(f)))
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", f, err)
		}
		out := filepath.Join(tmp, filepath.FromSlash(f))
		if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
			return nil, err
		}
		if err := os.WriteFile(out, b, 0o644); err != nil {
			return nil, fmt.Errorf("stage %s: %w", f, err)
		}
	}
	// Re-validate the staged copy: what is installed is what was checked.
	if _, err := LoadDir(tmp); err != nil {
		return nil, fmt.Errorf("staged copy: %w", err)
	}
	old := dst + ".old"
	_ = os.RemoveAll(old)
	if _, err := os.Stat(dst); err == nil {
		if err := os.Rename(dst, old); err != nil {
			return nil, fmt.Errorf("move old pack aside: %w", err)
		}
	}
	if err := os.Rename(tmp, dst); err != nil {
		_ = os.Rename(old, dst)
		return nil, fmt.Errorf("install pack: %w", err)
	}
	_ = os.RemoveAll(old)
	return p, nil
}

// Export writes the embedded pack to dir, as a starting point for edits.
func Export(dir string) error {
	sub, err := fs.Sub(embedded, "data")
	if err != nil {
		return err
	}
	return fs.WalkDir(sub, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		out := filepath.Join(dir, filepath.FromSlash(p))
		if d.IsDir() {
			return os.MkdirAll(out, 0o755)
		}
		b, err := fs.ReadFile(sub, p)
		if err != nil {
			return err
		}
		return os.WriteFile(out, b, 0o644)
	})
}

// Active loads the pack installed in dir when there is one, else the
// embedded pack. An installed pack that no longer validates is reported in
// the returned warning and the embedded pack is used.
func Active(dir string) (p *Pack, warning error, err error) {
	if dir != "" {
		if _, statErr := os.Stat(filepath.Join(dir, ManifestFile)); statErr == nil {
			p, lerr := LoadDir(dir)
			if lerr == nil {
				return p, nil, nil
			}
			warning = fmt.Errorf("installed indicator pack in %s is not valid, using the built-in pack: %w", dir, lerr)
		}
	}
	p, err = Builtin()
	return p, warning, err
}
