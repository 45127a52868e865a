package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/accordhq/accord/internal/store"
)

const userColumns = `id, email, name, role, password_hash, created_at, disabled_at`

func scanUser(row pgx.Row) (store.User, error) {
	var u store.User
	if err := row.Scan(&u.ID, &u.Email, &u.Name, &u.Role, &u.PasswordHash, &u.CreatedAt, &u.DisabledAt); err != nil {
		return u, err
	}
	u.CreatedAt = u.CreatedAt.UTC()
	if u.DisabledAt != nil {
		t := u.DisabledAt.UTC()
		u.DisabledAt = &t
	}
	return u, nil
}

// CreateUser stores a new user and records who created it.
func (s *Store) CreateUser(ctx context.Context, u store.User, actor string) error {
	u.Email = store.NormalizeEmail(u.Email)
	u.CreatedAt = utcMicros(u.CreatedAt)
	return s.writeAudited(ctx, "create user", func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO users (`+userColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
			u.ID, u.Email, u.Name, u.Role, u.PasswordHash, u.CreatedAt, u.DisabledAt)
		var pe *pgconn.PgError
		if errors.As(err, &pe) && pe.Code == "23505" && pe.ConstraintName == "users_email_key" {
			return store.ErrEmailTaken
		}
		if err != nil {
			return fmt.Errorf("create user %s: %w", u.Email, err)
		}
		return appendAudit(ctx, tx, store.UserCreatedEntry(u, actor))
	})
}

// UpdateUser saves what may change of a user, ends its sessions when the
// password changes or the account is disabled, and records it.
func (s *Store) UpdateUser(ctx context.Context, u store.User, actor string) error {
	return s.writeAudited(ctx, "update user", func(tx pgx.Tx) error {
		was, err := scanUser(tx.QueryRow(ctx, `SELECT `+userColumns+` FROM users WHERE id = $1 FOR UPDATE`, u.ID))
		if errors.Is(err, pgx.ErrNoRows) {
			return store.ErrNotFound
		}
		if err != nil {
			return fmt.Errorf("update user %s: %w", u.ID, err)
		}
		u.Email = was.Email
		if _, err := tx.Exec(ctx, `UPDATE users SET name = $1, role = $2, password_hash = $3, disabled_at = $4 WHERE id = $5`,
			u.Name, u.Role, u.PasswordHash, u.DisabledAt, u.ID); err != nil {
			return fmt.Errorf("update user %s: %w", u.ID, err)
		}
		if store.EndsSessions(was, u) {
			if _, err := tx.Exec(ctx, `DELETE FROM sessions WHERE user_id = $1`, u.ID); err != nil {
				return fmt.Errorf("end the sessions of user %s: %w", u.ID, err)
			}
		}
		return appendAudit(ctx, tx, store.UserUpdatedEntry(was, u, actor, time.Now()))
	})
}

func (s *Store) userWhere(ctx context.Context, cond string, arg any) (store.User, error) {
	u, err := scanUser(s.pool.QueryRow(ctx, `SELECT `+userColumns+` FROM users WHERE `+cond, arg))
	if errors.Is(err, pgx.ErrNoRows) {
		return u, store.ErrNotFound
	}
	if err != nil {
		return u, fmt.Errorf("look up user: %w", err)
	}
	return u, nil
}

// UserByEmail finds a user by normalised email.
func (s *Store) UserByEmail(ctx context.Context, email string) (store.User, error) {
	return s.userWhere(ctx, `email = $1`, store.NormalizeEmail(email))
}

// UserByID finds a user by id.
func (s *Store) UserByID(ctx context.Context, id string) (store.User, error) {
	return s.userWhere(ctx, `id = $1`, id)
}

// Users lists every user by email.
func (s *Store) Users(ctx context.Context) ([]store.User, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+userColumns+` FROM users ORDER BY email`)
	if err != nil {
		return nil, fmt.Errorf("list users: %w", err)
	}
	defer rows.Close()
	var out []store.User
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, fmt.Errorf("list users: %w", err)
		}
		out = append(out, u)
	}
	return out, rows.Err()
}

// CountUsers says how many users there are.
func (s *Store) CountUsers(ctx context.Context) (int, error) {
	var n int
	if err := s.pool.QueryRow(ctx, `SELECT count(*) FROM users`).Scan(&n); err != nil {
		return 0, fmt.Errorf("count users: %w", err)
	}
	return n, nil
}

// CreateSession stores a signed-in browser's session.
func (s *Store) CreateSession(ctx context.Context, ss store.Session) error {
	_, err := s.pool.Exec(ctx, `INSERT INTO sessions (hash, user_id, csrf, created_at, expires_at, last_seen_at)
		VALUES ($1, $2, $3, $4, $5, $6)`, ss.Hash, ss.UserID, ss.CSRF, ss.CreatedAt, ss.ExpiresAt, ss.LastSeenAt)
	if err != nil {
		return fmt.Errorf("create session: %w", err)
	}
	return nil
}

// SessionByHash returns a live session and its enabled user.
func (s *Store) SessionByHash(ctx context.Context, hash string, now time.Time) (store.Session, store.User, error) {
	ss := store.Session{Hash: hash}
	var u store.User
	err := s.pool.QueryRow(ctx, `SELECT s.user_id, s.csrf, s.created_at, s.expires_at, s.last_seen_at,
			u.id, u.email, u.name, u.role, u.password_hash, u.created_at
		FROM sessions s JOIN users u ON u.id = s.user_id
		WHERE s.hash = $1 AND s.expires_at > $2 AND u.disabled_at IS NULL`, hash, now).
		Scan(&ss.UserID, &ss.CSRF, &ss.CreatedAt, &ss.ExpiresAt, &ss.LastSeenAt, &u.ID, &u.Email, &u.Name, &u.Role, &u.PasswordHash, &u.CreatedAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return ss, u, store.ErrNotFound
	}
	if err != nil {
		return ss, u, fmt.Errorf("look up session: %w", err)
	}
	ss.CreatedAt, ss.ExpiresAt, ss.LastSeenAt, u.CreatedAt = ss.CreatedAt.UTC(), ss.ExpiresAt.UTC(), ss.LastSeenAt.UTC(), u.CreatedAt.UTC()
	return ss, u, nil
}

// TouchSession slides a session's expiry.
func (s *Store) TouchSession(ctx context.Context, hash string, lastSeen, expires time.Time) error {
	if _, err := s.pool.Exec(ctx, `UPDATE sessions SET last_seen_at = $1, expires_at = $2 WHERE hash = $3`, lastSeen, expires, hash); err != nil {
		return fmt.Errorf("touch session: %w", err)
	}
	return nil
}

// DeleteSession signs a browser out.
func (s *Store) DeleteSession(ctx context.Context, hash string) error {
	if _, err := s.pool.Exec(ctx, `DELETE FROM sessions WHERE hash = $1`, hash); err != nil {
		return fmt.Errorf("delete session: %w", err)
	}
	return nil
}

// DeleteExpiredSessions removes sessions expired by now.
func (s *Store) DeleteExpiredSessions(ctx context.Context, now time.Time) (int, error) {
	tag, err := s.pool.Exec(ctx, `DELETE FROM sessions WHERE expires_at <= $1`, now)
	if err != nil {
		return 0, fmt.Errorf("delete expired sessions: %w", err)
	}
	return int(tag.RowsAffected()), nil
}
