package sanctions

import (
	"fmt"
	"math"
	"math/bits"
	"strings"
)

// alignPair records which query word(s) matched which entry word(s).
type alignPair struct {
	q, c string
	sim  float64
	how  string // exact, phonetic, spelling, abbreviation, joined
}

// unit is a word, or two adjacent words joined, on one side of an alignment.
type unit struct {
	t      *token
	i, j   int // covered word positions i..j (j == i for a single word)
	weight float64
}

func units(us []unit, toks, pairs []token) []unit {
	us = us[:0]
	for i := range toks {
		us = append(us, unit{t: &toks[i], i: i, j: i, weight: toks[i].w})
	}
	// pairs were built from adjacent name words in order
	pi := 0
	for i := 0; i+1 < len(toks) && pi < len(pairs); i++ {
		if !pairable(toks[i], toks[i+1]) {
			continue
		}
		us = append(us, unit{t: &pairs[pi], i: i, j: i + 1, weight: toks[i].w + toks[i+1].w})
		pi++
	}
	return us
}

// tokenSim compares two words: 1 when equal, high when they share a
// phonetic key (romanisation variants), otherwise an edit-distance
// similarity on the spelling and on the keys; below 0.6 counts as no match.
func tokenSim(a, b *token) (float64, string) {
	if a.s == b.s {
		return 1, "exact"
	}
	ad, bd := a.s[0] >= '0' && a.s[0] <= '9', b.s[0] >= '0' && b.s[0] <= '9'
	if ad || bd || romanNumerals[a.s] || romanNumerals[b.s] {
		// numbers, numerals and ideographs must agree exactly
		return 0, ""
	}
	if a.key == b.key && a.key != "" {
		if a.key[0] == '~' {
			return 0.95, "romanisation"
		}
		return 0.92, "phonetic"
	}
	if a.s[0] >= 0x80 || b.s[0] >= 0x80 {
		return 0, ""
	}
	la, lb := len(a.s), len(b.s)
	short, long := a.s, b.s
	if la > lb {
		short, long = b.s, a.s
	}
	if len(short) == 1 {
		if long[0] == short[0] {
			return 0.6, "initial"
		}
		return 0, ""
	}
	if len(short) >= 3 && len(short) <= 5 && len(long) >= len(short)+3 && strings.HasPrefix(long, short) {
		return 0.85, "abbreviation"
	}
	L := la
	if lb > L {
		L = lb
	}
	if float64(abs(la-lb)) > 0.4*float64(L) {
		return 0, ""
	}
	maxD := 2
	if L > 8 {
		maxD = 3
	}
	s, how := 0.0, "spelling"
	// each edit changes at most two letters of the letter sets
	if bits.OnesCount32(a.mask^b.mask) <= 2*maxD {
		if d := damerau(a.s, b.s, maxD); d <= maxD {
			s = editSim(d, L)
		}
	}
	lk := len(a.key)
	if len(b.key) > lk {
		lk = len(b.key)
	}
	if lk > 0 && bits.OnesCount32(a.kmask^b.kmask) <= 2*maxD {
		if dk := damerau(a.key, b.key, maxD); dk <= maxD {
			if sk := editSim(dk, lk) * 0.95; sk > s {
				s, how = sk, "phonetic"
			}
		}
	}
	if s < 0.7 {
		return 0, ""
	}
	return s, how
}

var romanNumerals = setOf("ii iii iv vi vii viii ix xi xii xiii xiv xv xvi xvii xviii xix xx")

// editSim turns an edit distance into a similarity; one letter differing
// in a short word says more than in a long one.
func editSim(d, l int) float64 {
	s := 1 - float64(d)/float64(l)
	if l <= 4 {
		s -= 0.05
	}
	return s
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

// damerau is the optimal-string-alignment distance, stopping early (and
// returning max+1) once it exceeds max.
func damerau(a, b string, max int) int {
	la, lb := len(a), len(b)
	if abs(la-lb) > max {
		return max + 1
	}
	var buf [3][32]int
	if lb >= 31 {
		return damerauSlow(a, b)
	}
	prev2, prev, cur := buf[0][:lb+1], buf[1][:lb+1], buf[2][:lb+1]
	for j := 0; j <= lb; j++ {
		prev[j] = j
	}
	for i := 1; i <= la; i++ {
		cur[0] = i
		rowMin := cur[0]
		for j := 1; j <= lb; j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			v := prev[j] + 1
			if x := cur[j-1] + 1; x < v {
				v = x
			}
			if x := prev[j-1] + cost; x < v {
				v = x
			}
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				if x := prev2[j-2] + 1; x < v {
					v = x
				}
			}
			cur[j] = v
			if v < rowMin {
				rowMin = v
			}
		}
		if rowMin > max {
			return max + 1
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[lb]
}

func damerauSlow(a, b string) int {
	la, lb := len(a), len(b)
	d := make([][]int, la+1)
	for i := range d {
		d[i] = make([]int, lb+1)
		d[i][0] = i
	}
	for j := 0; j <= lb; j++ {
		d[0][j] = j
	}
	for i := 1; i <= la; i++ {
		for j := 1; j <= lb; j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			v := d[i-1][j] + 1
			if x := d[i][j-1] + 1; x < v {
				v = x
			}
			if x := d[i-1][j-1] + cost; x < v {
				v = x
			}
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				if x := d[i-2][j-2] + 1; x < v {
					v = x
				}
			}
			d[i][j] = v
		}
	}
	return d[la][lb]
}

type edge struct {
	qu, cu int
	sim    float64
	how    string
}

// nameScore aligns query words with entry words (one-to-one, a word may
// also meet two adjacent words joined) and returns the weighted share of
// both names covered: 0.6 of the query's weight and 0.4 of the entry's.
func nameScore(sc *scratch, qu []unit, qt, ct, cp []token, wantAlign bool) (float64, []alignPair) {
	sc.cu = units(sc.cu, ct, cp)
	cu := sc.cu
	edges := sc.edges[:0]
	defer func() { sc.edges = edges[:0] }()
	for i := range qu {
		for j := range cu {
			// joined-to-joined is the same as two singles
			if qu[i].i != qu[i].j && cu[j].i != cu[j].j {
				continue
			}
			s, how := tokenSim(qu[i].t, cu[j].t)
			if s <= 0 {
				continue
			}
			if qu[i].i != qu[i].j || cu[j].i != cu[j].j {
				if s < 0.8 || how == "abbreviation" || how == "initial" {
					continue
				}
				how = "joined/" + how
			}
			edges = append(edges, edge{i, j, s, how})
		}
	}
	// greedy by similarity, then by words covered
	for a := 1; a < len(edges); a++ {
		for b := a; b > 0; b-- {
			x, y := edges[b-1], edges[b]
			sx, sy := x.sim, y.sim
			if sx > sy || (sx == sy && (qu[x.qu].j-qu[x.qu].i+cu[x.cu].j-cu[x.cu].i) >= (qu[y.qu].j-qu[y.qu].i+cu[y.cu].j-cu[y.cu].i)) {
				break
			}
			edges[b-1], edges[b] = y, x
		}
	}
	var qused, cused uint64
	var qw, cw, qm, cm float64
	for _, t := range qt {
		qw += t.w
	}
	for _, t := range ct {
		cw += t.w
	}
	var al []alignPair
	for _, e := range edges {
		q, c := qu[e.qu], cu[e.cu]
		qmask := uint64(1)<<uint(q.i) | uint64(1)<<uint(q.j)
		cmask := uint64(1)<<uint(c.i) | uint64(1)<<uint(c.j)
		if q.j >= 64 || c.j >= 64 || qused&qmask != 0 || cused&cmask != 0 {
			continue
		}
		qused |= qmask
		cused |= cmask
		qm += wsum(qt, q.i, q.j) * e.sim
		cm += wsum(ct, c.i, c.j) * e.sim
		if wantAlign {
			al = append(al, alignPair{q: q.t.s, c: c.t.s, sim: e.sim, how: e.how})
		}
	}
	// legal-form words neither create nor block a match: an unmatched one
	// does not count against the name
	for i, t := range qt {
		if t.class == wcLegal && qused&(1<<uint(i)) == 0 && i < 64 {
			qw -= t.w
		}
	}
	for i, t := range ct {
		if t.class == wcLegal && cused&(1<<uint(i)) == 0 && i < 64 {
			cw -= t.w
		}
	}
	if qw <= 1e-9 || cw <= 1e-9 {
		return 0, nil
	}
	qc, cc := math.Min(qm/qw, 1), math.Min(cm/cw, 1)
	return 0.6*qc + 0.4*cc, al
}

func wsum(ts []token, i, j int) float64 {
	w := 0.0
	for k := i; k <= j; k++ {
		w += ts[k].w
	}
	return w
}

func describe(al []alignPair) string {
	parts := make([]string, 0, len(al))
	for _, a := range al {
		if a.how == "exact" {
			parts = append(parts, a.q)
		} else {
			parts = append(parts, fmt.Sprintf("%s~%s (%s %.2f)", a.q, a.c, a.how, a.sim))
		}
	}
	return strings.Join(parts, ", ")
}
