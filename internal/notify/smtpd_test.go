package notify

import (
	"bufio"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"fmt"
	"math/big"
	"net"
	"net/textproto"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// smtpd is a small SMTP server (RFC 5321) on a real local TCP socket, just
// enough to receive what SMTP.Send writes: EHLO/HELO, STARTTLS, AUTH PLAIN,
// MAIL, RCPT, DATA, RSET, NOOP, QUIT. Replies to RCPT and DATA can be
// scripted to test how failures are classified.
type smtpd struct {
	ln   net.Listener
	host string
	port int

	startTLS    *tls.Config       // non-nil: offer STARTTLS with this certificate
	implicitTLS bool              // the listener speaks TLS from the first byte
	users       map[string]string // non-nil: offer AUTH PLAIN and require it
	rcptReply   string            // "": 250
	dataReply   string            // "": 250
	silent      bool              // accept connections and never greet

	mu   sync.Mutex
	msgs []smtpMessage
	wg   sync.WaitGroup
}

// smtpMessage is one message the server accepted.
type smtpMessage struct {
	hello, authUser string
	tls             bool
	from            string
	to              []string
	data            string
}

// smtpdOption configures a test server before it starts.
type smtpdOption func(*smtpd)

func withStartTLS(cfg *tls.Config) smtpdOption { return func(s *smtpd) { s.startTLS = cfg } }
func withImplicitTLS(cfg *tls.Config) smtpdOption {
	return func(s *smtpd) { s.startTLS, s.implicitTLS = cfg, true }
}
func withUser(user, pass string) smtpdOption {
	return func(s *smtpd) { s.users = map[string]string{user: pass} }
}
func withRcptReply(r string) smtpdOption { return func(s *smtpd) { s.rcptReply = r } }
func withDataReply(r string) smtpdOption { return func(s *smtpd) { s.dataReply = r } }
func withSilence() smtpdOption           { return func(s *smtpd) { s.silent = true } }

func startSMTPD(t *testing.T, opts ...smtpdOption) *smtpd {
	t.Helper()
	s := &smtpd{}
	for _, o := range opts {
		o(s)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if s.implicitTLS {
		ln = tls.NewListener(ln, s.startTLS)
	}
	s.ln = ln
	host, port, _ := net.SplitHostPort(ln.Addr().String())
	s.host = host
	s.port, _ = strconv.Atoi(port)
	s.wg.Add(1)
	go s.serve()
	t.Cleanup(func() {
		ln.Close()
		s.wg.Wait()
	})
	return s
}

func (s *smtpd) serve() {
	defer s.wg.Done()
	for {
		conn, err := s.ln.Accept()
		if err != nil {
			return
		}
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			defer conn.Close()
			_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
			s.session(conn)
		}()
	}
}

func (s *smtpd) messages() []smtpMessage {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]smtpMessage(nil), s.msgs...)
}

// session speaks SMTP on one connection.
func (s *smtpd) session(conn net.Conn) {
	if s.silent {
		// Read until the client gives up, saying nothing.
		_, _ = bufio.NewReader(conn).ReadString(0)
		return
	}
	r := textproto.NewReader(bufio.NewReader(conn))
	reply := func(lines ...string) {
		for _, l := range lines {
			fmt.Fprintf(conn, "%s\r\n", l)
		}
	}
	var (
		m      smtpMessage
		inTLS  = s.implicitTLS
		authed bool
	)
	reply("220 smtpd.test ESMTP ready")
	for {
		line, err := r.ReadLine()
		if err != nil {
			return
		}
		verb, arg, _ := strings.Cut(line, " ")
		switch strings.ToUpper(verb) {
		case "EHLO":
			m = smtpMessage{hello: arg, tls: inTLS, authUser: m.authUser}
			lines := []string{"250-smtpd.test greets " + arg}
			if s.startTLS != nil && !inTLS {
				lines = append(lines, "250-STARTTLS")
			}
			if s.users != nil {
				lines = append(lines, "250-AUTH PLAIN")
			}
			reply(append(lines, "250 8BITMIME")...)
		case "HELO":
			m = smtpMessage{hello: arg, tls: inTLS}
			reply("250 smtpd.test")
		case "STARTTLS":
			if s.startTLS == nil || inTLS {
				reply("502 5.5.1 STARTTLS not offered")
				continue
			}
			reply("220 2.0.0 ready to start TLS")
			tc := tls.Server(conn, s.startTLS)
			if err := tc.Handshake(); err != nil {
				return
			}
			conn, inTLS = tc, true
			r = textproto.NewReader(bufio.NewReader(conn))
			m, authed = smtpMessage{}, false // RFC 3207: forget everything said in the clear
		case "AUTH":
			mech, resp, _ := strings.Cut(arg, " ")
			if s.users == nil || !strings.EqualFold(mech, "PLAIN") {
				reply("504 5.5.4 mechanism not supported")
				continue
			}
			if resp == "" {
				reply("334 ")
				if resp, err = r.ReadLine(); err != nil {
					return
				}
			}
			raw, err := base64.StdEncoding.DecodeString(resp)
			parts := strings.Split(string(raw), "\x00")
			if err != nil || len(parts) != 3 || s.users[parts[1]] != parts[2] || parts[2] == "" {
				reply("535 5.7.8 authentication credentials invalid")
				continue
			}
			authed, m.authUser = true, parts[1]
			reply("235 2.7.0 authentication succeeded")
		case "MAIL":
			if s.users != nil && !authed {
				reply("530 5.7.0 authentication required")
				continue
			}
			m.from, m.to = angle(arg), nil
			reply("250 2.1.0 sender ok")
		case "RCPT":
			if m.from == "" {
				reply("503 5.5.1 MAIL first")
				continue
			}
			if s.rcptReply != "" {
				reply(s.rcptReply)
				continue
			}
			m.to = append(m.to, angle(arg))
			reply("250 2.1.5 recipient ok")
		case "DATA":
			if len(m.to) == 0 {
				reply("503 5.5.1 RCPT first")
				continue
			}
			reply("354 end data with <CR><LF>.<CR><LF>")
			data, err := r.ReadDotBytes()
			if err != nil {
				return
			}
			if s.dataReply != "" {
				reply(s.dataReply)
				continue
			}
			m.data = string(data)
			m.tls = inTLS
			s.mu.Lock()
			s.msgs = append(s.msgs, m)
			s.mu.Unlock()
			m = smtpMessage{hello: m.hello, tls: inTLS, authUser: m.authUser}
			reply("250 2.0.0 queued")
		case "RSET":
			m = smtpMessage{hello: m.hello, tls: inTLS, authUser: m.authUser}
			reply("250 2.0.0 ok")
		case "NOOP":
			reply("250 2.0.0 ok")
		case "QUIT":
			reply("221 2.0.0 bye")
			return
		default:
			reply("502 5.5.2 command not recognised")
		}
	}
}

// angle takes the address out of "FROM:<a@b> BODY=8BITMIME".
func angle(arg string) string {
	_, rest, _ := strings.Cut(arg, "<")
	addr, _, _ := strings.Cut(rest, ">")
	return addr
}

// selfSigned makes a certificate for 127.0.0.1 and a client configuration
// that trusts it (and nothing else).
func selfSigned(t *testing.T) (server, client *tls.Config) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "smtpd.test"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		IPAddresses:  []net.IP{net.ParseIP("127.0.0.1")},
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	server = &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}}
	client = &tls.Config{RootCAs: pool}
	return server, client
}
