package network

import (
	"context"
	"fmt"
	"github.com/redflag-dev/redflag/internal/identity"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/redflag-dev/redflag/internal/detect"
	"github.com/redflag-dev/redflag/internal/model"
)

func events(ids []string) []model.EvidenceRef {
	out := make([]model.EvidenceRef, 0, len(ids))
	for _, id := range ids {
		out = append(out, model.EvidenceRef{Kind: model.EvEvent, ID: id})
	}
	return out
}

// Finish implements detect.Finisher: it emits each subject's findings from
// its state and runs the cross-subject joins.
func (d *Detector) Finish(_ context.Context, env *detect.Env, emit detect.Emit) error {
	if env != d.env {
		d.reset(env) // a run without sign-ins: nothing from an earlier run
	}
	if d.loadErr != nil {
		return d.loadErr
	}
	ids := make([]string, 0, len(d.subj))
	for id := range d.subj {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	out := func(code, subjectID, key string, at time.Time, ev []model.EvidenceRef, details map[string]string) {
		if d.disabled[code] {
			return
		}
		f := model.NewFinding(Name, defOf(code), subjectID, key, at)
		f.Evidence = ev
		f.Details = details
		emit(f)
	}
	for _, id := range ids {
		st := d.subj[id]
		sub := env.Subject(id)
		if e := st.astrill; e.n > 0 {
			out(CodeAstrill, id, "", e.last, events(e.ids), map[string]string{"signins": strconv.Itoa(e.n)})
		}
		if e := st.tor; e.n > 0 {
			out(CodeTor, id, "", e.last, events(e.ids), map[string]string{"signins": strconv.Itoa(e.n)})
		}
		if e := st.vpn; e.n >= d.cfg.VPNMinSignIns && e.n > 0 {
			out(CodeVPN, id, "", e.last, events(e.ids), map[string]string{"signins": strconv.Itoa(e.n)})
		}
		claimed := ""
		if sub != nil {
			claimed = strings.ToUpper(sub.Address.Country)
		}
		if e := st.highRisk; e.n >= d.cfg.GeoMinSignIns && e.n > 0 {
			out(CodeHighRiskGeo, id, "", e.last, events(e.ids), map[string]string{"signins": strconv.Itoa(e.n), "countries": countryList(st.countries, d.highRisk, true), "claimed_country": claimed})
		}
		if e := st.country; e.n >= d.cfg.GeoMinSignIns && e.n > 0 {
			out(CodeCountry, id, "", e.last, events(e.ids), map[string]string{"signins": strconv.Itoa(e.n), "countries": countryList(st.countries, d.highRisk, false), "claimed_country": claimed})
		}
		if sub != nil && sub.Address.Region != "" && len(st.regions) >= max(3, d.cfg.RegionRecent/2) {
			want := normRegion(claimed, sub.Address.Region)
			comparable := true
			if claimed != "US" {
				// Outside the US the HR record and the databases may name a
				// region differently (ISO code vs name): compare like with like.
				for _, r := range st.regions {
					if (len(r) <= 3) != (len(want) <= 3) {
						comparable = false
					}
				}
			}
			counts := map[string]int{}
			for _, r := range st.regions {
				counts[r]++
			}
			best, bn := "", 0
			for r, n := range counts {
				if n > bn || (n == bn && r < best) {
					best, bn = r, n
				}
			}
			if comparable && best != want && counts[want]*2 < len(st.regions) && bn*2 > len(st.regions) {
				var ev []string
				for i, r := range st.regions {
					if r == best && len(ev) < maxEvidence {
						ev = append(ev, st.regionIDs[i])
					}
				}
				out(CodeRegion, id, "", st.lastTime, events(ev), map[string]string{"claimed_region": want, "observed_region": best, "recent_signins": strconv.Itoa(len(st.regions))})
			}
		}
		if e := st.impossible; e.n > 0 {
			out(CodeImpossible, id, "", e.last, events(e.ids), map[string]string{"occurrences": strconv.Itoa(e.n), "last": st.impossibleDetail})
		}
		if e := st.multiCountry; e.n > 0 {
			out(CodeMultiCountry, id, "", e.last, events(e.ids), map[string]string{"occurrences": strconv.Itoa(e.n), "countries": st.multiCountryDetail})
		}
		if e := st.multiASN; e.n > 0 {
			out(CodeMultiASN, id, "", e.last, events(e.ids), map[string]string{"occurrences": strconv.Itoa(e.n), "asns": st.multiASNDetail})
		}
		if e := st.longSession; e.n > 0 {
			out(CodeLongSession, id, "", e.last, events(e.ids), map[string]string{"longest_hours": strconv.FormatFloat(math.Round(st.longSessionHours*10)/10, 'f', -1, 64)})
		}
		if e := st.newUnmanaged; e.n > 0 {
			out(CodeNewUnmanaged, id, "", e.last, events(e.ids), map[string]string{"signins": strconv.Itoa(e.n), "first_n": strconv.Itoa(st.newSeen)})
		}
		if e := st.newGeo; e.n > 0 {
			var cs []string
			for c := range st.newGeoCountries {
				cs = append(cs, c)
			}
			sort.Strings(cs)
			out(CodeNewGeo, id, "", e.last, events(e.ids), map[string]string{"signins": strconv.Itoa(e.n), "countries": strings.Join(cs, ","), "claimed_country": claimed})
		}
		if sub != nil {
			if res, ok := d.hoursFit(st, sub); ok {
				out(CodeHours, id, "", st.lastTime, []model.EvidenceRef{{Kind: model.EvSubject, ID: id, Note: res.note}}, res.details)
			}
		}
	}
	// Workers who claim the same home (a family) share its internet line
	// legitimately; a laptop farm's workers claim different homes.
	sameHome := func(a, b string) bool {
		sa, sb := env.Subject(a), env.Subject(b)
		return sa != nil && sb != nil && !sa.Address.IsZero() && sa.Address.Key() == sb.Address.Key()
	}
	d.shared(d.ipUse, model.IDIP, CodeSharedIP, d.cfg.SharedIPMinAccounts, d.cfg.SharedIPMaxAccounts, d.cfg.SharedIPWindow, sameHome, out)
	d.shared(d.mfaUse, model.IDMFADevice, CodeSharedMFA, d.cfg.SharedMFAMinAccounts, 0, 0, nil, out)
	return nil
}

func countryList(m map[string]int, hr map[string]bool, wantHR bool) string {
	var cs []string
	for c := range m {
		if hr[c] == wantHR {
			cs = append(cs, c)
		}
	}
	sort.Strings(cs)
	return strings.Join(cs, ",")
}

// shared emits, for every identifier used by enough subjects whose uses
// fall within window of each other, one finding per subject that links the
// other subjects.
func (d *Detector) shared(m map[string]map[string]*use, kind model.IdentifierKind, code string, minAccounts, maxAccounts int, window time.Duration, excuse func(a, b string) bool, out func(string, string, string, time.Time, []model.EvidenceRef, map[string]string)) {
	if minAccounts < 2 {
		minAccounts = 2
	}
	keys := make([]string, 0, len(m))
	for k, subs := range m {
		if len(subs) >= minAccounts && (maxAccounts <= 0 || len(subs) <= maxAccounts) {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	for _, k := range keys {
		subs := m[k]
		names := make([]string, 0, len(subs))
		for s := range subs {
			names = append(names, s)
		}
		sort.Strings(names)
		for _, s := range names {
			u := subs[s]
			var others []string
			for _, o := range names {
				if o == s {
					continue
				}
				ou := subs[o]
				if window > 0 && (ou.first.After(u.last.Add(window)) || u.first.After(ou.last.Add(window))) {
					continue
				}
				if excuse != nil && excuse(s, o) {
					continue
				}
				others = append(others, o)
			}
			if len(others)+1 < minAccounts {
				continue
			}
			ev := []model.EvidenceRef{{Kind: model.EvIdentifier, ID: string(kind) + ":" + k}, {Kind: model.EvEvent, ID: u.id}}
			for i, o := range others {
				if i >= maxEvidence {
					break
				}
				ev = append(ev, model.EvidenceRef{Kind: model.EvSubject, ID: o}, model.EvidenceRef{Kind: model.EvEvent, ID: subs[o].id})
			}
			out(code, s, k, u.last, ev, map[string]string{string(kind): k, "accounts": strconv.Itoa(len(others) + 1), "other_subjects": strings.Join(others, ",")})
		}
	}
}

// workday is a smoothed working-day profile: relative activity by local
// hour. Night hours keep a floor so that one late evening does not dominate.
var workday = func() [24]float64 {
	w := [24]float64{0.3, 0.2, 0.15, 0.15, 0.15, 0.2, 0.5, 1.5, 4, 8, 8, 8, 6, 8, 8, 8, 7, 5, 3, 2, 1.6, 1.3, 1, 0.6}
	var sum float64
	for _, x := range w {
		sum += x
	}
	for i := range w {
		w[i] = math.Log(w[i] / sum)
	}
	return w
}()

type hoursResult struct {
	note    string
	details map[string]string
}

// hoursFit compares the likelihood of the subject's UTC activity-hour
// histogram under the working-day profile placed in each time zone. It
// fires when a suspect zone (UTC+8/+9) fits best of all 24 offsets (±1 h)
// and beats the claimed zone by HoursMinGain nats per activity slot. A
// night owl's profile is shifted from the claimed zone too, but its best
// fit lands elsewhere, and the test needs HoursMinSamples slots.
func (d *Detector) hoursFit(st *subjState, sub *model.Subject) (hoursResult, bool) {
	if st.slots < d.cfg.HoursMinSamples || sub.ClaimedTimezone == "" {
		return hoursResult{}, false
	}
	loc, ok := d.locs[sub.ClaimedTimezone]
	if !ok {
		l, err := time.LoadLocation(sub.ClaimedTimezone)
		if err != nil {
			l = nil
		}
		d.locs[sub.ClaimedTimezone] = l
		loc = l
	}
	if loc == nil {
		return hoursResult{}, false
	}
	_, off := st.lastTime.In(loc).Zone()
	claimed := int(math.Round(float64(off) / 3600))
	ll := func(offset int) float64 {
		var s float64
		for h, n := range st.hours {
			if n > 0 {
				s += float64(n) * workday[((h+offset)%24+24)%24]
			}
		}
		return s
	}
	best, bestLL := 0, math.Inf(-1)
	for o := -11; o <= 12; o++ {
		if v := ll(o); v > bestLL {
			best, bestLL = o, v
		}
	}
	claimedLL := ll(claimed)
	for _, so := range d.cfg.SuspectOffsets {
		if circDist(so, claimed) <= 2 {
			continue // the claimed zone is itself near the suspect one
		}
		if circDist(best, so) > 1 {
			continue
		}
		gain := (ll(so) - claimedLL) / float64(st.slots)
		// A working week is Monday to Friday where the work happens. A
		// night owl in the claimed zone works Monday-Friday evenings, which
		// in UTC+8 fall on Tuesday-Saturday mornings: the weekend share
		// tells the two apart.
		wkSuspect, wkClaimed := weekendShare(&st.weekHours, so), weekendShare(&st.weekHours, claimed)
		if gain >= d.cfg.HoursMinGain && wkSuspect <= d.cfg.HoursMaxWeekend && wkSuspect < wkClaimed {
			note := fmt.Sprintf("activity hours fit UTC%+d (gain %.2f nats/slot over claimed %s, UTC%+d; %d slots)", so, gain, sub.ClaimedTimezone, claimed, st.slots)
			hist := make([]string, 24)
			for h, n := range st.hours {
				hist[h] = strconv.Itoa(n)
			}
			return hoursResult{note: note, details: map[string]string{
				"best_offset": strconv.Itoa(best), "suspect_offset": strconv.Itoa(so), "claimed_offset": strconv.Itoa(claimed),
				"claimed_timezone": sub.ClaimedTimezone, "gain_per_slot": strconv.FormatFloat(math.Round(gain*100)/100, 'f', -1, 64),
				"slots": strconv.Itoa(st.slots), "utc_hour_histogram": strings.Join(hist, ","),
				"weekend_share_suspect": strconv.FormatFloat(math.Round(wkSuspect*100)/100, 'f', -1, 64),
				"weekend_share_claimed": strconv.FormatFloat(math.Round(wkClaimed*100)/100, 'f', -1, 64),
			}}, true
		}
	}
	return hoursResult{}, false
}

// weekendShare is the share of activity slots that fall on a Saturday or
// Sunday in the zone offset hours east of UTC.
func weekendShare(w *[7][24]int, offset int) float64 {
	var we, all int
	for d := 0; d < 7; d++ {
		for h := 0; h < 24; h++ {
			n := w[d][h]
			if n == 0 {
				continue
			}
			all += n
			lh := h + offset
			ld := d
			if lh < 0 {
				ld = (d + 6) % 7
			} else if lh >= 24 {
				ld = (d + 1) % 7
			}
			if ld == int(time.Saturday) || ld == int(time.Sunday) {
				we += n
			}
		}
	}
	if all == 0 {
		return 0
	}
	return float64(we) / float64(all)
}

func circDist(a, b int) int {
	d := ((a-b)%24 + 24) % 24
	if d > 12 {
		d = 24 - d
	}
	return d
}

func normRegion(country, region string) string {
	r := strings.ToLower(strings.TrimSpace(region))
	r = strings.TrimPrefix(r, strings.ToLower(country)+"-") // ISO 3166-2 "US-CA"
	if country == "US" {
		if c, ok := identity.USStateCode(r); ok {
			return c
		}
		return strings.ToUpper(r)
	}
	return r
}
