package lead

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/accordhq/accord/internal/event"
)

func TestEmailNormalizer(t *testing.T) {
	for _, tt := range []struct {
		in        string
		stripPlus bool
		want      string
	}{
		{" Ann@Acme.COM ", false, "ann@acme.com"},
		{"ann+webinar@acme.com", false, "ann+webinar@acme.com"},
		{"ann+webinar@acme.com", true, "ann@acme.com"},
		{"+x@acme.com", true, "+x@acme.com"}, // nothing before the plus: keep it
	} {
		if got := EmailNormalizer(tt.stripPlus)(tt.in); got != tt.want {
			t.Errorf("normalize(%q, %v) = %q, want %q", tt.in, tt.stripPlus, got, tt.want)
		}
	}
}

// ev builds a stored event for fold tests.
func ev(seq int64, typ event.Type, minute int, data string) event.Event {
	return event.Event{Seq: seq, ID: fmt.Sprint(seq), Type: typ, Data: json.RawMessage(data),
		OccurredAt: time.Date(2026, 3, 2, 9, minute, 0, 0, time.UTC)}
}

func TestFoldFollowsOccurredAtNotArrival(t *testing.T) {
	inOrder := []event.Event{
		ev(1, event.LeadUpserted, 0, `{"lead_id":"L","email":"a@x.com","source":"webinar"}`),
		ev(2, event.LeadStageChanged, 5, `{"lead_id":"L","stage":"mql"}`),
		ev(3, event.ActivityLogged, 9, `{"lead_id":"L","kind":"call"}`),
		ev(4, event.LeadStageChanged, 30, `{"lead_id":"L","stage":"sql"}`),
	}
	// The MQL change arrives last but happened second.
	late := []event.Event{inOrder[0], inOrder[2], inOrder[3], inOrder[1]}
	late[3].Seq = 9
	a, err := Fold("L", inOrder, EmailNormalizer(false))
	if err != nil {
		t.Fatal(err)
	}
	b, err := Fold("L", late, EmailNormalizer(false))
	if err != nil {
		t.Fatal(err)
	}
	if a.Stage != "sql" || b.Stage != "sql" {
		t.Fatalf("stage %q / %q, want sql (the latest by occurred_at)", a.Stage, b.Stage)
	}
	if got := b.StagesEntered["mql"]; !got.Equal(inOrder[1].OccurredAt) {
		t.Fatalf("mql entered %v, want %v", got, inOrder[1].OccurredAt)
	}
	if a.Touches != 1 || a.FirstTouchAt == nil || a.OriginalSource != "webinar" {
		t.Fatalf("touches %d first %v source %q", a.Touches, a.FirstTouchAt, a.OriginalSource)
	}
	h := BuildHistory(late)
	var stages []string
	for _, s := range h.Stages {
		stages = append(stages, s.Stage)
	}
	if fmt.Sprint(stages) != "[inquiry mql sql]" || h.Stages[1].LeftAt == nil || h.Stages[2].LeftAt != nil {
		t.Fatalf("stages %v, spans %+v", stages, h.Stages)
	}
}

func TestReEngagement(t *testing.T) {
	evs := []event.Event{
		ev(1, event.LeadUpserted, 0, `{"lead_id":"L","email":"a@x.com","source":"webinar"}`),
		ev(2, event.LeadUpserted, 1, `{"lead_id":"L","title":"CFO"}`),                           // an update, not an inquiry
		ev(3, event.LeadUpserted, 2, `{"lead_id":"M","email":"A@x.com","source":"trade_show"}`), // another door
		ev(4, event.LeadUpserted, 3, `{"lead_id":"L","inquiry":true,"offer":"demo_request"}`),   // a new hand-raise
	}
	l, err := Fold("L", evs, EmailNormalizer(false))
	if err != nil {
		t.Fatal(err)
	}
	if l.ReEngagements != 2 || l.OriginalSource != "webinar" || l.Source != "trade_show" || l.Title != "CFO" {
		t.Fatalf("re-engagements %d, original %q, latest %q, title %q", l.ReEngagements, l.OriginalSource, l.Source, l.Title)
	}
}
