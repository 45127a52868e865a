package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/accordhq/accord/internal/store"
)

// CreateToken stores a new API token and records who created it.
func (s *Store) CreateToken(ctx context.Context, t store.Token, actor string) error {
	return s.writeAudited(ctx, "create token", func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO tokens (id, name, role, hash, created_at) VALUES ($1, $2, $3, $4, $5)`,
			t.ID, t.Name, t.Role, t.Hash, t.CreatedAt); err != nil {
			return fmt.Errorf("create token: %w", err)
		}
		return appendAudit(ctx, tx, store.TokenCreatedEntry(t, actor))
	})
}

// RevokeToken marks a token revoked, so its hash no longer authenticates,
// and records who revoked it.
func (s *Store) RevokeToken(ctx context.Context, id string, at time.Time, actor string) error {
	return s.writeAudited(ctx, "revoke token", func(tx pgx.Tx) error {
		t := store.Token{ID: id}
		err := tx.QueryRow(ctx, `UPDATE tokens SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL RETURNING name, role`,
			at, id).Scan(&t.Name, &t.Role)
		if errors.Is(err, pgx.ErrNoRows) {
			return store.ErrNotFound
		}
		if err != nil {
			return fmt.Errorf("revoke token %s: %w", id, err)
		}
		return appendAudit(ctx, tx, store.TokenRevokedEntry(t, actor, at))
	})
}
