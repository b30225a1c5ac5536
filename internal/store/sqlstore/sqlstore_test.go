package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/redflag-dev/redflag/internal/store"
	"github.com/redflag-dev/redflag/internal/store/storetest"
)

func TestSQLite(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store {
		s, err := OpenSQLite(context.Background(), filepath.Join(t.TempDir(), "redflag.db"))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	})
}

// TestPostgres runs the same suite against PostgreSQL, in a fresh schema per
// subtest. REDFLAG_TEST_POSTGRES holds the connection string (.ci/run sets it).
func TestPostgres(t *testing.T) {
	dsn := os.Getenv("REDFLAG_TEST_POSTGRES")
	if dsn == "" {
		t.Skip("REDFLAG_TEST_POSTGRES is not set; skipping the PostgreSQL store suite")
	}
	storetest.Run(t, func(t *testing.T) store.Store {
		ctx := context.Background()
		schema := fmt.Sprintf("rftest_%d", time.Now().UnixNano())
		admin, err := sql.Open("pgx", dsn)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := admin.ExecContext(ctx, "CREATE SCHEMA "+schema); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			admin.ExecContext(context.Background(), "DROP SCHEMA "+schema+" CASCADE")
			admin.Close()
		})
		sep := "?"
		if strings.Contains(dsn, "?") {
			sep = "&"
		}
		s, err := OpenPostgres(ctx, dsn+sep+"search_path="+schema)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	})
}

func TestAuditAppendOnly(t *testing.T) {
	s, err := OpenSQLite(context.Background(), filepath.Join(t.TempDir(), "a.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.DB().Exec(`INSERT INTO audit (tenant, at, actor, action, object, before, after) VALUES ('default', 1, 'x', 'y', 'z', '', '')`); err != nil {
		t.Fatal(err)
	}
	if _, err := s.DB().Exec(`UPDATE audit SET actor = 'evil'`); err == nil {
		t.Fatal("audit update was allowed")
	}
	if _, err := s.DB().Exec(`DELETE FROM audit`); err == nil {
		t.Fatal("audit delete was allowed")
	}
}
