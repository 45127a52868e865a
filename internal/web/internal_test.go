package web

import (
	"testing"
	"time"
)

func TestLoginLimiter(t *testing.T) {
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	l := newLoginLimiter(func() time.Time { return now })
	for i := range failuresPerUser {
		if w := l.blocked("10.0.0.1", "ann@acme.com"); w != 0 {
			t.Fatalf("blocked before failure %d", i+1)
		}
		l.failed("10.0.0.1", "ann@acme.com")
		now = now.Add(time.Minute)
	}
	// Five failures at 9:00…9:04: blocked until the first is 15 minutes old.
	if w := l.blocked("10.0.0.2", "ann@acme.com"); w != 10*time.Minute {
		t.Errorf("the account from another address: wait %v, want 10m", w)
	}
	if w := l.blocked("10.0.0.1", "bob@acme.com"); w != 0 {
		t.Errorf("another account from the same address is blocked for %v after 5 failures (the address limit is %d)", w, failuresPerIP)
	}
	now = now.Add(10 * time.Minute)
	if w := l.blocked("10.0.0.1", "ann@acme.com"); w != 0 {
		t.Errorf("still blocked %v after the window", w)
	}
	// An address trying many accounts is stopped at its own limit.
	for i := range failuresPerIP {
		l.failed("10.9.9.9", string(rune('a'+i))+"@acme.com")
	}
	if w := l.blocked("10.9.9.9", "new@acme.com"); w != loginWindow {
		t.Errorf("an address after %d failures: wait %v, want %v", failuresPerIP, w, loginWindow)
	}
	l.succeeded("ann@acme.com")
	if len(l.fails["email:ann@acme.com"]) != 0 {
		t.Error("a sign-in did not clear the account's failures")
	}
}

func TestSafeNext(t *testing.T) {
	for next, want := range map[string]string{
		"/queue?owner=x": "/queue?owner=x", "": "/", "https://evil.example/": "/", "//evil.example": "/",
		"/\\evil.example": "/", "/login?next=/x": "/", "queue": "/",
	} {
		if got := safeNext(next); got != want {
			t.Errorf("safeNext(%q) = %q, want %q", next, got, want)
		}
	}
}

func TestDuration(t *testing.T) {
	for d, want := range map[time.Duration]string{
		0: "0s", 59 * time.Second: "59s", 4*time.Minute + 5*time.Second: "4m 05s", 3*time.Hour + 20*time.Minute: "3h 20m",
		52 * time.Hour: "2d 4h", -(90 * time.Second): "−1m 30s",
	} {
		if got := duration(d); got != want {
			t.Errorf("duration(%v) = %q, want %q", d, got, want)
		}
	}
}
