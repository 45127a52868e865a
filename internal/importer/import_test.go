package importer

import (
	"bytes"
	"context"
	"encoding/csv"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/accordhq/accord/internal/event"
)

const leadsMapping = `
name: leads
date_formats: [YYYY-MM-DD]
occurred_at: created
lead: {lead_id: id, email: email, company: company, title: title}
stages: [{value: mql}]
`

// importString runs Import over a CSV held in a string.
func importString(t *testing.T, m *Mapping, sink Sink, data string, opts Options) (Summary, string) {
	t.Helper()
	var rejects bytes.Buffer
	opts.Rejects = &rejects
	if opts.Now == nil {
		opts.Now = testOptions().Now
	}
	sum, err := Import(context.Background(), strings.NewReader(data), m, sink, opts)
	if err != nil {
		t.Fatalf("Import: %v", err)
	}
	return sum, rejects.String()
}

func TestImportRejectFile(t *testing.T) {
	t.Parallel()
	// Line numbers: the header is line 1 and the quoted title of L2 spans
	// lines 3-4, so the bad email on the next row is on line 5.
	data := "\ufeffid,created,email,company,title\r\n" +
		"L1,2024-01-02,ann@acme.com,Acme,CEO\r\n" +
		"L2,2024-01-02,bob@beta.com,Beta,\"Head of\r\nSales\"\r\n" +
		"L3,2024-01-03,not-an-email,Gamma,CTO\r\n" +
		"L4,2024-01-03,dan@delta.com,Delta,CFO,extra,cells\r\n" +
		"L5,2024-01-03,eve@eps.com,Eps,VP,,\r\n" +
		"L6,2024-13-01,fay@phi.com,Phi,COO\r\n" +
		"L7,2024-01-04,g\"x@chi.com,Chi,CMO\r\n" +
		"L8,2024-01-04,hal@psi.com\r\n"
	sink := newMemSink(t)
	sum, rejects := importString(t, mustMapping(t, leadsMapping), sink, data, Options{})

	want := Summary{Name: "leads", RowsRead: 8, RowsImported: 4, RowsRejected: 4, EventsAccepted: 8}
	if sum.RowsRead != want.RowsRead || sum.RowsImported != want.RowsImported || sum.RowsRejected != want.RowsRejected ||
		sum.EventsAccepted != want.EventsAccepted || sum.EventsDuplicates != 0 || sum.EventsRejected != 0 {
		t.Errorf("summary = %s\nwant      %s", sum.String(), want.String())
	}
	cr := csv.NewReader(strings.NewReader(rejects))
	cr.FieldsPerRecord = -1 // the long row keeps its extra cells
	recs, err := cr.ReadAll()
	if err != nil {
		t.Fatalf("reject file is not CSV: %v\n%s", err, rejects)
	}
	wantRows := []struct{ line, reason, id string }{
		{"line", "reason", "id"},
		{"5", `column "email" (lead.upserted data.email): "not-an-email" is not an email address`, "L3"},
		{"6", "the row has 7 fields but the header has 5", "L4"},
		{"8", `column "created": "2024-13-01" matches none of the date formats`, "L6"},
		{"9", `unreadable CSV: bare " in non-quoted-field`, ""},
	}
	if len(recs) != len(wantRows) {
		t.Fatalf("reject file has %d records, want %d:\n%s", len(recs), len(wantRows), rejects)
	}
	for i, w := range wantRows {
		got := recs[i]
		if got[0] != w.line || !strings.Contains(got[1], w.reason) {
			t.Errorf("reject %d = %q, want line %s reason containing %q", i, got[:2], w.line, w.reason)
		}
		if w.id != "" && (len(got) < 3 || got[2] != w.id) {
			t.Errorf("reject %d should carry the original cells, got %q", i, got)
		}
	}
	if got := recs[2][len(recs[2])-1]; got != "cells" {
		t.Errorf("a long row should be written whole, last cell %q", got)
	}
	if len(sum.Rejects) != 4 || sum.Rejects[0].Line != 5 {
		t.Errorf("Summary.Rejects = %+v", sum.Rejects)
	}
	leads := sink.payloads(event.LeadUpserted)
	if got := leads[1].(*event.Lead).Title; got != "Head of\nSales" {
		t.Errorf("quoted multi-line title = %q (CRLF inside quotes should read as \\n)", got)
	}
	if got := leads[0].(*event.Lead).LeadID; got != "L1" {
		t.Errorf("the BOM leaked into the first column: lead_id %q", got)
	}
}

func TestImportIdempotentRerun(t *testing.T) {
	t.Parallel()
	data := "id,created,email,company,title\n" +
		"L1,2024-01-02,ann@acme.com,Acme,CEO\n" +
		"L2,2024-01-02,bob@beta.com,Beta,CTO\n" +
		"L3,2024-01-03,cat@gamma.com,Gamma,CFO\n"
	m := mustMapping(t, leadsMapping)
	sink := newMemSink(t)
	first, _ := importString(t, m, sink, data, Options{BatchSize: 2})
	if first.EventsAccepted != 6 || first.RowsImported != 3 {
		t.Fatalf("first run: %s", first.String())
	}
	if sink.calls < 2 {
		t.Errorf("batch size 2 should split 6 events over several calls, got %d", sink.calls)
	}
	again, _ := importString(t, m, sink, data, Options{BatchSize: 2})
	if again.EventsAccepted != 0 || again.EventsDuplicates != 6 || again.RowsImported != 3 || again.RowsRejected != 0 {
		t.Errorf("second run should be all duplicates: %s", again.String())
	}
	// A re-export where one lead changed title: one new upsert, no conflict.
	changed := strings.Replace(data, "Beta,CTO", "Beta,CEO", 1)
	third, _ := importString(t, m, sink, changed, Options{})
	if third.EventsAccepted != 1 || third.EventsDuplicates != 5 || third.EventsRejected != 0 {
		t.Errorf("changed row should be one new event: %s", third.String())
	}
}

func TestImportSinkRejection(t *testing.T) {
	t.Parallel()
	data := "id,created,email,company,title\n" +
		"L1,2024-01-02,ann@acme.com,Acme,CEO\n" +
		"L2,2024-01-02,bob@beta.com,Beta,CTO\n"
	sink := newMemSink(t)
	sink.refuse = func(e event.Event) string {
		if e.Type == event.LeadStageChanged && strings.Contains(string(e.Data), `"L2"`) {
			return "storage says no"
		}
		return ""
	}
	sum, rejects := importString(t, mustMapping(t, leadsMapping), sink, data, Options{})
	if sum.RowsImported != 1 || sum.RowsRejected != 1 || sum.EventsAccepted != 3 || sum.EventsRejected != 1 {
		t.Errorf("summary = %s", sum.String())
	}
	want := "3,lead.stage_changed refused: storage says no,L2,"
	if !strings.Contains(rejects, want) {
		t.Errorf("reject file:\n%s\nwant a line starting %q", rejects, want)
	}
}

func TestImportFatalErrors(t *testing.T) {
	t.Parallel()
	m := mustMapping(t, leadsMapping)
	for _, tt := range []struct{ name, data, want string }{
		{"empty file", "", "empty"},
		{"mapping does not fit", "Record ID,Created\n1,2024-01-01\n", `no column "id"`},
	} {
		_, err := Import(context.Background(), strings.NewReader(tt.data), m, newMemSink(t), testOptions())
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: error = %v, want %q", tt.name, err, tt.want)
		}
	}
}

func TestImportFileRejectsPathAndSummaryLine(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	write := func(name, data string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(data), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	m := mustMapping(t, leadsMapping)
	bad := write("bad.csv", "id,created,email,company,title\nL1,2024-01-02,x,Acme,CEO\n")
	var progress bytes.Buffer
	opts := testOptions()
	opts.RejectsPath, opts.Progress = DefaultRejectsPath(bad), &progress
	sum, err := ImportFile(context.Background(), bad, m, newMemSink(t), opts)
	if err != nil || sum.RowsRejected != 1 {
		t.Fatalf("ImportFile: %v, %s", err, sum.String())
	}
	if _, err := os.Stat(filepath.Join(dir, "bad.rejects.csv")); err != nil {
		t.Errorf("reject file missing: %v", err)
	}
	// Not a terminal: no bar, just the summary line.
	if got := progress.String(); got != sum.String()+"\n" {
		t.Errorf("progress output = %q", got)
	}
	good := write("good.csv", "id,created,email,company,title\nL1,2024-01-02,a@b.c,Acme,CEO\n")
	if err := os.WriteFile(DefaultRejectsPath(good), []byte("stale"), 0o600); err != nil {
		t.Fatal(err)
	}
	opts.RejectsPath, opts.Progress = DefaultRejectsPath(good), nil
	if _, err := ImportFile(context.Background(), good, m, newMemSink(t), opts); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(DefaultRejectsPath(good)); !os.IsNotExist(err) {
		t.Errorf("a clean import should leave no reject file (stale one included): %v", err)
	}
}
