package sqlite_test

import (
	"context"
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
