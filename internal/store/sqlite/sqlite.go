// Package sqlite is Accord's embedded store: one SQLite file in WAL mode,
// one writer connection and a pool of readers.
package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"time"

	_ "github.com/mattn/go-sqlite3" // registers the "sqlite3" driver

	"github.com/accordhq/accord/internal/store"
)

//go:embed migrations/*.sql
var migrationFS embed.FS

// Store implements store.Store on SQLite.
type Store struct {
	path   string
	writer *sql.DB
	reader *sql.DB
	ms     []store.Migration
	leads  *leadCache
}

var _ store.Store = (*Store)(nil)

// Open opens (creating if needed) the database file at path.
func Open(ctx context.Context, path string) (*Store, error) {
	if dir := filepath.Dir(path); dir != "" {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, fmt.Errorf("create data directory: %w", err)
		}
	}
	ms, err := store.LoadMigrations(migrationFS, "migrations")
	if err != nil {
		return nil, err
	}
	// WAL lets readers run beside the single writer; synchronous=NORMAL in
	// WAL mode survives a process crash (only a power cut can lose the
	// last commits); busy_timeout covers a second process briefly.
	q := url.Values{}
	q.Set("_journal_mode", "WAL")
	q.Set("_synchronous", "NORMAL")
	q.Set("_busy_timeout", "10000")
	q.Set("_foreign_keys", "on")
	q.Set("_cache_size", "-65536")
	// Keep prepared statements per connection: the multi-row statements
	// come in a few fixed shapes (see eachChunk), and parsing one with
	// thousands of placeholders costs more than running it.
	q.Set("_stmt_cache_size", "256")
	dsn := "file:" + path + "?" + q.Encode()
	writer, err := sql.Open("sqlite3", dsn+"&_txlock=immediate")
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	writer.SetMaxOpenConns(1)
	writer.SetMaxIdleConns(1)
	writer.SetConnMaxLifetime(0)
	if err := writer.PingContext(ctx); err != nil {
		writer.Close()
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	// Checkpoint the WAL every ~120 MB (30,000 pages) rather than every
	// 4 MB: a page that every batch dirties (the end of an index, the rows
	// of leads being worked) is then copied into the database once per
	// checkpoint instead of thirty times, which is worth ~10% of ingest
	// throughput for that much disk. The setting is per connection, and
	// the writer keeps its one connection.
	if _, err := writer.ExecContext(ctx, `PRAGMA wal_autocheckpoint = 30000`); err != nil {
		writer.Close()
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	reader, err := sql.Open("sqlite3", dsn+"&_query_only=1")
	if err != nil {
		writer.Close()
		return nil, fmt.Errorf("open %s for reading: %w", path, err)
	}
	reader.SetMaxOpenConns(max(4, runtime.NumCPU()))
	reader.SetMaxIdleConns(max(4, runtime.NumCPU()))
	return &Store{path: path, writer: writer, reader: reader, ms: ms, leads: newLeadCache(leadCacheSize)}, nil
}

// Backend names the database kind.
func (s *Store) Backend() string { return "sqlite" }

// Close closes both connection pools.
func (s *Store) Close() error {
	return errors.Join(s.reader.Close(), s.writer.Close())
}

// Migrate applies pending migrations, each in its own transaction.
func (s *Store) Migrate(ctx context.Context) (int, error) {
	if _, err := s.writer.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)`); err != nil {
		return 0, fmt.Errorf("create schema_migrations: %w", err)
	}
	cur, _, err := s.SchemaVersion(ctx)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, m := range s.ms[cur:] {
		tx, err := s.writer.BeginTx(ctx, nil)
		if err != nil {
			return n, err
		}
		if _, err := tx.ExecContext(ctx, m.SQL); err != nil {
			tx.Rollback()
			return n, fmt.Errorf("migration %d_%s: %w", m.Version, m.Name, err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)`,
			m.Version, m.Name, time.Now().UnixMicro()); err != nil {
			tx.Rollback()
			return n, fmt.Errorf("record migration %d: %w", m.Version, err)
		}
		if err := tx.Commit(); err != nil {
			return n, fmt.Errorf("migration %d_%s: %w", m.Version, m.Name, err)
		}
		n++
	}
	return n, nil
}

// SchemaVersion reports the applied and latest schema versions.
func (s *Store) SchemaVersion(ctx context.Context) (int, int, error) {
	var exists int
	if err := s.writer.QueryRowContext(ctx,
		`SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'`).Scan(&exists); err != nil {
		return 0, len(s.ms), fmt.Errorf("read schema version: %w", err)
	}
	if exists == 0 {
		return 0, len(s.ms), nil
	}
	var v sql.NullInt64
	if err := s.writer.QueryRowContext(ctx, `SELECT max(version) FROM schema_migrations`).Scan(&v); err != nil {
		return 0, len(s.ms), fmt.Errorf("read schema version: %w", err)
	}
	return int(v.Int64), len(s.ms), nil
}

// Write runs fn in an IMMEDIATE transaction on the single writer connection.
func (s *Store) Write(ctx context.Context, fn func(store.Tx) error) error {
	tx, err := s.writer.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	t := &sqliteTx{tx: tx, leads: s.leads, loaded: map[string]leadColumns{}}
	if err := fn(t); err != nil {
		tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	// Only committed states may be trusted by the next transaction.
	s.leads.put(t.saved)
	return nil
}

func micros(t time.Time) int64 { return t.UnixMicro() }

func fromMicros(v int64) time.Time { return time.UnixMicro(v).UTC() }
