package obligation

import (
	"time"

	"github.com/accordhq/accord/internal/agreement"
)

// calendar is the business time the obligation counts in: its version's
// calendar of that name, else around the clock.
func (o *Obligation) calendar(b Book) *agreement.Calendar {
	ag := b.Version(o.Version)
	if ag == nil {
		return nil
	}
	if c := ag.Calendar(o.Calendar); c != nil {
		return c
	}
	return ag.Calendar("")
}

// schedule works out the due, warning and escalation times from the
// business time still left. While paused there are none.
func (o *Obligation) schedule(b Book) {
	o.DueAt, o.WarnAt, o.EscalateAt = time.Time{}, time.Time{}, time.Time{}
	if o.Paused() || o.Status != Open {
		return
	}
	cal := o.calendar(b)
	if cal == nil {
		return
	}
	at := func(d time.Duration) time.Time {
		if d <= o.Used {
			return o.ResumedAt
		}
		return cal.Clock.Add(o.ResumedAt, d-o.Used)
	}
	o.DueAt = at(o.Within)
	if o.WarnBefore > 0 && o.WarnBefore < o.Within {
		o.WarnAt = at(o.Within - o.WarnBefore)
	}
	if o.EscalateAfter > 0 {
		// An obligation whose deadline is longer than the escalation
		// delay escalates at its breach.
		o.EscalateAt = at(max(o.EscalateAfter, o.Within))
	}
}

// elapsed is the business time used from start to t.
func (o *Obligation) elapsed(b Book, t time.Time) time.Duration {
	if o.Paused() {
		return o.Used
	}
	cal := o.calendar(b)
	if cal == nil || t.Before(o.ResumedAt) {
		return o.Used
	}
	return o.Used + cal.Elapsed(o.ResumedAt, t)
}

// Elapsed is the business and wall-clock time the obligation has run: to
// its close, or to now while open.
func (o *Obligation) Elapsed(b Book, now time.Time) (business, wall time.Duration) {
	if o.Status != Open {
		return o.Business, o.Wall
	}
	return o.elapsed(b, now), now.Sub(o.StartedAt)
}

// close ends the obligation as fulfilled at t: met, or breached when it
// took longer than allowed.
func (o *Obligation) close(b Book, t time.Time, by, reason string) {
	o.finish(b, t, by, reason)
	if o.Business <= o.Within {
		o.Status = Met
	} else {
		o.Status = Breached
		o.Reason += " (late)"
	}
}

// breakOff ends the obligation as broken at t (a lead dropped before its
// cadence was done).
func (o *Obligation) breakOff(b Book, t time.Time, by, reason string) {
	o.finish(b, t, by, reason)
	o.Status = Breached
}

// cancel ends the obligation without judging it.
func (o *Obligation) cancel(b Book, t time.Time, by, reason string) {
	o.finish(b, t, by, reason)
	o.Status = Cancelled
}

func (o *Obligation) finish(b Book, t time.Time, by, reason string) {
	o.Business = o.elapsed(b, t)
	o.Wall = t.Sub(o.StartedAt)
	o.ClosedAt, o.CloseBy, o.Reason = t, by, reason
	if o.Paused() {
		o.Used = o.Business
	}
	o.DueAt, o.WarnAt, o.EscalateAt = o.dueIfRunning(b), time.Time{}, time.Time{}
}

// dueIfRunning keeps the due time a closed obligation had (for reports of
// how late it was); a paused one had none.
func (o *Obligation) dueIfRunning(b Book) time.Time {
	if o.Paused() {
		return time.Time{}
	}
	return o.DueAt
}

// setPaused stops or restarts the clock at t.
func (o *Obligation) setPaused(b Book, paused bool, t time.Time) {
	if paused {
		o.Used = o.elapsed(b, t)
		o.PausedAt, o.ResumedAt = t, time.Time{}
		o.Pauses++
	} else {
		o.PausedAt, o.ResumedAt = time.Time{}, t
	}
	o.schedule(b)
}
