// Package store defines the storage interface that every backend implements,
// and the query types it takes. The SQL implementation for SQLite (the
// embedded default) and PostgreSQL lives in internal/store/sqlstore.
package store

import (
	"context"
	"errors"
	"time"

	"github.com/redflag-dev/redflag/internal/model"
)

// ErrNotFound is returned when a looked-up record does not exist.
var ErrNotFound = errors.New("not found")

// EventQuery selects events. Zero fields do not filter.
type EventQuery struct {
	Kind      model.EventKind
	SubjectID string
	Since     time.Time
	Until     time.Time
	Limit     int
}

// CaseFilter selects cases. Zero fields do not filter.
type CaseFilter struct {
	State     model.CaseState
	OpenOnly  bool
	Assignee  string
	SubjectID string
	Limit     int
}

// Store is the storage interface. Every method takes a tenant, explicitly or
// inside the record; records without a tenant belong to model.DefaultTenant.
// Writes of many records happen in one transaction: all land or none do.
type Store interface {
	Close() error
	// Backend names the backend ("sqlite", "postgres").
	Backend() string

	UpsertSubjects(ctx context.Context, subjects []model.Subject) error
	GetSubject(ctx context.Context, tenant, id string) (model.Subject, error)
	EachSubject(ctx context.Context, tenant string, fn func(model.Subject) error) error
	CountSubjects(ctx context.Context, tenant string) (int, error)

	// PutIdentifiers upserts identifiers; first_seen keeps the earliest and
	// last_seen the latest time ever written.
	PutIdentifiers(ctx context.Context, ids []model.Identifier) error
	SubjectsByIdentifier(ctx context.Context, tenant string, kind model.IdentifierKind, value string) ([]string, error)
	IdentifiersOf(ctx context.Context, tenant, subjectID string) ([]model.Identifier, error)
	EachIdentifier(ctx context.Context, tenant string, fn func(model.Identifier) error) error

	// PutEvents inserts events, skipping any whose ID is already stored, and
	// returns how many were new.
	PutEvents(ctx context.Context, events []model.Event) (int, error)
	GetEvent(ctx context.Context, tenant, id string) (model.Event, error)
	// EachEvent visits events in (time, id) order.
	EachEvent(ctx context.Context, tenant string, q EventQuery, fn func(model.Event) error) error
	CountEvents(ctx context.Context, tenant string) (int, error)

	// ReplaceFindings deletes the findings of the named detectors and stores
	// the given ones, in one transaction. With no detectors named it upserts.
	ReplaceFindings(ctx context.Context, tenant string, detectors []string, findings []model.Finding) error
	FindingsOf(ctx context.Context, tenant, subjectID string) ([]model.Finding, error)
	EachFinding(ctx context.Context, tenant string, fn func(model.Finding) error) error
	GetFinding(ctx context.Context, tenant, id string) (model.Finding, error)

	PutRisks(ctx context.Context, risks []model.Risk) error
	GetRisk(ctx context.Context, tenant, subjectID string) (model.Risk, error)
	// ListRisks returns risks by score, highest first; limit 0 means all.
	ListRisks(ctx context.Context, tenant string, limit int) ([]model.Risk, error)

	PutCase(ctx context.Context, c model.Case) error
	GetCase(ctx context.Context, tenant, id string) (model.Case, error)
	ListCases(ctx context.Context, tenant string, f CaseFilter) ([]model.Case, error)
	AddCaseNote(ctx context.Context, tenant string, n model.CaseNote) error
	CaseNotes(ctx context.Context, tenant, caseID string) ([]model.CaseNote, error)

	// AppendAudit appends to the audit log and returns the entry's sequence
	// number. The log has no update or delete.
	AppendAudit(ctx context.Context, e model.AuditEntry) (int64, error)
	// Audit lists entries for an object ("" for all), newest first.
	Audit(ctx context.Context, tenant, object string, limit int) ([]model.AuditEntry, error)

	// Meta is a small key-value space for cursors, list versions, detector
	// checkpoints, users and settings.
	GetMeta(ctx context.Context, tenant, key string) ([]byte, bool, error)
	PutMeta(ctx context.Context, tenant, key string, value []byte) error
	ListMeta(ctx context.Context, tenant, prefix string) (map[string][]byte, error)
}

// TenantOr returns t, or the default tenant when t is empty.
func TenantOr(t string) string {
	if t == "" {
		return model.DefaultTenant
	}
	return t
}
