// Package enrich defines the enrichment step between parsing and storage:
// an Enricher adds facts to an event (IP intelligence, phone line type) and
// never removes what the source said.
package enrich

import (
	"context"

	"github.com/redflag-dev/redflag/internal/model"
)

// Enricher adds facts to an event in place.
type Enricher interface {
	Enrich(ctx context.Context, ev *model.Event)
}

// Chain runs enrichers in order.
type Chain []Enricher

// Enrich implements Enricher.
func (c Chain) Enrich(ctx context.Context, ev *model.Event) {
	for _, e := range c {
		e.Enrich(ctx, ev)
	}
}

// IPs returns pointers to the IP fields of the event that IP intelligence
// should fill, with the IPInfo slot to fill for each.
func IPs(ev *model.Event) []IPSlot {
	var out []IPSlot
	if s := ev.SignIn; s != nil && s.IP != "" {
		out = append(out, IPSlot{IP: s.IP, Info: &s.IPInfo})
	}
	if iv := ev.Interview; iv != nil && iv.IP != "" {
		out = append(out, IPSlot{IP: iv.IP, Info: &iv.IPInfo})
	}
	if ep := ev.Endpoint; ep != nil && ep.PublicIP != "" {
		out = append(out, IPSlot{IP: ep.PublicIP, Info: &ep.IPInfo})
	}
	return out
}

// IPSlot is one IP address of an event and where its IPInfo goes.
type IPSlot struct {
	IP   string
	Info **model.IPInfo
}
