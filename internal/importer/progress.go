package importer

import (
	"fmt"
	"io"
	"strings"
	"time"

	"golang.org/x/term"
)

// progress draws a bar on a terminal and stays quiet elsewhere (a log file
// or CI output full of carriage returns helps no one); both end with the
// one-line summary.
type progress struct {
	w     io.Writer
	tty   bool
	total int64
	last  time.Time
	drawn bool
}

func newProgress(w io.Writer, total int64) *progress {
	if w == nil {
		return nil
	}
	return &progress{w: w, tty: isTerminal(w), total: total}
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(interface{ Fd() uintptr })
	return ok && term.IsTerminal(int(f.Fd()))
}

const barWidth = 30

// update redraws the bar at most ten times a second.
func (p *progress) update(done int64, s *Summary) {
	if p == nil || !p.tty || time.Since(p.last) < 100*time.Millisecond {
		return
	}
	p.last = time.Now()
	p.drawn = true
	counts := fmt.Sprintf("%d rows, %d rejected", s.RowsRead, s.RowsRejected)
	if p.total <= 0 {
		fmt.Fprintf(p.w, "\r\x1b[Kimporting: %s", counts)
		return
	}
	frac := min(float64(done)/float64(p.total), 1)
	fill := int(frac * barWidth)
	fmt.Fprintf(p.w, "\r\x1b[K[%s%s] %3.0f%%  %s", strings.Repeat("=", fill), strings.Repeat(" ", barWidth-fill), frac*100, counts)
}

func (p *progress) finish(s *Summary) {
	if p == nil {
		return
	}
	if p.drawn {
		fmt.Fprint(p.w, "\r\x1b[K")
	}
	fmt.Fprintln(p.w, s.String())
}
