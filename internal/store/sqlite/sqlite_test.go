package sqlite_test

import (
	"path/filepath"
	"testing"

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
	st, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "accord.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if _, err := st.Migrate(t.Context()); err != nil {
		t.Fatal(err)
	}
	return st
}
