// Package records holds the first cross-subject detectors over HR, payroll
// and shipping records that the demo needs: several workers paid into one
// account, and laptops for several workers shipped to an address that is not
// their home. The identity-graph work (internal/graph and the detectors over
// it) supersedes them with richer versions.
package records

import (
	"context"
	"sort"
	"strings"

	"github.com/redflag-dev/redflag/internal/detect"
	"github.com/redflag-dev/redflag/internal/model"
)

// Reason definitions.
var (
	SharedAccount = model.ReasonDef{Code: "PAY_SHARED_ACCOUNT", Title: "Pay goes to a bank account or wallet that also receives another worker's pay",
		Family: model.FamPayroll, Strength: model.Strong, Catalogue: []string{"F01"}}
	FarmAddress = model.ReasonDef{Code: "SHIP_FARM_ADDRESS", Title: "Equipment shipped to an address that receives other workers' equipment and is not the worker's home",
		Family: model.FamShipping, Strength: model.Strong, Catalogue: []string{"O02", "O01"}}
)

func init() {
	detect.Register("records.shared_account", func(detect.Deps) (detect.Detector, error) { return newSharedAccount(), nil })
	detect.Register("records.farm_address", func(detect.Deps) (detect.Detector, error) { return newFarmAddress(), nil })
}

// group collects, per key, the subjects seen and one event of each.
type group map[string]map[string]string // key -> subject -> first event id

func (g group) add(key, subject, eventID string) {
	m := g[key]
	if m == nil {
		m = map[string]string{}
		g[key] = m
	}
	if _, ok := m[subject]; !ok {
		m[subject] = eventID
	}
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

type sharedAccount struct{ g group }

func newSharedAccount() *sharedAccount { return &sharedAccount{g: group{}} }

func (d *sharedAccount) Name() string               { return "records.shared_account" }
func (d *sharedAccount) Reasons() []model.ReasonDef { return []model.ReasonDef{SharedAccount} }

func (d *sharedAccount) Observe(_ context.Context, _ *detect.Env, ev *model.Event, _ detect.Emit) {
	p := ev.Payroll
	if p == nil || ev.SubjectID == "" {
		return
	}
	if p.AccountFP != "" {
		d.g.add(string(model.IDBank)+":"+p.AccountFP, ev.SubjectID, ev.ID)
	}
	if p.CryptoAddress != "" {
		d.g.add(string(model.IDCrypto)+":"+p.CryptoAddress, ev.SubjectID, ev.ID)
	}
}

func (d *sharedAccount) Finish(_ context.Context, env *detect.Env, emit detect.Emit) error {
	for _, key := range sortedKeys(d.g) {
		subs := d.g[key]
		if len(subs) < 2 {
			continue
		}
		ids := sortedKeys(subs)
		for _, s := range ids {
			f := model.NewFinding(d.Name(), SharedAccount, s, key, env.Now)
			f.Evidence = append(f.Evidence, model.EvidenceRef{Kind: model.EvIdentifier, ID: key, Note: "shared payout account"})
			for _, o := range ids {
				f.Evidence = append(f.Evidence, model.EvidenceRef{Kind: model.EvEvent, ID: subs[o], Note: "payroll record of " + o})
				if o != s {
					f.Evidence = append(f.Evidence, model.EvidenceRef{Kind: model.EvSubject, ID: o, Note: "also paid into this account"})
				}
			}
			f.Details = map[string]string{"subjects": strings.Join(ids, ","), "count": itoa(len(ids))}
			emit(f)
		}
	}
	return nil
}

type farmAddress struct{ g group }

func newFarmAddress() *farmAddress { return &farmAddress{g: group{}} }

func (d *farmAddress) Name() string               { return "records.farm_address" }
func (d *farmAddress) Reasons() []model.ReasonDef { return []model.ReasonDef{FarmAddress} }

func (d *farmAddress) Observe(_ context.Context, _ *detect.Env, ev *model.Event, _ detect.Emit) {
	if ev.Shipment == nil || ev.SubjectID == "" {
		return
	}
	d.g.add(ev.Shipment.Address.Key(), ev.SubjectID, ev.ID)
}

func (d *farmAddress) Finish(_ context.Context, env *detect.Env, emit detect.Emit) error {
	for _, key := range sortedKeys(d.g) {
		subs := d.g[key]
		// Only workers for whom this is not their own home count: a family
		// sharing a home is not a laptop farm.
		var away []string
		for _, s := range sortedKeys(subs) {
			if sub := env.Subject(s); sub == nil || sub.Address.Key() != key {
				away = append(away, s)
			}
		}
		if len(away) < 2 {
			continue
		}
		for _, s := range away {
			f := model.NewFinding(d.Name(), FarmAddress, s, key, env.Now)
			f.Evidence = append(f.Evidence, model.EvidenceRef{Kind: model.EvIdentifier, ID: string(model.IDShipAddr) + ":" + key, Note: "shipping address"})
			for _, o := range away {
				f.Evidence = append(f.Evidence, model.EvidenceRef{Kind: model.EvEvent, ID: subs[o], Note: "shipment for " + o})
			}
			f.Details = map[string]string{"workers_at_address": itoa(len(away))}
			emit(f)
		}
	}
	return nil
}

func itoa(n int) string {
	if n < 10 {
		return string(rune('0' + n))
	}
	return itoa(n/10) + string(rune('0'+n%10))
}
