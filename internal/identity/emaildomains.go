package identity

import (
	"bufio"
	"bytes"
	_ "embed" // the seed list
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"
)

//go:embed disposable_seed.txt
var disposableSeed string

// DomainSet is a set of e-mail domains (disposable providers). A domain
// matches when it or any parent domain is in the set, so "x.mailinator.com"
// matches "mailinator.com".
type DomainSet struct {
	m map[string]struct{}
}

// SeedDisposable returns the small list embedded in the binary.
func SeedDisposable() *DomainSet {
	s, _ := ParseDomainList(strings.NewReader(disposableSeed))
	return s
}

// ParseDomainList reads one domain per line; '#' starts a comment.
func ParseDomainList(r io.Reader) (*DomainSet, error) {
	s := &DomainSet{m: map[string]struct{}{}}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if i := strings.IndexByte(line, '#'); i >= 0 {
			line = line[:i]
		}
		s.add(line)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read domain list: %w", err)
	}
	return s, nil
}

// ParseDomainJSON reads a JSON array of domains: the index.json (and
// wildcard.json) format of the npm package disposable-email-domains.
// Wildcard entries ("*.example.com") are accepted as the parent domain.
func ParseDomainJSON(r io.Reader) (*DomainSet, error) {
	var list []string
	dec := json.NewDecoder(r)
	if err := dec.Decode(&list); err != nil {
		return nil, fmt.Errorf("read domain JSON (want an array of strings, as in disposable-email-domains index.json): %w", err)
	}
	s := &DomainSet{m: make(map[string]struct{}, len(list))}
	for _, d := range list {
		s.add(d)
	}
	return s, nil
}

// ParseDomainData reads either format, deciding by the first character.
func ParseDomainData(b []byte) (*DomainSet, error) {
	t := bytes.TrimSpace(b)
	var s *DomainSet
	var err error
	switch {
	case len(t) > 0 && t[0] == '[':
		s, err = ParseDomainJSON(bytes.NewReader(b))
	case len(t) > 0 && t[0] == '{':
		return nil, fmt.Errorf("domain list is a JSON object; want a JSON array of domains or one domain per line")
	default:
		s, err = ParseDomainList(bytes.NewReader(b))
	}
	if err != nil {
		return nil, err
	}
	if s.Len() == 0 {
		return nil, fmt.Errorf("domain list holds no domains")
	}
	return s, nil
}

func (s *DomainSet) add(d string) {
	d = strings.ToLower(strings.TrimSpace(d))
	d = strings.TrimPrefix(d, "*.")
	d = strings.Trim(d, ".")
	if d != "" && strings.Contains(d, ".") && !strings.Contains(d, "..") && !strings.Contains(d, "*") && !strings.ContainsAny(d, " \t\r\n\v\f/@#\x85\u00a0\u2028\u2029\x00") && strings.TrimSpace(d) == d {
		s.m[d] = struct{}{}
	}
}

// Merge adds every domain of o.
func (s *DomainSet) Merge(o *DomainSet) {
	for d := range o.m {
		s.m[d] = struct{}{}
	}
}

// Len is the number of domains.
func (s *DomainSet) Len() int { return len(s.m) }

// Contains reports whether domain or a parent of it is listed, and which.
func (s *DomainSet) Contains(domain string) (string, bool) {
	d := strings.ToLower(strings.Trim(domain, ". "))
	for d != "" {
		if _, ok := s.m[d]; ok {
			return d, true
		}
		i := strings.IndexByte(d, '.')
		if i < 0 {
			break
		}
		d = d[i+1:]
		if !strings.Contains(d, ".") {
			break // never match a bare TLD
		}
	}
	return "", false
}

// Bytes renders the set one domain per line, sorted.
func (s *DomainSet) Bytes() []byte {
	ds := make([]string, 0, len(s.m))
	for d := range s.m {
		ds = append(ds, d)
	}
	sort.Strings(ds)
	return []byte(strings.Join(ds, "\n") + "\n")
}
