package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/mattn/go-sqlite3"

	"github.com/accordhq/accord/internal/store"
)

const userColumns = `id, email, name, role, password_hash, created_at, disabled_at`

type scanner interface{ Scan(...any) error }

func scanUser(row scanner) (store.User, error) {
	var u store.User
	var created int64
	var disabled sql.NullInt64
	if err := row.Scan(&u.ID, &u.Email, &u.Name, &u.Role, &u.PasswordHash, &created, &disabled); err != nil {
		return u, err
	}
	u.CreatedAt = fromMicros(created)
	if disabled.Valid {
		t := fromMicros(disabled.Int64)
		u.DisabledAt = &t
	}
	return u, nil
}

func nullMicros(t *time.Time) any {
	if t == nil {
		return nil
	}
	return micros(*t)
}

// CreateUser stores a new user and records who created it.
func (s *Store) CreateUser(ctx context.Context, u store.User, actor string) error {
	u.Email = store.NormalizeEmail(u.Email)
	u.CreatedAt = fromMicros(micros(u.CreatedAt))
	return s.writeAudited(ctx, "create user", func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO users (`+userColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?)`,
			u.ID, u.Email, u.Name, u.Role, u.PasswordHash, micros(u.CreatedAt), nullMicros(u.DisabledAt))
		// email is the table's only UNIQUE constraint (a clash of ids
		// would be a PRIMARY KEY one).
		var se sqlite3.Error
		if errors.As(err, &se) && se.ExtendedCode == sqlite3.ErrConstraintUnique {
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
	return s.writeAudited(ctx, "update user", func(tx *sql.Tx) error {
		was, err := scanUser(tx.QueryRowContext(ctx, `SELECT `+userColumns+` FROM users WHERE id = ?`, u.ID))
		if errors.Is(err, sql.ErrNoRows) {
			return store.ErrNotFound
		}
		if err != nil {
			return fmt.Errorf("update user %s: %w", u.ID, err)
		}
		u.Email = was.Email
		if _, err := tx.ExecContext(ctx, `UPDATE users SET name = ?, role = ?, password_hash = ?, disabled_at = ? WHERE id = ?`,
			u.Name, u.Role, u.PasswordHash, nullMicros(u.DisabledAt), u.ID); err != nil {
			return fmt.Errorf("update user %s: %w", u.ID, err)
		}
		if store.EndsSessions(was, u) {
			if _, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE user_id = ?`, u.ID); err != nil {
				return fmt.Errorf("end the sessions of user %s: %w", u.ID, err)
			}
		}
		return appendAudit(ctx, tx, store.UserUpdatedEntry(was, u, actor, time.Now()))
	})
}

func (s *Store) userWhere(ctx context.Context, cond string, arg any) (store.User, error) {
	u, err := scanUser(s.reader.QueryRowContext(ctx, `SELECT `+userColumns+` FROM users WHERE `+cond, arg))
	if errors.Is(err, sql.ErrNoRows) {
		return u, store.ErrNotFound
	}
	if err != nil {
		return u, fmt.Errorf("look up user: %w", err)
	}
	return u, nil
}

// UserByEmail finds a user by normalised email.
func (s *Store) UserByEmail(ctx context.Context, email string) (store.User, error) {
	return s.userWhere(ctx, `email = ?`, store.NormalizeEmail(email))
}

// UserByID finds a user by id.
func (s *Store) UserByID(ctx context.Context, id string) (store.User, error) {
	return s.userWhere(ctx, `id = ?`, id)
}

// Users lists every user by email.
func (s *Store) Users(ctx context.Context) ([]store.User, error) {
	rows, err := s.reader.QueryContext(ctx, `SELECT `+userColumns+` FROM users ORDER BY email`)
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
	if err := s.reader.QueryRowContext(ctx, `SELECT count(*) FROM users`).Scan(&n); err != nil {
		return 0, fmt.Errorf("count users: %w", err)
	}
	return n, nil
}

// CreateSession stores a signed-in browser's session.
func (s *Store) CreateSession(ctx context.Context, ss store.Session) error {
	_, err := s.writer.ExecContext(ctx, `INSERT INTO sessions (hash, user_id, csrf, created_at, expires_at, last_seen_at)
		VALUES (?, ?, ?, ?, ?, ?)`, ss.Hash, ss.UserID, ss.CSRF, micros(ss.CreatedAt), micros(ss.ExpiresAt), micros(ss.LastSeenAt))
	if err != nil {
		return fmt.Errorf("create session: %w", err)
	}
	return nil
}

// SessionByHash returns a live session and its enabled user.
func (s *Store) SessionByHash(ctx context.Context, hash string, now time.Time) (store.Session, store.User, error) {
	ss := store.Session{Hash: hash}
	var created, expires, seen int64
	var u store.User
	var ucreated int64
	err := s.reader.QueryRowContext(ctx, `SELECT s.user_id, s.csrf, s.created_at, s.expires_at, s.last_seen_at,
			u.id, u.email, u.name, u.role, u.password_hash, u.created_at
		FROM sessions s JOIN users u ON u.id = s.user_id
		WHERE s.hash = ? AND s.expires_at > ? AND u.disabled_at IS NULL`, hash, micros(now)).
		Scan(&ss.UserID, &ss.CSRF, &created, &expires, &seen, &u.ID, &u.Email, &u.Name, &u.Role, &u.PasswordHash, &ucreated)
	if errors.Is(err, sql.ErrNoRows) {
		return ss, u, store.ErrNotFound
	}
	if err != nil {
		return ss, u, fmt.Errorf("look up session: %w", err)
	}
	ss.CreatedAt, ss.ExpiresAt, ss.LastSeenAt = fromMicros(created), fromMicros(expires), fromMicros(seen)
	u.CreatedAt = fromMicros(ucreated)
	return ss, u, nil
}

// TouchSession slides a session's expiry.
func (s *Store) TouchSession(ctx context.Context, hash string, lastSeen, expires time.Time) error {
	if _, err := s.writer.ExecContext(ctx, `UPDATE sessions SET last_seen_at = ?, expires_at = ? WHERE hash = ?`,
		micros(lastSeen), micros(expires), hash); err != nil {
		return fmt.Errorf("touch session: %w", err)
	}
	return nil
}

// DeleteSession signs a browser out.
func (s *Store) DeleteSession(ctx context.Context, hash string) error {
	if _, err := s.writer.ExecContext(ctx, `DELETE FROM sessions WHERE hash = ?`, hash); err != nil {
		return fmt.Errorf("delete session: %w", err)
	}
	return nil
}

// DeleteExpiredSessions removes sessions expired by now.
func (s *Store) DeleteExpiredSessions(ctx context.Context, now time.Time) (int, error) {
	res, err := s.writer.ExecContext(ctx, `DELETE FROM sessions WHERE expires_at <= ?`, micros(now))
	if err != nil {
		return 0, fmt.Errorf("delete expired sessions: %w", err)
	}
	n, err := res.RowsAffected()
	return int(n), err
}
