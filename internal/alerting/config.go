// Package alerting runs the SLA clocks' moments: a scheduler fires each
// due alert exactly once (warnings, breaches, escalations, from the due-time
// index), turning it into deliveries stored in the same transaction; a
// dispatcher sends the deliveries on their channels (Standard Webhooks,
// Slack, email), retries with backoff and dead-letters, and carries out
// escalations' reassignments as events in the log.
package alerting

import (
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/goccy/go-yaml"

	"github.com/accordhq/accord/internal/notify"
)

// Config says where alerts go. It is read from a YAML file (ACCORD_NOTIFY):
//
//	base_url: https://accord.acme.example   # links to leads
//	webhooks:
//	  - {name: ops, url: https://hooks.acme.example/accord, secret: whsec_…}
//	slack:
//	  - {name: sdr-alerts, url: https://hooks.slack.com/services/…, channel: "#sdr-alerts"}
//	email:
//	  {host: smtp.acme.example, port: 587, from: "Accord <accord@acme.example>", username: …, password: …}
//
// Every alert goes to every webhook and to the first Slack channel (the
// default); an escalation also to the Slack channels its rule names. Email
// goes to the lead's owner (warnings, breaches) and to the escalation's
// recipients (owner, manager, addresses), from the people records.
type Config struct {
	BaseURL  string        `yaml:"base_url"`
	Webhooks []WebhookConf `yaml:"webhooks"`
	Slack    []SlackConf   `yaml:"slack"`
	Email    *EmailConf    `yaml:"email"`
	// Digest is who gets the weekly digest (`accord digest`), through Email.
	Digest *DigestConf `yaml:"digest"`
}

// DigestConf lists the weekly digest's readers and when `accord serve`
// mails it: on Day (default monday) at At (default 08:00), in the
// organisation's time zone, covering the week before.
type DigestConf struct {
	To  []string `yaml:"to"`
	Day string   `yaml:"day"`
	At  string   `yaml:"at"`
}

// Mailer is the SMTP channel of the file, sending to to.
func (c Config) Mailer(to []string) *notify.SMTP {
	if c.Email == nil {
		return nil
	}
	return c.smtp(to, nil)
}

// WebhookConf is one Standard Webhooks endpoint.
type WebhookConf struct {
	Name   string `yaml:"name"`
	URL    string `yaml:"url"`
	Secret string `yaml:"secret"`
}

// SlackConf is one Slack incoming webhook, which posts to one channel.
type SlackConf struct {
	Name    string `yaml:"name"`
	URL     string `yaml:"url"`
	Channel string `yaml:"channel"`
}

// EmailConf is the SMTP server alerts are mailed through.
type EmailConf struct {
	Host     string `yaml:"host"`
	Port     int    `yaml:"port"`
	Username string `yaml:"username"`
	Password string `yaml:"password"`
	From     string `yaml:"from"`
	Security string `yaml:"security"` // "", none, starttls, tls
}

// LoadConfig reads a notifications file; "" is no channels at all (alerts
// are still fired and recorded, and visible in the API).
func LoadConfig(path string) (Config, error) {
	var c Config
	if path == "" {
		return c, nil
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return c, fmt.Errorf("read notifications file: %w", err)
	}
	if err := yaml.UnmarshalWithOptions(b, &c, yaml.Strict()); err != nil {
		return c, fmt.Errorf("%s: %s", path, yaml.FormatError(err, false, true))
	}
	return c, c.check()
}

func (c Config) check() error {
	seen := map[string]bool{channelReassign: true, channelEmail: true, channelDigest: true}
	name := func(kind, n string) error {
		if n == "" || strings.ContainsAny(n, " /") {
			return fmt.Errorf("%s channel %q: a name is needed, without spaces or slashes", kind, n)
		}
		if seen[n] {
			return fmt.Errorf("%s channel %q: the name is taken", kind, n)
		}
		seen[n] = true
		return nil
	}
	for _, w := range c.Webhooks {
		if err := name("webhook", w.Name); err != nil {
			return err
		}
		if !strings.HasPrefix(w.URL, "http://") && !strings.HasPrefix(w.URL, "https://") {
			return fmt.Errorf("webhook %s: url must be http(s)://…", w.Name)
		}
		if _, err := notify.Sign(w.Secret, "check", time.Unix(0, 0), nil); err != nil {
			return fmt.Errorf("webhook %s: %w", w.Name, err)
		}
	}
	for _, s := range c.Slack {
		if err := name("slack", s.Name); err != nil {
			return err
		}
		if !strings.HasPrefix(s.URL, "http://") && !strings.HasPrefix(s.URL, "https://") {
			return fmt.Errorf("slack %s: url must be http(s)://…", s.Name)
		}
	}
	if e := c.Email; e != nil && (e.Host == "" || e.From == "") {
		return fmt.Errorf("email: host and from are needed")
	}
	if d := c.Digest; d != nil {
		if c.Email == nil {
			return fmt.Errorf("digest: an email section is needed to mail it")
		}
		if _, _, err := d.when(); err != nil {
			return fmt.Errorf("digest: %w", err)
		}
	}
	return nil
}

// channelEmail and channelReassign are the delivery channels that are not
// named in the file: mail to people, and an escalation's reassignment.
const (
	channelEmail    = "email"
	channelReassign = "reassign"
	channelDigest   = "digest"
)

// channels builds the senders, by name.
func (c Config) channels(now func() time.Time) map[string]notify.Channel {
	out := map[string]notify.Channel{}
	for _, w := range c.Webhooks {
		out[w.Name] = &notify.Webhook{URL: w.URL, Secret: w.Secret, Now: now}
	}
	for _, s := range c.Slack {
		out[s.Name] = &notify.Slack{URL: s.URL, Now: now}
	}
	return out
}

func (c Config) smtp(to []string, now func() time.Time) *notify.SMTP {
	e := c.Email
	return &notify.SMTP{Host: e.Host, Port: e.Port, Username: e.Username, Password: e.Password, From: e.From,
		To: to, Security: notify.Security(e.Security), Now: now}
}
