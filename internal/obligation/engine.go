package obligation

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/accordhq/accord/internal/agreement"
	"github.com/accordhq/accord/internal/event"
	"github.com/accordhq/accord/internal/lead"
)

// Book is the agreement's versions, as the engine needs them.
type Book interface {
	// At returns the version in force at t and its number; nil and 0 when
	// none is.
	At(t time.Time) (*agreement.Agreement, int)
	// Version returns a version by number (nil if unknown or unreadable).
	Version(n int) *agreement.Agreement
}

// Set is one lead's obligations: every one while deriving, or the open ones
// when stepping live (closed ones never change again).
type Set struct {
	Key  string
	List []*Obligation
}

// Step applies one event, which extends the lead's history, to the lead's
// obligations. before and after are the lead's fields (ungraded) before and
// after the event was folded in. It reports whether anything changed; the
// obligations that did are marked Changed.
func (s *Set) Step(b Book, before, after agreement.Fields, e *event.Event) bool {
	at := e.OccurredAt
	changed := false
	mark := func(o *Obligation) { o.changed, changed = true, true }
	var pl any
	if e.Type == event.ActivityLogged || e.Type == event.LeadDisposition || e.Type == event.LeadStageChanged {
		var err error
		if pl, err = e.Payload(); err != nil {
			return false
		}
	}

	// 1. What the event fulfils or breaks.
	for _, o := range s.List {
		if o.Status != Open {
			continue
		}
		switch v := pl.(type) {
		case *event.Activity:
			switch o.Kind {
			case FirstTouch:
				o.close(b, at, e.ID, "touched: "+v.Kind)
				mark(o)
			case Touches:
				o.Done++
				if o.Done >= o.Need {
					o.close(b, at, e.ID, fmt.Sprintf("%d touches", o.Done))
				}
				mark(o)
			}
		case *event.Disposition:
			switch o.Kind {
			case Disposition, Feedback:
				o.close(b, at, e.ID, "disposition: "+v.Disposition)
				mark(o)
			case Accept:
				if v.Disposition == "accepted" || v.Disposition == "rejected" {
					o.close(b, at, e.ID, v.Disposition)
					mark(o)
				}
			case Touches:
				if strings.EqualFold(v.Disposition, o.Before) {
					o.breakOff(b, at, e.ID, fmt.Sprintf("%s after %d of %d touches", v.Disposition, o.Done, o.Need))
					mark(o)
				}
			}
		case *event.StageChange:
			if o.Kind == Touches && strings.EqualFold(v.Stage, o.Before) && before.Stage != after.Stage {
				o.breakOff(b, at, e.ID, fmt.Sprintf("moved to %s after %d of %d touches", v.Stage, o.Done, o.Need))
				mark(o)
			}
		}
	}

	// 2. What the lead's new state means for what is still open: a rule
	// that no longer applies cancels, a pause condition stops the clock, a
	// new owner takes the obligation over.
	graded := map[int]agreement.Fields{}
	gradedFor := func(version int, ag *agreement.Agreement) agreement.Fields {
		f, ok := graded[version]
		if !ok {
			f = ag.Graded(after)
			graded[version] = f
		}
		return f
	}
	for _, o := range s.List {
		if o.Status != Open {
			continue
		}
		ag := b.Version(o.Version)
		if ag == nil {
			continue
		}
		f := gradedFor(o.Version, ag)
		switch o.Kind {
		case FirstTouch, Touches, Disposition:
			r := ruleNamed(ag, o.Rule)
			if r == nil || !r.Applies(f) {
				o.cancel(b, at, e.ID, "the rule no longer applies"+why(before, after))
				mark(o)
				continue
			}
			if p := r.Paused(f); p != o.Paused() {
				o.setPaused(b, p, at)
				mark(o)
			}
		case Accept:
			if !strings.EqualFold(after.Team, o.Team) {
				o.cancel(b, at, e.ID, "handed on to "+orNone(after.Team)+" before an answer")
				mark(o)
				continue
			}
		case Feedback:
			if !inSales(ag, f) {
				o.cancel(b, at, e.ID, "left sales' hands"+why(before, after))
				mark(o)
				continue
			}
		}
		if after.Owner != o.Owner && after.Owner != "" {
			o.Owner, o.Team = after.Owner, orKeep(after.Team, o.Team)
			o.Moves++
			mark(o)
		}
	}

	// 3. What starts: rules of the version in force that apply now and did
	// not before, a handoff between teams, sales' duty to give feedback.
	ag, version := b.At(at)
	if ag == nil {
		return changed
	}
	fa := gradedFor(version, ag)
	fb := ag.Graded(before)
	for _, r := range ag.Sales {
		if !r.Applies(fa) || r.Applies(fb) || s.hasOpen(r.Name) {
			continue
		}
		for _, ob := range r.Obligations() {
			o := s.start(ag, version, r.Name, Kind(ob.Kind), r.Calendar, ob.Within, fa, e)
			o.WarnBefore = durIn(r.WarnBefore, r.Calendar)
			if r.Escalate != nil {
				o.EscalateAfter = durIn(r.Escalate.After, r.Calendar)
			}
			if o.Kind == Touches {
				o.Need, o.Before = r.Touches.AtLeast, r.Touches.Before
			}
			if r.Paused(fa) {
				o.PausedAt, o.ResumedAt, o.Pauses = at, time.Time{}, 1
			}
			o.schedule(b)
			mark(o)
		}
	}
	if before.Team != "" && !strings.EqualFold(before.Team, after.Team) {
		if h := ag.HandoffFor(before.Team, after.Team, fa); h != nil && h.AcceptWithin != nil {
			name := "handoff " + h.From + " → " + h.To
			o := s.start(ag, version, name, Accept, h.Calendar, *h.AcceptWithin, fa, e)
			o.WarnBefore = durIn(h.WarnBefore, h.Calendar)
			if h.Escalate != nil {
				o.EscalateAfter = durIn(h.Escalate.After, h.Calendar)
			}
			o.Missing = missing(h.Requires, after)
			o.schedule(b)
			mark(o)
		}
	}
	if fb2 := ag.Feedback; fb2 != nil && fb2.DispositionWithin != nil && after.Disposition == "" {
		now, was := inSales(ag, fa) && fa.Owner != "", inSales(ag, fb) && fb.Owner != ""
		if now && !was && !s.hasOpen("feedback") {
			o := s.start(ag, version, "feedback", Feedback, fb2.Calendar, *fb2.DispositionWithin, fa, e)
			o.WarnBefore = durIn(fb2.WarnBefore, fb2.Calendar)
			o.schedule(b)
			mark(o)
		}
	}
	return changed
}

// start adds a new open obligation, its clock running from e.
func (s *Set) start(ag *agreement.Agreement, version int, rule string, kind Kind, cal *agreement.Calendar, within agreement.Duration, f agreement.Fields, e *event.Event) *Obligation {
	if cal == nil {
		cal = ag.Calendar("")
	}
	o := &Obligation{
		ID: newID(s.Key, version, rule, kind, e.ID), LeadKey: s.Key, Version: version,
		Rule: rule, Kind: kind, Tier: f.Tier, Owner: f.Owner, Team: f.Team, FirstOwner: f.Owner,
		Calendar: cal.Name, Within: within.In(cal),
		StartedAt: e.OccurredAt, StartEvent: e.ID, ResumedAt: e.OccurredAt, Status: Open,
	}
	s.List = append(s.List, o)
	return o
}

func (s *Set) hasOpen(rule string) bool {
	return slices.ContainsFunc(s.List, func(o *Obligation) bool { return o.Status == Open && o.Rule == rule })
}

// Derive computes every obligation of a lead from its whole history.
func Derive(b Book, key string, history []event.Event, emailNorm func(string) string) ([]*Obligation, error) {
	l := lead.New(key)
	s := &Set{Key: key}
	for _, e := range lead.SortHistory(history) {
		before := Snapshot(l, &e)
		if err := l.Apply(e, emailNorm); err != nil {
			return nil, err
		}
		s.Step(b, before, agreement.FieldsOf(l), &e)
	}
	for _, o := range s.List {
		o.changed = true
	}
	return s.List, nil
}

// Snapshot reads a lead's fields before e is folded in. Folding a
// lead.upserted can change the attributes map in place, so it is copied
// then.
func Snapshot(l *lead.Lead, e *event.Event) agreement.Fields {
	f := agreement.FieldsOf(l)
	if e.Type == event.LeadUpserted && f.Attributes != nil {
		f.Attributes = maps.Clone(f.Attributes)
	}
	return f
}

func ruleNamed(ag *agreement.Agreement, name string) *agreement.Rule {
	for _, r := range ag.Sales {
		if r.Name == name {
			return r
		}
	}
	return nil
}

// inSales reports whether some rule with a deadline applies to f: the lead
// is in sales' hands.
func inSales(ag *agreement.Agreement, f agreement.Fields) bool {
	for _, r := range ag.RulesFor(f) {
		if r.Route == "" && len(r.Obligations()) > 0 {
			return true
		}
	}
	return false
}

// missing lists the required qualification fields the lead does not carry,
// looked up among its attributes (and its own fields by name).
func missing(required []string, f agreement.Fields) []string {
	var out []string
	for _, name := range required {
		if v, ok := f.Attributes[name]; ok && v != nil && v != "" && v != false {
			continue
		}
		if known := fieldValue(f, name); known != "" {
			continue
		}
		out = append(out, name)
	}
	return out
}

func fieldValue(f agreement.Fields, name string) string {
	switch name {
	case "email":
		return f.Email
	case "company":
		return f.Company
	case "country":
		return f.Country
	case "phone":
		return f.Phone
	case "title":
		return f.Title
	case "seniority":
		return f.Seniority
	case "segment":
		return f.Segment
	case "source":
		return f.Source
	}
	return ""
}

func durIn(d *agreement.Duration, cal *agreement.Calendar) time.Duration {
	if d == nil {
		return 0
	}
	return d.In(cal)
}

// why says what changed that made a rule stop applying.
func why(before, after agreement.Fields) string {
	switch {
	case before.Stage != after.Stage:
		return " (stage " + orNone(before.Stage) + " → " + orNone(after.Stage) + ")"
	case before.Disposition != after.Disposition:
		return " (disposition " + after.Disposition + ")"
	case before.Team != after.Team:
		return " (team " + orNone(before.Team) + " → " + orNone(after.Team) + ")"
	}
	return ""
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

func orKeep(s, keep string) string {
	if s == "" {
		return keep
	}
	return s
}
