package web

import (
	"fmt"
	"html"
	"math"
	"strings"
	"time"

	"github.com/redflag-dev/redflag/internal/model"
)

// Activity is an hour-of-day histogram in the claimed time zone.
type Activity struct {
	Zone        string  `json:"zone"`
	ZoneOK      bool    `json:"zone_ok"`
	Hours       [24]int `json:"hours"` // local hour in the claimed zone (UTC when unknown)
	Total       int     `json:"total"`
	InHours     float64 `json:"in_business_hours"` // share in 08:00-18:59 local
	BestOffset  int     `json:"best_offset"`       // UTC offset whose business hours fit best
	BestShare   float64 `json:"best_share"`
	ClaimOffset int     `json:"claimed_offset"`
	Note        string  `json:"note,omitempty"`
	utcHours    [24]int
}

const bizStart, bizEnd = 8, 19 // 08:00 to 18:59

func activity(times []time.Time, zone string) Activity {
	a := Activity{Zone: zone}
	loc := time.UTC
	if zone != "" {
		if l, err := time.LoadLocation(zone); err == nil {
			loc, a.ZoneOK = l, true
		} else {
			a.Note = fmt.Sprintf("claimed time zone %q is not a known IANA zone; hours shown in UTC", zone)
		}
	} else {
		a.Note = "no claimed time zone; hours shown in UTC"
	}
	for _, t := range times {
		lt := t.In(loc)
		a.Hours[lt.Hour()]++
		a.utcHours[t.UTC().Hour()]++
		a.Total++
	}
	if len(times) > 0 {
		_, off := times[len(times)-1].In(loc).Zone()
		a.ClaimOffset = off / 3600
	}
	if a.Total == 0 {
		return a
	}
	in := 0
	for h := bizStart; h < bizEnd; h++ {
		in += a.Hours[h]
	}
	a.InHours = float64(in) / float64(a.Total)
	a.BestShare = -1
	var best []int
	for off := -12; off <= 14; off++ {
		n := 0
		for h := 0; h < 24; h++ {
			lh := ((h+off)%24 + 24) % 24
			if lh >= bizStart && lh < bizEnd {
				n += a.utcHours[h]
			}
		}
		sh := float64(n) / float64(a.Total)
		switch {
		case sh > a.BestShare+1e-9:
			a.BestShare, best = sh, []int{off}
		case math.Abs(sh-a.BestShare) < 1e-9:
			best = append(best, off)
		}
	}
	// Several offsets may fit equally well: the claimed one if among them,
	// else the middle of the run.
	a.BestOffset = best[len(best)/2]
	for _, o := range best {
		if o == a.ClaimOffset {
			a.BestOffset = o
		}
	}
	return a
}

func abs(i int) int {
	if i < 0 {
		return -i
	}
	return i
}

// hourChartSVG draws 24 bars with the business-hours band of the claimed zone.
func hourChartSVG(a Activity) string {
	const w, h, left, bottom, top = 720, 190, 34, 26, 12
	bw := float64(w-left-8) / 24
	max := 1
	for _, v := range a.Hours {
		if v > max {
			max = v
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, `<svg class="chart" viewBox="0 0 %d %d" role="img" aria-labelledby="hc-title hc-desc" xmlns="http://www.w3.org/2000/svg">`, w, h)
	zone := "UTC"
	if a.ZoneOK {
		zone = a.Zone
	}
	fmt.Fprintf(&b, `<title id="hc-title">Activity by hour of day in %s</title>`, html.EscapeString(zone))
	fmt.Fprintf(&b, `<desc id="hc-desc">%d sign-in and endpoint events; %.0f%% within 08:00–19:00 local time.</desc>`, a.Total, 100*a.InHours)
	ph := float64(h - bottom - top)
	// Business hours band.
	fmt.Fprintf(&b, `<rect class="band" x="%.1f" y="%d" width="%.1f" height="%.1f"/>`, float64(left)+bw*bizStart, top, bw*(bizEnd-bizStart), ph)
	fmt.Fprintf(&b, `<text class="bandlabel" x="%.1f" y="%d">business hours (claimed zone)</text>`, float64(left)+bw*bizStart+4, top+11)
	// Grid and axis.
	for i := 0; i <= 4; i++ {
		y := float64(top) + ph - ph*float64(i)/4
		fmt.Fprintf(&b, `<line class="grid" x1="%d" x2="%d" y1="%.1f" y2="%.1f"/>`, left, w-8, y, y)
		fmt.Fprintf(&b, `<text class="axis" x="%d" y="%.1f" text-anchor="end">%d</text>`, left-4, y+4, int(math.Round(float64(max)*float64(i)/4)))
	}
	for hr := 0; hr < 24; hr++ {
		v := a.Hours[hr]
		bh := ph * float64(v) / float64(max)
		x := float64(left) + bw*float64(hr)
		cls := "hbar"
		if hr < bizStart || hr >= bizEnd {
			cls = "hbar off"
		}
		fmt.Fprintf(&b, `<rect class="%s" x="%.1f" y="%.1f" width="%.1f" height="%.1f"><title>%02d:00 — %d events</title></rect>`, cls, x+1.5, float64(top)+ph-bh, bw-3, bh, hr, v)
		if hr%3 == 0 {
			fmt.Fprintf(&b, `<text class="axis" x="%.1f" y="%d" text-anchor="middle">%02d</text>`, x+bw/2, h-8, hr)
		}
	}
	b.WriteString(`</svg>`)
	return b.String()
}

// graphSVG draws the subject in the middle and linked subjects around it,
// each edge labelled with the identifier kinds that link them.
func graphSVG(center model.Subject, g Graph) string {
	const w, h = 560, 360
	links := g.Links
	more := 0
	if len(links) > 12 {
		more = len(links) - 12
		links = links[:12]
	}
	var b strings.Builder
	fmt.Fprintf(&b, `<svg class="graph" viewBox="0 0 %d %d" role="img" aria-label="Linked people through shared identifiers" xmlns="http://www.w3.org/2000/svg">`, w, h)
	cx, cy := float64(w)/2, float64(h)/2
	r := 130.0
	type pt struct{ x, y float64 }
	pos := make([]pt, len(links))
	for i := range links {
		ang := -math.Pi/2 + 2*math.Pi*float64(i)/float64(max(len(links), 1))
		pos[i] = pt{cx + r*math.Cos(ang)*1.45, cy + r*math.Sin(ang)}
	}
	for i, l := range links {
		kinds := map[string]bool{}
		var ks []string
		for _, v := range l.Via {
			if !kinds[string(v.Kind)] {
				kinds[string(v.Kind)] = true
				ks = append(ks, string(v.Kind))
			}
		}
		sw := 1.5 + float64(len(l.Via))
		fmt.Fprintf(&b, `<line class="edge" x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke-width="%.1f"/>`, cx, cy, pos[i].x, pos[i].y, math.Min(sw, 6))
		mx, my := (cx+pos[i].x)/2, (cy+pos[i].y)/2
		fmt.Fprintf(&b, `<text class="edgelabel" x="%.1f" y="%.1f" text-anchor="middle">%s</text>`, mx, my-3, html.EscapeString(strings.Join(ks, ", ")))
	}
	for i, l := range links {
		name := l.Name
		if name == "" {
			name = l.SubjectID
		}
		if len([]rune(name)) > 22 {
			name = string([]rune(name)[:21]) + "…"
		}
		fmt.Fprintf(&b, `<a href="/subjects/%s"><g class="node lvl-%s"><circle cx="%.1f" cy="%.1f" r="16"/><text class="score" x="%.1f" y="%.1f" text-anchor="middle">%.0f</text><text class="name" x="%.1f" y="%.1f" text-anchor="middle">%s</text></g></a>`,
			html.EscapeString(l.SubjectID), html.EscapeString(string(levelOr(l.Level))), pos[i].x, pos[i].y, pos[i].x, pos[i].y+4, l.Score, pos[i].x, pos[i].y+31, html.EscapeString(name))
	}
	cname := center.FullName
	if cname == "" {
		cname = center.ID
	}
	fmt.Fprintf(&b, `<g class="node center"><circle cx="%.1f" cy="%.1f" r="22"/><text class="name" x="%.1f" y="%.1f" text-anchor="middle">%s</text></g>`, cx, cy, cx, cy+38, html.EscapeString(cname))
	if len(links) == 0 {
		fmt.Fprintf(&b, `<text class="empty" x="%.1f" y="%.1f" text-anchor="middle">No other person shares an identifier with this subject.</text>`, cx, cy-40)
	}
	if more > 0 {
		fmt.Fprintf(&b, `<text class="empty" x="%d" y="%d" text-anchor="end">+%d more in the table</text>`, w-8, h-8, more)
	}
	b.WriteString(`</svg>`)
	return b.String()
}

func levelOr(l model.Level) model.Level {
	if l == "" {
		return model.LevelLow
	}
	return l
}
