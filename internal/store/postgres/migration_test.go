package postgres_test

import (
	"context"
	"encoding/json"
	"os"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/accordhq/accord/internal/obligation"
	"github.com/accordhq/accord/internal/store"
	"github.com/accordhq/accord/internal/store/storetest"
)

// schemaBefore makes a schema with every migration before the one named,
// as a build of that time left it, and returns its URL and a connection.
func schemaBefore(t *testing.T, name string) (string, *pgx.Conn) {
	t.Helper()
	u := newTestDB(t).schema(t)
	ms, err := store.LoadMigrations(os.DirFS("."), "migrations")
	if err != nil {
		t.Fatal(err)
	}
	conn, err := pgx.Connect(t.Context(), u)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	if _, err := conn.Exec(t.Context(), `CREATE TABLE schema_migrations (
		version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`); err != nil {
		t.Fatal(err)
	}
	for _, m := range ms {
		if m.Name == name {
			return u, conn
		}
		if _, err := conn.Exec(t.Context(), m.SQL); err != nil {
			t.Fatalf("migration %d: %v", m.Version, err)
		}
		if _, err := conn.Exec(t.Context(), `INSERT INTO schema_migrations (version, name) VALUES ($1, $2)`, m.Version, m.Name); err != nil {
			t.Fatal(err)
		}
	}
	t.Fatalf("no migration %s", name)
	return "", nil
}

// TestObligationsByDueMigration migrates a schema written before due_at
// (just before 0009_obligations_by_due): each open obligation's column
// gets the time its body says it is due, to the microsecond a save would
// write (truncated, not rounded), and the queue lists them by it; closed
// and paused ones have none.
func TestObligationsByDueMigration(t *testing.T) {
	u, conn := schemaBefore(t, "obligations_by_due")
	obs := storetest.DueFixtures()
	for _, o := range obs {
		body, err := json.Marshal(o)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := conn.Exec(t.Context(), `INSERT INTO obligations (id, lead_key, status, owner, started_at, body) VALUES ($1, $2, $3, $4, $5, $6)`,
			o.ID, o.LeadKey, string(o.Status), o.Owner, o.StartedAt, string(body)); err != nil {
			t.Fatal(err)
		}
	}

	st := open(t, u)
	for _, o := range obs {
		var got *time.Time
		if err := conn.QueryRow(t.Context(), `SELECT due_at FROM obligations WHERE id = $1`, o.ID).Scan(&got); err != nil {
			t.Fatal(err)
		}
		want := o.Status == obligation.Open && !o.DueAt.IsZero()
		switch {
		case got == nil && want:
			t.Errorf("%s (due %s): due_at NULL", o.ID, o.DueAt.Format(time.RFC3339Nano))
		case got != nil && !want:
			t.Errorf("%s: due_at %s, want NULL", o.ID, got.Format(time.RFC3339Nano))
		case got != nil && got.UnixMicro() != o.DueAt.UnixMicro():
			t.Errorf("%s (due %s): due_at %s", o.ID, o.DueAt.Format(time.RFC3339Nano), got.Format(time.RFC3339Nano))
		}
	}
	got, err := st.Obligations(t.Context(), store.ObligationFilter{Status: "open", Owner: "sam", ByDue: true})
	if err != nil {
		t.Fatal(err)
	}
	if ids := storetest.IDs(got); ids != storetest.DueFixturesQueue {
		t.Errorf("queue after the migration: %s, want %s", ids, storetest.DueFixturesQueue)
	}
}
