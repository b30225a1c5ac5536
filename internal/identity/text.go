package identity

import (
	"hash/fnv"
	"math/bits"
	"sort"
	"strings"
	"sync"
	"unicode"
)

// Resume near-duplicate signatures: our own SimHash and MinHash with LSH
// banding (see the package doc for why no library is used).
//
// Text is normalised to lower-case words of letters and digits, then cut into
// overlapping 3-word shingles (w-shingling). MinHash keeps, for each of
// MinHashSize seeded hash functions, the smallest hash of any shingle; the
// share of equal positions between two signatures estimates the Jaccard
// similarity of their shingle sets. LSH cuts the signature into LSHBands
// bands of LSHRows rows; texts that agree on a whole band land in the same
// bucket, so a query only compares against bucket mates. With 32 bands of 4
// rows, a pair at Jaccard 0.6 shares a band with probability
// 1-(1-0.6^4)^32 = 0.98, a pair at 0.2 with 0.05.

const (
	ShingleWords = 3
	MinHashSize  = 128
	LSHBands     = 32
	LSHRows      = MinHashSize / LSHBands
)

// Words normalises text into lower-case words of letters and digits.
func Words(text string) []string {
	return strings.FieldsFunc(strings.ToLower(text), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
}

func shingleHashes(text string) []uint64 {
	w := Words(text)
	if len(w) == 0 {
		return nil
	}
	n := len(w) - ShingleWords + 1
	if n < 1 {
		n = 1
	}
	out := make([]uint64, 0, n)
	h := fnv.New64a()
	for i := 0; i < n; i++ {
		h.Reset()
		for j := i; j < i+ShingleWords && j < len(w); j++ {
			h.Write([]byte(w[j]))
			h.Write([]byte{' '})
		}
		out = append(out, h.Sum64())
	}
	return out
}

// mix is the splitmix64 finaliser: a fast, well-distributed 64-bit hash.
func mix(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	return x ^ (x >> 31)
}

var seeds = func() (s [MinHashSize]uint64) {
	for i := range s {
		s[i] = mix(uint64(i+1) * 0x9e3779b97f4a7c15)
	}
	return
}()

// Signature is a MinHash signature.
type Signature [MinHashSize]uint32

// MinHash computes the signature of a text; ok is false for text with no words.
func MinHash(text string) (sig Signature, ok bool) {
	hs := shingleHashes(text)
	if len(hs) == 0 {
		return sig, false
	}
	for i := range sig {
		sig[i] = ^uint32(0)
	}
	for _, h := range hs {
		h = mix(h)
		// One well-mixed hash per shingle, then a cheap multiply-shift
		// per seed: the high 32 bits of (h^seed)*odd are close to uniform.
		for i := range sig {
			if v := uint32(((h ^ seeds[i]) * 0xff51afd7ed558ccd) >> 32); v < sig[i] {
				sig[i] = v
			}
		}
	}
	return sig, true
}

// Similarity estimates the Jaccard similarity of the two texts' shingles.
func (s *Signature) Similarity(o *Signature) float64 {
	eq := 0
	for i := range s {
		if s[i] == o[i] {
			eq++
		}
	}
	return float64(eq) / MinHashSize
}

// SimHash is Charikar's 64-bit SimHash over the shingles: near-duplicate
// texts differ in few bits. It is compact enough to store as an identifier.
func SimHash(text string) uint64 {
	var v [64]int
	for _, h := range shingleHashes(text) {
		h = mix(h)
		for b := 0; b < 64; b++ {
			if h&(1<<b) != 0 {
				v[b]++
			} else {
				v[b]--
			}
		}
	}
	var out uint64
	for b := 0; b < 64; b++ {
		if v[b] > 0 {
			out |= 1 << b
		}
	}
	return out
}

// HammingDistance counts differing bits.
func HammingDistance(a, b uint64) int { return bits.OnesCount64(a ^ b) }

// Match is a near-duplicate found by the index.
type Match struct {
	ID         string  `json:"id"`
	Similarity float64 `json:"similarity"`
}

// TextIndex is a MinHash LSH index of texts, safe for concurrent use.
type TextIndex struct {
	mu      sync.RWMutex
	ids     []string
	sigs    []Signature
	byID    map[string]int32
	buckets [LSHBands]map[uint64][]int32
}

// NewTextIndex returns an empty index.
func NewTextIndex() *TextIndex {
	x := &TextIndex{byID: map[string]int32{}}
	for i := range x.buckets {
		x.buckets[i] = map[uint64][]int32{}
	}
	return x
}

func bandKey(sig *Signature, b int) uint64 {
	var h uint64 = uint64(b) * 0x9e3779b97f4a7c15
	for _, v := range sig[b*LSHRows : (b+1)*LSHRows] {
		h = mix(h ^ uint64(v))
	}
	return h
}

// Add indexes a text under id; it reports false for text with no words or
// an id already indexed.
func (x *TextIndex) Add(id, text string) bool {
	sig, ok := MinHash(text)
	if !ok {
		return false
	}
	return x.AddSignature(id, sig)
}

// AddSignature indexes a precomputed signature.
func (x *TextIndex) AddSignature(id string, sig Signature) bool {
	x.mu.Lock()
	defer x.mu.Unlock()
	if _, dup := x.byID[id]; dup {
		return false
	}
	n := int32(len(x.ids))
	x.ids = append(x.ids, id)
	x.sigs = append(x.sigs, sig)
	x.byID[id] = n
	for b := 0; b < LSHBands; b++ {
		k := bandKey(&sig, b)
		x.buckets[b][k] = append(x.buckets[b][k], n)
	}
	return true
}

// Len is the number of indexed texts.
func (x *TextIndex) Len() int { x.mu.RLock(); defer x.mu.RUnlock(); return len(x.ids) }

// Query returns indexed texts whose estimated similarity to text is at
// least min, best first.
func (x *TextIndex) Query(text string, min float64) []Match {
	sig, ok := MinHash(text)
	if !ok {
		return nil
	}
	return x.QuerySignature(&sig, min, "")
}

// QuerySignature is Query for a precomputed signature, skipping the id self.
func (x *TextIndex) QuerySignature(sig *Signature, min float64, self string) []Match {
	x.mu.RLock()
	defer x.mu.RUnlock()
	seen := map[int32]struct{}{}
	var out []Match
	for b := 0; b < LSHBands; b++ {
		for _, n := range x.buckets[b][bandKey(sig, b)] {
			if _, ok := seen[n]; ok {
				continue
			}
			seen[n] = struct{}{}
			if x.ids[n] == self {
				continue
			}
			if s := sig.Similarity(&x.sigs[n]); s >= min {
				out = append(out, Match{ID: x.ids[n], Similarity: s})
			}
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Similarity != out[j].Similarity {
			return out[i].Similarity > out[j].Similarity
		}
		return out[i].ID < out[j].ID
	})
	return out
}
