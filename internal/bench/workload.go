package bench

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"
)

// step is one kind of event in a lead's script.
type step int

const (
	stepAssign step = iota
	stepMQL
	stepActivity
	stepDisposition
	stepSQL
	stepOpportunity
	stepClose
	stepUpdate
)

// benchLead is a lead the workload is still sending events about.
type benchLead struct {
	id, email, company string
	script             []step
	last               time.Time // occurred_at of its latest event
	events             int
	opp                string
}

// workload produces the bench's events: what a CRM sync sends for a
// stream of new leads, each followed over the next batches by its
// assignment, stage changes, several activities, a disposition and, for
// some, an opportunity. Every lead.upserted carries an email, so each one
// goes through identity resolution, and a few leads come back through a
// second form with the email of an earlier lead (a re-engagement, filed
// under the earlier lead). About 1% of events arrive after later events of
// their lead, which forces the lead to be refolded from its history.
//
// It is deterministic for a seed, and every event id is unique, so the
// same events can be loaded through the API and into the baseline table.
type workload struct {
	r        *rand.Rand
	stream   int
	prefix   string
	active   int       // how many leads are in flight at once
	n        int       // events emitted so far
	at       time.Time // the workload's clock; every event advances it
	tick     time.Duration
	inFlight []*benchLead
	done     []*benchLead // finished leads, a bounded sample for re-engagements
	leads    int
	opps     int
}

// activeLeads is how many leads are in flight at once (over all streams):
// with ~7 events a lead, a lead's events spread over several batches, so
// most batches update leads stored by earlier ones.
const activeLeads = 1000

// newWorkload returns stream number stream of streams: streams have
// disjoint leads, as a CRM sync that sends several batches at once keeps
// each record's changes in one ordered stream.
func newWorkload(seed int64, stream, streams, total int, end time.Time) *workload {
	span := 60 * 24 * time.Hour
	tick := span / time.Duration(max(total, 1))
	return &workload{
		r:      rand.New(rand.NewPCG(uint64(seed), 0xacc0d+uint64(stream))),
		stream: stream,
		prefix: fmt.Sprintf("bench-%d-%d-", seed, stream),
		active: max(activeLeads/streams, 50),
		at:     end.Add(-span).UTC().Truncate(time.Second),
		tick:   max(tick, time.Millisecond),
	}
}

var (
	benchFirst   = []string{"Ada", "Ben", "Chloe", "Dev", "Elena", "Farid", "Grace", "Hugo", "Ines", "Jonas", "Kemi", "Liam", "Maya", "Noor", "Omar", "Priya", "Quinn", "Rosa", "Sven", "Tara"}
	benchLast    = []string{"Nakamura", "Okafor", "Lindqvist", "Garcia", "Kowalski", "Reddy", "Moreau", "Silva", "Wagner", "Zhang", "Murphy", "Haddad", "Petrov", "Sato", "Mendes"}
	benchCompany = []string{"Bluefin", "Harborview", "Cedar", "Summit", "Ironwood", "Brightline", "Lumen", "Pioneer", "Redwood", "Granite", "Beacon", "Meridian", "Falcon", "Juniper", "Keystone"}
	benchSuffix  = []string{"Logistics", "Health", "Software", "Systems", "Retail", "Robotics", "Financial", "Energy", "Media"}
	benchSource  = []string{"webinar", "paid_search", "content", "events", "outbound", "partner", "organic", "referral"}
	benchOffer   = []string{"demo_request", "whitepaper", "trial", "contact_us", "webinar_signup"}
	benchSegment = []string{"smb", "mid_market", "enterprise"}
	benchTitle   = []string{"VP Sales", "Director of Revenue Operations", "Sales Operations Manager", "CFO", "Data Analyst", "FP&A Manager"}
	benchCountry = []string{"US", "GB", "DE", "FR", "CA", "AU", "NL", "SE"}
	benchKinds   = []string{"call", "email", "email", "call", "voicemail", "meeting", "social"}
	benchOutcome = []string{"connected", "no_answer", "left_message", "replied", "booked"}
	benchDisp    = []string{"accepted", "accepted", "accepted", "rejected", "recycled"}
	benchReason  = []string{"budget", "timing", "no_fit", "student", "competitor"}
)

// benchPeople are the reps leads are assigned to; they are sent first.
var benchPeople = []struct{ id, team, role string }{
	{"sdr-1", "sdr-east", "sdr"}, {"sdr-2", "sdr-east", "sdr"}, {"sdr-3", "sdr-west", "sdr"},
	{"sdr-4", "sdr-west", "sdr"}, {"sdr-5", "sdr-emea", "sdr"}, {"sdr-6", "sdr-emea", "sdr"},
	{"ae-1", "ae-na", "ae"}, {"ae-2", "ae-na", "ae"}, {"ae-3", "ae-emea", "ae"},
	{"mgr-1", "sdr-east", "manager"}, {"mgr-2", "ae-na", "manager"},
}

func (w *workload) pick(xs []string) string { return xs[w.r.IntN(len(xs))] }

func (w *workload) chance(p float64) bool { return w.r.Float64() < p }

// envelope is an event as a client sends it.
type envelope struct {
	ID         string `json:"id"`
	Type       string `json:"type"`
	OccurredAt string `json:"occurred_at"`
	Data       any    `json:"data"`
}

// next returns the next event as JSON.
func (w *workload) next() []byte {
	w.n++
	w.at = w.at.Add(w.tick)
	env := envelope{ID: w.prefix + fmt.Sprint(w.n), OccurredAt: w.at.Format(time.RFC3339Nano)}
	switch {
	case w.stream == 0 && w.n <= len(benchPeople):
		p := benchPeople[w.n-1]
		env.Type, env.Data = "person.upserted", map[string]any{
			"person_id": p.id, "name": "Rep " + p.id, "email": p.id + "@northwind.example",
			"team": p.team, "role": p.role, "timezone": "America/New_York",
		}
	case len(w.inFlight) < w.active || w.chance(0.02):
		w.newLead(&env)
	default:
		w.advance(&env)
	}
	b, err := json.Marshal(env)
	if err != nil {
		panic(err) // only maps of strings and numbers: cannot fail
	}
	return b
}

// newLead starts a lead: its first lead.upserted and the script of what
// will happen to it.
func (w *workload) newLead(env *envelope) {
	w.leads++
	l := &benchLead{id: fmt.Sprintf("L%d-%07d", w.stream, w.leads), last: w.at}
	first, last := w.pick(benchFirst), w.pick(benchLast)
	l.company = w.pick(benchCompany) + " " + w.pick(benchSuffix)
	l.email = fmt.Sprintf("%s.%s%d.%d@%s.example", strings.ToLower(first), strings.ToLower(last), w.stream, w.leads,
		strings.ToLower(strings.ReplaceAll(l.company, " ", "")))
	if len(w.done) > 0 && w.chance(0.03) {
		// A known person fills in a second form under a new CRM id.
		l.email = w.done[w.r.IntN(len(w.done))].email
	}
	score := float64(w.r.IntN(100))
	data := map[string]any{
		"lead_id": l.id, "email": l.email, "name": first + " " + last, "company": l.company,
		"title": w.pick(benchTitle), "country": w.pick(benchCountry), "source": w.pick(benchSource),
		"campaign": fmt.Sprintf("2026-q%d-%s", 1+w.r.IntN(4), w.pick(benchSource)), "offer": w.pick(benchOffer),
		"segment": w.pick(benchSegment), "score": score, "inquiry": true,
	}
	if w.chance(0.3) {
		data["attributes"] = map[string]any{"utm_medium": "cpc", "employees": 50 + w.r.IntN(5000)}
	}
	env.Type, env.Data = "lead.upserted", data

	var s []step
	if w.chance(0.9) {
		s = append(s, stepAssign)
	}
	if w.chance(0.6) {
		s = append(s, stepMQL)
	}
	for range 1 + w.r.IntN(5) {
		s = append(s, stepActivity)
	}
	if w.chance(0.2) {
		s = append(s, stepUpdate)
	}
	if w.chance(0.5) {
		s = append(s, stepDisposition)
	}
	if w.chance(0.3) {
		s = append(s, stepSQL)
		if w.chance(0.5) {
			s = append(s, stepOpportunity)
			if w.chance(0.5) {
				s = append(s, stepClose)
			}
		}
	}
	l.script = s
	l.events = 1
	w.inFlight = append(w.inFlight, l)
}

// advance sends the next step of a random lead in flight.
func (w *workload) advance(env *envelope) {
	i := w.r.IntN(len(w.inFlight))
	l := w.inFlight[i]
	st := l.script[0]
	l.script = l.script[1:]
	at := w.at
	if l.events > 1 && st == stepActivity && w.chance(0.01) {
		// A late event: a call logged after later events of the lead
		// arrived; the lead must be refolded.
		at = l.last.Add(-time.Duration(1+w.r.IntN(60)) * time.Minute)
	} else {
		l.last = at
	}
	env.OccurredAt = at.Format(time.RFC3339Nano)
	l.events++
	switch st {
	case stepAssign:
		env.Type, env.Data = "lead.assigned", map[string]any{"lead_id": l.id, "owner": benchPeople[w.r.IntN(6)].id, "team": "sdr-east"}
	case stepMQL:
		env.Type, env.Data = "lead.stage_changed", map[string]any{"lead_id": l.id, "stage": "mql", "reason": "score over threshold"}
	case stepSQL:
		env.Type, env.Data = "lead.stage_changed", map[string]any{"lead_id": l.id, "stage": "sql", "actor": "sdr-1"}
	case stepActivity:
		env.Type, env.Data = "activity.logged", map[string]any{"lead_id": l.id, "kind": w.pick(benchKinds),
			"actor": benchPeople[w.r.IntN(6)].id, "outcome": w.pick(benchOutcome), "notes": "followed up on " + l.company}
	case stepUpdate:
		env.Type, env.Data = "lead.upserted", map[string]any{"lead_id": l.id, "title": w.pick(benchTitle), "score": float64(w.r.IntN(100))}
	case stepDisposition:
		d := map[string]any{"lead_id": l.id, "disposition": w.pick(benchDisp), "actor": "sdr-2"}
		if d["disposition"] != "accepted" {
			d["reason"] = w.pick(benchReason)
		}
		env.Type, env.Data = "lead.disposition", d
	case stepOpportunity:
		w.opps++
		l.opp = fmt.Sprintf("O%d-%06d", w.stream, w.opps)
		env.Type, env.Data = "opportunity.upserted", map[string]any{"opportunity_id": l.opp, "lead_id": l.id,
			"account": l.company, "name": l.company + " platform", "stage": "discovery",
			"amount": float64(5000 + w.r.IntN(95000)), "currency": "USD", "owner": "ae-1", "product": "forecasting"}
	case stepClose:
		outcome := "won"
		if w.chance(0.6) {
			outcome = "lost"
		}
		env.Type, env.Data = "opportunity.closed", map[string]any{"opportunity_id": l.opp, "outcome": outcome}
	}
	if len(l.script) == 0 {
		w.inFlight[i] = w.inFlight[len(w.inFlight)-1]
		w.inFlight = w.inFlight[:len(w.inFlight)-1]
		if len(w.done) < 10_000 {
			w.done = append(w.done, l)
		} else {
			w.done[w.r.IntN(len(w.done))] = l
		}
	}
}

// streams returns n events as JSON-array request bodies of batch events
// each, in k streams of about n/k events.
func streams(seed int64, n, batch, k int, end time.Time) [][][]byte {
	out := make([][][]byte, k)
	for i := range k {
		m := n / k
		if i < n%k {
			m++
		}
		w := newWorkload(seed, i, k, m, end)
		for sent := 0; sent < m; {
			size := min(batch, m-sent)
			b := make([]byte, 0, size*330)
			b = append(b, '[')
			for j := range size {
				if j > 0 {
					b = append(b, ',', '\n')
				}
				b = append(b, w.next()...)
			}
			b = append(b, ']')
			out[i] = append(out[i], b)
			sent += size
		}
	}
	return out
}

// bodies returns n events in one stream.
func bodies(seed int64, n, batch int, end time.Time) [][]byte {
	return streams(seed, n, batch, 1, end)[0]
}
