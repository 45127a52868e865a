package sqlite

import (
	"context"
	"fmt"
	"time"

	"github.com/accordhq/accord/internal/store"
)

// RevokeToken marks a token revoked; its hash no longer authenticates.
func (s *Store) RevokeToken(ctx context.Context, id string, at time.Time) error {
	res, err := s.writer.ExecContext(ctx, `UPDATE tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL`, micros(at), id)
	if err != nil {
		return fmt.Errorf("revoke token %s: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return store.ErrNotFound
	}
	return nil
}
