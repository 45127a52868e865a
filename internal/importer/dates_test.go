package importer

import (
	"strings"
	"testing"
	"time"
)

func TestLayout(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"2006-01-02", "2006-01-02"},
		{"02-01-2006 15:04", "02-01-2006 15:04"},
		{"YYYY-MM-DD", "2006-01-02"},
		{"DD-MM-YYYY HH:mm", "02-01-2006 15:04"},
		{"M/D/YYYY hh:mm:ss", "1/2/2006 03:04:05"},
		{"DD.MM.YY", "02.01.06"},
		{"rfc3339", time.RFC3339Nano},
		{"RFC3339", time.RFC3339Nano},
	}
	for _, tt := range tests {
		if got := Layout(tt.in); got != tt.want {
			t.Errorf("Layout(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestDateParser(t *testing.T) {
	t.Parallel()
	sp, err := time.LoadLocation("America/Sao_Paulo")
	if err != nil {
		t.Skipf("no time zone database: %v", err)
	}
	olist := []string{"2006-01-02 15:04", "2006-01-02", "02-01-2006 15:04", "02-01-2006"}
	tests := []struct {
		name    string
		formats []string
		tz      string
		in      string
		want    time.Time
		wantErr string
	}{
		{"default ISO date", nil, "", "2017-10-20", time.Date(2017, 10, 20, 0, 0, 0, 0, time.UTC), ""},
		{"default ISO with time", nil, "", "2017-10-20 08:15:00", time.Date(2017, 10, 20, 8, 15, 0, 0, time.UTC), ""},
		{"rfc3339 keeps its zone", nil, "America/Sao_Paulo", "2017-10-20T08:15:00+02:00", time.Date(2017, 10, 20, 6, 15, 0, 0, time.UTC), ""},
		{"zone for zoneless dates", olist, "America/Sao_Paulo", "2018-02-26 19:58", time.Date(2018, 2, 26, 19, 58, 0, 0, sp), ""},
		{"day first, second in list", olist, "", "26-02-2018 19:58", time.Date(2018, 2, 26, 19, 58, 0, 0, time.UTC), ""},
		{"day first date only", olist, "", "01-02-2018", time.Date(2018, 2, 1, 0, 0, 0, 0, time.UTC), ""},
		{"friendly notation", []string{"DD/MM/YYYY"}, "", "31/12/2017", time.Date(2017, 12, 31, 0, 0, 0, 0, time.UTC), ""},
		{"US month first", []string{"1/2/2006 3:04 PM"}, "", "3/7/2024 2:05 PM", time.Date(2024, 3, 7, 14, 5, 0, 0, time.UTC), ""},
		{"surrounding space", nil, "", " 2017-10-20 ", time.Date(2017, 10, 20, 0, 0, 0, 0, time.UTC), ""},
		{"no format fits", olist, "", "2018/02/26", time.Time{}, "matches none of the date formats"},
		{"impossible day", olist, "", "31-02-2018", time.Time{}, "matches none"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := newDateParser(tt.formats, tt.tz)
			if err != nil {
				t.Fatal(err)
			}
			got, err := p.parse(tt.in)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("parse(%q) error = %v, want %q", tt.in, err, tt.wantErr)
				}
				return
			}
			if err != nil || !got.Equal(tt.want) {
				t.Fatalf("parse(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
			}
		})
	}
}

func TestDateParserBadTimezone(t *testing.T) {
	t.Parallel()
	if _, err := newDateParser(nil, "Mars/Olympus"); err == nil || !strings.Contains(err.Error(), "Mars/Olympus") {
		t.Fatalf("error = %v, want it to name the zone", err)
	}
}
