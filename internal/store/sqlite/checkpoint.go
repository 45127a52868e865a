package sqlite

import (
	"database/sql"
	"errors"
	"sync"
	"time"
)

// checkpointEvery is how often, at most, the WAL is copied into the
// database file while writes go on. A page that every batch dirties (the
// rows of leads being worked, the end of an index) is copied once per
// checkpoint however often it was rewritten, so rarer checkpoints copy
// less; but what the last one left behind, the writer copies itself when
// the WAL is full (see Open), with batches waiting. On the ingest bench a
// quarter of a second beat a second by ~7%, the writer's own checkpoints
// taking ~60 ms instead of ~140 ms.
const checkpointEvery = 250 * time.Millisecond

// checkpointer copies the WAL into the database from its own connection,
// in the background. Left to SQLite alone, the commit that fills the WAL
// runs the whole checkpoint itself, and every batch queued behind that
// commit waits for it (~125 ms per 30,000 pages on a virtual disk). A
// PASSIVE checkpoint runs beside the writer and the readers without
// blocking them, and changes nothing about durability: the WAL keeps
// every commit until it has been copied.
type checkpointer struct {
	db       *sql.DB
	every    time.Duration
	wake     chan struct{}
	quit     chan struct{}
	done     chan struct{}
	stopOnce sync.Once
	err      error // the last checkpoint's, reported by stop
}

func newCheckpointer(dsn string, every time.Duration) (*checkpointer, error) {
	db, err := sql.Open("sqlite3", dsn)
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(1)
	db.SetMaxIdleConns(1)
	c := &checkpointer{db: db, every: every, wake: make(chan struct{}, 1),
		quit: make(chan struct{}), done: make(chan struct{})}
	go c.loop()
	return c, nil
}

// committed tells the checkpointer the WAL has grown. It never blocks.
func (c *checkpointer) committed() {
	select {
	case c.wake <- struct{}{}:
	default:
	}
}

func (c *checkpointer) loop() {
	defer close(c.done)
	last := time.Now()
	for {
		select {
		case <-c.quit:
			return
		case <-c.wake:
		}
		// Wait out the interval, so one checkpoint covers every commit
		// made in it.
		if wait := c.every - time.Since(last); wait > 0 {
			t := time.NewTimer(wait)
			select {
			case <-c.quit:
				t.Stop()
				return
			case <-t.C:
			}
		}
		c.runOnce()
		last = time.Now()
	}
}

// runOnce copies what it can of the WAL into the database.
func (c *checkpointer) runOnce() {
	var busy, log, done int
	if err := c.db.QueryRow(`PRAGMA wal_checkpoint(PASSIVE)`).Scan(&busy, &log, &done); err != nil {
		c.err = err
		return
	}
	c.err = nil
}

// stop ends the loop and closes the connection; it is safe to call twice.
func (c *checkpointer) stop() error {
	var err error
	c.stopOnce.Do(func() {
		close(c.quit)
		<-c.done
		err = errors.Join(c.err, c.db.Close())
	})
	return err
}
