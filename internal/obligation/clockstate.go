package obligation

import "time"

// Clock states, as a rep's queue and the wall display show them.
const (
	OnTrack = "on_track"
	Warning = "warning"
	Late    = "breached"
	Stopped = "paused"
)

// ClockState is how an obligation's clock stands at a moment: enough for a
// countdown in business time that ticks only while the clock runs.
type ClockState struct {
	// State is on_track, warning, breached or paused for an open
	// obligation, else its status (met, breached, cancelled).
	State string
	// Left is the business time left before it is due; negative is how
	// far past due it is, in business time.
	Left time.Duration
	// Running is whether the clock moves at that moment: open, not
	// paused, and inside the calendar's working hours.
	Running bool
}

// Clock returns the obligation's ClockState at now.
func (o *Obligation) Clock(b Book, now time.Time) ClockState {
	if o.Status != Open {
		return ClockState{State: string(o.Status)}
	}
	cs := ClockState{Left: o.Within - o.elapsed(b, now)}
	switch {
	case o.Paused():
		cs.State = Stopped
	case o.Outcome(now) == Breached:
		cs.State = Late
	case !o.WarnAt.IsZero() && !now.Before(o.WarnAt):
		cs.State = Warning
	default:
		cs.State = OnTrack
	}
	if !o.Paused() {
		if cal := o.calendar(b); cal != nil {
			cs.Running = cal.Clock.IsOpen(now)
		}
	}
	return cs
}
