package cli

import (
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"golang.org/x/term"
)

// progress draws a one-line bar on a terminal and stays silent elsewhere
// (logs and CI get the summary line only).
type progress struct {
	w     io.Writer
	label string
	total int64
	tty   bool
	last  time.Time
	start time.Time
}

func newProgress(w io.Writer, label string, total int64) *progress {
	f, ok := w.(*os.File)
	return &progress{w: w, label: label, total: total, tty: ok && term.IsTerminal(int(f.Fd())), start: time.Now()}
}

func (p *progress) set(done int64) {
	if !p.tty || time.Since(p.last) < 100*time.Millisecond {
		return
	}
	p.last = time.Now()
	rate := float64(done) / max(time.Since(p.start).Seconds(), 1e-9)
	if p.total > 0 {
		frac := min(float64(done)/float64(p.total), 1)
		n := int(frac * 30)
		fmt.Fprintf(p.w, "\r%s [%s%s] %3.0f%% %d/%d (%.0f/s)", p.label, strings.Repeat("=", n), strings.Repeat(" ", 30-n), frac*100, done, p.total, rate)
		return
	}
	fmt.Fprintf(p.w, "\r%s %d (%.0f/s)", p.label, done, rate)
}

func (p *progress) done() {
	if p.tty && !p.last.IsZero() {
		fmt.Fprintln(p.w)
	}
}
