package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/accordhq/accord/internal/store"
)

// CreateToken stores a new API token and records who created it.
func (s *Store) CreateToken(ctx context.Context, t store.Token, actor string) error {
	return s.writeAudited(ctx, "create token", func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO tokens (id, name, role, hash, created_at) VALUES (?, ?, ?, ?, ?)`,
			t.ID, t.Name, t.Role, t.Hash, micros(t.CreatedAt)); err != nil {
			return fmt.Errorf("create token: %w", err)
		}
		return appendAudit(ctx, tx, store.TokenCreatedEntry(t, actor))
	})
}

// RevokeToken marks a token revoked, so its hash no longer authenticates,
// and records who revoked it.
func (s *Store) RevokeToken(ctx context.Context, id string, at time.Time, actor string) error {
	return s.writeAudited(ctx, "revoke token", func(tx *sql.Tx) error {
		t := store.Token{ID: id}
		err := tx.QueryRowContext(ctx, `UPDATE tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL RETURNING name, role`,
			micros(at), id).Scan(&t.Name, &t.Role)
		if errors.Is(err, sql.ErrNoRows) {
			return store.ErrNotFound
		}
		if err != nil {
			return fmt.Errorf("revoke token %s: %w", id, err)
		}
		return appendAudit(ctx, tx, store.TokenRevokedEntry(t, actor, at))
	})
}
