package app

import (
	"testing"

	"github.com/redflag-dev/redflag/internal/detect"
	"github.com/redflag-dev/redflag/internal/detect/applicant"
	"github.com/redflag-dev/redflag/internal/indicators"
)

// The indicator service must serve both the endpoint detector (the whole
// pack) and the applicant/payroll look-up views.
func TestIndicatorServiceViews(t *testing.T) {
	p, err := indicators.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	svcs := map[string]any{detect.SvcIndicators: indicatorService{p}}
	l := applicant.LookupsFrom(svcs, detect.SvcIndicators)
	if l.Domain == nil || l.Crypto == nil || l.Entity == nil {
		t.Fatalf("look-up views missing: %+v", l)
	}
	if h, ok := l.Domain.LookupDomain("jobs.hopanatech.com"); !ok || h.List != "indicators/domain" || h.Entry != "hopanatech.com" {
		t.Fatalf("domain: %+v %v", h, ok)
	}
	if _, ok := l.Domain.LookupDomain("example.org"); ok {
		t.Fatal("example.org matched")
	}
	if h, ok := l.Crypto.LookupCryptoAddress("0x098B716B8Aaf21512996dC57EB0615e2383E2f96"); !ok || h.Score != 1 {
		t.Fatalf("crypto: %+v %v", h, ok)
	}
	if _, ok := l.Entity.LookupEntity("Tony WKJ LLC"); !ok {
		t.Fatal("front company not found")
	}
	prov, ok := svcs[detect.SvcIndicators].(indicators.Provider)
	if !ok || prov.IndicatorPack() != p {
		t.Fatal("the service must hand the pack to the endpoint detector")
	}
}
