// Package cases runs investigations: it opens a case when a subject crosses
// the configured level, keeps cases in step with new evidence, and records
// every change in the append-only audit log.
package cases

import (
	"context"
	"fmt"
	"sort"
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
// subject has findings the case did not cover.
func Sync(ctx context.Context, st store.Store, tenant string, risks []model.Risk, pol Policy, now time.Time) (SyncStats, error) {
	if pol.OpenAt == "" {
		pol.OpenAt = model.LevelHigh
	}
	var stats SyncStats
	for _, r := range risks {
		existing, err := st.ListCases(ctx, tenant, store.CaseFilter{SubjectID: r.SubjectID})
		if err != nil {
			return stats, err
		}
		fids := findingIDs(r)
		if len(existing) == 0 {
			if model.LevelRank(r.Level) < model.LevelRank(pol.OpenAt) {
				continue
			}
			c := model.Case{
				Tenant: tenant, ID: model.StableID("c", tenant, r.SubjectID, now.Format(time.RFC3339)),
				Title: "Risk " + string(r.Level) + ": " + r.SubjectID, SubjectIDs: []string{r.SubjectID},
				State: model.CaseOpen, Score: r.Score, Level: r.Level, FindingIDs: fids, OpenedAt: now, UpdatedAt: now,
			}
			if err := put(ctx, st, c, "case.open", "", string(c.State)); err != nil {
				return stats, err
			}
			stats.Opened++
			continue
		}
		c := existing[0]
		switch {
		case c.State == model.CaseCleared && hasNew(c.FindingIDs, fids):
			before := c.State
			c.State, c.Decision, c.Reason, c.ClosedAt = model.CaseOpen, "", "", nil
			c.Score, c.Level, c.FindingIDs, c.UpdatedAt = r.Score, r.Level, fids, now
			if err := put(ctx, st, c, "case.reopen", string(before), string(c.State)); err != nil {
				return stats, err
			}
			stats.Reopened++
		case !c.State.Closed() && (c.Score != r.Score || hasNew(c.FindingIDs, fids)):
			before := fmt.Sprintf("score=%.1f", c.Score)
			c.Score, c.Level, c.FindingIDs, c.UpdatedAt = r.Score, r.Level, fids, now
			if err := put(ctx, st, c, "case.update", before, fmt.Sprintf("score=%.1f", c.Score)); err != nil {
				return stats, err
			}
			stats.Updated++
		}
	}
	return stats, nil
}

func put(ctx context.Context, st store.Store, c model.Case, action, before, after string) error {
	if err := st.PutCase(ctx, c); err != nil {
		return err
	}
	_, err := st.AppendAudit(ctx, model.AuditEntry{Tenant: c.Tenant, At: c.UpdatedAt, Actor: SystemActor, Action: action, Object: "case:" + c.ID, Before: before, After: after})
	return err
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
