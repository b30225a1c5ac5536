package ipintel

import (
	"fmt"
	"net/netip"
	"sort"
)

// u128 is an address as a 128-bit number (IPv4 mapped into ::ffff:0:0/96).
type u128 struct{ hi, lo uint64 }

func (a u128) less(b u128) bool { return a.hi < b.hi || (a.hi == b.hi && a.lo < b.lo) }
func (a u128) inc() u128 {
	lo := a.lo + 1
	hi := a.hi
	if lo == 0 {
		hi++
	}
	return u128{hi, lo}
}

func toU128(a netip.Addr) u128 {
	b := a.As16()
	var hi, lo uint64
	for i := 0; i < 8; i++ {
		hi = hi<<8 | uint64(b[i])
		lo = lo<<8 | uint64(b[8+i])
	}
	return u128{hi, lo}
}

func prefixRange(p netip.Prefix) (u128, u128) {
	p = p.Masked()
	start := toU128(p.Addr())
	bits := p.Bits()
	if p.Addr().Is4() {
		bits += 96
	}
	host := 128 - bits
	end := start
	switch {
	case host >= 64:
		end.lo = ^uint64(0)
		if host > 64 {
			end.hi |= (uint64(1) << (host - 64)) - 1
		}
		if host == 128 {
			end.hi = ^uint64(0)
		}
	case host > 0:
		end.lo |= (uint64(1) << host) - 1
	}
	return start, end
}

// tagTable answers "which tags cover this address" with a binary search
// over disjoint, sorted intervals, each carrying a bitmask of tags. It is
// built once from any number of overlapping prefixes.
type tagTable struct {
	v4start, v4end []uint32 // IPv4 intervals (fast path)
	v4mask         []uint64
	start, end     []u128 // IPv6 intervals
	mask           []uint64
}

type interval struct {
	start, end u128
	bit        int
}

type tagBuilder struct{ ivs []interval }

func (b *tagBuilder) add(p netip.Prefix, bit int) {
	s, e := prefixRange(p)
	b.ivs = append(b.ivs, interval{s, e, bit})
}

func (b *tagBuilder) addRange(s, e netip.Addr, bit int) {
	b.ivs = append(b.ivs, interval{toU128(s), toU128(e), bit})
}

func (b *tagBuilder) build() (*tagTable, error) {
	type point struct {
		at   u128
		bit  int
		open bool
	}
	pts := make([]point, 0, 2*len(b.ivs))
	for _, iv := range b.ivs {
		if iv.end.less(iv.start) {
			return nil, fmt.Errorf("range end before start")
		}
		pts = append(pts, point{iv.start, iv.bit, true})
		if iv.end != (u128{^uint64(0), ^uint64(0)}) {
			pts = append(pts, point{iv.end.inc(), iv.bit, false})
		}
	}
	sort.Slice(pts, func(i, j int) bool { return pts[i].at.less(pts[j].at) })
	var counts [64]int
	var cur uint64
	t := &tagTable{}
	var segStart u128
	emit := func(s, e u128, m uint64) {
		if m == 0 {
			return
		}
		if n := len(t.start); n > 0 && t.mask[n-1] == m && t.end[n-1].inc() == s {
			t.end[n-1] = e
			return
		}
		t.start = append(t.start, s)
		t.end = append(t.end, e)
		t.mask = append(t.mask, m)
	}
	for i := 0; i < len(pts); {
		at := pts[i].at
		if i > 0 && cur != 0 {
			e := at
			// e = at - 1
			if e.lo == 0 {
				e.hi--
			}
			e.lo--
			emit(segStart, e, cur)
		}
		for i < len(pts) && pts[i].at == at {
			if pts[i].open {
				counts[pts[i].bit]++
			} else {
				counts[pts[i].bit]--
			}
			i++
		}
		cur = 0
		for b, c := range counts {
			if c > 0 {
				cur |= 1 << b
			}
		}
		segStart = at
	}
	if cur != 0 {
		emit(segStart, u128{^uint64(0), ^uint64(0)}, cur)
	}
	// Split out the IPv4-mapped part for a 32-bit fast path.
	v4lo, v4hi := u128{0, 0xffff00000000}, u128{0, 0xffffffffffff}
	var s6, e6 []u128
	var m6 []uint64
	for i := range t.start {
		s, e, m := t.start[i], t.end[i], t.mask[i]
		if !e.less(v4lo) && !v4hi.less(s) {
			cs, ce := s, e
			if cs.less(v4lo) {
				cs = v4lo
			}
			if v4hi.less(ce) {
				ce = v4hi
			}
			t.v4start = append(t.v4start, uint32(cs.lo))
			t.v4end = append(t.v4end, uint32(ce.lo))
			t.v4mask = append(t.v4mask, m)
		}
		s6, e6, m6 = append(s6, s), append(e6, e), append(m6, m)
	}
	t.start, t.end, t.mask = s6, e6, m6
	return t, nil
}

func (t *tagTable) lookup(a netip.Addr) uint64 {
	if t == nil {
		return 0
	}
	if a.Is4() || a.Is4In6() {
		b := a.Unmap().As4()
		x := uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
		// first interval with start > x, minus one
		lo, hi := 0, len(t.v4start)
		for lo < hi {
			m := int(uint(lo+hi) >> 1)
			if t.v4start[m] <= x {
				lo = m + 1
			} else {
				hi = m
			}
		}
		if lo == 0 || t.v4end[lo-1] < x {
			return 0
		}
		return t.v4mask[lo-1]
	}
	x := toU128(a)
	lo, hi := 0, len(t.start)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if !x.less(t.start[m]) {
			lo = m + 1
		} else {
			hi = m
		}
	}
	if lo == 0 || t.end[lo-1].less(x) {
		return 0
	}
	return t.mask[lo-1]
}

// size is the number of disjoint intervals.
func (t *tagTable) size() int {
	if t == nil {
		return 0
	}
	return len(t.start)
}
