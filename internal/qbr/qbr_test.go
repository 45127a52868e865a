package qbr_test

import (
	"encoding/xml"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/accordhq/accord/internal/agreement"
	"github.com/accordhq/accord/internal/event"
	"github.com/accordhq/accord/internal/ingest"
	"github.com/accordhq/accord/internal/qbr"
	"github.com/accordhq/accord/internal/store/sqlite"
)

func TestQuarterDocument(t *testing.T) {
	st, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "q.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if _, err := st.Migrate(t.Context()); err != nil {
		t.Fatal(err)
	}
	var evs []string
	add := func(id, typ string, at time.Time, data string) {
		evs = append(evs, fmt.Sprintf(`{"id":%q,"type":%q,"occurred_at":%q,"data":%s}`, id, typ, at.Format(time.RFC3339), data))
	}
	// Q1 2026: January 4 leads (2 MQLs), February 6 leads (3 MQLs, 1 SQL),
	// March 2 leads (a deal won for 7,500).
	n := 0
	for month, leads := range map[time.Month]int{time.January: 4, time.February: 6, time.March: 2} {
		for i := range leads {
			n++
			l := fmt.Sprintf("L%d", n)
			at := time.Date(2026, month, 3+i, 12, 0, 0, 0, time.UTC)
			src := []string{"webinar", "ads"}[i%2]
			add("u"+l, "lead.upserted", at, fmt.Sprintf(`{"lead_id":%q,"email":"%s@x.com","source":%q}`, l, l, src))
			add("l"+l, "lead.stage_changed", at, fmt.Sprintf(`{"lead_id":%q,"stage":"lead"}`, l))
			if (month == time.January && i < 2) || (month == time.February && i < 3) {
				add("m"+l, "lead.stage_changed", at.Add(time.Hour), fmt.Sprintf(`{"lead_id":%q,"stage":"mql"}`, l))
			}
			if month == time.February && i == 0 {
				add("s"+l, "lead.stage_changed", at.Add(2*time.Hour), fmt.Sprintf(`{"lead_id":%q,"stage":"sql"}`, l))
			}
			if month == time.March && i == 0 {
				add("o"+l, "opportunity.upserted", at, fmt.Sprintf(`{"opportunity_id":"O1","lead_id":%q,"amount":7500}`, l))
				add("c"+l, "opportunity.closed", at.Add(24*time.Hour), `{"opportunity_id":"O1","outcome":"won"}`)
			}
		}
	}
	items, err := event.DecodeBatch([]byte("["+strings.Join(evs, ",")+"]"), false, 0, time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ingest.New(st, ingest.Options{}).Ingest(t.Context(), items); err != nil {
		t.Fatal(err)
	}
	goals := &agreement.Goals{BookingsPerMonth: 10000, AverageDealSize: 5000, MarketingShare: 1,
		Rates: agreement.Rates{LeadToMQL: 0.5, MQLToSQL: 0.5, SQLToOpportunity: 0.5, OpportunityToCustomer: 0.5}}
	q, err := qbr.Build(t.Context(), st, qbr.Options{Day: "2026-03-31", Goals: goals})
	if err != nil {
		t.Fatal(err)
	}
	if q.Quarter.Name != "FY2026-Q1" || len(q.Months) != 3 || len(q.Weeks) == 0 {
		t.Fatalf("quarter %+v, %d months, %d weeks", q.Quarter, len(q.Months), len(q.Weeks))
	}
	var md strings.Builder
	if err := q.Markdown(&md); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"# Quarterly business review: FY2026-Q1",
		// 2 customers a month → 4 opps → 8 SQLs → 16 MQLs → 32 leads; ×3.
		"| lead | 12 | 12 | 96 | 12% |",
		"| bookings | 7,500 | 7,500 | 30,000 | 25% |",
		"| 2026-01 | 4 | 2 | 0 | 0 | 0 | 0 |",
		"| 2026-02 | period | 50.0% (3/6) | 33.3% (1/3) |",
		"| ads |", "| webinar |",
		"No obligations in the quarter",
	} {
		if !strings.Contains(md.String(), want) {
			t.Errorf("Markdown lacks %q:\n%s", want, md.String())
		}
	}
	var csvOut strings.Builder
	if err := q.CSV(&csvOut); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(csvOut.String(), "month,2026-02,,mql,3,16,3\n") {
		t.Errorf("CSV:\n%s", csvOut.String())
	}
	var page strings.Builder
	if err := q.HTML(&page); err != nil {
		t.Fatal(err)
	}
	h := page.String()
	if strings.Contains(h, "http://") || strings.Contains(h, "https://") || strings.Count(h, "<svg") != 2 || !strings.Contains(h, `<td class="n">7,500</td>`) {
		t.Errorf("HTML page: %d charts, external links %v\n%s", strings.Count(h, "<svg"), strings.Contains(h, "http"), h[:min(len(h), 2000)])
	}
	// The page must be well-formed enough for an XML reader (every tag closed).
	d := xml.NewDecoder(strings.NewReader(h[strings.Index(h, "<body>"):strings.Index(h, "</html>")]))
	d.Strict, d.AutoClose, d.Entity = false, xml.HTMLAutoClose, xml.HTMLEntity
	for {
		if _, err := d.Token(); err != nil {
			if err.Error() != "EOF" {
				t.Errorf("HTML does not parse: %v", err)
			}
			break
		}
	}
}
