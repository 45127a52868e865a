// Package postgres is Accord's store for larger installs: PostgreSQL through
// a pgx connection pool, safe for several accord processes on one database.
package postgres

import (
	"context"
	"embed"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/accordhq/accord/internal/store"
)

//go:embed migrations/*.sql
var migrationFS embed.FS

// lockSQL takes the writer lock for the rest of the transaction. Writers,
// migrations and projection resets all take it, so across every accord
// process on the database one writes at a time: event seq numbers
// (MaxSeq()+1 at write time) are unique and become visible in order, and a
// reader paging the log by seq never skips an event that commits later with
// a smaller number. The first key is Accord's constant (0x41434344, "ACCD");
// the second hashes the schema, so installs (and test runs) in different
// schemas of one database do not wait for each other.
const lockSQL = `SELECT pg_advisory_xact_lock(1094927172, hashtext(coalesce(current_schema(), '')))`

// beginWrite begins a transaction and takes the writer lock in one round trip.
const beginWrite = `BEGIN; ` + lockSQL

// Store implements store.Store on PostgreSQL.
type Store struct {
	pool  *pgxpool.Pool
	ms    []store.Migration
	leads *leadCache
}

var _ store.Store = (*Store)(nil)

// Open connects to the database at url (postgres://…). Settings such as
// search_path can be given as URL parameters.
func Open(ctx context.Context, url string) (*Store, error) {
	ms, err := store.LoadMigrations(migrationFS, "migrations")
	if err != nil {
		return nil, err
	}
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("parse PostgreSQL URL: %w", err)
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("connect to PostgreSQL: %w", err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("connect to PostgreSQL at %s:%d/%s: %w",
			cfg.ConnConfig.Host, cfg.ConnConfig.Port, cfg.ConnConfig.Database, err)
	}
	return &Store{pool: pool, ms: ms, leads: newLeadCache()}, nil
}

// Backend names the database kind.
func (s *Store) Backend() string { return "postgres" }

// Close closes the connection pool.
func (s *Store) Close() error {
	s.pool.Close()
	return nil
}

// Migrate applies pending migrations, each in its own transaction under the
// writer lock, so an `accord migrate` racing a starting server (or another
// migrate) applies each migration exactly once.
func (s *Store) Migrate(ctx context.Context) (int, error) {
	n := 0
	for {
		applied, err := s.migrateOne(ctx)
		if err != nil || !applied {
			return n, err
		}
		n++
	}
}

// migrateOne applies the next pending migration, if any.
func (s *Store) migrateOne(ctx context.Context) (bool, error) {
	tx, err := s.pool.BeginTx(ctx, pgx.TxOptions{BeginQuery: beginWrite})
	if err != nil {
		return false, fmt.Errorf("migrate: begin: %w", err)
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	if _, err := tx.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`); err != nil {
		return false, fmt.Errorf("create schema_migrations: %w", err)
	}
	var cur int
	if err := tx.QueryRow(ctx, `SELECT coalesce(max(version), 0) FROM schema_migrations`).Scan(&cur); err != nil {
		return false, fmt.Errorf("read schema version: %w", err)
	}
	if cur >= len(s.ms) {
		return false, nil
	}
	m := s.ms[cur]
	// Exec without arguments uses the simple protocol, which runs a file of
	// several statements as written.
	if _, err := tx.Exec(ctx, m.SQL); err != nil {
		return false, fmt.Errorf("migration %d_%s: %w", m.Version, m.Name, err)
	}
	if _, err := tx.Exec(ctx, `INSERT INTO schema_migrations (version, name) VALUES ($1, $2)`, m.Version, m.Name); err != nil {
		return false, fmt.Errorf("record migration %d: %w", m.Version, err)
	}
	if err := tx.Commit(ctx); err != nil {
		return false, fmt.Errorf("migration %d_%s: commit: %w", m.Version, m.Name, err)
	}
	return true, nil
}

// SchemaVersion reports the applied and latest schema versions.
func (s *Store) SchemaVersion(ctx context.Context) (int, int, error) {
	var exists bool
	if err := s.pool.QueryRow(ctx, `SELECT to_regclass('schema_migrations') IS NOT NULL`).Scan(&exists); err != nil {
		return 0, len(s.ms), fmt.Errorf("read schema version: %w", err)
	}
	if !exists {
		return 0, len(s.ms), nil
	}
	var v int
	if err := s.pool.QueryRow(ctx, `SELECT coalesce(max(version), 0) FROM schema_migrations`).Scan(&v); err != nil {
		return 0, len(s.ms), fmt.Errorf("read schema version: %w", err)
	}
	return v, len(s.ms), nil
}

// Write runs fn in one transaction holding the writer lock.
func (s *Store) Write(ctx context.Context, fn func(store.Tx) error) error {
	tx, err := s.pool.BeginTx(ctx, pgx.TxOptions{BeginQuery: beginWrite})
	if err != nil {
		return fmt.Errorf("begin write: %w", err)
	}
	t := &pgTx{tx: tx, cache: s.leads}
	// Rolling back after a commit is a no-op; after a cancelled context it
	// must still reach the server, or the connection is thrown away. A
	// pipelined write may still be on the wire when fn fails or panics.
	defer func() {
		t.quiesce()
		tx.Rollback(context.WithoutCancel(ctx))
	}()
	if err := fn(t); err != nil {
		return err
	}
	if err := t.sync(ctx); err != nil {
		return err
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	s.leads.put(t.saved)
	return nil
}
