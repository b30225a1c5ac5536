// Package auth keeps local users (bcrypt password hashes) and API tokens
// (SHA-256 hashes at rest; the clear token is shown once), sessions with
// CSRF tokens, login rate limits, roles and PII masking. Users and tokens
// live in the store's Meta space under "auth/", so they follow the store
// (SQLite or PostgreSQL) without a schema change.
//
// bcrypt comes from golang.org/x/crypto and rate limiting from
// golang.org/x/time/rate; sessions are our own small in-memory map because
// no well-kept library fits a single binary without adding a cookie store
// dependency.
package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"sync"
	"time"

	"golang.org/x/crypto/bcrypt"
	"golang.org/x/time/rate"

	"github.com/redflag-dev/redflag/internal/model"
	"github.com/redflag-dev/redflag/internal/store"
)

// Role is what a user may do.
type Role string

const (
	Viewer  Role = "viewer"  // reads, with PII masked
	Analyst Role = "analyst" // reads in full, works cases, gives feedback
	Admin   Role = "admin"   // everything, and users
)

// ParseRole checks a role name.
func ParseRole(s string) (Role, error) {
	switch r := Role(strings.ToLower(strings.TrimSpace(s))); r {
	case Viewer, Analyst, Admin:
		return r, nil
	}
	return "", fmt.Errorf("role %q: want viewer, analyst or admin", s)
}

// Rank orders roles.
func (r Role) Rank() int {
	switch r {
	case Analyst:
		return 1
	case Admin:
		return 2
	}
	return 0
}

// Can reports whether r has at least the rights of need.
func (r Role) Can(need Role) bool { return r.Rank() >= need.Rank() }

// User is a local user.
type User struct {
	Name     string    `json:"name"`
	Role     Role      `json:"role"`
	Hash     string    `json:"hash"` // bcrypt
	Created  time.Time `json:"created"`
	Disabled bool      `json:"disabled,omitempty"`
}

// Token is an API token; only its hash is stored.
type Token struct {
	ID      string    `json:"id"` // first 8 characters of the hash, for listing
	User    string    `json:"user"`
	Label   string    `json:"label,omitempty"`
	Hash    string    `json:"hash"`
	Created time.Time `json:"created"`
}

// Errors.
var (
	ErrBadCredentials = errors.New("invalid user name or password")
	ErrRateLimited    = errors.New("too many login attempts; wait a minute")
)

const (
	userPrefix  = "auth/user/"
	tokenPrefix = "auth/token/"
	// MinPassword is the shortest accepted password.
	MinPassword = 10
	// TokenPrefix starts every API token, so that secret scanners find leaks.
	TokenPrefix = "rft_"
)

var (
	dummyOnce sync.Once
	dummyHash []byte
)

var nameRE = regexp.MustCompile(`^[a-zA-Z0-9._@-]{2,64}$`)

// Manager manages users, tokens and sessions for one tenant.
type Manager struct {
	Store  store.Store
	Tenant string
	// SessionTTL is how long a session lives without use (default 12 h).
	SessionTTL time.Duration
	// BcryptCost defaults to bcrypt.DefaultCost.
	BcryptCost int

	mu       sync.Mutex
	sessions map[string]*Session // by SHA-256 of the session ID
	tokens   map[string]cachedToken
	limiters map[string]*rate.Limiter
}

type cachedToken struct {
	u   User
	exp time.Time
}

// Session is a logged-in browser.
type Session struct {
	User    string
	Role    Role
	CSRF    string
	Expires time.Time
}

func (m *Manager) tenant() string { return store.TenantOr(m.Tenant) }

func (m *Manager) cost() int {
	if m.BcryptCost != 0 {
		return m.BcryptCost
	}
	return bcrypt.DefaultCost
}

// SetUser creates a user or resets its password and role.
func (m *Manager) SetUser(ctx context.Context, name, password string, role Role) (User, error) {
	if !nameRE.MatchString(name) {
		return User{}, fmt.Errorf("user name %q: 2-64 letters, digits or . _ @ -", name)
	}
	if _, err := ParseRole(string(role)); err != nil {
		return User{}, err
	}
	if len(password) < MinPassword {
		return User{}, fmt.Errorf("password: at least %d characters", MinPassword)
	}
	h, err := bcrypt.GenerateFromPassword([]byte(password), m.cost())
	if err != nil {
		return User{}, fmt.Errorf("hash password: %w", err)
	}
	u, ok, err := m.GetUser(ctx, name)
	if err != nil {
		return User{}, err
	}
	action, before := "user.add", ""
	if ok {
		action, before = "user.reset", string(u.Role)
	} else {
		u = User{Name: name, Created: time.Now().UTC()}
	}
	u.Role, u.Hash, u.Disabled = role, string(h), false
	if err := m.putUser(ctx, u); err != nil {
		return User{}, err
	}
	m.audit(ctx, "system", action, "user:"+name, before, string(role))
	m.mu.Lock()
	m.tokens = nil // roles may have changed
	m.mu.Unlock()
	return u, nil
}

func (m *Manager) putUser(ctx context.Context, u User) error {
	b, err := json.Marshal(u)
	if err != nil {
		return err
	}
	if err := m.Store.PutMeta(ctx, m.tenant(), userPrefix+u.Name, b); err != nil {
		return fmt.Errorf("store user %s: %w", u.Name, err)
	}
	return nil
}

// GetUser looks a user up.
func (m *Manager) GetUser(ctx context.Context, name string) (User, bool, error) {
	b, ok, err := m.Store.GetMeta(ctx, m.tenant(), userPrefix+name)
	if err != nil || !ok {
		return User{}, false, err
	}
	var u User
	if err := json.Unmarshal(b, &u); err != nil {
		return User{}, false, fmt.Errorf("user %s: %w", name, err)
	}
	return u, true, nil
}

// Users lists users by name.
func (m *Manager) Users(ctx context.Context) ([]User, error) {
	mm, err := m.Store.ListMeta(ctx, m.tenant(), userPrefix)
	if err != nil {
		return nil, fmt.Errorf("list users: %w", err)
	}
	var out []User
	for _, b := range mm {
		var u User
		if err := json.Unmarshal(b, &u); err == nil {
			out = append(out, u)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// CountUsers says how many users exist.
func (m *Manager) CountUsers(ctx context.Context) (int, error) {
	u, err := m.Users(ctx)
	return len(u), err
}

func (m *Manager) limiter(key string) *rate.Limiter {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.limiters == nil {
		m.limiters = map[string]*rate.Limiter{}
	}
	l := m.limiters[key]
	if l == nil {
		// 5 attempts at once, then one every 12 seconds.
		l = rate.NewLimiter(rate.Every(12*time.Second), 5)
		if len(m.limiters) > 10000 {
			m.limiters = map[string]*rate.Limiter{}
		}
		m.limiters[key] = l
	}
	return l
}

// Login checks a password, rate-limited per client address and per user
// name, and returns a new session ID (to set as a cookie).
func (m *Manager) Login(ctx context.Context, name, password, clientAddr string) (string, *Session, error) {
	if !m.limiter("ip:"+clientAddr).Allow() || !m.limiter("user:"+strings.ToLower(name)).Allow() {
		m.audit(ctx, name, "login.limited", "user:"+name, "", clientAddr)
		return "", nil, ErrRateLimited
	}
	u, ok, err := m.GetUser(ctx, name)
	if err != nil {
		return "", nil, err
	}
	if !ok || u.Disabled {
		// Spend the same time as a real check so that names cannot be probed.
		dummyOnce.Do(func() { dummyHash, _ = bcrypt.GenerateFromPassword([]byte("not a password"), m.cost()) })
		bcrypt.CompareHashAndPassword(dummyHash, []byte(password))
		m.audit(ctx, name, "login.fail", "user:"+name, "", clientAddr)
		return "", nil, ErrBadCredentials
	}
	if bcrypt.CompareHashAndPassword([]byte(u.Hash), []byte(password)) != nil {
		m.audit(ctx, name, "login.fail", "user:"+name, "", clientAddr)
		return "", nil, ErrBadCredentials
	}
	sid := randomToken(32)
	s := &Session{User: u.Name, Role: u.Role, CSRF: randomToken(32), Expires: time.Now().Add(m.ttl())}
	m.mu.Lock()
	if m.sessions == nil {
		m.sessions = map[string]*Session{}
	}
	m.sessions[hashToken(sid)] = s
	m.mu.Unlock()
	m.audit(ctx, u.Name, "login", "user:"+u.Name, "", clientAddr)
	return sid, s, nil
}

func (m *Manager) ttl() time.Duration {
	if m.SessionTTL > 0 {
		return m.SessionTTL
	}
	return 12 * time.Hour
}

// Session returns the live session for a session ID, sliding its expiry.
func (m *Manager) Session(sid string) (*Session, bool) {
	if sid == "" {
		return nil, false
	}
	h := hashToken(sid)
	m.mu.Lock()
	defer m.mu.Unlock()
	s, ok := m.sessions[h]
	if !ok {
		return nil, false
	}
	if time.Now().After(s.Expires) {
		delete(m.sessions, h)
		return nil, false
	}
	s.Expires = time.Now().Add(m.ttl())
	cp := *s
	return &cp, true
}

// Logout ends a session.
func (m *Manager) Logout(ctx context.Context, sid string) {
	h := hashToken(sid)
	m.mu.Lock()
	s := m.sessions[h]
	delete(m.sessions, h)
	m.mu.Unlock()
	if s != nil {
		m.audit(ctx, s.User, "logout", "user:"+s.User, "", "")
	}
}

// CheckCSRF compares a submitted CSRF token with the session's in constant time.
func (s *Session) CheckCSRF(tok string) bool {
	return tok != "" && subtle.ConstantTimeCompare([]byte(tok), []byte(s.CSRF)) == 1
}

// NewToken creates an API token for a user and returns it in clear, once.
func (m *Manager) NewToken(ctx context.Context, user, label string) (string, Token, error) {
	u, ok, err := m.GetUser(ctx, user)
	if err != nil {
		return "", Token{}, err
	}
	if !ok {
		return "", Token{}, fmt.Errorf("user %s does not exist", user)
	}
	clear := TokenPrefix + randomToken(32)
	h := hashToken(clear)
	t := Token{ID: h[:8], User: u.Name, Label: label, Hash: h, Created: time.Now().UTC()}
	b, _ := json.Marshal(t)
	if err := m.Store.PutMeta(ctx, m.tenant(), tokenPrefix+h, b); err != nil {
		return "", Token{}, fmt.Errorf("store token: %w", err)
	}
	m.audit(ctx, user, "token.create", "user:"+user, "", t.ID+" "+label)
	return clear, t, nil
}

// Tokens lists the tokens (hashes only).
func (m *Manager) Tokens(ctx context.Context) ([]Token, error) {
	mm, err := m.Store.ListMeta(ctx, m.tenant(), tokenPrefix)
	if err != nil {
		return nil, fmt.Errorf("list tokens: %w", err)
	}
	var out []Token
	for _, b := range mm {
		var t Token
		if json.Unmarshal(b, &t) == nil {
			out = append(out, t)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Created.Before(out[j].Created) })
	return out, nil
}

// Authenticate resolves an API token to its user. Lookups are cached for a
// minute, so that API reads do not hit the store for every request.
func (m *Manager) Authenticate(ctx context.Context, tok string) (User, error) {
	if !strings.HasPrefix(tok, TokenPrefix) {
		return User{}, ErrBadCredentials
	}
	h := hashToken(tok)
	m.mu.Lock()
	if c, ok := m.tokens[h]; ok && time.Now().Before(c.exp) {
		m.mu.Unlock()
		return c.u, nil
	}
	m.mu.Unlock()
	b, ok, err := m.Store.GetMeta(ctx, m.tenant(), tokenPrefix+h)
	if err != nil {
		return User{}, err
	}
	if !ok {
		return User{}, ErrBadCredentials
	}
	var t Token
	if err := json.Unmarshal(b, &t); err != nil {
		return User{}, fmt.Errorf("token: %w", err)
	}
	u, ok, err := m.GetUser(ctx, t.User)
	if err != nil {
		return User{}, err
	}
	if !ok || u.Disabled {
		return User{}, ErrBadCredentials
	}
	m.mu.Lock()
	if m.tokens == nil {
		m.tokens = map[string]cachedToken{}
	}
	m.tokens[h] = cachedToken{u: u, exp: time.Now().Add(time.Minute)}
	m.mu.Unlock()
	return u, nil
}

func (m *Manager) audit(ctx context.Context, actor, action, object, before, after string) {
	// Audit failures must not lock users out; they surface in the store's logs.
	_, _ = m.Store.AppendAudit(ctx, model.AuditEntry{Tenant: m.tenant(), At: time.Now().UTC(), Actor: actor, Action: action, Object: object, Before: before, After: after})
}

func randomToken(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic("crypto/rand: " + err.Error())
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// RandomPassword returns a strong random password (for the demo admin).
func RandomPassword() string { return randomToken(15) }

func hashToken(t string) string {
	h := sha256.Sum256([]byte(t))
	return hex.EncodeToString(h[:])
}
