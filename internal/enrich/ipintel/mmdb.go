package ipintel

import (
	"fmt"
	"net/netip"
	"strings"
	"sync"

	"github.com/oschwald/maxminddb-golang/v2"
)

// mmdbRecord decodes both record layouts: MaxMind GeoIP2/GeoLite2 (nested
// country/city/location, anonymous-IP flags, ASN, ISP) and the flat
// ip-location-db layout (country_code, city, state1, latitude...).
type mmdbRecord struct {
	// MaxMind layout
	Country struct {
		ISOCode string `maxminddb:"iso_code"`
	} `maxminddb:"country"`
	City struct {
		Names struct {
			En string `maxminddb:"en"`
		} `maxminddb:"names"`
	} `maxminddb:"city"`
	Subdivisions []struct {
		ISOCode string `maxminddb:"iso_code"`
	} `maxminddb:"subdivisions"`
	Location struct {
		Latitude  *float64 `maxminddb:"latitude"`
		Longitude *float64 `maxminddb:"longitude"`
	} `maxminddb:"location"`
	ASN            uint32 `maxminddb:"autonomous_system_number"`
	ASOrg          string `maxminddb:"autonomous_system_organization"`
	ISP            string `maxminddb:"isp"`
	IsAnonymousVPN bool   `maxminddb:"is_anonymous_vpn"`
	IsHosting      bool   `maxminddb:"is_hosting_provider"`
	IsPublicProxy  bool   `maxminddb:"is_public_proxy"`
	IsResProxy     bool   `maxminddb:"is_residential_proxy"`
	IsTor          bool   `maxminddb:"is_tor_exit_node"`
	ProviderName   string `maxminddb:"provider_name"`
	ConnectionType string `maxminddb:"connection_type"`
}

// flatRecord is the ip-location-db layout.
type flatRecord struct {
	CountryCode string   `maxminddb:"country_code"`
	City        string   `maxminddb:"city"`
	State1      string   `maxminddb:"state1"`
	Lat         *float64 `maxminddb:"latitude"`
	Lon         *float64 `maxminddb:"longitude"`
	ASN         uint32   `maxminddb:"autonomous_system_number"`
	ASOrg       string   `maxminddb:"autonomous_system_organization"`
	ASNShort    uint32   `maxminddb:"asn"`
	ASOrgShort  string   `maxminddb:"as_organization"`
}

func (r *flatRecord) fact() fact {
	f := fact{country: strings.ToUpper(r.CountryCode), city: r.City, region: r.State1, asn: r.ASN, asOrg: firstNonEmpty(r.ASOrg, r.ASOrgShort)}
	if f.asn == 0 {
		f.asn = r.ASNShort
	}
	if r.Lat != nil && r.Lon != nil {
		f.lat, f.lon, f.hasCoords = *r.Lat, *r.Lon, true
	}
	f.found = f.country != "" || f.city != "" || f.asn != 0 || f.hasCoords
	return f
}

// fact is what one database said about an address, normalised.
type fact struct {
	country, region, city string
	lat, lon              float64
	hasCoords             bool
	asn                   uint32
	asOrg                 string
	vpn, proxy, tor       bool
	hosting, residential  bool
	operator              string
	found                 bool
}

type mmdbSource struct {
	name   string
	layout string // "maxmind" or "flat"
	dbType string
	r      *maxminddb.Reader

	mu    sync.RWMutex
	cache map[uintptr]fact // decoded records by data offset
}

const maxCache = 1 << 18

func openMMDB(path, name string) (*mmdbSource, error) {
	r, err := maxminddb.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	t := r.Metadata.DatabaseType
	layout := "flat"
	if strings.HasPrefix(t, "GeoIP") || strings.HasPrefix(t, "GeoLite") {
		layout = "maxmind"
	}
	return &mmdbSource{name: name, layout: layout, dbType: t, r: r, cache: map[uintptr]fact{}}, nil
}

func (m *mmdbSource) lookup(a netip.Addr) (fact, error) {
	if m.r.Metadata.IPVersion == 4 && !a.Is4() {
		return fact{}, nil
	}
	res := m.r.Lookup(a)
	if err := res.Err(); err != nil {
		return fact{}, err
	}
	if !res.Found() {
		return fact{}, nil
	}
	off := res.Offset()
	m.mu.RLock()
	f, ok := m.cache[off]
	m.mu.RUnlock()
	if ok {
		return f, nil
	}
	if m.layout == "maxmind" {
		var rec mmdbRecord
		if err := res.Decode(&rec); err != nil {
			return fact{}, fmt.Errorf("%s: decode: %w", m.name, err)
		}
		f = rec.fact()
	} else {
		var rec flatRecord
		if err := res.Decode(&rec); err != nil {
			return fact{}, fmt.Errorf("%s: decode: %w", m.name, err)
		}
		f = rec.fact()
	}
	m.mu.Lock()
	if len(m.cache) >= maxCache {
		m.cache = map[uintptr]fact{}
	}
	m.cache[off] = f
	m.mu.Unlock()
	return f, nil
}

func (r *mmdbRecord) fact() fact {
	f := fact{
		country: strings.ToUpper(r.Country.ISOCode),
		city:    r.City.Names.En,
		asn:     r.ASN,
		asOrg:   firstNonEmpty(r.ASOrg, r.ISP),
		vpn:     r.IsAnonymousVPN,
		proxy:   r.IsPublicProxy || r.IsResProxy,
		tor:     r.IsTor,
		hosting: r.IsHosting,
	}
	if len(r.Subdivisions) > 0 {
		f.region = r.Subdivisions[0].ISOCode
	}
	if r.Location.Latitude != nil && r.Location.Longitude != nil {
		f.lat, f.lon, f.hasCoords = *r.Location.Latitude, *r.Location.Longitude, true
	}
	if r.ProviderName != "" {
		f.operator = strings.ToLower(r.ProviderName)
		f.vpn = true
	}
	switch strings.ToLower(r.ConnectionType) {
	case "cable/dsl":
		f.residential = true
	}
	f.found = f.country != "" || f.city != "" || f.asn != 0 || f.vpn || f.proxy || f.tor || f.hosting || f.residential || f.hasCoords
	return f
}

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}
