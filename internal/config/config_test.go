package config

import (
	"flag"
	"strings"
	"testing"
)

func TestResolvePrecedence(t *testing.T) {
	for _, tt := range []struct {
		name     string
		env      map[string]string
		args     []string
		wantAddr string
		wantDB   string
		wantErr  string
	}{
		{name: "defaults", wantAddr: "127.0.0.1:8080", wantDB: "sqlite:data/accord.db"},
		{name: "env", env: map[string]string{"ACCORD_ADDR": "0.0.0.0:9000", "ACCORD_DB": "postgres://x"}, wantAddr: "0.0.0.0:9000", wantDB: "postgres://x"},
		{name: "flag beats env", env: map[string]string{"ACCORD_ADDR": "0.0.0.0:9000"}, args: []string{"--addr", "127.0.0.1:1"}, wantAddr: "127.0.0.1:1", wantDB: "sqlite:data/accord.db"},
		{name: "data dir moves the default db", args: []string{"--data-dir", "/var/lib/accord"}, wantAddr: "127.0.0.1:8080", wantDB: "sqlite:/var/lib/accord/accord.db"},
		{name: "bad number", args: []string{"--max-batch-events", "lots"}, wantErr: "--max-batch-events"},
		{name: "bad log format", env: map[string]string{"ACCORD_LOG_FORMAT": "xml"}, wantErr: "text or json"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			for _, o := range options {
				t.Setenv(o.env, "")
			}
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			fs := flag.NewFlagSet("t", flag.ContinueOnError)
			vals := Register(fs)
			if err := fs.Parse(tt.args); err != nil {
				t.Fatal(err)
			}
			c, err := Resolve(vals)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want it to mention %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if c.Addr != tt.wantAddr || c.DB != tt.wantDB {
				t.Fatalf("addr %q db %q, want %q %q", c.Addr, c.DB, tt.wantAddr, tt.wantDB)
			}
		})
	}
}
