package importer

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/accordhq/accord/internal/ingest"
	"github.com/accordhq/accord/internal/lead"
	"github.com/accordhq/accord/internal/store"
	"github.com/accordhq/accord/internal/store/sqlite"
)

// datasetsDir finds the shared public data sets beside the repository
// (../shared/datasets from its root). A user's clone has none, so the
// tests that need them skip.
func datasetsDir(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("data set imports take seconds; skipped with -short")
	}
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		candidate := filepath.Join(dir, "shared", "datasets")
		if st, err := os.Stat(candidate); err == nil && st.IsDir() {
			return candidate
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Skip("public data sets not found (looked for shared/datasets above the repository); they live beside the project, not in it")
		}
		dir = parent
	}
}

// datasetFile returns a data set file, skipping the test if it is absent.
func datasetFile(t *testing.T, rel string) string {
	t.Helper()
	p := filepath.Join(datasetsDir(t), rel)
	if _, err := os.Stat(p); err != nil {
		t.Skipf("data set file %s is absent: %v", rel, err)
	}
	return p
}

// exampleMapping loads a mapping from examples/import.
func exampleMapping(t *testing.T, name string) *Mapping {
	t.Helper()
	m, err := LoadMapping(filepath.Join("..", "..", "examples", "import", name))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// freshStore opens an empty SQLite store in a temporary directory.
func freshStore(t *testing.T) (*sqlite.Store, *ingest.Service) {
	t.Helper()
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "accord.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if _, err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	return st, ingest.New(st, ingest.Options{})
}

func mustLead(t *testing.T, st *sqlite.Store, ref string) *lead.Lead {
	t.Helper()
	l, err := st.Lead(context.Background(), ref)
	if err != nil {
		t.Fatalf("lead %s: %v", ref, err)
	}
	return l
}

type datasetRun struct {
	mapping, file string
	// want is the first run's summary; a re-run must be all duplicates.
	want Summary
}

// checkDataset imports each file in turn, checks the summaries and the
// store's counts, then imports everything again and checks nothing moved.
// spot, when given, checks a few records after the first import.
func checkDataset(t *testing.T, runs []datasetRun, want store.Counts, spot func(*testing.T, *sqlite.Store, []Summary)) {
	ctx := context.Background()
	paths := make([]string, len(runs))
	for i, r := range runs {
		paths[i] = datasetFile(t, r.file)
	}
	st, svc := freshStore(t)
	var sums []Summary
	for i, r := range runs {
		m := exampleMapping(t, r.mapping)
		opts := Options{RejectsPath: filepath.Join(t.TempDir(), "rejects.csv"), BatchSize: 5000}
		sum, err := ImportFile(ctx, paths[i], m, svc, opts)
		if err != nil {
			t.Fatalf("%s: %v", r.file, err)
		}
		w := r.want
		if sum.RowsRead != w.RowsRead || sum.RowsImported != w.RowsImported || sum.RowsRejected != w.RowsRejected ||
			sum.EventsAccepted != w.EventsAccepted || sum.EventsDuplicates != w.EventsDuplicates || sum.EventsRejected != 0 {
			t.Errorf("%s:\n got  %s\n want %s\n first rejects: %+v", r.file, sum.String(), w.String(), sum.Rejects)
		}
		if len(sum.Warnings) > 0 {
			t.Errorf("%s: unexpected warnings %q", r.file, sum.Warnings)
		}
		sums = append(sums, sum)
	}
	if spot != nil {
		spot(t, st, sums)
	}
	got, err := st.Counts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if got != want {
		t.Errorf("counts after import = %+v, want %+v", got, want)
	}
	for i, r := range runs {
		sum, err := ImportFile(ctx, paths[i], exampleMapping(t, r.mapping), svc, Options{BatchSize: 5000})
		if err != nil {
			t.Fatal(err)
		}
		if sum.EventsAccepted != 0 || sum.EventsDuplicates != r.want.EventsAccepted+r.want.EventsDuplicates || sum.RowsRejected != r.want.RowsRejected {
			t.Errorf("re-run of %s should be all duplicates: %s", r.file, sum.String())
		}
	}
	again, err := st.Counts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if again != got {
		t.Errorf("counts changed on re-run: %+v, then %+v", got, again)
	}
}

func TestDatasetOlist(t *testing.T) {
	t.Parallel()
	checkDataset(t, []datasetRun{
		{"olist-mqls.yaml", "olist-marketing-funnel/normalized/olist_marketing_qualified_leads_dataset.csv",
			Summary{Name: "olist-mqls", RowsRead: 8000, RowsImported: 8000, EventsAccepted: 16000}},
		{"olist-closed-deals.yaml", "olist-marketing-funnel/normalized/olist_closed_deals_dataset.csv",
			Summary{Name: "olist-closed-deals", RowsRead: 842, RowsImported: 842, EventsAccepted: 4210}},
		// The raw Excel-saved copies (day-first dates, CRLF, damaged values)
		// yield exactly the same events.
		{"olist-mqls.yaml", "olist-marketing-funnel/olist_marketing_qualified_leads_dataset.csv",
			Summary{Name: "olist-mqls", RowsRead: 8000, RowsImported: 8000, EventsDuplicates: 16000}},
		{"olist-closed-deals.yaml", "olist-marketing-funnel/olist_closed_deals_dataset.csv",
			Summary{Name: "olist-closed-deals", RowsRead: 842, RowsImported: 842, EventsDuplicates: 4210}},
	}, store.Counts{Events: 20210, Leads: 8000, Opportunities: 842}, func(t *testing.T, st *sqlite.Store, _ []Summary) {
		// The first deal of the file: an MQL from paid search won by its SR.
		l := mustLead(t, st, "5420aad7fec3549a85876ba1c529bd84")
		if l.Stage != "customer" || l.Owner != "4ef15afb4b2723d8f3d81e51ec7afefe" || l.Segment != "pet" || l.StagesEntered["mql"].IsZero() {
			t.Errorf("won Olist lead = stage %q owner %q segment %q stages %v", l.Stage, l.Owner, l.Segment, l.StagesEntered)
		}
		opps, err := st.LeadOpportunities(context.Background(), l.LeadID)
		if err != nil || len(opps) != 1 || opps[0].Status != "won" {
			t.Errorf("its opportunities = %+v, %v", opps, err)
		}
	})
}

func TestDatasetMaven(t *testing.T) {
	t.Parallel()
	checkDataset(t, []datasetRun{
		{"maven-sales-pipeline.yaml", "maven-crm-sales-opportunities/sales_pipeline.csv",
			Summary{Name: "maven-sales-pipeline", RowsRead: 8800, RowsImported: 8300, RowsRejected: 500, EventsAccepted: 46622}},
	}, store.Counts{Events: 46622, Leads: 8300, Opportunities: 8300}, func(t *testing.T, st *sqlite.Store, sums []Summary) {
		want := `occurred_at: column "engage_date" is empty`
		if r := sums[0].Rejects; len(r) == 0 || !strings.Contains(r[0].Reason, want) {
			t.Errorf("Prospecting rows should be rejected for %q, got %+v", want, r)
		}
		l := mustLead(t, st, "1C1I7A6R") // Won, closed 2017-03-01 for 1054
		if l.Stage != "customer" || l.Company != "Cancity" || l.Owner != "Moses Frase" {
			t.Errorf("won Maven lead = stage %q company %q owner %q", l.Stage, l.Company, l.Owner)
		}
		opps, err := st.LeadOpportunities(context.Background(), l.LeadID)
		if err != nil || len(opps) != 1 || opps[0].Status != "won" || opps[0].Amount == nil || *opps[0].Amount != 1054 {
			t.Errorf("its opportunities = %+v, %v", opps, err)
		}
	})
}

func TestDatasetXEducation(t *testing.T) {
	t.Parallel()
	checkDataset(t, []datasetRun{
		{"x-education-leads.yaml", "x-education-leads/Leads.csv",
			Summary{Name: "x-education-leads", RowsRead: 9240, RowsImported: 9240, EventsAccepted: 18480}},
	}, store.Counts{Events: 18480, Leads: 9240}, func(t *testing.T, st *sqlite.Store, _ []Summary) {
		l := mustLead(t, st, "8cc8c611-a219-4f35-ad23-fdfd2656bd8a") // converted, "Select" specialisation
		_, hasSelect := l.Attributes["heard_about_us"]
		if l.Stage != "customer" || l.Source != "Direct Traffic" || l.Offer != "Landing Page Submission" || hasSelect {
			t.Errorf("converted X Education lead = stage %q source %q offer %q attributes %v", l.Stage, l.Source, l.Offer, l.Attributes)
		}
	})
}
