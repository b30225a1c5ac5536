// Package fingerprint turns sensitive identifiers (bank accounts, identity
// document numbers, and for cross-tenant matching phones, e-mails and
// addresses) into keyed fingerprints: HMAC-SHA256 under a secret key from the
// configuration. The same value gives the same fingerprint under the same
// key, so the fingerprints can still link records, but the value cannot be
// read back and cannot be brute-forced without the key.
package fingerprint

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
)

// Keyer computes keyed fingerprints.
type Keyer struct {
	key []byte
}

// MinKeyLen is the shortest accepted key, in bytes.
const MinKeyLen = 16

// New returns a keyer for the key. Keys shorter than MinKeyLen are refused.
func New(key []byte) (*Keyer, error) {
	if len(key) < MinKeyLen {
		return nil, fmt.Errorf("fingerprint key is %d bytes; at least %d are needed", len(key), MinKeyLen)
	}
	return &Keyer{key: append([]byte(nil), key...)}, nil
}

// ParseKey decodes a key written as hex or standard base64.
func ParseKey(s string) ([]byte, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, errors.New("empty fingerprint key")
	}
	if b, err := hex.DecodeString(s); err == nil {
		return b, nil
	}
	if b, err := base64.StdEncoding.DecodeString(s); err == nil {
		return b, nil
	}
	return nil, errors.New("fingerprint key is neither hex nor base64")
}

// GenerateKey returns a new random 32-byte key as hex.
func GenerateKey() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("generate key: %w", err)
	}
	return hex.EncodeToString(b), nil
}

// Of returns the fingerprint of value in the domain (e.g. "bank", "id_document").
// The domain keeps equal values of different kinds from colliding. Values are
// compared as given: normalise them first.
func (k *Keyer) Of(domain, value string) string {
	m := hmac.New(sha256.New, k.key)
	m.Write([]byte(domain))
	m.Write([]byte{0})
	m.Write([]byte(value))
	return domain + ":" + hex.EncodeToString(m.Sum(nil)[:16])
}

// BankAccount fingerprints a bank account from its routing or bank ID and
// account number; spaces, dashes and case are ignored.
func (k *Keyer) BankAccount(routing, account string) string {
	return k.Of("bank", squash(routing)+"/"+squash(account))
}

func squash(s string) string {
	var b strings.Builder
	for _, r := range strings.ToUpper(s) {
		if r == ' ' || r == '-' || r == '.' {
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}
