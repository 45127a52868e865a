package notify

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// Slack posts notifications to a Slack incoming webhook, or to any receiver
// that speaks its format (Mattermost, Rocket.Chat, …): those read the plain
// text field and ignore the blocks Slack lays out.
type Slack struct {
	URL    string           // the incoming-webhook URL; a secret
	Client *http.Client     // nil: 30 s timeout, redirects not followed
	Now    func() time.Time // nil: time.Now
}

// SlackMessage is the body Slack posts: a one-line fallback and blocks.
type SlackMessage struct {
	Text   string       `json:"text"`
	Blocks []SlackBlock `json:"blocks"`
}

// SlackBlock is one Block Kit block; only the fields Accord uses.
type SlackBlock struct {
	Type     string      `json:"type"`
	Text     *SlackText  `json:"text,omitempty"`
	Fields   []SlackText `json:"fields,omitempty"`
	Elements []any       `json:"elements,omitempty"` // SlackText in a context, SlackButton in actions
}

// SlackButton is a link button.
type SlackButton struct {
	Type  string    `json:"type"` // button
	Text  SlackText `json:"text"`
	URL   string    `json:"url"`
	Style string    `json:"style,omitempty"`
}

// SlackText is a Block Kit text object.
type SlackText struct {
	Type  string `json:"type"` // plain_text or mrkdwn
	Text  string `json:"text"`
	Emoji bool   `json:"emoji,omitempty"`
}

// Send makes one POST to the incoming webhook.
func (s *Slack) Send(ctx context.Context, n Notification) error {
	if err := n.check(); err != nil {
		return err
	}
	body, err := json.Marshal(NewSlackMessage(n))
	if err != nil {
		return Permanent(fmt.Errorf("slack %s: encode: %w", n.ID, err))
	}
	if err := post(ctx, s.Client, s.URL, nil, body, nowFunc(s.Now)); err != nil {
		return fmt.Errorf("slack %s: %w", n.ID, err)
	}
	return nil
}

// Block Kit limits (characters).
const (
	slackHeaderMax  = 150
	slackSectionMax = 3000
	slackFieldMax   = 2000
)

// NewSlackMessage lays n out as Slack shows it: a header, a section saying
// which lead and how late with the rule, owner and recipients as fields, a
// button to the lead, and a context line with the alert id.
func NewSlackMessage(n Notification) SlackMessage {
	subject, body := Text(n)
	icon := map[Kind]string{Warning: ":warning:", Breach: ":red_circle:", Escalation: ":rotating_light:"}[n.Kind]

	lead := mrkdwnEscape(leadLabel(n))
	if u := clean(n.LeadURL); u != "" {
		lead = "<" + mrkdwnEscape(u) + "|" + lead + ">"
	}
	what := mrkdwnEscape(clean(n.Obligation))
	if what == "" {
		what = "SLA"
	}
	state := "now *" + long(n.Late) + " late*"
	if n.Kind == Warning {
		state = "*" + long(n.TimeLeft) + " left*"
	}
	lines := "*" + lead + "*: " + what
	if !n.DueAt.IsZero() {
		lines += " was due " + dueLabel(n.DueAt, n.FiredAt, n.Location) + ","
	}
	lines += " " + state + "."

	var fields []SlackText
	if rule := clean(n.Rule); rule != "" {
		if v := clean(n.AgreementVersion); v != "" {
			if !strings.HasPrefix(v, "v") {
				v = "v" + v
			}
			rule += " (agreement " + v + ")"
		}
		fields = append(fields, mrkdwnField("Rule", rule))
	}
	owner := clean(n.Owner)
	if owner == "" {
		owner = "unassigned"
	}
	if team := clean(n.Team); team != "" {
		owner += " (team " + team + ")"
	}
	fields = append(fields, mrkdwnField("Owner", owner))
	var told []string
	for _, r := range n.Recipients {
		if r = clean(r); r != "" {
			told = append(told, r)
		}
	}
	if len(told) > 0 {
		fields = append(fields, mrkdwnField("Told", strings.Join(told, ", ")))
	}

	blocks := []SlackBlock{
		{Type: "header", Text: &SlackText{Type: "plain_text", Text: truncate(icon+" "+subject, slackHeaderMax), Emoji: true}},
		{Type: "section", Text: &SlackText{Type: "mrkdwn", Text: truncate(lines, slackSectionMax)}, Fields: fields},
	}
	if u := clean(n.LeadURL); u != "" {
		style := "danger"
		if n.Kind == Warning {
			style = "primary"
		}
		blocks = append(blocks, SlackBlock{Type: "actions", Elements: []any{
			SlackButton{Type: "button", Text: SlackText{Type: "plain_text", Text: "Open lead"}, URL: u, Style: style},
		}})
	}
	blocks = append(blocks, SlackBlock{Type: "context", Elements: []any{
		SlackText{Type: "mrkdwn", Text: "Accord " + kindLabel(n.Kind) + " · alert `" + n.ID + "`"},
	}})
	return SlackMessage{Text: mrkdwnEscape(body), Blocks: blocks}
}

func mrkdwnField(label, value string) SlackText {
	return SlackText{Type: "mrkdwn", Text: truncate("*"+label+"*\n"+mrkdwnEscape(value), slackFieldMax)}
}

// mrkdwnEscape escapes the three characters Slack's markup reserves.
func mrkdwnEscape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
}

// truncate cuts s to at most n characters, marking the cut.
func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
