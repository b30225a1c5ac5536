package store

import (
	"context"
	"errors"

	"github.com/redflag-dev/redflag/internal/model"
)

// ErrConflict is returned by CommitBatch when the checkpoint it was told to
// replace has changed: another writer owns the stream partition now.
var ErrConflict = errors.New("checkpoint conflict")

// Checkpoint is a compare-and-set write of one Meta key. CommitBatch writes
// Next only if the stored value still equals Prev (nil Prev: the key must not
// exist yet).
type Checkpoint struct {
	Tenant string
	Key    string
	Prev   []byte
	Next   []byte
}

// Batch is what a stream worker lands at once: records from several tenants
// (each record names its own), the findings its detectors emitted (upserted
// by ID) and the checkpoint that says how far it has come.
type Batch struct {
	Subjects    []model.Subject
	Identifiers []model.Identifier
	Events      []model.Event
	Findings    []model.Finding
	Checkpoint  *Checkpoint
	// Checkpoints are further compare-and-set writes (a worker committing
	// several partitions at once); all must match or nothing is written.
	Checkpoints []Checkpoint
}

// Batcher is implemented by stores that land a Batch in one transaction, so
// that a worker's checkpoint and the data it covers can never disagree.
type Batcher interface {
	// CommitBatch writes the batch atomically and returns how many events were
	// new. With a Checkpoint whose Prev no longer matches, nothing is written
	// and the error wraps ErrConflict.
	CommitBatch(ctx context.Context, b Batch) (int, error)
	// ExistingEvents reports which of the event IDs are already stored for
	// the tenant.
	ExistingEvents(ctx context.Context, tenant string, ids []string) (map[string]bool, error)
}

// TenantLister is implemented by stores that can list the tenants that hold
// any subject or event.
type TenantLister interface {
	Tenants(ctx context.Context) ([]string, error)
}
