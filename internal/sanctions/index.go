package sanctions

import (
	"hash/maphash"
	"math"
	"strings"
	"sync"
)

// indexedName is one name (primary or alias) of one entity, tokenised.
type indexedName struct {
	ent   int32
	name  uint16 // index into Entity.Names
	toks  []token
	pairs []token // adjacent name-word pairs joined ("song"+"hyok")
	norm  float32 // sum of the rarity weights of its name words
}

// Index is an immutable, goroutine-safe screening index over entities.
type Index struct {
	Entities []Entity
	names    []indexedName

	vocab   map[string]int32
	idf     []float32
	post    [][]int32          // vocab id -> name ids
	keyPost map[string][]int32 // phonetic key -> vocab ids
	dels    map[uint64][]int32 // hash of a one-letter deletion -> vocab ids
	seed    maphash.Seed

	crypto map[string][]int32 // normalised address -> entity ids
	docs   map[string][]int32 // normalised document number -> entity ids
	cc     [][]string         // ISO codes per entity (nationality, citizenship, address, flag)

	maxIDF float32
	pool   sync.Pool
}

// weigh sets a token's score weight: its class weight times its rarity on
// the lists, so that a shared common word ("global", "mohammad", "kim")
// counts for less than a shared rare one.
func (ix *Index) weigh(t *token) {
	r := 1.0
	if id, ok := ix.vocab[t.s]; ok && t.class == wcName {
		r = (float64(ix.idf[id]) - 2) / 5
		if r < 0.4 {
			r = 0.4
		} else if r > 1 {
			r = 1
		}
	}
	t.w = classWeight[t.class] * r
}

type scratch struct {
	acc     []float32
	touched []int32
	stamp   []uint32
	cur     uint32
	seen    map[int32]float32
	qu, cu  []unit
	edges   []edge
}

// minDelLen is the shortest word that gets a typo neighbourhood.
const minDelLen = 4

// NewIndex builds an index over entities.
func NewIndex(ents []Entity) *Index {
	ix := &Index{
		Entities: ents,
		vocab:    make(map[string]int32, 4*len(ents)),
		keyPost:  make(map[string][]int32, 4*len(ents)),
		dels:     make(map[uint64][]int32, 20*len(ents)),
		seed:     maphash.MakeSeed(),
		crypto:   map[string][]int32{},
		docs:     map[string][]int32{},
		cc:       make([][]string, len(ents)),
	}
	var df []int32
	addPosting := func(w string, nameID int32) {
		id, ok := ix.vocab[w]
		if !ok {
			id = int32(len(ix.post))
			ix.vocab[w] = id
			ix.post = append(ix.post, nil)
			df = append(df, 0)
			k := phoneticKey(w)
			ix.keyPost[k] = append(ix.keyPost[k], id)
			if len(w) >= minDelLen {
				for i := 0; i < len(w); i++ {
					h := ix.hashDel(w, i)
					ix.dels[h] = append(ix.dels[h], id)
				}
			}
		}
		p := ix.post[id]
		if n := len(p); n > 0 && p[n-1] == nameID {
			return
		}
		ix.post[id] = append(p, nameID)
		df[id]++
	}
	for ei := range ents {
		e := &ents[ei]
		for ni, n := range e.Names {
			var variants [][]string
			for _, v := range nameVariants(n.Name) {
				variants = append(variants, normaliseName(v, false))
			}
			if HasHangul(n.Name) {
				variants = append(variants, normaliseName(n.Name, true))
			}
			for _, words := range variants {
				if len(words) == 0 {
					continue
				}
				in := indexedName{ent: int32(ei), name: uint16(ni), toks: tokenise(words)}
				in.pairs = makePairs(in.toks)
				id := int32(len(ix.names))
				ix.names = append(ix.names, in)
				for _, t := range in.toks {
					if t.class == wcName {
						addPosting(t.s, id)
					}
				}
				for _, t := range in.pairs {
					addPosting(t.s, id)
				}
			}
		}
		for _, c := range e.Crypto {
			k := normCrypto(c.Address)
			ix.crypto[k] = appendID(ix.crypto[k], int32(ei))
		}
		for _, d := range e.Documents {
			k := normDoc(d.Number)
			if len(k) >= 5 {
				ix.docs[k] = appendID(ix.docs[k], int32(ei))
			}
		}
		var cs []string
		for _, n := range e.Nationalities {
			cs = appendUnique(cs, CountryCode(n))
		}
		for _, a := range e.Addresses {
			cs = appendUnique(cs, CountryCode(a.Country))
		}
		ix.cc[ei] = cs
	}
	n := float64(len(ix.names)) + 1
	ix.idf = make([]float32, len(df))
	for i, d := range df {
		ix.idf[i] = float32(math.Log(1 + n/float64(d)))
	}
	ix.maxIDF = float32(math.Log(1 + n))
	for i := range ix.names {
		in := &ix.names[i]
		for k := range in.toks {
			t := &in.toks[k]
			if t.class == wcName {
				in.norm += ix.idf[ix.vocab[t.s]]
			}
			ix.weigh(t)
		}
	}
	ix.pool.New = func() any {
		return &scratch{acc: make([]float32, len(ix.names)), stamp: make([]uint32, len(ix.names)), seen: map[int32]float32{}}
	}
	return ix
}

func appendID(xs []int32, id int32) []int32 {
	for _, x := range xs {
		if x == id {
			return xs
		}
	}
	return append(xs, id)
}

func (ix *Index) hashDel(w string, i int) uint64 {
	var buf [64]byte
	if len(w) > len(buf) {
		return maphash.String(ix.seed, w[:i]+w[i+1:])
	}
	n := copy(buf[:], w[:i])
	n += copy(buf[n:], w[i+1:])
	return maphash.Bytes(ix.seed, buf[:n])
}

func (ix *Index) hashWord(w string) uint64 { return maphash.String(ix.seed, w) }

// makePairs joins adjacent name words, so that "Song Hyok" also offers
// "songhyok" and a query written either way meets it.
func makePairs(toks []token) []token {
	var out []token
	for i := 0; i+1 < len(toks); i++ {
		if !pairable(toks[i], toks[i+1]) {
			continue
		}
		s := toks[i].s + toks[i+1].s
		out = append(out, newToken(s, wcName))
	}
	return out
}

// pairable reports whether two adjacent words may be joined: at least one
// is a name word.
func pairable(a, b token) bool {
	if isNumeral(a.s) || isNumeral(b.s) {
		return false
	}
	return a.class == wcName || b.class == wcName
}

func isNumeral(s string) bool {
	return s != "" && (s[0] >= '0' && s[0] <= '9' || romanNumerals[s] || s[0] >= 0x80)
}

// normCrypto normalises a digital-currency address for exact lookup.
// Bitcoin-style base58 addresses are case-sensitive, hex (0x…) and bech32
// addresses are not.
func normCrypto(s string) string {
	s = strings.TrimSpace(s)
	l := strings.ToLower(s)
	if strings.HasPrefix(l, "0x") || strings.HasPrefix(l, "bc1") || strings.HasPrefix(l, "ltc1") || strings.HasPrefix(l, "tb1") {
		return l
	}
	return s
}

// normDoc normalises an identity or registration number: letters and
// digits only, upper case.
func normDoc(s string) string {
	var b strings.Builder
	for _, r := range strings.ToUpper(s) {
		if (r >= 'A' && r <= 'Z') || (r >= '0' && r <= '9') {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// Len is the number of entities.
func (ix *Index) Len() int { return len(ix.Entities) }

// NameCount is the number of indexed names (primary names and aliases).
func (ix *Index) NameCount() int { return len(ix.names) }

// EntityHash returns the content hash of entity i.
func (ix *Index) EntityHash(i int) string { return ix.Entities[i].Hash() }

// HashOf returns the content hash of a match's entry.
func (ix *Index) HashOf(m Match) string {
	if int(m.entity) < len(ix.Entities) && ix.Entities[m.entity].SourceID == m.SourceID {
		return ix.Entities[m.entity].Hash()
	}
	return ""
}
