package web

import (
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/accordhq/accord/internal/obligation"
	"github.com/accordhq/accord/internal/slareport"
	"github.com/accordhq/accord/internal/store"
)

var slaGroupings = []string{slareport.ByOwner, slareport.ByTeam, slareport.ByTier, slareport.ByRule, slareport.BySource}

type slaData struct {
	By        string
	Groupings []string
	From, To  string // days, To excluded
	Report    *slareport.Report
	// BeforeMet is the share met of the period of the same length just
	// before.
	BeforeMet  slareport.Rate
	BeforeFrom string
	// Trend is the share met week by week up to the period's end.
	Trend  *slaTrend
	Alerts []slaAlert
	Zone   *time.Location
}

type slaAlert struct {
	store.Alert
	Owner, Rule string
}

// slaPeriod reads from and to (days in the SLA's zone, see slaZone; to is
// excluded), by default this month.
func (s *Server) slaPeriod(r *http.Request) (from, to string, err error) {
	q := r.URL.Query()
	m := s.o.Fiscal.Month(s.today())
	from, to = m.From, m.To
	if v := q.Get("from"); v != "" {
		from = v
	}
	if v := q.Get("to"); v != "" {
		to = v
	}
	for _, d := range []string{from, to} {
		if _, err := time.Parse(time.DateOnly, d); err != nil {
			return "", "", httpError{http.StatusBadRequest, "Dates are days such as 2026-03-15, not " + d + "."}
		}
	}
	if to <= from {
		return "", "", httpError{http.StatusBadRequest, "The period must end after it starts."}
	}
	return from, to, nil
}

// slaZone is where the SLA's days begin: the agreement's time zone, as in
// the API's SLA report, else the organisation's.
func (s *Server) slaZone(r *http.Request) *time.Location {
	if ag, _ := s.agreementNow(r.Context()); ag != nil && ag.Location != nil {
		return ag.Location
	}
	return s.o.Location
}

func (s *Server) slaDay(r *http.Request, day string) time.Time {
	t, _ := time.ParseInLocation(time.DateOnly, day, s.slaZone(r))
	return t
}

func (s *Server) slaReport(r *http.Request, from, to, by string) (*slareport.Report, slareport.Input, error) {
	f, t := s.slaDay(r, from), s.slaDay(r, to)
	in, err := slareport.Load(r.Context(), s.o.Store, f, t)
	if err != nil {
		return nil, in, err
	}
	return slareport.Build(in, slareport.Options{From: f, To: t, By: by, Now: s.o.Now()}), in, nil
}

func (s *Server) slaPage(w http.ResponseWriter, r *http.Request) error {
	d := slaData{By: r.URL.Query().Get("by"), Groupings: slaGroupings, Zone: s.slaZone(r)}
	if !slices.Contains(slaGroupings, d.By) {
		d.By = slareport.ByOwner
	}
	var err error
	if d.From, d.To, err = s.slaPeriod(r); err != nil {
		return err
	}
	day := func(v string) time.Time {
		t, _ := time.ParseInLocation(time.DateOnly, v, d.Zone)
		return t
	}
	from, to := day(d.From), day(d.To)
	days := int(to.Sub(from).Hours()/24 + 0.5)
	before := from.AddDate(0, 0, -days)
	d.BeforeFrom = before.Format(time.DateOnly)
	now := s.o.Now()
	weeks, err := slareport.Weeks(s.o.Fiscal, d.Zone, trendEnd(d.To, now, d.Zone), trendWeeks)
	if err != nil {
		return err
	}
	// One read of the obligations covers the period, the period before
	// and the trend's weeks (all end by the period's end); the page is
	// benchmarked, and reading is most of its time. Leads, a round trip
	// each, are read for the period's report only, and for the trend's
	// weeks only when it is by source (a lead's): shares met count
	// obligations alone. The lead_must_have picked is the period's.
	span := before
	if weeks[0].From.Before(span) {
		span = weeks[0].From
	}
	in, err := slareport.LoadObligations(r.Context(), s.o.Store, span, to)
	if err != nil {
		return err
	}
	if err := in.LoadLeads(r.Context(), s.o.Store, from, to); err != nil {
		return err
	}
	if d.By == slareport.BySource {
		if err := in.LoadLeads(r.Context(), s.o.Store, weeks[0].From, weeks[len(weeks)-1].To); err != nil {
			return err
		}
	}
	d.Report = slareport.Build(in, slareport.Options{From: from, To: to, By: d.By, Now: now})
	d.BeforeMet = slareport.Build(in, slareport.Options{From: before, To: from, Now: now}).Overall.Met
	d.Trend = newSLATrend(slareport.BuildTrend(in, slareport.TrendOptions{Buckets: weeks, By: d.By, Top: trendGroups, Now: now}), d.Zone)
	fired := true
	alerts, err := s.o.Store.Alerts(r.Context(), store.AlertFilter{Fired: &fired, Limit: 200})
	if err != nil {
		return err
	}
	for _, a := range alerts {
		if a.Outcome != "fired" || a.Kind == "warning" {
			continue
		}
		sa := slaAlert{Alert: a}
		if obs, err := s.o.Store.LeadObligations(r.Context(), a.LeadKey); err == nil {
			for _, o := range obs {
				if o.ID == a.ObligationID {
					sa.Owner, sa.Rule = o.Owner, o.Rule
				}
			}
		}
		d.Alerts = append(d.Alerts, sa)
		if len(d.Alerts) == 20 {
			break
		}
	}
	s.render(w, r, http.StatusOK, "sla", page{Title: "SLA", Nav: "sla", Data: d})
	return nil
}

type drillData struct {
	By, Key, Outcome, From, To string
	Rows                       []drillRow
	Zone                       *time.Location
}

type drillRow struct {
	*obligation.Obligation
	Lead    string
	Outcome string
}

// slaDrill lists the obligations behind one number of the SLA page: a
// group's met, breached, open or cancelled ones in the period.
func (s *Server) slaDrill(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	d := drillData{By: q.Get("by"), Key: q.Get("key"), Outcome: q.Get("outcome"), Zone: s.slaZone(r)}
	if d.By != "" && !slices.Contains(slaGroupings, d.By) {
		return httpError{http.StatusBadRequest, "There is no grouping " + d.By + "."}
	}
	if !slices.Contains([]string{"", "met", "breached", "open", "cancelled"}, d.Outcome) {
		return httpError{http.StatusBadRequest, "The outcome is met, breached, open or cancelled."}
	}
	var err error
	if d.From, d.To, err = s.slaPeriod(r); err != nil {
		return err
	}
	_, in, err := s.slaReport(r, d.From, d.To, d.By)
	if err != nil {
		return err
	}
	now := s.o.Now()
	from, to := s.slaDay(r, d.From), s.slaDay(r, d.To)
	for _, o := range in.Obligations {
		if o.StartedAt.Before(from) || !o.StartedAt.Before(to) {
			continue
		}
		if d.By != "" && slareport.KeyOf(o, in.Leads, d.By) != d.Key {
			continue
		}
		out := string(o.Outcome(now))
		if d.Outcome != "" && out != d.Outcome {
			continue
		}
		row := drillRow{Obligation: o, Lead: o.LeadKey, Outcome: out}
		if l := in.Leads[o.LeadKey]; l != nil {
			row.Lead = strings.Join(nonEmpty(l.Name, l.Company), ", ")
		}
		d.Rows = append(d.Rows, row)
	}
	s.render(w, r, http.StatusOK, "drill", page{Title: "Obligations", Nav: "sla", Data: d})
	return nil
}
