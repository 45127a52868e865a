package demo

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/accordhq/accord/internal/event"
)

// envelope is the wire form of one event, as a CRM webhook sends it.
type envelope struct {
	ID         string     `json:"id"`
	Type       event.Type `json:"type"`
	OccurredAt string     `json:"occurred_at"`
	Data       any        `json:"data"`
}

// send turns the simulated events into what a CRM delivers: everything
// that has happened by Now, in delivery order, a few late, a few twice.
func (g *gen) send() [][]byte {
	d := newDice(g.o.Seed, 1<<62)
	var evs []*pending
	byLead := map[int][]*pending{}
	var leads []int
	for _, e := range g.events {
		if e.at.After(g.now) {
			continue
		}
		evs = append(evs, e)
		e.sent = e.at
		if e.lead < 0 {
			continue
		}
		// Webhooks take a moment to arrive, but one lead's events come from
		// one queue: only the deliberately late ones below overtake.
		e.sent = e.at.Add(seconds(0.5, 20, d))
		list, seen := byLead[e.lead]
		if !seen {
			leads = append(leads, e.lead)
		} else if prev := list[len(list)-1].sent; e.sent.Before(prev) {
			e.sent = prev
		}
		byLead[e.lead] = append(list, e)
	}
	g.delay(d, evs, byLead, leads)

	slices.SortStableFunc(evs, func(a, b *pending) int {
		if c := a.sent.Compare(b.sent); c != 0 {
			return c
		}
		return a.n - b.n
	})
	type delivery struct {
		sent time.Time
		body []byte
	}
	out := make([]delivery, 0, len(evs)+len(evs)/50)
	for i, e := range evs {
		e.id = fmt.Sprintf("demo-%d", i+1)
		body := encode(e)
		out = append(out, delivery{e.sent, body})
		if d.chance(duplicateShare) {
			// A retry after a timeout the sender saw but we did not.
			out = append(out, delivery{e.sent.Add(seconds(5, 600, d)), body})
		}
	}
	slices.SortStableFunc(out, func(a, b delivery) int { return a.sent.Compare(b.sent) })
	raw := make([][]byte, len(out))
	for i, x := range out {
		raw[i] = x.body
	}
	return raw
}

// delay holds back about lateShare of all events until after a later event
// of the same lead has been sent, as queues and batch syncs do. A door's
// first upsert and an opportunity's first upsert are never held back.
func (g *gen) delay(d dice, evs []*pending, byLead map[int][]*pending, leads []int) {
	eligible := 0
	for _, l := range leads {
		list := byLead[l]
		for _, e := range list {
			if !e.pinned && list[len(list)-1].at.After(e.at) {
				eligible++
			}
		}
	}
	if eligible == 0 {
		return
	}
	p := lateShare * float64(len(evs)) / float64(eligible)
	for _, l := range leads {
		list := byLead[l]
		// From the end, so the event a late one waits for is already final.
		for i := len(list) - 2; i >= 0; i-- {
			e := list[i]
			if e.pinned || !d.chance(p) {
				continue
			}
			for _, next := range list[i+1:] {
				if next.at.After(e.at) {
					e.sent = next.sent.Add(minutes(d.lognormal(20, 1.2)))
					break
				}
			}
		}
	}
}

func encode(e *pending) []byte {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	// Names like "FP&A" and "Sales & Marketing" read better unescaped.
	enc.SetEscapeHTML(false)
	err := enc.Encode(envelope{ID: e.id, Type: e.typ, OccurredAt: e.at.UTC().Format(time.RFC3339), Data: e.data})
	if err != nil {
		panic(fmt.Sprintf("demo: encode %s: %v", e.typ, err)) // only plain structs and maps
	}
	return bytes.TrimRight(b.Bytes(), "\n")
}
