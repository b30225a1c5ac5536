package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/redflag-dev/redflag/internal/model"
	"github.com/redflag-dev/redflag/internal/store"
)

// PutCase implements store.Store: it inserts or replaces the case and its
// subject index.
func (s *Store) PutCase(ctx context.Context, c model.Case) error {
	c.Tenant = tenant(c.Tenant)
	body, err := marshal(c)
	if err != nil {
		return fmt.Errorf("case %q: %w", c.ID, err)
	}
	return s.tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, s.q(`INSERT INTO cases (tenant, id, state, assignee, score, updated_at, body) VALUES (?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (tenant, id) DO UPDATE SET state = excluded.state, assignee = excluded.assignee, score = excluded.score, updated_at = excluded.updated_at, body = excluded.body`),
			c.Tenant, c.ID, string(c.State), c.Assignee, c.Score, ns(c.UpdatedAt), body); err != nil {
			return fmt.Errorf("upsert case %q: %w", c.ID, err)
		}
		if _, err := tx.ExecContext(ctx, s.q(`DELETE FROM case_subjects WHERE tenant = ? AND case_id = ?`), c.Tenant, c.ID); err != nil {
			return fmt.Errorf("case %q subjects: %w", c.ID, err)
		}
		for _, sid := range c.SubjectIDs {
			if _, err := tx.ExecContext(ctx, s.q(`INSERT INTO case_subjects (tenant, case_id, subject_id) VALUES (?, ?, ?) ON CONFLICT DO NOTHING`), c.Tenant, c.ID, sid); err != nil {
				return fmt.Errorf("case %q subject %q: %w", c.ID, sid, err)
			}
		}
		return nil
	})
}

// GetCase implements store.Store.
func (s *Store) GetCase(ctx context.Context, t, id string) (model.Case, error) {
	return getBody[model.Case](ctx, s, "case", id, `SELECT body FROM cases WHERE tenant = ? AND id = ?`, tenant(t), id)
}

// ListCases implements store.Store. Cases come highest score first.
func (s *Store) ListCases(ctx context.Context, t string, f store.CaseFilter) ([]model.Case, error) {
	where := []string{"c.tenant = ?"}
	args := []any{tenant(t)}
	if f.State != "" {
		where = append(where, "c.state = ?")
		args = append(args, string(f.State))
	}
	if f.OpenOnly {
		where = append(where, "c.state NOT IN (?, ?)")
		args = append(args, string(model.CaseConfirmed), string(model.CaseCleared))
	}
	if f.Assignee != "" {
		where = append(where, "c.assignee = ?")
		args = append(args, f.Assignee)
	}
	if f.SubjectID != "" {
		where = append(where, "EXISTS (SELECT 1 FROM case_subjects cs WHERE cs.tenant = c.tenant AND cs.case_id = c.id AND cs.subject_id = ?)")
		args = append(args, f.SubjectID)
	}
	query := `SELECT c.body FROM cases c WHERE ` + strings.Join(where, " AND ") + ` ORDER BY c.score DESC, c.id`
	if f.Limit > 0 {
		query += fmt.Sprintf(" LIMIT %d", f.Limit)
	}
	return listBody[model.Case](ctx, s, "cases", query, args...)
}

// AddCaseNote implements store.Store.
func (s *Store) AddCaseNote(ctx context.Context, t string, n model.CaseNote) error {
	body, err := marshal(n)
	if err != nil {
		return err
	}
	_, err = s.w.ExecContext(ctx, s.q(`INSERT INTO case_notes (tenant, id, case_id, at, body) VALUES (?, ?, ?, ?, ?)`), tenant(t), n.ID, n.CaseID, ns(n.At), body)
	if err != nil {
		return fmt.Errorf("add note to case %q: %w", n.CaseID, err)
	}
	return nil
}

// CaseNotes implements store.Store.
func (s *Store) CaseNotes(ctx context.Context, t, caseID string) ([]model.CaseNote, error) {
	return listBody[model.CaseNote](ctx, s, "case notes", `SELECT body FROM case_notes WHERE tenant = ? AND case_id = ? ORDER BY at, id`, tenant(t), caseID)
}

// AppendAudit implements store.Store.
func (s *Store) AppendAudit(ctx context.Context, e model.AuditEntry) (int64, error) {
	if e.At.IsZero() {
		e.At = time.Now().UTC()
	}
	var seq int64
	err := s.w.QueryRowContext(ctx, s.q(`INSERT INTO audit (tenant, at, actor, action, object, before, after) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING seq`),
		tenant(e.Tenant), ns(e.At), e.Actor, e.Action, e.Object, e.Before, e.After).Scan(&seq)
	if err != nil {
		return 0, fmt.Errorf("append audit %s %s: %w", e.Action, e.Object, err)
	}
	return seq, nil
}

// Audit implements store.Store.
func (s *Store) Audit(ctx context.Context, t, object string, limit int) ([]model.AuditEntry, error) {
	query := `SELECT seq, tenant, at, actor, action, object, before, after FROM audit WHERE tenant = ?`
	args := []any{tenant(t)}
	if object != "" {
		query += ` AND object = ?`
		args = append(args, object)
	}
	query += ` ORDER BY seq DESC`
	if limit > 0 {
		query += fmt.Sprintf(" LIMIT %d", limit)
	}
	rows, err := s.r.QueryContext(ctx, s.q(query), args...)
	if err != nil {
		return nil, fmt.Errorf("query audit: %w", err)
	}
	defer rows.Close()
	var out []model.AuditEntry
	for rows.Next() {
		var e model.AuditEntry
		var at int64
		if err := rows.Scan(&e.Seq, &e.Tenant, &at, &e.Actor, &e.Action, &e.Object, &e.Before, &e.After); err != nil {
			return nil, fmt.Errorf("scan audit: %w", err)
		}
		e.At = time.Unix(0, at).UTC()
		out = append(out, e)
	}
	return out, rows.Err()
}

// GetMeta implements store.Store.
func (s *Store) GetMeta(ctx context.Context, t, key string) ([]byte, bool, error) {
	var v []byte
	err := s.r.QueryRowContext(ctx, s.q(`SELECT value FROM meta WHERE tenant = ? AND key = ?`), tenant(t), key).Scan(&v)
	if err == sql.ErrNoRows {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("get meta %q: %w", key, err)
	}
	return v, true, nil
}

// PutMeta implements store.Store.
func (s *Store) PutMeta(ctx context.Context, t, key string, value []byte) error {
	if value == nil {
		value = []byte{}
	}
	_, err := s.w.ExecContext(ctx, s.q(`INSERT INTO meta (tenant, key, value) VALUES (?, ?, ?) ON CONFLICT (tenant, key) DO UPDATE SET value = excluded.value`), tenant(t), key, value)
	if err != nil {
		return fmt.Errorf("put meta %q: %w", key, err)
	}
	return nil
}

// ListMeta implements store.Store.
func (s *Store) ListMeta(ctx context.Context, t, prefix string) (map[string][]byte, error) {
	rows, err := s.r.QueryContext(ctx, s.q(`SELECT key, value FROM meta WHERE tenant = ? AND key >= ? AND key < ? ORDER BY key`), tenant(t), prefix, prefix+"\uffff")
	if err != nil {
		return nil, fmt.Errorf("list meta %q: %w", prefix, err)
	}
	defer rows.Close()
	out := map[string][]byte{}
	for rows.Next() {
		var k string
		var v []byte
		if err := rows.Scan(&k, &v); err != nil {
			return nil, err
		}
		out[k] = v
	}
	return out, rows.Err()
}
