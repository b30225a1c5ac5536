package endpoint

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/redflag-dev/redflag/internal/detect"
	"github.com/redflag-dev/redflag/internal/indicators"
	"github.com/redflag-dev/redflag/internal/ingest/travel"
	"github.com/redflag-dev/redflag/internal/model"
)

// Finish implements detect.Finisher: it resolves hosts to subjects and
// emits every finding.
func (d *Detector) Finish(ctx context.Context, env *detect.Env, emit detect.Emit) error {
	if err := d.loadTravel(ctx, env.Tenant); err != nil {
		return err
	}
	names := make([]string, 0, len(d.hosts))
	for n := range d.hosts {
		names = append(names, n)
	}
	sort.Strings(names)
	shared := map[string]map[string]*egressSeen{} // ip -> subject -> sightings
	for _, n := range names {
		if err := ctx.Err(); err != nil {
			return err
		}
		h := d.hosts[n]
		subj, dev := d.resolve(ctx, env, h)
		if subj == "" {
			continue
		}
		s := env.Subject(subj)
		if s == nil {
			s = &model.Subject{ID: subj}
		}
		var start *time.Time
		if dev != nil && dev.enrolled != nil {
			start = dev.enrolled
		} else if s.HireDate != nil {
			start = s.HireDate
		}
		d.tools(h, s, start, emit)
		d.kvm(h, s, emit)
		d.inputs(h, s, emit)
		d.timezone(h, s, emit)
		d.egress(h, s, emit, shared)
	}
	d.sharedEgress(env, shared, emit)
	return nil
}

// loadTravel adds the trips registered with `redflag ingest travel` (kept
// in the store's Meta space) to the configured ones, once per tenant.
func (d *Detector) loadTravel(ctx context.Context, tenant string) error {
	if d.store == nil || d.travelLoaded[tenant] {
		return nil
	}
	d.travelLoaded[tenant] = true
	trips, err := travel.Load(ctx, d.store, tenant)
	if err != nil {
		return fmt.Errorf("load registered travel: %w", err)
	}
	for _, t := range trips {
		from, err1 := time.Parse("2006-01-02", t.StartDate)
		to, err2 := time.Parse("2006-01-02", t.EndDate)
		if err1 == nil && err2 == nil {
			d.travel[t.PersonID] = append(d.travel[t.PersonID], [2]time.Time{from, to.Add(24*time.Hour - time.Nanosecond)})
		}
	}
	return nil
}

// resolve finds the subject of a host: from its events, else the device
// records seen (serial, host name, device id), else the store's identifiers.
func (d *Detector) resolve(ctx context.Context, env *detect.Env, h *hostState) (string, *devRec) {
	var dev *devRec
	for _, k := range []string{"serial:" + h.serial, "host:" + strings.ToLower(h.host), "id:" + strings.ToLower(h.deviceID)} {
		if r := d.devs[k]; r != nil && !strings.HasSuffix(k, ":") {
			dev = r
			break
		}
	}
	if h.subject != "" {
		if dev != nil && dev.subject != h.subject {
			dev = nil
		}
		return h.subject, dev
	}
	if dev != nil {
		return dev.subject, dev
	}
	if d.store != nil {
		for _, q := range []struct {
			k model.IdentifierKind
			v string
		}{{model.IDSerial, h.serial}, {model.IDHostname, strings.ToLower(h.host)}, {model.IDDevice, strings.ToLower(h.host)}} {
			if q.v == "" {
				continue
			}
			if ids, err := d.store.SubjectsByIdentifier(ctx, env.Tenant, q.k, q.v); err == nil && len(ids) == 1 {
				return ids[0], nil
			}
		}
	}
	return "", nil
}

func evidence(h *hit) []model.EvidenceRef {
	var out []model.EvidenceRef
	for _, id := range h.events {
		out = append(out, model.EvidenceRef{Kind: model.EvEvent, ID: id, Note: h.how})
	}
	if h.entry != nil {
		out = append(out, model.EvidenceRef{Kind: model.EvIndicator, ID: h.entry.Ref(),
			Note: fmt.Sprintf("%s (source: %s; confidence %s)", h.entry.Name, h.entry.Source, h.entry.Confidence)})
	}
	return out
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func (d *Detector) rmmAllowed(s *model.Subject, vendor string) bool {
	if (d.allowRMM[vendor] || d.allowRMM["*"]) && (len(d.allowRol) == 0 || d.allowRol[indicators.TextKey(s.Role)]) {
		return true
	}
	if s.Role != "" {
		if m := d.roleRMM[indicators.TextKey(s.Role)]; m != nil && (m[vendor] || m["*"]) {
			return true
		}
	}
	return false
}

func (d *Detector) tools(h *hostState, s *model.Subject, start *time.Time, emit detect.Emit) {
	var multi []*hit
	for _, v := range sortedKeys(h.rmm) {
		t := h.rmm[v]
		if d.rmmAllowed(s, v) {
			continue
		}
		def := RsnRMMPresent
		details := map[string]string{"host": h.host, "tool": t.entry.Name, "vendor": v, "class": t.entry.Class, "matched": t.how,
			"first_seen": t.first.Format(time.RFC3339)}
		if start != nil {
			details["enrolled_or_hired"] = start.Format(time.RFC3339)
			if !t.first.After(start.AddDate(0, 0, d.cfg.NewHireDays)) {
				def = RsnRMMNewHire
				details["days_after_start"] = fmt.Sprintf("%.1f", t.first.Sub(*start).Hours()/24)
			}
		}
		f := model.NewFinding(Name, def, s.ID, h.host+"|"+v, t.last)
		switch {
		case t.entry.Confidence == "low":
			f.Severity = 0.4
		case t.entry.Class == "tunnel":
			f.Severity = 0.6
		}
		f.Evidence, f.Details = evidence(t), details
		emit(f)
		if t.entry.Class == "rmm" && t.entry.Confidence != "low" {
			multi = append(multi, t)
		}
	}
	if len(multi) >= 2 {
		var vendors []string
		last := multi[0].last
		f := model.NewFinding(Name, RsnRMMMulti, s.ID, h.host, last)
		for _, t := range multi {
			vendors = append(vendors, t.entry.Name)
			if t.last.After(last) {
				last = t.last
			}
			f.Evidence = append(f.Evidence, evidence(t)...)
		}
		f.Time = last.UTC()
		f.Details = map[string]string{"host": h.host, "vendors": strings.Join(vendors, ", "), "count": fmt.Sprint(len(multi))}
		emit(f)
	}
	if h.crd != nil && !d.rmmAllowed(s, "chromeremotedesktop") {
		f := model.NewFinding(Name, RsnCRDPin, s.ID, h.host, h.crd.last)
		f.Evidence = evidence(h.crd)
		f.Details = map[string]string{"host": h.host, "matched": h.crd.how}
		emit(f)
	}
	for _, v := range sortedKeys(h.vpn) {
		t := h.vpn[v]
		if d.allowVPN[v] || d.allowVPN["*"] {
			continue
		}
		def := RsnVPN
		if v == "astrill" {
			def = RsnAstrill
		}
		f := model.NewFinding(Name, def, s.ID, h.host+"|"+v, t.last)
		if t.entry.Confidence == "low" {
			f.Severity = 0.5
		}
		f.Evidence = evidence(t)
		f.Details = map[string]string{"host": h.host, "provider": t.entry.Name, "operator": v, "matched": t.how, "first_seen": t.first.Format(time.RFC3339)}
		emit(f)
	}
}

func (d *Detector) kvm(h *hostState, s *model.Subject, emit detect.Emit) {
	for _, pair := range []struct {
		m   map[string]*hit
		def model.ReasonDef
	}{{h.kvmUSB, RsnKVMUSB}, {h.kvmDisp, RsnKVMDisplay}} {
		if len(pair.m) == 0 {
			continue
		}
		var products []string
		var ev []model.EvidenceRef
		var last time.Time
		conf := 0
		for _, k := range sortedKeys(pair.m) {
			t := pair.m[k]
			products = append(products, k)
			ev = append(ev, evidence(t)...)
			if t.last.After(last) {
				last = t.last
			}
			if c := rank(t.entry.Confidence); c > conf {
				conf = c
			}
		}
		f := model.NewFinding(Name, pair.def, s.ID, h.host, last)
		if conf < 3 {
			f.Severity = 0.6
		}
		f.Evidence = ev
		f.Details = map[string]string{"host": h.host, "products": strings.Join(products, "; ")}
		emit(f)
	}
	// A USB gadget composite present and no other keyboard or mouse.
	var gadgets, inputs []usbDev
	for _, k := range sortedKeys(h.usb) {
		u := h.usb[k]
		switch {
		case isGadget(u):
			gadgets = append(gadgets, u)
		case isInput(u):
			inputs = append(inputs, u)
		}
	}
	if len(gadgets) > 0 && len(inputs) == 0 {
		f := model.NewFinding(Name, RsnGadgetHID, s.ID, h.host, time.Time{})
		var ids []string
		for _, g := range gadgets {
			f.Evidence = append(f.Evidence, model.EvidenceRef{Kind: model.EvEvent, ID: g.ev,
				Note: fmt.Sprintf("USB %s:%s %q %q", g.vendorID, g.modelID, g.vendor, g.model)})
			ids = append(ids, g.vendorID+":"+g.modelID)
		}
		f.Time = d.lastTime(h)
		f.Details = map[string]string{"host": h.host, "gadgets": strings.Join(ids, ", "),
			"note": "no other USB keyboard, mouse or trackpad is attached; IP-KVMs can change their USB ids"}
		emit(f)
	}
}

func (d *Detector) lastTime(h *hostState) time.Time {
	var t time.Time
	for _, m := range []map[string]*hit{h.rmm, h.vpn, h.kvmUSB, h.kvmDisp, h.langs} {
		for _, x := range m {
			if x.last.After(t) {
				t = x.last
			}
		}
	}
	for _, o := range h.tz {
		if o.at.After(t) {
			t = o.at
		}
	}
	return t
}

func isGadget(u usbDev) bool {
	if u.vendorID == "1d6b" && !gadgetRootHubs[u.modelID] {
		return true
	}
	t := indicators.TextKey(u.vendor + " " + u.model)
	return strings.Contains(t, "composite gadget") || strings.Contains(t, "multifunction composite") || strings.Contains(t, "usb gadget")
}

func isInput(u usbDev) bool {
	if u.class == "3" || u.class == "03" {
		return true
	}
	t := " " + indicators.TextKey(u.vendor+" "+u.model) + " "
	for _, w := range []string{" keyboard ", " keyboards ", " mouse ", " mice ", " trackpad ", " touchpad ", " receiver ", " hid "} {
		if strings.Contains(t, w) {
			return true
		}
	}
	return false
}

func (d *Detector) inputs(h *hostState, s *model.Subject, emit detect.Emit) {
	country := strings.ToUpper(strings.TrimSpace(s.Address.Country))
	if country == "" {
		country = zoneCountry[s.ClaimedTimezone] // the claimed time zone says where, too
	}
	if country == "" {
		return // nothing claimed to contradict
	}
	for _, lang := range sortedKeys(h.langs) {
		t := h.langs[lang]
		if !d.watch[lang] {
			continue
		}
		consistent := false
		for _, c := range t.entry.Countries {
			if c == country {
				consistent = true
			}
		}
		if consistent {
			continue
		}
		f := model.NewFinding(Name, RsnInput, s.ID, h.host+"|"+lang, t.last)
		f.Evidence = evidence(t)
		f.Details = map[string]string{"host": h.host, "language": lang, "matched": t.how, "claimed_country": country,
			"note": "a technical fact about the device compared with the claimed country; not a judgement about the person"}
		emit(f)
	}
}

func (d *Detector) travelling(subject string, at time.Time) bool {
	for _, w := range d.travel[subject] {
		if !at.Before(w[0]) && !at.After(w[1]) {
			return true
		}
	}
	return false
}

// away applies the persistence rule to a count of observed and away days.
func (d *Detector) away(awayDays, days int) bool {
	if days == 0 || awayDays == 0 {
		return false
	}
	need := d.cfg.AwayMinDays
	if days < need {
		need = days
	}
	return awayDays >= need && float64(awayDays)/float64(days) >= d.cfg.AwayMinShare
}

func (d *Detector) timezone(h *hostState, s *model.Subject, emit detect.Emit) {
	if s.ClaimedTimezone == "" || len(h.tz) == 0 {
		return
	}
	days, awayDays := 0, 0
	var ev []model.EvidenceRef
	var last time.Time
	values := map[string]bool{}
	for _, k := range sortedKeys(h.tz) {
		o := h.tz[k]
		if d.travelling(s.ID, o.at) {
			continue
		}
		claimed, ok := claimedOffset(s.ClaimedTimezone, o.at)
		if !ok {
			return
		}
		offs, ok := zoneOffsets(o.value, o.at)
		if !ok {
			continue
		}
		days++
		match := false
		for _, off := range offs {
			if off == claimed {
				match = true
			}
		}
		if !match {
			awayDays++
			values[o.value] = true
			if len(ev) < maxEvidence {
				ev = append(ev, model.EvidenceRef{Kind: model.EvEvent, ID: o.ev, Note: "device time zone " + o.value})
			}
			last = o.at
		}
	}
	if !d.away(awayDays, days) {
		return
	}
	f := model.NewFinding(Name, RsnTZ, s.ID, h.host, last)
	f.Evidence = ev
	f.Details = map[string]string{"host": h.host, "device_timezone": strings.Join(sortedKeys(values), ", "),
		"claimed_timezone": s.ClaimedTimezone, "days_observed": fmt.Sprint(days), "days_different": fmt.Sprint(awayDays)}
	emit(f)
}

func comparable(info *model.IPInfo) bool {
	return info != nil && !info.VPN && !info.Proxy && !info.Tor && !info.Hosting && !info.Corporate
}

func (d *Detector) egress(h *hostState, s *model.Subject, emit detect.Emit, shared map[string]map[string]*egressSeen) {
	days, awayDays := 0, 0
	levels := map[string]int{}
	var ev []model.EvidenceRef
	var last time.Time
	places := map[string]bool{}
	for _, k := range sortedKeys(h.egress) {
		dayAway, dayCounted := "", false
		for _, o := range h.egress[k] {
			if o.info == nil || comparable(o.info) {
				m := shared[o.value]
				if m == nil {
					m = map[string]*egressSeen{}
					shared[o.value] = m
				}
				es := m[s.ID]
				if es == nil {
					es = &egressSeen{}
					m[s.ID] = es
				}
				if len(es.events) < 3 {
					es.events = append(es.events, o.ev)
				}
				if o.at.After(es.last) {
					es.last = o.at
				}
			}
			if !comparable(o.info) || s.Address.IsZero() || d.travelling(s.ID, o.at) {
				continue
			}
			dayCounted = true
			if lv := geoLevel(s.Address, o.info); lv != "" {
				if levelRank[lv] > levelRank[dayAway] {
					dayAway = lv
				}
				places[strings.Trim(strings.Join([]string{o.info.City, o.info.Region, o.info.Country}, ", "), ", ")] = true
				if len(ev) < maxEvidence {
					ev = append(ev, model.EvidenceRef{Kind: model.EvEvent, ID: o.ev, Note: fmt.Sprintf("egress %s in %s, %s, %s", o.value, o.info.City, o.info.Region, o.info.Country)})
				}
				last = o.at
			}
		}
		if dayCounted {
			days++
		}
		if dayAway != "" {
			awayDays++
			levels[dayAway]++
		}
	}
	if !d.away(awayDays, days) {
		return
	}
	level := "city"
	for lv := range levels {
		if levelRank[lv] > levelRank[level] {
			level = lv
		}
	}
	f := model.NewFinding(Name, RsnEgressGeo, s.ID, h.host, last)
	f.Severity = map[string]float64{"country": 1, "region": 0.8, "city": 0.5}[level]
	f.Evidence = ev
	f.Details = map[string]string{"host": h.host, "level": level, "egress_locations": strings.Join(sortedKeys(places), "; "),
		"home":          strings.Trim(strings.Join([]string{s.Address.City, s.Address.Region, s.Address.Country}, ", "), ", "),
		"days_observed": fmt.Sprint(days), "days_away": fmt.Sprint(awayDays)}
	emit(f)
}

var levelRank = map[string]int{"": 0, "city": 1, "region": 2, "country": 3}

func (d *Detector) sharedEgress(env *detect.Env, shared map[string]map[string]*egressSeen, emit detect.Emit) {
	for _, ip := range sortedKeys(shared) {
		m := shared[ip]
		if len(m) < d.cfg.SharedEgressMin || len(m) < 2 {
			continue
		}
		subs := sortedKeys(m)
		// Workers who claim the same home address share its internet
		// connection legitimately: count households, not workers.
		house := map[string]string{}
		households := map[string]bool{}
		for _, sid := range subs {
			k := "subject:" + sid
			if s := env.Subject(sid); s != nil && !s.Address.IsZero() {
				k = s.Address.Key()
			}
			house[sid] = k
			households[k] = true
		}
		if len(households) < d.cfg.SharedEgressMin || len(households) < 2 {
			continue
		}
		for _, sid := range subs {
			f := model.NewFinding(Name, RsnSharedEgress, sid, ip, m[sid].last)
			f.Evidence = append(f.Evidence, model.EvidenceRef{Kind: model.EvIdentifier, ID: string(model.IDIP) + ":" + ip, Note: "shared public egress IP"})
			for _, id := range m[sid].events {
				f.Evidence = append(f.Evidence, model.EvidenceRef{Kind: model.EvEvent, ID: id, Note: "egress " + ip})
			}
			var others []string
			for _, o := range subs {
				if house[o] != house[sid] {
					others = append(others, o)
					f.Evidence = append(f.Evidence, model.EvidenceRef{Kind: model.EvSubject, ID: o, Note: "another worker's device behind " + ip})
				}
			}
			f.Details = map[string]string{"ip": ip, "workers": fmt.Sprint(len(subs)), "households": fmt.Sprint(len(households)), "others": strings.Join(others, ", ")}
			emit(f)
		}
	}
}

type egressSeen struct {
	events []string
	last   time.Time
}
