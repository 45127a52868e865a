package notify

import (
	"context"
	"mime"
	"strings"
	"testing"
)

func TestSendLetter(t *testing.T) {
	t.Parallel()
	d := startSMTPD(t)
	s := mailer(d, newFakeClock())
	l := Letter{ID: "digest:2026-11-16", Subject: "Week of 2026-11-16: 52 MQLs", Body: "line one\nline two — über\n"}
	if err := s.SendLetter(context.Background(), l); err != nil {
		t.Fatal(err)
	}
	msgs := d.messages()
	if len(msgs) != 1 || strings.Join(msgs[0].to, ",") != "sdr.kim@acme.example,mgr.diaz@acme.example" {
		t.Fatalf("server got %+v", msgs)
	}
	p := parse(t, msgs[0])
	subject, _ := new(mime.WordDecoder).DecodeHeader(p.header.Get("Subject"))
	if subject != l.Subject || p.header.Get("Message-ID") != "<accord.digest.2026-11-16@accord.example>" || p.body != "line one\nline two — über\n" {
		t.Errorf("subject %q, id %q, body %q", subject, p.header.Get("Message-ID"), p.body)
	}
}
