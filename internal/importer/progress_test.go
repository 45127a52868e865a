package importer

import (
	"bytes"
	"strings"
	"testing"
)

func TestProgressBar(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	p := &progress{w: &buf, tty: true, total: 200}
	sum := &Summary{Name: "x", RowsRead: 50, RowsRejected: 2}
	p.update(100, sum)
	p.update(150, sum) // within 100ms: not drawn
	p.finish(sum)
	out := buf.String()
	if !strings.Contains(out, "]  50%  50 rows, 2 rejected") || strings.Count(out, "%") != 1 {
		t.Errorf("bar output %q", out)
	}
	if !strings.HasSuffix(out, "\r\x1b[K"+sum.String()+"\n") {
		t.Errorf("the bar should be cleared before the summary: %q", out)
	}
	if isTerminal(&buf) {
		t.Error("a buffer is not a terminal")
	}
}
