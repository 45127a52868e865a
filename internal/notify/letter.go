package notify

import (
	"bytes"
	"context"
	"fmt"
	"mime"
	"mime/quotedprintable"
	"strings"
	"time"
)

// Letter is an email that is not an alert: a digest, a report. ID names it
// (the same ID gives the same Message-ID, so a resend is recognisable).
type Letter struct {
	ID      string
	Subject string
	Body    string // plain text
}

// SendLetter mails l to the configured To list through the same SMTP
// conversation alerts use, with the same classification of failures.
func (s *SMTP) SendLetter(ctx context.Context, l Letter) error {
	from, to, err := s.addresses()
	if err != nil {
		return Permanent(fmt.Errorf("smtp %s: %w", l.ID, err))
	}
	now := nowFunc(s.Now)()
	var b bytes.Buffer
	header := func(k, v string) { b.WriteString(k + ": " + v + "\r\n") }
	header("Date", now.Format(time.RFC1123Z))
	header("From", from.String())
	tos := make([]string, len(to))
	for i, a := range to {
		tos[i] = a.String()
	}
	header("To", strings.Join(tos, ", "))
	header("Subject", mime.QEncoding.Encode("utf-8", truncate(clean(l.Subject), 200)))
	header("Message-ID", messageID(l.ID, from.Address))
	header("MIME-Version", "1.0")
	header("Content-Type", "text/plain; charset=utf-8")
	header("Content-Transfer-Encoding", "quoted-printable")
	header("Auto-Submitted", "auto-generated")
	b.WriteString("\r\n")
	qp := quotedprintable.NewWriter(&b)
	qp.Write([]byte(strings.ReplaceAll(strings.ReplaceAll(l.Body, "\r\n", "\n"), "\n", "\r\n")))
	qp.Close()
	if err := s.send(ctx, from.Address, to, b.Bytes()); err != nil {
		return fmt.Errorf("smtp %s via %s: %w", l.ID, s.addr(), err)
	}
	return nil
}
