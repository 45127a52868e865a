package notify

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"
)

// Status is where a delivery stands after an attempt.
type Status string

const (
	Delivered Status = "delivered" // the destination accepted it: done
	Failed    Status = "failed"    // try again at NextAt
	Dead      Status = "dead"      // dead-lettered: a person must look
)

// Attempt is the record of one try to send one notification on one channel.
// Every attempt is recorded, whatever its outcome.
type Attempt struct {
	NotificationID string
	Channel        string // the channel's configured name
	Number         int    // from 1
	At             time.Time
	Took           time.Duration
	Status         Status
	Error          string    // "" when delivered
	NextAt         time.Time // when Status is Failed
}

// Recorder keeps the attempt log (and, from the dead attempts, the
// dead-letter list). The store implements it.
type Recorder interface {
	RecordAttempt(ctx context.Context, a Attempt) error
}

// Deduper is what a Recorder may also offer so that a notification already
// delivered on a channel (by another process whose claim expired, say) is
// not sent a second time. Receivers still dedupe by ID: delivery is at
// least once, and this only makes twice rarer.
type Deduper interface {
	Delivered(ctx context.Context, notificationID, channel string) (bool, error)
}

// Delivery is one attempt to make: which notification, on which channel,
// and the how-many-th attempt it is.
type Delivery struct {
	Notification Notification
	Channel      string // the name attempts are recorded under
	Number       int    // this attempt's number, from 1
}

// Outcome is what to do after an attempt.
type Outcome struct {
	Status Status
	NextAt time.Time // when Status is Failed
	Err    error     // the channel's error; nil when delivered
	// Duplicate: the Deduper said it was delivered already; nothing was
	// sent and no attempt recorded.
	Duplicate bool
}

// Deliverer makes one attempt at a time; the scheduler owns the waiting
// between attempts, so a retry survives a restart.
type Deliverer struct {
	Recorder Recorder         // nil: attempts are not recorded (a test send)
	Policy   Policy           // zero: MaxAttempts, Backoff
	Timeout  time.Duration    // per attempt; 0: 30 s
	Now      func() time.Time // nil: time.Now
	Logger   *slog.Logger     // nil: no logs
}

// recordTimeout bounds writing an attempt, which happens even when ctx was
// cancelled during the send (shutdown): the attempt did happen.
const recordTimeout = 5 * time.Second

// Deliver makes attempt dl.Number of sending dl.Notification on ch: dedupe,
// send, classify, record. It returns the outcome, and a non-nil error only
// when the attempt could not be recorded; the outcome is still valid then,
// but the caller should leave the delivery due so it is tried again
// (receivers dedupe by the notification's ID).
func (d *Deliverer) Deliver(ctx context.Context, ch Channel, dl Delivery) (Outcome, error) {
	if dl.Channel == "" || dl.Number < 1 {
		return Outcome{}, fmt.Errorf("deliver %s: a delivery needs a channel name and an attempt number ≥ 1", dl.Notification.ID)
	}
	log := d.logger().With("alert_id", dl.Notification.ID, "channel", dl.Channel, "attempt", dl.Number)

	if dup, ok := d.Recorder.(Deduper); ok {
		done, err := dup.Delivered(ctx, dl.Notification.ID, dl.Channel)
		if err != nil {
			// Sending twice is better than not at all.
			log.Warn("dedupe check failed; sending anyway", "error", err)
		} else if done {
			log.Debug("already delivered; not sent again")
			return Outcome{Status: Delivered, Duplicate: true}, nil
		}
	}

	now := nowFunc(d.Now)
	start := now()
	err := d.send(ctx, ch, dl.Notification)
	end := now()
	out := d.decide(err, dl.Number, end)

	a := Attempt{
		NotificationID: dl.Notification.ID,
		Channel:        dl.Channel,
		Number:         dl.Number,
		At:             start,
		Took:           end.Sub(start),
		Status:         out.Status,
		NextAt:         out.NextAt,
	}
	if err != nil {
		a.Error = err.Error()
	}
	switch out.Status {
	case Delivered:
		log.Debug("delivered", "took", a.Took)
	case Failed:
		log.Warn("delivery failed; will retry", "error", err, "next_at", out.NextAt)
	case Dead:
		log.Error("delivery dead-lettered", "error", err, "permanent", IsPermanent(err))
	}
	if d.Recorder == nil {
		return out, nil
	}
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), recordTimeout)
	defer cancel()
	if rerr := d.Recorder.RecordAttempt(rctx, a); rerr != nil {
		return out, fmt.Errorf("record attempt %d of %s on %s: %w", dl.Number, dl.Notification.ID, dl.Channel, rerr)
	}
	return out, nil
}

// send is one bounded call of the channel.
func (d *Deliverer) send(ctx context.Context, ch Channel, n Notification) error {
	timeout := d.Timeout
	if timeout <= 0 {
		timeout = httpTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	err := ch.Send(ctx, n)
	if err != nil && errors.Is(err, context.DeadlineExceeded) && !IsPermanent(err) {
		err = Retryable(fmt.Errorf("no answer within %s: %w", timeout, err), time.Time{})
	}
	return err
}

// decide turns an attempt's error into what to do next: nothing (delivered),
// retry (at the destination's Retry-After, else after the backoff), or
// dead-letter (a permanent error, or the last attempt).
func (d *Deliverer) decide(err error, number int, now time.Time) Outcome {
	if err == nil {
		return Outcome{Status: Delivered}
	}
	if IsPermanent(err) || number >= d.Policy.maxAttempts() {
		return Outcome{Status: Dead, Err: err}
	}
	next := now.Add(d.Policy.backoff(number))
	if at, ok := RetryAt(err); ok {
		// The destination knows best, within reason.
		switch {
		case at.Before(now):
			next = now
		case at.After(now.Add(maxRetryAfter)):
			next = now.Add(maxRetryAfter)
		default:
			next = at
		}
	}
	return Outcome{Status: Failed, NextAt: next, Err: err}
}

func (d *Deliverer) logger() *slog.Logger {
	if d.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return d.Logger
}
