package identity

import (
	"fmt"
	"net/netip"
	"strings"

	"github.com/redflag-dev/redflag/internal/fingerprint"
)

// Device normalises a device ID (trimmed, lower case).
func Device(id string) string { return strings.ToLower(strings.TrimSpace(id)) }

// Serial normalises a hardware serial number (upper case, no spaces or dashes).
func Serial(s string) string {
	var b strings.Builder
	for _, r := range strings.ToUpper(strings.TrimSpace(s)) {
		if r == ' ' || r == '-' || r == '\t' {
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// IP normalises an IP address (IPv4-mapped IPv6 unmapped, zone dropped).
func IP(s string) (string, error) {
	a, err := netip.ParseAddr(strings.TrimSpace(s))
	if err != nil {
		return "", fmt.Errorf("%q is not an IP address: %w", s, err)
	}
	return a.Unmap().WithZone("").String(), nil
}

// CodeLogin normalises a code-hosting login: "@Octo-Cat",
// "https://github.com/octo-cat/" and "octo-cat" all give "octo-cat".
func CodeLogin(s string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	for _, p := range []string{"https://", "http://", "www.", "github.com/", "gitlab.com/"} {
		s = strings.TrimPrefix(s, p)
	}
	s = strings.TrimPrefix(s, "@")
	if i := strings.IndexAny(s, "/?#"); i >= 0 {
		s = s[:i]
	}
	return s
}

// Login normalises an identity-provider login (trimmed, lower case).
func Login(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

// HolderName normalises a bank-account holder or person name for
// comparison: lower case, accents stripped, punctuation dropped.
func HolderName(s string) string { return strings.Join(tokens(s), " ") }

// BankAccount returns the keyed fingerprint of a routing/bank ID and account
// number; the number itself is never kept.
func BankAccount(k *fingerprint.Keyer, routing, account string) (string, error) {
	if k == nil {
		return "", fmt.Errorf("no fingerprint key configured")
	}
	if strings.TrimSpace(account) == "" {
		return "", fmt.Errorf("empty account number")
	}
	return k.BankAccount(routing, account), nil
}
