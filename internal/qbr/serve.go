package qbr

import (
	"encoding/json"
	"net/http"
)

// Formats are what Serve can write.
var Formats = []string{"json", "md", "csv", "html"}

// Serve writes the QBR as an HTTP response in format (json, md, csv or
// html), with the headers a download or a printable page needs: the API
// and the pages answer the same way.
func (q *QBR) Serve(w http.ResponseWriter, format string) error {
	name := "qbr-" + q.Quarter.Name
	switch format {
	case "md":
		w.Header().Set("Content-Type", "text/markdown; charset=utf-8")
		w.Header().Set("Content-Disposition", `attachment; filename="`+name+`.md"`)
		return q.Markdown(w)
	case "csv":
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
		w.Header().Set("Content-Disposition", `attachment; filename="`+name+`.csv"`)
		return q.CSV(w)
	case "html":
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		// Self-contained: inline styles, SVG charts.
		w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; img-src data:")
		return q.HTML(w)
	}
	w.Header().Set("Content-Type", "application/json")
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	return enc.Encode(q)
}
