package qbr

import (
	"fmt"
	"html"
	"html/template"
	"strings"

	"github.com/accordhq/accord/internal/numbers"
)

// page is the printable document: system fonts, black on white, tables
// that keep together on paper. Nothing is fetched from anywhere.
var page = template.Must(template.New("qbr").Parse(`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{{.Title}}</title>
<style>
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: #111; max-width: 60rem; margin: 2rem auto; padding: 0 1rem; }
h1 { font-size: 1.6rem; } h2 { font-size: 1.2rem; margin-top: 2rem; border-bottom: 1px solid #ccc; }
table { border-collapse: collapse; margin: .5rem 0; break-inside: avoid; }
th, td { padding: .25rem .6rem; border-bottom: 1px solid #ddd; text-align: left; }
td.n, th.n { text-align: right; font-variant-numeric: tabular-nums; }
figure { margin: 1rem 0; break-inside: avoid; } figcaption { font-size: .9rem; color: #444; }
svg text { font: 11px system-ui, sans-serif; fill: #222; }
@media print { body { margin: 0; max-width: none; } a { color: inherit; } }
</style>
</head>
<body>
{{.Body}}
<h2>Charts</h2>
{{range .Charts}}{{.}}{{end}}
</body>
</html>
`))

// barChart draws the headline counts per month as grouped bars, with the
// monthly goal of each as a tick, for print.
func (q *QBR) barChart() template.HTML {
	metrics := []string{"lead", "mql", "sql", "won"}
	colors := []string{"#1f4e79", "#2e75b6", "#9dc3e6", "#c55a11"}
	const w, h, left, bottom = 640, 240, 40, 30
	max := 1.0
	for _, f := range q.Months {
		for _, m := range metrics {
			r := row(f, m)
			max = fmax(max, float64(r.Count))
			if r.Goal != nil {
				max = fmax(max, *r.Goal)
			}
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, `<figure><svg role="img" aria-label="Leads, MQLs, SQLs and deals won per month" width="%d" height="%d" viewBox="0 0 %d %d">`, w, h, w, h)
	fmt.Fprintf(&b, `<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="#888"/>`, left, h-bottom, w, h-bottom)
	slot := float64(w-left) / float64(max1(len(q.Months)))
	bar := slot / float64(len(metrics)+1)
	for i, f := range q.Months {
		x0 := float64(left) + float64(i)*slot
		for j, m := range metrics {
			r := row(f, m)
			bh := float64(h-bottom-10) * float64(r.Count) / max
			x := x0 + float64(j)*bar + bar/2
			fmt.Fprintf(&b, `<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%s"><title>%s %s: %d</title></rect>`,
				x, float64(h-bottom)-bh, bar*0.9, bh, colors[j], html.EscapeString(f.Period.Name), m, r.Count)
			if r.Goal != nil {
				gy := float64(h-bottom) - float64(h-bottom-10)**r.Goal/max
				fmt.Fprintf(&b, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="#000" stroke-width="2"><title>goal %.0f</title></line>`, x-1, gy, x+bar*0.9+1, gy, *r.Goal)
			}
		}
		fmt.Fprintf(&b, `<text x="%.1f" y="%d">%s</text>`, x0+bar/2, h-bottom+16, html.EscapeString(f.Period.Name))
	}
	for j, m := range metrics {
		fmt.Fprintf(&b, `<rect x="%d" y="%d" width="10" height="10" fill="%s"/><text x="%d" y="%d">%s</text>`, left+j*90, 4, colors[j], left+j*90+14, 13, m)
	}
	fmt.Fprintf(&b, `<text x="%d" y="13">black ticks: goal</text>`, left+len(metrics)*90)
	b.WriteString(`</svg><figcaption>Leads, MQLs, SQLs and deals won per month; black ticks mark the month's goal.</figcaption></figure>`)
	return template.HTML(b.String())
}

// rateChart draws MQL→SQL per month, period and cohort, as two lines.
func (q *QBR) rateChart() template.HTML {
	const w, h, left, bottom = 640, 200, 40, 30
	var b strings.Builder
	fmt.Fprintf(&b, `<figure><svg role="img" aria-label="MQL to SQL conversion per month" width="%d" height="%d" viewBox="0 0 %d %d">`, w, h, w, h)
	fmt.Fprintf(&b, `<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="#888"/>`, left, h-bottom, w, h-bottom)
	for _, pct := range []int{0, 25, 50, 75, 100} {
		y := float64(h-bottom) - float64(h-bottom-10)*float64(pct)/100
		fmt.Fprintf(&b, `<text x="4" y="%.1f">%d%%</text>`, y+4, pct)
	}
	step := float64(w-left-20) / float64(max1(len(q.Months)-1))
	line := func(get func(*numbers.Funnel) numbers.Conversion, color, dash string) {
		var pts []string
		for i, f := range q.Months {
			c := get(f)
			if c.Rate == nil {
				continue
			}
			x := float64(left) + 10 + float64(i)*step
			y := float64(h-bottom) - float64(h-bottom-10)**c.Rate
			pts = append(pts, fmt.Sprintf("%.1f,%.1f", x, y))
			fmt.Fprintf(&b, `<circle cx="%.1f" cy="%.1f" r="3" fill="%s"><title>%s %s: %.1f%% (%d/%d)</title></circle>`,
				x, y, color, html.EscapeString(f.Period.Name), c.Kind, 100**c.Rate, c.Numerator, c.Denominator)
		}
		fmt.Fprintf(&b, `<polyline fill="none" stroke="%s" stroke-width="2" stroke-dasharray="%s" points="%s"/>`, color, dash, strings.Join(pts, " "))
	}
	line(func(f *numbers.Funnel) numbers.Conversion { return f.Conversions[1] }, "#1f4e79", "")
	line(func(f *numbers.Funnel) numbers.Conversion { return f.Cohorts[2] }, "#c55a11", "6 4")
	for i, f := range q.Months {
		fmt.Fprintf(&b, `<text x="%.1f" y="%d">%s</text>`, float64(left)+float64(i)*step, h-bottom+16, html.EscapeString(f.Period.Name))
	}
	fmt.Fprintf(&b, `<text x="%d" y="13">solid: period rate · dashed: cohort (of the month's MQLs, SQL by now)</text>`, left)
	b.WriteString(`</svg><figcaption>MQL → SQL per month: the period rate (solid) and the cohort rate (dashed).</figcaption></figure>`)
	return template.HTML(b.String())
}

func fmax(a, b float64) float64 {
	if a > b {
		return a
	}
	return b
}

func max1(n int) int {
	if n < 1 {
		return 1
	}
	return n
}

// mdTables renders the Markdown this package writes — headings, paragraphs
// and pipe tables — as HTML. It is not a Markdown parser: it reads only
// what Markdown above produces, escaping every cell.
func mdTables(md string) template.HTML {
	var b strings.Builder
	lines := strings.Split(md, "\n")
	for i := 0; i < len(lines); i++ {
		l := lines[i]
		switch {
		case strings.HasPrefix(l, "# "):
			fmt.Fprintf(&b, "<h1>%s</h1>\n", html.EscapeString(l[2:]))
		case strings.HasPrefix(l, "## "):
			fmt.Fprintf(&b, "<h2>%s</h2>\n", html.EscapeString(l[3:]))
		case strings.HasPrefix(l, "|"):
			head := cells(l)
			i++ // the |---| line says which columns are numbers
			numeric := make([]bool, len(head))
			for j, c := range cells(lines[i]) {
				if j < len(numeric) {
					numeric[j] = strings.HasSuffix(c, ":")
				}
			}
			b.WriteString("<table><thead><tr>")
			for j, c := range head {
				fmt.Fprintf(&b, `<th scope="col"%s>%s</th>`, cls(numeric, j), html.EscapeString(c))
			}
			b.WriteString("</tr></thead><tbody>\n")
			for i+1 < len(lines) && strings.HasPrefix(lines[i+1], "|") {
				i++
				b.WriteString("<tr>")
				for j, c := range cells(lines[i]) {
					fmt.Fprintf(&b, `<td%s>%s</td>`, cls(numeric, j), html.EscapeString(c))
				}
				b.WriteString("</tr>\n")
			}
			b.WriteString("</tbody></table>\n")
		case strings.TrimSpace(l) != "":
			fmt.Fprintf(&b, "<p>%s</p>\n", html.EscapeString(l))
		}
	}
	return template.HTML(b.String())
}

func cells(l string) []string {
	parts := strings.Split(strings.Trim(strings.TrimSpace(l), "|"), "|")
	for i := range parts {
		parts[i] = strings.TrimSpace(parts[i])
	}
	return parts
}

func cls(numeric []bool, j int) string {
	if j < len(numeric) && numeric[j] {
		return ` class="n"`
	}
	return ""
}
