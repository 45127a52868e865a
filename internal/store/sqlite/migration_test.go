package sqlite_test

import (
	"database/sql"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/accordhq/accord/internal/obligation"
	"github.com/accordhq/accord/internal/store"
	"github.com/accordhq/accord/internal/store/storetest"
)

// schemaBefore writes a database file with every migration before the one
// named, as a build of that time left it, and returns it open.
func schemaBefore(t *testing.T, name string) (string, *sql.DB) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "accord.db")
	ms, err := store.LoadMigrations(os.DirFS("."), "migrations")
	if err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("sqlite3", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.Exec(`CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)`); err != nil {
		t.Fatal(err)
	}
	for _, m := range ms {
		if m.Name == name {
			return path, db
		}
		if _, err := db.Exec(m.SQL); err != nil {
			t.Fatalf("migration %d: %v", m.Version, err)
		}
		if _, err := db.Exec(`INSERT INTO schema_migrations VALUES (?, ?, 0)`, m.Version, m.Name); err != nil {
			t.Fatal(err)
		}
	}
	t.Fatalf("no migration %s", name)
	return "", nil
}

// TestObligationsByDueMigration migrates a database written before due_at
// (schema just before 0009_obligations_by_due): each open obligation's
// column gets the microsecond its body says it is due, whatever the zone
// and fraction the body's time was written with, and the queue lists them
// by it; closed and paused ones have none.
func TestObligationsByDueMigration(t *testing.T) {
	path, db := schemaBefore(t, "obligations_by_due")
	defer db.Close()
	obs := storetest.DueFixtures()
	for _, o := range obs {
		body, err := json.Marshal(o)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.Exec(`INSERT INTO obligations (id, lead_key, status, owner, started_at, body) VALUES (?, ?, ?, ?, ?, ?)`,
			o.ID, o.LeadKey, string(o.Status), o.Owner, o.StartedAt.UnixMicro(), string(body)); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()

	st := openAt(t, path)
	check, err := sql.Open("sqlite3", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	defer check.Close()
	for _, o := range obs {
		var got sql.NullInt64
		if err := check.QueryRow(`SELECT due_at FROM obligations WHERE id = ?`, o.ID).Scan(&got); err != nil {
			t.Fatal(err)
		}
		want := sql.NullInt64{}
		if o.Status == obligation.Open && !o.DueAt.IsZero() {
			want = sql.NullInt64{Int64: o.DueAt.UnixMicro(), Valid: true}
		}
		if got != want {
			t.Errorf("%s (due %s): due_at %v, want %v", o.ID, o.DueAt.Format(time.RFC3339Nano), got, want)
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
