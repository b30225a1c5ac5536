package identity

import (
	"fmt"
	"strings"
)

// Email is a normalised e-mail address.
type Email struct {
	Address   string `json:"address"`   // lower-cased as written
	Canonical string `json:"canonical"` // mailbox identity: plus-tag removed, provider-ignored dots removed
	Local     string `json:"local"`
	Domain    string `json:"domain"`
}

// dotless lists providers that ignore dots in the local part; the value is
// the canonical domain (googlemail.com delivers to gmail.com).
var dotless = map[string]string{"gmail.com": "gmail.com", "googlemail.com": "gmail.com"}

// ParseEmail normalises an e-mail address. The canonical form drops a
// "+tag" (sub-addressing, honoured by Gmail, Outlook, iCloud, Fastmail,
// Proton and most self-hosted servers) and, for Gmail, the dots of the local
// part.
func ParseEmail(raw string) (Email, error) {
	s := strings.ToLower(strings.TrimSpace(raw))
	s = strings.TrimPrefix(s, "mailto:")
	if i := strings.IndexByte(s, '<'); i >= 0 && strings.HasSuffix(s, ">") { // "Name <a@b.c>"
		s = strings.TrimSpace(s[i+1 : len(s)-1])
	}
	if s == "" {
		return Email{}, fmt.Errorf("empty e-mail address")
	}
	if len(s) > 254 {
		return Email{}, fmt.Errorf("e-mail address is %d characters long (at most 254)", len(s))
	}
	at := strings.LastIndexByte(s, '@')
	if at <= 0 || at == len(s)-1 {
		return Email{}, fmt.Errorf("%q is not an e-mail address: no local part or domain", raw)
	}
	local, domain := s[:at], strings.TrimSuffix(s[at+1:], ".")
	if strings.ContainsAny(local, " \t\r\n@<>()[],;:\"\\") {
		return Email{}, fmt.Errorf("%q is not an e-mail address: bad character in the local part", raw)
	}
	if err := checkDomain(domain); err != nil {
		return Email{}, fmt.Errorf("%q is not an e-mail address: %w", raw, err)
	}
	canon := local
	if i := strings.IndexByte(canon, '+'); i >= 0 {
		canon = canon[:i]
	}
	if d, ok := dotless[domain]; ok {
		canon = strings.ReplaceAll(canon, ".", "")
		domain = d
	}
	if canon == "" {
		return Email{}, fmt.Errorf("%q is not an e-mail address: empty mailbox", raw)
	}
	return Email{Address: local + "@" + s[at+1:], Canonical: canon + "@" + domain, Local: local, Domain: domain}, nil
}

func checkDomain(d string) error {
	if len(d) < 3 || !strings.Contains(d, ".") {
		return fmt.Errorf("domain %q has no dot", d)
	}
	for _, label := range strings.Split(d, ".") {
		if label == "" || len(label) > 63 {
			return fmt.Errorf("domain %q has an empty or over-long label", d)
		}
		if label[0] == '-' || label[len(label)-1] == '-' {
			return fmt.Errorf("domain %q has a label starting or ending with '-'", d)
		}
		for _, r := range label {
			if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' || r > 127) {
				return fmt.Errorf("domain %q has the character %q", d, r)
			}
		}
	}
	return nil
}

// DomainOf returns the lower-cased host of an e-mail address or URL
// ("https://www.Example.com/x" -> "example.com"; a leading "www." is
// dropped). It returns "" when there is none.
func DomainOf(s string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	if at := strings.LastIndexByte(s, '@'); at >= 0 && !strings.Contains(s, "/") {
		return strings.TrimSuffix(s[at+1:], ".")
	}
	if i := strings.Index(s, "://"); i >= 0 {
		s = s[i+3:]
	}
	if i := strings.IndexAny(s, "/?#"); i >= 0 {
		s = s[:i]
	}
	if i := strings.LastIndexByte(s, '@'); i >= 0 {
		s = s[i+1:]
	}
	if i := strings.LastIndexByte(s, ':'); i >= 0 {
		s = s[:i]
	}
	s = strings.TrimSuffix(strings.TrimPrefix(s, "www."), ".")
	if !strings.Contains(s, ".") {
		return ""
	}
	return s
}
