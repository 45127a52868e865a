package alerting

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestExampleNotifyFileLoads(t *testing.T) {
	c, err := LoadConfig("../../examples/alerts/notify.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Webhooks) != 1 || len(c.Slack) != 2 || c.Email == nil || c.BaseURL == "" {
		t.Errorf("example file read as %+v", c)
	}
}

func TestBadNotifyFiles(t *testing.T) {
	for _, tt := range []struct{ name, body, want string }{
		{"unknown field", "webhooks:\n  - {name: a, url: http://x, secret: whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw, retries: 3}\n", "retries"},
		{"bad secret", "webhooks:\n  - {name: a, url: http://x, secret: hunter2}\n", "webhook a"},
		{"no url scheme", "slack:\n  - {name: s, url: hooks.slack.com/x}\n", "slack s: url"},
		{"duplicate name", "slack:\n  - {name: s, url: http://a}\n  - {name: s, url: http://b}\n", "name is taken"},
		{"reserved name", "slack:\n  - {name: email, url: http://a}\n", "name is taken"},
		{"email without host", "email: {from: a@b.c}\n", "host and from"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			p := filepath.Join(t.TempDir(), "notify.yaml")
			if err := os.WriteFile(p, []byte(tt.body), 0o600); err != nil {
				t.Fatal(err)
			}
			_, err := LoadConfig(p)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %v, want one mentioning %q", err, tt.want)
			}
		})
	}
}
