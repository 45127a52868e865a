package importer

import (
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
)

// Reject is one row that was not imported.
type Reject struct {
	// Line is where the row starts in the file, counting the header as line
	// 1; a quoted field spanning lines makes later rows start further down.
	Line   int
	Reason string
}

// rejectWriter writes rejected rows as CSV: line, reason, then the row's
// original cells under the original header, so the file can be fixed and
// imported again with the same mapping plus two ignored columns.
type rejectWriter struct {
	w      *csv.Writer
	header []string
	wrote  bool
}

func newRejectWriter(w io.Writer, header []string) *rejectWriter {
	if w == nil {
		return &rejectWriter{}
	}
	return &rejectWriter{w: csv.NewWriter(w), header: header}
}

func (rw *rejectWriter) write(r Reject, rec []string) error {
	if rw.w == nil {
		return nil
	}
	if !rw.wrote {
		rw.wrote = true
		if err := rw.w.Write(append([]string{"line", "reason"}, rw.header...)); err != nil {
			return fmt.Errorf("write rejects header: %w", err)
		}
	}
	out := append([]string{strconv.Itoa(r.Line), r.Reason}, rec...)
	// Short rows are padded so the file stays rectangular for spreadsheets;
	// long rows keep every cell, since the extra ones are the evidence.
	for len(out) < len(rw.header)+2 {
		out = append(out, "")
	}
	if err := rw.w.Write(out); err != nil {
		return fmt.Errorf("write reject for line %d: %w", r.Line, err)
	}
	return nil
}

func (rw *rejectWriter) flush() error {
	if rw.w == nil {
		return nil
	}
	rw.w.Flush()
	if err := rw.w.Error(); err != nil {
		return fmt.Errorf("write rejects: %w", err)
	}
	return nil
}
