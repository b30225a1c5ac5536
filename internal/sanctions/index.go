package sanctions

import (
	"hash/maphash"
	"math"
	"slices"
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

	vocab    map[string]int32
	idf      []float32
	post     [][]int32          // vocab id -> name ids
	keyPost  map[string][]int32 // phonetic key -> vocab ids
	dels     []uint64           // hash of a one-letter deletion << delIDBits | vocab id, sorted
	delStart []uint32           // first index in dels of each top-delBucketBits bucket
	seed     maphash.Seed

	crypto map[string][]int32 // normalised address -> entity ids
	docs   map[string][]int32 // normalised document number -> entity ids
	cc     [][]string         // ISO codes per entity (nationality, citizenship, address, flag)

	maxIDF float32
	pool   sync.Pool
}

// Rarity scaling of word weights: idf <= rarityLo weighs rarityMin, idf >=
// rarityLo+rarityRange weighs 1.
var (
	rarityLo    = 4.0
	rarityRange = 4.0
	rarityMin   = 0.3
)

// weigh sets a token's score weight: its class weight times its rarity on
// the lists, so that a shared common word ("global", "mohammad", "kim")
// counts for less than a shared rare one.
func (ix *Index) weigh(t *token) {
	r := 1.0
	if id, ok := ix.vocab[t.s]; ok && t.class == wcName {
		r = (float64(ix.idf[id]) - rarityLo) / rarityRange
		if r < rarityMin {
			r = rarityMin
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
	seen    []seenWord
	qu, cu  []unit
	edges   []edge
}

// delIDBits is how many low bits of a deletion entry hold the vocabulary
// id; the remaining 44 bits hold the hash (a collision only adds a
// candidate, which the scorer then rejects).
const delIDBits = 20

// delBucketBits is the width of the bucket table over dels.
const delBucketBits = 16

// delLookup calls fn for each vocabulary word with deletion hash h.
func (ix *Index) delLookup(h uint64, fn func(id int32)) {
	key := h << delIDBits
	b := key >> (64 - delBucketBits)
	lo, hi := ix.delStart[b], ix.delStart[b+1]
	for i := lo; i < hi; i++ {
		e := ix.dels[i]
		if e>>delIDBits == key>>delIDBits {
			fn(int32(e & (1<<delIDBits - 1)))
		} else if e > key|(1<<delIDBits-1) {
			return
		}
	}
}

type seenWord struct {
	id  int32
	sim float32
}

// see records a vocabulary word once, with the first (best) similarity.
func (sc *scratch) see(id int32, sim float32) {
	for _, x := range sc.seen {
		if x.id == id {
			return
		}
	}
	sc.seen = append(sc.seen, seenWord{id, sim})
}

// minDelLen is the shortest word that gets a typo neighbourhood.
const minDelLen = 4

// NewIndex builds an index over entities.
func NewIndex(ents []Entity) *Index {
	ix := &Index{
		Entities: ents,
		vocab:    make(map[string]int32, 4*len(ents)),
		keyPost:  make(map[string][]int32, 4*len(ents)),
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
					ix.dels = append(ix.dels, ix.hashDel(w, i)<<delIDBits|uint64(id))
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
	slices.Sort(ix.dels)
	ix.dels = slices.Clip(ix.dels)
	ix.delStart = make([]uint32, 1<<delBucketBits+1)
	for i := len(ix.dels) - 1; i >= 0; i-- {
		ix.delStart[ix.dels[i]>>(64-delBucketBits)] = uint32(i)
	}
	ix.delStart[1<<delBucketBits] = uint32(len(ix.dels))
	for b := 1<<delBucketBits - 1; b >= 0; b-- {
		// empty buckets start where the next one does
		if ix.delStart[b] == 0 && (len(ix.dels) == 0 || ix.dels[0]>>(64-delBucketBits) != uint64(b)) {
			ix.delStart[b] = ix.delStart[b+1]
		}
	}
	n := float64(len(ix.names)) + 1
	ix.idf = make([]float32, len(df))
	for i, d := range df {
		ix.idf[i] = float32(math.Log(1 + n/float64(d)))
	}
	ix.maxIDF = float32(math.Log(1 + n))
	for i := range ix.names {
		in := &ix.names[i]
		e := &ix.Entities[in.ent]
		middle := -1
		if e.Type == TypePerson && middleNameWeight < 1 {
			middle = middleStart(e.Names[in.name].Name)
		}
		for k := range in.toks {
			t := &in.toks[k]
			if t.class == wcName {
				in.norm += ix.idf[ix.vocab[t.s]]
			}
			ix.weigh(t)
			if middle > 0 && k >= middle {
				// a middle name left out of a query says little
				t.w *= middleNameWeight
			}
		}
	}
	ix.pool.New = func() any {
		return &scratch{acc: make([]float32, len(ix.names)), stamp: make([]uint32, len(ix.names))}
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

// middleNameWeight scales the weight of middle names; 1 turns it off
// (Korean and Chinese given names are two syllables that look like a given
// and a middle name, and down-weighting the second hurt them).
var middleNameWeight = 1.0

// middleStart returns the word position where middle names begin in a
// person name written "SURNAME, Given Middle…" (the second word after the
// comma), or -1.
func middleStart(n string) int {
	head, tail, ok := strings.Cut(n, ",")
	if !ok {
		return -1
	}
	h := len(normaliseName(head, false))
	if len(normaliseName(tail, false)) < 2 {
		return -1
	}
	return h + 1
}

// HashOf returns the content hash of a match's entry.
func (ix *Index) HashOf(m Match) string {
	if int(m.entity) < len(ix.Entities) && ix.Entities[m.entity].SourceID == m.SourceID {
		return ix.Entities[m.entity].Hash()
	}
	return ""
}
