package alerting_test

import (
	"io"
	"mime/quotedprintable"
	"net"
	"net/textproto"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/accordhq/accord/internal/alerting"
)

// mailbox is a small real SMTP server on a loopback socket that keeps what
// it is sent.
type mailbox struct {
	ln   net.Listener
	mu   sync.Mutex
	msgs []mail
}

type mail struct {
	from string
	to   []string
	data string
}

func newMailbox(t *testing.T) *mailbox {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	m := &mailbox{ln: ln}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go m.serve(c)
		}
	}()
	return m
}

func (m *mailbox) serve(c net.Conn) {
	defer c.Close()
	tp := textproto.NewConn(c)
	tp.PrintfLine("220 mailbox ready")
	var cur mail
	for {
		line, err := tp.ReadLine()
		if err != nil {
			return
		}
		verb := strings.ToUpper(strings.SplitN(line, " ", 2)[0])
		switch verb {
		case "EHLO", "HELO":
			tp.PrintfLine("250-mailbox")
			tp.PrintfLine("250 8BITMIME")
		case "MAIL":
			cur = mail{from: strings.TrimSuffix(strings.TrimPrefix(line[10:], "<"), ">")}
			tp.PrintfLine("250 ok")
		case "RCPT":
			cur.to = append(cur.to, strings.Trim(line[8:], "<>"))
			tp.PrintfLine("250 ok")
		case "DATA":
			tp.PrintfLine("354 go on")
			b, err := tp.ReadDotBytes()
			if err != nil {
				return
			}
			cur.data = string(b)
			m.mu.Lock()
			m.msgs = append(m.msgs, cur)
			m.mu.Unlock()
			tp.PrintfLine("250 queued")
		case "QUIT":
			tp.PrintfLine("221 bye")
			return
		default:
			tp.PrintfLine("250 ok")
		}
	}
}

func TestEscalationEmailsOwnerAndManager(t *testing.T) {
	mb := newMailbox(t)
	port, _ := strconv.Atoi(strings.Split(mb.ln.Addr().String(), ":")[1])
	w := newWorld(t, alerting.Config{BaseURL: "https://accord.acme.example",
		Email: &alerting.EmailConf{Host: "127.0.0.1", Port: port, From: "Accord <accord@acme.example>", Security: "none"}})
	w.send(
		ev("p1", "person.upserted", t0.Add(-time.Hour), `{"person_id":"sam","team":"sdr","manager":"mia","email":"sam@acme.example"}`),
		ev("p2", "person.upserted", t0.Add(-time.Hour), `{"person_id":"kim","team":"sdr"}`),
		ev("p3", "person.upserted", t0.Add(-time.Hour), `{"person_id":"mia","team":"sdr","role":"manager","email":"mia@acme.example"}`),
		ev("u1", "lead.upserted", t0, `{"lead_id":"L1","email":"ann@x.com","name":"Ann Lee","company":"Globex","offer":"demo_request"}`),
		ev("a1", "lead.assigned", t0, `{"lead_id":"L1","owner":"sam","team":"sdr"}`),
		ev("m1", "lead.stage_changed", t0, `{"lead_id":"L1","stage":"mql"}`),
	)
	w.at(3 * time.Minute) // the warning: to the owner
	w.at(16 * time.Minute)
	mb.mu.Lock()
	defer mb.mu.Unlock()
	if len(mb.msgs) != 3 {
		t.Fatalf("%d emails sent, want 3 (warning, breach, escalation)", len(mb.msgs))
	}
	// The breach and the escalation fire in the same tick and are sent at
	// once: find the escalation by its subject.
	warn, esc := mb.msgs[0], mb.msgs[1]
	if strings.Contains(warn.data, "SLA escalated") || !strings.Contains(esc.data, "SLA escalated") {
		esc = mb.msgs[2]
	}
	if strings.Join(warn.to, ",") != "sam@acme.example" || !strings.Contains(warn.data, "Ann Lee") {
		t.Errorf("warning went to %v:\n%s", warn.to, warn.data)
	}
	if strings.Join(esc.to, ",") != "mia@acme.example,sam@acme.example" {
		t.Errorf("escalation went to %v, want the manager and the owner", esc.to)
	}
	head, body, _ := strings.Cut(strings.ReplaceAll(esc.data, "\r\n", "\n"), "\n\n")
	text, err := io.ReadAll(quotedprintable.NewReader(strings.NewReader(body)))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Subject: SLA escalated: first touch for Ann Lee (Globex)", "speed to lead", "https://accord.acme.example/leads/L1", "manager mia"} {
		if !strings.Contains(head+string(text), want) {
			t.Errorf("escalation email lacks %q:\n%s", want, esc.data)
		}
	}
}

// TestWeeklyDigestOnce: on Monday at 08:00 the digest of the week before is
// queued once, however often (and by however many processes) it is
// checked, and mailed through the outbox.
func TestWeeklyDigestOnce(t *testing.T) {
	mb := newMailbox(t)
	port, _ := strconv.Atoi(strings.Split(mb.ln.Addr().String(), ":")[1])
	cfg := alerting.Config{BaseURL: "https://accord.acme.example",
		Email:  &alerting.EmailConf{Host: "127.0.0.1", Port: port, From: "Accord <accord@acme.example>", Security: "none"},
		Digest: &alerting.DigestConf{To: []string{"revops@acme.example"}}}
	w := newWorld(t, cfg)
	w.send(
		ev("u1", "lead.upserted", t0, `{"lead_id":"L1","email":"ann@x.com","offer":"demo_request"}`),
		ev("m1", "lead.stage_changed", t0, `{"lead_id":"L1","stage":"mql"}`),
	)
	g := &alerting.Digester{Store: w.st, Versions: w.sched.Versions, Config: cfg, Now: func() time.Time { return w.now }}
	w.now = time.Date(2026, 11, 9, 7, 59, 0, 0, time.UTC)
	if sent, err := g.Tick(t.Context()); err != nil || sent {
		t.Fatalf("before 08:00 on Monday: %v, %v", sent, err)
	}
	w.now = time.Date(2026, 11, 9, 8, 0, 0, 0, time.UTC)
	for i := range 3 {
		sent, err := g.Tick(t.Context())
		if err != nil || sent != (i == 0) {
			t.Fatalf("tick %d at 08:00: queued %v, %v", i, sent, err)
		}
	}
	if _, err := w.disp.Drain(t.Context()); err != nil {
		t.Fatal(err)
	}
	mb.mu.Lock()
	defer mb.mu.Unlock()
	if len(mb.msgs) != 1 || strings.Join(mb.msgs[0].to, ",") != "revops@acme.example" || !strings.Contains(mb.msgs[0].data, "Week of 2026-11-02: 1 MQLs") {
		t.Fatalf("mailed %+v", mb.msgs)
	}
}
