// Package ipintel answers what is known about an IP address from offline
// databases: MMDB files (MaxMind GeoIP2/GeoLite2 layout or the flat
// ip-location-db layout, detected from the metadata), ip-location-db CSV
// range files (ASN, country, city), and CIDR/IP lists that tag ranges as
// VPN (optionally with the operator, e.g. Astrill), datacenter, Tor,
// residential, proxy or corporate egress. ASN lists tag by the address's
// ASN. See docs/formats/ipintel.md for the directory layout.
//
// MMDB reading uses github.com/oschwald/maxminddb-golang/v2. The CIDR list
// lookup is our own: the lists are merged once into disjoint sorted
// intervals carrying a tag bitmask, so one binary search answers every list
// at once (no library offers multi-tag interval merging with that cost).
package ipintel

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/netip"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/redflag-dev/redflag/internal/enrich"
	"github.com/redflag-dev/redflag/internal/model"
)

// Tag bits of the list table. Operator bits start at bitOperator.
const (
	bitVPN = iota
	bitDatacenter
	bitTor
	bitCorporate
	bitResidential
	bitProxy
	bitOperator // first operator bit
)

var tagBits = map[string]int{"vpn": bitVPN, "datacenter": bitDatacenter, "hosting": bitDatacenter, "tor": bitTor, "corporate": bitCorporate, "residential": bitResidential, "proxy": bitProxy}

// Options configure Open.
type Options struct {
	// Corporate egress ranges from configuration (CIDRs or IPs).
	Corporate []string
}

// DB is a loaded set of IP-intelligence sources. It is safe for concurrent
// use and immutable after Open, apart from per-database decode caches.
type DB struct {
	dir       string
	mmdbs     []*mmdbSource
	csvs      []*rangeFile
	tags      *tagTable
	operators []string          // operator name by bit - bitOperator
	asnTags   map[uint32]uint64 // ASN lists
	listInfo  []SourceInfo
}

// SourceInfo describes one loaded source (for `redflag ipdb status`).
type SourceInfo struct {
	Name    string `json:"name"`
	Kind    string `json:"kind"` // mmdb-maxmind|mmdb-flat|csv-asn|csv-country|csv-city|list|asn-list
	Detail  string `json:"detail,omitempty"`
	Entries int    `json:"entries,omitempty"`
}

// Open loads every source under dir: *.mmdb, *.csv and lists/*.txt
// (lists/*.asn.txt are ASN lists). A missing dir gives an empty DB that
// still knows the configured corporate ranges.
func Open(dir string, opt Options) (*DB, error) {
	db := &DB{dir: dir, asnTags: map[uint32]uint64{}}
	var tb tagBuilder
	for _, c := range opt.Corporate {
		p, err := parsePrefix(c)
		if err != nil {
			return nil, fmt.Errorf("ipintel.corporate %q: %w", c, err)
		}
		tb.add(p, bitCorporate)
	}
	if dir != "" {
		if _, err := os.Stat(dir); err == nil {
			if err := db.loadDir(dir, &tb); err != nil {
				db.Close()
				return nil, err
			}
		}
	}
	t, err := tb.build()
	if err != nil {
		return nil, err
	}
	db.tags = t
	return db, nil
}

func (db *DB) loadDir(dir string, tb *tagBuilder) error {
	mm, _ := filepath.Glob(filepath.Join(dir, "*.mmdb"))
	sort.Strings(mm)
	for _, p := range mm {
		s, err := openMMDB(p, filepath.Base(p))
		if err != nil {
			return err
		}
		db.mmdbs = append(db.mmdbs, s)
		db.listInfo = append(db.listInfo, SourceInfo{Name: s.name, Kind: "mmdb-" + s.layout, Detail: s.dbType})
	}
	cs, _ := filepath.Glob(filepath.Join(dir, "*.csv"))
	sort.Strings(cs)
	for _, p := range cs {
		rf, err := loadCSV(p, filepath.Base(p))
		if err != nil {
			return err
		}
		db.csvs = append(db.csvs, rf)
		db.listInfo = append(db.listInfo, SourceInfo{Name: rf.name, Kind: "csv-" + rf.layout, Entries: len(rf.facts)})
	}
	ls, _ := filepath.Glob(filepath.Join(dir, "lists", "*.txt"))
	sort.Strings(ls)
	for _, p := range ls {
		base := strings.TrimSuffix(filepath.Base(p), ".txt")
		isASN := strings.HasSuffix(base, ".asn")
		base = strings.TrimSuffix(base, ".asn")
		mask, err := db.maskFor(base)
		if err != nil {
			return fmt.Errorf("%s: %w", p, err)
		}
		n, err := db.loadList(p, mask, isASN, tb)
		if err != nil {
			return err
		}
		kind := "list"
		if isASN {
			kind = "asn-list"
		}
		db.listInfo = append(db.listInfo, SourceInfo{Name: "lists/" + filepath.Base(p), Kind: kind, Detail: base, Entries: n})
	}
	return nil
}

// maskFor maps a list name (vpn, vpn-astrill, datacenter...) to tag bits.
func (db *DB) maskFor(name string) (uint64, error) {
	tag, op, _ := strings.Cut(strings.ToLower(name), "-")
	bit, ok := tagBits[tag]
	if !ok {
		return 0, fmt.Errorf("unknown list %q: want vpn, vpn-<operator>, datacenter, tor, corporate, residential or proxy", name)
	}
	m := uint64(1) << bit
	if op != "" {
		i := -1
		for j, o := range db.operators {
			if o == op {
				i = j
			}
		}
		if i < 0 {
			if len(db.operators)+bitOperator >= 64 {
				return 0, fmt.Errorf("too many named operators")
			}
			db.operators = append(db.operators, op)
			i = len(db.operators) - 1
		}
		m |= 1 << (bitOperator + i)
	}
	return m, nil
}

func (db *DB) loadList(path string, mask uint64, isASN bool, tb *tagBuilder) (int, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	return readList(f, path, mask, isASN, tb, db.asnTags)
}

func readList(r io.Reader, name string, mask uint64, isASN bool, tb *tagBuilder, asn map[uint32]uint64) (int, error) {
	sc := bufio.NewScanner(r)
	n, line := 0, 0
	for sc.Scan() {
		line++
		s := sc.Text()
		if i := strings.IndexAny(s, "#;"); i >= 0 {
			s = s[:i]
		}
		s = strings.TrimSpace(s)
		if s == "" {
			continue
		}
		if isASN {
			v, err := strconv.ParseUint(strings.TrimPrefix(strings.ToUpper(strings.Fields(s)[0]), "AS"), 10, 32)
			if err != nil {
				return n, fmt.Errorf("%s:%d: not an ASN: %q", name, line, s)
			}
			asn[uint32(v)] |= mask
			n++
			continue
		}
		p, err := parsePrefix(strings.Fields(s)[0])
		if err != nil {
			return n, fmt.Errorf("%s:%d: %w", name, line, err)
		}
		for b := 0; b < 64; b++ {
			if mask&(1<<b) != 0 {
				tb.add(p, b)
			}
		}
		n++
	}
	if err := sc.Err(); err != nil {
		return n, fmt.Errorf("%s: %w", name, err)
	}
	return n, nil
}

func parsePrefix(s string) (netip.Prefix, error) {
	s = strings.TrimSpace(s)
	if strings.Contains(s, "/") {
		p, err := netip.ParsePrefix(s)
		if err != nil {
			return netip.Prefix{}, err
		}
		if p.Addr().Is4In6() {
			p = netip.PrefixFrom(p.Addr().Unmap(), p.Bits()-96)
		}
		return p.Masked(), nil
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Prefix{}, err
	}
	a = a.Unmap()
	return netip.PrefixFrom(a, a.BitLen()), nil
}

// Close releases the MMDB files.
func (db *DB) Close() error {
	for _, m := range db.mmdbs {
		_ = m.r.Close()
	}
	db.mmdbs = nil
	return nil
}

// Sources describes what is loaded.
func (db *DB) Sources() []SourceInfo { return append([]SourceInfo(nil), db.listInfo...) }

// Empty reports whether no database or list is loaded.
func (db *DB) Empty() bool {
	return len(db.mmdbs) == 0 && len(db.csvs) == 0 && db.tags.size() == 0 && len(db.asnTags) == 0
}

// Lookup returns everything known about ip. Unknown or invalid addresses
// give an IPInfo with only IP set.
func (db *DB) Lookup(ip string) model.IPInfo {
	a, err := netip.ParseAddr(strings.TrimSpace(ip))
	if err != nil {
		return model.IPInfo{IP: ip}
	}
	return db.LookupAddr(a)
}

// LookupAddr is Lookup for a parsed address.
func (db *DB) LookupAddr(a netip.Addr) model.IPInfo {
	a = a.Unmap()
	info := model.IPInfo{IP: a.String()}
	merge := func(src string, f fact) {
		if !f.found {
			return
		}
		used := false
		set := func(dst *string, v string) {
			if *dst == "" && v != "" {
				*dst, used = v, true
			}
		}
		set(&info.Country, f.country)
		set(&info.Region, f.region)
		set(&info.City, f.city)
		if !info.HasCoords && f.hasCoords {
			info.Lat, info.Lon, info.HasCoords, used = f.lat, f.lon, true, true
		}
		if info.ASN == 0 && f.asn != 0 {
			info.ASN, used = f.asn, true
			set(&info.ASOrg, f.asOrg)
		}
		if f.vpn || f.proxy || f.tor || f.hosting || f.residential {
			used = true
		}
		info.VPN = info.VPN || f.vpn
		info.Proxy = info.Proxy || f.proxy
		info.Tor = info.Tor || f.tor
		info.Hosting = info.Hosting || f.hosting
		info.Residential = info.Residential || f.residential
		set(&info.VPNOperator, f.operator)
		if used {
			info.Sources = append(info.Sources, src)
		}
	}
	for _, m := range db.mmdbs {
		f, err := m.lookup(a)
		if err == nil {
			merge(m.name, f)
		}
	}
	for _, c := range db.csvs {
		merge(c.name, c.lookup(a))
	}
	mask := db.tags.lookup(a)
	if mask != 0 {
		info.Sources = append(info.Sources, "lists")
	}
	if info.ASN != 0 {
		if m := db.asnTags[info.ASN]; m != 0 {
			mask |= m
			info.Sources = append(info.Sources, "asn-lists")
		}
	}
	db.applyMask(&info, mask)
	return info
}

func (db *DB) applyMask(info *model.IPInfo, mask uint64) {
	if mask == 0 {
		return
	}
	info.VPN = info.VPN || mask&(1<<bitVPN) != 0
	info.Hosting = info.Hosting || mask&(1<<bitDatacenter) != 0
	info.Tor = info.Tor || mask&(1<<bitTor) != 0
	info.Corporate = info.Corporate || mask&(1<<bitCorporate) != 0
	info.Residential = info.Residential || mask&(1<<bitResidential) != 0
	info.Proxy = info.Proxy || mask&(1<<bitProxy) != 0
	for i, op := range db.operators {
		if mask&(1<<(bitOperator+i)) != 0 {
			info.VPNOperator = op
			info.VPN = true
			break
		}
	}
}

// Enricher adapts a DB to enrich.Enricher, with a bounded cache of
// answers by address (sign-in IPs repeat).
type Enricher struct {
	DB *DB
	mu sync.RWMutex
	c  map[netip.Addr]model.IPInfo
}

// NewEnricher returns an enricher over db.
func NewEnricher(db *DB) *Enricher { return &Enricher{DB: db, c: map[netip.Addr]model.IPInfo{}} }

const maxAnswerCache = 1 << 17

// Enrich fills every IP slot of the event, keeping the provider's own
// enrichment (Provider* fields) that the parser put there.
func (e *Enricher) Enrich(_ context.Context, ev *model.Event) {
	for _, slot := range enrich.IPs(ev) {
		a, err := netip.ParseAddr(slot.IP)
		if err != nil {
			continue
		}
		a = a.Unmap()
		e.mu.RLock()
		got, ok := e.c[a]
		e.mu.RUnlock()
		if !ok {
			got = e.DB.LookupAddr(a)
			e.mu.Lock()
			if len(e.c) >= maxAnswerCache {
				e.c = map[netip.Addr]model.IPInfo{}
			}
			e.c[a] = got
			e.mu.Unlock()
		}
		old := *slot.Info
		info := got
		if old != nil {
			info.ProviderCountry, info.ProviderASN, info.ProviderASOrg, info.ProviderProxy = old.ProviderCountry, old.ProviderASN, old.ProviderASOrg, old.ProviderProxy
			info.ProviderRegion, info.ProviderCity = old.ProviderRegion, old.ProviderCity
			info.ProviderLat, info.ProviderLon, info.ProviderHasCoords = old.ProviderLat, old.ProviderLon, old.ProviderHasCoords
		}
		*slot.Info = &info
	}
}

var _ enrich.Enricher = (*Enricher)(nil)
