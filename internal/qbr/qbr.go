// Package qbr puts a quarter together as the document a team brings to its
// quarterly business review: goals against actuals, the funnel month by
// month, conversion trends (period and cohort), results by source, SLA
// compliance, and the restatements of reviewed weeks — as Markdown, CSV or
// a printable HTML page with its charts drawn on the server as SVG.
package qbr

import (
	"context"
	"errors"
	"time"

	"github.com/accordhq/accord/internal/agreement"
	"github.com/accordhq/accord/internal/daily"
	"github.com/accordhq/accord/internal/numbers"
	"github.com/accordhq/accord/internal/review"
	"github.com/accordhq/accord/internal/slareport"
	"github.com/accordhq/accord/internal/store"
)

// QBR is one quarter.
type QBR struct {
	Quarter daily.Period       `json:"quarter"`
	AsOf    string             `json:"as_of"`
	Total   *numbers.Funnel    `json:"total"`
	Months  []*numbers.Funnel  `json:"months"`
	Sources *numbers.Funnel    `json:"by_source"`
	SLA     *slareport.Report  `json:"sla,omitempty"`
	Weeks   []Week             `json:"weeks"`
	Goals   *agreement.Monthly `json:"monthly_goals,omitempty"`
}

// Week is a week of the quarter in the weekly review, with what changed
// after it was locked.
type Week struct {
	Week         string           `json:"week"`
	Status       string           `json:"status"`
	Restatements []review.Change  `json:"restatements,omitempty"`
	Late         map[string]int64 `json:"late_by_metric,omitempty"` // delta per metric, all dimensions
}

// Options say which quarter and how to count.
type Options struct {
	Fiscal   daily.Fiscal
	Location *time.Location
	Day      string // a day of the quarter; counts run up to it
	Goals    *agreement.Goals
	Now      time.Time
}

// Build gathers the quarter.
func Build(ctx context.Context, st store.Store, o Options) (*QBR, error) {
	q := o.Fiscal.Quarter(o.Day)
	out := &QBR{Quarter: q, AsOf: o.Day}
	if o.Goals != nil {
		m := o.Goals.Monthly()
		out.Goals = &m
	}
	var err error
	base := numbers.Options{Fiscal: o.Fiscal, Kind: numbers.Quarter, Day: o.Day, Goals: o.Goals}
	if out.Total, err = numbers.Build(ctx, st, base); err != nil {
		return nil, err
	}
	src := base
	src.By = daily.Source
	if out.Sources, err = numbers.Build(ctx, st, src); err != nil {
		return nil, err
	}
	for _, m := range o.Fiscal.MonthsOf(q) {
		if m.From > o.Day {
			break
		}
		day := o.Day
		if m.To <= o.Day {
			day = lastDay(m)
		}
		f, err := numbers.Build(ctx, st, numbers.Options{Fiscal: o.Fiscal, Kind: numbers.Month, Day: day, Goals: o.Goals})
		if err != nil {
			return nil, err
		}
		out.Months = append(out.Months, f)
	}
	if err := out.sla(ctx, st, o); err != nil {
		return nil, err
	}
	return out, out.weeks(ctx, st, o)
}

func lastDay(p daily.Period) string {
	t, _ := time.Parse(time.DateOnly, p.To)
	return t.AddDate(0, 0, -1).Format(time.DateOnly)
}

// sla adds the SLA report of the quarter when there are obligations.
func (out *QBR) sla(ctx context.Context, st store.Store, o Options) error {
	loc := o.Location
	if loc == nil {
		loc = time.UTC
	}
	from, _ := time.ParseInLocation(time.DateOnly, out.Quarter.From, loc)
	to, _ := time.ParseInLocation(time.DateOnly, out.Quarter.To, loc)
	in, err := slareport.Load(ctx, st, from, to)
	if err != nil {
		return err
	}
	if len(in.Obligations) == 0 {
		return nil
	}
	now := o.Now
	if now.IsZero() {
		now = time.Now()
	}
	out.SLA = slareport.Build(in, slareport.Options{From: from, To: to, By: slareport.ByRule, Now: now})
	return nil
}

// weeks lists the quarter's weeks in review and what was restated.
func (out *QBR) weeks(ctx context.Context, st store.Store, o Options) error {
	for _, w := range out.Total.Weeks {
		wk := Week{Week: w.Week, Status: w.Status}
		if w.Status == review.Locked {
			r, err := st.Review(ctx, w.Week)
			if err != nil && !errors.Is(err, store.ErrNotFound) {
				return err
			}
			p := o.Fiscal.Week(w.Week)
			var live []store.DailyRow
			for _, dim := range append([]string{daily.All}, daily.Dimensions...) {
				rows, err := st.Daily(ctx, store.DailyFilter{From: p.From, To: p.To, Dim: dim})
				if err != nil {
					return err
				}
				live = append(live, rows...)
			}
			wk.Restatements = review.Restatement(r.Snapshot, live)
			for _, c := range wk.Restatements {
				if c.Dim == daily.All {
					if wk.Late == nil {
						wk.Late = map[string]int64{}
					}
					wk.Late[c.Metric] += c.Delta.N
				}
			}
		}
		out.Weeks = append(out.Weeks, wk)
	}
	return nil
}
