package ipintel

import (
	"bufio"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net/netip"
	"os"
	"sort"
	"strconv"
	"strings"
)

// rangeFile is an ip-location-db CSV range file: start,end,asn,org (asn),
// start,end,cc (country), or start,end,cc,state1,state2,city,postcode,lat,
// lon[,timezone] (city). Addresses may be text or numbers (the -num files).
type rangeFile struct {
	name   string
	layout string // asn|country|city
	v4s    []uint32
	v4e    []uint32
	v4i    []int32
	s6, e6 []u128
	i6     []int32
	facts  []fact
}

func loadCSV(path, name string) (*rangeFile, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return readCSV(f, name)
}

func parseAddr(s string) (netip.Addr, error) {
	s = strings.TrimSpace(s)
	if a, err := netip.ParseAddr(s); err == nil {
		return a.Unmap(), nil
	}
	n, ok := new(big.Int).SetString(s, 10)
	if !ok || n.Sign() < 0 || n.BitLen() > 128 {
		return netip.Addr{}, fmt.Errorf("not an address: %q", s)
	}
	if n.BitLen() <= 32 {
		v := uint32(n.Uint64())
		return netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)}), nil
	}
	var b [16]byte
	n.FillBytes(b[:])
	return netip.AddrFrom16(b), nil
}

func readCSV(r io.Reader, name string) (*rangeFile, error) {
	cr := csv.NewReader(bufio.NewReaderSize(r, 1<<20))
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	cr.Comment = '#'
	rf := &rangeFile{name: name}
	type row struct {
		s, e netip.Addr
		i    int32
	}
	var rows []row
	orgs := map[string]string{}
	line := 0
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		line++
		if err != nil {
			return nil, fmt.Errorf("%s: line %d: %w", name, line, err)
		}
		if len(rec) < 3 {
			return nil, fmt.Errorf("%s: line %d: want at least 3 columns (start,end,...), got %d", name, line, len(rec))
		}
		s, err1 := parseAddr(rec[0])
		e, err2 := parseAddr(rec[1])
		if err1 != nil || err2 != nil {
			if line == 1 {
				continue // header
			}
			return nil, fmt.Errorf("%s: line %d: bad range %q-%q", name, line, rec[0], rec[1])
		}
		if s.Is4() != e.Is4() {
			return nil, fmt.Errorf("%s: line %d: mixed address families", name, line)
		}
		var ft fact
		layout := ""
		switch {
		case len(rec) == 4 || (len(rec) == 3 && isNumber(rec[2])):
			layout = "asn"
			n, err := strconv.ParseUint(strings.TrimPrefix(strings.TrimSpace(rec[2]), "AS"), 10, 32)
			if err != nil {
				return nil, fmt.Errorf("%s: line %d: field asn: %q is not a number", name, line, rec[2])
			}
			ft.asn = uint32(n)
			if len(rec) == 4 {
				org := rec[3]
				if o, ok := orgs[org]; ok {
					org = o
				} else {
					org = strings.Clone(org)
					orgs[org] = org
				}
				ft.asOrg = org
			}
		case len(rec) == 3:
			layout = "country"
			ft.country = strings.ToUpper(strings.TrimSpace(rec[2]))
		default:
			layout = "city"
			ft.country = strings.ToUpper(strings.TrimSpace(rec[2]))
			ft.region = strings.Clone(rec[3])
			if len(rec) > 5 {
				ft.city = strings.Clone(rec[5])
			}
			if len(rec) > 8 {
				lat, e1 := strconv.ParseFloat(rec[7], 64)
				lon, e2 := strconv.ParseFloat(rec[8], 64)
				if e1 == nil && e2 == nil {
					ft.lat, ft.lon, ft.hasCoords = lat, lon, true
				}
			}
		}
		if rf.layout == "" {
			rf.layout = layout
		}
		ft.found = true
		rows = append(rows, row{s, e, int32(len(rf.facts))})
		rf.facts = append(rf.facts, ft)
	}
	sort.Slice(rows, func(i, j int) bool { return rows[i].s.Less(rows[j].s) })
	for _, r := range rows {
		if r.s.Is4() {
			rf.v4s = append(rf.v4s, v4num(r.s))
			rf.v4e = append(rf.v4e, v4num(r.e))
			rf.v4i = append(rf.v4i, r.i)
		} else {
			rf.s6 = append(rf.s6, toU128(r.s))
			rf.e6 = append(rf.e6, toU128(r.e))
			rf.i6 = append(rf.i6, r.i)
		}
	}
	if len(rf.facts) == 0 {
		return nil, fmt.Errorf("%s: no ranges", name)
	}
	return rf, nil
}

func isNumber(s string) bool {
	_, err := strconv.ParseUint(strings.TrimPrefix(strings.TrimSpace(s), "AS"), 10, 32)
	return err == nil
}

func v4num(a netip.Addr) uint32 {
	b := a.As4()
	return uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
}

func (rf *rangeFile) lookup(a netip.Addr) fact {
	a = a.Unmap()
	if a.Is4() {
		x := v4num(a)
		i := sort.Search(len(rf.v4s), func(i int) bool { return rf.v4s[i] > x }) - 1
		if i >= 0 && rf.v4e[i] >= x {
			return rf.facts[rf.v4i[i]]
		}
		return fact{}
	}
	x := toU128(a)
	i := sort.Search(len(rf.s6), func(i int) bool { return x.less(rf.s6[i]) }) - 1
	if i >= 0 && !rf.e6[i].less(x) {
		return rf.facts[rf.i6[i]]
	}
	return fact{}
}
