package sqlstore

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/redflag-dev/redflag/internal/model"
	"github.com/redflag-dev/redflag/internal/store"
)

var (
	_ store.Batcher      = (*Store)(nil)
	_ store.TenantLister = (*Store)(nil)
)

// eventChunk is how many events one multi-row INSERT carries: 7 parameters a
// row keeps it far below both SQLite's (32766) and PostgreSQL's (65535)
// parameter limits while cutting round trips by two orders of magnitude.
const eventChunk = 400

// insertEvents inserts events with multi-row VALUES, skipping stored IDs,
// and returns the IDs that were new.
func (s *Store) insertEvents(ctx context.Context, tx *sql.Tx, events []model.Event) (map[string]bool, error) {
	if s.dialect == Postgres {
		return s.insertEventsPG(ctx, tx, events)
	}
	fresh := map[string]bool{}
	for start := 0; start < len(events); start += eventChunk {
		end := min(start+eventChunk, len(events))
		var b strings.Builder
		b.WriteString(`INSERT INTO events (tenant, id, kind, time, subject_id, source, body) VALUES `)
		args := make([]any, 0, (end-start)*7)
		for i := start; i < end; i++ {
			ev := events[i]
			ev.Tenant = tenant(ev.Tenant)
			ev.Time = ev.Time.UTC()
			body, err := marshal(ev)
			if err != nil {
				return nil, fmt.Errorf("event %q: %w", ev.ID, err)
			}
			if i > start {
				b.WriteByte(',')
			}
			b.WriteString("(?, ?, ?, ?, ?, ?, ?)")
			args = append(args, ev.Tenant, ev.ID, string(ev.Kind), ns(ev.Time), ev.SubjectID, ev.Source, body)
		}
		b.WriteString(` ON CONFLICT (tenant, id) DO NOTHING RETURNING tenant, id`)
		rows, err := tx.QueryContext(ctx, s.q(b.String()), args...)
		if err != nil {
			return nil, fmt.Errorf("insert events %q..%q: %w", events[start].ID, events[end-1].ID, err)
		}
		for rows.Next() {
			var t, id string
			if err := rows.Scan(&t, &id); err != nil {
				rows.Close()
				return nil, fmt.Errorf("scan inserted event: %w", err)
			}
			fresh[t+"\x1f"+id] = true
		}
		if err := rows.Close(); err != nil {
			return nil, fmt.Errorf("insert events: %w", err)
		}
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("insert events: %w", err)
		}
	}
	return fresh, nil
}

// CommitBatch implements store.Batcher.
func (s *Store) CommitBatch(ctx context.Context, b store.Batch) (int, error) {
	n := 0
	err := s.tx(ctx, func(tx *sql.Tx) error {
		if c := b.Checkpoint; c != nil {
			if err := s.casMeta(ctx, tx, c); err != nil {
				return err
			}
		}
		for i := range b.Checkpoints {
			if err := s.casMeta(ctx, tx, &b.Checkpoints[i]); err != nil {
				return err
			}
		}
		if err := s.upsertSubjectsTx(ctx, tx, b.Subjects); err != nil {
			return err
		}
		if err := s.putIdentifiersTx(ctx, tx, b.Identifiers); err != nil {
			return err
		}
		fresh, err := s.insertEvents(ctx, tx, b.Events)
		if err != nil {
			return err
		}
		n = len(fresh)
		byTenant := map[string][]model.Finding{}
		var order []string
		for _, f := range b.Findings {
			t := tenant(f.Tenant)
			if _, ok := byTenant[t]; !ok {
				order = append(order, t)
			}
			byTenant[t] = append(byTenant[t], f)
		}
		for _, t := range order {
			if err := s.upsertFindingsTx(ctx, tx, t, byTenant[t]); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	return n, nil
}

// casMeta writes a checkpoint if its previous value still matches.
func (s *Store) casMeta(ctx context.Context, tx *sql.Tx, c *store.Checkpoint) error {
	t := tenant(c.Tenant)
	var cur []byte
	err := tx.QueryRowContext(ctx, s.q(`SELECT value FROM meta WHERE tenant = ? AND key = ?`), t, c.Key).Scan(&cur)
	switch {
	case err == sql.ErrNoRows:
		if c.Prev != nil {
			return fmt.Errorf("checkpoint %q vanished: %w", c.Key, store.ErrConflict)
		}
		if _, err := tx.ExecContext(ctx, s.q(`INSERT INTO meta (tenant, key, value) VALUES (?, ?, ?)`), t, c.Key, nonNil(c.Next)); err != nil {
			return fmt.Errorf("create checkpoint %q: %w", c.Key, err)
		}
		return nil
	case err != nil:
		return fmt.Errorf("read checkpoint %q: %w", c.Key, err)
	}
	if c.Prev == nil || !bytes.Equal(cur, c.Prev) {
		return fmt.Errorf("checkpoint %q changed under us: %w", c.Key, store.ErrConflict)
	}
	res, err := tx.ExecContext(ctx, s.q(`UPDATE meta SET value = ? WHERE tenant = ? AND key = ? AND value = ?`), nonNil(c.Next), t, c.Key, c.Prev)
	if err != nil {
		return fmt.Errorf("write checkpoint %q: %w", c.Key, err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return fmt.Errorf("checkpoint %q changed under us: %w", c.Key, store.ErrConflict)
	}
	return nil
}

func nonNil(b []byte) []byte {
	if b == nil {
		return []byte{}
	}
	return b
}

// ExistingEvents implements store.Batcher.
func (s *Store) ExistingEvents(ctx context.Context, t string, ids []string) (map[string]bool, error) {
	out := map[string]bool{}
	if s.dialect == Postgres {
		// One array parameter: a stable statement the server plans once, and
		// an index lookup per ID (a long IN list is re-planned every time).
		for start := 0; start < len(ids); start += pgChunk {
			end := min(start+pgChunk, len(ids))
			rows, err := s.r.QueryContext(ctx, `SELECT id FROM events WHERE tenant = $1 AND id = ANY($2::text[])`, tenant(t), ids[start:end])
			if err != nil {
				return nil, fmt.Errorf("look up events: %w", err)
			}
			for rows.Next() {
				var id string
				if err := rows.Scan(&id); err != nil {
					rows.Close()
					return nil, fmt.Errorf("scan event id: %w", err)
				}
				out[id] = true
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return nil, fmt.Errorf("look up events: %w", err)
			}
		}
		return out, nil
	}
	const chunk = 500
	for start := 0; start < len(ids); start += chunk {
		end := min(start+chunk, len(ids))
		args := make([]any, 0, end-start+1)
		args = append(args, tenant(t))
		marks := make([]string, 0, end-start)
		for _, id := range ids[start:end] {
			args = append(args, id)
			marks = append(marks, "?")
		}
		rows, err := s.r.QueryContext(ctx, s.q(`SELECT id FROM events WHERE tenant = ? AND id IN (`+strings.Join(marks, ",")+`)`), args...)
		if err != nil {
			return nil, fmt.Errorf("look up events: %w", err)
		}
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return nil, fmt.Errorf("scan event id: %w", err)
			}
			out[id] = true
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("look up events: %w", err)
		}
	}
	return out, nil
}

// Tenants implements store.TenantLister.
func (s *Store) Tenants(ctx context.Context) ([]string, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT tenant FROM subjects UNION SELECT tenant FROM events ORDER BY 1`)
	if err != nil {
		return nil, fmt.Errorf("list tenants: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var t string
		if err := rows.Scan(&t); err != nil {
			return nil, fmt.Errorf("scan tenant: %w", err)
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// pgChunk is how many rows one PostgreSQL array statement carries.
const pgChunk = 5000

// insertEventsPG inserts events on PostgreSQL with one statement per chunk
// whose text never changes: the columns travel as arrays and unnest() turns
// them into rows. Multi-row VALUES would make each chunk size a new statement
// for the server to parse and plan; COPY cannot skip conflicting rows.
func (s *Store) insertEventsPG(ctx context.Context, tx *sql.Tx, events []model.Event) (map[string]bool, error) {
	fresh := map[string]bool{}
	for start := 0; start < len(events); start += pgChunk {
		end := min(start+pgChunk, len(events))
		n := end - start
		ts, ids, kinds, subs, srcs, bodies := make([]string, 0, n), make([]string, 0, n), make([]string, 0, n), make([]string, 0, n), make([]string, 0, n), make([]string, 0, n)
		times := make([]int64, 0, n)
		for i := start; i < end; i++ {
			ev := events[i]
			ev.Tenant = tenant(ev.Tenant)
			ev.Time = ev.Time.UTC()
			body, err := marshal(ev)
			if err != nil {
				return nil, fmt.Errorf("event %q: %w", ev.ID, err)
			}
			ts, ids, kinds, subs, srcs, bodies = append(ts, ev.Tenant), append(ids, ev.ID), append(kinds, string(ev.Kind)), append(subs, ev.SubjectID), append(srcs, ev.Source), append(bodies, body)
			times = append(times, ns(ev.Time))
		}
		rows, err := tx.QueryContext(ctx, `INSERT INTO events (tenant, id, kind, time, subject_id, source, body)
			SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[], $5::text[], $6::text[], $7::text[])
			ON CONFLICT (tenant, id) DO NOTHING RETURNING tenant, id`, ts, ids, kinds, times, subs, srcs, bodies)
		if err != nil {
			return nil, fmt.Errorf("insert events %q..%q: %w", events[start].ID, events[end-1].ID, err)
		}
		for rows.Next() {
			var t, id string
			if err := rows.Scan(&t, &id); err != nil {
				rows.Close()
				return nil, fmt.Errorf("scan inserted event: %w", err)
			}
			fresh[t+"\x1f"+id] = true
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("insert events: %w", err)
		}
	}
	return fresh, nil
}

// upsertFindingsPG is upsertFindingsTx's array form (rows already folded).
func (s *Store) upsertFindingsPG(ctx context.Context, tx *sql.Tx, t string, rows []model.Finding) error {
	for start := 0; start < len(rows); start += pgChunk {
		end := min(start+pgChunk, len(rows))
		n := end - start
		ts, ids, subs, dets, codes, bodies := make([]string, 0, n), make([]string, 0, n), make([]string, 0, n), make([]string, 0, n), make([]string, 0, n), make([]string, 0, n)
		times := make([]int64, 0, n)
		for _, f := range rows[start:end] {
			body, err := marshal(f)
			if err != nil {
				return fmt.Errorf("finding %q: %w", f.ID, err)
			}
			ts, ids, subs, dets, codes, bodies = append(ts, t), append(ids, f.ID), append(subs, f.SubjectID), append(dets, f.Detector), append(codes, f.Code), append(bodies, body)
			times = append(times, ns(f.Time))
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO findings (tenant, id, subject_id, detector, code, time, body)
			SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::bigint[], $7::text[])
			ON CONFLICT (tenant, id) DO UPDATE SET subject_id = excluded.subject_id, detector = excluded.detector, code = excluded.code, time = excluded.time, body = excluded.body`,
			ts, ids, subs, dets, codes, times, bodies); err != nil {
			return fmt.Errorf("upsert findings %q..: %w", rows[start].ID, err)
		}
	}
	return nil
}

// putIdentifiersPG is putIdentifiersTx's array form (rows already folded).
func (s *Store) putIdentifiersPG(ctx context.Context, tx *sql.Tx, rows []model.Identifier) error {
	for start := 0; start < len(rows); start += pgChunk {
		end := min(start+pgChunk, len(rows))
		n := end - start
		ts, kinds, vals, subs, srcs := make([]string, 0, n), make([]string, 0, n), make([]string, 0, n), make([]string, 0, n), make([]string, 0, n)
		firsts, lasts := make([]int64, 0, n), make([]int64, 0, n)
		for _, id := range rows[start:end] {
			ts, kinds, vals, subs, srcs = append(ts, id.Tenant), append(kinds, string(id.Kind)), append(vals, id.Value), append(subs, id.SubjectID), append(srcs, id.Source)
			firsts, lasts = append(firsts, ns(id.FirstSeen)), append(lasts, ns(id.LastSeen))
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO identifiers (tenant, kind, value, subject_id, source, first_seen, last_seen)
			SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::bigint[], $7::bigint[])
			ON CONFLICT (tenant, kind, value, subject_id) DO UPDATE SET
			  first_seen = CASE WHEN excluded.first_seen < identifiers.first_seen THEN excluded.first_seen ELSE identifiers.first_seen END,
			  last_seen = CASE WHEN excluded.last_seen > identifiers.last_seen THEN excluded.last_seen ELSE identifiers.last_seen END`,
			ts, kinds, vals, subs, srcs, firsts, lasts); err != nil {
			return fmt.Errorf("upsert identifiers %s=%q..: %w", rows[start].Kind, rows[start].Value, err)
		}
	}
	return nil
}
