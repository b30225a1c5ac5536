// Package identity holds the detectors over the identity graph
// (internal/graph): identifiers reused across differently named people
// (phone, e-mail, resume, photo, device, MFA device), laptop farms (equipment
// of several unrelated workers shipped to one address that is none of their
// homes, or one residential IP serving several households), re-application
// under a new identity, referral chains starting at a flagged subject, and
// expansion from a confirmed case.
//
// One detector ("identity") builds the graph once per run from the subjects
// and the events it observes, then emits every finding in Finish.
package identity

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/redflag-dev/redflag/internal/detect"
	"github.com/redflag-dev/redflag/internal/er"
	"github.com/redflag-dev/redflag/internal/graph"
	idn "github.com/redflag-dev/redflag/internal/identity"
	"github.com/redflag-dev/redflag/internal/model"
	"github.com/redflag-dev/redflag/internal/store"
)

// Name is the detector name.
const Name = "identity"

func def(code, title string, fam model.Family, st model.Strength, cat ...string) model.ReasonDef {
	return model.ReasonDef{Code: code, Title: title, Family: fam, Strength: st, Catalogue: cat}
}

// Reason definitions.
var (
	SharedPhone  = def("ID_SHARED_PHONE", "Phone number also used by a differently named applicant or worker", model.FamIdentity, model.Strong, "A05")
	SharedEmail  = def("ID_SHARED_EMAIL", "E-mail mailbox (after removing dots and plus-tags) also used under another name", model.FamIdentity, model.Strong, "A05", "A12")
	SharedResume = def("ID_SHARED_RESUME", "Resume text identical or near-identical to another person's", model.FamIdentity, model.Strong, "A05", "A23")
	SharedPhoto  = def("ID_SHARED_PHOTO", "Photo perceptually identical to another person's photo", model.FamIdentity, model.Strong, "A04", "A14")
	SharedDevice = def("ID_SHARED_DEVICE", "Device or hardware serial also tied to a differently named person", model.FamIdentity, model.Strong, "A24", "A23")
	SharedLogin  = def("ID_SHARED_CODE_LOGIN", "Code-hosting login also claimed by a differently named person", model.FamIdentity, model.Strong, "A04", "A13")
	SharedMFA    = def("ID_SHARED_MFA_DEVICE", "MFA device shared with another worker", model.FamIdentity, model.Strong, "T05")
	FarmIP       = def("ID_FARM_SHARED_IP", "Signs in from a residential IP shared by workers of several different households", model.FamIdentity, model.Strong, "O02", "T05")
	Farm         = def("SHIP_LAPTOP_FARM", "Equipment shipped to an address that receives several unrelated workers' equipment and is not the worker's home", model.FamShipping, model.Strong, "O02", "O01")
	NotHome      = def("SHIP_ADDRESS_NOT_HOME", "Onboarding equipment shipped to an address other than the worker's home address", model.FamShipping, model.Weak, "O01")
	Reapplied    = def("APP_REAPPLIED_NEW_IDENTITY", "Shares identifiers with a previously rejected or terminated person under another name", model.FamApplicant, model.Strong, "A23", "T03")
	Referred     = def("ID_REFERRED_BY_FLAGGED", "Referral chain starts at a flagged person", model.FamIdentity, model.Strong, "A22")
	Lookalikes   = def("ID_REFERS_LOOKALIKES", "Referred several candidates who share identifiers with each other", model.FamIdentity, model.Strong, "A22")
	Confirmed    = def("ID_LINKED_TO_CONFIRMED", "Linked through the identity graph to a confirmed case", model.FamIdentity, model.Strong, "T05")
)

var reuseReason = map[model.IdentifierKind]model.ReasonDef{
	model.IDPhone: SharedPhone, model.IDEmail: SharedEmail, model.IDResume: SharedResume, model.IDPhoto: SharedPhoto,
	model.IDDevice: SharedDevice, model.IDSerial: SharedDevice, model.IDCodeLogin: SharedLogin, model.IDMFADevice: SharedMFA,
	model.IDDocument: SharedDevice,
}

// Config tunes the detector (detectors.identity).
type Config struct {
	Build graph.BuildConfig `koanf:"build"`
	// FarmMinWorkers: workers not living at an address whose equipment goes
	// there before it is a farm. Default 2.
	FarmMinWorkers int `koanf:"farm_min_workers"`
	// FarmMinHouseholds: distinct home addresses behind one residential IP
	// before it is a farm. Default 3.
	FarmMinHouseholds int `koanf:"farm_min_households"`
	// OnboardingDays: a shipment within this many days of the hire date is
	// an onboarding shipment. Default 30.
	OnboardingDays int `koanf:"onboarding_days"`
	// RecentHireDays: SHIP_ADDRESS_NOT_HOME only looks at hires this recent
	// (older records may predate a move). Default 365.
	RecentHireDays int `koanf:"recent_hire_days"`
	// ExpandHops: how far expansion from a confirmed case reaches. Default 2.
	ExpandHops int `koanf:"expand_hops"`
	// ReferralDepth: how many referrers up a chain is followed. Default 3.
	ReferralDepth int `koanf:"referral_depth"`
	// EndedStatuses mark a person as rejected or exposed.
	EndedStatuses []string `koanf:"ended_statuses"`
	// FlaggedLevel: stored risk level from which a referrer counts as flagged. Default high.
	FlaggedLevel model.Level `koanf:"flagged_level"`
}

// DefaultConfig returns the defaults.
func DefaultConfig() Config {
	return Config{Build: graph.DefaultBuildConfig(), FarmMinWorkers: 2, FarmMinHouseholds: 3, OnboardingDays: 30,
		RecentHireDays: 365, ExpandHops: 2, ReferralDepth: 3, FlaggedLevel: model.LevelHigh,
		EndedStatuses: []string{"rejected", "terminated", "fired", "withdrawn", "exposed", "blocked"}}
}

func init() {
	detect.Register(Name, func(deps detect.Deps) (detect.Detector, error) {
		cfg := DefaultConfig()
		if deps.Config != nil {
			if err := deps.Config.Unmarshal("detectors."+Name, &cfg); err != nil {
				return nil, fmt.Errorf("detectors.%s: %w", Name, err)
			}
		}
		return New(cfg, deps.Store), nil
	})
}

// Detector is the identity-graph detector.
type Detector struct {
	cfg   Config
	store store.Store

	// firstEvent[key][subject] = first event carrying the identifier
	firstEvent map[string]map[string]string
	infraIP    map[string]bool
	ships      map[string][]shipRec
	signinIPs  map[string]map[string]string // ip -> subject -> event
	builder    *graph.Builder
}

type shipRec struct {
	event string
	addr  idn.Addr
	ev    *model.Event
}

// New returns a detector.
func New(cfg Config, st store.Store) *Detector {
	return &Detector{cfg: cfg, store: st, firstEvent: map[string]map[string]string{}, infraIP: map[string]bool{},
		ships: map[string][]shipRec{}, signinIPs: map[string]map[string]string{}}
}

// Name implements detect.Detector.
func (d *Detector) Name() string { return Name }

// Reasons implements detect.Detector.
func (d *Detector) Reasons() []model.ReasonDef {
	return []model.ReasonDef{SharedPhone, SharedEmail, SharedResume, SharedPhoto, SharedDevice, SharedLogin, SharedMFA,
		FarmIP, Farm, NotHome, Reapplied, Referred, Lookalikes, Confirmed}
}

// Graph returns the graph built by the last Finish (nil before).
func (d *Detector) Graph() *graph.Graph {
	if d.builder == nil {
		return nil
	}
	return d.builder.G
}

// Observe implements detect.EventDetector.
func (d *Detector) Observe(_ context.Context, _ *detect.Env, ev *model.Event, _ detect.Emit) {
	if ev.SubjectID == "" {
		return
	}
	ids, _ := idn.EventIdentifiers(ev)
	var info *model.IPInfo
	switch {
	case ev.SignIn != nil:
		info = ev.SignIn.IPInfo
	case ev.Interview != nil:
		info = ev.Interview.IPInfo
	}
	for _, id := range ids {
		if id.Kind == model.IDBankHolder {
			continue // holder names are compared by the payroll detector
		}
		k := graph.Key(id.Kind, id.Value)
		m := d.firstEvent[k]
		if m == nil {
			m = map[string]string{}
			d.firstEvent[k] = m
		}
		if _, ok := m[ev.SubjectID]; !ok {
			m[ev.SubjectID] = ev.ID
		}
		if id.Kind == model.IDIP {
			if info != nil && (info.Corporate || !d.cfg.Build.LinkVPNIPs && graph.SharedInfrastructure(info)) {
				d.infraIP[id.Value] = true
			}
			if ev.SignIn != nil || ev.Endpoint != nil {
				sm := d.signinIPs[id.Value]
				if sm == nil {
					sm = map[string]string{}
					d.signinIPs[id.Value] = sm
				}
				if _, ok := sm[ev.SubjectID]; !ok {
					sm[ev.SubjectID] = ev.ID
				}
			}
		}
	}
	if ev.Shipment != nil {
		a, err := idn.ParseAddress(ev.Shipment.Address)
		if err != nil {
			a = idn.Addr{Key: ev.Shipment.Address.Key(), Building: ev.Shipment.Address.Key()}
		}
		c := *ev
		c.Raw = nil
		d.ships[ev.SubjectID] = append(d.ships[ev.SubjectID], shipRec{event: ev.ID, addr: a, ev: &c})
	}
}

func homeOf(s *model.Subject) idn.Addr {
	if s == nil || s.Address.IsZero() {
		return idn.Addr{}
	}
	a, err := idn.ParseAddress(s.Address)
	if err != nil {
		return idn.Addr{Key: s.Address.Key(), Building: s.Address.Key()}
	}
	return a
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// Finish implements detect.Finisher.
func (d *Detector) Finish(ctx context.Context, env *detect.Env, emit detect.Emit) error {
	b := graph.NewBuilder(d.cfg.Build)
	d.builder = b
	env.Subjects(func(s *model.Subject) { b.AddSubject(s) })
	for ip := range d.infraIP {
		b.G.MarkGeneric(model.IDIP, ip)
	}
	for _, k := range sortedKeys(d.firstEvent) {
		kind, v, _ := graph.ParseKey(k)
		for _, s := range sortedKeys(d.firstEvent[k]) {
			b.G.AddIdentifier(s, kind, v)
		}
	}
	f := &finisher{d: d, env: env, g: b.G, emit: emit, strong: map[string]bool{}, home: map[string]idn.Addr{}}
	env.Subjects(func(s *model.Subject) { f.home[s.ID] = homeOf(s) })
	f.reuse()
	f.farms()
	f.reapplied()
	if err := f.referrals(ctx); err != nil {
		return err
	}
	return f.confirmed(ctx)
}

type finisher struct {
	d      *Detector
	env    *detect.Env
	g      *graph.Graph
	emit   detect.Emit
	strong map[string]bool // subjects with a strong finding in this run
	home   map[string]idn.Addr
}

func (f *finisher) put(fd model.Finding) {
	if fd.Strength == model.Strong {
		f.strong[fd.SubjectID] = true
	}
	f.emit(fd)
}

func normName(s *model.Subject) string {
	if s == nil {
		return ""
	}
	return idn.HolderName(s.FullName)
}

// sameName: equal after normalisation, or close (Jaro–Winkler >= 0.93).
func sameName(a, b *model.Subject) bool {
	x, y := normName(a), normName(b)
	if x == "" || y == "" {
		return false
	}
	return x == y || er.JaroWinkler(x, y) >= 0.93
}

func (f *finisher) evidenceEvent(key, subject string) (string, bool) {
	m := f.d.firstEvent[key]
	if m == nil {
		return "", false
	}
	e, ok := m[subject]
	return e, ok
}

// reuse: identifiers and near-duplicate links shared with differently named people.
func (f *finisher) reuse() {
	f.env.Subjects(func(s *model.Subject) {
		for _, iv := range f.g.IdentifiersOf(s.ID) {
			def, ok := reuseReason[iv.Kind]
			if !ok || iv.Generic || iv.NoLink || len(iv.Others) == 0 {
				continue
			}
			var others []string
			for _, o := range iv.Others {
				os := f.env.Subject(o)
				if sameName(s, os) {
					continue
				}
				// a household sharing a landline or a family mailbox is not reuse
				if (iv.Kind == model.IDPhone || iv.Kind == model.IDEmail) && f.home[s.ID].Key != "" && f.home[s.ID].Key == f.home[o].Key {
					continue
				}
				others = append(others, o)
			}
			if len(others) == 0 {
				continue
			}
			key := graph.Key(iv.Kind, iv.Value)
			fd := model.NewFinding(Name, def, s.ID, key, f.env.Now)
			fd.Evidence = append(fd.Evidence, model.EvidenceRef{Kind: model.EvIdentifier, ID: key, Note: fmt.Sprintf("%s held by %d people", iv.Kind, iv.Shared)})
			if e, ok := f.evidenceEvent(key, s.ID); ok {
				fd.Evidence = append(fd.Evidence, model.EvidenceRef{Kind: model.EvEvent, ID: e, Note: "where this person's " + string(iv.Kind) + " was seen"})
			}
			for _, o := range others {
				fd.Evidence = append(fd.Evidence, model.EvidenceRef{Kind: model.EvSubject, ID: o, Note: "also uses this " + string(iv.Kind) + " under the name " + nameOf(f.env, o)})
			}
			fd.Details = map[string]string{"identifier": key, "others": strings.Join(others, ",")}
			f.put(fd)
		}
		// near-duplicate resumes and photos: one finding per kind, every link as evidence
		near := map[string]*model.Finding{}
		var order []string
		for _, l := range f.g.LinksOf(s.ID) {
			var def model.ReasonDef
			switch l.Reason {
			case graph.LinkResume:
				def = SharedResume
			case graph.LinkPhoto:
				def = SharedPhoto
			default:
				continue
			}
			if sameName(s, f.env.Subject(l.B)) {
				continue
			}
			fd := near[l.Reason]
			if fd == nil {
				x := model.NewFinding(Name, def, s.ID, "link:"+l.Reason, f.env.Now)
				x.Details = map[string]string{"link": l.Reason}
				fd = &x
				near[l.Reason] = fd
				order = append(order, l.Reason)
			}
			note := fmt.Sprintf("near-duplicate resume (estimated similarity %.2f)", l.Weight)
			if l.Reason == graph.LinkPhoto {
				note = fmt.Sprintf("photo pHash %d bits away (threshold %d)", int(l.Weight), idn.PhotoMatchDistance)
			}
			fd.Evidence = append(fd.Evidence, model.EvidenceRef{Kind: model.EvSubject, ID: l.B, Note: note + "; name " + nameOf(f.env, l.B)})
			if o := fd.Details["others"]; o != "" {
				fd.Details["others"] = o + "," + l.B
			} else {
				fd.Details["others"] = l.B
			}
		}
		for _, r := range order {
			f.put(*near[r])
		}
	})
}

func nameOf(env *detect.Env, id string) string {
	if s := env.Subject(id); s != nil && s.FullName != "" {
		return strconv.Quote(s.FullName)
	}
	return "(unknown)"
}

func (f *finisher) atHome(subject string, a idn.Addr) bool {
	h := f.home[subject]
	return h.Key != "" && (h.Key == a.Key || h.Building == a.Building)
}

// farms: equipment of several unrelated workers at one address that is not
// their home, and residential IPs serving several households.
func (f *finisher) farms() {
	byAddr := map[string][]shipRec{}
	owner := map[string]map[string]bool{} // address key -> subjects
	for _, s := range sortedKeys(f.d.ships) {
		for _, r := range f.d.ships[s] {
			byAddr[r.addr.Key] = append(byAddr[r.addr.Key], r)
			if owner[r.addr.Key] == nil {
				owner[r.addr.Key] = map[string]bool{}
			}
			owner[r.addr.Key][s] = true
		}
	}
	for _, key := range sortedKeys(byAddr) {
		if f.g.IsGeneric(model.IDShipAddr, key) {
			continue
		}
		recs := byAddr[key]
		away := map[string]shipRec{}
		households := map[string]bool{}
		for _, r := range recs {
			s := r.ev.SubjectID
			if f.atHome(s, r.addr) {
				continue
			}
			if _, ok := away[s]; !ok {
				away[s] = r
				households[f.home[s].Key] = true
			}
		}
		if len(away) >= f.d.cfg.FarmMinWorkers && len(households) >= 2 {
			subs := sortedKeys(away)
			latest := away[subs[0]].ev.Time // the pattern stands as of the latest shipment
			for _, s := range subs {
				if t := away[s].ev.Time; t.After(latest) {
					latest = t
				}
			}
			for _, s := range subs {
				fd := model.NewFinding(Name, Farm, s, "ship_address:"+key, latest)
				fd.Evidence = append(fd.Evidence, model.EvidenceRef{Kind: model.EvIdentifier, ID: graph.Key(model.IDShipAddr, key), Note: fmt.Sprintf("receives equipment for %d workers who do not live there", len(subs))})
				for _, o := range subs {
					fd.Evidence = append(fd.Evidence, model.EvidenceRef{Kind: model.EvEvent, ID: away[o].event, Note: "shipment for " + o + " (" + nameOf(f.env, o) + ")"})
				}
				fd.Details = map[string]string{"address": key, "workers": strings.Join(subs, ","), "home": f.home[s].Key}
				f.put(fd)
			}
			continue
		}
		// single shipments away from home during onboarding
		for _, s := range sortedKeys(away) {
			r := away[s]
			sub := f.env.Subject(s)
			if sub == nil || f.home[s].Key == "" {
				continue
			}
			// Applicants and offers: any equipment shipment is an onboarding
			// one. Workers: only shipments around a recent hire date (older
			// records may predate a move).
			if sub.Kind != model.KindApplicant {
				if sub.HireDate == nil {
					continue
				}
				days := r.ev.Time.Sub(*sub.HireDate).Hours() / 24
				if days < -float64(f.d.cfg.OnboardingDays) || days > float64(f.d.cfg.OnboardingDays) {
					continue
				}
				if f.env.Now.Sub(*sub.HireDate).Hours()/24 > float64(f.d.cfg.RecentHireDays) {
					continue
				}
			}
			fd := model.NewFinding(Name, NotHome, s, "ship_address:"+key, r.ev.Time)
			fd.Evidence = []model.EvidenceRef{{Kind: model.EvEvent, ID: r.event, Note: "shipped to " + key + "; home is " + f.home[s].Key}}
			f.put(fd)
		}
	}
	// residential IPs
	for _, ip := range sortedKeys(f.d.signinIPs) {
		if f.d.infraIP[ip] || f.g.IsGeneric(model.IDIP, ip) {
			continue
		}
		subs := f.d.signinIPs[ip]
		households := map[string]bool{}
		for s := range subs {
			if h := f.home[s].Key; h != "" {
				households[h] = true
			} else {
				households["?"+s] = true
			}
		}
		if len(households) < f.d.cfg.FarmMinHouseholds {
			continue
		}
		list := sortedKeys(subs)
		for _, s := range list {
			fd := model.NewFinding(Name, FarmIP, s, "ip:"+ip, f.env.Now)
			fd.Evidence = append(fd.Evidence, model.EvidenceRef{Kind: model.EvIdentifier, ID: graph.Key(model.IDIP, ip), Note: fmt.Sprintf("used by %d workers from %d different home addresses", len(list), len(households))})
			for _, o := range list {
				fd.Evidence = append(fd.Evidence, model.EvidenceRef{Kind: model.EvEvent, ID: subs[o], Note: "sign-in of " + o + " (" + nameOf(f.env, o) + ")"})
			}
			fd.Details = map[string]string{"ip": ip, "workers": strings.Join(list, ",")}
			f.put(fd)
		}
	}
}

var strongKinds = map[model.IdentifierKind]bool{model.IDPhone: true, model.IDEmail: true, model.IDResume: true, model.IDPhoto: true,
	model.IDDevice: true, model.IDSerial: true, model.IDCodeLogin: true, model.IDDocument: true, model.IDMFADevice: true}

func (f *finisher) ended(s *model.Subject) bool {
	if s == nil {
		return false
	}
	st := strings.ToLower(s.Status)
	for _, e := range f.d.cfg.EndedStatuses {
		if st == strings.ToLower(e) {
			return true
		}
	}
	return false
}

// reapplied: an active applicant or worker sharing strong identifiers with a
// rejected or terminated person under another name.
func (f *finisher) reapplied() {
	f.env.Subjects(func(s *model.Subject) {
		if f.ended(s) {
			return
		}
		found := map[string][]string{} // ended subject -> via
		for _, iv := range f.g.IdentifiersOf(s.ID) {
			if !strongKinds[iv.Kind] || iv.Generic {
				continue
			}
			for _, o := range iv.Others {
				if os := f.env.Subject(o); f.ended(os) && !sameName(s, os) {
					found[o] = append(found[o], graph.Key(iv.Kind, iv.Value))
				}
			}
		}
		for _, l := range f.g.LinksOf(s.ID) {
			if l.Reason == graph.LinkSamePerson {
				continue // same name: not a new identity
			}
			if os := f.env.Subject(l.B); f.ended(os) && !sameName(s, os) {
				found[l.B] = append(found[l.B], "link:"+l.Reason)
			}
		}
		for _, o := range sortedKeys(found) {
			os := f.env.Subject(o)
			fd := model.NewFinding(Name, Reapplied, s.ID, o, f.env.Now)
			fd.Evidence = append(fd.Evidence, model.EvidenceRef{Kind: model.EvSubject, ID: o, Note: fmt.Sprintf("%s, status %q", nameOf(f.env, o), os.Status)})
			for _, via := range found[o] {
				fd.Evidence = append(fd.Evidence, model.EvidenceRef{Kind: model.EvIdentifier, ID: via, Note: "shared with the earlier identity"})
			}
			fd.Details = map[string]string{"earlier_identity": o, "via": strings.Join(found[o], ",")}
			f.put(fd)
		}
	})
}

// referrals: referrers who refer look-alikes, and chains that start at a
// flagged subject.
func (f *finisher) referrals(ctx context.Context) error {
	referees := map[string][]string{}
	f.env.Subjects(func(s *model.Subject) {
		if s.ReferrerID != "" && s.ReferrerID != s.ID {
			referees[s.ReferrerID] = append(referees[s.ReferrerID], s.ID)
		}
	})
	for _, r := range sortedKeys(referees) {
		byCluster := map[string][]string{}
		for _, c := range referees[r] {
			if cl := f.g.Cluster(c); cl != "" {
				byCluster[cl] = append(byCluster[cl], c)
			}
		}
		for _, cl := range sortedKeys(byCluster) {
			ms := byCluster[cl]
			if len(ms) < 2 {
				continue
			}
			sort.Strings(ms)
			fd := model.NewFinding(Name, Lookalikes, r, cl, f.env.Now)
			fd.Evidence = append(fd.Evidence, model.EvidenceRef{Kind: model.EvCluster, ID: cl, Note: "referred candidates linked to each other"})
			for _, m := range ms {
				fd.Evidence = append(fd.Evidence, model.EvidenceRef{Kind: model.EvSubject, ID: m, Note: "referred " + nameOf(f.env, m)})
			}
			f.put(fd)
		}
	}
	flagged, why, err := f.flagged(ctx)
	if err != nil {
		return err
	}
	f.env.Subjects(func(s *model.Subject) {
		chain := []string{}
		cur := s
		for depth := 0; depth < f.d.cfg.ReferralDepth && cur != nil && cur.ReferrerID != ""; depth++ {
			r := cur.ReferrerID
			if r == s.ID || contains(chain, r) {
				break
			}
			chain = append(chain, r)
			if flagged[r] {
				fd := model.NewFinding(Name, Referred, s.ID, r, f.env.Now)
				for i, c := range chain {
					note := "referrer"
					if i > 0 {
						note = "referrer of " + chain[i-1]
					}
					fd.Evidence = append(fd.Evidence, model.EvidenceRef{Kind: model.EvSubject, ID: c, Note: note + " " + nameOf(f.env, c)})
				}
				fd.Evidence[len(fd.Evidence)-1].Note += "; flagged: " + why[r]
				fd.Details = map[string]string{"chain": strings.Join(chain, " <- "), "flagged": r}
				if len(chain) > 1 {
					fd.Severity = 1 / float64(len(chain))
				}
				f.emit(fd) // not counted as strong: it must not flag the next link by itself
				break
			}
			cur = f.env.Subject(r)
		}
	})
	return nil
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

// flagged: strong findings in this run, stored risk at or above the
// configured level, or membership in a confirmed case.
func (f *finisher) flagged(ctx context.Context) (map[string]bool, map[string]string, error) {
	out, why := map[string]bool{}, map[string]string{}
	for s := range f.strong {
		out[s], why[s] = true, "strong identity/shipping finding in this run"
	}
	if f.d.store == nil {
		return out, why, nil
	}
	risks, err := f.d.store.ListRisks(ctx, f.env.Tenant, 0)
	if err != nil {
		return nil, nil, fmt.Errorf("load risks: %w", err)
	}
	for _, r := range risks {
		if model.LevelRank(r.Level) >= model.LevelRank(f.d.cfg.FlaggedLevel) && !out[r.SubjectID] {
			out[r.SubjectID], why[r.SubjectID] = true, fmt.Sprintf("risk %s (%.0f)", r.Level, r.Score)
		}
	}
	cs, err := f.d.store.ListCases(ctx, f.env.Tenant, store.CaseFilter{State: model.CaseConfirmed})
	if err != nil {
		return nil, nil, fmt.Errorf("load confirmed cases: %w", err)
	}
	for _, c := range cs {
		for _, s := range c.SubjectIDs {
			out[s], why[s] = true, "confirmed case "+c.ID
		}
	}
	return out, why, nil
}

// confirmed: everyone within ExpandHops of a subject whose case was closed
// as confirmed, with the path as evidence.
func (f *finisher) confirmed(ctx context.Context) error {
	if f.d.store == nil {
		return nil
	}
	cs, err := f.d.store.ListCases(ctx, f.env.Tenant, store.CaseFilter{State: model.CaseConfirmed})
	if err != nil {
		return fmt.Errorf("load confirmed cases: %w", err)
	}
	inCase := map[string]bool{}
	for _, c := range cs {
		for _, s := range c.SubjectIDs {
			inCase[s] = true
		}
	}
	sort.Slice(cs, func(i, j int) bool { return cs[i].ID < cs[j].ID })
	referees := map[string][]string{}
	f.env.Subjects(func(s *model.Subject) {
		if s.ReferrerID != "" {
			referees[s.ReferrerID] = append(referees[s.ReferrerID], s.ID)
		}
	})
	for _, c := range cs {
		for _, s := range c.SubjectIDs {
			reached := f.g.Expand(s, f.d.cfg.ExpandHops)
			seen := map[string]bool{}
			for _, r := range reached {
				seen[r.Subject] = true
			}
			// the referrer and the referees of a confirmed subject, one hop away
			var rel []string
			if sub := f.env.Subject(s); sub != nil && sub.ReferrerID != "" {
				rel = append(rel, sub.ReferrerID)
			}
			rel = append(rel, referees[s]...)
			for _, o := range rel {
				if !seen[o] && o != s {
					seen[o] = true
					reached = append(reached, graph.Reached{Subject: o, Hops: 1, From: s, Via: "referral"})
				}
			}
			for _, r := range reached {
				if inCase[r.Subject] {
					continue
				}
				fd := model.NewFinding(Name, Confirmed, r.Subject, c.ID+"/"+s, f.env.Now)
				fd.Severity = 1 / float64(r.Hops)
				fd.Evidence = []model.EvidenceRef{
					{Kind: model.EvSubject, ID: s, Note: fmt.Sprintf("confirmed in case %s", c.ID)},
					{Kind: model.EvIdentifier, ID: r.Via, Note: fmt.Sprintf("link from %s, %d hop(s) from the confirmed subject", r.From, r.Hops)},
				}
				fd.Details = map[string]string{"case": c.ID, "confirmed_subject": s, "hops": strconv.Itoa(r.Hops), "via": r.Via, "from": r.From}
				f.emit(fd)
			}
		}
	}
	return nil
}
