package storetest

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/accordhq/accord/internal/daily"
	"github.com/accordhq/accord/internal/event"
	"github.com/accordhq/accord/internal/ingest"
	"github.com/accordhq/accord/internal/lead"
	"github.com/accordhq/accord/internal/store"
	"github.com/accordhq/accord/internal/versions"
)

// Mixed returns a reproducible stream of batches (JSON array bodies) with
// everything that makes a projection hard: people arriving through several
// lead ids with differently written emails (merges), email changes that join
// two leads, stub leads, late events, opportunities closed before anyone says
// whose they are, people records, and retried events within and across
// batches.
func Mixed(seed uint64, events int) [][]byte {
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	const persons = 12
	door := func(p int) string { return fmt.Sprintf("P%02d-%c", p, 'a'+rune(r.IntN(3))) }
	email := func(p int) string {
		switch r.IntN(4) {
		case 0:
			return fmt.Sprintf("P%02d@Acme.com", p)
		case 1:
			return fmt.Sprintf(" p%02d@ACME.COM ", p)
		case 2:
			return fmt.Sprintf("p%02d+news@acme.com", p)
		}
		return fmt.Sprintf("p%02d@acme.com", p)
	}
	pick := func(xs ...string) string { return xs[r.IntN(len(xs))] }

	var sent []E
	var batches [][]E
	var batch []E
	clock := 0
	for n := 0; n < events; n++ {
		clock += r.IntN(20)
		at := clock
		if r.IntN(100) < 15 {
			at -= 1 + r.IntN(600) // late: before events already sent
		}
		p := r.IntN(persons)
		e := E{ID: fmt.Sprintf("ev%04d", n), At: at}
		switch x := r.IntN(100); {
		case x < 22:
			em := email(p)
			if r.IntN(12) == 0 {
				em = email(r.IntN(persons)) // an email change, often onto someone else's lead
			}
			e.Type, e.Data = event.LeadUpserted, d("lead_id", door(p), "email", em, "source", pick("webinar", "ads", "events", ""),
				"segment", pick("smb", "enterprise"), "inquiry", r.IntN(4) == 0, "score", float64(r.IntN(100)))
		case x < 27:
			e.Type, e.Data = event.LeadUpserted, d("lead_id", door(p), "name", fmt.Sprintf("Person %d", p), "campaign", pick("spring", "fall"))
		case x < 37:
			e.Type, e.Data = event.LeadStageChanged, d("lead_id", door(p), "stage", pick(event.Stages...))
		case x < 45:
			e.Type, e.Data = event.LeadAssigned, d("lead_id", door(p), "owner", pick("sam", "kim", "lee"), "team", pick("east", "west"))
		case x < 63:
			e.Type, e.Data = event.ActivityLogged, d("lead_id", door(p), "kind", pick(event.ActivityKinds...))
		case x < 70:
			e.Type, e.Data = event.LeadDisposition, d("lead_id", door(p), "disposition", pick(event.Dispositions...), "reason", pick("", "timing"))
		case x < 79:
			o := fmt.Sprintf("O%d", r.IntN(8))
			e.Type, e.Data = event.OpportunityUpserted, d("opportunity_id", o, "lead_id", door(p), "amount", float64(100*r.IntN(50)))
			if r.IntN(3) == 0 {
				delete(e.Data, "lead_id")
			}
		case x < 85:
			e.Type, e.Data = event.OpportunityClosed, d("opportunity_id", fmt.Sprintf("O%d", r.IntN(8)), "outcome", pick("won", "lost"))
		default:
			e.Type, e.Data = event.PersonUpserted, d("person_id", pick("sam", "kim", "lee"), "team", pick("east", "west"), "active", r.IntN(5) > 0)
		}
		batch = append(batch, e)
		sent = append(sent, e)
		switch r.IntN(20) {
		case 0: // a retry of something already sent
			batch = append(batch, sent[r.IntN(len(sent))])
		case 1: // a retry inside the same batch
			batch = append(batch, e)
		}
		if r.IntN(12) == 0 || n == events-1 {
			batches = append(batches, batch)
			batch = nil
		}
	}
	bodies := make([][]byte, len(batches))
	for i, b := range batches {
		body, err := json.Marshal(b)
		if err != nil {
			panic(err) // only maps of strings, numbers and bools
		}
		bodies[i] = body
	}
	return bodies
}

// Snapshot renders everything a user can read about leads, opportunities
// and people, one record per line, so two stores can be compared byte for
// byte.
func Snapshot(t *testing.T, st store.Store) string {
	t.Helper()
	ctx := t.Context()
	var b strings.Builder
	line := func(kind string, v any) {
		j, err := json.Marshal(v)
		if err != nil {
			t.Fatalf("encode %s: %v", kind, err)
		}
		fmt.Fprintf(&b, "%s %s\n", kind, j)
	}
	c, err := st.Counts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	line("counts", c)
	f := store.LeadFilter{Limit: 500}
	for {
		page, err := st.Leads(ctx, f)
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range page {
			line("lead", l)
			as, err := st.LeadAliases(ctx, l.LeadID)
			if err != nil {
				t.Fatal(err)
			}
			line("  aliases", as)
			for _, ref := range as {
				if got, err := st.Lead(ctx, ref); err != nil || got.LeadID != l.LeadID {
					t.Errorf("Lead(%s) = %v, %v; want lead %s", ref, got, err, l.LeadID)
				}
			}
			opps, err := st.LeadOpportunities(ctx, l.LeadID)
			if err != nil {
				t.Fatal(err)
			}
			for _, o := range opps {
				line("  opportunity", o)
			}
			evs, err := st.LeadEvents(ctx, l.LeadID)
			if err != nil {
				t.Fatal(err)
			}
			for _, e := range evs {
				line("  event", e)
			}
			obs, err := st.LeadObligations(ctx, l.LeadID)
			if err != nil {
				t.Fatal(err)
			}
			for _, o := range obs {
				line("  obligation", o)
			}
		}
		if len(page) < f.Limit {
			break
		}
		last := page[len(page)-1]
		f.After = &store.Cursor{CreatedAt: last.CreatedAt, LeadID: last.LeadID}
	}
	// Deals no lead has claimed yet are filed under the empty lead key.
	opps, err := st.LeadOpportunities(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range opps {
		line("unclaimed opportunity", o)
	}
	ps, err := st.People(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range ps {
		line("person", p)
	}
	for _, dim := range append([]string{daily.All}, daily.Dimensions...) {
		rows, err := st.Daily(ctx, store.DailyFilter{Dim: dim})
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range rows {
			line("daily", r)
		}
	}
	return b.String()
}

func testRebuild(t *testing.T, open Opener) {
	for _, tc := range []struct {
		name string
		opts ingest.Options
		seed uint64
	}{
		{"seed 1", ingest.Options{}, 1},
		{"seed 2, plus-addressing stripped", ingest.Options{StripPlusAddressing: true}, 2},
		{"seed 3, an agreement in force", ingest.Options{}, 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, open, tc.opts)
			if tc.seed == 3 {
				signedAgreement(t, h.st, mixedAgreement)
			}
			var accepted int64
			for _, body := range Mixed(tc.seed, 400) {
				accepted += int64(h.sendBody(string(body)).Accepted)
			}
			live := Snapshot(t, h.st)
			if n := strings.Count(live, "  obligation "); tc.seed == 3 && n < 10 {
				t.Fatalf("only %d obligations under an agreement in force", n)
			}
			c := h.counts()
			if c.Events != accepted || c.Leads < 5 || c.Opportunities == 0 || c.People == 0 {
				t.Fatalf("scenario too thin or events lost: %+v, %d accepted", c, accepted)
			}
			if !strings.Contains(live, `  aliases ["`) {
				t.Fatal("scenario has no merged leads")
			}
			checkFolds(t, h.st, lead.EmailNormalizer(tc.opts.StripPlusAddressing))
			checkDaily(t, h.st, h.allEvents())
			if n := strings.Count(live, `"dim":"tier"`); tc.seed == 3 && n == 0 {
				t.Error("no atoms by tier under an agreement in force")
			}
			for _, batch := range []int{7, 1, 0} {
				n, err := h.svc.Rebuild(t.Context(), batch, nil)
				if err != nil {
					t.Fatalf("rebuild in batches of %d: %v", batch, err)
				}
				if n != c.Events {
					t.Errorf("rebuild in batches of %d replayed %d events, want %d", batch, n, c.Events)
				}
				sameText(t, fmt.Sprintf("after a rebuild in batches of %d, live and rebuilt projections", batch), Snapshot(t, h.st), live)
			}
		})
	}
}

// checkDaily recounts the reporting atoms from scratch — every lead with
// its opportunities, every activity in the log — and requires the table
// ingest kept up by differences to hold exactly that.
func checkDaily(t *testing.T, st store.Store, log []event.Event) {
	t.Helper()
	ctx := t.Context()
	want := daily.Counts{}
	counter := daily.Counter{Loc: time.UTC}
	book, err := (&versions.Cache{Store: st}).Get(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !book.Empty() {
		counter.Tier = ingest.TierOf(book)
	}
	ls, err := st.Leads(ctx, store.LeadFilter{Limit: 100000})
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range ls {
		opps, err := st.LeadOpportunities(ctx, l.LeadID)
		if err != nil {
			t.Fatal(err)
		}
		want.Add(counter.Of(l, opps), 1)
	}
	for i := range log {
		want.Add(daily.OfActivity(&log[i], time.UTC), 1)
	}
	got := daily.Counts{}
	for _, dim := range append([]string{daily.All}, daily.Dimensions...) {
		rows, err := st.Daily(ctx, store.DailyFilter{Dim: dim})
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range rows {
			got[r.Key] = r.Cell
		}
	}
	if len(want) < 10 {
		t.Fatalf("only %d atoms: the scenario is too thin to check them", len(want))
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("atom %+v = %+v, recounted %+v", k, got[k], v)
		}
	}
	for k, v := range got {
		if _, ok := want[k]; !ok {
			t.Errorf("atom %+v = %+v should not be there", k, v)
		}
	}
}

// checkFolds checks that every stored lead is exactly the fold of the
// events filed under it: what live ingest keeps is what history implies.
func checkFolds(t *testing.T, st store.Store, norm func(string) string) {
	t.Helper()
	ls, err := st.Leads(t.Context(), store.LeadFilter{Limit: 100000})
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range ls {
		evs, err := st.LeadEvents(t.Context(), l.LeadID)
		if err != nil {
			t.Fatal(err)
		}
		f, err := lead.Fold(l.LeadID, evs, norm)
		if err != nil {
			t.Fatal(err)
		}
		f.EmailNorm = l.EmailNorm
		if got, want := mustJSON(t, l), mustJSON(t, f); got != want {
			t.Errorf("lead %s is not the fold of its events:\nstored %s\nfolded %s", l.LeadID, got, want)
		}
	}
}

// testConcurrentWriters ingests from several goroutines while a reader
// tails the log: every event gets its own seq, seqs have no gaps, and the
// reader, paging by seq as /events?after= does, never skips one.
func testConcurrentWriters(t *testing.T, open Opener) {
	h := newHarness(t, open, ingest.Options{})
	const writers, batches, size = 4, 8, 25
	total := writers * batches * size

	done := make(chan struct{})
	tailErr := make(chan error, 1)
	go func() {
		var after int64
		seen := 0
		for {
			// Whether the writers were done before this read decides
			// whether an empty page means events are missing.
			finished := false
			select {
			case <-done:
				finished = true
			default:
			}
			evs, err := h.st.EventsAfter(t.Context(), after, 13)
			if err != nil {
				tailErr <- err
				return
			}
			for _, e := range evs {
				if e.Seq != after+1 {
					tailErr <- fmt.Errorf("reader after seq %d next saw seq %d: an event was skipped or numbered twice", after, e.Seq)
					return
				}
				after = e.Seq
				seen++
			}
			if seen == total {
				tailErr <- nil
				return
			}
			switch {
			case len(evs) > 0:
			case finished:
				// Every writer had committed, so everything must be visible.
				tailErr <- fmt.Errorf("reader saw %d of %d events", seen, total)
				return
			default:
				time.Sleep(time.Millisecond)
			}
		}
	}()

	var wg sync.WaitGroup
	errs := make(chan error, writers)
	for w := range writers {
		wg.Go(func() {
			for b := range batches {
				var evs []E
				for i := range size {
					n := (b*size + i)
					ref := fmt.Sprintf("W%d-%d", w, n%10)
					if n%5 == 0 {
						ref = "shared" // every writer touches this lead
					}
					evs = append(evs, E{fmt.Sprintf("w%d-%03d", w, n), event.ActivityLogged, n, d("lead_id", ref, "kind", "call")})
				}
				body, _ := json.Marshal(evs)
				rep, err := Ingest(t, h.svc, body)
				if err == nil && rep.Accepted != size {
					err = fmt.Errorf("writer %d batch %d: %d of %d accepted", w, b, rep.Accepted, size)
				}
				if err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(done)
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if err := <-tailErr; err != nil {
		t.Error(err)
	}
	// Each writer has 8 leads of its own (n%10 of 0 and 5 go to "shared").
	if c := h.counts(); c.Events != int64(total) || c.Leads != writers*8+1 {
		t.Errorf("counts = %+v, want %d events and %d leads", c, total, writers*8+1)
	}
	if l := h.lead("shared"); l.Touches != total/5 {
		t.Errorf("shared lead has %d touches, want %d", l.Touches, total/5)
	}
}
