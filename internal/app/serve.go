package app

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/spf13/cobra"

	"github.com/redflag-dev/redflag/internal/auth"
	"github.com/redflag-dev/redflag/internal/detect"
	"github.com/redflag-dev/redflag/internal/export"
	"github.com/redflag-dev/redflag/internal/indicators"
	"github.com/redflag-dev/redflag/internal/model"
	"github.com/redflag-dev/redflag/internal/sanctions"
	"github.com/redflag-dev/redflag/internal/store"
	"github.com/redflag-dev/redflag/internal/web"
)

// This file belongs to the web subsystem (issue 7): `redflag serve` runs the
// analyst UI, the HTTP API, /metrics and the webhook/syslog exporters.

// ServeOptions are what `serve` and `demo` pass to Serve.
type ServeOptions struct {
	Addr string
	// DemoUser and DemoPassword, when set, make sure that admin user exists
	// with that password (created or reset) before serving.
	DemoUser, DemoPassword string
	// TLSCert and TLSKey serve HTTPS (and mark cookies Secure).
	TLSCert, TLSKey string
	// Ready, when set, receives the bound address once listening.
	Ready func(addr string)
}

func init() {
	Defaults["http.secure_cookies"] = false
	Defaults["webhook.url"] = ""
	Defaults["webhook.secret"] = ""
	Defaults["syslog.url"] = ""
	Defaults["export.poll"] = "5s"
}

// Auth returns the user manager.
func (a *App) Auth(ctx context.Context) (*auth.Manager, error) {
	st, err := a.Store(ctx)
	if err != nil {
		return nil, err
	}
	return &auth.Manager{Store: st, Tenant: a.Tenant()}, nil
}

// screenHandler finds an http.Handler in the sanctions service, loosely:
// the service may be a *sanctions.Screener, a handler itself or offer Handler().
func screenHandler(svc any) http.Handler {
	switch s := svc.(type) {
	case nil:
		return nil
	case *sanctions.Screener:
		if s == nil {
			return nil
		}
		return sanctions.NewHandler(s)
	case http.Handler:
		return s
	case interface{ Handler() http.Handler }:
		return s.Handler()
	}
	return nil
}

// Serve runs the HTTP server until ctx ends.
func (a *App) Serve(ctx context.Context, opt ServeOptions) error {
	if opt.Addr == "" {
		opt.Addr = a.K.String("http.addr")
	}
	st, err := a.Store(ctx)
	if err != nil {
		return err
	}
	am, err := a.Auth(ctx)
	if err != nil {
		return err
	}
	if opt.DemoUser != "" && opt.DemoPassword != "" {
		if _, err := am.SetUser(ctx, opt.DemoUser, opt.DemoPassword, auth.Admin); err != nil {
			return fmt.Errorf("demo user: %w", err)
		}
	}
	if o, ok := st.(interface{ Optimize(context.Context) error }); ok {
		start := time.Now()
		if err := o.Optimize(ctx); err != nil {
			return err
		}
		a.Log.Debug("store statistics refreshed", "took", time.Since(start))
	}
	if n, err := am.CountUsers(ctx); err != nil {
		return err
	} else if n == 0 {
		a.Log.Warn("no users yet: create one with `redflag users add NAME --role admin`")
	}
	p, err := a.Pipeline(ctx)
	if err != nil {
		return err
	}
	svcs, err := a.Services(ctx)
	if err != nil {
		return err
	}
	var names []string
	for _, d := range p.Engine.Detectors() {
		names = append(names, d.Name())
	}

	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	reqs := prometheus.NewCounterVec(prometheus.CounterOpts{Name: "redflag_http_requests_total", Help: "HTTP requests by route and status code."}, []string{"route", "code"})
	dur := prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "redflag_http_request_duration_seconds", Help: "HTTP request latency by route.", Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5}}, []string{"route"})
	hooks := prometheus.NewCounterVec(prometheus.CounterOpts{Name: "redflag_webhook_attempts_total", Help: "Webhook delivery attempts by outcome."}, []string{"outcome"})
	reg.MustRegister(reqs, dur, hooks, &storeCollector{st: st, tenant: a.Tenant()})

	srv, err := web.New(web.Options{
		Store: st, Auth: am, Tenant: a.Tenant(), Log: a.Log, Sink: p,
		Analyze: func(ctx context.Context) (any, error) { return p.Analyze(ctx, time.Now().UTC()) },
		Screen:  screenHandler(svcs[detect.SvcSanctions]),
		Risk:    p.Risk, Reasons: p.Engine.Reasons(), Detectors: names,
		Sources:       func(ctx context.Context) []web.SourceStatus { return sourceStatus(svcs) },
		SecureCookies: a.K.Bool("http.secure_cookies") || opt.TLSCert != "",
		Metrics:       promhttp.HandlerFor(reg, promhttp.HandlerOpts{}),
		Observe: func(route string, code int, d time.Duration) {
			reqs.WithLabelValues(route, fmt.Sprint(code)).Inc()
			dur.WithLabelValues(route).Observe(d.Seconds())
		},
	})
	if err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	if err := a.startExporters(ctx, st, hooks); err != nil {
		return err
	}
	ln, err := net.Listen("tcp", opt.Addr)
	if err != nil {
		return fmt.Errorf("listen %s: %w", opt.Addr, err)
	}
	hs := &http.Server{Handler: srv, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 5 * time.Minute, WriteTimeout: 5 * time.Minute, IdleTimeout: 2 * time.Minute}
	go func() {
		<-ctx.Done()
		sctx, c := context.WithTimeout(context.Background(), 5*time.Second)
		defer c()
		hs.Shutdown(sctx)
	}()
	scheme := "http"
	if opt.TLSCert != "" {
		scheme = "https"
	}
	a.Log.Info("serving", "url", scheme+"://"+ln.Addr().String(), "store", st.Backend())
	if opt.Ready != nil {
		opt.Ready(ln.Addr().String())
	}
	if opt.TLSCert != "" {
		err = hs.ServeTLS(ln, opt.TLSCert, opt.TLSKey)
	} else {
		err = hs.Serve(ln)
	}
	if err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serve %s: %w", opt.Addr, err)
	}
	return nil
}

// startExporters follows the audit log for webhooks and syslog when configured.
func (a *App) startExporters(ctx context.Context, st store.Store, hooks *prometheus.CounterVec) error {
	every, err := time.ParseDuration(a.K.String("export.poll"))
	if err != nil || every <= 0 {
		every = 5 * time.Second
	}
	if u := a.K.String("webhook.url"); u != "" {
		secret := a.K.String("webhook.secret")
		if secret == "" {
			return errors.New("webhook.url is set but webhook.secret is empty: webhooks must be signed")
		}
		wh := &export.Webhook{URL: u, Secret: []byte(secret), OnResult: func(o string) { hooks.WithLabelValues(o).Inc() }}
		f := &export.Follower{Store: st, Tenant: a.Tenant(), Name: "webhook", Send: wh.Send}
		go f.Run(ctx, every, func(err error) { a.Log.Error("webhook", "err", err) })
		a.Log.Info("webhooks on", "url", u)
	}
	if u := a.K.String("syslog.url"); u != "" {
		sl, err := export.ParseSyslogURL(u)
		if err != nil {
			return err
		}
		f := &export.Follower{Store: st, Tenant: a.Tenant(), Name: "syslog", Send: func(ctx context.Context, p export.Payload) error {
			return sl.Send(ctx, export.CEF(p, Version), p.At)
		}}
		go func() { f.Run(ctx, every, func(err error) { a.Log.Error("syslog", "err", err) }); sl.Close() }()
		a.Log.Info("CEF over syslog on", "url", u)
	}
	return nil
}

// sourceStatus lists the loaded sanctions lists and indicator pack.
func sourceStatus(svcs map[string]any) []web.SourceStatus {
	var out []web.SourceStatus
	if s, ok := svcs[detect.SvcSanctions].(*sanctions.Screener); ok && s != nil {
		for _, l := range s.Lists() {
			out = append(out, web.SourceStatus{Kind: "sanctions list", Name: l.List, Version: l.Version, Entries: l.Entities, Detail: l.Format, Error: l.Error})
		}
	}
	if p, ok := svcs[detect.SvcIndicators].(*indicators.Pack); ok && p != nil {
		var parts []string
		counts := p.Counts()
		keys := make([]string, 0, len(counts))
		for k := range counts {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			parts = append(parts, fmt.Sprintf("%s %d", k, counts[k]))
		}
		out = append(out, web.SourceStatus{Kind: "indicator pack", Name: "indicators", Version: p.Version(), Entries: p.Len(), Detail: strings.Join(parts, ", ")})
	}
	return out
}

// storeCollector exposes case and risk counts at scrape time.
type storeCollector struct {
	st     store.Store
	tenant string
}

var (
	casesDesc = prometheus.NewDesc("redflag_cases", "Cases by state.", []string{"state"}, nil)
	subjDesc  = prometheus.NewDesc("redflag_subjects", "Subjects in the store.", nil, nil)
)

func (c *storeCollector) Describe(ch chan<- *prometheus.Desc) { ch <- casesDesc; ch <- subjDesc }

func (c *storeCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if cs, err := c.st.ListCases(ctx, c.tenant, store.CaseFilter{}); err == nil {
		by := map[model.CaseState]int{}
		for _, x := range cs {
			by[x.State]++
		}
		for _, s := range []model.CaseState{model.CaseOpen, model.CaseTriage, model.CaseEscalatedLegal, model.CaseEscalatedHR, model.CaseConfirmed, model.CaseCleared} {
			ch <- prometheus.MustNewConstMetric(casesDesc, prometheus.GaugeValue, float64(by[s]), string(s))
		}
	}
	if n, err := c.st.CountSubjects(ctx, c.tenant); err == nil {
		ch <- prometheus.MustNewConstMetric(subjDesc, prometheus.GaugeValue, float64(n))
	}
}

func init() {
	addCommand(func(a *App) *cobra.Command {
		var addr, cert, key string
		cmd := &cobra.Command{
			Use:   "serve",
			Short: "Serve the analyst UI and the HTTP API against the configured store",
			Long: `Serve the analyst UI, the HTTP API (/api/v1, documented at /api/v1/openapi.yaml),
/metrics, /healthz and /readyz. Binds 127.0.0.1:8080 by default (http.addr).

Create a user first: redflag users add NAME --role admin
Webhooks: set webhook.url and webhook.secret; CEF over syslog: syslog.url (udp://host:514).`,
			Args: cobra.NoArgs,
			RunE: func(cmd *cobra.Command, args []string) error {
				if addr == "" {
					addr = a.K.String("http.addr")
				}
				if !strings.HasPrefix(addr, "127.") && !strings.HasPrefix(addr, "localhost") && !strings.HasPrefix(addr, "[::1]") && cert == "" {
					fmt.Fprintf(os.Stderr, "warning: serving on %s without TLS; put a TLS proxy in front or pass --tls-cert/--tls-key\n", addr)
				}
				return a.Serve(cmd.Context(), ServeOptions{Addr: addr, TLSCert: cert, TLSKey: key})
			},
		}
		cmd.Flags().StringVar(&addr, "addr", "", "listen address (default 127.0.0.1:8080; http.addr)")
		cmd.Flags().StringVar(&cert, "tls-cert", "", "TLS certificate file (PEM)")
		cmd.Flags().StringVar(&key, "tls-key", "", "TLS key file (PEM)")
		return cmd
	})
}
