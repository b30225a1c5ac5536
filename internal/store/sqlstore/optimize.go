package sqlstore

import (
	"context"
	"fmt"
)

// Optimize refreshes the query planner's statistics (ANALYZE). Without them
// SQLite picks events_time over events_subject for one subject's events and
// reads every event of the tenant; the web server calls this at start-up and
// after large loads.
func (s *Store) Optimize(ctx context.Context) error {
	if _, err := s.w.ExecContext(ctx, "ANALYZE"); err != nil {
		return fmt.Errorf("analyze: %w", err)
	}
	return nil
}
