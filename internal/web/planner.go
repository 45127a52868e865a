package web

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/accordhq/accord/internal/agreement"
	"github.com/accordhq/accord/internal/plan"
)

// plannerRates are the rates a person may move on the planner, in funnel
// order, with the plan's keys.
var plannerRates = []string{plan.LeadToMQL, plan.MQLToSQL, plan.SQLToOpportunity, plan.OpportunityToCustomer}

type plannerData struct {
	Plan *plan.Plan
	// Scenario is the marketing need with the rates moved on the page
	// (the plan's own rates where none was moved); Moved says whether
	// any was.
	Scenario plan.Needs
	Moved    bool
	Rates    map[string]float64 // the scenario's rates
	RateKeys []string           // in funnel order
	Error    string
}

func (s *Server) plannerPage(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	o := plan.Options{Fiscal: s.o.Fiscal, AsOf: s.today(), Sensitivity: plan.DefaultSensitivity}
	d := plannerData{Rates: map[string]float64{}, RateKeys: plannerRates}
	for _, f := range []string{"bookings", "marketing_share", "deal_size", "rates", "lookback_months"} {
		if v := q.Get(f); v != "" {
			if err := o.Set(f, v); err != nil {
				var ie *plan.InputError
				if errors.As(err, &ie) {
					d.Error = ie.Field + ": " + ie.Msg
					continue
				}
				return err
			}
		}
	}
	if ag, n := s.agreementNow(r.Context()); ag != nil {
		o.Goals, o.Version = ag.Goals, n
	}
	p, err := plan.Build(r.Context(), s.o.Store, o)
	var ie *plan.InputError
	if errors.As(err, &ie) {
		// Not enough to plan with (no agreement sets a goal, say): the form,
		// saying what to give.
		d.Error = ie.Field + ": " + ie.Msg
		d.Plan = &plan.Plan{AsOf: o.AsOf, Rates: o.Rates, Lookback: plan.Lookback(s.o.Fiscal, o.AsOf, o.LookbackMonths)}
		d.RateKeys = nil
		s.render(w, r, http.StatusUnprocessableEntity, "planner", page{Title: "Planner", Nav: "planner", Data: d})
		return nil
	}
	if err != nil {
		return err
	}
	d.Plan = p
	in := map[string]*plan.Figure{plan.LeadToMQL: &p.Inputs.LeadToMQL, plan.MQLToSQL: &p.Inputs.MQLToSQL,
		plan.SQLToOpportunity: &p.Inputs.SQLToOpportunity, plan.OpportunityToCustomer: &p.Inputs.OpportunityToCustomer}
	for _, k := range plannerRates {
		if in[k].Value != nil {
			d.Rates[k] = *in[k].Value
		}
		if v := q.Get(k); v != "" {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil || f <= 0 || f > 1 {
				d.Error = k + ": a rate is a share above 0 and at most 1, such as 0.35"
				continue
			}
			d.Rates[k], d.Moved = f, true
		}
	}
	value := func(f plan.Figure) float64 {
		if f.Value == nil {
			return 0
		}
		return *f.Value
	}
	d.Scenario = plan.Work(value(p.Inputs.Bookings)*value(p.Inputs.MarketingShare), value(p.Inputs.DealSize), agreement.Rates{
		LeadToMQL: d.Rates[plan.LeadToMQL], MQLToSQL: d.Rates[plan.MQLToSQL],
		SQLToOpportunity: d.Rates[plan.SQLToOpportunity], OpportunityToCustomer: d.Rates[plan.OpportunityToCustomer]})
	s.render(w, r, http.StatusOK, "planner", page{Title: "Planner", Nav: "planner", Data: d})
	return nil
}
