package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// Writes inside Store.Write are pipelined. A write statement is queued and
// sent in the background as soon as the connection is free; the caller goes
// on folding leads and encoding the next rows meanwhile, and writes queued
// while one is on the wire go out together as one pgx.Batch. Reads and the
// commit first wait for every queued write, so the transaction sees its own
// writes in the order they were made. A failed write is reported by the next
// call (or the commit) and the transaction rolls back.
//
// Only the goroutine running fn touches pending and inflight; the
// background send is the only user of the connection while it runs.

// queued is one write statement waiting to be sent.
type queued struct {
	what string // for errors: what the statement was doing
	sql  string
	args []any
}

// write queues a statement and sends the queue if nothing is on the wire.
func (t *pgTx) write(ctx context.Context, what, sql string, args ...any) error {
	if t.err != nil {
		return t.err
	}
	t.pending = append(t.pending, queued{what: what, sql: sql, args: args})
	if t.inflight != nil {
		select {
		case err := <-t.inflight:
			t.inflight = nil
			t.fail(err)
		default:
			return nil // sent when the connection is free
		}
	}
	if t.err == nil {
		t.send(ctx)
	}
	return t.err
}

// sync waits until every queued write has run.
func (t *pgTx) sync(ctx context.Context) error {
	for t.err == nil && (t.inflight != nil || len(t.pending) > 0) {
		if t.inflight == nil {
			t.send(ctx)
		}
		t.fail(<-t.inflight)
		t.inflight = nil
	}
	return t.err
}

// quiesce waits for the write on the wire, if any, and drops the rest, so
// the connection is free for a rollback.
func (t *pgTx) quiesce() {
	if t.inflight != nil {
		t.fail(<-t.inflight)
		t.inflight = nil
	}
	t.pending = nil
}

func (t *pgTx) fail(err error) {
	if err != nil && t.err == nil {
		t.err = err
	}
}

// send puts every queued statement on the wire in one batch, in the
// background.
func (t *pgTx) send(ctx context.Context) {
	qs := t.pending
	t.pending = nil
	b := &pgx.Batch{QueuedQueries: make([]*pgx.QueuedQuery, 0, len(qs))}
	for _, q := range qs {
		b.Queue(q.sql, q.args...)
	}
	done := make(chan error, 1)
	t.inflight = done
	go func() {
		br := t.tx.SendBatch(ctx, b)
		var err error
		for _, q := range qs {
			if _, e := br.Exec(); e != nil {
				err = fmt.Errorf("%s: %w", q.what, e)
				break
			}
		}
		if e := br.Close(); e != nil && err == nil {
			err = fmt.Errorf("%s: %w", qs[len(qs)-1].what, e)
		}
		done <- err
	}()
}
