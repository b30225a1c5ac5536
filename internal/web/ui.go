package web

import (
	"errors"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"

	"github.com/redflag-dev/redflag/internal/auth"
	"github.com/redflag-dev/redflag/internal/cases"
	"github.com/redflag-dev/redflag/internal/export"
	"github.com/redflag-dev/redflag/internal/model"
	"github.com/redflag-dev/redflag/internal/risk"
	"github.com/redflag-dev/redflag/internal/store"
)

func safeNext(n string) string {
	if n == "" || !strings.HasPrefix(n, "/") || strings.HasPrefix(n, "//") || strings.HasPrefix(n, "/\\") {
		return "/queue"
	}
	return n
}

func (s *Server) loginPage(w http.ResponseWriter, r *http.Request, u *user) {
	if u != nil {
		http.Redirect(w, r, safeNext(r.URL.Query().Get("next")), http.StatusSeeOther)
		return
	}
	s.renderLogin(w, r, http.StatusOK, "")
}

func (s *Server) renderLogin(w http.ResponseWriter, r *http.Request, code int, msg string) {
	tok := auth.RandomPassword()
	s.setCookie(w, r, loginCSRFCookie, tok, 600)
	s.render(w, code, "login", page{Title: "Sign in", Error: msg, Data: map[string]string{"CSRF": tok, "Next": safeNext(r.URL.Query().Get("next"))}})
}

func (s *Server) loginPost(w http.ResponseWriter, r *http.Request, _ *user) {
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBodyBytes)
	c, err := r.Cookie(loginCSRFCookie)
	if err != nil || c.Value == "" || r.FormValue(csrfField) != c.Value {
		s.renderLogin(w, r, http.StatusForbidden, "The sign-in form expired. Please try again.")
		return
	}
	name, pw := strings.TrimSpace(r.FormValue("user")), r.FormValue("password")
	sid, _, err := s.opt.Auth.Login(r.Context(), name, pw, clientAddr(r))
	if err != nil {
		code := http.StatusUnauthorized
		if errors.Is(err, auth.ErrRateLimited) {
			code = http.StatusTooManyRequests
			w.Header().Set("Retry-After", "60")
		}
		s.renderLogin(w, r, code, err.Error())
		return
	}
	s.setCookie(w, r, loginCSRFCookie, "", -1)
	s.setCookie(w, r, sessionCookie, sid, 0)
	http.Redirect(w, r, safeNext(r.FormValue("next")), http.StatusSeeOther)
}

func (s *Server) logoutPost(w http.ResponseWriter, r *http.Request, u *user) {
	if c, err := r.Cookie(sessionCookie); err == nil {
		s.opt.Auth.Logout(r.Context(), c.Value)
	}
	s.setCookie(w, r, sessionCookie, "", -1)
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}

// QueueRow is one case in the queue.
type QueueRow struct {
	Case  model.Case
	Names []string
}

// QueueView is the case queue.
type QueueView struct {
	Rows     []QueueRow
	Total    int
	Counts   map[string]int
	State    string
	Level    string
	Assignee string
	Q        string
	Sort     string
	Page     int
	Pages    int
	Users    []auth.User
}

const queuePageSize = 50

func (s *Server) queue(r *http.Request, u *user) (*QueueView, error) {
	ctx := r.Context()
	q := r.URL.Query()
	v := &QueueView{State: q.Get("state"), Level: q.Get("level"), Assignee: q.Get("assignee"), Q: strings.TrimSpace(q.Get("q")), Sort: q.Get("sort"), Counts: map[string]int{}}
	if v.State == "" {
		v.State = "active"
	}
	if v.Sort == "" {
		v.Sort = "score"
	}
	v.Page, _ = strconv.Atoi(q.Get("page"))
	if v.Page < 1 {
		v.Page = 1
	}
	all, err := s.opt.Store.ListCases(ctx, s.opt.Tenant, store.CaseFilter{})
	if err != nil {
		return nil, err
	}
	minLvl := model.LevelRank(model.Level(v.Level))
	needle := strings.ToLower(v.Q)
	var rows []model.Case
	names := map[string]string{}
	name := func(id string) string {
		if n, ok := names[id]; ok {
			return n
		}
		n := id
		if sub, err := s.opt.Store.GetSubject(ctx, s.opt.Tenant, id); err == nil && sub.FullName != "" {
			n = sub.FullName
		}
		names[id] = n
		return n
	}
	for _, c := range all {
		if !c.State.Closed() {
			v.Counts["active"]++
		}
		v.Counts[string(c.State)]++
		v.Counts["all"]++
		switch v.State {
		case "all":
		case "active":
			if c.State.Closed() {
				continue
			}
		default:
			if string(c.State) != v.State {
				continue
			}
		}
		if v.Level != "" && model.LevelRank(c.Level) < minLvl {
			continue
		}
		switch v.Assignee {
		case "":
		case "me":
			if c.Assignee != u.Name {
				continue
			}
		case "none":
			if c.Assignee != "" {
				continue
			}
		default:
			if c.Assignee != v.Assignee {
				continue
			}
		}
		if needle != "" {
			hay := strings.ToLower(c.ID + " " + c.Title + " " + strings.Join(c.SubjectIDs, " "))
			if !strings.Contains(hay, needle) {
				found := false
				for _, sid := range c.SubjectIDs {
					if strings.Contains(strings.ToLower(name(sid)), needle) {
						found = true
						break
					}
				}
				if !found {
					continue
				}
			}
		}
		rows = append(rows, c)
	}
	less := map[string]func(a, b model.Case) bool{
		"score":   func(a, b model.Case) bool { return a.Score > b.Score },
		"updated": func(a, b model.Case) bool { return a.UpdatedAt.After(b.UpdatedAt) },
		"opened":  func(a, b model.Case) bool { return a.OpenedAt.After(b.OpenedAt) },
		"oldest":  func(a, b model.Case) bool { return a.OpenedAt.Before(b.OpenedAt) },
		"state":   func(a, b model.Case) bool { return stateRank(a.State) < stateRank(b.State) },
	}
	f, ok := less[v.Sort]
	if !ok {
		v.Sort, f = "score", less["score"]
	}
	sort.SliceStable(rows, func(i, j int) bool {
		if f(rows[i], rows[j]) != f(rows[j], rows[i]) {
			return f(rows[i], rows[j])
		}
		return rows[i].ID < rows[j].ID
	})
	v.Total = len(rows)
	v.Pages = (len(rows) + queuePageSize - 1) / queuePageSize
	lo := (v.Page - 1) * queuePageSize
	if lo > len(rows) {
		lo = len(rows)
	}
	hi := min(lo+queuePageSize, len(rows))
	for _, c := range rows[lo:hi] {
		row := QueueRow{Case: c}
		for _, sid := range c.SubjectIDs {
			row.Names = append(row.Names, name(sid))
		}
		v.Rows = append(v.Rows, row)
	}
	v.Users, _ = s.opt.Auth.Users(ctx)
	return v, nil
}

func stateRank(s model.CaseState) int {
	for i, v := range cases.States {
		if v == s {
			return i
		}
	}
	return len(cases.States)
}

func (s *Server) queuePage(w http.ResponseWriter, r *http.Request, u *user) {
	v, err := s.queue(r, u)
	if err != nil {
		s.uiErr(w, r, u, err)
		return
	}
	s.render(w, 200, "queue", page{Title: "Case queue", Nav: "queue", User: u, Flash: r.URL.Query().Get("ok"), Data: v})
}

// SubjectRow is one subject in the subject list.
type SubjectRow struct {
	Subject model.Subject
	Risk    model.Risk
	HasRisk bool
}

func (s *Server) subjectsPage(w http.ResponseWriter, r *http.Request, u *user) {
	ctx := r.Context()
	q := strings.ToLower(strings.TrimSpace(r.URL.Query().Get("q")))
	var rows []SubjectRow
	const limit = 100
	if q == "" {
		risks, err := s.opt.Store.ListRisks(ctx, s.opt.Tenant, limit)
		if err != nil {
			s.uiErr(w, r, u, err)
			return
		}
		for _, rk := range risks {
			sub, err := s.opt.Store.GetSubject(ctx, s.opt.Tenant, rk.SubjectID)
			if err != nil {
				continue
			}
			rows = append(rows, SubjectRow{Subject: sub, Risk: rk, HasRisk: true})
		}
	} else {
		err := s.opt.Store.EachSubject(ctx, s.opt.Tenant, func(sub model.Subject) error {
			if len(rows) >= limit {
				return nil
			}
			hay := strings.ToLower(sub.ID + " " + sub.FullName + " " + sub.Role)
			if !u.Masked() {
				hay += " " + strings.ToLower(sub.Email)
			}
			if strings.Contains(hay, q) {
				rows = append(rows, SubjectRow{Subject: sub})
			}
			return nil
		})
		if err != nil {
			s.uiErr(w, r, u, err)
			return
		}
		for i := range rows {
			if rk, err := s.opt.Store.GetRisk(ctx, s.opt.Tenant, rows[i].Subject.ID); err == nil {
				rows[i].Risk, rows[i].HasRisk = rk, true
			}
		}
		sort.SliceStable(rows, func(i, j int) bool { return rows[i].Risk.Score > rows[j].Risk.Score })
	}
	if u.Masked() {
		for i := range rows {
			rows[i].Subject = maskSubject(rows[i].Subject)
		}
	}
	s.render(w, 200, "subjects", page{Title: "Subjects", Nav: "subjects", User: u, Data: map[string]any{"Rows": rows, "Q": r.URL.Query().Get("q")}})
}

func (s *Server) subjectPage(w http.ResponseWriter, r *http.Request, u *user) {
	id := r.PathValue("id")
	v, err := s.subjectView(r.Context(), id, u)
	if err != nil {
		s.uiErr(w, r, u, err)
		return
	}
	s.audit(r.Context(), u, "subject.view", "subject:"+id, "", "")
	s.render(w, 200, "subject", page{Title: v.Subject.FullName, Nav: "subjects", User: u, Flash: r.URL.Query().Get("ok"), Data: v})
}

func (s *Server) feedbackPost(w http.ResponseWriter, r *http.Request, u *user) {
	id := r.PathValue("id")
	v, err := risk.ParseVerdict(r.FormValue("verdict"))
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	code := r.FormValue("code")
	var fids []string
	if rk, err := s.opt.Store.GetRisk(r.Context(), s.opt.Tenant, id); err == nil {
		for _, re := range rk.Reasons {
			if re.Code == code {
				fids = re.FindingIDs
			}
		}
	}
	if err := risk.RecordFeedback(r.Context(), s.opt.Store, s.opt.Tenant, risk.Feedback{SubjectID: id, Code: code, FindingIDs: fids, Verdict: v, Actor: u.Name, Note: r.FormValue("note"), At: s.opt.Now().UTC()}); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	http.Redirect(w, r, "/subjects/"+url.PathEscape(id)+"?ok="+url.QueryEscape("Feedback recorded for "+code)+"#reasons", http.StatusSeeOther)
}

func (s *Server) eventPage(w http.ResponseWriter, r *http.Request, u *user) {
	ctx := r.Context()
	ev, err := s.opt.Store.GetEvent(ctx, s.opt.Tenant, r.PathValue("id"))
	if err != nil {
		s.uiErr(w, r, u, err)
		return
	}
	var cited []model.Finding
	if ev.SubjectID != "" {
		fs, _ := s.opt.Store.FindingsOf(ctx, s.opt.Tenant, ev.SubjectID)
		for _, f := range fs {
			for _, e := range f.Evidence {
				if e.Kind == model.EvEvent && e.ID == ev.ID {
					cited = append(cited, f)
					break
				}
			}
		}
	}
	var sub *model.Subject
	if ev.SubjectID != "" {
		if x, err := s.opt.Store.GetSubject(ctx, s.opt.Tenant, ev.SubjectID); err == nil {
			sub = &x
		}
	}
	raw := ""
	if !u.Masked() {
		raw = prettyJSON(ev.Raw)
	}
	s.audit(ctx, u, "event.view", "event:"+ev.ID, "", "")
	s.render(w, 200, "event", page{Title: "Event " + ev.ID, User: u, Data: map[string]any{"Event": ev, "Subject": sub, "Cited": cited, "Raw": raw, "Summary": eventSummary(ev), "Payload": prettyJSON(mustJSON(payload(ev)))}})
}

func (s *Server) evidencePage(w http.ResponseWriter, r *http.Request, u *user) {
	ctx := r.Context()
	kind, id := model.EvidenceKind(r.URL.Query().Get("kind")), r.URL.Query().Get("id")
	switch kind {
	case model.EvEvent:
		http.Redirect(w, r, "/events/"+url.PathEscape(id), http.StatusSeeOther)
		return
	case model.EvSubject:
		http.Redirect(w, r, "/subjects/"+url.PathEscape(id), http.StatusSeeOther)
		return
	}
	type holder struct {
		Subject model.Subject
		Risk    model.Risk
	}
	var holders []holder
	display := id
	if kind == model.EvIdentifier {
		ik, val, ok := strings.Cut(id, ":")
		if ok {
			ids, err := s.opt.Store.SubjectsByIdentifier(ctx, s.opt.Tenant, model.IdentifierKind(ik), val)
			if err != nil {
				s.uiErr(w, r, u, err)
				return
			}
			for _, sid := range ids {
				sub, err := s.opt.Store.GetSubject(ctx, s.opt.Tenant, sid)
				if err != nil {
					continue
				}
				if u.Masked() {
					sub = maskSubject(sub)
				}
				h := holder{Subject: sub}
				h.Risk, _ = s.opt.Store.GetRisk(ctx, s.opt.Tenant, sid)
				holders = append(holders, h)
			}
			if u.Masked() {
				display = maskIdentRef(id)
			}
		}
	}
	var cited []model.Finding
	err := s.opt.Store.EachFinding(ctx, s.opt.Tenant, func(f model.Finding) error {
		for _, e := range f.Evidence {
			if e.Kind == kind && e.ID == id {
				cited = append(cited, f)
				break
			}
		}
		return nil
	})
	if err != nil {
		s.uiErr(w, r, u, err)
		return
	}
	s.render(w, 200, "evidence", page{Title: string(kind) + " " + display, User: u, Data: map[string]any{"Kind": kind, "ID": display, "Holders": holders, "Cited": cited}})
}

// CaseView is the case page.
type CaseView struct {
	Case     model.Case
	Subjects []SubjectCard
	Notes    []model.CaseNote
	Audit    []model.AuditEntry
	Next     []model.CaseState
	Users    []auth.User
}

// SubjectCard is a subject inside a case.
type SubjectCard struct {
	Subject model.Subject
	Risk    model.Risk
	Reasons []ReasonView
}

func (s *Server) caseView(r *http.Request, u *user, id string) (*CaseView, error) {
	ctx := r.Context()
	c, err := s.opt.Store.GetCase(ctx, s.opt.Tenant, id)
	if err != nil {
		return nil, err
	}
	v := &CaseView{Case: c, Next: cases.Next(c.State)}
	for _, sid := range c.SubjectIDs {
		sub, err := s.opt.Store.GetSubject(ctx, s.opt.Tenant, sid)
		if err != nil {
			sub = model.Subject{ID: sid, FullName: sid}
		}
		if u.Masked() {
			sub = maskSubject(sub)
		}
		card := SubjectCard{Subject: sub}
		if rk, err := s.opt.Store.GetRisk(ctx, s.opt.Tenant, sid); err == nil {
			card.Risk = rk
			card.Reasons = s.reasonViews(rk, nil, u.Masked())
		}
		v.Subjects = append(v.Subjects, card)
	}
	if v.Notes, err = s.opt.Store.CaseNotes(ctx, s.opt.Tenant, c.ID); err != nil {
		return nil, err
	}
	if v.Audit, err = s.opt.Store.Audit(ctx, s.opt.Tenant, "case:"+c.ID, 200); err != nil {
		return nil, err
	}
	v.Users, _ = s.opt.Auth.Users(ctx)
	return v, nil
}

func (s *Server) casePage(w http.ResponseWriter, r *http.Request, u *user) {
	s.renderCase(w, r, u, http.StatusOK, r.URL.Query().Get("ok"), "")
}

func (s *Server) renderCase(w http.ResponseWriter, r *http.Request, u *user, code int, flash, msg string) {
	v, err := s.caseView(r, u, r.PathValue("id"))
	if err != nil {
		s.uiErr(w, r, u, err)
		return
	}
	s.render(w, code, "case", page{Title: v.Case.Title, Nav: "queue", User: u, Flash: flash, Error: msg, Data: v})
}

func (s *Server) caseDone(w http.ResponseWriter, r *http.Request, u *user, err error, ok string) {
	if err != nil {
		s.renderCase(w, r, u, errCode(err), "", err.Error())
		return
	}
	http.Redirect(w, r, "/cases/"+url.PathEscape(r.PathValue("id"))+"?ok="+url.QueryEscape(ok), http.StatusSeeOther)
}

func (s *Server) caseStatePost(w http.ResponseWriter, r *http.Request, u *user) {
	to := model.CaseState(r.FormValue("state"))
	_, err := s.cases.Transition(r.Context(), s.opt.Tenant, u.Name, r.PathValue("id"), to, r.FormValue("decision"), r.FormValue("reason"))
	s.caseDone(w, r, u, err, "State changed to "+cases.StateLabel(to))
}

func (s *Server) caseAssignPost(w http.ResponseWriter, r *http.Request, u *user) {
	a := r.FormValue("assignee")
	if a == "me" {
		a = u.Name
	}
	_, err := s.cases.Assign(r.Context(), s.opt.Tenant, u.Name, r.PathValue("id"), a)
	s.caseDone(w, r, u, err, "Assigned to "+a)
}

func (s *Server) caseNotePost(w http.ResponseWriter, r *http.Request, u *user) {
	_, err := s.cases.AddNote(r.Context(), s.opt.Tenant, u.Name, r.PathValue("id"), r.FormValue("body"), r.FormValue("reference"))
	s.caseDone(w, r, u, err, "Note added")
}

func (s *Server) caseLinkPost(w http.ResponseWriter, r *http.Request, u *user) {
	_, err := s.cases.Link(r.Context(), s.opt.Tenant, u.Name, r.PathValue("id"), strings.TrimSpace(r.FormValue("subject_id")))
	s.caseDone(w, r, u, err, "Subject linked")
}

func (s *Server) caseOpenPost(w http.ResponseWriter, r *http.Request, u *user) {
	if err := r.ParseForm(); err != nil {
		http.Error(w, err.Error(), 400)
		return
	}
	c, err := s.cases.Open(r.Context(), s.opt.Tenant, u.Name, cases.OpenRequest{Title: r.FormValue("title"), SubjectIDs: r.Form["subject_id"], Note: r.FormValue("note")})
	if err != nil {
		http.Error(w, err.Error(), errCode(err))
		return
	}
	http.Redirect(w, r, "/cases/"+url.PathEscape(c.ID)+"?ok="+url.QueryEscape("Case opened"), http.StatusSeeOther)
}

func (s *Server) caseReport(w http.ResponseWriter, r *http.Request, u *user) {
	id := r.PathValue("id")
	// The printable report carries its own stylesheet inline so that it can
	// be saved as one file; it has no scripts.
	w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; img-src data:")
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	if err := export.CaseReport(r.Context(), s.opt.Store, s.opt.Tenant, id, u.Masked(), w); err != nil {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		http.Error(w, err.Error(), errCode(err))
		return
	}
	s.audit(r.Context(), u, "case.report", "case:"+id, "", "")
}

func (s *Server) auditPage(w http.ResponseWriter, r *http.Request, u *user) {
	obj := r.URL.Query().Get("object")
	entries, err := s.opt.Store.Audit(r.Context(), s.opt.Tenant, obj, 300)
	if err != nil {
		s.uiErr(w, r, u, err)
		return
	}
	s.render(w, 200, "audit", page{Title: "Audit log", Nav: "audit", User: u, Data: map[string]any{"Entries": entries, "Object": obj}})
}

func (s *Server) statusPage(w http.ResponseWriter, r *http.Request, u *user) {
	st, err := s.status(r)
	if err != nil {
		s.uiErr(w, r, u, err)
		return
	}
	s.render(w, 200, "status", page{Title: "Lists and indicators", Nav: "status", User: u, Data: st})
}

func (s *Server) uiErr(w http.ResponseWriter, r *http.Request, u *user, err error) {
	code := errCode(err)
	if code == 500 {
		s.opt.Log.Error("ui", "path", r.URL.Path, "err", err)
	}
	s.render(w, code, "error", page{Title: http.StatusText(code), User: u, Error: err.Error()})
}
