package postgres_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/accordhq/accord/internal/ingest"
	"github.com/accordhq/accord/internal/store"
	"github.com/accordhq/accord/internal/store/postgres"
	"github.com/accordhq/accord/internal/store/sqlite"
	"github.com/accordhq/accord/internal/store/storetest"
)

const urlEnv = "ACCORD_TEST_POSTGRES_URL"

// testDB gives each test a schema of its own in the database named by
// ACCORD_TEST_POSTGRES_URL, so tests run in parallel without seeing each
// other, and drops it afterwards.
type testDB struct {
	url   string
	admin *pgxpool.Pool
}

func newTestDB(t *testing.T) *testDB {
	t.Helper()
	u := os.Getenv(urlEnv)
	if u == "" {
		t.Skip("PostgreSQL tests skipped: set " + urlEnv + "=postgres://postgres@127.0.0.1:5432/test?sslmode=disable " +
			"(any database the user may create schemas in; each test uses a schema of its own)")
	}
	admin, err := pgxpool.New(context.Background(), u)
	if err != nil {
		t.Fatalf("%s: %v", urlEnv, err)
	}
	t.Cleanup(admin.Close)
	return &testDB{url: u, admin: admin}
}

// schema creates a fresh schema and returns a URL whose connections use it.
func (db *testDB) schema(t *testing.T) string {
	t.Helper()
	b := make([]byte, 6)
	rand.Read(b)
	name := "accord_test_" + hex.EncodeToString(b)
	if _, err := db.admin.Exec(t.Context(), "CREATE SCHEMA "+pgx.Identifier{name}.Sanitize()); err != nil {
		t.Fatalf("create test schema: %v", err)
	}
	t.Cleanup(func() {
		if _, err := db.admin.Exec(context.Background(), "DROP SCHEMA "+pgx.Identifier{name}.Sanitize()+" CASCADE"); err != nil {
			t.Errorf("drop test schema %s: %v", name, err)
		}
	})
	u, err := url.Parse(db.url)
	if err != nil {
		t.Fatalf("%s: %v", urlEnv, err)
	}
	q := u.Query()
	q.Set("search_path", name) // pgx sends unknown URL parameters as run-time settings
	u.RawQuery = q.Encode()
	return u.String()
}

// open returns a migrated store on u, closed when t ends.
func open(t *testing.T, u string) *postgres.Store {
	t.Helper()
	st, err := postgres.Open(t.Context(), u)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if _, err := st.Migrate(t.Context()); err != nil {
		t.Fatal(err)
	}
	return st
}

func TestStore(t *testing.T) {
	db := newTestDB(t)
	storetest.Run(t, func(t *testing.T) store.Store { return open(t, db.schema(t)) })
}

// TestMigrateRace starts several processes' worth of Migrate at once on an
// empty schema: each migration is applied exactly once.
func TestMigrateRace(t *testing.T) {
	db := newTestDB(t)
	u := db.schema(t)
	stores := make([]*postgres.Store, 4)
	for i := range stores {
		st, err := postgres.Open(t.Context(), u)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		stores[i] = st
	}
	var wg sync.WaitGroup
	applied := make([]int, len(stores))
	errs := make([]error, len(stores))
	for i, st := range stores {
		wg.Go(func() { applied[i], errs[i] = st.Migrate(t.Context()) })
	}
	wg.Wait()
	total := 0
	for i := range stores {
		if errs[i] != nil {
			t.Fatalf("migrate %d: %v", i, errs[i])
		}
		total += applied[i]
	}
	cur, latest, err := stores[0].SchemaVersion(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if total != latest || cur != latest {
		t.Errorf("concurrent migrations applied %d in all, schema at %d; want %d and %d", total, cur, latest, latest)
	}
}

// TestTwoProcesses ingests through two stores on one schema, as two accord
// processes would: the advisory lock keeps seq numbers unique and gap-free.
func TestTwoProcesses(t *testing.T) {
	db := newTestDB(t)
	u := db.schema(t)
	a, b := open(t, u), open(t, u)
	const batches, size = 10, 50
	var wg sync.WaitGroup
	errs := make(chan error, 2)
	for p, st := range []*postgres.Store{a, b} {
		svc := ingest.New(st, ingest.Options{})
		wg.Go(func() {
			for n := range batches {
				body := "["
				for i := range size {
					if i > 0 {
						body += ","
					}
					body += fmt.Sprintf(`{"id":"p%d-%d-%d","type":"activity.logged","occurred_at":"2026-03-02T09:00:00Z","data":{"lead_id":"L%d","kind":"call"}}`, p, n, i, i%7)
				}
				rep, err := storetest.Ingest(t, svc, []byte(body+"]"))
				if err == nil && rep.Accepted != size {
					err = fmt.Errorf("process %d batch %d: %d of %d accepted", p, n, rep.Accepted, size)
				}
				if err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	evs, err := a.EventsAfter(t.Context(), 0, 10*batches*size)
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) != 2*batches*size {
		t.Fatalf("%d events stored, want %d", len(evs), 2*batches*size)
	}
	for i, e := range evs {
		if e.Seq != int64(i+1) {
			t.Fatalf("event %d has seq %d: seqs must run 1, 2, 3… without gaps", i, e.Seq)
		}
	}
	l, err := b.Lead(t.Context(), "L0")
	if err != nil {
		t.Fatal(err)
	}
	if want := 2 * batches * ((size + 6) / 7); l.Touches != want {
		t.Errorf("L0 has %d touches, want %d", l.Touches, want)
	}
}

// TestSameAsSQLite feeds the same events to both backends: everything a
// user can read must be byte-identical JSON.
func TestSameAsSQLite(t *testing.T) {
	db := newTestDB(t)
	t.Parallel()
	pg := open(t, db.schema(t))
	lite, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "accord.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { lite.Close() })
	if _, err := lite.Migrate(t.Context()); err != nil {
		t.Fatal(err)
	}
	for _, st := range []store.Store{pg, lite} {
		svc := ingest.New(st, ingest.Options{})
		for _, body := range storetest.Mixed(3, 600) {
			if _, err := storetest.Ingest(t, svc, body); err != nil {
				t.Fatalf("%s: %v", st.Backend(), err)
			}
		}
	}
	if d := storetest.Diff(storetest.Snapshot(t, pg), storetest.Snapshot(t, lite)); d != "" {
		t.Errorf("PostgreSQL and SQLite disagree %s", d)
	}
	var logs [2]string
	for i, st := range []store.Store{pg, lite} {
		evs, err := st.EventsAfter(t.Context(), 0, 100000)
		if err != nil {
			t.Fatal(err)
		}
		b, err := json.MarshalIndent(evs, "", "")
		if err != nil {
			t.Fatal(err)
		}
		logs[i] = string(b)
	}
	if d := storetest.Diff(logs[0], logs[1]); d != "" {
		t.Errorf("the event logs render differently on PostgreSQL and SQLite %s", d)
	}
}

// TestLeadIndexesMigration migrates a schema written before email keys
// (just before 0006_lead_indexes): every lead gets the key store.EmailKey
// gives its email, so a new door with a known address still finds its
// lead.
func TestLeadIndexesMigration(t *testing.T) {
	u, conn := schemaBefore(t, "lead_indexes")
	emails := map[string]string{"L1": "ann@acme.com", "L2": "jürgen.müller@例え.jp", "L3": "😀+x@a.example", "L4": "", "L5": "ab~@acme.com", "L6": "ac_@acme.com"}
	for key, email := range emails {
		state := fmt.Sprintf(`{"lead_id":%q,"email":%q,"touches":0,"inquiries":1,"events":1,"last_seq":0,"created_at":"1970-01-01T00:00:00Z","updated_at":"1970-01-01T00:00:00Z"}`, key, email)
		if _, err := conn.Exec(t.Context(), `INSERT INTO leads (lead_key, email_norm, created_at, updated_at, state) VALUES ($1, $2, 'epoch', 'epoch', $3)`,
			key, email, state); err != nil {
			t.Fatal(err)
		}
		if _, err := conn.Exec(t.Context(), `INSERT INTO lead_aliases (alias, lead_key) VALUES ($1, $1)`, key); err != nil {
			t.Fatal(err)
		}
	}

	st := open(t, u)
	rows, err := conn.Query(t.Context(), `SELECT lead_key, email_norm, email_key FROM leads`)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	var key, norm string
	var k int64
	if _, err := pgx.ForEachRow(rows, []any{&key, &norm, &k}, func() error {
		if want := store.EmailKey(norm); k != want {
			t.Errorf("lead %s (%q): email_key %d, want %d", key, norm, k, want)
		}
		n++
		return nil
	}); err != nil || n != len(emails) {
		t.Fatalf("%d leads read (%v), want %d", n, err, len(emails))
	}

	svc := ingest.New(st, ingest.Options{})
	rep, err := storetest.Ingest(t, svc, []byte(`[
		{"id":"n1","type":"lead.upserted","occurred_at":"2026-03-02T09:00:00Z","data":{"lead_id":"N1","email":"JÜRGEN.Müller@例え.jp"}},
		{"id":"n2","type":"lead.upserted","occurred_at":"2026-03-02T09:01:00Z","data":{"lead_id":"N2","email":"AC_@acme.com"}}]`))
	if err != nil || rep.Accepted != 2 {
		t.Fatalf("ingest: %+v, %v", rep, err)
	}
	for ref, want := range map[string]string{"N1": "L2", "N2": "L6"} {
		l, err := st.Lead(t.Context(), ref)
		if err != nil || l.LeadID != want {
			t.Errorf("Lead(%s) = %v, %v; want lead %s", ref, l, err, want)
		}
	}
}
