package sanctions

import (
	"fmt"
	"sort"
	"strings"
)

// Query is one screening request.
type Query struct {
	Name      string  `json:"name"`
	Type      string  `json:"type,omitempty"`       // person|business|vessel|aircraft; empty = any
	BirthDate string  `json:"birth_date,omitempty"` // YYYY[-MM[-DD]]
	Country   string  `json:"country,omitempty"`    // ISO code or name
	Gender    string  `json:"gender,omitempty"`     // male|female
	Limit     int     `json:"limit,omitempty"`      // default 10
	MinScore  float64 `json:"min_score,omitempty"`  // default DefaultMinScore
}

// Reason explains one part of a match score.
type Reason struct {
	Code   string  `json:"code"`
	Detail string  `json:"detail"`
	Effect float64 `json:"effect,omitempty"` // change to the score, when evidence moved it
}

// Match is one list entry that matched a query.
type Match struct {
	List        string   `json:"list"`
	SourceID    string   `json:"source_id"`
	Name        string   `json:"name"`
	MatchedName string   `json:"matched_name"`
	NameKind    string   `json:"matched_name_kind"`
	Type        string   `json:"type"`
	Programs    []string `json:"programs"`
	Score       float64  `json:"score"`
	NameScore   float64  `json:"name_score"`
	Reasons     []Reason `json:"reasons"`
	entity      int32
	nameID      int32
}

const (
	// DefaultMinScore is the lowest score returned unless the query asks.
	DefaultMinScore = 0.5
	// Threshold is the documented operating threshold: at and above it a
	// match alerts (see docs/sanctions.md for its calibration).
	Threshold = 0.85
	// candidateNames is how many candidate names get the full scorer.
	candidateNames = 24
)

// Word weights in the name score.
var classWeight = [...]float64{wcName: 1, wcStop: 0.3, wcLegal: 0.08}

// Screen returns the best matches for q, best first.
func (ix *Index) Screen(q Query) []Match {
	limit := q.Limit
	if limit <= 0 {
		limit = 10
	}
	minScore := q.MinScore
	if minScore <= 0 {
		minScore = DefaultMinScore
	}
	name := strings.TrimSpace(q.Name)
	if name == "" {
		return nil
	}
	vs := nameVariants(name)
	if t := normQueryType(q.Type); t != "" && t != TypePerson {
		vs = businessVariants(vs)
	}
	if len(vs) > 1 {
		return ix.screenVariants(q, vs, limit)
	}
	return ix.screen1(q, name, limit, minScore)
}

func (ix *Index) screen1(q Query, name string, limit int, minScore float64) []Match {
	var out []Match
	// Exact identifiers: crypto addresses and document numbers.
	if !strings.ContainsRune(name, ' ') && len(name) >= 20 {
		out = append(out, ix.ScreenCrypto(name)...)
	}
	if strings.ContainsAny(name, "0123456789") {
		out = append(out, ix.ScreenDocument(name)...)
	}

	qwords := normaliseName(name, false)
	if len(qwords) == 0 {
		return out
	}
	qt := tokenise(qwords)
	for i := range qt {
		ix.weigh(&qt[i])
	}
	qp := makePairs(qt)
	sc := ix.pool.Get().(*scratch)
	defer ix.pool.Put(sc)
	cands := ix.candidates(sc, qt, qp)
	sc.qu = units(sc.qu, qt, qp)

	best := map[int32]int{} // entity -> index in out
	for _, e := range out {
		best[e.entity] = -1
	}
	for _, nid := range cands {
		in := &ix.names[nid]
		s, _ := nameScore(sc, sc.qu, qt, in.toks, in.pairs, false)
		if s < minScore*0.8 {
			continue
		}
		if i, ok := best[in.ent]; ok {
			if i < 0 || out[i].NameScore >= s {
				continue
			}
		}
		e := &ix.Entities[in.ent]
		m := Match{List: e.List, SourceID: e.SourceID, Name: e.PrimaryName(), MatchedName: e.Names[in.name].Name,
			NameKind: e.Names[in.name].Kind, Type: e.Type, Programs: e.Programs, NameScore: s, entity: in.ent,
			nameID: nid}
		if i, ok := best[in.ent]; ok {
			out[i] = m
		} else {
			best[in.ent] = len(out)
			out = append(out, m)
		}
	}
	res := out[:0]
	for _, m := range out {
		if m.Score == 0 {
			m.Score = calibrate(m.NameScore)
			m.Reasons = []Reason{{Code: "name"}}
			ix.applyEvidence(&m, q)
		}
		if m.Score >= minScore {
			res = append(res, m)
		}
	}
	sort.SliceStable(res, func(i, j int) bool {
		if res[i].Score != res[j].Score {
			return res[i].Score > res[j].Score
		}
		return res[i].entity < res[j].entity
	})
	if len(res) > limit {
		res = res[:limit]
	}
	for i := range res {
		m := &res[i]
		if len(m.Reasons) > 0 && m.Reasons[0].Code == "name" && m.Reasons[0].Detail == "" {
			in := &ix.names[m.nameID]
			_, al := nameScore(sc, sc.qu, qt, in.toks, in.pairs, true)
			m.Reasons[0].Detail = fmt.Sprintf("%q matched %s name %q (%.3f): %s", name, m.NameKind, m.MatchedName, m.NameScore, describe(al))
		}
	}
	return res
}

// screenVariants screens each reading of an annotated name and keeps each
// entry's best match.
func (ix *Index) screenVariants(q Query, vs []string, limit int) []Match {
	best := map[string]int{}
	var out []Match
	for _, v := range vs {
		minScore := q.MinScore
		if minScore <= 0 {
			minScore = DefaultMinScore
		}
		for _, m := range ix.screen1(q, strings.TrimSpace(v), limit, minScore) {
			k := m.List + ":" + m.SourceID
			if i, ok := best[k]; ok {
				if m.Score > out[i].Score {
					out[i] = m
				}
				continue
			}
			best[k] = len(out)
			out = append(out, m)
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Score != out[j].Score {
			return out[i].Score > out[j].Score
		}
		return out[i].entity < out[j].entity
	})
	if len(out) > limit {
		out = out[:limit]
	}
	return out
}

// candidates returns the ids of the names most worth scoring: those sharing
// a word with the query exactly, by phonetic key or within one edit, with
// joined and split words tried both ways, weighted by rarity.
func (ix *Index) candidates(sc *scratch, qt, qp []token) []int32 {
	sc.cur++
	if sc.cur == 0 {
		for i := range sc.stamp {
			sc.stamp[i] = 0
		}
		sc.cur = 1
	}
	sc.touched = sc.touched[:0]
	units := make([]token, 0, len(qt)+len(qp))
	for _, t := range qt {
		if t.class == wcName {
			units = append(units, t)
		}
	}
	units = append(units, qp...)
	for _, u := range units {
		sc.seen = sc.seen[:0]
		if id, ok := ix.vocab[u.s]; ok {
			sc.see(id, 1)
		}
		for _, id := range ix.keyPost[u.key] {
			sc.see(id, 0.9)
		}
		if len(u.s) >= minDelLen-1 {
			// the query word is a vocabulary word minus one letter
			ix.delLookup(ix.hashWord(u.s), func(id int32) { sc.see(id, 0.8) })
		}
		if len(u.s) >= minDelLen {
			var buf [64]byte
			for i := 0; i < len(u.s) && len(u.s) <= len(buf); i++ {
				n := copy(buf[:], u.s[:i])
				n += copy(buf[n:], u.s[i+1:])
				if id, ok := ix.vocab[string(buf[:n])]; ok {
					sc.see(id, 0.8)
				}
				ix.delLookup(ix.hashDel(u.s, i), func(id int32) { sc.see(id, 0.8) })
			}
		}
		for _, sw := range sc.seen {
			id := sw.id
			w := ix.idf[id] * sw.sim
			for _, nid := range ix.post[id] {
				if sc.stamp[nid] != sc.cur {
					sc.stamp[nid] = sc.cur
					sc.acc[nid] = 0
					sc.touched = append(sc.touched, nid)
				}
				sc.acc[nid] += w
			}
		}
	}
	t := sc.touched
	{
		// rank by a Dice-like share: matched rarity over both names' rarity
		var qn float32
		for _, u := range qt {
			if u.class != wcName {
				continue
			}
			if id, ok := ix.vocab[u.s]; ok {
				qn += ix.idf[id]
			} else {
				qn += 8
			}
		}
		acc := sc.acc
		for _, nid := range t {
			acc[nid] = acc[nid] / (qn + ix.names[nid].norm)
		}
		t = topK(t, acc, candidateNames)
		sort.Slice(t, func(i, j int) bool { return acc[t[i]] > acc[t[j]] })
		// names sharing much less than the best candidate cannot match
		if len(t) > 0 {
			cut := acc[t[0]] * 0.4
			for i, nid := range t {
				if acc[nid] < cut {
					t = t[:i]
					break
				}
			}
		}
	}
	return t
}

// topK moves the k ids with the highest acc to the front of ids (a
// min-heap over the first k) and returns them.
func topK(ids []int32, acc []float32, k int) []int32 {
	if len(ids) <= k {
		return ids
	}
	h := ids[:k]
	less := func(a, b int32) bool { return acc[a] < acc[b] }
	down := func(i int) {
		for {
			l := 2*i + 1
			if l >= k {
				return
			}
			m := l
			if r := l + 1; r < k && less(h[r], h[l]) {
				m = r
			}
			if !less(h[m], h[i]) {
				return
			}
			h[i], h[m] = h[m], h[i]
			i = m
		}
	}
	for i := k/2 - 1; i >= 0; i-- {
		down(i)
	}
	for _, id := range ids[k:] {
		if acc[id] > acc[h[0]] {
			h[0] = id
			down(0)
		}
	}
	return h
}

// ScreenCrypto looks a digital-currency address up exactly.
func (ix *Index) ScreenCrypto(addr string) []Match {
	var out []Match
	for _, ei := range ix.crypto[normCrypto(addr)] {
		e := &ix.Entities[ei]
		out = append(out, Match{List: e.List, SourceID: e.SourceID, Name: e.PrimaryName(), MatchedName: addr, NameKind: "crypto_address",
			Type: e.Type, Programs: e.Programs, Score: 1, NameScore: 1, entity: ei,
			Reasons: []Reason{{Code: "crypto_address", Detail: fmt.Sprintf("digital-currency address %s is listed on this entry", addr)}}})
	}
	return out
}

// ScreenDocument looks an identity or registration number up exactly.
func (ix *Index) ScreenDocument(num string) []Match {
	k := normDoc(num)
	if len(k) < 5 {
		return nil
	}
	var out []Match
	for _, ei := range ix.docs[k] {
		e := &ix.Entities[ei]
		typ := ""
		for _, d := range e.Documents {
			if normDoc(d.Number) == k {
				typ = d.Type
				break
			}
		}
		out = append(out, Match{List: e.List, SourceID: e.SourceID, Name: e.PrimaryName(), MatchedName: num, NameKind: "document",
			Type: e.Type, Programs: e.Programs, Score: 1, NameScore: 1, entity: ei,
			Reasons: []Reason{{Code: "document", Detail: fmt.Sprintf("%s %s is listed on this entry", typ, num)}}})
	}
	return out
}

// calibrate maps the raw name similarity to the published score scale. The
// raw alignment score is already a weighted share of matched name weight;
// the map stretches the region where matches and non-matches meet so that
// Threshold (0.85) is the operating point (docs/sanctions.md).
func calibrate(raw float64) float64 {
	if raw >= 0.999 {
		return 1
	}
	return clamp01(raw)
}

func clamp01(x float64) float64 {
	if x < 0 {
		return 0
	}
	if x > 1 {
		return 1
	}
	return x
}

// applyEvidence moves a name score with the query's type, birth date,
// country and gender against the entry's.
func (ix *Index) applyEvidence(m *Match, q Query) {
	e := &ix.Entities[m.entity]
	adj := func(code, detail string, to float64) {
		to = clamp01(to)
		m.Reasons = append(m.Reasons, Reason{Code: code, Detail: detail, Effect: round3(to - m.Score)})
		m.Score = to
	}
	if qt := normQueryType(q.Type); qt != "" && qt != e.Type {
		f := 0.85
		if qt == TypePerson || e.Type == TypePerson {
			f = 0.75
		}
		adj("type_mismatch", fmt.Sprintf("query is a %s, entry is a %s", qt, e.Type), m.Score*f)
	}
	if qd := ParseDate(q.BirthDate); qd != "" && len(e.DOBs) > 0 {
		best := -1 // 0 conflict, 1 near year, 2 same year, 3 full agreement
		for _, d := range e.DOBs {
			if r := dobAgreement(qd, d); r > best {
				best = r
			}
		}
		switch best {
		case 3:
			adj("dob_match", fmt.Sprintf("birth date %s agrees with the entry (%s)", qd, strings.Join(e.DOBs, ", ")), m.Score+(1-m.Score)*0.5)
		case 2:
			adj("dob_year_match", fmt.Sprintf("birth year of %s agrees with the entry (%s)", qd, strings.Join(e.DOBs, ", ")), m.Score+(1-m.Score)*0.3)
		case 1:
			adj("dob_near", fmt.Sprintf("birth date %s is within a year of the entry (%s)", qd, strings.Join(e.DOBs, ", ")), m.Score*0.95)
		case 0:
			adj("dob_conflict", fmt.Sprintf("birth date %s conflicts with the entry (%s)", qd, strings.Join(e.DOBs, ", ")), m.Score*0.75)
		}
	}
	if q.Country != "" && len(ix.cc[m.entity]) > 0 {
		c := CountryCode(q.Country)
		found := false
		for _, x := range ix.cc[m.entity] {
			if x == c {
				found = true
			}
		}
		if found {
			adj("country_match", fmt.Sprintf("country %s appears on the entry", c), m.Score+(1-m.Score)*0.2)
		} else {
			adj("country_mismatch", fmt.Sprintf("country %s does not appear on the entry (%s)", c, strings.Join(ix.cc[m.entity], ", ")), m.Score*0.95)
		}
	}
	if g := strings.ToLower(strings.TrimSpace(q.Gender)); g != "" && e.Gender != "" {
		if g == e.Gender {
			adj("gender_match", "gender agrees with the entry", m.Score+(1-m.Score)*0.1)
		} else {
			adj("gender_conflict", fmt.Sprintf("query gender %s, entry gender %s", g, e.Gender), m.Score*0.8)
		}
	}
	m.Score = round3(m.Score)
}

func round3(x float64) float64 { return float64(int(x*1000+0.5)) / 1000 }

func normQueryType(t string) string {
	switch strings.ToLower(strings.TrimSpace(t)) {
	case "":
		return ""
	case "person", "individual":
		return TypePerson
	case "vessel":
		return TypeVessel
	case "aircraft":
		return TypeAircraft
	default:
		return TypeBusiness
	}
}

// dobAgreement compares two dates of any precision: 3 = agree at the
// shared precision beyond the year, 2 = same year, 1 = one year apart,
// 0 = conflict.
func dobAgreement(a, b string) int {
	if len(a) < 4 || len(b) < 4 {
		return 2
	}
	ya, yb := atoiSafe(a[:4]), atoiSafe(b[:4])
	if ya != yb {
		if ya-yb == 1 || yb-ya == 1 {
			return 1
		}
		return 0
	}
	n := len(a)
	if len(b) < n {
		n = len(b)
	}
	if n <= 4 {
		return 2
	}
	if a[:n] == b[:n] {
		return 3
	}
	return 1
}

func atoiSafe(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return -1
		}
		n = n*10 + int(s[i]-'0')
	}
	return n
}
