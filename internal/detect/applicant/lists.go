package applicant

import (
	"strings"
)

// Hit is a match against a list (indicator pack or sanctions list).
type Hit struct {
	List  string  // e.g. "seized_domains", "ofac_sdn", "front_companies"
	Entry string  // the list entry matched
	Score float64 // 0..1 match strength; 1 for exact
	Note  string
}

// The list services these detectors consume are built by other subsystems
// (detect.SvcIndicators, detect.SvcSanctions). We only need these small
// views of them; a service provides any of them by implementing the
// interface, and Lookups adapts what it finds.

// DomainLookup finds seized or front-company domains.
type DomainLookup interface {
	LookupDomain(domain string) (Hit, bool)
}

// CryptoLookup finds sanctioned crypto addresses.
type CryptoLookup interface {
	LookupCryptoAddress(address string) (Hit, bool)
}

// EntityLookup finds front companies and sanctioned entities by name.
type EntityLookup interface {
	LookupEntity(name string) (Hit, bool)
}

// PersonLookup screens a person (name, birth date YYYY-MM-DD, country).
type PersonLookup interface {
	LookupPerson(name, dob, country string) (Hit, bool)
}

// Lookups bundles the list look-ups; nil members are unavailable.
type Lookups struct {
	Domain DomainLookup
	Crypto CryptoLookup
	Entity EntityLookup
	Person PersonLookup
}

// LookupsFrom finds the look-ups among the services (indicators first for
// domains, crypto and entities; sanctions for persons, and as a fallback).
func LookupsFrom(services map[string]any, names ...string) Lookups {
	var l Lookups
	for _, n := range names {
		s := services[n]
		if s == nil {
			continue
		}
		if v, ok := s.(DomainLookup); ok && l.Domain == nil {
			l.Domain = v
		}
		if v, ok := s.(CryptoLookup); ok && l.Crypto == nil {
			l.Crypto = v
		}
		if v, ok := s.(EntityLookup); ok && l.Entity == nil {
			l.Entity = v
		}
		if v, ok := s.(PersonLookup); ok && l.Person == nil {
			l.Person = v
		}
	}
	return l
}

// URLs finds http(s) URLs and bare domains of portfolio sites in free text.
func URLs(text string) []string {
	var out []string
	for _, f := range strings.Fields(text) {
		f = strings.Trim(f, "()[]<>,;\"'")
		lf := strings.ToLower(f)
		if strings.HasPrefix(lf, "http://") || strings.HasPrefix(lf, "https://") || strings.HasPrefix(lf, "www.") {
			out = append(out, f)
		}
	}
	return out
}
