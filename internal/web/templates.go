package web

import (
	"bytes"
	"fmt"
	"html/template"
	"io/fs"
	"math"
	"net/http"
	"net/url"
	"path"
	"strings"
	"time"

	"github.com/redflag-dev/redflag/internal/cases"
	"github.com/redflag-dev/redflag/internal/model"
)

type templates struct {
	pages map[string]*template.Template
}

var funcs = template.FuncMap{
	"stateLabel": func(s model.CaseState) string { return cases.StateLabel(s) },
	"states":     func() []model.CaseState { return cases.States },
	"next":       func(s model.CaseState) []model.CaseState { return cases.Next(s) },
	"closed":     func(s model.CaseState) bool { return s.Closed() },
	"lvl":        func(l model.Level) string { return string(levelOr(l)) },
	"score":      func(f float64) string { return fmt.Sprintf("%.0f", f) },
	"num1":       func(f float64) string { return fmt.Sprintf("%.1f", f) },
	"num2":       func(f float64) string { return fmt.Sprintf("%+.2f", f) },
	"pct":        func(f float64) string { return fmt.Sprintf("%.0f%%", 100*f) },
	"width":      func(f float64) string { return fmt.Sprintf("%.1f", math.Max(0, math.Min(100, f))) },
	"ts": func(t time.Time) string {
		if t.IsZero() {
			return "—"
		}
		return t.UTC().Format("2006-01-02 15:04 UTC")
	},
	"date": func(t *time.Time) string {
		if t == nil || t.IsZero() {
			return "—"
		}
		return t.UTC().Format("2006-01-02")
	},
	"iso":  func(t time.Time) string { return t.UTC().Format(time.RFC3339) },
	"days": func(d time.Duration) string { return fmt.Sprintf("%.0f", d.Hours()/24) },
	"ago":  func(t time.Time) string { return ago(t) },
	"svg": func(s string) template.HTML {
		// Only for SVG built by svg.go, which escapes every text it embeds.
		return template.HTML(s)
	},
	"join":       strings.Join,
	"esc":        url.PathEscape,
	"qesc":       url.QueryEscape,
	"evURL":      func(e model.EvidenceRef) string { return evidenceURL(e) },
	"upper":      strings.ToUpper,
	"add":        func(a, b int) int { return a + b },
	"list":       func(a ...string) []string { return a },
	"hasPrefix":  strings.HasPrefix,
	"trimPrefix": strings.TrimPrefix,
	"stateName": func(s string) string {
		switch s {
		case "active":
			return "Active"
		case "all":
			return "All"
		}
		return cases.StateLabel(model.CaseState(s))
	},
	"summary": eventSummary,
	"stars": func(s model.Strength) string {
		return strings.Repeat("★", int(s)) + strings.Repeat("☆", 3-int(s))
	},
}

func ago(t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	d := time.Since(t)
	switch {
	case d < 0:
		return t.UTC().Format("2006-01-02")
	case d < time.Minute:
		return "just now"
	case d < time.Hour:
		return fmt.Sprintf("%d min ago", int(d.Minutes()))
	case d < 48*time.Hour:
		return fmt.Sprintf("%d h ago", int(d.Hours()))
	case d < 60*24*time.Hour:
		return fmt.Sprintf("%d days ago", int(d.Hours()/24))
	}
	return t.UTC().Format("2006-01-02")
}

func parseTemplates() (*templates, error) {
	base, err := template.New("").Funcs(funcs).ParseFS(assets, "templates/*.tmpl")
	if err != nil {
		return nil, fmt.Errorf("parse layout: %w", err)
	}
	files, err := fs.Glob(assets, "templates/*.html")
	if err != nil {
		return nil, err
	}
	t := &templates{pages: map[string]*template.Template{}}
	for _, f := range files {
		name := path.Base(f)
		if strings.HasPrefix(name, "_") {
			continue
		}
		c, err := base.Clone()
		if err != nil {
			return nil, err
		}
		if _, err := c.ParseFS(assets, f); err != nil {
			return nil, fmt.Errorf("parse %s: %w", f, err)
		}
		t.pages[strings.TrimSuffix(name, ".html")] = c
	}
	return t, nil
}

// page is what every page template receives.
type page struct {
	Title string
	Nav   string
	User  *user
	Flash string
	Error string
	Data  any
}

func (s *Server) render(w http.ResponseWriter, code int, name string, p page) {
	t, ok := s.tmpl.pages[name]
	if !ok {
		http.Error(w, "no template "+name, 500)
		return
	}
	root := "layout"
	if t.Lookup("standalone") != nil {
		root = "standalone"
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, root, p); err != nil {
		s.opt.Log.Error("render", "page", name, "err", err)
		http.Error(w, "render "+name+": "+err.Error(), 500)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	w.Write(buf.Bytes())
}

func eventSummary(e model.Event) string {
	switch {
	case e.SignIn != nil:
		si := e.SignIn
		parts := []string{si.EventType, si.Outcome}
		if si.IP != "" {
			parts = append(parts, "from "+si.IP)
		}
		if in := si.IPInfo; in != nil {
			loc := strings.Trim(strings.Join([]string{in.City, in.Country}, ", "), ", ")
			if loc != "" {
				parts = append(parts, "("+loc+")")
			}
			if in.VPNOperator != "" {
				parts = append(parts, "VPN "+in.VPNOperator)
			} else if in.VPN {
				parts = append(parts, "VPN")
			}
		}
		if si.Managed != nil && !*si.Managed {
			parts = append(parts, "unmanaged device")
		}
		return strings.Join(nonEmpty(parts), " ")
	case e.Endpoint != nil:
		ep := e.Endpoint
		cols := ""
		for _, k := range []string{"name", "product", "vendor", "path", "cmdline", "model", "layout"} {
			if v := ep.Columns[k]; v != "" {
				cols = k + "=" + v
				break
			}
		}
		return strings.Join(nonEmpty([]string{ep.Query, ep.Action, "on " + ep.HostIdentifier, cols}), " ")
	case e.Payroll != nil:
		p := e.Payroll
		s := p.Event
		if p.Rail != "" {
			s += " via " + p.Rail
		}
		if p.BankCountry != "" {
			s += " bank " + p.BankCountry
		}
		if p.AccountHolder != "" {
			s += " holder “" + p.AccountHolder + "”"
		}
		return s
	case e.Shipment != nil:
		a := e.Shipment.Address
		return strings.Join(nonEmpty([]string{e.Shipment.Item, e.Shipment.Status, "to", a.City, a.Region, a.Country}), " ")
	case e.Interview != nil:
		iv := e.Interview
		s := iv.Step + ": " + iv.Result
		if iv.IPInfo != nil && iv.IPInfo.Country != "" {
			s += " from " + iv.IPInfo.Country
		}
		return s
	case e.Device != nil:
		return strings.Join(nonEmpty([]string{"device", e.Device.DeviceID, e.Device.Hostname, e.Device.Platform}), " ")
	}
	return string(e.Kind)
}

func nonEmpty(in []string) []string {
	out := in[:0]
	for _, s := range in {
		if strings.TrimSpace(s) != "" {
			out = append(out, s)
		}
	}
	return out
}
