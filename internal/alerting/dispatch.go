package alerting

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/accordhq/accord/internal/event"
	"github.com/accordhq/accord/internal/ingest"
	"github.com/accordhq/accord/internal/notify"
	"github.com/accordhq/accord/internal/store"
)

// Ingester appends events to the log (an *ingest.Service).
type Ingester interface {
	Ingest(ctx context.Context, items []event.Item) (ingest.Report, error)
}

// Dispatcher sends stored deliveries: each is claimed for a lease, sent
// once, and its attempt recorded, which schedules the retry or
// dead-letters it. Delivery is at least once: a process killed mid-send
// leaves the delivery to be tried again when its lease runs out, with the
// same notification id for receivers to dedupe by.
type Dispatcher struct {
	Store   store.Store
	Config  Config
	Ingest  Ingester         // for escalations' reassignments; nil: none
	Now     func() time.Time // nil: time.Now
	Workers int              // sends at once; 0: 8
	Lease   time.Duration    // 0: the attempt timeout plus 15 s
	Poll    time.Duration    // 0: 200 ms
	Timeout time.Duration    // per attempt; 0: 30 s
	Log     *slog.Logger

	once     sync.Once
	channels map[string]notify.Channel
}

// Run sends deliveries until ctx ends.
func (d *Dispatcher) Run(ctx context.Context) error {
	poll := d.Poll
	if poll <= 0 {
		poll = 200 * time.Millisecond
	}
	t := time.NewTicker(poll)
	defer t.Stop()
	for {
		if _, err := d.Drain(ctx); err != nil && ctx.Err() == nil {
			d.log().Error("sending alerts failed; trying again shortly", "error", err)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

// Drain sends every delivery due now, a claim at a time, and returns how
// many attempts it made.
func (d *Dispatcher) Drain(ctx context.Context) (int, error) {
	d.once.Do(func() { d.channels = d.Config.channels(d.now) })
	workers := d.Workers
	if workers <= 0 {
		workers = 8
	}
	timeout := d.timeout()
	// A claim holds one delivery per worker, so every claimed delivery is
	// tried within one attempt's timeout; the lease only has to outlast
	// that. After a crash, what the dead process held is due again within
	// the lease.
	lease := d.Lease
	if lease <= 0 {
		lease = timeout + 15*time.Second
	}
	total := 0
	for ctx.Err() == nil {
		claimed, err := d.Store.ClaimDeliveries(ctx, d.now(), lease, workers)
		if err != nil {
			return total, err
		}
		if len(claimed) == 0 {
			return total, nil
		}
		var wg sync.WaitGroup
		sem := make(chan struct{}, workers)
		for _, dl := range claimed {
			sem <- struct{}{}
			wg.Go(func() {
				defer func() { <-sem }()
				d.send(ctx, dl)
			})
		}
		wg.Wait()
		total += len(claimed)
	}
	return total, ctx.Err()
}

// send makes one attempt at one delivery.
func (d *Dispatcher) send(ctx context.Context, dl store.Delivery) {
	log := d.log().With("alert_id", dl.AlertID, "channel", dl.Channel)
	var m message
	if err := json.Unmarshal(dl.Payload, &m); err != nil {
		log.Error("delivery payload unreadable", "error", err)
		d.record(ctx, dl, notify.Permanent(fmt.Errorf("payload unreadable: %w", err)))
		return
	}
	var ch notify.Channel
	switch dl.Channel {
	case channelEmail:
		if d.Config.Email != nil {
			ch = d.Config.smtp(m.To, d.now)
		}
	case channelReassign:
		ch = &reassigner{d: d, r: m.Reassign}
	case channelDigest:
		if d.Config.Email != nil && m.Letter != nil {
			ch = &letterSender{smtp: d.Config.smtp(m.To, d.now), letter: *m.Letter}
		}
	default:
		ch = d.channels[dl.Channel]
	}
	if ch == nil {
		d.record(ctx, dl, notify.Permanent(fmt.Errorf("channel %q is not configured any more", dl.Channel)))
		return
	}
	dv := &notify.Deliverer{Recorder: d.Store, Now: d.Now, Timeout: d.timeout(), Logger: d.Log}
	if _, err := dv.Deliver(ctx, ch, notify.Delivery{Notification: m.Notification.notification(), Channel: dl.Channel, Number: dl.Attempts + 1}); err != nil {
		log.Error("attempt not recorded; the delivery will be tried again", "error", err)
	}
}

// record stores a failed attempt that never reached a channel.
func (d *Dispatcher) record(ctx context.Context, dl store.Delivery, err error) {
	now := d.now()
	if rerr := d.Store.RecordAttempt(ctx, notify.Attempt{NotificationID: dl.AlertID, Channel: dl.Channel,
		Number: dl.Attempts + 1, At: now, Status: notify.Dead, Error: err.Error()}); rerr != nil {
		d.log().Error("attempt not recorded", "alert_id", dl.AlertID, "error", rerr)
	}
}

func (d *Dispatcher) timeout() time.Duration {
	if d.Timeout <= 0 {
		return 30 * time.Second
	}
	return d.Timeout
}

func (d *Dispatcher) now() time.Time {
	if d.Now == nil {
		return time.Now()
	}
	return d.Now()
}

func (d *Dispatcher) log() *slog.Logger {
	if d.Log == nil {
		return slog.New(slog.DiscardHandler)
	}
	return d.Log
}

// reassigner carries out an escalation's round-robin reassignment by
// appending a lead.assigned event, with an id derived from the obligation
// so that doing it twice stores it once.
type reassigner struct {
	d *Dispatcher
	r *reassignment
}

func (ra *reassigner) Send(ctx context.Context, n notify.Notification) error {
	r := ra.r
	if r == nil || ra.d.Ingest == nil {
		return notify.Permanent(fmt.Errorf("nothing to reassign with"))
	}
	l, err := ra.d.Store.Lead(ctx, r.LeadID)
	if err != nil {
		return err
	}
	if l.Owner != r.From {
		return nil // someone moved it already
	}
	ps, err := ra.d.Store.People(ctx)
	if err != nil {
		return err
	}
	// Round robin: the next active member of the team after the owner,
	// in id order; people who are off (inactive) are skipped.
	var team []string
	for _, p := range ps {
		if p.Active && strings.EqualFold(p.Team, r.Team) {
			team = append(team, p.PersonID)
		}
	}
	slices.Sort(team)
	next := ""
	for _, id := range team {
		if id > r.From {
			next = id
			break
		}
	}
	if next == "" && len(team) > 0 {
		next = team[0]
	}
	if next == "" || next == r.From {
		return notify.Permanent(fmt.Errorf("no one else in team %s is on to take the lead", r.Team))
	}
	body, _ := json.Marshal([]map[string]any{{
		"id": "accord-reassign-" + r.ObligationID, "type": event.LeadAssigned, "occurred_at": r.At.UTC().Format(time.RFC3339Nano),
		"data": map[string]any{"lead_id": r.LeadID, "owner": next, "team": r.Team},
	}})
	items, err := event.DecodeBatch(body, false, 0, ra.d.now())
	if err != nil {
		return notify.Permanent(err)
	}
	rep, err := ra.d.Ingest.Ingest(ctx, items)
	if err != nil {
		return err
	}
	if rep.Rejected > 0 {
		return notify.Permanent(fmt.Errorf("reassignment event rejected: %s", rep.Results[0].Error))
	}
	return nil
}
