// Package cases runs investigations: it opens a case when a subject crosses
// the configured level (Sync) or by hand (Service.Open), keeps cases in step
// with new evidence, moves them through the workflow, and records every
// change in the append-only audit log with who, what, when, before and after.
//
// A case closed as cleared remembers the findings it was cleared on: the same
// evidence does not alert again, and a finding it did not cover reopens it.
package cases

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/redflag-dev/redflag/internal/model"
	"github.com/redflag-dev/redflag/internal/store"
)

// Policy says when cases open.
type Policy struct {
	// OpenAt is the lowest level that opens a case (default high).
	OpenAt model.Level `koanf:"open_at"`
}

// SyncStats counts what Sync did.
type SyncStats struct {
	Opened   int `json:"opened"`
	Updated  int `json:"updated"`
	Reopened int `json:"reopened"`
}

// SystemActor is the audit actor for automatic actions.
const SystemActor = "system"

// Sync opens a case for every subject at or above the policy level that has
// none, updates the score of open cases, and reopens a cleared case when its
// subject has findings the case did not cover. A cleared case whose findings
// are all covered stays closed: the same evidence does not alert again.
func Sync(ctx context.Context, st store.Store, tenant string, risks []model.Risk, pol Policy, now time.Time) (SyncStats, error) {
	if pol.OpenAt == "" {
		pol.OpenAt = model.LevelHigh
	}
	tenant = store.TenantOr(tenant)
	var stats SyncStats
	// One pass over the cases instead of a query per subject.
	all, err := st.ListCases(ctx, tenant, store.CaseFilter{})
	if err != nil {
		return stats, fmt.Errorf("list cases: %w", err)
	}
	bySubject := map[string][]int{}
	for i, c := range all {
		for _, s := range c.SubjectIDs {
			bySubject[s] = append(bySubject[s], i)
		}
	}
	riskOf := map[string]model.Risk{}
	for _, r := range risks {
		riskOf[r.SubjectID] = r
	}
	touched := map[int]bool{}
	for _, r := range risks {
		idx := bySubject[r.SubjectID]
		if len(idx) == 0 {
			if model.LevelRank(r.Level) < model.LevelRank(pol.OpenAt) {
				continue
			}
			c := model.Case{
				Tenant: tenant, ID: model.StableID("c", tenant, r.SubjectID, now.Format(time.RFC3339)),
				Title: caseTitle(r), SubjectIDs: []string{r.SubjectID},
				State: model.CaseOpen, Score: r.Score, Level: r.Level, FindingIDs: findingIDs(r), OpenedAt: now, UpdatedAt: now,
			}
			if err := put(ctx, st, c, SystemActor, "case.open", "", stateLine(c)); err != nil {
				return stats, err
			}
			stats.Opened++
			continue
		}
		// The subject's most relevant case: an active one, else the latest.
		best := idx[0]
		for _, i := range idx[1:] {
			if (!all[i].State.Closed() && all[best].State.Closed()) ||
				(all[i].State.Closed() == all[best].State.Closed() && all[i].UpdatedAt.After(all[best].UpdatedAt)) {
				best = i
			}
		}
		touched[best] = true
	}
	for i := range touched {
		c := all[i]
		score, level, fids := 0.0, model.LevelLow, []string(nil)
		for _, s := range c.SubjectIDs {
			r, ok := riskOf[s]
			if !ok {
				continue
			}
			if r.Score > score {
				score, level = r.Score, r.Level
			}
			fids = append(fids, findingIDs(r)...)
		}
		sort.Strings(fids)
		switch {
		case c.State == model.CaseCleared && hasNew(c.FindingIDs, fids):
			before := stateLine(c)
			c.State, c.Decision, c.Reason, c.ClosedAt = model.CaseOpen, "", "", nil
			c.Score, c.Level, c.FindingIDs, c.UpdatedAt = score, level, union(c.FindingIDs, fids), now
			if err := put(ctx, st, c, SystemActor, "case.reopen", before, stateLine(c)+" new evidence"); err != nil {
				return stats, err
			}
			stats.Reopened++
		case !c.State.Closed() && (c.Score != score || hasNew(c.FindingIDs, fids)):
			before := fmt.Sprintf("score=%.1f level=%s findings=%d", c.Score, c.Level, len(c.FindingIDs))
			c.Score, c.Level, c.FindingIDs, c.UpdatedAt = score, level, union(c.FindingIDs, fids), now
			if err := put(ctx, st, c, SystemActor, "case.update", before, fmt.Sprintf("score=%.1f level=%s findings=%d", c.Score, c.Level, len(c.FindingIDs))); err != nil {
				return stats, err
			}
			stats.Updated++
		}
	}
	return stats, nil
}

// caseTitle names a case after the reason that weighs most.
func caseTitle(r model.Risk) string {
	if len(r.Reasons) == 0 {
		return "Risk " + string(r.Level) + " for " + r.SubjectID
	}
	t := r.Reasons[0].Title
	if n := len(r.Reasons) - 1; n == 1 {
		t += " (+1 more reason)"
	} else if n > 1 {
		t += fmt.Sprintf(" (+%d more reasons)", n)
	}
	return t
}

func stateLine(c model.Case) string {
	s := "state=" + string(c.State)
	if c.Assignee != "" {
		s += " assignee=" + c.Assignee
	}
	return s
}

func put(ctx context.Context, st store.Store, c model.Case, actor, action, before, after string) error {
	if err := st.PutCase(ctx, c); err != nil {
		return fmt.Errorf("store case %s: %w", c.ID, err)
	}
	_, err := st.AppendAudit(ctx, model.AuditEntry{Tenant: c.Tenant, At: c.UpdatedAt, Actor: actor, Action: action, Object: "case:" + c.ID, Before: before, After: after})
	if err != nil {
		return fmt.Errorf("audit case %s: %w", c.ID, err)
	}
	return nil
}

func findingIDs(r model.Risk) []string {
	var out []string
	for _, re := range r.Reasons {
		out = append(out, re.FindingIDs...)
	}
	sort.Strings(out)
	return out
}

func hasNew(old, cur []string) bool {
	seen := make(map[string]bool, len(old))
	for _, id := range old {
		seen[id] = true
	}
	for _, id := range cur {
		if !seen[id] {
			return true
		}
	}
	return false
}

func union(a, b []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, l := range [][]string{a, b} {
		for _, id := range l {
			if !seen[id] {
				seen[id] = true
				out = append(out, id)
			}
		}
	}
	sort.Strings(out)
	return out
}

// Errors the workflow returns; the web layer maps them to 400/404/409.
var (
	ErrInvalid    = errors.New("invalid request")
	ErrTransition = errors.New("transition not allowed")
)

// States lists the workflow states in order.
var States = []model.CaseState{model.CaseOpen, model.CaseTriage, model.CaseEscalatedLegal, model.CaseEscalatedHR, model.CaseConfirmed, model.CaseCleared}

// StateLabel is the human name of a state.
func StateLabel(s model.CaseState) string {
	switch s {
	case model.CaseOpen:
		return "Open"
	case model.CaseTriage:
		return "Triage"
	case model.CaseEscalatedLegal:
		return "Escalated to legal"
	case model.CaseEscalatedHR:
		return "Escalated to HR"
	case model.CaseConfirmed:
		return "Closed: confirmed"
	case model.CaseCleared:
		return "Closed: cleared"
	}
	return string(s)
}

// ValidState reports whether s is a workflow state.
func ValidState(s model.CaseState) bool {
	for _, v := range States {
		if v == s {
			return true
		}
	}
	return false
}

// Next lists the states a case may move to from s. Any active state may go
// to any other active or closed state; a closed case may only be reopened.
func Next(s model.CaseState) []model.CaseState {
	if s.Closed() {
		return []model.CaseState{model.CaseOpen}
	}
	var out []model.CaseState
	for _, v := range States {
		if v != s {
			out = append(out, v)
		}
	}
	return out
}

// Service runs the analyst workflow on cases. Every method appends to the
// audit log.
type Service struct {
	Store store.Store
	// Now defaults to time.Now.
	Now func() time.Time
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now().UTC()
	}
	return time.Now().UTC()
}

// OpenRequest opens a case by hand.
type OpenRequest struct {
	Title      string   `json:"title"`
	SubjectIDs []string `json:"subject_ids"`
	Assignee   string   `json:"assignee,omitempty"`
	Note       string   `json:"note,omitempty"`
}

// Open opens a case by hand on one or several subjects, taking their current
// risk and findings.
func (s *Service) Open(ctx context.Context, tenant, actor string, req OpenRequest) (model.Case, error) {
	tenant = store.TenantOr(tenant)
	if len(req.SubjectIDs) == 0 {
		return model.Case{}, fmt.Errorf("%w: a case needs at least one subject", ErrInvalid)
	}
	now := s.now()
	c := model.Case{Tenant: tenant, Title: strings.TrimSpace(req.Title), State: model.CaseOpen, Assignee: req.Assignee, OpenedAt: now, UpdatedAt: now, Level: model.LevelLow}
	seen := map[string]bool{}
	for _, id := range req.SubjectIDs {
		if id == "" || seen[id] {
			continue
		}
		seen[id] = true
		if _, err := s.Store.GetSubject(ctx, tenant, id); err != nil {
			return model.Case{}, fmt.Errorf("%w: subject %s: %v", ErrInvalid, id, err)
		}
		c.SubjectIDs = append(c.SubjectIDs, id)
		if r, err := s.Store.GetRisk(ctx, tenant, id); err == nil {
			if r.Score > c.Score {
				c.Score, c.Level = r.Score, r.Level
			}
			c.FindingIDs = union(c.FindingIDs, findingIDs(r))
		}
	}
	if c.Title == "" {
		c.Title = "Opened by " + actor + ": " + strings.Join(c.SubjectIDs, ", ")
	}
	c.ID = model.StableID("c", tenant, strings.Join(c.SubjectIDs, ","), now.Format(time.RFC3339Nano), actor)
	if err := put(ctx, s.Store, c, actor, "case.open", "", stateLine(c)+" by hand"); err != nil {
		return model.Case{}, err
	}
	if strings.TrimSpace(req.Note) != "" {
		if _, err := s.AddNote(ctx, tenant, actor, c.ID, req.Note, ""); err != nil {
			return c, err
		}
	}
	return c, nil
}

func (s *Service) get(ctx context.Context, tenant, id string) (model.Case, error) {
	c, err := s.Store.GetCase(ctx, store.TenantOr(tenant), id)
	if err != nil {
		return c, fmt.Errorf("case %s: %w", id, err)
	}
	return c, nil
}

// Transition moves a case to another state. Closing (confirmed or cleared)
// requires a decision and a reason; reopening requires a reason.
func (s *Service) Transition(ctx context.Context, tenant, actor, id string, to model.CaseState, decision, reason string) (model.Case, error) {
	c, err := s.get(ctx, tenant, id)
	if err != nil {
		return c, err
	}
	if !ValidState(to) {
		return c, fmt.Errorf("%w: unknown state %q", ErrInvalid, to)
	}
	ok := false
	for _, n := range Next(c.State) {
		ok = ok || n == to
	}
	if !ok {
		return c, fmt.Errorf("%w: %s → %s", ErrTransition, c.State, to)
	}
	decision, reason = strings.TrimSpace(decision), strings.TrimSpace(reason)
	if to.Closed() && (decision == "" || reason == "") {
		return c, fmt.Errorf("%w: closing a case requires a decision and a reason", ErrInvalid)
	}
	if c.State.Closed() && reason == "" {
		return c, fmt.Errorf("%w: reopening a case requires a reason", ErrInvalid)
	}
	before := stateLine(c)
	now := s.now()
	c.State, c.UpdatedAt = to, now
	after := stateLine(c)
	if to.Closed() {
		c.Decision, c.Reason, c.ClosedAt = decision, reason, &now
		// The decision covers every finding of its subjects as they stand now.
		for _, sid := range c.SubjectIDs {
			if r, err := s.Store.GetRisk(ctx, c.Tenant, sid); err == nil {
				c.FindingIDs = union(c.FindingIDs, findingIDs(r))
			}
		}
		after += " decision=" + decision + " reason=" + reason
	} else {
		if reason != "" {
			after += " reason=" + reason
		}
		c.Decision, c.Reason, c.ClosedAt = "", "", nil
	}
	action := "case.state"
	if to.Closed() {
		action = "case.close"
	} else if strings.HasPrefix(before, "state=closed") {
		action = "case.reopen"
	}
	return c, put(ctx, s.Store, c, actor, action, before, after)
}

// Assign sets the assignee ("" unassigns).
func (s *Service) Assign(ctx context.Context, tenant, actor, id, assignee string) (model.Case, error) {
	c, err := s.get(ctx, tenant, id)
	if err != nil {
		return c, err
	}
	before := c.Assignee
	c.Assignee, c.UpdatedAt = strings.TrimSpace(assignee), s.now()
	return c, put(ctx, s.Store, c, actor, "case.assign", "assignee="+before, "assignee="+c.Assignee)
}

// AddNote adds a note, or an attachment by reference (a URL or a path the
// organisation controls: the case keeps the reference, never the file).
func (s *Service) AddNote(ctx context.Context, tenant, actor, id, body, ref string) (model.CaseNote, error) {
	c, err := s.get(ctx, tenant, id)
	if err != nil {
		return model.CaseNote{}, err
	}
	body, ref = strings.TrimSpace(body), strings.TrimSpace(ref)
	if body == "" && ref == "" {
		return model.CaseNote{}, fmt.Errorf("%w: a note needs text or a reference", ErrInvalid)
	}
	now := s.now()
	n := model.CaseNote{ID: model.StableID("n", c.ID, actor, now.Format(time.RFC3339Nano), body, ref), CaseID: c.ID, Author: actor, Body: body, Reference: ref, At: now}
	if err := s.Store.AddCaseNote(ctx, c.Tenant, n); err != nil {
		return n, fmt.Errorf("add note: %w", err)
	}
	c.UpdatedAt = now
	action, after := "case.note", body
	if ref != "" {
		action, after = "case.attach", ref
	}
	return n, put(ctx, s.Store, c, actor, action, "", after)
}

// Link adds a subject to a case (several linked people, one investigation).
func (s *Service) Link(ctx context.Context, tenant, actor, id, subjectID string) (model.Case, error) {
	c, err := s.get(ctx, tenant, id)
	if err != nil {
		return c, err
	}
	if _, err := s.Store.GetSubject(ctx, c.Tenant, subjectID); err != nil {
		return c, fmt.Errorf("%w: subject %s: %v", ErrInvalid, subjectID, err)
	}
	for _, sid := range c.SubjectIDs {
		if sid == subjectID {
			return c, nil
		}
	}
	before := strings.Join(c.SubjectIDs, ",")
	c.SubjectIDs = append(c.SubjectIDs, subjectID)
	if r, err := s.Store.GetRisk(ctx, c.Tenant, subjectID); err == nil {
		if r.Score > c.Score {
			c.Score, c.Level = r.Score, r.Level
		}
		c.FindingIDs = union(c.FindingIDs, findingIDs(r))
	}
	c.UpdatedAt = s.now()
	return c, put(ctx, s.Store, c, actor, "case.link", "subjects="+before, "subjects="+strings.Join(c.SubjectIDs, ","))
}

// Snapshot renders a case as JSON for exports and webhooks.
func Snapshot(c model.Case) json.RawMessage {
	b, _ := json.Marshal(c)
	return b
}
