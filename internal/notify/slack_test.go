package notify

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"
)

func TestSlackMessage(t *testing.T) {
	t.Parallel()
	rcv := newReceiver(t)
	n := sample(t)
	n.Company = "Smith & <Co>"
	s := &Slack{URL: rcv.srv.URL + "/services/T000/B000/XXXX"}
	if err := s.Send(context.Background(), n); err != nil {
		t.Fatal(err)
	}
	got := rcv.requests()
	if len(got) != 1 {
		t.Fatalf("%d requests, want 1", len(got))
	}
	if ct := got[0].header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type = %q", ct)
	}

	// Decode loosely, as Slack (or Mattermost, which reads only text) would.
	var msg struct {
		Text   string `json:"text"`
		Blocks []struct {
			Type string `json:"type"`
			Text *struct {
				Type, Text string
			} `json:"text"`
			Fields []struct {
				Type, Text string
			} `json:"fields"`
			Elements []struct {
				Type  string          `json:"type"`
				Text  json.RawMessage `json:"text"`
				URL   string          `json:"url"`
				Style string          `json:"style"`
			} `json:"elements"`
		} `json:"blocks"`
	}
	if err := json.Unmarshal(got[0].body, &msg); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, got[0].body)
	}

	// The fallback text is Text's body, with Slack's three characters escaped.
	for _, want := range []string{"BREACH — first touch for Ana Ruiz (Smith &amp; &lt;Co&gt;)", "12 minutes late", "Rule “speed to lead, tier A” (agreement v3)", "told: manager mgr.diaz, #sdr-alerts", n.LeadURL} {
		if !strings.Contains(msg.Text, want) {
			t.Errorf("text %q lacks %q", msg.Text, want)
		}
	}

	types := make([]string, len(msg.Blocks))
	for i, b := range msg.Blocks {
		types[i] = b.Type
	}
	if strings.Join(types, ",") != "header,section,actions,context" {
		t.Fatalf("blocks %v, want header, section, actions, context", types)
	}
	header, section, actions, ctxb := msg.Blocks[0], msg.Blocks[1], msg.Blocks[2], msg.Blocks[3]
	if header.Text.Type != "plain_text" || !strings.Contains(header.Text.Text, "SLA breached: first touch for Ana Ruiz (Smith & <Co>) is 12m late") {
		t.Errorf("header = %+v", header.Text)
	}
	if section.Text.Type != "mrkdwn" ||
		!strings.Contains(section.Text.Text, "<"+n.LeadURL+"|Ana Ruiz (Smith &amp; &lt;Co&gt;)>") ||
		!strings.Contains(section.Text.Text, "was due 14:05 EST") ||
		!strings.Contains(section.Text.Text, "now *12 minutes late*") {
		t.Errorf("section text = %q", section.Text.Text)
	}
	var fields []string
	for _, f := range section.Fields {
		fields = append(fields, f.Text)
	}
	wantFields := []string{"*Rule*\nspeed to lead, tier A (agreement v3)", "*Owner*\nsdr.kim", "*Told*\nmanager mgr.diaz, #sdr-alerts"}
	if strings.Join(fields, "|") != strings.Join(wantFields, "|") {
		t.Errorf("fields %q, want %q", fields, wantFields)
	}
	if len(actions.Elements) != 1 || actions.Elements[0].Type != "button" || actions.Elements[0].URL != n.LeadURL || actions.Elements[0].Style != "danger" {
		t.Errorf("actions = %+v, want one danger button to the lead", actions.Elements)
	}
	if len(ctxb.Elements) != 1 || ctxb.Elements[0].Type != "mrkdwn" || !strings.Contains(string(ctxb.Elements[0].Text), n.ID) {
		t.Errorf("context = %+v, want the alert id", ctxb.Elements)
	}
}

func TestSlackMessageKinds(t *testing.T) {
	t.Parallel()
	tests := []struct {
		kind              Kind
		header, state     string
		buttonStyle       string
		withLink, buttons bool
	}{
		{Warning, ":warning: SLA warning", "*2 minutes left*", "primary", true, true},
		{Breach, ":red_circle: SLA breached", "now *12 minutes late*", "danger", true, true},
		{Escalation, ":rotating_light: SLA escalated", "now *12 minutes late*", "danger", false, false},
	}
	for _, tt := range tests {
		t.Run(string(tt.kind), func(t *testing.T) {
			t.Parallel()
			n := sample(t)
			n.Kind = tt.kind
			if tt.kind == Warning {
				n.TimeLeft = 2 * time.Minute
			}
			if !tt.withLink {
				n.LeadURL = ""
			}
			m := NewSlackMessage(n)
			if !strings.HasPrefix(m.Blocks[0].Text.Text, tt.header) {
				t.Errorf("header %q, want prefix %q", m.Blocks[0].Text.Text, tt.header)
			}
			if !strings.Contains(m.Blocks[1].Text.Text, tt.state) {
				t.Errorf("section %q lacks %q", m.Blocks[1].Text.Text, tt.state)
			}
			var hasActions bool
			for _, b := range m.Blocks {
				if b.Type == "actions" {
					hasActions = true
					if style := b.Elements[0].(SlackButton).Style; style != tt.buttonStyle {
						t.Errorf("button style %q, want %q", style, tt.buttonStyle)
					}
				}
			}
			if hasActions != tt.buttons {
				t.Errorf("actions block present = %v, want %v (a button needs a link)", hasActions, tt.buttons)
			}
		})
	}
}
