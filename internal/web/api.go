package web

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"

	"github.com/redflag-dev/redflag/internal/cases"
	"github.com/redflag-dev/redflag/internal/ingest"
	"github.com/redflag-dev/redflag/internal/model"
	"github.com/redflag-dev/redflag/internal/risk"
	"github.com/redflag-dev/redflag/internal/store"
)

func intParam(r *http.Request, name string, def, max int) int {
	v, err := strconv.Atoi(r.URL.Query().Get(name))
	if err != nil || v <= 0 {
		return def
	}
	if v > max {
		return max
	}
	return v
}

// SubjectSummary is a subject with its current risk.
type SubjectSummary struct {
	Subject model.Subject `json:"subject"`
	Score   float64       `json:"score"`
	Level   model.Level   `json:"level"`
}

func (s *Server) apiSubjects(w http.ResponseWriter, r *http.Request, u *user) {
	limit := intParam(r, "limit", 100, 1000)
	risks, err := s.opt.Store.ListRisks(r.Context(), s.opt.Tenant, limit)
	if err != nil {
		s.apiErr(w, err)
		return
	}
	out := make([]SubjectSummary, 0, len(risks))
	for _, rk := range risks {
		sub, err := s.opt.Store.GetSubject(r.Context(), s.opt.Tenant, rk.SubjectID)
		if err != nil {
			continue
		}
		if u.Masked() {
			sub = maskSubject(sub)
		}
		out = append(out, SubjectSummary{Subject: sub, Score: rk.Score, Level: rk.Level})
	}
	writeJSON(w, 200, map[string]any{"subjects": out})
}

func (s *Server) apiSubject(w http.ResponseWriter, r *http.Request, u *user) {
	id := r.PathValue("id")
	sub, err := s.opt.Store.GetSubject(r.Context(), s.opt.Tenant, id)
	if err != nil {
		s.apiErr(w, err)
		return
	}
	if u.Masked() {
		sub = maskSubject(sub)
	}
	out := map[string]any{"subject": sub}
	if rk, err := s.opt.Store.GetRisk(r.Context(), s.opt.Tenant, id); err == nil {
		out["risk"] = s.riskOut(rk, u)
	}
	writeJSON(w, 200, out)
}

// RiskOut is a risk with evidence links, the API's shape.
type RiskOut struct {
	model.Risk
	Reasons []ReasonView `json:"reasons"`
}

func (s *Server) riskOut(rk model.Risk, u *user) RiskOut {
	return RiskOut{Risk: rk, Reasons: s.reasonViews(rk, nil, u.Masked())}
}

func (s *Server) apiSubjectRisk(w http.ResponseWriter, r *http.Request, u *user) {
	rk, err := s.opt.Store.GetRisk(r.Context(), s.opt.Tenant, r.PathValue("id"))
	if err != nil {
		s.apiErr(w, err)
		return
	}
	writeJSON(w, 200, s.riskOut(rk, u))
}

func (s *Server) apiSubjectFindings(w http.ResponseWriter, r *http.Request, u *user) {
	fs, err := s.opt.Store.FindingsOf(r.Context(), s.opt.Tenant, r.PathValue("id"))
	if err != nil {
		s.apiErr(w, err)
		return
	}
	writeJSON(w, 200, map[string]any{"findings": fs})
}

func (s *Server) apiSubjectEvents(w http.ResponseWriter, r *http.Request, u *user) {
	limit := intParam(r, "limit", 500, 5000)
	var evs []model.Event
	err := s.opt.Store.EachEvent(r.Context(), s.opt.Tenant, store.EventQuery{SubjectID: r.PathValue("id"), Kind: model.EventKind(r.URL.Query().Get("kind")), Limit: limit}, func(e model.Event) error {
		if u.Masked() {
			e.Raw = nil
		}
		evs = append(evs, e)
		return nil
	})
	if err != nil {
		s.apiErr(w, err)
		return
	}
	writeJSON(w, 200, map[string]any{"events": evs})
}

func (s *Server) apiSubjectGraph(w http.ResponseWriter, r *http.Request, u *user) {
	id := r.PathValue("id")
	if _, err := s.opt.Store.GetSubject(r.Context(), s.opt.Tenant, id); err != nil {
		s.apiErr(w, err)
		return
	}
	g, err := s.graph(r.Context(), id, u.Masked())
	if err != nil {
		s.apiErr(w, err)
		return
	}
	if u.Masked() {
		for i := range g.Links {
			for j := range g.Links[i].Via {
				g.Links[i].Via[j].Value = g.Links[i].Via[j].Display
			}
		}
	}
	writeJSON(w, 200, g)
}

func (s *Server) apiFinding(w http.ResponseWriter, r *http.Request, u *user) {
	f, err := s.opt.Store.GetFinding(r.Context(), s.opt.Tenant, r.PathValue("id"))
	if err != nil {
		s.apiErr(w, err)
		return
	}
	writeJSON(w, 200, map[string]any{"finding": f, "evidence_links": s.evidenceLinks(f.Evidence, u.Masked())})
}

func (s *Server) apiEvent(w http.ResponseWriter, r *http.Request, u *user) {
	e, err := s.opt.Store.GetEvent(r.Context(), s.opt.Tenant, r.PathValue("id"))
	if err != nil {
		s.apiErr(w, err)
		return
	}
	if u.Masked() {
		e.Raw = nil
	}
	writeJSON(w, 200, e)
}

func (s *Server) apiRisks(w http.ResponseWriter, r *http.Request, u *user) {
	risks, err := s.opt.Store.ListRisks(r.Context(), s.opt.Tenant, intParam(r, "limit", 100, 100000))
	if err != nil {
		s.apiErr(w, err)
		return
	}
	if lvl := r.URL.Query().Get("min_level"); lvl != "" {
		min := model.LevelRank(model.Level(lvl))
		out := risks[:0]
		for _, rk := range risks {
			if model.LevelRank(rk.Level) >= min {
				out = append(out, rk)
			}
		}
		risks = out
	}
	writeJSON(w, 200, map[string]any{"risks": risks})
}

func (s *Server) apiCases(w http.ResponseWriter, r *http.Request, u *user) {
	q := r.URL.Query()
	f := store.CaseFilter{State: model.CaseState(q.Get("state")), Assignee: q.Get("assignee"), SubjectID: q.Get("subject_id"), OpenOnly: q.Get("open") == "true", Limit: intParam(r, "limit", 0, 100000)}
	cs, err := s.opt.Store.ListCases(r.Context(), s.opt.Tenant, f)
	if err != nil {
		s.apiErr(w, err)
		return
	}
	writeJSON(w, 200, map[string]any{"cases": cs})
}

func (s *Server) apiCase(w http.ResponseWriter, r *http.Request, u *user) {
	ctx := r.Context()
	c, err := s.opt.Store.GetCase(ctx, s.opt.Tenant, r.PathValue("id"))
	if err != nil {
		s.apiErr(w, err)
		return
	}
	notes, err := s.opt.Store.CaseNotes(ctx, s.opt.Tenant, c.ID)
	if err != nil {
		s.apiErr(w, err)
		return
	}
	audit, err := s.opt.Store.Audit(ctx, s.opt.Tenant, "case:"+c.ID, 500)
	if err != nil {
		s.apiErr(w, err)
		return
	}
	writeJSON(w, 200, map[string]any{"case": c, "notes": notes, "audit": audit, "next_states": cases.Next(c.State)})
}

func decode(w http.ResponseWriter, r *http.Request, v any) bool {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxFormBodyBytes))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		writeError(w, http.StatusBadRequest, "request body: "+err.Error())
		return false
	}
	return true
}

func (s *Server) apiCaseOpen(w http.ResponseWriter, r *http.Request, u *user) {
	var req cases.OpenRequest
	if !decode(w, r, &req) {
		return
	}
	c, err := s.cases.Open(r.Context(), s.opt.Tenant, u.Name, req)
	if err != nil {
		s.apiErr(w, err)
		return
	}
	writeJSON(w, http.StatusCreated, c)
}

func (s *Server) apiCaseTransition(w http.ResponseWriter, r *http.Request, u *user) {
	var req struct {
		State    model.CaseState `json:"state"`
		Decision string          `json:"decision"`
		Reason   string          `json:"reason"`
	}
	if !decode(w, r, &req) {
		return
	}
	c, err := s.cases.Transition(r.Context(), s.opt.Tenant, u.Name, r.PathValue("id"), req.State, req.Decision, req.Reason)
	if err != nil {
		s.apiErr(w, err)
		return
	}
	writeJSON(w, 200, c)
}

func (s *Server) apiCaseAssign(w http.ResponseWriter, r *http.Request, u *user) {
	var req struct {
		Assignee string `json:"assignee"`
	}
	if !decode(w, r, &req) {
		return
	}
	c, err := s.cases.Assign(r.Context(), s.opt.Tenant, u.Name, r.PathValue("id"), req.Assignee)
	if err != nil {
		s.apiErr(w, err)
		return
	}
	writeJSON(w, 200, c)
}

func (s *Server) apiCaseNote(w http.ResponseWriter, r *http.Request, u *user) {
	var req struct {
		Body      string `json:"body"`
		Reference string `json:"reference"`
	}
	if !decode(w, r, &req) {
		return
	}
	n, err := s.cases.AddNote(r.Context(), s.opt.Tenant, u.Name, r.PathValue("id"), req.Body, req.Reference)
	if err != nil {
		s.apiErr(w, err)
		return
	}
	writeJSON(w, http.StatusCreated, n)
}

func (s *Server) apiCaseLink(w http.ResponseWriter, r *http.Request, u *user) {
	var req struct {
		SubjectID string `json:"subject_id"`
	}
	if !decode(w, r, &req) {
		return
	}
	c, err := s.cases.Link(r.Context(), s.opt.Tenant, u.Name, r.PathValue("id"), req.SubjectID)
	if err != nil {
		s.apiErr(w, err)
		return
	}
	writeJSON(w, 200, c)
}

func (s *Server) apiAudit(w http.ResponseWriter, r *http.Request, u *user) {
	es, err := s.opt.Store.Audit(r.Context(), s.opt.Tenant, r.URL.Query().Get("object"), intParam(r, "limit", 200, 10000))
	if err != nil {
		s.apiErr(w, err)
		return
	}
	writeJSON(w, 200, map[string]any{"entries": es})
}

func (s *Server) apiFeedback(w http.ResponseWriter, r *http.Request, u *user) {
	var req struct {
		SubjectID string `json:"subject_id"`
		Code      string `json:"code"`
		Verdict   string `json:"verdict"`
		Note      string `json:"note"`
	}
	if !decode(w, r, &req) {
		return
	}
	v, err := risk.ParseVerdict(req.Verdict)
	if err != nil {
		writeError(w, 400, err.Error())
		return
	}
	if _, err := s.opt.Store.GetSubject(r.Context(), s.opt.Tenant, req.SubjectID); err != nil {
		s.apiErr(w, err)
		return
	}
	f := risk.Feedback{SubjectID: req.SubjectID, Code: req.Code, Verdict: v, Actor: u.Name, Note: req.Note, At: s.opt.Now().UTC()}
	if err := risk.RecordFeedback(r.Context(), s.opt.Store, s.opt.Tenant, f); err != nil {
		writeError(w, 400, err.Error())
		return
	}
	writeJSON(w, http.StatusCreated, f)
}

func (s *Server) apiFeedbackReport(w http.ResponseWriter, r *http.Request, u *user) {
	fb, err := risk.ListFeedback(r.Context(), s.opt.Store, s.opt.Tenant, "")
	if err != nil {
		s.apiErr(w, err)
		return
	}
	writeJSON(w, 200, map[string]any{"weights_version": s.opt.Risk.Version, "codes": risk.FeedbackReport(fb, s.scorer)})
}

// Status is the list, indicator and model status.
type Status struct {
	Subjects  int                 `json:"subjects"`
	Events    int                 `json:"events"`
	Risk      risk.Config         `json:"risk"`
	Detectors []string            `json:"detectors"`
	Reasons   []ReasonStatus      `json:"reasons"`
	Lists     []MetaEntry         `json:"lists"`
	MoreMeta  int                 `json:"more_meta,omitempty"`
	Feedback  []risk.CodeFeedback `json:"feedback"`
	Screening bool                `json:"screening_available"`
	Sources   []SourceStatus      `json:"sources"`
	Ingest    bool                `json:"ingest_available"`
}

// ReasonStatus is one reason code with its effective weight.
type ReasonStatus struct {
	model.ReasonDef
	Weight float64 `json:"weight"`
	Source string  `json:"weight_source"`
}

// MetaEntry is one list/indicator/cursor entry from the store's Meta space.
type MetaEntry struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

func (s *Server) status(r *http.Request) (*Status, error) {
	ctx := r.Context()
	st := &Status{Risk: s.opt.Risk, Detectors: s.opt.Detectors, Screening: s.opt.Screen != nil, Ingest: s.opt.Sink != nil}
	var err error
	if st.Subjects, err = s.opt.Store.CountSubjects(ctx, s.opt.Tenant); err != nil {
		return nil, err
	}
	if st.Events, err = s.opt.Store.CountEvents(ctx, s.opt.Tenant); err != nil {
		return nil, err
	}
	for _, d := range s.opt.Reasons {
		w, src := s.scorer.WeightSource(d.Code, d.Strength)
		st.Reasons = append(st.Reasons, ReasonStatus{ReasonDef: d, Weight: w, Source: src})
	}
	sort.Slice(st.Reasons, func(i, j int) bool { return st.Reasons[i].Code < st.Reasons[j].Code })
	meta, err := s.opt.Store.ListMeta(ctx, s.opt.Tenant, "")
	if err != nil {
		return nil, err
	}
	for k, v := range meta {
		if strings.HasPrefix(k, "auth/") || strings.HasPrefix(k, "feedback/") || strings.HasPrefix(k, "export/") {
			continue
		}
		val := string(v)
		if len(val) > 160 {
			val = val[:157] + "…"
		}
		st.Lists = append(st.Lists, MetaEntry{Key: k, Value: val})
	}
	sort.Slice(st.Lists, func(i, j int) bool { return st.Lists[i].Key < st.Lists[j].Key })
	// Per-record state (one key per person or device) is not status.
	const maxMeta = 40
	if len(st.Lists) > maxMeta {
		st.MoreMeta = len(st.Lists) - maxMeta
		st.Lists = st.Lists[:maxMeta]
	}
	fb, err := risk.ListFeedback(ctx, s.opt.Store, s.opt.Tenant, "")
	if err != nil {
		return nil, err
	}
	st.Feedback = risk.FeedbackReport(fb, s.scorer)
	if s.opt.Sources != nil {
		st.Sources = s.opt.Sources(ctx)
	}
	return st, nil
}

func (s *Server) apiStatus(w http.ResponseWriter, r *http.Request, u *user) {
	st, err := s.status(r)
	if err != nil {
		s.apiErr(w, err)
		return
	}
	writeJSON(w, 200, st)
}

// recordLine is one line of POST /api/v1/ingest/records.
type recordLine struct {
	model.Subject
	Identifiers []model.Identifier `json:"identifiers,omitempty"`
}

// eventLine is one line of POST /api/v1/ingest/events.
type eventLine struct {
	model.Event
	Identifiers []model.Identifier `json:"identifiers,omitempty"`
}

const ingestBatch = 1000

func (s *Server) apiIngestRecords(w http.ResponseWriter, r *http.Request, u *user) {
	var subs []model.Subject
	var ids []model.Identifier
	flush := func(ctx context.Context) error {
		if len(subs) == 0 && len(ids) == 0 {
			return nil
		}
		err := s.opt.Sink.Subjects(ctx, subs, ids)
		subs, ids = subs[:0], ids[:0]
		return err
	}
	s.ingestJSONL(w, r, u, "api/records", func(line []byte, n int, rep *ingest.Report) error {
		var rec recordLine
		if err := json.Unmarshal(line, &rec); err != nil {
			rep.Reject(ingest.RowError{File: "api/records", Line: n, Msg: err.Error()})
			return nil
		}
		if rec.ID == "" {
			rep.Reject(ingest.RowError{File: "api/records", Line: n, Field: "person_id", Msg: "missing"})
			return nil
		}
		if !rec.Kind.Valid() {
			rep.Reject(ingest.RowError{File: "api/records", Line: n, Field: "kind", Msg: fmt.Sprintf("%q: want applicant, employee or contractor", rec.Kind)})
			return nil
		}
		rec.Tenant = s.opt.Tenant
		subs = append(subs, rec.Subject)
		for _, id := range rec.Identifiers {
			if id.SubjectID == "" {
				id.SubjectID = rec.ID
			}
			id.Tenant = s.opt.Tenant
			ids = append(ids, id)
		}
		rep.Accepted++
		if len(subs) >= ingestBatch {
			return flush(r.Context())
		}
		return nil
	}, flush)
}

func (s *Server) apiIngestEvents(w http.ResponseWriter, r *http.Request, u *user) {
	var evs []model.Event
	var ids []model.Identifier
	flush := func(ctx context.Context) error {
		if len(evs) == 0 && len(ids) == 0 {
			return nil
		}
		err := s.opt.Sink.Events(ctx, evs, ids)
		evs, ids = evs[:0], ids[:0]
		return err
	}
	s.ingestJSONL(w, r, u, "api/events", func(line []byte, n int, rep *ingest.Report) error {
		var ev eventLine
		if err := json.Unmarshal(line, &ev); err != nil {
			rep.Reject(ingest.RowError{File: "api/events", Line: n, Msg: err.Error()})
			return nil
		}
		switch {
		case ev.ID == "":
			rep.Reject(ingest.RowError{File: "api/events", Line: n, Field: "id", Msg: "missing"})
			return nil
		case ev.Time.IsZero():
			rep.Reject(ingest.RowError{File: "api/events", Line: n, Field: "time", Msg: "missing"})
			return nil
		case ev.Kind == "":
			rep.Reject(ingest.RowError{File: "api/events", Line: n, Field: "kind", Msg: "missing"})
			return nil
		}
		if ev.SubjectID == "" {
			rep.Unresolved++
		}
		ev.Tenant = s.opt.Tenant
		evs = append(evs, ev.Event)
		for _, id := range ev.Identifiers {
			id.Tenant = s.opt.Tenant
			ids = append(ids, id)
		}
		rep.Accepted++
		if len(evs) >= ingestBatch {
			return flush(r.Context())
		}
		return nil
	}, flush)
}

func (s *Server) ingestJSONL(w http.ResponseWriter, r *http.Request, u *user, source string, line func([]byte, int, *ingest.Report) error, flush func(context.Context) error) {
	rep := &ingest.Report{Source: source}
	sc := bufio.NewScanner(http.MaxBytesReader(w, r.Body, 256<<20))
	sc.Buffer(make([]byte, 64<<10), 8<<20)
	n := 0
	for sc.Scan() {
		n++
		b := bytes.TrimSpace(sc.Bytes())
		if len(b) == 0 {
			continue
		}
		rep.Read++
		if err := line(b, n, rep); err != nil {
			s.apiErr(w, fmt.Errorf("store batch ending at line %d: %w", n, err))
			return
		}
	}
	if err := sc.Err(); err != nil {
		rep.Reject(ingest.RowError{File: source, Line: n + 1, Msg: "read: " + err.Error()})
	}
	if err := flush(r.Context()); err != nil {
		s.apiErr(w, fmt.Errorf("store last batch: %w", err))
		return
	}
	s.audit(r.Context(), u, "ingest", source, "", fmt.Sprintf("read=%d accepted=%d rejected=%d", rep.Read, rep.Accepted, rep.Rejected))
	code := http.StatusOK
	if rep.Accepted == 0 && rep.Rejected > 0 {
		code = http.StatusUnprocessableEntity
	}
	writeJSON(w, code, rep)
}

func (s *Server) apiAnalyze(w http.ResponseWriter, r *http.Request, u *user) {
	res, err := s.opt.Analyze(r.Context())
	if err != nil {
		s.apiErr(w, err)
		return
	}
	if o, ok := s.opt.Store.(interface{ Optimize(context.Context) error }); ok {
		if err := o.Optimize(r.Context()); err != nil {
			s.opt.Log.Warn("refresh store statistics", "err", err)
		}
	}
	s.audit(r.Context(), u, "analyze", "pipeline", "", "")
	writeJSON(w, 200, res)
}

func prettyJSON(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	var out bytes.Buffer
	if json.Indent(&out, b, "", "  ") != nil {
		return string(b)
	}
	return out.String()
}

func mustJSON(v any) []byte {
	b, _ := json.Marshal(v)
	return b
}

func payload(e model.Event) any {
	switch {
	case e.SignIn != nil:
		return e.SignIn
	case e.Endpoint != nil:
		return e.Endpoint
	case e.Payroll != nil:
		return e.Payroll
	case e.Shipment != nil:
		return e.Shipment
	case e.Interview != nil:
		return e.Interview
	case e.Device != nil:
		return e.Device
	}
	return nil
}
