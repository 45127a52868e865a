package notify

import (
	"context"
	"io"
	"mime"
	"mime/quotedprintable"
	"net/mail"
	"strings"
	"testing"
	"time"
)

// mailer is an SMTP channel pointed at the test server.
func mailer(d *smtpd, clk *fakeClock) *SMTP {
	return &SMTP{
		Host:    d.host,
		Port:    d.port,
		From:    "Accord <alerts@accord.example>",
		To:      []string{"Kim <sdr.kim@acme.example>", "mgr.diaz@acme.example"},
		Timeout: 5 * time.Second,
		Now:     clk.Now,
	}
}

// parsed is a received message, decoded as a mail reader would.
type parsed struct {
	header mail.Header
	body   string
}

func parse(t *testing.T, m smtpMessage) parsed {
	t.Helper()
	msg, err := mail.ReadMessage(strings.NewReader(m.data))
	if err != nil {
		t.Fatalf("not a mail message: %v\n%s", err, m.data)
	}
	if cte := msg.Header.Get("Content-Transfer-Encoding"); cte != "quoted-printable" {
		t.Fatalf("Content-Transfer-Encoding %q", cte)
	}
	body, err := io.ReadAll(quotedprintable.NewReader(msg.Body))
	if err != nil {
		t.Fatalf("body: %v", err)
	}
	return parsed{msg.Header, string(body)}
}

func TestSMTPDelivers(t *testing.T) {
	t.Parallel()
	d := startSMTPD(t, withUser("accord", "pa55"))
	clk := newFakeClock()
	s := mailer(d, clk)
	s.Username, s.Password = "accord", "pa55"
	s.HelloName = "accord.example"
	n := sample(t)

	if err := s.Send(context.Background(), n); err != nil {
		t.Fatal(err)
	}
	msgs := d.messages()
	if len(msgs) != 1 {
		t.Fatalf("server got %d messages, want 1", len(msgs))
	}
	m := msgs[0]
	if m.hello != "accord.example" || m.authUser != "accord" || m.tls {
		t.Errorf("hello %q, auth user %q, tls %v", m.hello, m.authUser, m.tls)
	}
	if m.from != "alerts@accord.example" || strings.Join(m.to, ",") != "sdr.kim@acme.example,mgr.diaz@acme.example" {
		t.Errorf("envelope from %q to %q", m.from, m.to)
	}

	p := parse(t, m)
	subject, err := new(mime.WordDecoder).DecodeHeader(p.header.Get("Subject"))
	if err != nil {
		t.Fatal(err)
	}
	date, err := p.header.Date()
	if err != nil || !date.Equal(clk.Now()) {
		t.Errorf("Date %q (%v), want %v", p.header.Get("Date"), err, clk.Now())
	}
	for k, want := range map[string]string{
		"From":              `"Accord" <alerts@accord.example>`,
		"To":                `"Kim" <sdr.kim@acme.example>, <mgr.diaz@acme.example>`,
		"Message-ID":        "<accord.hs-1001.first_touch.breach@accord.example>",
		"MIME-Version":      "1.0",
		"Content-Type":      "text/plain; charset=utf-8",
		"Auto-Submitted":    "auto-generated",
		"X-Accord-Alert-ID": n.ID,
	} {
		if got := p.header.Get(k); got != want {
			t.Errorf("%s: %q, want %q", k, got, want)
		}
	}
	if want := "SLA breached: first touch for Ana Ruiz (Acme) is 12m late"; subject != want {
		t.Errorf("Subject %q, want %q", subject, want)
	}
	_, text := Text(n)
	// The server's dot reader turns CRLF into LF.
	if !strings.HasPrefix(p.body, text+"\n") {
		t.Errorf("body\n%q\ndoes not start with Text's body\n%q", p.body, text)
	}
	if !strings.Contains(p.body, "Alert "+n.ID) {
		t.Errorf("body does not name the alert id:\n%s", p.body)
	}
}

func TestSMTPSameMessageIDOnRetry(t *testing.T) {
	t.Parallel()
	d := startSMTPD(t)
	clk := newFakeClock()
	s := mailer(d, clk)
	n := sample(t)
	for range 2 {
		if err := s.Send(context.Background(), n); err != nil {
			t.Fatal(err)
		}
		clk.Advance(30 * time.Second)
	}
	msgs := d.messages()
	if len(msgs) != 2 {
		t.Fatalf("%d messages, want 2", len(msgs))
	}
	a, b := parse(t, msgs[0]).header.Get("Message-ID"), parse(t, msgs[1]).header.Get("Message-ID")
	if a != b || a == "" {
		t.Errorf("Message-ID %q then %q, want the same", a, b)
	}
}

func TestSMTPSecurity(t *testing.T) {
	t.Parallel()
	serverTLS, clientTLS := selfSigned(t)
	tests := []struct {
		name     string
		server   []smtpdOption
		security Security
		wantTLS  bool
		wantErr  string // "": delivered; else a permanent error containing it
	}{
		{"auto upgrades when offered", []smtpdOption{withStartTLS(serverTLS), withUser("u", "p")}, SecurityAuto, true, ""},
		{"auto stays plain when not offered", nil, SecurityAuto, false, ""},
		{"none ignores an offered STARTTLS", []smtpdOption{withStartTLS(serverTLS)}, SecurityNone, false, ""},
		{"starttls required and offered", []smtpdOption{withStartTLS(serverTLS)}, SecurityStartTLS, true, ""},
		{"starttls required, not offered", nil, SecurityStartTLS, false, "does not offer STARTTLS"},
		{"implicit tls", []smtpdOption{withImplicitTLS(serverTLS)}, SecurityTLS, true, ""},
		{"unknown mode", nil, "ssl", false, "is not none, starttls or tls"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			d := startSMTPD(t, tt.server...)
			s := mailer(d, newFakeClock())
			s.Security = tt.security
			s.TLSConfig = clientTLS
			if d.users != nil {
				s.Username, s.Password = "u", "p"
			}
			err := s.Send(context.Background(), sample(t))
			if tt.wantErr != "" {
				if !IsPermanent(err) || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("Send = %v, want a permanent error with %q", err, tt.wantErr)
				}
				if n := len(d.messages()); n != 0 {
					t.Errorf("%d messages sent, want none", n)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			msgs := d.messages()
			if len(msgs) != 1 || msgs[0].tls != tt.wantTLS {
				t.Fatalf("messages %+v, want one with tls=%v", msgs, tt.wantTLS)
			}
		})
	}
}

func TestSMTPUntrustedCertificateIsPermanent(t *testing.T) {
	t.Parallel()
	serverTLS, _ := selfSigned(t)
	_, otherClient := selfSigned(t)
	d := startSMTPD(t, withStartTLS(serverTLS))
	s := mailer(d, newFakeClock())
	s.TLSConfig = otherClient
	if err := s.Send(context.Background(), sample(t)); !IsPermanent(err) {
		t.Fatalf("Send = %v, want a permanent certificate error", err)
	}
}

func TestSMTPAnswers(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		server    []smtpdOption
		password  string
		permanent bool
		want      string
	}{
		{"mailbox busy (450)", []smtpdOption{withRcptReply("450 4.2.1 mailbox busy, try later")}, "", false, "450"},
		{"no such user (550)", []smtpdOption{withRcptReply("550 5.1.1 no such user")}, "", true, "550"},
		{"local error after DATA (451)", []smtpdOption{withDataReply("451 4.3.0 local error")}, "", false, "451"},
		{"rejected as spam (554)", []smtpdOption{withDataReply("554 5.7.1 rejected")}, "", true, "554"},
		{"wrong password (535)", []smtpdOption{withUser("u", "p")}, "wrong", true, "535"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			d := startSMTPD(t, tt.server...)
			s := mailer(d, newFakeClock())
			if tt.password != "" {
				s.Username, s.Password = "u", tt.password
			}
			err := s.Send(context.Background(), sample(t))
			if err == nil {
				t.Fatal("no error")
			}
			if IsPermanent(err) != tt.permanent || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Send = %v (permanent %v), want permanent=%v with %q", err, IsPermanent(err), tt.permanent, tt.want)
			}
			if n := len(d.messages()); n != 0 {
				t.Errorf("%d messages accepted, want none", n)
			}
		})
	}
}

func TestSMTPNetworkTroubleIsRetryable(t *testing.T) {
	t.Parallel()
	t.Run("connection refused", func(t *testing.T) {
		t.Parallel()
		d := startSMTPD(t)
		s := mailer(d, newFakeClock())
		d.ln.Close()
		d.wg.Wait()
		if err := s.Send(context.Background(), sample(t)); err == nil || IsPermanent(err) {
			t.Fatalf("Send = %v, want a retryable error", err)
		}
	})
	t.Run("server never answers", func(t *testing.T) {
		t.Parallel()
		d := startSMTPD(t, withSilence())
		s := mailer(d, newFakeClock())
		s.Timeout = 200 * time.Millisecond
		start := time.Now()
		err := s.Send(context.Background(), sample(t))
		if err == nil || IsPermanent(err) {
			t.Fatalf("Send = %v, want a retryable error", err)
		}
		if took := time.Since(start); took > 3*time.Second {
			t.Errorf("Send took %v with a 200ms timeout", took)
		}
	})
	t.Run("cancelled", func(t *testing.T) {
		t.Parallel()
		d := startSMTPD(t, withSilence())
		s := mailer(d, newFakeClock())
		ctx, cancel := context.WithCancel(context.Background())
		time.AfterFunc(100*time.Millisecond, cancel)
		err := s.Send(ctx, sample(t))
		if err == nil || IsPermanent(err) || !strings.Contains(err.Error(), "context canceled") {
			t.Fatalf("Send = %v, want a retryable cancellation", err)
		}
	})
}

func TestSMTPRefusesBadConfiguration(t *testing.T) {
	t.Parallel()
	d := startSMTPD(t)
	tests := []struct {
		name string
		edit func(s *SMTP)
	}{
		{"no host", func(s *SMTP) { s.Host = "" }},
		{"bad from", func(s *SMTP) { s.From = "not an address" }},
		{"no recipients", func(s *SMTP) { s.To = nil }},
		{"bad recipient", func(s *SMTP) { s.To = []string{"kim@"} }},
		{"AUTH not offered", func(s *SMTP) { s.Username, s.Password = "u", "p" }},
	}
	for _, tt := range tests {
		s := mailer(d, newFakeClock())
		tt.edit(s)
		if err := s.Send(context.Background(), sample(t)); !IsPermanent(err) {
			t.Errorf("%s: %v, want a permanent error", tt.name, err)
		}
	}
}

func TestMessageID(t *testing.T) {
	t.Parallel()
	tests := []struct{ id, from, want string }{
		{"hs-1001:breach", "a@acme.example", "<accord.hs-1001.breach@acme.example>"},
		{"x", "noat", "<accord.x@accord.invalid>"},
		{"a::b", "a@acme.example", ""}, // not a dot-atom: hashed
	}
	for _, tt := range tests {
		got := messageID(tt.id, tt.from)
		if tt.want == "" {
			// A hash: only check its shape and that it is stable.
			if !strings.HasPrefix(got, "<accord.") || strings.Contains(got, "..") || got != messageID(tt.id, tt.from) {
				t.Errorf("messageID(%q) = %q", tt.id, got)
			}
			continue
		}
		if got != tt.want {
			t.Errorf("messageID(%q, %q) = %q, want %q", tt.id, tt.from, got, tt.want)
		}
	}
}
