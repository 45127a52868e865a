package alerting

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/accordhq/accord/internal/agreement"
	"github.com/accordhq/accord/internal/daily"
	"github.com/accordhq/accord/internal/digest"
	"github.com/accordhq/accord/internal/notify"
	"github.com/accordhq/accord/internal/store"
	"github.com/accordhq/accord/internal/versions"
)

// when reads the digest's day and time.
func (d *DigestConf) when() (time.Weekday, time.Duration, error) {
	day := time.Monday
	if d.Day != "" {
		found := false
		for wd := time.Sunday; wd <= time.Saturday; wd++ {
			if strings.EqualFold(d.Day, wd.String()) || strings.EqualFold(d.Day, wd.String()[:3]) {
				day, found = wd, true
			}
		}
		if !found {
			return 0, 0, fmt.Errorf("day %q: name a day of the week", d.Day)
		}
	}
	at := 8 * time.Hour
	if d.At != "" {
		t, err := time.Parse("15:04", d.At)
		if err != nil {
			return 0, 0, fmt.Errorf("at %q: write a time such as 08:00", d.At)
		}
		at = time.Duration(t.Hour())*time.Hour + time.Duration(t.Minute())*time.Minute
	}
	return day, at, nil
}

// Digester mails the weekly digest once a week: when the configured day
// and time has come, it stores the digest of the week before as a delivery
// whose id names the week, so however many processes do it, and however
// often, the outbox holds it once and the dispatcher sends it (with its
// retries).
type Digester struct {
	Store    store.Store
	Versions *versions.Cache
	Config   Config
	Fiscal   daily.Fiscal
	Location *time.Location
	Now      func() time.Time
	Log      *slog.Logger
}

// Run checks every minute until ctx ends.
func (g *Digester) Run(ctx context.Context) error {
	t := time.NewTicker(time.Minute)
	defer t.Stop()
	for {
		if _, err := g.Tick(ctx); err != nil && ctx.Err() == nil && g.Log != nil {
			g.Log.Error("weekly digest", "error", err)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

// Tick stores last week's digest if its time has come; it reports whether
// this call stored it.
func (g *Digester) Tick(ctx context.Context) (bool, error) {
	dc := g.Config.Digest
	if dc == nil || g.Config.Email == nil || len(dc.To) == 0 {
		return false, nil
	}
	day, at, err := dc.when()
	if err != nil {
		return false, err
	}
	loc := g.Location
	if loc == nil {
		loc = time.UTC
	}
	now := time.Now()
	if g.Now != nil {
		now = g.Now()
	}
	local := now.In(loc)
	today := local.Format(time.DateOnly)
	week := g.Fiscal.Week(today)
	start, _ := time.ParseInLocation(time.DateOnly, week.From, loc)
	offset := (int(day) - int(start.Weekday()) + 7) % 7
	due := time.Date(start.Year(), start.Month(), start.Day()+offset, 0, 0, 0, 0, loc).Add(at)
	if local.Before(due) {
		return false, nil
	}
	last := g.Fiscal.Week(start.AddDate(0, 0, -1).Format(time.DateOnly))
	book, err := g.Versions.Get(ctx)
	if err != nil {
		return false, err
	}
	d, err := digest.Build(ctx, g.Store, g.Fiscal, last.From, goalsOf(book, now), g.Config.BaseURL)
	if err != nil {
		return false, err
	}
	l := d.Letter()
	body, err := json.Marshal(message{Notification: wireNotification{ID: l.ID}, To: dc.To, Letter: &l})
	if err != nil {
		return false, err
	}
	added, err := g.Store.EnqueueDelivery(ctx, store.NewDelivery{AlertID: l.ID, Channel: channelDigest, Payload: body}, now)
	if added && g.Log != nil {
		g.Log.Info("weekly digest queued", "week", last.From, "to", strings.Join(dc.To, ", "))
	}
	return added, err
}

func goalsOf(book *versions.Book, now time.Time) *agreement.Goals {
	if ag, _ := book.At(now); ag != nil {
		return ag.Goals
	}
	return nil
}

// letterSender mails a letter; it is the digest channel's sender.
type letterSender struct {
	smtp   *notify.SMTP
	letter notify.Letter
}

func (s *letterSender) Send(ctx context.Context, _ notify.Notification) error {
	return s.smtp.SendLetter(ctx, s.letter)
}
