package importer

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/accordhq/accord/internal/event"
	"github.com/accordhq/accord/internal/ingest"
)

// Sink stores a batch of events; *ingest.Service is one, and so is an API
// client that posts batches.
type Sink interface {
	Ingest(ctx context.Context, items []event.Item) (ingest.Report, error)
}

// DefaultBatchSize is how many events go to the sink at once: large enough
// that a SQLite transaction per batch is cheap, small enough that a failed
// batch costs little to redo.
const DefaultBatchSize = 1000

// MaxKeptRejects bounds Summary.Rejects; the reject file has them all.
const MaxKeptRejects = 20

// Options tune one import. The zero value imports with no reject file and no
// progress output.
type Options struct {
	// Rejects receives the reject CSV (see the package documentation).
	Rejects io.Writer
	// RejectsPath is used by ImportFile when Rejects is nil: the file is
	// written there and removed again if no row was rejected.
	RejectsPath string
	// Progress receives a progress bar when it is a terminal, and the
	// one-line summary at the end in any case.
	Progress io.Writer
	// Size is the input's length in bytes, for the bar (0: unknown).
	Size int64
	// BatchSize is the number of events per call to the sink.
	BatchSize int
	// Now is the clock events are received by (default time.Now).
	Now func() time.Time
}

// Summary counts what an import did.
type Summary struct {
	Name         string `json:"name"`
	RowsRead     int    `json:"rows_read"`
	RowsImported int    `json:"rows_imported"`
	RowsRejected int    `json:"rows_rejected"`
	// Events* count what the sink answered. Events of rows rejected before
	// reaching it are not counted here.
	EventsAccepted   int      `json:"events_accepted"`
	EventsDuplicates int      `json:"events_duplicates"`
	EventsRejected   int      `json:"events_rejected"`
	Warnings         []string `json:"warnings,omitempty"`
	// Rejects holds the first MaxKeptRejects rejected rows.
	Rejects []Reject `json:"rejects,omitempty"`
}

// String is the one-line summary printed at the end of an import.
func (s Summary) String() string {
	return fmt.Sprintf("import %s: %d rows read, %d imported, %d rejected; events: %d accepted, %d duplicates, %d rejected",
		s.Name, s.RowsRead, s.RowsImported, s.RowsRejected, s.EventsAccepted, s.EventsDuplicates, s.EventsRejected)
}

// ImportFile imports the CSV file at path; see Import.
func ImportFile(ctx context.Context, path string, m *Mapping, sink Sink, opts Options) (Summary, error) {
	f, err := os.Open(path)
	if err != nil {
		return Summary{Name: m.Name}, fmt.Errorf("import: %w", err)
	}
	defer f.Close()
	if st, err := f.Stat(); err == nil && opts.Size == 0 {
		opts.Size = st.Size()
	}
	var rejects *os.File
	if opts.Rejects == nil && opts.RejectsPath != "" {
		if rejects, err = os.Create(opts.RejectsPath); err != nil {
			return Summary{Name: m.Name}, fmt.Errorf("import %s: create reject file: %w", path, err)
		}
		opts.Rejects = rejects
	}
	sum, err := Import(ctx, f, m, sink, opts)
	if err != nil {
		err = fmt.Errorf("import %s: %w", path, err)
	}
	if rejects != nil {
		if cerr := rejects.Close(); cerr != nil && err == nil {
			err = fmt.Errorf("import %s: close reject file: %w", path, cerr)
		}
		if sum.RowsRejected == 0 && err == nil {
			// An empty reject file would read as "something went wrong";
			// a stale one from an earlier run would mislead.
			_ = os.Remove(opts.RejectsPath)
		}
	}
	return sum, err
}

// DefaultRejectsPath suggests where the rejects of a CSV file go: beside it,
// as NAME.rejects.csv.
func DefaultRejectsPath(csvPath string) string {
	return strings.TrimSuffix(csvPath, ".csv") + ".rejects.csv"
}

// Import reads a CSV file (the first row is the header), turns each row into
// events with m and stores them in sink, batch by batch. A row that cannot
// become valid events, or whose events the sink refuses, is written to
// opts.Rejects and the rest go on. The error is for what stops the whole
// import: an unreadable header, a mapping that does not fit the file, or a
// failing sink; the Summary then counts what was done before it.
func Import(ctx context.Context, r io.Reader, m *Mapping, sink Sink, opts Options) (Summary, error) {
	sum := Summary{Name: m.Name}
	if opts.BatchSize <= 0 {
		opts.BatchSize = DefaultBatchSize
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	cr := &countingReader{r: r}
	csvr := newCSVReader(cr)
	header, err := csvr.Read()
	switch {
	case errors.Is(err, io.EOF):
		return sum, fmt.Errorf("the file is empty: expected a header row")
	case err != nil:
		return sum, fmt.Errorf("read header: %w", err)
	}
	p, err := compile(m, header)
	if err != nil {
		return sum, err
	}
	sum.Warnings = p.warnings
	im := &importer{
		p: p, sink: sink, opts: opts, sum: &sum,
		rejects: newRejectWriter(opts.Rejects, header),
		bar:     newProgress(opts.Progress, opts.Size),
		width:   len(header),
	}
	err = im.run(ctx, csvr, cr)
	if ferr := im.rejects.flush(); ferr != nil && err == nil {
		err = ferr
	}
	im.bar.finish(&sum)
	return sum, err
}

// importer carries one import's state between batches.
type importer struct {
	p       *plan
	sink    Sink
	opts    Options
	sum     *Summary
	rejects *rejectWriter
	bar     *progress
	width   int

	lastLine int
	batch    []event.Item
	itemRow  []int // row (index into rows) of each item in batch
	rows     []row
}

// row is a record waiting in the current batch, kept until the sink has
// answered so an ingest rejection can still be written with its cells.
type row struct {
	line    int
	rec     []string
	reasons []string
}

func (im *importer) run(ctx context.Context, csvr *csv.Reader, cr *countingReader) error {
	for {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("stopped after line %d: %w", im.lastLine, err)
		}
		rec, err := csvr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		im.sum.RowsRead++
		var pe *csv.ParseError
		switch {
		case errors.As(err, &pe):
			// encoding/csv resumes at the next line after most errors, so
			// one stray quote costs one row, not the file.
			im.rows = append(im.rows, row{line: pe.StartLine, reasons: []string{"unreadable CSV: " + pe.Err.Error()}})
		case err != nil:
			return fmt.Errorf("read the row after line %d: %w", im.lastLine, err)
		default:
			line, _ := csvr.FieldPos(0)
			im.lastLine = line
			im.addRow(line, rec)
		}
		if len(im.batch) >= im.opts.BatchSize || len(im.rows) >= im.opts.BatchSize {
			if err := im.flush(ctx, cr.n); err != nil {
				return err
			}
		}
	}
	return im.flush(ctx, cr.n)
}

// addRow turns a record into events for the batch, or records why not.
func (im *importer) addRow(line int, rec []string) {
	if extra := rec[min(im.width, len(rec)):]; slices.ContainsFunc(extra, func(s string) bool { return strings.TrimSpace(s) != "" }) {
		// Trailing empty cells are common spreadsheet noise; anything more
		// usually means an unquoted comma shifted the row.
		im.rows = append(im.rows, row{line: line, rec: rec, reasons: []string{
			fmt.Sprintf("the row has %d fields but the header has %d (an unquoted comma?)", len(rec), im.width)}})
		return
	}
	evs, err := im.p.rowEvents(rec, im.opts.Now())
	if err != nil {
		im.rows = append(im.rows, row{line: line, rec: rec, reasons: []string{err.Error()}})
		return
	}
	im.rows = append(im.rows, row{line: line, rec: rec})
	for _, ev := range evs {
		im.itemRow = append(im.itemRow, len(im.rows)-1)
		im.batch = append(im.batch, event.Item{Index: len(im.batch), ID: ev.ID, Event: ev})
	}
}

// flush sends the batch, then accounts for every row in it, in file order.
func (im *importer) flush(ctx context.Context, bytesRead int64) error {
	if len(im.batch) > 0 {
		rep, err := im.sink.Ingest(ctx, im.batch)
		if err != nil {
			return fmt.Errorf("store events of lines %d-%d: %w", im.rows[0].line, im.rows[len(im.rows)-1].line, err)
		}
		im.sum.EventsAccepted += rep.Accepted
		im.sum.EventsDuplicates += rep.Duplicates
		im.sum.EventsRejected += rep.Rejected
		for _, res := range rep.Results {
			if res.Status != ingest.Rejected || res.Index < 0 || res.Index >= len(im.itemRow) {
				continue
			}
			rw := &im.rows[im.itemRow[res.Index]]
			typ := im.batch[res.Index].Event.Type
			rw.reasons = append(rw.reasons, fmt.Sprintf("%s refused: %s", typ, res.Error))
		}
	}
	for _, rw := range im.rows {
		if len(rw.reasons) == 0 {
			im.sum.RowsImported++
			continue
		}
		im.sum.RowsRejected++
		rej := Reject{Line: rw.line, Reason: strings.Join(rw.reasons, "; ")}
		if len(im.sum.Rejects) < MaxKeptRejects {
			im.sum.Rejects = append(im.sum.Rejects, rej)
		}
		if err := im.rejects.write(rej, rw.rec); err != nil {
			return err
		}
	}
	// Fresh slices: a sink may keep what it was given.
	im.batch, im.itemRow, im.rows = nil, nil, nil
	im.bar.update(bytesRead, im.sum)
	return nil
}
