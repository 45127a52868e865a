// Package digest writes the weekly digest: a week's numbers against the
// goal and against the week before, with links to the dashboard, as the
// plain-text email a team reads on Monday morning.
package digest

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/accordhq/accord/internal/agreement"
	"github.com/accordhq/accord/internal/daily"
	"github.com/accordhq/accord/internal/notify"
	"github.com/accordhq/accord/internal/numbers"
	"github.com/accordhq/accord/internal/store"
)

// Lines are the metrics the digest reports, in order.
var Lines = []string{"lead", "mql", "sql", daily.Opportunities, daily.Won, daily.Bookings}

// Digest is one week's digest.
type Digest struct {
	Week, Before daily.Period
	This, Last   *numbers.Funnel
	BaseURL      string
}

// Build reads the week holding day and the week before it.
func Build(ctx context.Context, st store.Store, f daily.Fiscal, day string, goals *agreement.Goals, baseURL string) (*Digest, error) {
	w := f.Week(day)
	end := lastDay(w)
	this, err := numbers.Build(ctx, st, numbers.Options{Fiscal: f, Kind: numbers.Week, Day: end, Goals: goals})
	if err != nil {
		return nil, err
	}
	prev := f.Week(addDays(w.From, -1))
	last, err := numbers.Build(ctx, st, numbers.Options{Fiscal: f, Kind: numbers.Week, Day: lastDay(prev), Goals: goals})
	if err != nil {
		return nil, err
	}
	return &Digest{Week: w, Before: prev, This: this, Last: last, BaseURL: strings.TrimSuffix(baseURL, "/")}, nil
}

// Letter words the digest as an email.
func (d *Digest) Letter() notify.Letter {
	var b strings.Builder
	fmt.Fprintf(&b, "The week of %s (to %s), against its goal and the week before.\n\n", d.Week.From, lastDay(d.Week))
	fmt.Fprintf(&b, "%-22s %12s %12s %10s %12s %8s\n", "", "this week", "week before", "change", "goal", "of goal")
	for _, m := range Lines {
		now, before := row(d.This, m), row(d.Last, m)
		v, pv := value(now), value(before)
		change := "–"
		if pv != 0 {
			change = fmt.Sprintf("%+.0f%%", 100*(v-pv)/pv)
		}
		goal, of := "–", "–"
		if now.Goal != nil && *now.Goal > 0 {
			goal = num(*now.Goal)
			of = fmt.Sprintf("%.0f%%", 100*v / *now.Goal)
		}
		fmt.Fprintf(&b, "%-22s %12s %12s %10s %12s %8s\n", m, num(v), num(pv), change, goal, of)
	}
	for _, c := range d.This.Conversions[:2] {
		if c.Rate != nil {
			fmt.Fprintf(&b, "\n%s → %s this week: %.1f%% (%d of %d, a period rate)", c.From, c.To, 100**c.Rate, c.Numerator, c.Denominator)
		}
	}
	b.WriteString("\n")
	if d.BaseURL != "" {
		q := url.Values{"period": {"week"}, "date": {d.Week.From}}
		fmt.Fprintf(&b, "\nThe week in Accord: %s/api/v1/reports/funnel?%s\n", d.BaseURL, q.Encode())
		fmt.Fprintf(&b, "Its review: %s/api/v1/reviews/weeks/%s\n", d.BaseURL, d.Week.From)
	}
	b.WriteString("\n-- \nSent by Accord: the weekly digest.\n")
	mql := row(d.This, "mql")
	return notify.Letter{
		ID:      "digest:" + d.Week.From,
		Subject: fmt.Sprintf("Week of %s: %d MQLs, %d won, %s booked", d.Week.From, mql.Count, row(d.This, daily.Won).Count, num(value(row(d.This, daily.Bookings)))),
		Body:    b.String(),
	}
}

func row(f *numbers.Funnel, m string) numbers.Row {
	for _, r := range f.Rows {
		if r.Metric == m {
			return r
		}
	}
	return numbers.Row{Metric: m}
}

func value(r numbers.Row) float64 {
	if r.Amount != nil {
		return *r.Amount
	}
	return float64(r.Count)
}

func num(v float64) string {
	if v == float64(int64(v)) {
		return fmt.Sprintf("%d", int64(v))
	}
	return fmt.Sprintf("%.2f", v)
}

func lastDay(p daily.Period) string { return addDays(p.To, -1) }

func addDays(day string, n int) string {
	t, err := time.Parse(time.DateOnly, day)
	if err != nil {
		return day
	}
	return t.AddDate(0, 0, n).Format(time.DateOnly)
}
