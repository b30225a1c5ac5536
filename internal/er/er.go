// Package er links person records that carry no shared identifier but are
// the same person: Fellegi–Sunter record linkage over name, birth date and
// address, with blocking so that only plausible pairs are compared.
//
// Each field comparison gives an agreement level (exact, close, different,
// or missing). A model holds, per field and level, m (the probability of the
// level among true matches) and u (among non-matches); a pair's match weight
// is the sum of log2(m/u) over its non-missing fields. u comes from random
// pairs (almost all non-matches), m and the match prior λ from
// expectation-maximisation over the blocked candidate pairs, as Splink does.
//
// Our own code: no maintained Go record-linkage library exists (the mature
// ones are Python: recordlinkage, Splink, Zingg); Jaro–Winkler and Soundex
// are short and written here too. Measured on FEBRL4 in er_test.go and
// docs/identity.md.
package er

import (
	"math"
	"math/rand/v2"
	"sort"
	"strings"
	"unicode"
)

// Record is a person as the linker sees it.
type Record struct {
	ID           string
	Given        string
	Surname      string
	DOB          string // digits, YYYYMMDD (dashes are ignored)
	StreetNumber string
	Street       string
	Street2      string // building, complex or second line
	Locality     string // suburb or city
	Postcode     string
	Region       string
}

// Field indexes.
const (
	FGiven = iota
	FSurname
	FDOB
	FStreetNumber
	FStreet
	FStreet2
	FLocality
	FPostcode
	FRegion
	NFields
)

// FieldNames name the fields, for reports.
var FieldNames = [NFields]string{"given", "surname", "dob", "street_number", "street", "street2", "locality", "postcode", "region"}

// Levels per field: 0 = different, higher = closer; Missing when either side is empty.
const (
	Missing = 255
	nLevels = 3
)

// Vector is a pair's agreement levels.
type Vector [NFields]uint8

func clean(s string) string {
	return strings.Join(strings.FieldsFunc(strings.ToLower(s), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }), " ")
}

func digits(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// Normalize cleans a record's fields in place (case, punctuation, DOB digits).
func (r *Record) Normalize() {
	r.Given, r.Surname = clean(r.Given), clean(r.Surname)
	r.DOB = digits(r.DOB)
	r.StreetNumber, r.Street, r.Street2 = clean(r.StreetNumber), clean(r.Street), clean(r.Street2)
	r.Locality, r.Postcode, r.Region = clean(r.Locality), clean(r.Postcode), clean(r.Region)
}

func textLevel(a, b string) uint8 {
	if a == "" || b == "" {
		return Missing
	}
	if a == b {
		return 2
	}
	if JaroWinkler(a, b) >= 0.88 {
		return 1
	}
	return 0
}

func exactLevel(a, b string) uint8 {
	if a == "" || b == "" {
		return Missing
	}
	if a == b {
		return 2
	}
	return 0
}

// editLevel: 2 exact, 1 one substitution or adjacent transposition, 0 else.
func editLevel(a, b string) uint8 {
	if a == "" || b == "" {
		return Missing
	}
	if a == b {
		return 2
	}
	if len(a) != len(b) {
		return 0
	}
	var diff []int
	for i := 0; i < len(a); i++ {
		if a[i] != b[i] {
			diff = append(diff, i)
			if len(diff) > 2 {
				return 0
			}
		}
	}
	if len(diff) == 1 {
		return 1
	}
	if len(diff) == 2 && diff[1] == diff[0]+1 && a[diff[0]] == b[diff[1]] && a[diff[1]] == b[diff[0]] {
		return 1
	}
	return 0
}

func dobLevel(a, b string) uint8 {
	l := editLevel(a, b)
	if l == 0 && len(a) == 8 && len(b) == 8 && a[:4] == b[:4] && a[4:6] == b[6:8] && a[6:8] == b[4:6] {
		return 1 // day and month swapped
	}
	return l
}

// Compare computes the agreement vector of two normalised records.
func Compare(a, b *Record) Vector {
	var v Vector
	v[FGiven] = textLevel(a.Given, b.Given)
	v[FSurname] = textLevel(a.Surname, b.Surname)
	// given and surname swapped
	if v[FGiven] == 0 && v[FSurname] == 0 && a.Given == b.Surname && a.Surname == b.Given && a.Given != "" {
		v[FGiven], v[FSurname] = 1, 1
	}
	v[FDOB] = dobLevel(a.DOB, b.DOB)
	v[FStreetNumber] = exactLevel(a.StreetNumber, b.StreetNumber)
	v[FStreet] = textLevel(a.Street, b.Street)
	v[FStreet2] = textLevel(a.Street2, b.Street2)
	v[FLocality] = textLevel(a.Locality, b.Locality)
	v[FPostcode] = editLevel(a.Postcode, b.Postcode)
	v[FRegion] = exactLevel(a.Region, b.Region)
	return v
}

// Model holds the m and u probabilities and the match prior.
type Model struct {
	M, U   [NFields][nLevels]float64
	Lambda float64
}

// Weight is a pair's match weight (log2 likelihood ratio).
func (m *Model) Weight(v Vector) float64 {
	w := 0.0
	for f, l := range v {
		if l == Missing {
			continue
		}
		w += math.Log2(m.M[f][l] / m.U[f][l])
	}
	return w
}

// Probability is a pair's posterior match probability.
func (m *Model) Probability(v Vector) float64 {
	w := m.Weight(v) + math.Log2(m.Lambda/(1-m.Lambda))
	return 1 / (1 + math.Pow(2, -w))
}

// BlockKeys are a record's blocking keys: two records are compared when
// they share at least one.
func BlockKeys(r *Record) []string {
	var ks []string
	add := func(p, v string) {
		if v != "" {
			ks = append(ks, p+v)
		}
	}
	add("pc:", r.Postcode)
	add("dob:", r.DOB)
	if r.Surname != "" && r.Given != "" {
		add("sx:", Soundex(r.Surname)+Soundex(r.Given))
	}
	if r.Street != "" && r.Locality != "" {
		add("st:", r.StreetNumber+"|"+prefix(r.Street, 4)+"|"+prefix(r.Locality, 3))
	}
	return ks
}

func prefix(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

// MaxBlock skips block keys with more records than this (a very common
// postcode or birth date would otherwise compare everyone with everyone).
const MaxBlock = 500

// Pair is a candidate or linked pair (indexes into the record slices).
type Pair struct {
	A, B   int
	Vector Vector
	Weight float64
	Prob   float64
}

// Candidates returns the blocked pairs between left and right (or within
// left when right is nil), each once.
func Candidates(left, right []Record) []Pair {
	self := right == nil
	if self {
		right = left
	}
	idx := map[string][]int{}
	for j := range right {
		for _, k := range BlockKeys(&right[j]) {
			idx[k] = append(idx[k], j)
		}
	}
	seen := map[[2]int]bool{}
	var out []Pair
	for i := range left {
		for _, k := range BlockKeys(&left[i]) {
			js := idx[k]
			if len(js) > MaxBlock {
				continue
			}
			for _, j := range js {
				if self && j <= i {
					continue
				}
				p := [2]int{i, j}
				if seen[p] {
					continue
				}
				seen[p] = true
				out = append(out, Pair{A: i, B: j, Vector: Compare(&left[i], &right[j])})
			}
		}
	}
	return out
}

// Train estimates u from random pairs and m and λ by EM over the candidates.
func Train(left, right []Record, cands []Pair, seed uint64) Model {
	if right == nil {
		right = left
	}
	var m Model
	// u from random pairs, Laplace-smoothed
	r := rand.New(rand.NewPCG(seed, 99))
	var cnt [NFields][nLevels]float64
	var tot [NFields]float64
	for n := 0; n < 100000 && len(left) > 0 && len(right) > 0; n++ {
		v := Compare(&left[r.IntN(len(left))], &right[r.IntN(len(right))])
		for f, l := range v {
			if l != Missing {
				cnt[f][l]++
				tot[f]++
			}
		}
	}
	for f := 0; f < NFields; f++ {
		for l := 0; l < nLevels; l++ {
			m.U[f][l] = (cnt[f][l] + 1) / (tot[f] + nLevels)
			m.M[f][l] = []float64{0.05, 0.15, 0.8}[l]
		}
	}
	m.Lambda = 0.5
	// EM over distinct vectors
	vc := map[Vector]float64{}
	for _, p := range cands {
		vc[p.Vector]++
	}
	for iter := 0; iter < 30; iter++ {
		var mc [NFields][nLevels]float64
		var mt [NFields]float64
		var sumP, n float64
		for v, c := range vc {
			p := m.Probability(v)
			sumP += p * c
			n += c
			for f, l := range v {
				if l != Missing {
					mc[f][l] += p * c
					mt[f] += p * c
				}
			}
		}
		if n == 0 {
			break
		}
		m.Lambda = clamp(sumP/n, 1e-6, 1-1e-6)
		for f := 0; f < NFields; f++ {
			for l := 0; l < nLevels; l++ {
				m.M[f][l] = clamp((mc[f][l]+0.01)/(mt[f]+0.03), 1e-6, 1)
			}
		}
	}
	return m
}

func clamp(x, lo, hi float64) float64 { return math.Max(lo, math.Min(hi, x)) }

// Score fills in each pair's weight and probability.
func (m *Model) Score(ps []Pair) {
	for i := range ps {
		ps[i].Weight = m.Weight(ps[i].Vector)
		ps[i].Prob = m.Probability(ps[i].Vector)
	}
}

// OneToOne keeps, greedily by weight, at most one link per record on each
// side among pairs with probability at least minProb (for linking two
// sources that each hold a person once).
func OneToOne(ps []Pair, minProb float64) []Pair {
	sorted := append([]Pair(nil), ps...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].Weight > sorted[j].Weight })
	usedA, usedB := map[int]bool{}, map[int]bool{}
	var out []Pair
	for _, p := range sorted {
		if p.Prob < minProb || usedA[p.A] || usedB[p.B] {
			continue
		}
		usedA[p.A], usedB[p.B] = true, true
		out = append(out, p)
	}
	return out
}
