package sanctions

// Similarity scores two business or vessel names against each other with the matcher's name
// alignment (without list-wide word rarity, which needs an index), on the
// same 0..1 scale as Match.NameScore. With an index, use ix.Similarity.
func Similarity(a, b string) float64 {
	return similarity(nil, a, b)
}

// Similarity scores two names using the index's word rarity.
func (ix *Index) Similarity(a, b string) float64 { return similarity(ix, a, b) }

func similarity(ix *Index, a, b string) float64 {
	best := 0.0
	for _, av := range businessVariants(nameVariants(a)) {
		for _, bv := range businessVariants(nameVariants(b)) {
			if s := similarity1(ix, av, bv); s > best {
				best = s
			}
		}
	}
	return best
}

func similarity1(ix *Index, a, b string) float64 {
	best := 0.0
	for _, mr := range []bool{false, true} {
		at := tokenise(normaliseName(a, mr))
		bt := tokenise(normaliseName(b, mr))
		if ix != nil {
			for i := range at {
				ix.weigh(&at[i])
			}
			for i := range bt {
				ix.weigh(&bt[i])
			}
		}
		if len(at) == 0 || len(bt) == 0 {
			continue
		}
		ap, bp := makePairs(at), makePairs(bt)
		sc := &scratch{}
		qu := units(nil, at, ap)
		s1, _ := nameScore(sc, qu, at, bt, bp, false)
		qu2 := units(nil, bt, bp)
		s2, _ := nameScore(sc, qu2, bt, at, ap, false)
		// symmetric: the mean of both directions
		if s := (s1 + s2) / 2; s > best {
			best = s
		}
		if !HasHangul(a) && !HasHangul(b) {
			break
		}
	}
	return calibrate(best)
}
