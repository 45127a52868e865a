package api_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/accordhq/accord/internal/store"
	"github.com/accordhq/accord/internal/store/postgres"
)

const postgresURLEnv = "ACCORD_TEST_POSTGRES_URL"

// openPostgres gives a test a migrated store in a schema of its own in the
// database ACCORD_TEST_POSTGRES_URL names, and drops the schema afterwards,
// so tests run in parallel without seeing each other.
func openPostgres(t *testing.T) store.Store {
	t.Helper()
	ctx := context.Background()
	base := os.Getenv(postgresURLEnv)
	b := make([]byte, 6)
	rand.Read(b)
	schema := pgx.Identifier{"accord_api_test_" + hex.EncodeToString(b)}.Sanitize()
	exec := func(sql string) error {
		conn, err := pgx.Connect(ctx, base)
		if err != nil {
			return err
		}
		defer conn.Close(ctx)
		_, err = conn.Exec(ctx, sql)
		return err
	}
	if err := exec("CREATE SCHEMA " + schema); err != nil {
		t.Fatalf("%s: create test schema: %v", postgresURLEnv, err)
	}
	t.Cleanup(func() {
		if err := exec("DROP SCHEMA " + schema + " CASCADE"); err != nil {
			t.Errorf("drop test schema %s: %v", schema, err)
		}
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("%s: %v", postgresURLEnv, err)
	}
	q := u.Query()
	q.Set("search_path", "accord_api_test_"+hex.EncodeToString(b)) // pgx sends unknown URL parameters as settings
	u.RawQuery = q.Encode()
	st, err := postgres.Open(ctx, u.String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if _, err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	return st
}
