package sqlite_test

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/accordhq/accord/internal/ingest"
	"github.com/accordhq/accord/internal/store"
	"github.com/accordhq/accord/internal/store/sqlite"
	"github.com/accordhq/accord/internal/store/storetest"
)

func TestStore(t *testing.T) {
	storetest.Run(t, open)
}

// open makes a fresh, migrated database file that lives as long as t.
func open(t *testing.T) store.Store {
	t.Helper()
	return openAt(t, filepath.Join(t.TempDir(), "accord.db"))
}

func openAt(t *testing.T, path string) store.Store {
	t.Helper()
	st, err := sqlite.Open(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if _, err := st.Migrate(t.Context()); err != nil {
		t.Fatal(err)
	}
	return st
}

// TestLeadCacheSeesOtherWriters writes one lead alternately through two
// stores on the same file, as two processes would. Each store keeps the
// leads it saved decoded and skips reading them back; it must notice that
// the other one has written since, or it would extend a stale lead.
func TestLeadCacheSeesOtherWriters(t *testing.T) {
	path := filepath.Join(t.TempDir(), "accord.db")
	a, b := openAt(t, path), openAt(t, path)
	svcs := []*ingest.Service{ingest.New(a, ingest.Options{}), ingest.New(b, ingest.Options{})}
	send := func(svc *ingest.Service, body string) {
		t.Helper()
		rep, err := storetest.Ingest(t, svc, []byte(body))
		if err != nil || rep.Accepted != 1 {
			t.Fatalf("ingest %s: %+v, %v", body, rep, err)
		}
	}
	send(svcs[0], `[{"id":"e0","type":"lead.upserted","occurred_at":"2026-03-02T09:00:00Z","data":{"lead_id":"L1","email":"ann@acme.com"}}]`)
	const touches = 6
	for i := 1; i <= touches; i++ {
		send(svcs[i%2], fmt.Sprintf(`[{"id":"e%d","type":"activity.logged","occurred_at":"2026-03-02T09:%02d:00Z","data":{"lead_id":"L1","kind":"call"}}]`, i, i))
	}
	for _, st := range []store.Store{a, b} {
		l, err := st.Lead(context.Background(), "L1")
		if err != nil {
			t.Fatal(err)
		}
		if l.Touches != touches || l.Events != touches+1 {
			t.Errorf("lead after %d touches through two stores: touches %d, events %d", touches, l.Touches, l.Events)
		}
	}
}

// TestAliasCacheSeesOtherWriters has another store merge a lead whose id
// the first store has cached: the first must file the next event under
// the lead the id now belongs to.
func TestAliasCacheSeesOtherWriters(t *testing.T) {
	path := filepath.Join(t.TempDir(), "accord.db")
	a, b := openAt(t, path), openAt(t, path)
	sa, sb := ingest.New(a, ingest.Options{}), ingest.New(b, ingest.Options{})
	send := func(svc *ingest.Service, body string) {
		t.Helper()
		rep, err := storetest.Ingest(t, svc, []byte(body))
		if err != nil || rep.Rejected != 0 {
			t.Fatalf("ingest %s: %+v, %v", body, rep, err)
		}
	}
	send(sa, `[{"id":"e1","type":"lead.upserted","occurred_at":"2026-03-02T09:00:00Z","data":{"lead_id":"L1","email":"ann@acme.com"}},
		{"id":"e2","type":"lead.upserted","occurred_at":"2026-03-02T09:01:00Z","data":{"lead_id":"L2","email":"bob@acme.com"}}]`)
	// L2 turns out to be Ann: b merges it into L1.
	send(sb, `[{"id":"e3","type":"lead.upserted","occurred_at":"2026-03-02T09:02:00Z","data":{"lead_id":"L2","email":"ann@acme.com"}}]`)
	send(sa, `[{"id":"e4","type":"activity.logged","occurred_at":"2026-03-02T09:03:00Z","data":{"lead_id":"L2","kind":"call"}}]`)
	l, err := a.Lead(context.Background(), "L2")
	if err != nil {
		t.Fatal(err)
	}
	if l.LeadID != "L1" || l.Touches != 1 || l.Events != 4 {
		t.Errorf("L2 after the merge: lead %s, %d touches, %d events; want L1, 1, 4", l.LeadID, l.Touches, l.Events)
	}
}

// TestLeadIndexesMigration migrates a database written before email keys
// (schema just before 0006_lead_indexes): every lead gets the key
// store.EmailKey gives its email, so a new door with a known address still
// finds its lead, and leads_updated is gone.
func TestLeadIndexesMigration(t *testing.T) {
	path, db := schemaBefore(t, "lead_indexes")
	defer db.Close()
	emails := map[string]string{"L1": "ann@acme.com", "L2": "jürgen.müller@例え.jp", "L3": "😀+x@a.example", "L4": "", "L5": "ab~@acme.com", "L6": "ac_@acme.com"}
	for key, email := range emails {
		if _, err := db.Exec(`INSERT INTO leads (lead_key, email_norm, created_at, updated_at, state) VALUES (?, ?, 0, 0, ?)`,
			key, email, fmt.Sprintf(`{"lead_id":"","email":%q,"touches":0,"inquiries":1,"events":1,"last_seq":0,"created_at":"1970-01-01T00:00:00Z","updated_at":"1970-01-01T00:00:00Z"}`, email)); err != nil {
			t.Fatal(err)
		}
		if _, err := db.Exec(`INSERT INTO lead_aliases (alias, lead_key) VALUES (?, ?)`, key, key); err != nil {
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
	rows, err := check.Query(`SELECT lead_key, email_norm, email_key FROM leads`)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for rows.Next() {
		var key, norm string
		var k int64
		if err := rows.Scan(&key, &norm, &k); err != nil {
			t.Fatal(err)
		}
		if want := store.EmailKey(norm); k != want {
			t.Errorf("lead %s (%q): email_key %d, want %d", key, norm, k, want)
		}
		n++
	}
	if err := rows.Err(); err != nil || n != len(emails) {
		t.Fatalf("%d leads read (%v), want %d", n, err, len(emails))
	}
	var indexes int
	if err := check.QueryRow(`SELECT count(*) FROM sqlite_master WHERE type = 'index' AND name IN ('leads_updated', 'leads_email')`).Scan(&indexes); err != nil || indexes != 0 {
		t.Errorf("%d of leads_updated, leads_email left (%v), want none", indexes, err)
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

// TestRebuildRefilesMisfiledEvents files a third of the log under a lead
// that does not exist, as a bug or a hand edit might: a rebuild, which
// only rewrites the events whose lead it finds different, must still put
// every one back where the history says it belongs.
func TestRebuildRefilesMisfiledEvents(t *testing.T) {
	path := filepath.Join(t.TempDir(), "accord.db")
	st := openAt(t, path)
	svc := ingest.New(st, ingest.Options{})
	for _, body := range storetest.Mixed(4, 300) {
		if _, err := storetest.Ingest(t, svc, body); err != nil {
			t.Fatal(err)
		}
	}
	want := storetest.Snapshot(t, st)
	db, err := sql.Open("sqlite3", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	res, err := db.Exec(`UPDATE events SET lead_key = 'misfiled' WHERE lead_key IS NOT NULL AND seq % 3 = 0`)
	if err != nil {
		t.Fatal(err)
	}
	if n, _ := res.RowsAffected(); n < 50 {
		t.Fatalf("only %d events misfiled: the scenario is too thin", n)
	}
	st.Close()
	st = openAt(t, path)                                                                     // a fresh store: no cache of the old filing
	if _, err := ingest.New(st, ingest.Options{}).Rebuild(t.Context(), 1, nil); err != nil { // one event a batch: most batches merge nothing
		t.Fatal(err)
	}
	if d := storetest.Diff(storetest.Snapshot(t, st), want); d != "" {
		t.Errorf("after the rebuild, the misfiled log differs from the live one:\n%s", d)
	}
	var left int
	if err := db.QueryRow(`SELECT count(*) FROM events WHERE lead_key = 'misfiled'`).Scan(&left); err != nil || left != 0 {
		t.Errorf("%d events still misfiled (%v)", left, err)
	}
}
