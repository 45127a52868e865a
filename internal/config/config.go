// Package config is the one table of Accord's settings: each has a flag, an
// environment variable and a default, and secrets are masked when printed.
package config

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/accordhq/accord/internal/daily"
)

// Config is what `accord serve` and friends run with.
type Config struct {
	Addr            string
	DB              string
	DataDir         string
	LogFormat       string
	LogLevel        string
	MaxBodyBytes    int64
	MaxBatchEvents  int
	StripPlus       bool
	ShutdownTimeout time.Duration
	NotifyFile      string
	BaseURL         string
	Alerts          bool
	AlertTimeout    time.Duration
	// Location is the organisation's time zone: reports count its days.
	Location *time.Location
	Fiscal   daily.Fiscal
}

// option is one row of the table.
type option struct {
	flag, env, def, help string
	set                  func(c *Config, v string) error
}

var options = []option{
	{"addr", "ACCORD_ADDR", "127.0.0.1:8080", "HOST:PORT to listen on", func(c *Config, v string) error { c.Addr = v; return nil }},
	{"db", "ACCORD_DB", "", "database URL: sqlite:PATH or postgres://… (default: sqlite in --data-dir)", func(c *Config, v string) error { c.DB = v; return nil }},
	{"data-dir", "ACCORD_DATA_DIR", "data", "directory for the embedded SQLite database", func(c *Config, v string) error { c.DataDir = v; return nil }},
	{"log-format", "ACCORD_LOG_FORMAT", "text", "log format: text or json", func(c *Config, v string) error {
		if v != "text" && v != "json" {
			return fmt.Errorf("log format must be text or json, got %q", v)
		}
		c.LogFormat = v
		return nil
	}},
	{"log-level", "ACCORD_LOG_LEVEL", "info", "log level: debug, info, warn, error", func(c *Config, v string) error { c.LogLevel = v; return nil }},
	{"max-body-bytes", "ACCORD_MAX_BODY_BYTES", "16777216", "largest request body accepted", func(c *Config, v string) error {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 1024 {
			return fmt.Errorf("max body bytes must be a number ≥ 1024, got %q", v)
		}
		c.MaxBodyBytes = n
		return nil
	}},
	{"max-batch-events", "ACCORD_MAX_BATCH_EVENTS", "10000", "most events accepted in one request", func(c *Config, v string) error {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return fmt.Errorf("max batch events must be a positive number, got %q", v)
		}
		c.MaxBatchEvents = n
		return nil
	}},
	{"strip-plus-addressing", "ACCORD_STRIP_PLUS_ADDRESSING", "false", "match ann+x@acme.com with ann@acme.com when merging leads", func(c *Config, v string) error {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return fmt.Errorf("strip plus addressing must be true or false, got %q", v)
		}
		c.StripPlus = b
		return nil
	}},
	{"shutdown-timeout", "ACCORD_SHUTDOWN_TIMEOUT", "30s", "how long to let in-flight requests finish on shutdown", func(c *Config, v string) error {
		d, err := time.ParseDuration(v)
		if err != nil {
			return fmt.Errorf("shutdown timeout must be a duration like 30s, got %q", v)
		}
		c.ShutdownTimeout = d
		return nil
	}},
	{"notify", "ACCORD_NOTIFY", "", "YAML file of alert channels: webhooks, Slack, email (see examples/alerts)", func(c *Config, v string) error { c.NotifyFile = v; return nil }},
	{"base-url", "ACCORD_BASE_URL", "", "public URL of this Accord, for links in alerts (default: http://ADDR)", func(c *Config, v string) error { c.BaseURL = v; return nil }},
	{"alert-timeout", "ACCORD_ALERT_TIMEOUT", "30s", "how long one delivery attempt may take; a crashed process's deliveries are retried this plus 15 s later", func(c *Config, v string) error {
		d, err := time.ParseDuration(v)
		if err != nil || d < time.Second {
			return fmt.Errorf("alert timeout must be a duration of at least 1s, like 30s, got %q", v)
		}
		c.AlertTimeout = d
		return nil
	}},
	{"timezone", "ACCORD_TIMEZONE", "UTC", "the organisation's time zone, whose days reports count (changing it needs `accord rebuild`)", func(c *Config, v string) error {
		loc, err := time.LoadLocation(v)
		if err != nil {
			return fmt.Errorf("time zone %q: use an IANA name such as America/New_York", v)
		}
		c.Location = loc
		return nil
	}},
	{"fiscal", "ACCORD_FISCAL", "calendar", "how months are cut: calendar, 4-4-5, 4-5-4 or 5-4-4 (weeks)", func(c *Config, v string) error {
		c.Fiscal.Pattern = v
		return c.Fiscal.Check()
	}},
	{"fiscal-year-start", "ACCORD_FISCAL_YEAR_START", "january", "the month the fiscal year starts in", func(c *Config, v string) error {
		for m := time.January; m <= time.December; m++ {
			if strings.EqualFold(v, m.String()) || strings.EqualFold(v, m.String()[:3]) || v == strconv.Itoa(int(m)) {
				c.Fiscal.YearStart = m
				return nil
			}
		}
		return fmt.Errorf("fiscal year start %q: name a month (january, feb, 7…)", v)
	}},
	{"week-start", "ACCORD_WEEK_START", "monday", "the first day of a week", func(c *Config, v string) error {
		for d := time.Sunday; d <= time.Saturday; d++ {
			if strings.EqualFold(v, d.String()) || strings.EqualFold(v, d.String()[:3]) {
				c.Fiscal.WeekStart, c.Fiscal.WeekStartSet = d, true
				return nil
			}
		}
		return fmt.Errorf("week start %q: name a day (monday, sun…)", v)
	}},
	{"alerts", "ACCORD_ALERTS", "true", "run the SLA scheduler and alert delivery in this process", func(c *Config, v string) error {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return fmt.Errorf("alerts must be true or false, got %q", v)
		}
		c.Alerts = b
		return nil
	}},
}

// Register adds the named options (all when names is empty) to fs. Flags
// left unset fall back to the environment, then the default, in Resolve.
func Register(fs *flag.FlagSet, names ...string) map[string]*string {
	vals := map[string]*string{}
	for _, o := range options {
		if len(names) > 0 && !contains(names, o.flag) {
			continue
		}
		vals[o.flag] = fs.String(o.flag, "", fmt.Sprintf("%s (env %s, default %q)", o.help, o.env, o.def))
	}
	return vals
}

// Resolve builds a Config from flag values, then the environment, then defaults.
func Resolve(vals map[string]*string) (Config, error) {
	var c Config
	for _, o := range options {
		v := o.def
		if e, ok := os.LookupEnv(o.env); ok && e != "" {
			v = e
		}
		if p, ok := vals[o.flag]; ok && *p != "" {
			v = *p
		}
		if err := o.set(&c, v); err != nil {
			return c, fmt.Errorf("--%s: %w", o.flag, err)
		}
	}
	if c.DB == "" {
		c.DB = "sqlite:" + filepath.Join(c.DataDir, "accord.db")
	}
	return c, nil
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}
