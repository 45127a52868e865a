package web

import (
	"errors"
	"net/http"
	"time"

	"github.com/accordhq/accord/internal/lead"
	"github.com/accordhq/accord/internal/obligation"
	"github.com/accordhq/accord/internal/store"
)

// leadObligation is an obligation as the lead page shows it: which rule
// of which agreement version judged the lead, and how it stands.
type leadObligation struct {
	*obligation.Obligation
	Clock    obligation.ClockState
	Business time.Duration
	WallTime time.Duration
}

type leadData struct {
	Lead          *lead.Lead
	History       lead.History
	Opportunities []*lead.Opportunity
	Obligations   []leadObligation
	Zone          *time.Location
}

func (s *Server) leadPage(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	ref := r.PathValue("lead_id")
	l, err := s.o.Store.Lead(ctx, ref)
	if errors.Is(err, store.ErrNotFound) {
		return httpError{http.StatusNotFound, "There is no lead with id or alias " + ref + "."}
	}
	if err != nil {
		return err
	}
	if l.Aliases, err = s.o.Store.LeadAliases(ctx, l.LeadID); err != nil {
		return err
	}
	evs, err := s.o.Store.LeadEvents(ctx, l.LeadID)
	if err != nil {
		return err
	}
	d := leadData{Lead: l, History: lead.BuildHistory(evs), Zone: s.o.Location}
	if d.Opportunities, err = s.o.Store.LeadOpportunities(ctx, l.LeadID); err != nil {
		return err
	}
	obs, err := s.o.Store.LeadObligations(ctx, l.LeadID)
	if err != nil {
		return err
	}
	book, err := s.o.Ingest.Versions().Get(ctx)
	if err != nil {
		return err
	}
	now := s.o.Now()
	for _, o := range obs {
		biz, wall := o.Elapsed(book, now)
		d.Obligations = append(d.Obligations, leadObligation{Obligation: o, Clock: o.Clock(book, now), Business: biz, WallTime: wall})
	}
	title := l.Name
	if title == "" {
		title = l.LeadID
	}
	s.render(w, r, http.StatusOK, "lead", page{Title: title, Nav: "queue", Data: d})
	return nil
}
