package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/accordhq/accord/internal/store"
)

// RevokeToken marks a token revoked; its hash no longer authenticates.
func (s *Store) RevokeToken(ctx context.Context, id string, at time.Time) error {
	tag, err := s.pool.Exec(ctx, `UPDATE tokens SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL`, at, id)
	if err != nil {
		return fmt.Errorf("revoke token %s: %w", id, err)
	}
	if tag.RowsAffected() == 0 {
		return store.ErrNotFound
	}
	return nil
}
