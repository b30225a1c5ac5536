// Package payroll follows the money: several workers paid into one account
// or to one account holder, holder names that differ from the worker's,
// frequent account changes or a change soon after hire, pay through
// payment platforms or crypto for a salaried employee, a beneficiary bank
// country that differs from the residence, crypto payouts to sanctioned
// addresses, and payees or staffing vendors that match sanctioned entities
// or front companies.
package payroll

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/redflag-dev/redflag/internal/detect"
	"github.com/redflag-dev/redflag/internal/detect/applicant"
	"github.com/redflag-dev/redflag/internal/er"
	idn "github.com/redflag-dev/redflag/internal/identity"
	"github.com/redflag-dev/redflag/internal/model"
)

// Name is the detector name.
const Name = "payroll"

func def(code, title string, st model.Strength, cat ...string) model.ReasonDef {
	return model.ReasonDef{Code: code, Title: title, Family: model.FamPayroll, Strength: st, Catalogue: cat}
}

// Reason definitions.
var (
	SharedAccount   = def("PAY_SHARED_ACCOUNT", "Pay goes to a bank account or wallet that also receives other workers' pay", model.Strong, "F01")
	SharedHolder    = def("PAY_SHARED_HOLDER", "One account holder receives pay for several workers", model.Strong, "F01")
	HolderMismatch  = def("PAY_HOLDER_MISMATCH", "Account holder's name differs from the worker's", model.Strong, "F01")
	FrequentChanges = def("PAY_FREQUENT_ACCOUNT_CHANGES", "Bank account changed several times in a short period", model.Moderate, "F02")
	ChangeAfterHire = def("PAY_CHANGE_SOON_AFTER_HIRE", "Bank account changed soon after hire", model.Moderate, "F02")
	PlatformRail    = def("PAY_PLATFORM_RAIL", "Paid through Payoneer, Wise or PayPal", model.Moderate, "F04")
	CryptoRail      = def("PAY_CRYPTO", "Paid in cryptocurrency", model.Moderate, "F03")
	CryptoOFAC      = def("PAY_CRYPTO_SANCTIONED", "Crypto payout to a sanctioned (OFAC-listed) address", model.Strong, "F03", "F07")
	BankCountry     = def("PAY_BANK_COUNTRY_MISMATCH", "Beneficiary bank country differs from the country of residence", model.Moderate, "F04")
	SanctionedPayee = def("PAY_SANCTIONED_PAYEE", "Payee or staffing vendor matches a sanctioned entity or front company", model.Strong, "F07", "A21")
)

// Config tunes the detector (detectors.payroll).
type Config struct {
	// MaxChanges: more account changes than this within ChangeWindowDays is frequent. Default 2.
	MaxChanges       int `koanf:"max_changes"`
	ChangeWindowDays int `koanf:"change_window_days"` // default 90
	// SoonAfterHireDays: a change this soon after hire is flagged. Default 30.
	SoonAfterHireDays int `koanf:"soon_after_hire_days"`
	// SharedMax: an account shared by more workers than this is a pooled
	// (generic) account, e.g. a payroll provider's clearing account. Default 25.
	SharedMax int `koanf:"shared_max"`
	// HolderMinSimilarity: Jaro–Winkler similarity of holder and worker
	// names below which they differ. Default 0.85.
	HolderMinSimilarity float64 `koanf:"holder_min_similarity"`
	// ContractorSeverity scales platform and crypto rails for contractors,
	// for whom they are common. Default 0.4.
	ContractorSeverity float64 `koanf:"contractor_severity"`
}

// DefaultConfig returns the defaults.
func DefaultConfig() Config {
	return Config{MaxChanges: 2, ChangeWindowDays: 90, SoonAfterHireDays: 30, SharedMax: 25, HolderMinSimilarity: 0.85, ContractorSeverity: 0.4}
}

func init() {
	detect.Register(Name, func(deps detect.Deps) (detect.Detector, error) {
		cfg := DefaultConfig()
		if deps.Config != nil {
			if err := deps.Config.Unmarshal("detectors."+Name, &cfg); err != nil {
				return nil, fmt.Errorf("detectors.%s: %w", Name, err)
			}
		}
		return New(cfg, applicant.LookupsFrom(deps.Services)), nil
	})
}

type payRec struct {
	event string
	at    time.Time
	p     model.Payroll
}

// Detector is the payroll detector.
type Detector struct {
	cfg   Config
	lists applicant.Lookups
	recs  map[string][]payRec // subject -> records in time order
}

// New returns a detector.
func New(cfg Config, lists applicant.Lookups) *Detector {
	return &Detector{cfg: cfg, lists: lists, recs: map[string][]payRec{}}
}

// Name implements detect.Detector.
func (d *Detector) Name() string { return Name }

// Reasons implements detect.Detector.
func (d *Detector) Reasons() []model.ReasonDef {
	return []model.ReasonDef{SharedAccount, SharedHolder, HolderMismatch, FrequentChanges, ChangeAfterHire, PlatformRail, CryptoRail,
		CryptoOFAC, BankCountry, SanctionedPayee}
}

// Observe implements detect.EventDetector.
func (d *Detector) Observe(_ context.Context, _ *detect.Env, ev *model.Event, _ detect.Emit) {
	if ev.Payroll == nil || ev.SubjectID == "" {
		return
	}
	d.recs[ev.SubjectID] = append(d.recs[ev.SubjectID], payRec{event: ev.ID, at: ev.Time, p: *ev.Payroll})
}

func accountKey(p *model.Payroll) string {
	switch {
	case p.AccountFP != "":
		return string(model.IDBank) + ":" + p.AccountFP
	case p.CryptoAddress != "":
		return string(model.IDCrypto) + ":" + strings.TrimSpace(p.CryptoAddress)
	}
	return ""
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// namesMatch compares a holder name with the worker's: equal after
// normalisation, the same words in another order, initials, or close by
// Jaro–Winkler.
func namesMatch(holder, worker string, min float64) bool {
	h, w := idn.HolderName(holder), idn.HolderName(worker)
	if h == "" || w == "" || h == w {
		return true
	}
	hw, ww := strings.Fields(h), strings.Fields(w)
	// surname must agree (last word, or any word for reordered names)
	if er.JaroWinkler(hw[len(hw)-1], ww[len(ww)-1]) >= 0.9 || containsClose(hw, ww[len(ww)-1]) {
		// given name or its initial
		if hw[0] == ww[0] || (len(hw[0]) == 1 && hw[0][0] == ww[0][0]) || er.JaroWinkler(hw[0], ww[0]) >= min || containsClose(hw, ww[0]) {
			return true
		}
	}
	return er.JaroWinkler(h, w) >= 0.95
}

func containsClose(words []string, w string) bool {
	for _, x := range words {
		if er.JaroWinkler(x, w) >= 0.92 {
			return true
		}
	}
	return false
}

// Finish implements detect.Finisher.
func (d *Detector) Finish(_ context.Context, env *detect.Env, emit detect.Emit) error {
	byAccount := map[string]map[string]string{} // account -> subject -> first event
	byHolder := map[string]map[string]string{}
	for _, s := range sortedKeys(d.recs) {
		recs := d.recs[s]
		sort.SliceStable(recs, func(i, j int) bool { return recs[i].at.Before(recs[j].at) })
		for _, r := range recs {
			if k := accountKey(&r.p); k != "" {
				if byAccount[k] == nil {
					byAccount[k] = map[string]string{}
				}
				if _, ok := byAccount[k][s]; !ok {
					byAccount[k][s] = r.event
				}
			}
			if h := idn.HolderName(r.p.AccountHolder); h != "" {
				if byHolder[h] == nil {
					byHolder[h] = map[string]string{}
				}
				if _, ok := byHolder[h][s]; !ok {
					byHolder[h][s] = r.event
				}
			}
		}
		d.perSubject(env, s, recs, emit)
	}
	if d.lists.Entity != nil {
		env.Subjects(func(s *model.Subject) { d.vendor(env, s, emit) })
	}
	d.shared(env, byAccount, SharedAccount, "account", emit)
	// A holder shared by workers counts only when it is not the name of each of them.
	for _, h := range sortedKeys(byHolder) {
		subs := byHolder[h]
		for s := range subs {
			if sub := env.Subject(s); sub != nil && namesMatch(h, sub.FullName, d.cfg.HolderMinSimilarity) {
				delete(subs, s)
			}
		}
	}
	d.shared(env, byHolder, SharedHolder, "holder", emit)
	return nil
}

func (d *Detector) shared(env *detect.Env, groups map[string]map[string]string, def model.ReasonDef, what string, emit detect.Emit) {
	for _, k := range sortedKeys(groups) {
		subs := groups[k]
		if len(subs) < 2 || len(subs) > d.cfg.SharedMax {
			continue
		}
		ids := sortedKeys(subs)
		for _, s := range ids {
			f := model.NewFinding(Name, def, s, what+":"+k, env.Now)
			note := "payout " + what + " shared by " + strconv.Itoa(len(ids)) + " workers"
			evID := k
			if what == "holder" {
				evID = string(model.IDBankHolder) + ":" + k
			}
			f.Evidence = append(f.Evidence, model.EvidenceRef{Kind: model.EvIdentifier, ID: evID, Note: note})
			for _, o := range ids {
				f.Evidence = append(f.Evidence, model.EvidenceRef{Kind: model.EvEvent, ID: subs[o], Note: "payroll record of " + o})
			}
			f.Details = map[string]string{"workers": strings.Join(ids, ","), "count": strconv.Itoa(len(ids))}
			emit(f)
		}
	}
}

func (d *Detector) perSubject(env *detect.Env, sid string, recs []payRec, emit detect.Emit) {
	s := env.Subject(sid)
	put := func(def model.ReasonDef, key string, r payRec, sev float64, details map[string]string, extra ...model.EvidenceRef) {
		f := model.NewFinding(Name, def, sid, key, r.at)
		f.Evidence = append([]model.EvidenceRef{{Kind: model.EvEvent, ID: r.event, Note: r.p.Event + " via " + railName(r.p.Rail)}}, extra...)
		if sev > 0 {
			f.Severity = sev
		}
		f.Details = details
		emit(f)
	}
	isEmployee := s != nil && s.Kind == model.KindEmployee
	railSev := 1.0
	if !isEmployee {
		railSev = d.cfg.ContractorSeverity
	}
	var changes []payRec
	doneRail, doneHolder, doneCountry := map[string]bool{}, map[string]bool{}, map[string]bool{}
	for _, r := range recs {
		p := r.p
		if p.Event == "account_changed" {
			changes = append(changes, r)
		}
		switch p.Rail {
		case "payoneer", "wise", "paypal":
			if !doneRail[p.Rail] {
				doneRail[p.Rail] = true
				put(PlatformRail, p.Rail, r, railSev, map[string]string{"rail": p.Rail, "kind": kindOf(s)})
			}
		case "crypto":
			if !doneRail["crypto"] {
				doneRail["crypto"] = true
				put(CryptoRail, "crypto", r, railSev, map[string]string{"asset": p.CryptoAsset, "kind": kindOf(s)})
			}
		}
		if p.CryptoAddress != "" && d.lists.Crypto != nil && !doneRail["ofac:"+p.CryptoAddress] {
			doneRail["ofac:"+p.CryptoAddress] = true
			if h, ok := d.lists.Crypto.LookupCryptoAddress(strings.TrimSpace(p.CryptoAddress)); ok {
				put(CryptoOFAC, p.CryptoAddress, r, 0, map[string]string{"address": p.CryptoAddress, "list": h.List, "entry": h.Entry},
					model.EvidenceRef{Kind: model.EvListEntry, ID: h.List + ":" + h.Entry, Note: h.Note})
			}
		}
		if s != nil && p.AccountHolder != "" && !doneHolder[idn.HolderName(p.AccountHolder)] {
			doneHolder[idn.HolderName(p.AccountHolder)] = true
			if !namesMatch(p.AccountHolder, s.FullName, d.cfg.HolderMinSimilarity) {
				put(HolderMismatch, idn.HolderName(p.AccountHolder), r, 0, map[string]string{"holder": p.AccountHolder, "worker": s.FullName})
			}
			if d.lists.Entity != nil {
				if h, ok := d.lists.Entity.LookupEntity(p.AccountHolder); ok {
					put(SanctionedPayee, "holder:"+h.Entry, r, 0, map[string]string{"payee": p.AccountHolder, "list": h.List, "entry": h.Entry},
						model.EvidenceRef{Kind: model.EvListEntry, ID: h.List + ":" + h.Entry, Note: h.Note})
				}
			}
		}
		if s != nil && p.BankCountry != "" && s.Address.Country != "" && !strings.EqualFold(p.BankCountry, s.Address.Country) && !doneCountry[p.BankCountry] {
			doneCountry[p.BankCountry] = true
			put(BankCountry, p.BankCountry, r, 0, map[string]string{"bank_country": p.BankCountry, "residence": s.Address.Country})
		}
	}
	// frequent changes: more than MaxChanges in any window
	win := time.Duration(d.cfg.ChangeWindowDays) * 24 * time.Hour
	for i := range changes {
		j := i
		for j+1 < len(changes) && changes[j+1].at.Sub(changes[i].at) <= win {
			j++
		}
		if n := j - i + 1; n > d.cfg.MaxChanges {
			var ev []model.EvidenceRef
			for _, c := range changes[i+1 : j+1] {
				ev = append(ev, model.EvidenceRef{Kind: model.EvEvent, ID: c.event, Note: "account change"})
			}
			put(FrequentChanges, "window", changes[i], 0, map[string]string{"changes": strconv.Itoa(n), "window_days": strconv.Itoa(d.cfg.ChangeWindowDays)}, ev...)
			break
		}
	}
	if s != nil && s.HireDate != nil {
		for _, c := range changes {
			days := c.at.Sub(*s.HireDate).Hours() / 24
			if days >= 0 && days <= float64(d.cfg.SoonAfterHireDays) {
				put(ChangeAfterHire, "after_hire", c, 0, map[string]string{"days_after_hire": strconv.Itoa(int(days)), "hire_date": s.HireDate.Format("2006-01-02")})
				break
			}
		}
	}
}

func (d *Detector) vendor(env *detect.Env, s *model.Subject, emit detect.Emit) {
	if s.StaffingVendor == "" {
		return
	}
	if h, ok := d.lists.Entity.LookupEntity(s.StaffingVendor); ok {
		f := model.NewFinding(Name, SanctionedPayee, s.ID, "vendor:"+h.Entry, env.Now)
		f.Evidence = []model.EvidenceRef{{Kind: model.EvSubject, ID: s.ID, Note: "staffing vendor " + strconv.Quote(s.StaffingVendor)},
			{Kind: model.EvListEntry, ID: h.List + ":" + h.Entry, Note: h.Note}}
		f.Details = map[string]string{"vendor": s.StaffingVendor, "list": h.List, "entry": h.Entry}
		emit(f)
	}
}

func kindOf(s *model.Subject) string {
	if s == nil {
		return ""
	}
	return string(s.Kind)
}

func railName(r string) string {
	if r == "" {
		return "unspecified rail"
	}
	return r
}
