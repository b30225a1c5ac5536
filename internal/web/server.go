// Package web serves the analyst UI (server-rendered html/template pages with
// htmx, embedded in the binary; no CDN) and the HTTP API under /api/v1/,
// documented in openapi.yaml (served at /api/v1/openapi.yaml; a test checks
// that it matches the registered routes).
//
// Routing is net/http.ServeMux with Go 1.22 patterns: no router dependency.
// Charts (hour-of-day activity, graph neighbourhood) are server-side SVG.
package web

import (
	"context"
	"embed"
	"io/fs"
	"log/slog"
	"net/http"
	"strings"
	"time"

	_ "time/tzdata" // claimed time zones must resolve on minimal hosts

	"github.com/redflag-dev/redflag/internal/auth"
	"github.com/redflag-dev/redflag/internal/cases"
	"github.com/redflag-dev/redflag/internal/ingest"
	"github.com/redflag-dev/redflag/internal/model"
	"github.com/redflag-dev/redflag/internal/risk"
	"github.com/redflag-dev/redflag/internal/store"
)

//go:embed static templates openapi.yaml
var assets embed.FS

// OpenAPI returns the embedded OpenAPI document.
func OpenAPI() []byte {
	b, _ := assets.ReadFile("openapi.yaml")
	return b
}

// Options configure a Server. Store and Auth are required.
type Options struct {
	Store  store.Store
	Auth   *auth.Manager
	Tenant string
	Log    *slog.Logger
	// Sink receives POSTed records and events; nil disables ingest.
	Sink ingest.Sink
	// Analyze runs detection, scoring and case sync; nil disables it.
	Analyze func(ctx context.Context) (any, error)
	// Screen is the sanctions screening handler for GET /api/v1/screen; nil
	// when the sanctions service is not configured.
	Screen http.Handler
	// Risk is the weight configuration (for explanations and the status page).
	Risk risk.Config
	// Reasons are the reason codes the detectors publish.
	Reasons map[string]model.ReasonDef
	// Detectors names the detectors that run.
	Detectors []string
	// SecureCookies sets the Secure flag (serve behind TLS).
	SecureCookies bool
	// Metrics, when set, is served at /metrics.
	Metrics http.Handler
	// Observe, when set, is called for every request with its route and timing.
	Observe func(route string, code int, d time.Duration)
	// Sources reports the loaded watch lists and indicator packs for the
	// status page; nil shows none.
	Sources func(ctx context.Context) []SourceStatus
	// Now defaults to time.Now.
	Now func() time.Time
}

// SourceStatus is one loaded list or indicator pack.
type SourceStatus struct {
	Kind    string `json:"kind"` // "sanctions list", "indicator pack"
	Name    string `json:"name"`
	Version string `json:"version,omitempty"`
	Entries int    `json:"entries"`
	Detail  string `json:"detail,omitempty"`
	Error   string `json:"error,omitempty"`
}

// Server is the web application.
type Server struct {
	opt    Options
	cases  *cases.Service
	scorer *risk.Scorer
	tmpl   *templates
	routes []Route
	mux    *http.ServeMux
}

// Route is one registered route.
type Route struct {
	Method  string
	Pattern string // without the method
	API     bool
	Need    auth.Role // minimum role; "" = public
}

// New builds the server.
func New(opt Options) (*Server, error) {
	if opt.Log == nil {
		opt.Log = slog.Default()
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	opt.Tenant = store.TenantOr(opt.Tenant)
	if opt.Risk.Version == "" {
		opt.Risk = risk.DefaultConfig()
	}
	t, err := parseTemplates()
	if err != nil {
		return nil, err
	}
	s := &Server{opt: opt, tmpl: t, mux: http.NewServeMux(),
		cases:  &cases.Service{Store: opt.Store, Now: opt.Now},
		scorer: risk.New(opt.Risk, opt.Reasons)}
	s.register()
	return s, nil
}

// Routes lists the registered routes.
func (s *Server) Routes() []Route { return append([]Route(nil), s.routes...) }

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "same-origin")
	h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'")
	s.mux.ServeHTTP(w, r)
}

type handler func(w http.ResponseWriter, r *http.Request, u *user)

func (s *Server) handle(method, pattern string, need auth.Role, api bool, h handler) {
	s.routes = append(s.routes, Route{Method: method, Pattern: pattern, API: api, Need: need})
	route := method + " " + pattern
	s.mux.HandleFunc(route, func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &statusWriter{ResponseWriter: w, code: 200}
		s.serve(rec, r, need, api, h)
		if s.opt.Observe != nil {
			s.opt.Observe(route, rec.code, time.Since(start))
		}
	})
}

type statusWriter struct {
	http.ResponseWriter
	code int
}

func (w *statusWriter) WriteHeader(c int) { w.code = c; w.ResponseWriter.WriteHeader(c) }

func (s *Server) register() {
	pub := auth.Role("")
	// Health and assets.
	s.handle("GET", "/healthz", pub, true, func(w http.ResponseWriter, r *http.Request, _ *user) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Write([]byte("ok\n"))
	})
	s.handle("GET", "/readyz", pub, true, s.readyz)
	static, _ := fs.Sub(assets, "static")
	fsrv := http.StripPrefix("/static/", http.FileServer(http.FS(static)))
	s.mux.Handle("GET /static/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=3600")
		fsrv.ServeHTTP(w, r)
	}))
	if s.opt.Metrics != nil {
		s.mux.Handle("GET /metrics", s.opt.Metrics)
	}

	// UI.
	s.handle("GET", "/login", pub, false, s.loginPage)
	s.handle("POST", "/login", pub, false, s.loginPost)
	s.handle("POST", "/logout", auth.Viewer, false, s.logoutPost)
	s.handle("GET", "/{$}", auth.Viewer, false, func(w http.ResponseWriter, r *http.Request, _ *user) {
		http.Redirect(w, r, "/queue", http.StatusSeeOther)
	})
	s.handle("GET", "/queue", auth.Viewer, false, s.queuePage)
	s.handle("GET", "/subjects", auth.Viewer, false, s.subjectsPage)
	s.handle("GET", "/subjects/{id}", auth.Viewer, false, s.subjectPage)
	s.handle("POST", "/subjects/{id}/feedback", auth.Analyst, false, s.feedbackPost)
	s.handle("GET", "/events/{id}", auth.Viewer, false, s.eventPage)
	s.handle("GET", "/evidence", auth.Viewer, false, s.evidencePage)
	s.handle("POST", "/cases", auth.Analyst, false, s.caseOpenPost)
	s.handle("GET", "/cases/{id}", auth.Viewer, false, s.casePage)
	s.handle("GET", "/cases/{id}/report", auth.Viewer, false, s.caseReport)
	s.handle("POST", "/cases/{id}/state", auth.Analyst, false, s.caseStatePost)
	s.handle("POST", "/cases/{id}/assign", auth.Analyst, false, s.caseAssignPost)
	s.handle("POST", "/cases/{id}/notes", auth.Analyst, false, s.caseNotePost)
	s.handle("POST", "/cases/{id}/subjects", auth.Analyst, false, s.caseLinkPost)
	s.handle("GET", "/audit", auth.Viewer, false, s.auditPage)
	s.handle("GET", "/status", auth.Viewer, false, s.statusPage)

	// API.
	s.handle("GET", "/api/v1/openapi.yaml", pub, true, func(w http.ResponseWriter, r *http.Request, _ *user) {
		w.Header().Set("Content-Type", "application/yaml")
		w.Write(OpenAPI())
	})
	s.handle("GET", "/api/v1/subjects", auth.Viewer, true, s.apiSubjects)
	s.handle("GET", "/api/v1/subjects/{id}", auth.Viewer, true, s.apiSubject)
	s.handle("GET", "/api/v1/subjects/{id}/findings", auth.Viewer, true, s.apiSubjectFindings)
	s.handle("GET", "/api/v1/subjects/{id}/risk", auth.Viewer, true, s.apiSubjectRisk)
	s.handle("GET", "/api/v1/subjects/{id}/events", auth.Viewer, true, s.apiSubjectEvents)
	s.handle("GET", "/api/v1/subjects/{id}/graph", auth.Viewer, true, s.apiSubjectGraph)
	s.handle("GET", "/api/v1/findings/{id}", auth.Viewer, true, s.apiFinding)
	s.handle("GET", "/api/v1/events/{id}", auth.Viewer, true, s.apiEvent)
	s.handle("GET", "/api/v1/risks", auth.Viewer, true, s.apiRisks)
	s.handle("GET", "/api/v1/cases", auth.Viewer, true, s.apiCases)
	s.handle("POST", "/api/v1/cases", auth.Analyst, true, s.apiCaseOpen)
	s.handle("GET", "/api/v1/cases/{id}", auth.Viewer, true, s.apiCase)
	s.handle("POST", "/api/v1/cases/{id}/transition", auth.Analyst, true, s.apiCaseTransition)
	s.handle("POST", "/api/v1/cases/{id}/assign", auth.Analyst, true, s.apiCaseAssign)
	s.handle("POST", "/api/v1/cases/{id}/notes", auth.Analyst, true, s.apiCaseNote)
	s.handle("POST", "/api/v1/cases/{id}/subjects", auth.Analyst, true, s.apiCaseLink)
	s.handle("GET", "/api/v1/audit", auth.Analyst, true, s.apiAudit)
	s.handle("POST", "/api/v1/feedback", auth.Analyst, true, s.apiFeedback)
	s.handle("GET", "/api/v1/feedback/report", auth.Viewer, true, s.apiFeedbackReport)
	s.handle("GET", "/api/v1/status", auth.Viewer, true, s.apiStatus)
	if s.opt.Sink != nil {
		s.handle("POST", "/api/v1/ingest/records", auth.Analyst, true, s.apiIngestRecords)
		s.handle("POST", "/api/v1/ingest/events", auth.Analyst, true, s.apiIngestEvents)
	}
	if s.opt.Analyze != nil {
		s.handle("POST", "/api/v1/analyze", auth.Admin, true, s.apiAnalyze)
	}
	if s.opt.Screen != nil {
		screen := s.opt.Screen
		s.handle("GET", "/api/v1/screen", auth.Analyst, true, func(w http.ResponseWriter, r *http.Request, u *user) {
			s.audit(r.Context(), u, "screen.query", "screen", "", r.URL.RawQuery)
			screen.ServeHTTP(w, r)
		})
	}
}

func (s *Server) readyz(w http.ResponseWriter, r *http.Request, _ *user) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	if _, _, err := s.opt.Store.GetMeta(ctx, s.opt.Tenant, "readyz"); err != nil {
		http.Error(w, "store not ready: "+err.Error(), http.StatusServiceUnavailable)
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Write([]byte("ready\n"))
}

func (s *Server) audit(ctx context.Context, u *user, action, object, before, after string) {
	actor := "anonymous"
	if u != nil {
		actor = u.Name
	}
	if _, err := s.opt.Store.AppendAudit(ctx, model.AuditEntry{Tenant: s.opt.Tenant, At: s.opt.Now().UTC(), Actor: actor, Action: action, Object: object, Before: before, After: after}); err != nil {
		s.opt.Log.Error("audit", "action", action, "object", object, "err", err)
	}
}

func isAPI(r *http.Request) bool { return strings.HasPrefix(r.URL.Path, "/api/") }
