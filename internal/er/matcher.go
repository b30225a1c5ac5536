package er

import (
	"strings"
	"sync"
	"unicode"

	"github.com/redflag-dev/redflag/internal/identity"
	"github.com/redflag-dev/redflag/internal/model"
)

// DefaultModel is the model EM learnt on FEBRL4 (dataset4a x dataset4b,
// er_test.go), rounded. Callers with enough data of their own can Train one.
func DefaultModel() Model {
	return Model{
		M: [NFields][nLevels]float64{
			{0.127, 0.184, 0.688}, {0.093, 0.230, 0.677}, {0.050, 0.022, 0.928}, {0.130, 0.0001, 0.870},
			{0.076, 0.302, 0.623}, {0.067, 0.335, 0.598}, {0.058, 0.183, 0.759}, {0.014, 0.141, 0.845},
			{0.038, 0.0001, 0.962},
		},
		U: [NFields][nLevels]float64{
			{0.9940, 0.0025, 0.0035}, {0.9950, 0.0014, 0.0036}, {0.9989, 0.0008, 0.0003}, {0.9855, 0.0001, 0.0145},
			{0.9986, 0.0010, 0.0004}, {0.9986, 0.0007, 0.0007}, {0.9985, 0.0006, 0.0008}, {0.9857, 0.0133, 0.0010},
			{0.7754, 0.0001, 0.2245},
		},
		Lambda: 0.0005, // a new record is rarely a duplicate of an existing one
	}
}

// Guard rejects pairs that surname and address agreement alone would
// link. Family members share a surname and an address but differ in given
// name and birth date; neighbours share a street and a city. A link needs
// the birth date to agree at least closely (one typo or a day/month swap);
// or, when the birth dates differ or one is missing, a close given name AND
// the same house number on an agreeing street or postcode.
// Known limit: twins at one address agree on the birth date and can link.
func Guard(v Vector) bool {
	if v[FDOB] != Missing && v[FDOB] >= 1 {
		return true
	}
	given := v[FGiven] != Missing && v[FGiven] >= 1
	house := v[FStreetNumber] == 2 && (v[FStreet] != Missing && v[FStreet] >= 1 || v[FPostcode] != Missing && v[FPostcode] >= 1)
	return given && house
}

// FromSubject builds a linkage record from a subject: the first word of the
// name is the given name and the last the surname; the street number is the
// leading number of the normalised address line.
func FromSubject(s *model.Subject) Record {
	r := Record{ID: s.ID, DOB: s.DateOfBirth, Region: s.Address.Region}
	names := strings.Fields(s.FullName)
	if len(names) > 0 {
		r.Given = names[0]
		r.Surname = names[len(names)-1]
	}
	if a, err := identity.ParseAddress(s.Address); err == nil {
		line := a.Line
		if i := strings.IndexByte(line, ' '); i > 0 && strings.IndexFunc(line[:i], unicode.IsDigit) >= 0 {
			r.StreetNumber, line = line[:i], line[i+1:]
		}
		r.Street, r.Locality, r.Postcode, r.Region = line, a.City, a.PostalCode, a.Region
	}
	r.Normalize()
	return r
}

// Match is a linked pair found by the Matcher.
type Match struct {
	A, B   string
	Weight float64
	Prob   float64
	Vector Vector
}

// Matcher links records incrementally: each new record is compared with
// earlier records sharing a blocking key. Safe for concurrent use.
type Matcher struct {
	mu      sync.Mutex
	model   Model
	minProb float64
	recs    []Record
	byID    map[string]int
	blocks  map[string][]int
}

// NewMatcher returns a matcher that links pairs with posterior probability
// at least minProb that pass Guard.
func NewMatcher(m Model, minProb float64) *Matcher {
	return &Matcher{model: m, minProb: minProb, byID: map[string]int{}, blocks: map[string][]int{}}
}

// Add indexes a record and returns its links to earlier records.
func (x *Matcher) Add(r Record) []Match {
	x.mu.Lock()
	defer x.mu.Unlock()
	if _, dup := x.byID[r.ID]; dup || r.ID == "" {
		return nil
	}
	n := len(x.recs)
	x.recs = append(x.recs, r)
	x.byID[r.ID] = n
	seen := map[int]bool{}
	var out []Match
	for _, k := range BlockKeys(&r) {
		js := x.blocks[k]
		if len(js) <= MaxBlock {
			for _, j := range js {
				if seen[j] {
					continue
				}
				seen[j] = true
				v := Compare(&x.recs[j], &r)
				if !Guard(v) {
					continue
				}
				if p := x.model.Probability(v); p >= x.minProb {
					out = append(out, Match{A: x.recs[j].ID, B: r.ID, Weight: x.model.Weight(v), Prob: p, Vector: v})
				}
			}
		}
		x.blocks[k] = append(js, n)
	}
	return out
}
