// Package consortium lets tenants that opt in find the same facilitator
// across organisations without sharing raw personal data: each opted-in
// tenant publishes keyed hashes (HMAC-SHA256 under a consortium key that the
// platform holds, distinct from any tenant's fingerprint key) of its people's
// phone numbers, e-mail addresses, bank accounts and postal addresses, and
// can then ask which of its people share one of those hashes with people of
// other opted-in tenants. Answers say how many other tenants share it,
// never who they are, which person, or the value. Tenants that have not
// opted in neither publish nor see anything.
//
// Tokens live in the store's Meta space under a reserved system tenant, so
// no tenant-scoped query can read them. The hashing is the fingerprint
// package's keyed HMAC; nothing here is hand-rolled cryptography.
package consortium

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/redflag-dev/redflag/internal/fingerprint"
	"github.com/redflag-dev/redflag/internal/model"
	"github.com/redflag-dev/redflag/internal/store"
)

// SystemTenant holds the tokens; ValidTenant-style names never start with '_'.
const SystemTenant = "_consortium"

// Kinds are the identifier kinds that are shared, hashed.
var Kinds = []model.IdentifierKind{model.IDPhone, model.IDEmail, model.IDBank, model.IDAddress}

// Matcher publishes and matches tokens for opted-in tenants.
type Matcher struct {
	Store store.Store
	Keyer *fingerprint.Keyer // the consortium key, not a tenant's
	// OptedIn lists the tenants taking part; every other tenant is refused.
	OptedIn map[string]bool
}

// Token is the keyed hash of one normalised identifier.
func (m *Matcher) Token(kind model.IdentifierKind, value string) string {
	return m.Keyer.Of("consortium/"+string(kind), normalise(kind, value))
}

func normalise(kind model.IdentifierKind, v string) string {
	v = strings.ToLower(strings.TrimSpace(v))
	switch kind {
	case model.IDPhone:
		var b strings.Builder
		for _, r := range v {
			if r >= '0' && r <= '9' || r == '+' {
				b.WriteRune(r)
			}
		}
		return b.String()
	case model.IDAddress:
		return strings.Join(strings.Fields(strings.NewReplacer(",", " ", ".", " ").Replace(v)), " ")
	}
	return v
}

func (m *Matcher) check(tenant string) error {
	if !m.OptedIn[tenant] {
		return fmt.Errorf("tenant %q has not opted in to cross-tenant matching", tenant)
	}
	return nil
}

func tokenKey(kind model.IdentifierKind, tok, tenant, subject string) string {
	return "tok/" + string(kind) + "/" + tok + "/" + tenant + "/" + subject
}

// Publish writes the tokens of the tenant's people. It returns how many.
func (m *Matcher) Publish(ctx context.Context, tenant string) (int, error) {
	if err := m.check(tenant); err != nil {
		return 0, err
	}
	n := 0
	err := m.Store.EachIdentifier(ctx, tenant, func(id model.Identifier) error {
		if !shared(id.Kind) || id.Value == "" {
			return nil
		}
		n++
		return m.Store.PutMeta(ctx, SystemTenant, tokenKey(id.Kind, m.Token(id.Kind, id.Value), tenant, id.SubjectID), nil)
	})
	if err != nil {
		return n, fmt.Errorf("publish consortium tokens of %s: %w", tenant, err)
	}
	return n, nil
}

func shared(k model.IdentifierKind) bool {
	for _, x := range Kinds {
		if x == k {
			return true
		}
	}
	return false
}

// Match is one of the asking tenant's people sharing a hashed identifier
// with people of other tenants.
type Match struct {
	SubjectID    string               `json:"subject_id"`
	Kind         model.IdentifierKind `json:"kind"`
	OtherTenants int                  `json:"other_tenants"`
}

// Matches lists the asking tenant's people whose hashed phone, e-mail, bank
// account or address also belongs to people of other opted-in tenants.
func (m *Matcher) Matches(ctx context.Context, tenant string) ([]Match, error) {
	if err := m.check(tenant); err != nil {
		return nil, err
	}
	var out []Match
	err := m.Store.EachIdentifier(ctx, tenant, func(id model.Identifier) error {
		if !shared(id.Kind) || id.Value == "" {
			return nil
		}
		prefix := "tok/" + string(id.Kind) + "/" + m.Token(id.Kind, id.Value) + "/"
		all, err := m.Store.ListMeta(ctx, SystemTenant, prefix)
		if err != nil {
			return err
		}
		others := map[string]bool{}
		for k := range all {
			rest := strings.TrimPrefix(k, prefix)
			t := rest[:strings.IndexByte(rest+"/", '/')]
			if t != tenant && m.OptedIn[t] {
				others[t] = true
			}
		}
		if len(others) > 0 {
			out = append(out, Match{SubjectID: id.SubjectID, Kind: id.Kind, OtherTenants: len(others)})
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("consortium matches of %s: %w", tenant, err)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].SubjectID != out[j].SubjectID {
			return out[i].SubjectID < out[j].SubjectID
		}
		return out[i].Kind < out[j].Kind
	})
	return out, nil
}
