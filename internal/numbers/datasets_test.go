package numbers_test

// Accord's report figures on the public data sets, checked exactly against
// an independent computation: a plain loop over the CSV files, with no
// Accord code between the file and the figure.
//
// The data sets live beside the repository in ../shared/datasets (never in
// it); without them these tests skip.

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"maps"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/accordhq/accord/internal/daily"
	"github.com/accordhq/accord/internal/importer"
	"github.com/accordhq/accord/internal/ingest"
	"github.com/accordhq/accord/internal/numbers"
	"github.com/accordhq/accord/internal/store"
	"github.com/accordhq/accord/internal/store/sqlite"
)

// datasetsDir finds the shared public data sets beside the repository
// (../shared/datasets from its root), skipping when they are absent.
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

// importDataset imports files (each with its mapping from examples/import)
// into a fresh SQLite store whose reporting days are those of loc, as
// internal/importer's data set tests do.
func importDataset(t *testing.T, loc *time.Location, runs ...[2]string) *sqlite.Store {
	t.Helper()
	ctx := context.Background()
	paths := make([]string, len(runs))
	for i, r := range runs {
		paths[i] = datasetFile(t, r[1])
	}
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "accord.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if _, err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	svc := ingest.New(st, ingest.Options{Location: loc})
	for i, r := range runs {
		m, err := importer.LoadMapping(filepath.Join("..", "..", "examples", "import", r[0]))
		if err != nil {
			t.Fatal(err)
		}
		sum, err := importer.ImportFile(ctx, paths[i], m, svc, importer.Options{RejectsPath: filepath.Join(t.TempDir(), "rejects.csv"), BatchSize: 5000})
		if err != nil {
			t.Fatalf("import %s: %v", r[1], err)
		}
		if sum.EventsRejected != 0 || len(sum.Warnings) > 0 {
			t.Fatalf("import %s: %s, warnings %q", r[1], sum.String(), sum.Warnings)
		}
		t.Logf("imported %s: %s", r[1], sum.String())
	}
	return st
}

// readCSV reads a whole CSV file as rows keyed by the header's names.
func readCSV(t *testing.T, path string) []map[string]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r := csv.NewReader(f)
	header, err := r.Read()
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	var out []map[string]string
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		row := make(map[string]string, len(header))
		for i, h := range header {
			row[h] = rec[i]
		}
		out = append(out, row)
	}
}

// atoms sums the atoms of [from, to) under dim, by value then metric.
func atoms(t *testing.T, st store.Store, from, to, dim string, metrics ...string) map[string]map[string]daily.Cell {
	t.Helper()
	rows, err := st.Daily(context.Background(), store.DailyFilter{From: from, To: to, Metrics: metrics, Dim: dim})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]map[string]daily.Cell{}
	for _, r := range rows {
		if out[r.Value] == nil {
			out[r.Value] = map[string]daily.Cell{}
		}
		c := out[r.Value][r.Metric]
		c.N += r.N
		c.Cents += r.Cents
		out[r.Value][r.Metric] = c
	}
	return out
}

// cycleStats is the independent sales-cycle figure: the mean in days
// rounded to a tenth, as Accord shows it, and the lower median in whole
// days (the cycle of the deal at position ceil(n/2), cut to whole days).
type cycleStats struct {
	n        int
	exact    float64 // the unrounded mean, for the log
	mean     float64
	median   int
	negative int
}

func cycleOf(durations []time.Duration) cycleStats {
	var s cycleStats
	var ok []time.Duration
	var total float64 // days; a sum of Durations would overflow
	for _, d := range durations {
		if d < 0 {
			s.negative++
			continue
		}
		ok = append(ok, d)
		total += d.Hours() / 24
	}
	s.n = len(ok)
	if s.n == 0 {
		return s
	}
	slices.Sort(ok)
	s.exact = total / float64(s.n)
	s.mean = math.Round(s.exact*10) / 10
	s.median = int(ok[(s.n+1)/2-1].Hours() / 24)
	return s
}

// checkCycle compares Accord's cycle with the independent one.
func checkCycle(t *testing.T, got numbers.Cycle, want cycleStats) {
	t.Helper()
	if got.Won != int64(want.n) {
		t.Errorf("sales cycle counts %d won deals, the CSV has %d with a win on or after the first contact", got.Won, want.n)
	}
	if got.MeanDays == nil || *got.MeanDays != want.mean {
		t.Errorf("mean sales cycle = %s days, the CSV gives %.1f (%.4f unrounded)", fmtPtr(got.MeanDays), want.mean, want.exact)
	}
	if got.MedianDays == nil || *got.MedianDays != want.median {
		t.Errorf("median sales cycle = %s whole days, the CSV gives %d", fmtPtr(got.MedianDays), want.median)
	}
	if got.WonBeforeCreated != int64(want.negative) {
		t.Errorf("deals reported as won before their lead's first contact = %d, the CSV has %d such rows: they should be reported, not counted as a cycle nor dropped",
			got.WonBeforeCreated, want.negative)
	}
}

func fmtPtr[T any](p *T) string {
	if p == nil {
		return "none"
	}
	return fmt.Sprint(*p)
}

func pct(num, den int) string {
	if den == 0 {
		return "n/a"
	}
	return fmt.Sprintf("%.2f%%", 100*float64(num)/float64(den))
}

// TestDatasetOlistConversionAndCycle checks, on Olist's 8,000 MQLs and
// 842 won deals: MQLs and won deals by origin (and so the MQL→won rate),
// and the sales cycle from first contact to win, with the deal won before
// its first contact reported.
//
// Days are São Paulo's: the mappings read Olist's zone-less dates there,
// and the organisation's zone is set to match, so every atom falls on the
// day the CSV says.
func TestDatasetOlistConversionAndCycle(t *testing.T) {
	t.Parallel()
	sp, err := time.LoadLocation("America/Sao_Paulo")
	if err != nil {
		t.Skipf("no time zone data: %v", err)
	}
	const (
		mqlFile  = "olist-marketing-funnel/normalized/olist_marketing_qualified_leads_dataset.csv"
		dealFile = "olist-marketing-funnel/normalized/olist_closed_deals_dataset.csv"
	)
	mqlPath, dealPath := datasetFile(t, mqlFile), datasetFile(t, dealFile)

	// The independent computation.
	type mql struct {
		origin string
		first  time.Time
	}
	mqls := map[string]mql{}
	const none = "(no origin)"
	mqlsBy, wonBy := map[string]int{}, map[string]int{}
	for _, r := range readCSV(t, mqlPath) {
		first, err := time.ParseInLocation("2006-01-02", r["first_contact_date"], sp)
		if err != nil {
			t.Fatalf("%s: mql %s: %v", mqlFile, r["mql_id"], err)
		}
		origin := r["origin"]
		if origin == "" {
			origin = none
		}
		mqls[r["mql_id"]] = mql{origin, first}
		mqlsBy[origin]++
	}
	var durations []time.Duration
	var quirks []string
	firstWon, lastWon := "9999", "0000"
	for _, r := range readCSV(t, dealPath) {
		m, ok := mqls[r["mql_id"]]
		if !ok {
			t.Fatalf("%s: deal %s has no MQL", dealFile, r["mql_id"])
		}
		won, err := time.ParseInLocation("2006-01-02 15:04", r["won_date"], sp)
		if err != nil {
			t.Fatalf("%s: deal %s: %v", dealFile, r["mql_id"], err)
		}
		wonBy[m.origin]++
		d := won.Sub(m.first)
		durations = append(durations, d)
		if d < 0 {
			quirks = append(quirks, fmt.Sprintf("MQL %s (%s): first contact %s, won %s, %.1f days before",
				r["mql_id"], m.origin, m.first.Format("2006-01-02"), r["won_date"], -d.Hours()/24))
		}
		day := won.Format("2006-01-02")
		firstWon, lastWon = min(firstWon, day), max(lastWon, day)
	}
	want := cycleOf(durations)
	for _, q := range quirks {
		t.Logf("quirk: %s", q)
	}

	st := importDataset(t, sp, [2]string{"olist-mqls.yaml", mqlFile}, [2]string{"olist-closed-deals.yaml", dealFile})

	// Conversion by origin, over the whole data set: MQLs from June 2017,
	// wins to November 2018.
	const from, to = "2017-01-01", "2019-01-01"
	metrics := []string{"mql", daily.Won}
	bySource := atoms(t, st, from, to, daily.Source, metrics...)
	total := atoms(t, st, from, to, daily.All, metrics...)[""]
	got := func(origin, metric string) int {
		if origin != none {
			return int(bySource[origin][metric].N)
		}
		// Leads without an origin count only in the total.
		n := int(total[metric].N)
		for _, v := range bySource {
			n -= int(v[metric].N)
		}
		return n
	}
	for v := range bySource {
		if _, ok := mqlsBy[v]; !ok {
			t.Errorf("Accord counts under source %q, which is no origin in the CSV", v)
		}
	}
	origins := slices.Sorted(maps.Keys(mqlsBy))
	t.Logf("%-18s %6s %5s %8s", "origin", "MQLs", "won", "MQL→won")
	for _, origin := range origins {
		t.Run("origin="+origin, func(t *testing.T) {
			gm, gw := got(origin, "mql"), got(origin, daily.Won)
			if gm != mqlsBy[origin] || gw != wonBy[origin] {
				t.Errorf("origin %s: Accord counts %d MQLs and %d won deals (%s); the CSV has %d and %d (%s)",
					origin, gm, gw, pct(gw, gm), mqlsBy[origin], wonBy[origin], pct(wonBy[origin], mqlsBy[origin]))
			}
		})
		t.Logf("%-18s %6d %5d %8s", origin, mqlsBy[origin], wonBy[origin], pct(wonBy[origin], mqlsBy[origin]))
	}
	if int(total["mql"].N) != len(mqls) || int(total[daily.Won].N) != len(durations) {
		t.Errorf("totals: Accord counts %d MQLs and %d won deals, the CSV has %d and %d", total["mql"].N, total[daily.Won].N, len(mqls), len(durations))
	}
	t.Logf("%-18s %6d %5d %8s", "all", len(mqls), len(durations), pct(len(durations), len(mqls)))

	// The sales cycle of every win, through the report a user reads: a
	// fiscal year starting in December holds all the wins. The deal won
	// before its first contact must be reported as such, not averaged.
	t.Run("sales cycle", func(t *testing.T) {
		f, err := numbers.Build(context.Background(), st, numbers.Options{Fiscal: daily.Fiscal{YearStart: time.December}, Kind: numbers.YearToDate, Day: "2018-11-30"})
		if err != nil {
			t.Fatal(err)
		}
		if firstWon < f.Period.From || lastWon >= f.Period.To {
			t.Fatalf("the report's period %s..%s does not hold every win (%s..%s)", f.Period.From, f.Period.To, firstWon, lastWon)
		}
		t.Logf("sales cycle, first contact → won, %s..%s: %d deals, mean %s days (CSV %.4f), median %s days; %d won before the first contact (CSV %d)",
			firstWon, lastWon, f.Cycle.Won, fmtPtr(f.Cycle.MeanDays), want.exact, fmtPtr(f.Cycle.MedianDays), f.Cycle.WonBeforeCreated, want.negative)
		checkCycle(t, f.Cycle, want)
		if won := f.Rows[slices.IndexFunc(f.Rows, func(r numbers.Row) bool { return r.Metric == daily.Won })].Count; won != int64(len(durations)) {
			t.Errorf("the report counts %d deals won, the CSV has %d: no deal may be dropped", won, len(durations))
		}
	})
}

// TestDatasetMavenWinRatesBookingsCycle checks, on Maven's 8,800 deals
// (8,300 imported: the 500 Prospecting rows have no date): win rates by
// sales agent, bookings by product, and the cycle from engage to close of
// the won deals, through the 2017 year-to-date report that holds every
// close.
//
// Maven's dates carry no zone and the data set names none; the mapping
// reads them in UTC and the organisation's zone is UTC to match.
func TestDatasetMavenWinRatesBookingsCycle(t *testing.T) {
	t.Parallel()
	const (
		pipeFile    = "maven-crm-sales-opportunities/sales_pipeline.csv"
		productFile = "maven-crm-sales-opportunities/products.csv"
	)
	pipePath, productPath := datasetFile(t, pipeFile), datasetFile(t, productFile)

	// The catalogue's names, and the pipeline's spellings of them: the
	// same name once spaces are ignored ("GTXPro" is "GTX Pro").
	catalogue := map[string]string{}
	for _, r := range readCSV(t, productPath) {
		catalogue[strings.ReplaceAll(r["product"], " ", "")] = r["product"]
	}
	type agent struct{ won, lost int }
	agents := map[string]*agent{}
	bookings := map[string]int64{} // catalogue name → sum of close_value
	wonBy := map[string]int{}
	respelled := map[string]int{} // pipeline spelling → won deals
	var durations []time.Duration
	firstClose, lastClose := "9999", "0000"
	for _, r := range readCSV(t, pipePath) {
		stage := r["deal_stage"]
		if stage != "Won" && stage != "Lost" {
			continue
		}
		a := agents[r["sales_agent"]]
		if a == nil {
			a = &agent{}
			agents[r["sales_agent"]] = a
		}
		firstClose, lastClose = min(firstClose, r["close_date"]), max(lastClose, r["close_date"])
		if stage == "Lost" {
			a.lost++
			continue
		}
		a.won++
		name, ok := catalogue[strings.ReplaceAll(r["product"], " ", "")]
		if !ok {
			t.Fatalf("%s: deal %s sells %q, which is not in %s under any spelling", pipeFile, r["opportunity_id"], r["product"], productFile)
		}
		if name != r["product"] {
			respelled[r["product"]+" → "+name]++
		}
		v, err := strconv.ParseInt(r["close_value"], 10, 64)
		if err != nil {
			t.Fatalf("%s: deal %s: close_value %q: %v", pipeFile, r["opportunity_id"], r["close_value"], err)
		}
		bookings[name] += v
		wonBy[name]++
		engaged, err1 := time.Parse("2006-01-02", r["engage_date"])
		closed, err2 := time.Parse("2006-01-02", r["close_date"])
		if err1 != nil || err2 != nil {
			t.Fatalf("%s: deal %s: dates %q, %q", pipeFile, r["opportunity_id"], r["engage_date"], r["close_date"])
		}
		durations = append(durations, closed.Sub(engaged))
	}
	for k, n := range respelled {
		t.Logf("quirk: the pipeline's product %s (catalogue name) for %d won deals; the mapping files them under the catalogue's name", k, n)
	}
	want := cycleOf(durations)

	st := importDataset(t, time.UTC, [2]string{"maven-sales-pipeline.yaml", pipeFile})
	ctx := context.Background()
	report := func(by string) *numbers.Funnel {
		f, err := numbers.Build(ctx, st, numbers.Options{Kind: numbers.YearToDate, Day: "2017-12-31", By: by})
		if err != nil {
			t.Fatal(err)
		}
		if firstClose < f.Period.From || lastClose >= f.Period.To {
			t.Fatalf("the report's period %s..%s does not hold every close (%s..%s)", f.Period.From, f.Period.To, firstClose, lastClose)
		}
		return f
	}
	groups := func(f *numbers.Funnel) map[string]map[string]numbers.Row {
		out := map[string]map[string]numbers.Row{}
		for _, g := range f.Groups {
			out[g.Value] = map[string]numbers.Row{}
			for _, r := range g.Rows {
				out[g.Value][r.Metric] = r
			}
		}
		return out
	}

	t.Run("win rate by agent", func(t *testing.T) {
		got := groups(report(daily.Owner))
		for v := range got {
			if agents[v] == nil && (got[v][daily.Won].Count > 0 || got[v][daily.Lost].Count > 0) {
				t.Errorf("Accord counts closed deals for %q, who closed none in the CSV", v)
			}
		}
		t.Logf("%-20s %4s %4s %7s", "agent", "won", "lost", "win rate")
		for _, name := range slices.Sorted(maps.Keys(agents)) {
			a := agents[name]
			gw, gl := int(got[name][daily.Won].Count), int(got[name][daily.Lost].Count)
			if gw != a.won || gl != a.lost {
				t.Errorf("%s: Accord counts %d won and %d lost (win rate %s); the CSV has %d and %d (%s)",
					name, gw, gl, pct(gw, gw+gl), a.won, a.lost, pct(a.won, a.won+a.lost))
			}
			t.Logf("%-20s %4d %4d %7s", name, a.won, a.lost, pct(a.won, a.won+a.lost))
		}
	})

	t.Run("bookings by product", func(t *testing.T) {
		got := groups(report(daily.Product))
		for v, rows := range got {
			if _, ok := bookings[v]; !ok && rows[daily.Bookings].Count > 0 {
				t.Errorf("Accord books deals under product %q, which products.csv does not list: the names should match the catalogue", v)
			}
		}
		t.Logf("%-16s %5s %12s", "product", "won", "bookings")
		var all int64
		for _, name := range slices.Sorted(maps.Keys(bookings)) {
			r := got[name][daily.Bookings]
			if r.Amount == nil || int(r.Count) != wonBy[name] || int64(math.Round(*r.Amount*100)) != bookings[name]*100 {
				t.Errorf("%s: Accord books %d deals for %s; the CSV has %d deals for %d", name, r.Count, fmtPtr(r.Amount), wonBy[name], bookings[name])
			}
			all += bookings[name]
			t.Logf("%-16s %5d %12d", name, wonBy[name], bookings[name])
		}
		t.Logf("%-16s %5d %12d", "all", len(durations), all)
	})

	t.Run("sales cycle", func(t *testing.T) {
		f := report("")
		t.Logf("sales cycle, engage → won, closes %s..%s: %d deals, mean %s days (CSV %.4f), median %s days; %d won before engaging (CSV %d)",
			firstClose, lastClose, f.Cycle.Won, fmtPtr(f.Cycle.MeanDays), want.exact, fmtPtr(f.Cycle.MedianDays), f.Cycle.WonBeforeCreated, want.negative)
		checkCycle(t, f.Cycle, want)
	})
}
