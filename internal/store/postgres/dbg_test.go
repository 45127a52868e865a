package postgres_test

import (
	"fmt"
	"testing"

	"github.com/accordhq/accord/internal/ingest"
	"github.com/accordhq/accord/internal/store/storetest"
)

func TestDbgSeeds(t *testing.T) {
	db := newTestDB(t)
	for seed := uint64(100); seed <= 130; seed++ {
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			t.Parallel()
			st := open(t, db.schema(t))
			svc := ingest.New(st, ingest.Options{StripPlusAddressing: seed%2 == 0})
			for _, b := range storetest.Mixed(seed, 800) {
				if _, err := storetest.Ingest(t, svc, b); err != nil {
					t.Fatal(err)
				}
			}
			live := storetest.Snapshot(t, st)
			if _, err := svc.Rebuild(t.Context(), 7, nil); err != nil {
				t.Fatal(err)
			}
			if d := storetest.Diff(storetest.Snapshot(t, st), live); d != "" {
				t.Fatal(d)
			}
		})
	}
}
