package obligation

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"reflect"
	"testing"
	"time"

	"github.com/accordhq/accord/internal/agreement"
	"github.com/accordhq/accord/internal/event"
	"github.com/accordhq/accord/internal/lead"
)

// book is a Book of versions each in force from its time.
type book struct {
	from []time.Time
	ags  []*agreement.Agreement
}

func (b *book) At(t time.Time) (*agreement.Agreement, int) {
	n := 0
	for i, f := range b.from {
		if !f.After(t) {
			n = i + 1
		}
	}
	if n == 0 {
		return nil, 0
	}
	return b.ags[n-1], n
}

func (b *book) Version(n int) *agreement.Agreement {
	if n < 1 || n > len(b.ags) {
		return nil
	}
	return b.ags[n-1]
}

func acme(t testing.TB) *agreement.Agreement {
	t.Helper()
	ag, err := agreement.ParseFile("../../examples/agreement/acme.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return ag
}

var ny, _ = time.LoadLocation("America/New_York")

// at is a wall-clock time in New York in November 2026 (Mon 2 Nov … ).
func at(day, hour, minute int) time.Time { return time.Date(2026, 11, day, hour, minute, 0, 0, ny) }

// history builds a lead's events in order.
type history struct {
	key string
	seq int64
	evs []event.Event
}

func (h *history) add(typ event.Type, when time.Time, data string) *history {
	h.seq++
	h.evs = append(h.evs, event.Event{Seq: h.seq, ID: fmt.Sprintf("e%d", h.seq), Type: typ,
		OccurredAt: when.UTC(), Data: json.RawMessage(data)})
	return h
}

func (h *history) upsert(when time.Time, fields string) *history {
	return h.add(event.LeadUpserted, when, `{"lead_id":"`+h.key+`"`+fields+`}`)
}
func (h *history) stage(when time.Time, s string) *history {
	return h.add(event.LeadStageChanged, when, `{"lead_id":"`+h.key+`","stage":"`+s+`"}`)
}
func (h *history) assign(when time.Time, owner, team string) *history {
	return h.add(event.LeadAssigned, when, `{"lead_id":"`+h.key+`","owner":"`+owner+`","team":"`+team+`"}`)
}
func (h *history) touch(when time.Time) *history {
	return h.add(event.ActivityLogged, when, `{"lead_id":"`+h.key+`","kind":"call"}`)
}
func (h *history) dispose(when time.Time, d string) *history {
	return h.add(event.LeadDisposition, when, `{"lead_id":"`+h.key+`","disposition":"`+d+`"}`)
}

func derive(t *testing.T, b Book, h *history) []*Obligation {
	t.Helper()
	obs, err := Derive(b, h.key, h.evs, lead.EmailNormalizer(false))
	if err != nil {
		t.Fatal(err)
	}
	return obs
}

func find(obs []*Obligation, rule string, kind Kind) *Obligation {
	for _, o := range obs {
		if o.Rule == rule && o.Kind == kind {
			return o
		}
	}
	return nil
}

const tierA = `,"email":"a@x.com","offer":"demo_request","country":"US","company":"X"`

func TestFirstTouchInBusinessTime(t *testing.T) {
	b := &book{from: []time.Time{at(1, 0, 0)}, ags: []*agreement.Agreement{acme(t)}}
	for _, tt := range []struct {
		name            string
		mql, touch      time.Time
		wantDue         time.Time
		wantStatus      Status
		wantBusiness    time.Duration
		wantWarn        time.Time
		wantEscalate    time.Time
		wantWallAtLeast time.Duration
	}{
		{"in hours, touched in 3 minutes", at(2, 10, 0), at(2, 10, 3), at(2, 10, 5), Met, 3 * time.Minute, at(2, 10, 3), at(2, 10, 15), 3 * time.Minute},
		{"in hours, touched late", at(2, 10, 0), at(2, 10, 9), at(2, 10, 5), Breached, 9 * time.Minute, at(2, 10, 3), at(2, 10, 15), 9 * time.Minute},
		{"friday evening: due monday 09:05", at(6, 18, 30), at(9, 9, 4), at(9, 9, 5), Met, 4 * time.Minute, at(9, 9, 3), at(9, 9, 15), 62 * time.Hour},
		{"two minutes before close: due next morning", at(3, 16, 58), at(4, 9, 1), at(4, 9, 3), Met, 3 * time.Minute, at(4, 9, 1), at(4, 9, 13), 16 * time.Hour},
		// 26 Nov 2026 is Thanksgiving (US holiday) and 27 Nov a company day off.
		{"thanksgiving and the day after are closed", at(25, 16, 59), at(30, 9, 10), at(30, 9, 4), Breached, 11 * time.Minute, at(30, 9, 2), at(30, 9, 14), 4 * 24 * time.Hour},
	} {
		t.Run(tt.name, func(t *testing.T) {
			h := &history{key: "L"}
			h.upsert(tt.mql.Add(-time.Minute), tierA).assign(tt.mql.Add(-time.Minute), "sam", "sdr").stage(tt.mql, "mql")
			open := find(derive(t, b, h), "speed to lead, tier A", FirstTouch)
			if open == nil {
				t.Fatal("no first-touch obligation for a tier A MQL")
			}
			if !open.DueAt.Equal(tt.wantDue) || !open.WarnAt.Equal(tt.wantWarn) || !open.EscalateAt.Equal(tt.wantEscalate) {
				t.Errorf("due %v warn %v escalate %v, want %v %v %v", open.DueAt.In(ny), open.WarnAt.In(ny), open.EscalateAt.In(ny), tt.wantDue, tt.wantWarn, tt.wantEscalate)
			}
			if open.Status != Open || open.Outcome(tt.wantDue.Add(-time.Second)) != Open || open.Outcome(tt.wantDue) != Breached {
				t.Errorf("open obligation: status %s, outcome before due %s, at due %s", open.Status, open.Outcome(tt.wantDue.Add(-time.Second)), open.Outcome(tt.wantDue))
			}
			h.touch(tt.touch)
			o := find(derive(t, b, h), "speed to lead, tier A", FirstTouch)
			if o.Status != tt.wantStatus || o.Business != tt.wantBusiness || o.Wall < tt.wantWallAtLeast || !o.ClosedAt.Equal(tt.touch) {
				t.Errorf("after the touch: %s, business %v, wall %v, closed %v; want %s, %v, ≥ %v", o.Status, o.Business, o.Wall, o.ClosedAt, tt.wantStatus, tt.wantBusiness, tt.wantWallAtLeast)
			}
			if o.Version != 1 || o.Tier != "A" || o.Owner != "sam" || o.Calendar != "us-office" {
				t.Errorf("judged by version %d, tier %q, owner %q, calendar %q", o.Version, o.Tier, o.Owner, o.Calendar)
			}
			if len(o.Alerts()) != 0 {
				t.Errorf("a closed obligation still has alerts %v", o.Alerts())
			}
		})
	}
}

func TestPauseResumeMoveCancel(t *testing.T) {
	b := &book{from: []time.Time{at(1, 0, 0)}, ags: []*agreement.Agreement{acme(t)}}
	const tierB = `,"email":"b@x.com","score":60,"country":"US","company":"Y"`
	h := &history{key: "B"}
	h.upsert(at(2, 9, 0), tierB).assign(at(2, 9, 0), "sam", "sdr").stage(at(2, 9, 0), "mql")
	obs := derive(t, b, h)
	ft := find(obs, "work every B lead", FirstTouch)
	cad := find(obs, "work every B lead", Touches)
	fb := find(obs, "feedback", Feedback)
	if ft == nil || cad == nil || fb == nil {
		t.Fatalf("a tier B MQL owned by a rep gets first touch, cadence and feedback; got %v", obs)
	}
	if !ft.DueAt.Equal(at(2, 13, 0)) || cad.Need != 6 || cad.Within != 80*time.Hour || !cad.DueAt.Equal(at(16, 17, 0)) {
		t.Errorf("first touch due %v (want 13:00); cadence need %d within %v due %v (want 6, 80h, Mon 16 Nov 17:00 — 10 business days, Veterans Day 11 Nov closed)", ft.DueAt.In(ny), cad.Need, cad.Within, cad.DueAt.In(ny))
	}
	// Waiting on the prospect from 10:00 to 14:00 stops the clocks for four
	// business hours.
	h.upsert(at(2, 10, 0), `,"attributes":{"waiting_on":"prospect"}`)
	obs = derive(t, b, h)
	if ft = find(obs, "work every B lead", FirstTouch); !ft.Paused() || !ft.DueAt.IsZero() || ft.Used != time.Hour || len(ft.Alerts()) != 0 {
		t.Errorf("paused: paused %v due %v used %v alerts %v", ft.Paused(), ft.DueAt, ft.Used, ft.Alerts())
	}
	h.upsert(at(2, 14, 0), `,"attributes":{"waiting_on":""}`)
	obs = derive(t, b, h)
	if ft = find(obs, "work every B lead", FirstTouch); ft.Paused() || !ft.DueAt.Equal(at(2, 17, 0)) || ft.Pauses != 1 {
		t.Errorf("resumed: paused %v due %v (want 17:00) pauses %d", ft.Paused(), ft.DueAt.In(ny), ft.Pauses)
	}
	// Reassigned: the obligation moves with the lead and its clock runs on.
	h.assign(at(2, 15, 0), "kim", "sdr")
	obs = derive(t, b, h)
	if ft = find(obs, "work every B lead", FirstTouch); ft.Owner != "kim" || ft.FirstOwner != "sam" || ft.Moves != 1 || !ft.DueAt.Equal(at(2, 17, 0)) {
		t.Errorf("moved: owner %q first %q moves %d due %v", ft.Owner, ft.FirstOwner, ft.Moves, ft.DueAt.In(ny))
	}
	h.touch(at(2, 16, 0)).touch(at(3, 10, 0))
	// Disqualified after two of six touches: the cadence is broken.
	h.dispose(at(3, 11, 0), "disqualified")
	obs = derive(t, b, h)
	ft = find(obs, "work every B lead", FirstTouch)
	cad = find(obs, "work every B lead", Touches)
	fb = find(obs, "feedback", Feedback)
	if ft.Status != Met || ft.Business != 3*time.Hour {
		t.Errorf("first touch %s after %v business (want met, 3h: 09–10 and 14–16, the pause not counted)", ft.Status, ft.Business)
	}
	if cad.Status != Breached || cad.Done != 2 || cad.CloseBy != "e9" {
		t.Errorf("cadence %s with %d touches closed by %s; want breached, 2, e9 (%s)", cad.Status, cad.Done, cad.CloseBy, cad.Reason)
	}
	if fb.Status != Met {
		t.Errorf("feedback %s, want met by the disposition", fb.Status)
	}
	// A second B lead that progresses to SQL: its cadence is cancelled.
	h2 := &history{key: "C"}
	h2.upsert(at(2, 9, 0), tierB).assign(at(2, 9, 0), "sam", "sdr").stage(at(2, 9, 0), "mql").touch(at(2, 9, 30)).stage(at(2, 11, 0), "sql")
	cad = find(derive(t, b, h2), "work every B lead", Touches)
	if cad.Status != Cancelled || cad.Reason != "the rule no longer applies (stage mql → sql)" {
		t.Errorf("cadence after SQL: %s %q", cad.Status, cad.Reason)
	}
}

func TestHandoffAcceptance(t *testing.T) {
	b := &book{from: []time.Time{at(1, 0, 0)}, ags: []*agreement.Agreement{acme(t)}}
	h := &history{key: "H"}
	h.upsert(at(2, 9, 0), tierA+`,"attributes":{"budget":"50k","need":"yes"}`).assign(at(2, 9, 0), "sam", "sdr").stage(at(2, 9, 0), "mql").
		touch(at(2, 9, 2)).stage(at(2, 12, 0), "sql").assign(at(2, 12, 0), "ava", "ae")
	acc := find(derive(t, b, h), "handoff sdr → ae", Accept)
	if acc == nil {
		t.Fatal("no acceptance obligation on handoff sdr → ae")
	}
	if !acc.DueAt.Equal(at(3, 12, 0)) || acc.Owner != "ava" || !reflect.DeepEqual(acc.Missing, []string{"authority", "timeline"}) {
		t.Errorf("accept due %v owner %q missing %v", acc.DueAt.In(ny), acc.Owner, acc.Missing)
	}
	h.dispose(at(3, 11, 0), "rejected")
	if acc = find(derive(t, b, h), "handoff sdr → ae", Accept); acc.Status != Met || acc.Business != 7*time.Hour {
		t.Errorf("rejected the next morning: %s after %v business", acc.Status, acc.Business)
	}
}

func TestVersionsJudgeWhatTheyStarted(t *testing.T) {
	v1 := acme(t)
	body := `name: stricter
timezone: America/New_York
calendars:
  us-office: {hours: "Mon-Fri 09:00-17:00", holidays: US}
tiers:
  A: offer == "demo_request"
sales:
  - rule: speed to lead, tier A
    when: stage == "mql" and tier == "A"
    calendar: us-office
    first_touch_within: 2m
`
	v2, err := agreement.Parse([]byte(body))
	if err != nil {
		t.Fatal(err)
	}
	b := &book{from: []time.Time{at(1, 0, 0), at(3, 0, 0)}, ags: []*agreement.Agreement{v1, v2}}
	h := &history{key: "V"}
	h.upsert(at(2, 16, 0), tierA).assign(at(2, 16, 0), "sam", "sdr").stage(at(2, 16, 0), "mql")
	h.stage(at(4, 10, 0), "nurture").stage(at(4, 11, 0), "mql")
	obs := derive(t, b, h)
	var versions []int
	for _, o := range obs {
		if o.Kind == FirstTouch {
			versions = append(versions, o.Version)
		}
	}
	if !reflect.DeepEqual(versions, []int{1, 2}) {
		t.Fatalf("first-touch obligations judged by versions %v, want [1 2]", versions)
	}
	if o := obs[len(obs)-1]; o.Within != 2*time.Minute || !o.DueAt.Equal(at(4, 11, 2)) {
		t.Errorf("version 2's obligation: within %v due %v", o.Within, o.DueAt.In(ny))
	}
}

// TestStepEqualsDerive: stepping a random history one event at a time (as
// live ingest does, keeping only open obligations between events) ends
// where deriving the whole history does.
func TestStepEqualsDerive(t *testing.T) {
	b := &book{from: []time.Time{at(1, 0, 0)}, ags: []*agreement.Agreement{acme(t)}}
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range 300 {
		h := &history{key: fmt.Sprintf("R%d", i)}
		when := at(2, 8, 0).Add(time.Duration(rng.IntN(5*24*60)) * time.Minute)
		h.upsert(when, tierA)
		for range 4 + rng.IntN(12) {
			when = when.Add(time.Duration(rng.IntN(600)) * time.Minute)
			switch rng.IntN(7) {
			case 0:
				h.stage(when, []string{"mql", "sql", "nurture", "disqualified"}[rng.IntN(4)])
			case 1:
				h.assign(when, []string{"sam", "kim", "ava"}[rng.IntN(3)], []string{"sdr", "ae"}[rng.IntN(2)])
			case 2, 3:
				h.touch(when)
			case 4:
				h.dispose(when, []string{"accepted", "rejected", "disqualified"}[rng.IntN(3)])
			case 5:
				h.upsert(when, []string{`,"attributes":{"waiting_on":"prospect"}`, `,"attributes":{"waiting_on":""}`, `,"score":70,"offer":"ebook"`}[rng.IntN(3)])
			case 6:
				h.stage(when, "mql")
			}
		}
		want := derive(t, b, h)

		l := lead.New(h.key)
		live := &Set{Key: h.key}
		var closed []*Obligation
		for _, e := range h.evs {
			before := Snapshot(l, &e)
			if err := l.Apply(e, lead.EmailNormalizer(false)); err != nil {
				t.Fatal(err)
			}
			live.Step(b, before, agreement.FieldsOf(l), &e)
			// Live ingest keeps only the open ones in memory.
			var open []*Obligation
			for _, o := range live.List {
				if o.Status == Open {
					open = append(open, o)
				} else {
					closed = append(closed, o)
				}
			}
			live.List = open
		}
		got := map[string]Obligation{}
		for _, o := range append(closed, live.List...) {
			c := *o
			c.changed = false
			got[o.ID] = c
		}
		if len(got) != len(want) {
			t.Fatalf("history %d: live has %d obligations, derive %d", i, len(got), len(want))
		}
		for _, o := range want {
			c := *o
			c.changed = false
			if !reflect.DeepEqual(got[o.ID], c) {
				t.Fatalf("history %d: obligation %s differs\nlive   %+v\nderive %+v", i, o.ID, got[o.ID], c)
			}
		}
	}
}
