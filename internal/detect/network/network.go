// Package network holds the sign-in and network detectors (threat
// catalogue rows N01-N10 and O06): VPN/proxy/Tor and Astrill sign-ins,
// geography contradicting the claimed location (with registered travel and
// corporate egress excepted), impossible travel, several countries or
// networks per day, laptop farms (one IP, several workers), shared MFA
// devices, activity hours fitting UTC+8/9, sessions longer than a day, and
// the first-30-days rules for new accounts.
//
// The detector keeps bounded per-subject state as events stream in (time
// order) and never rescans history; cross-subject joins (shared IP, shared
// MFA device) run in Finish over per-identifier subject sets.
package network

import (
	"context"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"
	_ "time/tzdata" // claimed time zones must resolve on minimal hosts

	"github.com/redflag-dev/redflag/internal/detect"
	"github.com/redflag-dev/redflag/internal/ingest/travel"
	"github.com/redflag-dev/redflag/internal/model"
	"github.com/redflag-dev/redflag/internal/store"
)

// Name is the detector name.
const Name = "network"

func init() {
	detect.Register(Name, func(deps detect.Deps) (detect.Detector, error) {
		cfg := Defaults()
		if deps.Config != nil {
			if err := deps.Config.Unmarshal("detectors.network", &cfg); err != nil {
				return nil, fmt.Errorf("detectors.network: %w", err)
			}
		}
		d, err := New(cfg)
		if err != nil {
			return nil, err
		}
		d.st = deps.Store
		return d, nil
	})
}

const maxEvidence = 8

// evid is a capped list of evidence event IDs with a total count.
type evid struct {
	n    int
	ids  []string
	last time.Time
}

func (e *evid) add(id string, t time.Time) {
	e.n++
	if len(e.ids) < maxEvidence {
		e.ids = append(e.ids, id)
	}
	e.last = t
}

type winEntry struct {
	t       time.Time
	country string
	asn     uint32
	id      string
}

type session struct {
	first, last     time.Time
	firstID, lastID string
}

type subjState struct {
	astrill, vpn, tor    evid
	highRisk, country    evid
	countries            map[string]int
	regions              []string // recent regions in the claimed country (ring)
	regionIDs            []string
	regionPos            int
	lastGeo              *winEntry
	lastLat, lastLon     float64
	impossible           evid
	impossibleDetail     string
	win                  []winEntry
	multiCountry         evid
	multiCountryDetail   string
	multiASN             evid
	multiASNDetail       string
	hours                [24]int
	weekHours            [7][24]int // UTC weekday x hour
	slots                int
	lastSlot             int64
	lastTime             time.Time
	sessions             map[string]*session
	longSession          evid
	longSessionHours     float64
	newSeen              int
	newUnmanaged, newGeo evid
	newGeoCountries      map[string]bool
}

type use struct {
	first, last time.Time
	id          string
}

// Detector is the network detector.
type Detector struct {
	cfg       Config
	trips     map[string][]trip
	highRisk  map[string]bool
	corpASN   map[uint32]bool
	disabled  map[string]bool
	subj      map[string]*subjState
	ipUse     map[string]map[string]*use // ip -> subject -> use
	mfaUse    map[string]map[string]*use // mfa device -> subject -> use
	locs      map[string]*time.Location
	maxPerKey int
	env       *detect.Env     // the run the state belongs to
	st        store.Store     // registered travel lives in its Meta space
	loaded    map[string]bool // tenants whose travel is loaded
	loadErr   error
}

// New builds a detector with the given thresholds.
func New(cfg Config) (*Detector, error) {
	tr, err := cfg.trips()
	if err != nil {
		return nil, err
	}
	d := &Detector{cfg: cfg, trips: tr, highRisk: map[string]bool{}, corpASN: map[uint32]bool{}, disabled: map[string]bool{},
		subj: map[string]*subjState{}, loaded: map[string]bool{}, ipUse: map[string]map[string]*use{}, mfaUse: map[string]map[string]*use{}, locs: map[string]*time.Location{}, maxPerKey: 64}
	for _, c := range cfg.HighRiskCountries {
		d.highRisk[strings.ToUpper(c)] = true
	}
	for _, a := range cfg.CorporateASNs {
		d.corpASN[a] = true
	}
	for _, c := range cfg.Disabled {
		d.disabled[c] = true
	}
	return d, nil
}

// Name implements detect.Detector.
func (d *Detector) Name() string { return Name }

// Reasons implements detect.Detector.
func (d *Detector) Reasons() []model.ReasonDef { return append([]model.ReasonDef(nil), reasonDefs...) }

// view is the effective network facts of one sign-in.
type view struct {
	country, region string
	asn             uint32
	lat, lon        float64
	coords          bool
	anon            bool // VPN, proxy or Tor: the exit's geography says nothing
	corporate       bool
}

func (d *Detector) viewOf(s *model.SignIn) view {
	var v view
	in := s.IPInfo
	if in == nil {
		return v
	}
	v.country = in.Country
	if v.country == "" {
		v.country = in.ProviderCountry
	}
	v.region = in.Region
	if v.region == "" || (in.Country == "" && in.ProviderCountry != "") {
		v.region = in.ProviderRegion
	}
	v.asn = in.ASN
	if v.asn == 0 {
		v.asn = in.ProviderASN
	}
	switch {
	case in.HasCoords:
		v.lat, v.lon, v.coords = in.Lat, in.Lon, true
	case in.ProviderHasCoords:
		v.lat, v.lon, v.coords = in.ProviderLat, in.ProviderLon, true
	}
	v.anon = in.VPN || in.Proxy || in.Tor || in.ProviderProxy || in.VPNOperator != ""
	v.corporate = in.Corporate || (v.asn != 0 && d.corpASN[v.asn])
	return v
}

func (d *Detector) reset(env *detect.Env) {
	d.env = env
	d.subj = map[string]*subjState{}
	d.ipUse = map[string]map[string]*use{}
	d.mfaUse = map[string]map[string]*use{}
	if len(d.loaded) > 0 {
		trips, err := d.cfg.trips()
		if err == nil {
			d.trips = trips
		}
		d.loaded = map[string]bool{}
	}
}

// loadTravel adds the tenant's registered trips (redflag ingest travel)
// to the configured ones, once.
func (d *Detector) loadTravel(tenant string) {
	if d.st == nil || d.loaded[tenant] {
		return
	}
	d.loaded[tenant] = true
	trips, err := travel.Load(context.Background(), d.st, tenant)
	if err != nil {
		d.loadErr = fmt.Errorf("load registered travel: %w", err)
		return
	}
	for _, t := range trips {
		f, err1 := time.Parse("2006-01-02", t.StartDate)
		e, err2 := time.Parse("2006-01-02", t.EndDate)
		if err1 != nil || err2 != nil {
			continue
		}
		d.trips[t.PersonID] = append(d.trips[t.PersonID], trip{t.Country, f, e.Add(24 * time.Hour)})
	}
}

func (d *Detector) traveling(subjectID, login, country string, t time.Time) bool {
	for _, key := range []string{subjectID, "login:" + login} {
		for _, tr := range d.trips[key] {
			if (tr.country == "" || tr.country == country) && !t.Before(tr.from) && t.Before(tr.to) {
				return true
			}
		}
	}
	return false
}

// isSignIn says whether an event is an interactive authentication worth
// counting (not a logout, a token refresh or a notification).
func isSignIn(s *model.SignIn) bool {
	if s.Outcome != "success" {
		return false
	}
	et := strings.ToLower(s.EventType)
	switch {
	case strings.Contains(et, "logout"), strings.HasSuffix(et, "session.end"), strings.Contains(et, "noninteractive"):
		return false
	}
	return true
}

// isStep says whether a successful event is a step of a sign-in already
// counted (an MFA verification, a challenge), not a sign-in of its own.
func isStep(s *model.SignIn) bool {
	et := strings.ToLower(s.EventType)
	for _, w := range []string{"mfa", "factor", "verify", "verification", "challenge"} {
		if strings.Contains(et, w) {
			return true
		}
	}
	return false
}

// Observe implements detect.EventDetector.
func (d *Detector) Observe(_ context.Context, env *detect.Env, ev *model.Event, _ detect.Emit) {
	if ev.Kind != model.EvSignIn || ev.SignIn == nil || ev.SubjectID == "" {
		return
	}
	if env != d.env {
		// A new run (Engine.Run builds a new Env and streams every event
		// again): start from empty state so nothing is counted twice.
		d.reset(env)
	}
	d.loadTravel(env.Tenant)
	s := ev.SignIn
	st := d.subj[ev.SubjectID]
	if st == nil {
		st = &subjState{countries: map[string]int{}, lastSlot: -1}
		d.subj[ev.SubjectID] = st
	}
	sub := env.Subject(ev.SubjectID)
	d.observeSession(st, ev)
	if !isSignIn(s) {
		return
	}
	// N05: MFA device.
	if s.MFADeviceID != "" {
		d.addUse(d.mfaUse, strings.ToLower(s.MFADeviceID), ev)
	}
	// One sign-in often logs several steps (Okta session start then MFA;
	// Google login then verification): only the primary step counts below.
	if isStep(s) {
		return
	}
	v := d.viewOf(s)
	// Activity hours: distinct (day, hour) slots in UTC.
	slot := ev.Time.Unix() / 3600
	if slot != st.lastSlot {
		st.lastSlot = slot
		u := ev.Time.UTC()
		st.hours[u.Hour()]++
		st.weekHours[u.Weekday()][u.Hour()]++
		st.slots++
	}
	st.lastTime = ev.Time
	// N01.
	if in := s.IPInfo; in != nil {
		switch {
		case strings.EqualFold(in.VPNOperator, "astrill") || strings.Contains(strings.ToLower(in.ProviderASOrg), "astrill"):
			st.astrill.add(ev.ID, ev.Time)
		case in.Tor:
			st.tor.add(ev.ID, ev.Time)
		case v.anon:
			st.vpn.add(ev.ID, ev.Time)
		}
	}
	// N04: IPs shared by accounts (not corporate egress, not anonymisers,
	// whose exits are shared by unrelated people).
	if s.IP != "" && !v.corporate && !v.anon && (s.IPInfo == nil || !s.IPInfo.Hosting) {
		d.addUse(d.ipUse, s.IP, ev)
	}
	if v.corporate || v.anon || v.country == "" {
		d.firstDays(st, sub, ev, v, false)
		return
	}
	travel := d.traveling(ev.SubjectID, s.Login, v.country, ev.Time)
	claimed := ""
	if sub != nil {
		claimed = strings.ToUpper(sub.Address.Country)
	}
	// N02: country.
	if claimed != "" && v.country != claimed && !travel {
		st.countries[v.country]++
		if d.highRisk[v.country] {
			st.highRisk.add(ev.ID, ev.Time)
		} else {
			st.country.add(ev.ID, ev.Time)
		}
	}
	// N10: region within the claimed country (recent majority).
	if claimed != "" && v.country == claimed && v.region != "" && d.cfg.RegionRecent > 0 {
		if len(st.regions) < d.cfg.RegionRecent {
			st.regions = append(st.regions, normRegion(claimed, v.region))
			st.regionIDs = append(st.regionIDs, ev.ID)
		} else {
			st.regions[st.regionPos] = normRegion(claimed, v.region)
			st.regionIDs[st.regionPos] = ev.ID
			st.regionPos = (st.regionPos + 1) % d.cfg.RegionRecent
		}
	}
	// N03: impossible travel between consecutive located sign-ins.
	if v.coords {
		if p := st.lastGeo; p != nil {
			km := haversine(st.lastLat, st.lastLon, v.lat, v.lon)
			h := ev.Time.Sub(p.t).Hours()
			if km >= d.cfg.TravelMinKm {
				speed := math.Inf(1)
				if h > 0 {
					speed = km / h
				}
				if speed > d.cfg.TravelMaxKmh {
					if st.impossible.n == 0 || len(st.impossible.ids) < maxEvidence-1 {
						st.impossible.ids = append(st.impossible.ids, p.id)
					}
					st.impossible.add(ev.ID, ev.Time)
					st.impossibleDetail = fmt.Sprintf("%s→%s %.0f km in %.1f h", orDash(p.country), v.country, km, h)
				}
			}
		}
		st.lastGeo = &winEntry{t: ev.Time, country: v.country, id: ev.ID}
		st.lastLat, st.lastLon = v.lat, v.lon
	}
	// N03: several countries / ASNs within the window.
	d.window(st, ev, v, travel)
	d.firstDays(st, sub, ev, v, travel)
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func (d *Detector) window(st *subjState, ev *model.Event, v view, travel bool) {
	cut := ev.Time.Add(-d.cfg.Window)
	i := 0
	for i < len(st.win) && st.win[i].t.Before(cut) {
		i++
	}
	st.win = st.win[i:]
	if len(st.win) >= 256 {
		st.win = st.win[1:]
	}
	c := v.country
	if travel {
		c = "" // a registered trip's country does not count
	}
	// Only an event that brings a new country or ASN into the window can
	// change the answer; most do not, and cost one scan without allocating.
	newC, newA := c != "", v.asn != 0
	for _, w := range st.win {
		if w.country == c {
			newC = false
		}
		if w.asn == v.asn {
			newA = false
		}
	}
	st.win = append(st.win, winEntry{t: ev.Time, country: c, asn: v.asn, id: ev.ID})
	if !newC && !newA {
		return
	}
	countries := map[string]string{}
	asns := map[uint32]string{}
	for _, w := range st.win {
		if w.country != "" {
			if _, ok := countries[w.country]; !ok {
				countries[w.country] = w.id
			}
		}
		if w.asn != 0 {
			if _, ok := asns[w.asn]; !ok {
				asns[w.asn] = w.id
			}
		}
	}
	if newC && d.cfg.WindowCountries > 1 && len(countries) >= d.cfg.WindowCountries && countries[c] == ev.ID {
		st.multiCountry.n++
		st.multiCountry.last = ev.Time
		if len(st.multiCountry.ids) < maxEvidence {
			st.multiCountry.ids = appendUnique(st.multiCountry.ids, sortedVals(countries)...)
		}
		st.multiCountryDetail = strings.Join(sortedKeys(countries), ",")
	}
	if newA && d.cfg.WindowASNs > 1 && len(asns) >= d.cfg.WindowASNs && asns[v.asn] == ev.ID {
		st.multiASN.n++
		st.multiASN.last = ev.Time
		if len(st.multiASN.ids) < maxEvidence {
			ids := make([]string, 0, len(asns))
			var names []string
			for a, id := range asns {
				ids = append(ids, id)
				names = append(names, "AS"+strconv.FormatUint(uint64(a), 10))
			}
			sort.Strings(ids)
			sort.Strings(names)
			st.multiASN.ids = appendUnique(st.multiASN.ids, ids...)
			st.multiASNDetail = strings.Join(names, ",")
		}
	}
}

func (d *Detector) firstDays(st *subjState, sub *model.Subject, ev *model.Event, v view, travel bool) {
	if sub == nil || sub.HireDate == nil || d.cfg.NewAccountDays <= 0 {
		return
	}
	start := sub.HireDate.AddDate(0, 0, -7) // accounts are often created shortly before the start date
	end := sub.HireDate.AddDate(0, 0, d.cfg.NewAccountDays)
	if ev.Time.Before(start) || !ev.Time.Before(end) || st.newSeen >= d.cfg.NewAccountFirstN {
		return
	}
	st.newSeen++
	s := ev.SignIn
	if s.Managed != nil && !*s.Managed {
		st.newUnmanaged.add(ev.ID, ev.Time)
	}
	claimed := strings.ToUpper(sub.Address.Country)
	if claimed != "" && v.country != "" && !v.anon && !v.corporate && !travel && v.country != claimed {
		st.newGeo.add(ev.ID, ev.Time)
		if st.newGeoCountries == nil {
			st.newGeoCountries = map[string]bool{}
		}
		st.newGeoCountries[v.country] = true
	}
}

func (d *Detector) observeSession(st *subjState, ev *model.Event) {
	sid := ev.SignIn.SessionID
	if sid == "" {
		return
	}
	if st.sessions == nil {
		st.sessions = map[string]*session{}
	}
	se := st.sessions[sid]
	if se == nil {
		if len(st.sessions) >= 32 { // evict the least recently active
			var oldK string
			var oldT time.Time
			for k, s := range st.sessions {
				if oldK == "" || s.last.Before(oldT) {
					oldK, oldT = k, s.last
				}
			}
			delete(st.sessions, oldK)
		}
		se = &session{first: ev.Time, firstID: ev.ID}
		st.sessions[sid] = se
	}
	se.last, se.lastID = ev.Time, ev.ID
	if span := se.last.Sub(se.first); span > d.cfg.SessionMax {
		if h := span.Hours(); h > st.longSessionHours {
			st.longSessionHours = h
			st.longSession.ids = []string{se.firstID, se.lastID}
		}
		st.longSession.n++
		st.longSession.last = ev.Time
	}
}

func (d *Detector) addUse(m map[string]map[string]*use, key string, ev *model.Event) {
	subs := m[key]
	if subs == nil {
		subs = map[string]*use{}
		m[key] = subs
	}
	u := subs[ev.SubjectID]
	if u == nil {
		if len(subs) >= d.maxPerKey {
			return
		}
		u = &use{first: ev.Time, id: ev.ID}
		subs[ev.SubjectID] = u
	}
	u.last = ev.Time
}

func appendUnique(dst []string, ids ...string) []string {
	for _, id := range ids {
		dup := false
		for _, x := range dst {
			if x == id {
				dup = true
				break
			}
		}
		if !dup && len(dst) < maxEvidence {
			dst = append(dst, id)
		}
	}
	return dst
}

func sortedKeys(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func sortedVals(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for _, k := range sortedKeys(m) {
		out = append(out, m[k])
	}
	return out
}

func haversine(lat1, lon1, lat2, lon2 float64) float64 {
	const r = 6371.0
	rad := math.Pi / 180
	dlat := (lat2 - lat1) * rad
	dlon := (lon2 - lon1) * rad
	a := math.Sin(dlat/2)*math.Sin(dlat/2) + math.Cos(lat1*rad)*math.Cos(lat2*rad)*math.Sin(dlon/2)*math.Sin(dlon/2)
	return 2 * r * math.Asin(math.Min(1, math.Sqrt(a)))
}
