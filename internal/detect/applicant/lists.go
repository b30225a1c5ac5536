package applicant

import (
	"strings"

	"github.com/redflag-dev/redflag/internal/detect"
	"github.com/redflag-dev/redflag/internal/indicators"
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

// Lookups bundles the list look-ups; nil members are unavailable.
type Lookups struct {
	Domain DomainLookup
	Crypto CryptoLookup
	Entity EntityLookup
}

// LookupsFrom builds the look-ups from the shared services: the indicator
// pack (detect.SvcIndicators, *indicators.Pack) gives seized and
// front-company domains, DPRK-linked crypto addresses and front companies;
// any service implementing the small interfaces above is used as is.
//
// Sanctions matching is the sanctions detector's job (internal/detect/
// sanctions, SANCTIONS_* reasons); the verdict of screen-applicants counts
// its findings. So that one fact is not counted twice, when the sanctions
// service is configured the pack's OFAC-designated crypto addresses and
// entities are left to it, and only the pack's other entries (seized
// domains, non-designated front companies) are looked up here.
func LookupsFrom(services map[string]any) Lookups {
	var l Lookups
	_, sanctioned := services[detect.SvcSanctions]
	if p, ok := services[detect.SvcIndicators].(*indicators.Pack); ok && p != nil {
		l.Domain = packDomains{p}
		if !sanctioned {
			l.Crypto = packCrypto{p}
		}
		l.Entity = packEntities{p, sanctioned}
	}
	for _, s := range services {
		if v, ok := s.(DomainLookup); ok && l.Domain == nil {
			l.Domain = v
		}
		if v, ok := s.(CryptoLookup); ok && l.Crypto == nil {
			l.Crypto = v
		}
		if v, ok := s.(EntityLookup); ok && l.Entity == nil {
			l.Entity = v
		}
	}
	return l
}

func hitOf(e *indicators.Entry, list string) Hit {
	note := e.Note
	if e.Extra != "" {
		note = e.Extra + "; " + note
	}
	return Hit{List: list, Entry: e.Value, Score: 1, Note: strings.TrimSuffix(strings.TrimSpace(note), ";")}
}

type packDomains struct{ p *indicators.Pack }

func (x packDomains) LookupDomain(d string) (Hit, bool) {
	e, ok := x.p.LookupDomain(d)
	if !ok {
		return Hit{}, false
	}
	return hitOf(e, "indicators/"+indicators.CatDomain), true
}

type packCrypto struct{ p *indicators.Pack }

func (x packCrypto) LookupCryptoAddress(a string) (Hit, bool) {
	e, ok := x.p.LookupCryptoAddress(a)
	if !ok {
		return Hit{}, false
	}
	h := hitOf(e, "indicators/"+indicators.CatCrypto)
	if e.Name != "" {
		h.Note = e.Name + "; " + h.Note
	}
	return h, true
}

type packEntities struct {
	p        *indicators.Pack
	skipOFAC bool
}

func (x packEntities) LookupEntity(name string) (Hit, bool) {
	e, ok := x.p.LookupFrontCompany(name)
	if !ok {
		return Hit{}, false
	}
	if x.skipOFAC && strings.Contains(strings.ToUpper(e.Extra), "OFAC") {
		return Hit{}, false // the sanctions detector screens designated entities
	}
	h := hitOf(e, "indicators/"+indicators.CatFrontCompany)
	h.Entry = e.Name
	return h, true
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
