package er

import (
	"testing"

	"github.com/redflag-dev/redflag/internal/model"
)

// FuzzCompare feeds arbitrary names, dates and addresses (seeded with FEBRL
// rows) through normalisation, comparison and blocking.
func FuzzCompare(f *testing.F) {
	f.Add("michaela", "neumann", "19151111", "8 stanley street", "4223", "courtney", "painter", "19161214", "12 pinkerton circuit", "4560")
	f.Add("José", "Ñúñez", "1970-02-05", "Flat 2, 10 Downing St", "SW1A 2AA", "", "", "", "", "")
	f.Add("a", "b", "x", "#", "-", "\xff", "\x00", "99999999", "1", "1")
	f.Fuzz(func(t *testing.T, g1, s1, d1, l1, p1, g2, s2, d2, l2, p2 string) {
		a := FromSubject(&model.Subject{ID: "a", FullName: g1 + " " + s1, DateOfBirth: d1, Address: model.Address{Line: l1, PostalCode: p1, City: "x"}})
		b := FromSubject(&model.Subject{ID: "b", FullName: g2 + " " + s2, DateOfBirth: d2, Address: model.Address{Line: l2, PostalCode: p2, City: "x"}})
		v := Compare(&a, &b)
		w := Compare(&b, &a)
		m := DefaultModel()
		if p := m.Probability(v); p < 0 || p > 1 {
			t.Fatalf("probability %v", p)
		}
		if v[FGiven] != w[FGiven] || v[FDOB] != w[FDOB] || v[FPostcode] != w[FPostcode] {
			t.Fatalf("comparison not symmetric: %v vs %v", v, w)
		}
		if jw := JaroWinkler(g1, g2); jw < 0 || jw > 1.0000001 {
			t.Fatalf("Jaro-Winkler %v", jw)
		}
		_ = BlockKeys(&a)
	})
}
