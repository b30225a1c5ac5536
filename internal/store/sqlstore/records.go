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

// UpsertSubjects implements store.Store.
func (s *Store) UpsertSubjects(ctx context.Context, subjects []model.Subject) error {
	if len(subjects) == 0 {
		return nil
	}
	return s.tx(ctx, func(tx *sql.Tx) error { return s.upsertSubjectsTx(ctx, tx, subjects) })
}

func (s *Store) upsertSubjectsTx(ctx context.Context, tx *sql.Tx, subjects []model.Subject) error {
	if len(subjects) == 0 {
		return nil
	}
	st, err := tx.PrepareContext(ctx, s.q(`INSERT INTO subjects (tenant, id, kind, updated_at, body) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (tenant, id) DO UPDATE SET kind = excluded.kind, updated_at = excluded.updated_at, body = excluded.body`))
	if err != nil {
		return fmt.Errorf("prepare subject upsert: %w", err)
	}
	defer st.Close()
	for i := range subjects {
		sub := subjects[i]
		sub.Tenant = tenant(sub.Tenant)
		body, err := marshal(sub)
		if err != nil {
			return fmt.Errorf("subject %q: %w", sub.ID, err)
		}
		if _, err := st.ExecContext(ctx, sub.Tenant, sub.ID, string(sub.Kind), ns(sub.UpdatedAt), body); err != nil {
			return fmt.Errorf("upsert subject %q: %w", sub.ID, err)
		}
	}
	return nil
}

// GetSubject implements store.Store.
func (s *Store) GetSubject(ctx context.Context, t, id string) (model.Subject, error) {
	return getBody[model.Subject](ctx, s, "subject", id, `SELECT body FROM subjects WHERE tenant = ? AND id = ?`, tenant(t), id)
}

// EachSubject implements store.Store.
func (s *Store) EachSubject(ctx context.Context, t string, fn func(model.Subject) error) error {
	return eachBody(ctx, s, "subjects", fn, `SELECT body FROM subjects WHERE tenant = ? ORDER BY id`, tenant(t))
}

// CountSubjects implements store.Store.
func (s *Store) CountSubjects(ctx context.Context, t string) (int, error) {
	return s.count(ctx, "subjects", t)
}

// PutIdentifiers implements store.Store.
func (s *Store) PutIdentifiers(ctx context.Context, ids []model.Identifier) error {
	if len(ids) == 0 {
		return nil
	}
	return s.tx(ctx, func(tx *sql.Tx) error { return s.putIdentifiersTx(ctx, tx, ids) })
}

func (s *Store) putIdentifiersTx(ctx context.Context, tx *sql.Tx, ids []model.Identifier) error {
	if len(ids) == 0 {
		return nil
	}
	// One row per key and statement: PostgreSQL refuses to update a row twice
	// in one INSERT ... ON CONFLICT DO UPDATE.
	type key struct{ t, k, v, s string }
	idx := make(map[key]int, len(ids))
	rows := make([]model.Identifier, 0, len(ids))
	for _, id := range ids {
		id.Tenant = tenant(id.Tenant)
		if id.LastSeen.IsZero() {
			id.LastSeen = id.FirstSeen
		}
		k := key{id.Tenant, string(id.Kind), id.Value, id.SubjectID}
		if i, ok := idx[k]; ok {
			if id.FirstSeen.Before(rows[i].FirstSeen) {
				rows[i].FirstSeen = id.FirstSeen
			}
			if id.LastSeen.After(rows[i].LastSeen) {
				rows[i].LastSeen = id.LastSeen
			}
			continue
		}
		idx[k] = len(rows)
		rows = append(rows, id)
	}
	if s.dialect == Postgres {
		return s.putIdentifiersPG(ctx, tx, rows)
	}
	const chunk = 500
	for start := 0; start < len(rows); start += chunk {
		end := min(start+chunk, len(rows))
		var b strings.Builder
		b.WriteString(`INSERT INTO identifiers (tenant, kind, value, subject_id, source, first_seen, last_seen) VALUES `)
		args := make([]any, 0, (end-start)*7)
		for i, id := range rows[start:end] {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString("(?, ?, ?, ?, ?, ?, ?)")
			args = append(args, id.Tenant, string(id.Kind), id.Value, id.SubjectID, id.Source, ns(id.FirstSeen), ns(id.LastSeen))
		}
		b.WriteString(` ON CONFLICT (tenant, kind, value, subject_id) DO UPDATE SET
		  first_seen = CASE WHEN excluded.first_seen < identifiers.first_seen THEN excluded.first_seen ELSE identifiers.first_seen END,
		  last_seen = CASE WHEN excluded.last_seen > identifiers.last_seen THEN excluded.last_seen ELSE identifiers.last_seen END`)
		if _, err := tx.ExecContext(ctx, s.q(b.String()), args...); err != nil {
			return fmt.Errorf("upsert identifiers %s=%q..: %w", rows[start].Kind, rows[start].Value, err)
		}
	}
	return nil
}

func (s *Store) scanIdentifiers(ctx context.Context, fn func(model.Identifier) error, query string, args ...any) error {
	rows, err := s.r.QueryContext(ctx, s.q(query), args...)
	if err != nil {
		return fmt.Errorf("query identifiers: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id model.Identifier
		var kind string
		var first, last int64
		if err := rows.Scan(&id.Tenant, &kind, &id.Value, &id.SubjectID, &id.Source, &first, &last); err != nil {
			return fmt.Errorf("scan identifier: %w", err)
		}
		id.Kind = model.IdentifierKind(kind)
		id.FirstSeen = time.Unix(0, first).UTC()
		id.LastSeen = time.Unix(0, last).UTC()
		if err := fn(id); err != nil {
			return err
		}
	}
	return rows.Err()
}

const identCols = `tenant, kind, value, subject_id, source, first_seen, last_seen`

// SubjectsByIdentifier implements store.Store.
func (s *Store) SubjectsByIdentifier(ctx context.Context, t string, kind model.IdentifierKind, value string) ([]string, error) {
	rows, err := s.r.QueryContext(ctx, s.q(`SELECT DISTINCT subject_id FROM identifiers WHERE tenant = ? AND kind = ? AND value = ? ORDER BY subject_id`), tenant(t), string(kind), value)
	if err != nil {
		return nil, fmt.Errorf("subjects by identifier: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	return out, rows.Err()
}

// IdentifiersOf implements store.Store.
func (s *Store) IdentifiersOf(ctx context.Context, t, subjectID string) ([]model.Identifier, error) {
	var out []model.Identifier
	err := s.scanIdentifiers(ctx, func(id model.Identifier) error { out = append(out, id); return nil },
		`SELECT `+identCols+` FROM identifiers WHERE tenant = ? AND subject_id = ? ORDER BY kind, value`, tenant(t), subjectID)
	return out, err
}

// EachIdentifier implements store.Store.
func (s *Store) EachIdentifier(ctx context.Context, t string, fn func(model.Identifier) error) error {
	return s.scanIdentifiers(ctx, fn, `SELECT `+identCols+` FROM identifiers WHERE tenant = ? ORDER BY kind, value, subject_id`, tenant(t))
}

// PutEvents implements store.Store. Events go in multi-row INSERTs (see
// insertEvents), which is what makes bulk loads fast on PostgreSQL.
func (s *Store) PutEvents(ctx context.Context, events []model.Event) (int, error) {
	if len(events) == 0 {
		return 0, nil
	}
	inserted := 0
	err := s.tx(ctx, func(tx *sql.Tx) error {
		fresh, err := s.insertEvents(ctx, tx, events)
		inserted = len(fresh)
		return err
	})
	return inserted, err
}

// GetEvent implements store.Store.
func (s *Store) GetEvent(ctx context.Context, t, id string) (model.Event, error) {
	return getBody[model.Event](ctx, s, "event", id, `SELECT body FROM events WHERE tenant = ? AND id = ?`, tenant(t), id)
}

// EachEvent implements store.Store.
func (s *Store) EachEvent(ctx context.Context, t string, q store.EventQuery, fn func(model.Event) error) error {
	var where []string
	args := []any{tenant(t)}
	where = append(where, "tenant = ?")
	if q.Kind != "" {
		where = append(where, "kind = ?")
		args = append(args, string(q.Kind))
	}
	if q.SubjectID != "" {
		where = append(where, "subject_id = ?")
		args = append(args, q.SubjectID)
	}
	if !q.Since.IsZero() {
		where = append(where, "time >= ?")
		args = append(args, ns(q.Since))
	}
	if !q.Until.IsZero() {
		where = append(where, "time < ?")
		args = append(args, ns(q.Until))
	}
	query := `SELECT body FROM events WHERE ` + strings.Join(where, " AND ") + ` ORDER BY time, id`
	if q.Limit > 0 {
		query += fmt.Sprintf(" LIMIT %d", q.Limit)
	}
	return eachBody(ctx, s, "events", fn, query, args...)
}

// CountEvents implements store.Store.
func (s *Store) CountEvents(ctx context.Context, t string) (int, error) {
	return s.count(ctx, "events", t)
}

// ReplaceFindings implements store.Store.
func (s *Store) ReplaceFindings(ctx context.Context, t string, detectors []string, findings []model.Finding) error {
	t = tenant(t)
	return s.tx(ctx, func(tx *sql.Tx) error {
		for _, d := range detectors {
			if _, err := tx.ExecContext(ctx, s.q(`DELETE FROM findings WHERE tenant = ? AND detector = ?`), t, d); err != nil {
				return fmt.Errorf("clear findings of %s: %w", d, err)
			}
		}
		return s.upsertFindingsTx(ctx, tx, t, findings)
	})
}

func (s *Store) upsertFindingsTx(ctx context.Context, tx *sql.Tx, t string, findings []model.Finding) error {
	if len(findings) == 0 {
		return nil
	}
	idx := make(map[string]int, len(findings))
	rows := make([]model.Finding, 0, len(findings))
	for _, f := range findings { // the last finding of an ID wins, as in detect.Collector
		f.Tenant = t
		if i, ok := idx[f.ID]; ok {
			rows[i] = f
			continue
		}
		idx[f.ID] = len(rows)
		rows = append(rows, f)
	}
	if s.dialect == Postgres {
		return s.upsertFindingsPG(ctx, tx, t, rows)
	}
	const chunk = 500
	for start := 0; start < len(rows); start += chunk {
		end := min(start+chunk, len(rows))
		var b strings.Builder
		b.WriteString(`INSERT INTO findings (tenant, id, subject_id, detector, code, time, body) VALUES `)
		args := make([]any, 0, (end-start)*7)
		for i, f := range rows[start:end] {
			body, err := marshal(f)
			if err != nil {
				return fmt.Errorf("finding %q: %w", f.ID, err)
			}
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString("(?, ?, ?, ?, ?, ?, ?)")
			args = append(args, t, f.ID, f.SubjectID, f.Detector, f.Code, ns(f.Time), body)
		}
		b.WriteString(` ON CONFLICT (tenant, id) DO UPDATE SET subject_id = excluded.subject_id, detector = excluded.detector, code = excluded.code, time = excluded.time, body = excluded.body`)
		if _, err := tx.ExecContext(ctx, s.q(b.String()), args...); err != nil {
			return fmt.Errorf("upsert findings %q..: %w", rows[start].ID, err)
		}
	}
	return nil
}

// FindingsOf implements store.Store.
func (s *Store) FindingsOf(ctx context.Context, t, subjectID string) ([]model.Finding, error) {
	return listBody[model.Finding](ctx, s, "findings", `SELECT body FROM findings WHERE tenant = ? AND subject_id = ? ORDER BY time, id`, tenant(t), subjectID)
}

// EachFinding implements store.Store.
func (s *Store) EachFinding(ctx context.Context, t string, fn func(model.Finding) error) error {
	return eachBody(ctx, s, "findings", fn, `SELECT body FROM findings WHERE tenant = ? ORDER BY subject_id, time, id`, tenant(t))
}

// GetFinding implements store.Store.
func (s *Store) GetFinding(ctx context.Context, t, id string) (model.Finding, error) {
	return getBody[model.Finding](ctx, s, "finding", id, `SELECT body FROM findings WHERE tenant = ? AND id = ?`, tenant(t), id)
}

// PutRisks implements store.Store.
func (s *Store) PutRisks(ctx context.Context, risks []model.Risk) error {
	if len(risks) == 0 {
		return nil
	}
	return s.tx(ctx, func(tx *sql.Tx) error {
		st, err := tx.PrepareContext(ctx, s.q(`INSERT INTO risks (tenant, subject_id, score, level, body) VALUES (?, ?, ?, ?, ?)
			ON CONFLICT (tenant, subject_id) DO UPDATE SET score = excluded.score, level = excluded.level, body = excluded.body`))
		if err != nil {
			return fmt.Errorf("prepare risk upsert: %w", err)
		}
		defer st.Close()
		for i := range risks {
			r := risks[i]
			r.Tenant = tenant(r.Tenant)
			body, err := marshal(r)
			if err != nil {
				return fmt.Errorf("risk %q: %w", r.SubjectID, err)
			}
			if _, err := st.ExecContext(ctx, r.Tenant, r.SubjectID, r.Score, string(r.Level), body); err != nil {
				return fmt.Errorf("upsert risk %q: %w", r.SubjectID, err)
			}
		}
		return nil
	})
}

// GetRisk implements store.Store.
func (s *Store) GetRisk(ctx context.Context, t, subjectID string) (model.Risk, error) {
	return getBody[model.Risk](ctx, s, "risk", subjectID, `SELECT body FROM risks WHERE tenant = ? AND subject_id = ?`, tenant(t), subjectID)
}

// ListRisks implements store.Store.
func (s *Store) ListRisks(ctx context.Context, t string, limit int) ([]model.Risk, error) {
	query := `SELECT body FROM risks WHERE tenant = ? ORDER BY score DESC, subject_id`
	if limit > 0 {
		query += fmt.Sprintf(" LIMIT %d", limit)
	}
	return listBody[model.Risk](ctx, s, "risks", query, tenant(t))
}
