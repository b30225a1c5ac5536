// Package sanctions parses sanctions and watch lists (OFAC SDN and
// Consolidated in the legacy CSV set and the SDN XML, the UN Security Council
// consolidated XML, the EU Financial Sanctions File in CSV and XML, the UK
// Sanctions List CSV and the US Consolidated Screening List CSV), keeps the
// last good copy of each list under <data_dir>/lists/, builds an in-memory
// index and screens names, crypto addresses and identity numbers against it.
//
// The matcher is written here rather than taken from a library because no
// well-kept Go library does what screening needs: candidate generation that
// survives a misspelt word (a deletion neighbourhood and phonetic keys over
// every name and alias), name-part alignment that tolerates split and joined
// syllables and reordered names, romanisation knowledge for Korean and
// Chinese names, and calibrated scores with reasons. Likewise the
// transliteration tables (algorithmic Hangul jamo decomposition to Revised
// Romanisation and McCune–Reischauer, Cyrillic, Greek and a compact Han →
// pinyin table for name characters) are our own: there is no well-kept Go
// transliteration library, and golang.org/x/text only supplies Unicode
// normalisation, which we use to strip accents.
package sanctions

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"strings"
)

// Entity types.
const (
	TypePerson   = "person"
	TypeBusiness = "business"
	TypeVessel   = "vessel"
	TypeAircraft = "aircraft"
)

// List identifiers.
const (
	ListOFACSDN  = "us_ofac_sdn"
	ListOFACCons = "us_ofac_cons"
	ListUN       = "un_sc"
	ListEU       = "eu_fsf"
	ListUK       = "uk_sanctions"
	ListCSL      = "us_csl"
)

// Name is one name of an entity.
type Name struct {
	Name string `json:"name"`
	// Kind is primary, aka, fka, nka, weak (a weak a.k.a.) or original
	// (the name in its original script).
	Kind string `json:"kind"`
}

// Document is an identity document or registration number.
type Document struct {
	Type    string `json:"type"`
	Number  string `json:"number"`
	Country string `json:"country,omitempty"`
}

// Address is a listed address.
type Address struct {
	Line    string `json:"line,omitempty"`
	City    string `json:"city,omitempty"`
	Country string `json:"country,omitempty"`
}

// CryptoAddress is a listed digital-currency address.
type CryptoAddress struct {
	Currency string `json:"currency"`
	Address  string `json:"address"`
}

// Entity is one list entry.
type Entity struct {
	List          string          `json:"list"`
	SourceID      string          `json:"source_id"`
	Type          string          `json:"type"`
	Names         []Name          `json:"names"` // Names[0] is the primary name
	Programs      []string        `json:"programs,omitempty"`
	DOBs          []string        `json:"dates_of_birth,omitempty"` // YYYY, YYYY-MM or YYYY-MM-DD
	POBs          []string        `json:"places_of_birth,omitempty"`
	Nationalities []string        `json:"nationalities,omitempty"` // as listed (names or codes)
	Gender        string          `json:"gender,omitempty"`        // male|female
	Documents     []Document      `json:"documents,omitempty"`
	Addresses     []Address       `json:"addresses,omitempty"`
	Crypto        []CryptoAddress `json:"crypto,omitempty"`
	Emails        []string        `json:"emails,omitempty"`
	Websites      []string        `json:"websites,omitempty"`
	LinkedTo      []string        `json:"linked_to,omitempty"`
	Remarks       string          `json:"remarks,omitempty"`
}

// PrimaryName returns the entity's first name.
func (e *Entity) PrimaryName() string {
	if len(e.Names) == 0 {
		return ""
	}
	return e.Names[0].Name
}

// Key identifies the entity across lists: "list:source_id".
func (e *Entity) Key() string { return e.List + ":" + e.SourceID }

// Hash is a digest of the entry's content; it changes when the list
// publisher changes the entry.
func (e *Entity) Hash() string {
	b, _ := json.Marshal(e)
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:8])
}

// addName appends a name unless empty or already present.
func (e *Entity) addName(n, kind string) {
	n = strings.TrimSpace(n)
	n = strings.Trim(n, `"'`)
	n = strings.TrimSpace(n)
	if n == "" || n == "-0-" {
		return
	}
	for _, x := range e.Names {
		if strings.EqualFold(x.Name, n) {
			return
		}
	}
	e.Names = append(e.Names, Name{Name: n, Kind: kind})
}

func appendUnique(xs []string, v string) []string {
	v = strings.TrimSpace(v)
	if v == "" {
		return xs
	}
	for _, x := range xs {
		if strings.EqualFold(x, v) {
			return xs
		}
	}
	return append(xs, v)
}

// normType maps list-specific type words to ours.
func normType(s string) string {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "individual", "person", "p", "i", "natural person":
		return TypePerson
	case "vessel", "ship":
		return TypeVessel
	case "aircraft":
		return TypeAircraft
	default:
		return TypeBusiness
	}
}
