package consortium

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/redflag-dev/redflag/internal/fingerprint"
	"github.com/redflag-dev/redflag/internal/model"
	"github.com/redflag-dev/redflag/internal/store/sqlstore"
)

func TestCrossTenantMatching(t *testing.T) {
	ctx := context.Background()
	st, err := sqlstore.OpenSQLite(ctx, filepath.Join(t.TempDir(), "c.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	k, err := fingerprint.New([]byte("consortium-key-0123456789abcdef"))
	if err != nil {
		t.Fatal(err)
	}
	ids := []model.Identifier{
		// The same facilitator's phone and mailbox at two client companies,
		// written differently.
		{Tenant: "acme", Kind: model.IDPhone, Value: "+1 (555) 010-9999", SubjectID: "a1", Source: "hr"},
		{Tenant: "globex", Kind: model.IDPhone, Value: "+15550109999", SubjectID: "g7", Source: "hr"},
		{Tenant: "acme", Kind: model.IDEmail, Value: "Helper@Mail.test", SubjectID: "a1", Source: "hr"},
		{Tenant: "globex", Kind: model.IDEmail, Value: "helper@mail.test ", SubjectID: "g7", Source: "hr"},
		{Tenant: "acme", Kind: model.IDEmail, Value: "alone@acme.test", SubjectID: "a2", Source: "hr"},
		// A third company has the same phone but has not opted in.
		{Tenant: "initech", Kind: model.IDPhone, Value: "+15550109999", SubjectID: "i3", Source: "hr"},
		// Kinds outside the consortium list are never shared.
		{Tenant: "acme", Kind: model.IDIP, Value: "192.0.2.9", SubjectID: "a2", Source: "okta"},
		{Tenant: "globex", Kind: model.IDIP, Value: "192.0.2.9", SubjectID: "g8", Source: "okta"},
	}
	if err := st.PutIdentifiers(ctx, ids); err != nil {
		t.Fatal(err)
	}
	m := &Matcher{Store: st, Keyer: k, OptedIn: map[string]bool{"acme": true, "globex": true}}
	for _, tn := range []string{"acme", "globex"} {
		if _, err := m.Publish(ctx, tn); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := m.Publish(ctx, "initech"); err == nil {
		t.Fatal("a tenant that did not opt in published tokens")
	}
	if _, err := m.Matches(ctx, "initech"); err == nil {
		t.Fatal("a tenant that did not opt in could query")
	}
	got, err := m.Matches(ctx, "acme")
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(got) != "[{a1 email 1} {a1 phone 1}]" {
		t.Fatalf("acme matches = %v", got)
	}
	got, _ = m.Matches(ctx, "globex")
	if fmt.Sprint(got) != "[{g7 email 1} {g7 phone 1}]" {
		t.Fatalf("globex matches = %v", got)
	}
	// No raw value, and no tenant-scoped read, reaches the tokens.
	all, err := st.ListMeta(ctx, SystemTenant, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 5 {
		t.Fatalf("%d tokens stored, want 5 (2 acme phone/email + alone, 2 globex)", len(all))
	}
	for key := range all {
		for _, raw := range []string{"555", "helper", "mail.test", "alone", "initech", "192.0.2"} {
			if strings.Contains(strings.ToLower(key), raw) {
				t.Fatalf("token key %q contains raw data %q", key, raw)
			}
		}
	}
	for _, tn := range []string{"acme", "globex", "initech"} {
		if mine, _ := st.ListMeta(ctx, tn, "tok/"); len(mine) != 0 {
			t.Fatalf("tenant %s can read consortium tokens: %v", tn, mine)
		}
	}
	// A different consortium key matches nothing: tokens are keyed.
	k2, _ := fingerprint.New([]byte("another-consortium-key-xxxxxxxxx"))
	m2 := &Matcher{Store: st, Keyer: k2, OptedIn: m.OptedIn}
	if got, _ := m2.Matches(ctx, "acme"); len(got) != 0 {
		t.Fatalf("matches under another key: %v", got)
	}
}
