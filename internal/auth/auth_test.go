package auth

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/crypto/bcrypt"

	"github.com/redflag-dev/redflag/internal/store/sqlstore"
)

func newManager(t *testing.T) *Manager {
	t.Helper()
	st, err := sqlstore.OpenSQLite(context.Background(), filepath.Join(t.TempDir(), "a.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return &Manager{Store: st, BcryptCost: bcrypt.MinCost}
}

func TestUsersPasswordsAndSessions(t *testing.T) {
	ctx := context.Background()
	m := newManager(t)
	if _, err := m.SetUser(ctx, "ann", "short", Analyst); err == nil {
		t.Fatal("short password accepted")
	}
	if _, err := m.SetUser(ctx, "ann", "correct horse battery", "root"); err == nil {
		t.Fatal("bad role accepted")
	}
	u, err := m.SetUser(ctx, "ann", "correct horse battery", Analyst)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(u.Hash, "horse") || !strings.HasPrefix(u.Hash, "$2") {
		t.Fatalf("hash %q is not bcrypt", u.Hash)
	}
	if _, _, err := m.Login(ctx, "ann", "wrong password!", "1.2.3.4"); !errors.Is(err, ErrBadCredentials) {
		t.Fatalf("wrong password: %v", err)
	}
	sid, s, err := m.Login(ctx, "ann", "correct horse battery", "1.2.3.5")
	if err != nil || s.Role != Analyst {
		t.Fatalf("login: %v %+v", err, s)
	}
	got, ok := m.Session(sid)
	if !ok || got.User != "ann" || !got.CheckCSRF(s.CSRF) || got.CheckCSRF("") || got.CheckCSRF("x"+s.CSRF) {
		t.Fatalf("session %+v", got)
	}
	m.Logout(ctx, sid)
	if _, ok := m.Session(sid); ok {
		t.Fatal("session survived logout")
	}
	// Reset changes role and password.
	if _, err := m.SetUser(ctx, "ann", "another long password", Viewer); err != nil {
		t.Fatal(err)
	}
	if _, _, err := m.Login(ctx, "ann", "correct horse battery", "1.2.3.6"); !errors.Is(err, ErrBadCredentials) {
		t.Fatalf("old password still works: %v", err)
	}
	audit, _ := m.Store.Audit(ctx, "default", "user:ann", 0)
	if len(audit) < 5 {
		t.Fatalf("login actions not audited: %d", len(audit))
	}
}

func TestLoginRateLimit(t *testing.T) {
	ctx := context.Background()
	m := newManager(t)
	if _, err := m.SetUser(ctx, "bob", "correct horse battery", Admin); err != nil {
		t.Fatal(err)
	}
	var limited int
	for i := 0; i < 8; i++ {
		if _, _, err := m.Login(ctx, "bob", "guess", "9.9.9.9"); errors.Is(err, ErrRateLimited) {
			limited++
		}
	}
	if limited != 3 {
		t.Fatalf("want 3 of 8 attempts limited after a burst of 5, got %d", limited)
	}
	// The right password is refused too while limited: guessing cannot continue.
	if _, _, err := m.Login(ctx, "bob", "correct horse battery", "9.9.9.9"); !errors.Is(err, ErrRateLimited) {
		t.Fatalf("limited client logged in: %v", err)
	}
}

func TestTokensHashedAtRest(t *testing.T) {
	ctx := context.Background()
	m := newManager(t)
	if _, err := m.SetUser(ctx, "svc", "correct horse battery", Analyst); err != nil {
		t.Fatal(err)
	}
	clear, tok, err := m.NewToken(ctx, "svc", "siem")
	if err != nil {
		t.Fatal(err)
	}
	all, _ := m.Store.ListMeta(ctx, "default", "auth/")
	for k, v := range all {
		if strings.Contains(k, clear) || strings.Contains(string(v), clear) {
			t.Fatal("clear token stored")
		}
	}
	u, err := m.Authenticate(ctx, clear)
	if err != nil || u.Name != "svc" || tok.User != "svc" {
		t.Fatalf("authenticate: %v %+v", err, u)
	}
	if _, err := m.Authenticate(ctx, clear+"x"); err == nil {
		t.Fatal("altered token accepted")
	}
	if _, _, err := m.NewToken(ctx, "ghost", ""); err == nil {
		t.Fatal("token for a missing user")
	}
}

func TestMasking(t *testing.T) {
	cases := map[string]string{
		MaskEmail("jane.doe@example.com"): "j•••@example.com",
		MaskPhone("+1 (555) 010-2233"):    "•••33",
		MaskDOB("1990-04-12"):             "1990-••-••",
		MaskLine("12 Elm St"):             "•••",
	}
	for got, want := range cases {
		if got != want {
			t.Errorf("got %q want %q", got, want)
		}
	}
}
