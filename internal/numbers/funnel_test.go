package numbers_test

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/accordhq/accord/internal/agreement"
	"github.com/accordhq/accord/internal/daily"
	"github.com/accordhq/accord/internal/event"
	"github.com/accordhq/accord/internal/ingest"
	"github.com/accordhq/accord/internal/numbers"
	"github.com/accordhq/accord/internal/store/sqlite"
)

func TestFunnelMonth(t *testing.T) {
	st, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "n.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if _, err := st.Migrate(t.Context()); err != nil {
		t.Fatal(err)
	}
	ny, _ := time.LoadLocation("America/New_York")
	in := ingest.New(st, ingest.Options{Location: ny})
	var evs []string
	add := func(id, typ string, at time.Time, data string) {
		evs = append(evs, fmt.Sprintf(`{"id":%q,"type":%q,"occurred_at":%q,"data":%s}`, id, typ, at.UTC().Format(time.RFC3339), data))
	}
	// March 2026: 10 leads (6 webinar, 4 ads), 5 MQLs, 2 SQLs, 1 deal won
	// for 5,000 on 20 March. One lead arrives at 23:30 on 31 March in New
	// York: 1 April in UTC, but March here.
	for i := range 10 {
		src := "webinar"
		if i >= 6 {
			src = "ads"
		}
		at := time.Date(2026, 3, 2+i, 10, 0, 0, 0, ny)
		if i == 9 {
			at = time.Date(2026, 3, 31, 23, 30, 0, 0, ny)
		}
		l := fmt.Sprintf("L%d", i)
		add("u"+l, "lead.upserted", at, fmt.Sprintf(`{"lead_id":%q,"email":"%s@x.com","source":%q}`, l, l, src))
		add("l"+l, "lead.stage_changed", at.Add(time.Minute), fmt.Sprintf(`{"lead_id":%q,"stage":"lead"}`, l))
		if i < 5 {
			add("m"+l, "lead.stage_changed", at.Add(time.Hour), fmt.Sprintf(`{"lead_id":%q,"stage":"mql"}`, l))
		}
		if i < 2 {
			add("s"+l, "lead.stage_changed", at.Add(2*time.Hour), fmt.Sprintf(`{"lead_id":%q,"stage":"sql"}`, l))
		}
	}
	add("o1", "opportunity.upserted", time.Date(2026, 3, 12, 9, 0, 0, 0, ny), `{"opportunity_id":"O1","lead_id":"L0","amount":5000}`)
	add("c1", "opportunity.closed", time.Date(2026, 3, 20, 9, 0, 0, 0, ny), `{"opportunity_id":"O1","outcome":"won"}`)
	items, err := event.DecodeBatch([]byte("["+strings.Join(evs, ",")+"]"), false, 0, time.Date(2026, 4, 2, 0, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	if rep, err := in.Ingest(t.Context(), items); err != nil || rep.Accepted != len(items) {
		t.Fatalf("ingest: %+v %v", rep, err)
	}
	goals := &agreement.Goals{MQLsPerMonth: 8, BookingsPerMonth: 10000}
	f, err := numbers.Build(t.Context(), st, numbers.Options{Kind: numbers.Month, Day: "2026-03-15", By: daily.Source, Goals: goals})
	if err != nil {
		t.Fatal(err)
	}
	row := func(rows []numbers.Row, m string) numbers.Row {
		for _, r := range rows {
			if r.Metric == m {
				return r
			}
		}
		t.Fatalf("no row %s", m)
		return numbers.Row{}
	}
	// Up to 15 March: leads 0–9 arrive 2–11 March, so 10 leads; 5 MQLs.
	if f.Period.From != "2026-03-01" || f.Period.To != "2026-04-01" || f.DaysElapsed != 15 || f.Days != 31 {
		t.Errorf("period %+v, %d of %d days", f.Period, f.DaysElapsed, f.Days)
	}
	if r := row(f.Rows, "lead"); r.Count != 9 {
		t.Errorf("leads to 15 March = %d, want 9 (the 10th comes on the 31st)", r.Count)
	}
	mql := row(f.Rows, "mql")
	if mql.Count != 5 || *mql.Goal != 8 || *mql.Projected != 10.33 || *mql.OfGoal != 1.292 {
		t.Errorf("MQLs %+v (goal %v, projected %v, of goal %v)", mql, *mql.Goal, *mql.Projected, *mql.OfGoal)
	}
	if c := f.Conversions[1]; c.From != "mql" || c.To != "sql" || c.Numerator != 2 || c.Denominator != 5 || *c.Rate != 0.4 || c.Kind != "period" {
		t.Errorf("MQL→SQL %+v", c)
	}
	if c := f.Cohorts[0]; c.From != "lead" || c.To != "mql" || c.Kind != "cohort" || c.Numerator != 5 || c.Denominator != 9 || c.WithinDays != 0 {
		t.Errorf("cohort lead→mql %+v", c)
	}
	if c := f.Cohorts[3]; c.From != "mql" || c.To != "sql" || c.WithinDays != 30 || c.Numerator != 2 || c.Denominator != 5 {
		t.Errorf("cohort mql→sql within 30 days %+v", c)
	}
	// L0 was created on 2 March at 10:00 and won on 20 March at 09:00:
	// 17 days 22 hours, the clocks having gone forward on 8 March (17.9
	// days). (Won on the 20th: not yet in the month up to the 15th.)
	if f.Cycle.Won != 0 {
		t.Errorf("cycle up to 15 March %+v", f.Cycle)
	}
	if len(f.Groups) != 2 || f.Groups[0].Value != "ads" || row(f.Groups[1].Rows, "lead").Count != 6 {
		t.Errorf("by source %+v", f.Groups)
	}
	// The whole month: the lead of 31 March 23:30 New York time counts.
	f, err = numbers.Build(t.Context(), st, numbers.Options{Kind: numbers.Month, Day: "2026-03-31", Goals: goals})
	if err != nil {
		t.Fatal(err)
	}
	if r := row(f.Rows, "lead"); r.Count != 10 || *r.Projected != 10 {
		t.Errorf("March leads %+v", r)
	}
	if b := row(f.Rows, daily.Bookings); *b.Amount != 5000 || *b.OfGoal != 0.5 {
		t.Errorf("bookings %+v", b)
	}
	if f.Cycle.Won != 1 || *f.Cycle.MeanDays != 17.9 || *f.Cycle.MedianDays != 17 {
		t.Errorf("March's sales cycle %+v: mean %v, median %v", f.Cycle, *f.Cycle.MeanDays, *f.Cycle.MedianDays)
	}
	if fmt.Sprint(f.Weeks) != "[{2026-03-02 open} {2026-03-09 open} {2026-03-16 open} {2026-03-23 open} {2026-03-30 open}]" {
		t.Errorf("March's weeks %v", f.Weeks)
	}
	var csvOut strings.Builder
	if err := f.WriteCSV(&csvOut); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"2026-03-01,2026-04-01,,mql,5,,8,5,0.625\n", "2026-03-01,2026-04-01,,bookings,1,5000,10000,5000,0.5\n", "period,mql,sql,0,2,5,0.4\n", "cohort,mql,sql,30,2,5,0.4\n"} {
		if !strings.Contains(csvOut.String(), want) {
			t.Errorf("CSV lacks %q:\n%s", want, csvOut.String())
		}
	}
	q, err := numbers.Build(t.Context(), st, numbers.Options{Kind: numbers.Quarter, Day: "2026-03-31", Goals: goals})
	if err != nil {
		t.Fatal(err)
	}
	if r := row(q.Rows, "mql"); r.Count != 5 || *r.Goal != 24 {
		t.Errorf("Q1 MQLs %+v goal %v", r, *r.Goal)
	}
}

func TestActivityAndDayComparisons(t *testing.T) {
	st, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "n.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if _, err := st.Migrate(t.Context()); err != nil {
		t.Fatal(err)
	}
	var evs []string
	n := 0
	touch := func(day int, month time.Month, kind, rep string) {
		n++
		at := time.Date(2026, month, day, 15, 0, 0, 0, time.UTC).Format(time.RFC3339)
		evs = append(evs, fmt.Sprintf(`{"id":"t%d","type":"activity.logged","occurred_at":%q,"data":{"lead_id":"L","kind":%q,"actor":%q}}`, n, at, kind, rep))
	}
	// February: sam 3 calls by the 10th, 2 more after; March to the 10th:
	// sam 1 call, kim 2 emails.
	for _, d := range []int{2, 5, 9, 20, 25} {
		touch(d, time.February, "call", "sam")
	}
	touch(4, time.March, "call", "sam")
	touch(6, time.March, "email", "kim")
	touch(10, time.March, "email", "kim")
	items, err := event.DecodeBatch([]byte("["+strings.Join(evs, ",")+"]"), false, 0, time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ingest.New(st, ingest.Options{}).Ingest(t.Context(), items); err != nil {
		t.Fatal(err)
	}
	a, err := numbers.ActivityReport(t.Context(), st, daily.Fiscal{}, numbers.Month, "2026-03-10")
	if err != nil {
		t.Fatal(err)
	}
	if a.Previous.From != "2026-02-01" || a.Previous.To != "2026-02-11" {
		t.Errorf("compared with %+v, want 1–10 February", a.Previous)
	}
	got := fmt.Sprint(a.Kinds)
	if got != "[{call 1 3 -2} {email 2 0 2}]" {
		t.Errorf("kinds %s", got)
	}
	if len(a.Reps) != 2 || a.Reps[1].Rep != "sam" || a.Reps[1].Total.Now != 1 || a.Reps[1].Total.Previous != 3 {
		t.Errorf("reps %+v", a.Reps)
	}
	d, err := numbers.DayReport(t.Context(), st, "2026-03-10")
	if err != nil || d.Against != "2026-03-03" {
		t.Fatalf("day report %+v %v", d, err)
	}
}
