package web

import (
	"fmt"
	"sync"
	"time"
)

// Failed sign-ins allowed in a window before more are refused: per email
// (guessing one account's password) and per address (trying many).
const (
	loginWindow     = 15 * time.Minute
	failuresPerUser = 5
	failuresPerIP   = 20
)

// loginLimiter counts failed sign-ins in memory. Each process counts its
// own: with several behind a balancer the limit is per process, still far
// too few tries for a password guesser.
type loginLimiter struct {
	now func() time.Time
	mu  sync.Mutex
	// fails are the times of recent failures by "ip:" or "email:" key.
	fails map[string][]time.Time
}

func newLoginLimiter(now func() time.Time) *loginLimiter {
	return &loginLimiter{now: now, fails: map[string][]time.Time{}}
}

// blocked returns how long until ip or email may try again (0: now).
func (l *loginLimiter) blocked(ip, email string) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	wait := time.Duration(0)
	for key, limit := range map[string]int{"ip:" + ip: failuresPerIP, "email:" + email: failuresPerUser} {
		ts := l.recent(key, now)
		if len(ts) >= limit {
			wait = max(wait, ts[len(ts)-limit].Add(loginWindow).Sub(now))
		}
	}
	return wait
}

func (l *loginLimiter) failed(ip, email string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	for _, key := range []string{"ip:" + ip, "email:" + email} {
		l.fails[key] = append(l.recent(key, now), now)
	}
	if len(l.fails) > 100_000 { // a flood of made-up emails: forget the oldest state
		for k := range l.fails {
			if len(l.recent(k, now)) == 0 {
				delete(l.fails, k)
			}
		}
	}
}

// succeeded forgets an account's failures (not the address's).
func (l *loginLimiter) succeeded(email string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.fails, "email:"+email)
}

// recent drops failures older than the window and returns the rest.
func (l *loginLimiter) recent(key string, now time.Time) []time.Time {
	ts := l.fails[key]
	i := 0
	for i < len(ts) && now.Sub(ts[i]) >= loginWindow {
		i++
	}
	ts = ts[i:]
	if len(ts) == 0 {
		delete(l.fails, key)
		return nil
	}
	l.fails[key] = ts
	return ts
}

func humanWait(d time.Duration) string {
	if m := int(d.Round(time.Minute).Minutes()); m >= 1 {
		if m == 1 {
			return "a minute"
		}
		return fmt.Sprintf("%d minutes", m)
	}
	return fmt.Sprintf("%d seconds", int(d.Seconds())+1)
}
