package web

import (
	"fmt"
	"html/template"
	"io/fs"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/accordhq/accord/internal/numbers"
	"github.com/accordhq/accord/internal/slareport"
)

// pageNames are the templates in templates/, each rendered inside
// layout.html (the wall display has a layout of its own).
var pageNames = []string{"login", "error", "overview", "funnel", "sla", "drill", "agreement", "version", "backtest", "review", "planner", "queue", "lead", "admin", "wall"}

func parsePages(a *assets) (map[string]*template.Template, error) {
	funcs := template.FuncMap{
		"asset":     a.url,
		"num":       num,
		"pct":       pct,
		"rate":      rate,
		"dur":       duration,
		"secs":      func(f float64) string { return duration(time.Duration(f * float64(time.Second))) },
		"spreadP50": spreadP50,
		"row":       rowOf,
		"goalText":  goalText,
		"state":     stateText,
		"stateIcon": stateIcon,
		"label":     label,
		"when":      func(t time.Time, loc *time.Location) string { return when(t, loc) },
		"whenp": func(t *time.Time, loc *time.Location) string {
			if t == nil {
				return "–"
			}
			return when(*t, loc)
		},
		"iso":  func(t time.Time) string { return t.UTC().Format(time.RFC3339) },
		"add":  func(a, b int) int { return a + b },
		"conv": convText,
		// fnum writes a number for an input's value ("" for none).
		"fnum": func(v any) string {
			switch x := v.(type) {
			case *float64:
				if x == nil {
					return ""
				}
				return strconv.FormatFloat(*x, 'f', -1, 64)
			case float64:
				return strconv.FormatFloat(x, 'f', -1, 64)
			}
			return ""
		},
		"days": func(p *float64) string {
			if p == nil {
				return "–"
			}
			return fmt.Sprintf("%.1f days", *p)
		},
		"daysi": func(p *int) string {
			if p == nil {
				return "–"
			}
			return fmt.Sprintf("%d days", *p)
		},
		"dict": func(kv ...any) (map[string]any, error) {
			if len(kv)%2 != 0 {
				return nil, fmt.Errorf("dict needs key, value pairs")
			}
			m := map[string]any{}
			for i := 0; i < len(kv); i += 2 {
				k, ok := kv[i].(string)
				if !ok {
					return nil, fmt.Errorf("dict key %v is not a string", kv[i])
				}
				m[k] = kv[i+1]
			}
			return m, nil
		},
		// smallSample is the judged count below which a rate is marked.
		"smallSample": func() int { return slareport.SmallSample },
	}
	out := map[string]*template.Template{}
	for _, name := range pageNames {
		layout := "templates/layout.html"
		if name == "wall" {
			layout = "templates/wall_layout.html"
		}
		t, err := template.New(name).Funcs(funcs).ParseFS(templateFS, layout, "templates/"+name+".html")
		if err != nil {
			return nil, fmt.Errorf("page %s: %w", name, err)
		}
		out[name] = t
	}
	if _, err := fs.Stat(templateFS, "templates/layout.html"); err != nil {
		return nil, err
	}
	return out, nil
}

func itoa(n int) string { return strconv.Itoa(n) }

// num writes a count with thousands separators.
func num(v any) string {
	var n int64
	switch x := v.(type) {
	case int:
		n = int64(x)
	case int64:
		n = x
	case float64:
		return numf(x)
	case *float64:
		if x == nil {
			return "–"
		}
		return numf(*x)
	case *int64:
		if x == nil {
			return "–"
		}
		n = *x
	default:
		return fmt.Sprint(v)
	}
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "−" + b.String()
	}
	return b.String()
}

func numf(f float64) string {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return "–"
	}
	return num(int64(math.Round(f)))
}

// pct writes a share as a whole percentage.
func pct(v any) string {
	switch x := v.(type) {
	case float64:
		return fmt.Sprintf("%.0f%%", x*100)
	case *float64:
		if x == nil {
			return "–"
		}
		return fmt.Sprintf("%.0f%%", *x*100)
	}
	return "–"
}

// rate writes a rate with what it is made of and its interval.
func rate(r slareport.Rate) string {
	if r.Denominator == 0 {
		return "– (none yet)"
	}
	s := fmt.Sprintf("%.0f%% (%d of %d; 95%% interval %.0f–%.0f%%)", r.Value*100, r.Numerator, r.Denominator, r.Low*100, r.High*100)
	if r.Small {
		s += " — small sample"
	}
	return s
}

func spreadP50(t slareport.Times) string {
	if t.Business == nil {
		return "–"
	}
	return duration(time.Duration(t.Business.P50))
}

// duration writes a span in words a rep reads at a glance: 4m 05s, 3h 20m,
// 2d 4h.
func duration(d time.Duration) string {
	neg := d < 0
	if neg {
		d = -d
	}
	var s string
	switch {
	case d < time.Minute:
		s = fmt.Sprintf("%ds", int(d.Seconds()))
	case d < time.Hour:
		s = fmt.Sprintf("%dm %02ds", int(d.Minutes()), int(d.Seconds())%60)
	case d < 24*time.Hour:
		s = fmt.Sprintf("%dh %02dm", int(d.Hours()), int(d.Minutes())%60)
	default:
		s = fmt.Sprintf("%dd %dh", int(d.Hours())/24, int(d.Hours())%24)
	}
	if neg {
		return "−" + s
	}
	return s
}

func rowOf(f *numbers.Funnel, metric string) numbers.Row {
	for _, r := range f.Rows {
		if r.Metric == metric {
			return r
		}
	}
	return numbers.Row{Metric: metric}
}

// goalText is a row's projection against its goal, in words.
func goalText(r numbers.Row) string {
	if r.Goal == nil {
		return "no goal set"
	}
	if r.OfGoal == nil {
		return "goal " + numf(*r.Goal)
	}
	return fmt.Sprintf("on pace for %.0f%% of %s", *r.OfGoal*100, numf(*r.Goal))
}

var stateWords = map[string]string{"on_track": "On track", "warning": "Warning", "breached": "Breached", "paused": "Paused",
	"met": "Met", "cancelled": "Cancelled", "open": "Open"}

func stateText(s string) string {
	if w, ok := stateWords[s]; ok {
		return w
	}
	return s
}

// stateIcon gives each state a shape, so it does not rest on colour.
func stateIcon(s string) string {
	switch s {
	case "on_track", "met":
		return "●"
	case "warning":
		return "▲"
	case "breached":
		return "■"
	case "paused":
		return "Ⅱ"
	}
	return "○"
}

var labels = map[string]string{"inquiry": "Inquiries", "lead": "Leads", "mql": "MQLs", "sql": "SQLs", "opportunity": "Opportunities",
	"opportunities_opened": "Opportunities opened", "customer": "Customers", "won": "Deals won", "bookings": "Bookings",
	"proposals": "Proposals", "lost": "Deals lost"}

func label(m string) string {
	if l, ok := labels[m]; ok {
		return l
	}
	return m
}

func when(t time.Time, loc *time.Location) string {
	if t.IsZero() {
		return "–"
	}
	if loc == nil {
		loc = time.UTC
	}
	return t.In(loc).Format("Mon 2 Jan 2006 15:04 MST")
}

// convText writes a conversion as its rate with what it is made of.
func convText(c numbers.Conversion) string {
	if c.Rate == nil {
		return fmt.Sprintf("– (0 %s)", label(c.From))
	}
	return fmt.Sprintf("%.0f%% (%d of %d)", *c.Rate*100, c.Numerator, c.Denominator)
}
