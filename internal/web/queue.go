package web

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/accordhq/accord/internal/obligation"
	"github.com/accordhq/accord/internal/people"
	"github.com/accordhq/accord/internal/store"
)

// queueRow is one open obligation in a rep's queue.
type queueRow struct {
	ID       string    `json:"id"`
	LeadID   string    `json:"lead_id"`
	Lead     string    `json:"lead"` // name and company, as far as known
	Rule     string    `json:"rule"`
	Kind     string    `json:"kind"`
	Tier     string    `json:"tier,omitempty"`
	Version  int       `json:"agreement_version"`
	DueAt    time.Time `json:"due_at,omitzero"`
	State    string    `json:"state"` // on_track, warning, breached, paused
	LeftSecs float64   `json:"left_seconds"`
	Running  bool      `json:"running"`
	Progress string    `json:"progress,omitempty"` // "2 of 6 touches"
}

type queueData struct {
	Owner  string
	Person *people.Person
	People []*people.Person
	Rows   []queueRow
	// Open is how many the rep has open: more than len(Rows) when the
	// queue is cut at queueLimit.
	Open int
	// Counts by state, for the summary line.
	Counts map[string]int
	Zone   string
	AsOf   time.Time
}

// queueLimit bounds one queue's rows: a rep with more open obligations
// than this has a problem a longer list will not solve. The rows kept are
// the ones due soonest: the breaches first, then the clocks nearest to
// running out; paused ones, due at no time, only if there is room.
const queueLimit = 500

// ownerOf is whose queue to show: the one asked for, else the person
// with the signed-in user's email.
func ownerOf(r *http.Request, ps []*people.Person) string {
	if o := strings.TrimSpace(r.URL.Query().Get("owner")); o != "" {
		return o
	}
	if sess := sessionOf(r); sess != nil {
		for _, p := range ps {
			if p.Email != "" && strings.EqualFold(p.Email, sess.user.Email) {
				return p.PersonID
			}
		}
	}
	return ""
}

func (s *Server) queueOf(r *http.Request) (queueData, error) {
	ctx := r.Context()
	ps, err := s.o.Store.People(ctx)
	if err != nil {
		return queueData{}, err
	}
	slices.SortFunc(ps, func(a, b *people.Person) int { return strings.Compare(a.PersonID, b.PersonID) })
	now := s.o.Now()
	d := queueData{Owner: ownerOf(r, ps), People: ps, Counts: map[string]int{}, Zone: s.o.Location.String(), AsOf: now}
	for _, p := range ps {
		if p.PersonID == d.Owner {
			d.Person = p
		}
	}
	if d.Owner == "" {
		return d, nil
	}
	f := store.ObligationFilter{Status: string(obligation.Open), Owner: d.Owner, ByDue: true, Limit: queueLimit}
	obs, err := s.o.Store.Obligations(ctx, f)
	if err != nil {
		return d, fmt.Errorf("queue of %s: %w", d.Owner, err)
	}
	d.Open = len(obs)
	if len(obs) == queueLimit {
		// Counted only when cut: it reads the owner's entries of the
		// open-obligations index, no bodies.
		if d.Open, err = s.o.Store.CountObligations(ctx, f); err != nil {
			return d, fmt.Errorf("queue of %s: %w", d.Owner, err)
		}
	}
	book, err := s.o.Ingest.Versions().Get(ctx)
	if err != nil {
		return d, err
	}
	names := map[string]string{}
	for _, o := range obs {
		cs := o.Clock(book, now)
		row := queueRow{ID: o.ID, LeadID: o.LeadKey, Rule: o.Rule, Kind: string(o.Kind), Tier: o.Tier, Version: o.Version,
			DueAt: o.DueAt, State: cs.State, LeftSecs: cs.Left.Seconds(), Running: cs.Running}
		if o.Need > 0 {
			row.Progress = itoa(o.Done) + " of " + itoa(o.Need) + " touches"
		}
		if _, ok := names[o.LeadKey]; !ok {
			names[o.LeadKey] = o.LeadKey
			if l, err := s.o.Store.Lead(ctx, o.LeadKey); err == nil {
				names[o.LeadKey] = strings.Join(nonEmpty(l.Name, l.Company), ", ")
			}
		}
		row.Lead = names[o.LeadKey]
		d.Rows = append(d.Rows, row)
		d.Counts[cs.State]++
	}
	// Most urgent first: the least business time left (the latest first
	// among breaches is no better, so breaches sort by how late). The
	// store picked the rows by wall-clock due time, which it can index;
	// across calendars (business hours against around the clock) the two
	// orders can differ, but in both every breach comes before anything
	// not yet due.
	slices.SortStableFunc(d.Rows, func(a, b queueRow) int {
		switch {
		case a.LeftSecs < b.LeftSecs:
			return -1
		case a.LeftSecs > b.LeftSecs:
			return 1
		}
		return strings.Compare(a.ID, b.ID)
	})
	return d, nil
}

func (s *Server) queue(w http.ResponseWriter, r *http.Request) error {
	d, err := s.queueOf(r)
	if err != nil {
		return err
	}
	s.render(w, r, http.StatusOK, "queue", page{Title: "My queue", Nav: "queue", Data: d})
	return nil
}

// queueJSON is the queue's clocks for the page's script, which refreshes
// them every half minute (a clock may stop or start with working hours).
func (s *Server) queueJSON(w http.ResponseWriter, r *http.Request) error {
	d, err := s.queueOf(r)
	if err != nil {
		return err
	}
	if d.Rows == nil {
		d.Rows = []queueRow{}
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	return json.NewEncoder(w).Encode(map[string]any{"owner": d.Owner, "as_of": d.AsOf.UTC(), "open": d.Open, "rows": d.Rows})
}

func nonEmpty(xs ...string) []string {
	var out []string
	for _, x := range xs {
		if x != "" {
			out = append(out, x)
		}
	}
	return out
}
