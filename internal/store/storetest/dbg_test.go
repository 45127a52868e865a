package storetest

import (
	"fmt"
	"path/filepath"
	"testing"

	"github.com/accordhq/accord/internal/ingest"
	"github.com/accordhq/accord/internal/lead"
	"github.com/accordhq/accord/internal/store/sqlite"
)

func TestDbgSeeds(t *testing.T) {
	for seed := uint64(1); seed <= 60; seed++ {
		for _, strip := range []bool{false, true} {
			t.Run(fmt.Sprintf("%d-%v", seed, strip), func(t *testing.T) {
				t.Parallel()
				st, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "a.db"))
				if err != nil {
					t.Fatal(err)
				}
				defer st.Close()
				st.Migrate(t.Context())
				svc := ingest.New(st, ingest.Options{StripPlusAddressing: strip})
				for _, b := range Mixed(seed, 400) {
					if _, err := Ingest(t, svc, b); err != nil {
						t.Fatal(err)
					}
				}
				live := Snapshot(t, st)
				checkFolds(t, st, lead.EmailNormalizer(strip))
				for _, n := range []int{7, 0} {
					if _, err := svc.Rebuild(t.Context(), n, nil); err != nil {
						t.Fatal(err)
					}
					sameText(t, fmt.Sprint("rebuild ", n), Snapshot(t, st), live)
				}
			})
		}
	}
}
