// Package sqlite is Accord's embedded store: one SQLite file in WAL mode,
// one writer connection and a pool of readers.
package sqlite

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"embed"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"sync"
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
	cache  *writeCache
	ckpt   *checkpointer
	// wmu is held by every transaction on the writer that may change
	// leads or aliases (Write, ResetProjections, Migrate), and guards
	// cache, which is updated in step with them.
	wmu sync.Mutex
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
	// The WAL is copied into the database by a checkpointer in the
	// background (see checkpointer). The writer still checkpoints itself
	// once the WAL reaches ~120 MB (30,000 pages), which copies only what
	// the checkpointer has not, and lets the WAL start again from its
	// beginning: a checkpoint that runs beside a busy writer never
	// finishes with nothing left to copy, and only then may the WAL be
	// reused. The setting is per connection; the writer keeps its one.
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
	ckpt, err := newCheckpointer(dsn, checkpointEvery)
	if err != nil {
		writer.Close()
		reader.Close()
		return nil, fmt.Errorf("open %s for checkpoints: %w", path, err)
	}
	return &Store{path: path, writer: writer, reader: reader, ms: ms, cache: newWriteCache(), ckpt: ckpt}, nil
}

// Backend names the database kind.
func (s *Store) Backend() string { return "sqlite" }

// Close closes both connection pools.
func (s *Store) Close() error {
	ckErr := s.ckpt.stop()
	return errors.Join(s.reader.Close(), s.writer.Close(), ckErr)
}

// Migrate applies pending migrations, each in its own transaction.
func (s *Store) Migrate(ctx context.Context) (int, error) {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	// A migration may rewrite lead rows.
	s.cache.clear()
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
	// The writer connection serialises transactions anyway; holding wmu
	// as well makes "commit, then update the cache" one step, so the next
	// transaction never sees the database and the cache disagree.
	s.wmu.Lock()
	defer s.wmu.Unlock()
	conn, err := s.writer.Conn(ctx)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer conn.Close()
	var id any
	if err := conn.Raw(func(dc any) error { id = dc; return nil }); err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	// The transaction is run with BEGIN and COMMIT on the connection, not
	// through database/sql's Tx: a Tx has a cancellable context of its
	// own, so database/sql starts a goroutine to watch it for every query
	// in it (~1 µs each, and a transaction here makes thousands of small
	// queries). Outside a Tx, a query with a context that cannot be
	// cancelled (ingest writes with one) starts none. wmu keeps anyone
	// else off the connection meanwhile.
	if _, err := conn.ExecContext(ctx, `BEGIN IMMEDIATE`); err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	committed := false
	defer func() {
		if !committed {
			s.rollback(conn)
		}
	}()
	// data_version changes when another connection (another process, a
	// second Store on the same file) commits. Read after BEGIN IMMEDIATE,
	// nobody else can commit until this transaction ends.
	var version int64
	if err := conn.QueryRowContext(ctx, `PRAGMA data_version`).Scan(&version); err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	s.cache.validate(id, version)
	t := &sqliteTx{tx: conn, cache: s.cache, loaded: map[string]leadIndexed{}}
	if err := fn(t); err != nil {
		return err
	}
	// COMMIT must run even if ctx has just been cancelled.
	if _, err := conn.ExecContext(context.WithoutCancel(ctx), `COMMIT`); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	committed = true
	// Only what is committed may be trusted by the next transaction.
	for _, l := range t.saved {
		s.cache.leads.put(l.LeadID, l)
	}
	for ref, key := range t.aliases {
		s.cache.aliases.put(ref, key)
	}
	s.ckpt.committed()
	return nil
}

// rollback ends a failed write transaction. If even that fails, the
// connection is given up (database/sql opens a fresh one), rather than
// left inside a transaction that the next BEGIN would trip over.
func (s *Store) rollback(conn *sql.Conn) {
	if _, err := conn.ExecContext(context.Background(), `ROLLBACK`); err != nil {
		conn.Raw(func(any) error { return driver.ErrBadConn })
	}
}

func micros(t time.Time) int64 { return t.UnixMicro() }

func fromMicros(v int64) time.Time { return time.UnixMicro(v).UTC() }
