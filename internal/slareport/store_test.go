package slareport_test

import (
	"encoding/json"
	"path/filepath"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/accordhq/accord/internal/agreement"
	"github.com/accordhq/accord/internal/event"
	"github.com/accordhq/accord/internal/ingest"
	"github.com/accordhq/accord/internal/slareport"
	"github.com/accordhq/accord/internal/store"
	"github.com/accordhq/accord/internal/store/sqlite"
)

// inForce is the agreement the test's history was judged by, around the
// clock: first touch within an hour, an answer to an SDR → AE handoff
// within four hours, feedback within a day.
const inForce = `name: report test
timezone: UTC
signers: [Dana]
tiers:
  hot: score >= 60
  warm: true
sales:
  - rule: speed to lead
    when: stage == "mql"
    first_touch_within: 1h
handoffs:
  - {from: sdr, to: ae, accept_within: 4h}
feedback:
  disposition_within: 1d
marketing:
  lead_must_have: [email, company, country]
`

// stricter asks for everything sooner, and for a phone number too.
const stricter = `name: stricter
timezone: UTC
signers: [Dana]
sales:
  - rule: speed to lead
    when: stage == "mql"
    first_touch_within: 10m
handoffs:
  - {from: sdr, to: ae, accept_within: 1h}
feedback:
  disposition_within: 1h
marketing:
  lead_must_have: [email, company, country, phone]
`

var t0 = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

type ev struct {
	id, typ string
	min     int // minutes after t0
	data    map[string]any
}

// history is five leads:
//
//	L0 an MQL touched before the period: outside it.
//	L1 sam's, touched in 5 minutes, converted in 30.
//	L2 sam's, touched in 30 minutes, handed to kim on the AE team at 40,
//	   who accepts two hours later; it has no country.
//	L3 kim's, never touched; no company, no country.
//	L4 an MQL with no owner yet, at 9h45m.
func history() []ev {
	up := func(id, lid string, min int, kv ...any) ev {
		d := map[string]any{"lead_id": lid, "email": lid + "@acme.com", "score": 80.0}
		for i := 0; i+1 < len(kv); i += 2 {
			d[kv[i].(string)] = kv[i+1]
		}
		return ev{id, string(event.LeadUpserted), min, d}
	}
	assign := func(id, lid string, min int, owner, team string) ev {
		return ev{id, string(event.LeadAssigned), min, map[string]any{"lead_id": lid, "owner": owner, "team": team}}
	}
	mql := func(id, lid string, min int) ev {
		return ev{id, string(event.LeadStageChanged), min, map[string]any{"lead_id": lid, "stage": "mql"}}
	}
	touch := func(id, lid string, min int) ev {
		return ev{id, string(event.ActivityLogged), min, map[string]any{"lead_id": lid, "kind": "call"}}
	}
	disp := func(id, lid string, min int, d string) ev {
		return ev{id, string(event.LeadDisposition), min, map[string]any{"lead_id": lid, "disposition": d}}
	}
	return []ev{
		up("u0", "L0", -130, "company", "Zero", "country", "US"), mql("m0", "L0", -120), touch("t0", "L0", -100),
		up("u1", "L1", 0, "company", "One", "country", "US"), assign("a1", "L1", 0, "sam", "sdr"), mql("m1", "L1", 1),
		touch("t1", "L1", 6), disp("d1", "L1", 30, "converted"),
		up("u2", "L2", 0, "company", "Two"), assign("a2", "L2", 0, "sam", "sdr"), mql("m2", "L2", 1),
		touch("t2", "L2", 31), assign("a2b", "L2", 40, "kim", "ae"), disp("d2", "L2", 160, "accepted"),
		up("u3", "L3", 0), assign("a3", "L3", 0, "kim", "sdr"), mql("m3", "L3", 2),
		up("u4", "L4", 580, "company", "Four", "country", "FR"), mql("m4", "L4", 585),
	}
}

// seed makes a SQLite store with the agreement in force from long before
// the history, and ingests the history.
func seed(t *testing.T) store.Store {
	t.Helper()
	ctx := t.Context()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "accord.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if _, err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	long := t0.Add(-365 * 24 * time.Hour)
	v, err := st.CreateAgreementVersion(ctx, store.NewAgreementVersion{Body: []byte(inForce), EffectiveFrom: long,
		UploadedBy: "test", UploadedAt: long, Signers: []string{"Dana"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.SignAgreementVersion(ctx, store.Signature{Version: v.Number, Signer: "Dana", SignedAt: long, TokenID: "tok", TokenName: "test"}); err != nil {
		t.Fatal(err)
	}
	var raw []map[string]any
	for _, e := range history() {
		raw = append(raw, map[string]any{"id": e.id, "type": e.typ, "occurred_at": t0.Add(time.Duration(e.min) * time.Minute).Format(time.RFC3339), "data": e.data})
	}
	body, _ := json.Marshal(raw)
	items, err := event.DecodeBatch(body, false, 0, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	rep, err := ingest.New(st, ingest.Options{}).Ingest(ctx, items)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Accepted != len(items) {
		t.Fatalf("ingest accepted %d of %d: %+v", rep.Accepted, len(items), rep)
	}
	return st
}

// figures are the numbers a test checks of a report's overall group.
type figures struct {
	total, met, breached, open, overdue int
	judged, ftN                         int
	worked, leads                       int
	disp, dispJudged                    int
	accept, acceptJudged                int
	mustHave                            int
}

func figuresOf(r *slareport.Report) figures {
	g := r.Overall
	c := g.Obligations
	return figures{c.Total, c.Met, c.Breached, c.Open, c.OpenOverdue, g.Met.Denominator, g.FirstTouch.N,
		g.Worked.Numerator, g.Worked.Denominator, g.DispositionsOnTime.Numerator, g.DispositionsOnTime.Denominator,
		g.HandoffsAcceptedOnTime.Numerator, g.HandoffsAcceptedOnTime.Denominator, g.MustHave.Numerator}
}

func TestLoadAndBacktest(t *testing.T) {
	st := seed(t)
	ctx := t.Context()
	from, to, now := t0, t0.Add(24*time.Hour), t0.Add(10*time.Hour)
	opt := slareport.Options{From: from, To: to, Now: now, By: slareport.ByOwner}

	in, err := slareport.Load(ctx, st, from, to)
	if err != nil {
		t.Fatal(err)
	}
	if len(in.Leads) != 4 || in.Leads["L0"] != nil {
		t.Errorf("Load read leads %v; want L1–L4, not L0 (its obligations started before the period)", keys(in.Leads))
	}
	cur := slareport.Build(in, opt)
	// L1: first touch met (5m), feedback met. L2: first touch met (30m),
	// feedback met (159m), handoff accepted (2h). L3: first touch overdue,
	// feedback open. L4: first touch open, not yet due.
	want := figures{total: 8, met: 5, breached: 1, open: 2, overdue: 1, judged: 6, ftN: 2,
		worked: 2, leads: 4, disp: 2, dispJudged: 2, accept: 1, acceptJudged: 1, mustHave: 2}
	if got := figuresOf(cur); got != want {
		t.Errorf("in force:\n got %+v\nwant %+v", got, want)
	}
	if ft := cur.Overall.FirstTouch; ft.Business == nil || ft.Business.P50 != slareport.Seconds(5*time.Minute) || ft.Wall.P90 != slareport.Seconds(30*time.Minute) {
		t.Errorf("first touch %+v", ft)
	}
	if len(cur.MustHave) != 3 || cur.Overall.Missing["country"] != 2 || cur.Overall.Missing["company"] != 1 {
		t.Errorf("must have %v, missing %v", cur.MustHave, cur.Overall.Missing)
	}
	if len(cur.Groups) != 3 || cur.Groups[0].Key != "kim" || cur.Groups[1].Key != "sam" || cur.Groups[2].Key != "" ||
		cur.Groups[1].Obligations.Met != 3 || cur.Groups[0].Obligations.Total != 4 {
		t.Errorf("by owner: %+v", cur.Groups)
	}
	if cur.Overall.OpenAge.N != 3 || cur.Overall.OpenAge.Business == nil {
		t.Errorf("open age with the store's book: %+v", cur.Overall.OpenAge)
	}

	before := snapshot(t, st)

	// The agreement in force, replayed, judges exactly as live ingest did.
	ag, err := agreement.Parse([]byte(inForce))
	if err != nil {
		t.Fatal(err)
	}
	same, err := slareport.Backtest(ctx, st, ag, from, to, nil)
	if err != nil {
		t.Fatal(err)
	}
	if replay := slareport.Build(same, opt); !reflect.DeepEqual(replay.Overall, cur.Overall) || !reflect.DeepEqual(replay.Groups, cur.Groups) {
		t.Errorf("replaying the agreement in force differs from live:\n got %+v\nwant %+v", replay.Overall, cur.Overall)
	}

	strict, err := agreement.Parse([]byte(stricter))
	if err != nil {
		t.Fatal(err)
	}
	bt, err := slareport.Backtest(ctx, st, strict, from, to, nil)
	if err != nil {
		t.Fatal(err)
	}
	pro := slareport.Build(bt, opt)
	// Only L1 keeps its promises (5m, 29m); L2's three are late, L3's two
	// overdue, and L4's ten minutes ran out at 9h55m.
	want = figures{total: 8, met: 2, breached: 6, open: 0, overdue: 3, judged: 8, ftN: 2,
		worked: 2, leads: 4, disp: 1, dispJudged: 3, accept: 0, acceptJudged: 1, mustHave: 0}
	if got := figuresOf(pro); got != want {
		t.Errorf("proposed:\n got %+v\nwant %+v", got, want)
	}
	if pro.Overall.Obligations.Breached <= cur.Overall.Obligations.Breached {
		t.Errorf("the stricter agreement should breach more: %d vs %d", pro.Overall.Obligations.Breached, cur.Overall.Obligations.Breached)
	}
	if pro.Overall.Missing["phone"] != 4 {
		t.Errorf("proposed must-have judged by the proposed fields: %v", pro.Overall.Missing)
	}
	for _, o := range bt.Obligations {
		if o.Version != 2 {
			t.Errorf("a backtest obligation carries version %d, want 2 (one past the stored)", o.Version)
			break
		}
	}

	if after := snapshot(t, st); !reflect.DeepEqual(before, after) {
		t.Errorf("the backtest changed the store:\nbefore %s\nafter  %s", before, after)
	}
}

// TestLoadLeadsOfAPeriod: LoadObligations over a span reads no lead;
// LoadLeads then reads only the leads of the obligations that started in
// its period; over the same period the two are Load.
func TestLoadLeadsOfAPeriod(t *testing.T) {
	st := seed(t)
	ctx := t.Context()
	span, err := slareport.LoadObligations(ctx, st, time.Time{}, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	if len(span.Obligations) != 9 || len(span.Leads) != 0 || span.Book == nil || len(span.MustHave) != 3 {
		t.Fatalf("LoadObligations: %d obligations, leads %v, book %v, must-have %v; want 9, none, the store's book, 3 fields",
			len(span.Obligations), keys(span.Leads), span.Book != nil, span.MustHave)
	}
	for _, c := range []struct {
		name     string
		from, to time.Time
		leads    []string
	}{
		{"before", t0.Add(-3 * time.Hour), t0, []string{"L0"}},
		{"first minute", t0, t0.Add(2 * time.Minute), []string{"L1", "L2"}},
		{"evening", t0.Add(9 * time.Hour), t0.Add(24 * time.Hour), []string{"L4"}},
		{"later", t0.Add(24 * time.Hour), t0.Add(48 * time.Hour), nil},
		{"all time", time.Time{}, time.Time{}, []string{"L0", "L1", "L2", "L3", "L4"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			in, err := slareport.LoadObligations(ctx, st, time.Time{}, time.Time{})
			if err != nil {
				t.Fatal(err)
			}
			if err := in.LoadLeads(ctx, st, c.from, c.to); err != nil {
				t.Fatal(err)
			}
			if got := keys(in.Leads); !reflect.DeepEqual(got, c.leads) {
				t.Errorf("leads %v, want %v", got, c.leads)
			}
			// Over its own period, the two steps are Load.
			two, err := slareport.LoadObligations(ctx, st, c.from, c.to)
			if err == nil {
				err = two.LoadLeads(ctx, st, c.from, c.to)
			}
			one, err2 := slareport.Load(ctx, st, c.from, c.to)
			if err != nil || err2 != nil {
				t.Fatal(err, err2)
			}
			opt := slareport.Options{From: c.from, To: c.to, By: slareport.BySource, Now: t0.Add(10 * time.Hour)}
			if a, b := slareport.Build(one, opt), slareport.Build(two, opt); !reflect.DeepEqual(a, b) {
				t.Errorf("Load's report differs from LoadObligations and LoadLeads':\n%+v\n%+v", a, b)
			}
		})
	}
	// A second period adds its leads to those already read.
	if err := span.LoadLeads(ctx, st, t0, t0.Add(2*time.Minute)); err != nil {
		t.Fatal(err)
	}
	if err := span.LoadLeads(ctx, st, t0.Add(9*time.Hour), time.Time{}); err != nil {
		t.Fatal(err)
	}
	if got := keys(span.Leads); !reflect.DeepEqual(got, []string{"L1", "L2", "L4"}) {
		t.Errorf("after two periods: leads %v, want L1, L2, L4", got)
	}
}

// TestBacktestPeriod: only obligations that started in the period count,
// and a lead whose events all came before it is not replayed at all.
func TestBacktestPeriod(t *testing.T) {
	st := seed(t)
	strict, err := agreement.Parse([]byte(stricter))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name     string
		from, to time.Time
		n        int
		leads    []string
	}{
		{"before", t0.Add(-3 * time.Hour), t0, 1, []string{"L0"}},
		{"first minute", t0, t0.Add(2 * time.Minute), 4, []string{"L1", "L2"}},
		{"evening", t0.Add(9 * time.Hour), t0.Add(24 * time.Hour), 1, []string{"L4"}},
		{"later", t0.Add(24 * time.Hour), t0.Add(48 * time.Hour), 0, nil},
		{"all time", time.Time{}, time.Time{}, 9, []string{"L0", "L1", "L2", "L3", "L4"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			in, err := slareport.Backtest(t.Context(), st, strict, c.from, c.to, nil)
			if err != nil {
				t.Fatal(err)
			}
			if len(in.Obligations) != c.n || !reflect.DeepEqual(keys(in.Leads), c.leads) {
				t.Errorf("%d obligations of %v; want %d of %v", len(in.Obligations), keys(in.Leads), c.n, c.leads)
			}
		})
	}
}

func keys[V any](m map[string]V) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// snapshot is everything a backtest must leave alone: the obligations,
// their alerts, the leads and the log.
func snapshot(t *testing.T, st store.Store) string {
	t.Helper()
	ctx := t.Context()
	obs, err := st.Obligations(ctx, store.ObligationFilter{Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	alerts, err := st.Alerts(ctx, store.AlertFilter{Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	leads, err := st.Leads(ctx, store.LeadFilter{Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	evs, err := st.EventsAfter(ctx, 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	vs, err := st.AgreementVersions(ctx)
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal([]any{obs, alerts, leads, len(evs), vs})
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
