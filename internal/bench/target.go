package bench

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"github.com/jackc/pgx/v5"
)

// Backend returns the kind of database a URL names, as dial.Open reads it.
func Backend(dbURL string) (string, error) {
	switch {
	case strings.HasPrefix(dbURL, "postgres://"), strings.HasPrefix(dbURL, "postgresql://"):
		return "postgres", nil
	case strings.HasPrefix(dbURL, "sqlite:"), !strings.Contains(dbURL, "://"):
		return "sqlite", nil
	}
	return "", fmt.Errorf("database URL %q: unknown scheme (use sqlite: or postgres://…)", dbURL)
}

// scratch is a set of fresh, empty databases of one kind that the bench
// creates and removes, so it never writes into a database someone uses.
type scratch struct {
	backend string
	base    string // the URL given
	dir     string // SQLite: the temp directory holding the files
	schemas []string
	n       int
	// keep leaves the databases in place at close (to look at them after).
	keep bool
}

func newScratch(dbURL string) (*scratch, error) {
	b, err := Backend(dbURL)
	if err != nil {
		return nil, err
	}
	s := &scratch{backend: b, base: dbURL}
	if b == "sqlite" {
		// A path in the URL says which disk to measure; the files go in a
		// new directory next to it, never into the file itself.
		parent := ""
		if p := strings.TrimPrefix(strings.TrimPrefix(dbURL, "sqlite://"), "sqlite:"); p != "" {
			parent = filepath.Dir(p)
		}
		if s.dir, err = os.MkdirTemp(parent, "accord-bench-"); err != nil {
			return nil, fmt.Errorf("create temp directory: %w", err)
		}
	}
	return s, nil
}

// fresh returns the URL of a new empty database (a file, or a schema).
func (s *scratch) fresh(ctx context.Context) (string, error) {
	s.n++
	if s.backend == "sqlite" {
		return "sqlite:" + filepath.Join(s.dir, fmt.Sprintf("bench-%d.db", s.n)), nil
	}
	b := make([]byte, 4)
	rand.Read(b)
	schema := fmt.Sprintf("accord_bench_%s_%d", hex.EncodeToString(b), s.n)
	if err := pgExec(ctx, s.base, "CREATE SCHEMA "+schema); err != nil {
		return "", fmt.Errorf("create schema %s: %w", schema, err)
	}
	s.schemas = append(s.schemas, schema)
	return withSearchPath(s.base, schema)
}

// close removes every database fresh made.
func (s *scratch) close(ctx context.Context) error {
	if s.keep {
		return nil
	}
	if s.backend == "sqlite" {
		return os.RemoveAll(s.dir)
	}
	var first error
	for _, schema := range s.schemas {
		if err := pgExec(ctx, s.base, "DROP SCHEMA IF EXISTS "+schema+" CASCADE"); err != nil && first == nil {
			first = fmt.Errorf("drop schema %s: %w", schema, err)
		}
	}
	return first
}

// withSearchPath points a PostgreSQL URL at schema; pgx passes unknown URL
// parameters to the server as session settings.
func withSearchPath(dbURL, schema string) (string, error) {
	u, err := url.Parse(dbURL)
	if err != nil {
		return "", fmt.Errorf("parse PostgreSQL URL: %w", err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String(), nil
}

func pgExec(ctx context.Context, dbURL, sql string) error {
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	_, err = conn.Exec(ctx, sql)
	return err
}
