package web

import (
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"net/url"
	"strings"

	"github.com/redflag-dev/redflag/internal/auth"
	"github.com/redflag-dev/redflag/internal/cases"
	"github.com/redflag-dev/redflag/internal/store"
)

const (
	sessionCookie    = "rf_session"
	loginCSRFCookie  = "rf_login"
	csrfField        = "csrf"
	csrfHeader       = "X-CSRF-Token"
	maxFormBodyBytes = 1 << 20
)

// user is the authenticated caller of a request.
type user struct {
	Name   string
	Role   auth.Role
	CSRF   string
	Bearer bool // authenticated by API token (no CSRF needed: no ambient credential)
}

// Masked reports whether PII must be masked for this user.
func (u *user) Masked() bool { return u == nil || u.Role == auth.Viewer }

// CanAct reports whether the user may work cases.
func (u *user) CanAct() bool { return u != nil && u.Role.Can(auth.Analyst) }

func (s *Server) identify(r *http.Request) *user {
	if h := r.Header.Get("Authorization"); strings.HasPrefix(h, "Bearer ") {
		u, err := s.opt.Auth.Authenticate(r.Context(), strings.TrimSpace(strings.TrimPrefix(h, "Bearer ")))
		if err != nil {
			return nil
		}
		return &user{Name: u.Name, Role: u.Role, Bearer: true}
	}
	c, err := r.Cookie(sessionCookie)
	if err != nil {
		return nil
	}
	sess, ok := s.opt.Auth.Session(c.Value)
	if !ok {
		return nil
	}
	return &user{Name: sess.User, Role: sess.Role, CSRF: sess.CSRF}
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request, need auth.Role, api bool, h handler) {
	u := s.identify(r)
	if need == "" {
		h(w, r, u)
		return
	}
	if u == nil {
		if api || isAPI(r) {
			w.Header().Set("WWW-Authenticate", `Bearer realm="redflag"`)
			writeError(w, http.StatusUnauthorized, "authentication required: send Authorization: Bearer <token>")
			return
		}
		if r.Method == http.MethodGet {
			http.Redirect(w, r, "/login?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
			return
		}
		http.Error(w, "session expired; log in again", http.StatusUnauthorized)
		return
	}
	if !u.Role.Can(need) {
		s.audit(r.Context(), u, "access.denied", r.Method+" "+r.URL.Path, string(u.Role), string(need))
		if api {
			writeError(w, http.StatusForbidden, "role "+string(u.Role)+" may not do this; needs "+string(need))
			return
		}
		http.Error(w, "Your role ("+string(u.Role)+") may not do this.", http.StatusForbidden)
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead && !u.Bearer {
		r.Body = http.MaxBytesReader(w, r.Body, maxFormBodyBytes)
		tok := r.Header.Get(csrfHeader)
		if tok == "" {
			tok = r.FormValue(csrfField)
		}
		if tok == "" || tok != u.CSRF {
			s.audit(r.Context(), u, "csrf.reject", r.Method+" "+r.URL.Path, "", "")
			if api {
				writeError(w, http.StatusForbidden, "missing or wrong CSRF token")
				return
			}
			http.Error(w, "The form expired or did not come from this site (CSRF check failed). Reload the page and try again.", http.StatusForbidden)
			return
		}
	}
	h(w, r, u)
}

func (s *Server) setCookie(w http.ResponseWriter, r *http.Request, name, value string, maxAge int) {
	http.SetCookie(w, &http.Cookie{
		Name: name, Value: value, Path: "/", MaxAge: maxAge,
		HttpOnly: true, SameSite: http.SameSiteStrictMode,
		Secure: s.opt.SecureCookies || r.TLS != nil,
	})
}

func clientAddr(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	json.NewEncoder(w).Encode(v)
}

func writeError(w http.ResponseWriter, code int, msg string) {
	writeJSON(w, code, map[string]string{"error": msg})
}

// errCode maps a domain error to an HTTP status.
func errCode(err error) int {
	switch {
	case errors.Is(err, store.ErrNotFound):
		return http.StatusNotFound
	case errors.Is(err, cases.ErrInvalid):
		return http.StatusBadRequest
	case errors.Is(err, cases.ErrTransition):
		return http.StatusConflict
	}
	return http.StatusInternalServerError
}

func (s *Server) apiErr(w http.ResponseWriter, err error) {
	code := errCode(err)
	if code == http.StatusInternalServerError {
		s.opt.Log.Error("api", "err", err)
	}
	writeError(w, code, err.Error())
}
