package client

import (
	"context"
	"encoding/json"
	"net/url"
	"strings"
	"testing"

	"github.com/accordhq/accord/internal/api"
	"github.com/accordhq/accord/internal/auth"
)

func TestReportsAndReview(t *testing.T) {
	base, tokens := newServer(t, api.DefaultLimits)
	ctx := context.Background()
	mk := strictClient(base, tokens[auth.Marketing])
	if _, err := mk.SendEvents(ctx, []Event{
		{ID: "u1", Type: "lead.upserted", OccurredAt: ts("2026-03-02T10:00:00Z"), Data: map[string]any{"lead_id": "L1", "email": "a@x.com", "source": "webinar"}},
		{ID: "m1", Type: "lead.stage_changed", OccurredAt: ts("2026-03-02T11:00:00Z"), Data: map[string]any{"lead_id": "L1", "stage": "mql"}},
	}); err != nil {
		t.Fatal(err)
	}
	raw, err := mk.Report(ctx, "funnel", url.Values{"period": {"week"}, "date": {"2026-03-04"}, "by": {"source"}})
	if err != nil {
		t.Fatal(err)
	}
	var f struct {
		Rows []struct {
			Metric string
			Count  int
		}
	}
	if err := json.Unmarshal(raw, &f); err != nil || len(f.Rows) == 0 {
		t.Fatalf("funnel %s: %v", raw, err)
	}
	mqls := 0
	for _, r := range f.Rows {
		if r.Metric == "mql" {
			mqls = r.Count
		}
	}
	if mqls != 1 {
		t.Errorf("the week's MQLs = %d, want 1", mqls)
	}
	if _, err := mk.Report(ctx, "funnel", url.Values{"period": {"decade"}}); err == nil || !strings.Contains(err.Error(), "period") {
		t.Errorf("a bad period: %v", err)
	}
	if w, err := mk.ReviewWeek(ctx, "2026-03-04", "snapshot", nil); err != nil || !strings.Contains(string(w), `"status":"in_review"`) {
		t.Errorf("snapshot: %s, %v", w, err)
	}
	if w, err := mk.ReviewWeek(ctx, "2026-03-04", "comments", map[string]string{"metric": "mql", "body": "one webinar MQL"}); err != nil || !strings.Contains(string(w), "one webinar MQL") {
		t.Errorf("comment: %s, %v", w, err)
	}
	if w, err := mk.Week(ctx, "2026-03-08"); err != nil || !strings.Contains(string(w), `"week":"2026-03-02"`) {
		t.Errorf("week: %s, %v", w, err)
	}
	if p, err := mk.Plan(ctx, url.Values{"bookings": {"100000"}, "deal_size": {"10000"}}); err != nil || len(p) == 0 {
		t.Errorf("plan: %s, %v", p, err)
	}
}
