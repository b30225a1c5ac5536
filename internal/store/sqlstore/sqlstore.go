// Package sqlstore implements store.Store over database/sql for SQLite
// (modernc.org/sqlite, no cgo; the embedded default) and PostgreSQL
// (pgx/v5 through its database/sql shim). The queries are written once in the
// subset both dialects share (ON CONFLICT upserts, RETURNING) with '?'
// placeholders that are rebound to $n for PostgreSQL; the schema is kept as
// goose migrations per dialect, embedded in the binary.
//
// Records are stored as a JSON body beside the columns that queries filter or
// sort on, so adding a field to a model type needs no migration.
package sqlstore

import (
	"context"
	"database/sql"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib" // also registers the database/sql driver "pgx"
	"github.com/pressly/goose/v3"
	_ "modernc.org/sqlite" // database/sql driver "sqlite"

	"github.com/redflag-dev/redflag/internal/store"
)

//go:embed migrations
var migrations embed.FS

// Dialect names a supported SQL backend.
type Dialect string

const (
	SQLite   Dialect = "sqlite"
	Postgres Dialect = "postgres"
)

// Store is the database/sql implementation of store.Store.
type Store struct {
	dialect Dialect
	w       *sql.DB // writer: one connection for SQLite, a pool for PostgreSQL
	r       *sql.DB // readers
}

var _ store.Store = (*Store)(nil)

// OpenSQLite opens (creating if needed) the SQLite database at path, in WAL
// mode, and applies the embedded migrations.
func OpenSQLite(ctx context.Context, path string) (*Store, error) {
	if dir := filepath.Dir(path); dir != "" {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, fmt.Errorf("create data directory %s: %w", dir, err)
		}
	}
	dsn := "file:" + path + "?_pragma=journal_mode(WAL)&_pragma=busy_timeout(10000)&_pragma=synchronous(NORMAL)&_pragma=foreign_keys(1)&_pragma=cache_size(-65536)&_txlock=immediate"
	w, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	w.SetMaxOpenConns(1)
	r, err := sql.Open("sqlite", dsn)
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	r.SetMaxOpenConns(4)
	s := &Store{dialect: SQLite, w: w, r: r}
	if err := s.migrate(ctx); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// PoolOptions size the PostgreSQL connection pool. Zero fields take the
// defaults: 4 connections per CPU (at least 8), as many idle, recycled after
// 30 minutes; and a 60-second wait for a server that is not up yet.
type PoolOptions struct {
	MaxConns     int
	MaxIdle      int
	MaxLifetime  time.Duration
	ConnectWait  time.Duration // how long Open waits for the server to answer
	RetryBackoff time.Duration // first pause between connection attempts
}

func (o PoolOptions) withDefaults() PoolOptions {
	if o.MaxConns <= 0 {
		o.MaxConns = max(8, 4*runtime.GOMAXPROCS(0))
	}
	if o.MaxIdle <= 0 {
		o.MaxIdle = o.MaxConns
	}
	if o.MaxLifetime <= 0 {
		o.MaxLifetime = 30 * time.Minute
	}
	if o.ConnectWait <= 0 {
		o.ConnectWait = 60 * time.Second
	}
	if o.RetryBackoff <= 0 {
		o.RetryBackoff = 100 * time.Millisecond
	}
	return o
}

// OpenPostgres connects to PostgreSQL with a pgx connection string and
// applies the embedded migrations, with the default pool options.
func OpenPostgres(ctx context.Context, dsn string) (*Store, error) {
	return OpenPostgresWith(ctx, dsn, PoolOptions{})
}

// OpenPostgresWith is OpenPostgres with explicit pool options. A server that
// does not answer yet (starting, restarting, failing over) is retried with
// exponential backoff for up to opt.ConnectWait. Once open, database/sql
// replaces connections that a server restart broke; callers that must not
// lose work retry failed writes (the stream workers do).
func OpenPostgresWith(ctx context.Context, dsn string, opt PoolOptions) (*Store, error) {
	opt = opt.withDefaults()
	pc, err := pgx.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("postgres connection string: %w", err)
	}
	// Plan each execution with its own parameters: a plan cached while the
	// tables were small (a fresh deployment) would keep scanning them whole
	// once they have grown. The statements are few and cheap to plan.
	if _, set := pc.RuntimeParams["plan_cache_mode"]; !set {
		pc.RuntimeParams["plan_cache_mode"] = "force_custom_plan"
	}
	db := stdlib.OpenDB(*pc)
	db.SetMaxOpenConns(opt.MaxConns)
	db.SetMaxIdleConns(opt.MaxIdle)
	db.SetConnMaxLifetime(opt.MaxLifetime)
	db.SetConnMaxIdleTime(5 * time.Minute)
	if err := waitPing(ctx, db, opt); err != nil {
		db.Close()
		return nil, err
	}
	s := &Store{dialect: Postgres, w: db, r: db}
	if err := s.migrate(ctx); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

func waitPing(ctx context.Context, db *sql.DB, opt PoolOptions) error {
	deadline := time.Now().Add(opt.ConnectWait)
	pause := opt.RetryBackoff
	for {
		err := db.PingContext(ctx)
		if err == nil {
			return nil
		}
		if ctx.Err() != nil || time.Now().After(deadline) {
			return fmt.Errorf("connect to postgres (waited %s): %w", opt.ConnectWait, err)
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("connect to postgres: %w", ctx.Err())
		case <-time.After(pause):
		}
		pause = min(2*pause, 5*time.Second)
	}
}

// Ping checks that the database answers.
func (s *Store) Ping(ctx context.Context) error { return s.w.PingContext(ctx) }

func (s *Store) migrate(ctx context.Context) error {
	sub, err := fs.Sub(migrations, "migrations/"+string(s.dialect))
	if err != nil {
		return fmt.Errorf("migrations for %s: %w", s.dialect, err)
	}
	gd := goose.DialectSQLite3
	if s.dialect == Postgres {
		gd = goose.DialectPostgres
	}
	p, err := goose.NewProvider(gd, s.w, sub)
	if err != nil {
		return fmt.Errorf("migration provider: %w", err)
	}
	if _, err := p.Up(ctx); err != nil {
		return fmt.Errorf("apply migrations: %w", err)
	}
	return nil
}

// Backend implements store.Store.
func (s *Store) Backend() string { return string(s.dialect) }

// Close implements store.Store.
func (s *Store) Close() error {
	err := s.w.Close()
	if s.r != s.w {
		if e := s.r.Close(); err == nil {
			err = e
		}
	}
	return err
}

// DB exposes the writer handle for packages that keep their own tables.
func (s *Store) DB() *sql.DB { return s.w }

// q rebinds '?' placeholders for the dialect.
func (s *Store) q(query string) string {
	if s.dialect != Postgres {
		return query
	}
	var b strings.Builder
	n := 0
	for i := 0; i < len(query); i++ {
		if query[i] == '?' {
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteByte(query[i])
	}
	return b.String()
}

// tx runs fn in one write transaction.
func (s *Store) tx(ctx context.Context, fn func(*sql.Tx) error) error {
	t, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	if err := fn(t); err != nil {
		t.Rollback()
		return err
	}
	if err := t.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

func ns(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixNano()
}

func tenant(t string) string { return store.TenantOr(t) }

func notFound(what, id string, err error) error {
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("%s %q: %w", what, id, store.ErrNotFound)
	}
	return fmt.Errorf("get %s %q: %w", what, id, err)
}

func getBody[T any](ctx context.Context, s *Store, what, id, query string, args ...any) (T, error) {
	var v T
	var body string
	if err := s.r.QueryRowContext(ctx, s.q(query), args...).Scan(&body); err != nil {
		return v, notFound(what, id, err)
	}
	if err := json.Unmarshal([]byte(body), &v); err != nil {
		return v, fmt.Errorf("decode %s %q: %w", what, id, err)
	}
	return v, nil
}

func eachBody[T any](ctx context.Context, s *Store, what string, fn func(T) error, query string, args ...any) error {
	rows, err := s.r.QueryContext(ctx, s.q(query), args...)
	if err != nil {
		return fmt.Errorf("query %s: %w", what, err)
	}
	defer rows.Close()
	for rows.Next() {
		var body string
		if err := rows.Scan(&body); err != nil {
			return fmt.Errorf("scan %s: %w", what, err)
		}
		var v T
		if err := json.Unmarshal([]byte(body), &v); err != nil {
			return fmt.Errorf("decode %s: %w", what, err)
		}
		if err := fn(v); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read %s: %w", what, err)
	}
	return nil
}

func listBody[T any](ctx context.Context, s *Store, what, query string, args ...any) ([]T, error) {
	var out []T
	err := eachBody(ctx, s, what, func(v T) error { out = append(out, v); return nil }, query, args...)
	return out, err
}

func marshal(v any) (string, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return "", fmt.Errorf("encode: %w", err)
	}
	return string(b), nil
}

func (s *Store) count(ctx context.Context, table, t string) (int, error) {
	var n int
	err := s.r.QueryRowContext(ctx, s.q("SELECT COUNT(*) FROM "+table+" WHERE tenant = ?"), tenant(t)).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("count %s: %w", table, err)
	}
	return n, nil
}
