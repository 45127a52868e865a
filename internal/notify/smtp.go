package notify

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"mime"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"net/smtp"
	"net/textproto"
	"strconv"
	"strings"
	"time"
)

// Security is how an SMTP connection is protected.
type Security string

const (
	// SecurityAuto (the default) upgrades with STARTTLS when the server
	// offers it. Without it, net/smtp still refuses to send a password in
	// the clear to anything but localhost.
	SecurityAuto     Security = ""
	SecurityNone     Security = "none"     // never STARTTLS (a local relay)
	SecurityStartTLS Security = "starttls" // STARTTLS, and fail if it is not offered
	SecurityTLS      Security = "tls"      // TLS from the first byte (port 465)
)

// SMTP sends notifications as plain-text email through one SMTP server.
type SMTP struct {
	Host               string
	Port               int // 0: 587, or 465 with SecurityTLS
	Username, Password string
	From               string   // "Accord <alerts@acme.example>"
	To                 []string // addresses told of every notification
	Security           Security
	TLSConfig          *tls.Config      // nil: system roots, ServerName Host
	HelloName          string           // EHLO name; "": "localhost"
	Timeout            time.Duration    // whole conversation; 0: 30 s
	Now                func() time.Time // nil: time.Now
}

// Send makes one SMTP conversation: EHLO, STARTTLS when so configured, AUTH
// when a username is set, MAIL, RCPT for every address, DATA, QUIT. A 4xx
// answer or a network failure is retryable, a 5xx answer permanent.
func (s *SMTP) Send(ctx context.Context, n Notification) error {
	if err := n.check(); err != nil {
		return err
	}
	from, to, err := s.addresses()
	if err != nil {
		return Permanent(fmt.Errorf("smtp %s: %w", n.ID, err))
	}
	now := nowFunc(s.Now)
	msg := Email(n, from, to, now())
	if err := s.send(ctx, from.Address, to, msg); err != nil {
		return fmt.Errorf("smtp %s via %s: %w", n.ID, s.addr(), err)
	}
	return nil
}

func (s *SMTP) addr() string {
	port := s.Port
	if port == 0 {
		port = 587
		if s.Security == SecurityTLS {
			port = 465
		}
	}
	return net.JoinHostPort(s.Host, strconv.Itoa(port))
}

// addresses parses From and To once per send; a bad one is a configuration
// error no retry fixes.
func (s *SMTP) addresses() (*mail.Address, []*mail.Address, error) {
	if s.Host == "" {
		return nil, nil, errors.New("no SMTP host configured")
	}
	switch s.Security {
	case SecurityAuto, SecurityNone, SecurityStartTLS, SecurityTLS:
	default:
		return nil, nil, fmt.Errorf("security %q is not none, starttls or tls", s.Security)
	}
	from, err := mail.ParseAddress(s.From)
	if err != nil {
		return nil, nil, fmt.Errorf("from address %q: %w", s.From, err)
	}
	if len(s.To) == 0 {
		return nil, nil, errors.New("no recipient addresses")
	}
	to := make([]*mail.Address, 0, len(s.To))
	for _, t := range s.To {
		a, err := mail.ParseAddress(t)
		if err != nil {
			return nil, nil, fmt.Errorf("to address %q: %w", t, err)
		}
		to = append(to, a)
	}
	return from, to, nil
}

func (s *SMTP) tlsConfig() *tls.Config {
	if s.TLSConfig != nil {
		c := s.TLSConfig.Clone()
		if c.ServerName == "" {
			c.ServerName = s.Host
		}
		return c
	}
	return &tls.Config{ServerName: s.Host, MinVersion: tls.VersionTLS12}
}

// send speaks SMTP. net/smtp has no contexts, so the connection's deadline
// carries the timeout and a cancelled ctx cuts the connection short.
func (s *SMTP) send(ctx context.Context, from string, to []*mail.Address, msg []byte) (err error) {
	timeout := s.Timeout
	if timeout <= 0 {
		timeout = httpTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", s.addr())
	if err != nil {
		return classifySMTP(fmt.Errorf("connect: %w", err))
	}
	deadline, _ := ctx.Deadline()
	_ = conn.SetDeadline(deadline)
	stop := context.AfterFunc(ctx, func() { _ = conn.SetDeadline(time.Unix(1, 0)) })
	defer stop()
	defer func() {
		if err != nil && ctx.Err() != nil {
			err = classifySMTP(fmt.Errorf("%w (%w)", err, ctx.Err()))
		}
	}()

	if s.Security == SecurityTLS {
		tc := tls.Client(conn, s.tlsConfig())
		if err := tc.HandshakeContext(ctx); err != nil {
			conn.Close()
			return classifySMTP(fmt.Errorf("TLS handshake: %w", err))
		}
		conn = tc
	}
	c, err := smtp.NewClient(conn, s.Host)
	if err != nil {
		conn.Close()
		return classifySMTP(fmt.Errorf("greeting: %w", err))
	}
	defer c.Close()

	hello := s.HelloName
	if hello == "" {
		hello = "localhost"
	}
	if err := c.Hello(hello); err != nil {
		return classifySMTP(fmt.Errorf("EHLO: %w", err))
	}
	if s.Security == SecurityAuto || s.Security == SecurityStartTLS {
		if ok, _ := c.Extension("STARTTLS"); ok {
			if err := c.StartTLS(s.tlsConfig()); err != nil {
				return classifySMTP(fmt.Errorf("STARTTLS: %w", err))
			}
		} else if s.Security == SecurityStartTLS {
			return Permanent(errors.New("server does not offer STARTTLS, and security is starttls"))
		}
	}
	if s.Username != "" {
		if ok, _ := c.Extension("AUTH"); !ok {
			return Permanent(errors.New("server does not offer AUTH, and a username is set"))
		}
		if err := c.Auth(smtp.PlainAuth("", s.Username, s.Password, s.Host)); err != nil {
			return classifySMTP(fmt.Errorf("AUTH: %w", err))
		}
	}
	if err := c.Mail(from); err != nil {
		return classifySMTP(fmt.Errorf("MAIL FROM <%s>: %w", from, err))
	}
	for _, a := range to {
		if err := c.Rcpt(a.Address); err != nil {
			return classifySMTP(fmt.Errorf("RCPT TO <%s>: %w", a.Address, err))
		}
	}
	w, err := c.Data()
	if err != nil {
		return classifySMTP(fmt.Errorf("DATA: %w", err))
	}
	if _, err := w.Write(msg); err != nil {
		return classifySMTP(fmt.Errorf("DATA: %w", err))
	}
	if err := w.Close(); err != nil {
		return classifySMTP(fmt.Errorf("end of DATA: %w", err))
	}
	// The server has taken the message; a failed QUIT changes nothing.
	_ = c.Quit()
	return nil
}

// classifySMTP: a 4xx reply is a transient failure and a 5xx a permanent one
// (RFC 5321, section 4.2.1); so are a certificate the server cannot prove
// and net/smtp's refusal to authenticate in the clear. Network trouble is
// retryable.
func classifySMTP(err error) error {
	if _, ok := errors.AsType[*Error](err); ok {
		return err
	}
	if te, ok := errors.AsType[*textproto.Error](err); ok {
		if te.Code >= 500 {
			return Permanent(err)
		}
		return Retryable(err, time.Time{})
	}
	_, badCert := errors.AsType[*tls.CertificateVerificationError](err)
	_, badHost := errors.AsType[x509.HostnameError](err)
	_, notTLS := errors.AsType[tls.RecordHeaderError](err)
	if badCert || badHost || notTLS {
		return Permanent(err)
	}
	if msg := err.Error(); strings.Contains(msg, "unencrypted connection") || strings.Contains(msg, "wrong host name") {
		return Permanent(err)
	}
	return Retryable(err, time.Time{})
}

// Email is the message Send writes: headers and a quoted-printable UTF-8
// plain-text body worded by Text. The Message-ID comes from the
// notification's ID, so every retry of an alert carries the same one and
// mail systems (and people) can tell them apart from new alerts.
func Email(n Notification, from *mail.Address, to []*mail.Address, now time.Time) []byte {
	subject, body := Text(n)
	var b bytes.Buffer
	header := func(k, v string) { b.WriteString(k + ": " + v + "\r\n") }
	header("Date", now.Format(time.RFC1123Z))
	header("From", from.String())
	tos := make([]string, len(to))
	for i, a := range to {
		tos[i] = a.String()
	}
	header("To", strings.Join(tos, ", "))
	header("Subject", mime.QEncoding.Encode("utf-8", truncate(subject, 200)))
	header("Message-ID", messageID(n.ID, from.Address))
	header("MIME-Version", "1.0")
	header("Content-Type", "text/plain; charset=utf-8")
	header("Content-Transfer-Encoding", "quoted-printable")
	// RFC 3834: no out-of-office replies to an alert, please.
	header("Auto-Submitted", "auto-generated")
	header("X-Accord-Alert-ID", n.ID)
	header("X-Accord-Kind", string(n.Kind))
	b.WriteString("\r\n")

	qp := quotedprintable.NewWriter(&b)
	fmt.Fprintf(qp, "%s\r\n\r\n-- \r\nSent by Accord. Alert %s (the same on every retry).\r\n", body, n.ID)
	qp.Close()
	return b.Bytes()
}

// messageID is "<accord.ID@domain>" with the ID's ':' written as '.', or a
// hash of the ID when that would not be a valid dot-atom.
func messageID(id, from string) string {
	domain := "accord.invalid"
	if _, d, ok := strings.Cut(from, "@"); ok && d != "" {
		domain = d
	}
	left := "accord." + strings.ReplaceAll(id, ":", ".")
	if strings.Contains(left, "..") || strings.HasSuffix(left, ".") {
		sum := sha256.Sum256([]byte(id))
		left = "accord." + hex.EncodeToString(sum[:16])
	}
	return "<" + left + "@" + domain + ">"
}
