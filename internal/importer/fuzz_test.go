package importer

import (
	"bytes"
	"context"
	"encoding/csv"
	"strings"
	"testing"
)

const fuzzMapping = `
name: fuzz
date_formats: [rfc3339, YYYY-MM-DD, DD-MM-YYYY HH:mm]
null_values: [Select]
occurred_at: b
lead:
  lead_id: a
  email: c
  first_name: d
  last_name: e
  score: f
  attributes: {g: g, n: {column: f, type: number}}
stages:
  - {column: d, values: {x: mql, y: customer, z: "", "*": ""}}
  - e
assign: {owner: g}
opportunity:
  opportunity_id: [g, a]
  amount: f
  currency: e
  close:
    outcome: {column: c, values: {won: won, lost: lost, odd: maybe, "*": ""}}
    amount: f
    occurred_at: [e, b]
`

// FuzzImportCSV feeds arbitrary bytes through the whole row -> events path.
// It must never panic, every row must be either imported or rejected, and
// the sink (memSink) fails the test if it is ever handed an event that
// event.Decode would refuse.
func FuzzImportCSV(f *testing.F) {
	seeds := []string{
		"a,b,c,d,e,f,g\nL1,2024-01-02,ann@acme.com,x,mql,12.5,rep\n",
		"a,b,c,d,e,f,g\r\nL1,02-01-2024 10:00,won,y,,5,\r\nL2,,lost,,,-1,o\r\n",
		"\ufeffa,b,c\n\"L\n1\",2024-01-02,\"q\"\"x\"\nL2,2024-01-02,bad\"quote\n",
		"a,b,c,d,e,f,g\nL1,2024-01-02T10:00:00+05:00,odd,Select,sql,NaN,\n,,,,,,\nL3,9999-01-01,c@d,z,lead,1e309,g\n",
		"a,b\nL1,1969-12-31\nL2,2024-01-02,extra\n",
		"a,b,e\nL1,2024-01-02,EUR\nL2,2024-01-02,euro\n",
	}
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	m, err := ParseMapping([]byte(fuzzMapping))
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var rejects bytes.Buffer
		opts := testOptions()
		opts.Rejects = &rejects
		opts.BatchSize = 3
		sink := newMemSink(t)
		sum, err := Import(context.Background(), bytes.NewReader(data), m, sink, opts)
		if err != nil {
			// Only the header may stop an import; every row error is a reject.
			if sum.RowsRead != 0 {
				t.Fatalf("Import failed after %d rows: %v", sum.RowsRead, err)
			}
			return
		}
		if sum.RowsRead != sum.RowsImported+sum.RowsRejected {
			t.Fatalf("rows do not add up: %s", sum.String())
		}
		if sum.EventsRejected != 0 {
			t.Fatalf("the sink refused events the importer had validated: %s", sum.String())
		}
		if sum.EventsAccepted != len(sink.events) {
			t.Fatalf("accepted %d but the sink stored %d", sum.EventsAccepted, len(sink.events))
		}
		if sum.RowsRejected == 0 {
			if rejects.Len() != 0 {
				t.Fatalf("no rejects counted but the reject file has %q", rejects.String())
			}
			return
		}
		cr := csv.NewReader(strings.NewReader(rejects.String()))
		cr.FieldsPerRecord = -1
		recs, err := cr.ReadAll()
		if err != nil {
			t.Fatalf("reject file is not valid CSV: %v", err)
		}
		if len(recs) != sum.RowsRejected+1 {
			t.Fatalf("reject file has %d rows, want %d", len(recs)-1, sum.RowsRejected)
		}
	})
}
