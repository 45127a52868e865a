package importer

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"io"
)

// utf8BOM starts files saved by Excel as "CSV UTF-8"; left in, it would
// become part of the first column's name.
var utf8BOM = []byte{0xEF, 0xBB, 0xBF}

// newCSVReader reads a CSV file as exported by spreadsheets and CRMs: with
// or without a byte-order mark, CRLF or LF line endings (encoding/csv folds
// CRLF, also inside quoted fields), and rows that may be shorter or longer
// than the header, which the importer judges itself.
func newCSVReader(r io.Reader) *csv.Reader {
	br := bufio.NewReader(r)
	if head, err := br.Peek(len(utf8BOM)); err == nil && bytes.Equal(head, utf8BOM) {
		_, _ = br.Discard(len(utf8BOM))
	}
	cr := csv.NewReader(br)
	cr.FieldsPerRecord = -1
	return cr
}

// countingReader counts the bytes read so far, for the progress bar.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}
