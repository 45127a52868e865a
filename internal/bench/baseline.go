package bench

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	_ "github.com/mattn/go-sqlite3" // the "sqlite3" driver the baseline opens

	"github.com/accordhq/accord/internal/event"
	"github.com/accordhq/accord/internal/store/dial"
)

// insertEvent is the baseline's one statement: the columns the stores
// write for an event, one row at a time.
const insertEvent = `INSERT INTO events (seq, id, type, occurred_at, received_at, lead_key, lead_ref,
	opportunity_ref, person_ref, hash, data) VALUES `

// rowWriter inserts events one prepared statement at a time inside one
// transaction: the plainest way to put the same rows in the same table.
type rowWriter interface {
	insert(ctx context.Context, seq int64, e *event.Event) error
	commit(ctx context.Context) error
	close()
}

// baseline loads the events of bodies into the events table of a freshly
// migrated database with a loop of prepared INSERTs in one transaction,
// and returns how long the inserts and the commit took. Decoding the
// bodies is not timed: the baseline is the database's share of the work.
func baseline(ctx context.Context, dbURL string, bodies [][]byte, now time.Time) (time.Duration, int, error) {
	st, err := dial.Open(ctx, dbURL)
	if err != nil {
		return 0, 0, err
	}
	_, err = st.Migrate(ctx)
	st.Close()
	if err != nil {
		return 0, 0, fmt.Errorf("migrate baseline database: %w", err)
	}
	var w rowWriter
	start := time.Now()
	if strings.HasPrefix(dbURL, "sqlite:") {
		w, err = newSQLiteRows(ctx, strings.TrimPrefix(dbURL, "sqlite:"))
	} else {
		w, err = newPostgresRows(ctx, dbURL)
	}
	if err != nil {
		return 0, 0, err
	}
	defer w.close()
	took := time.Since(start)
	// The inserts run without a cancellable context: given one, the SQLite
	// driver starts a goroutine per statement to watch it, which would
	// slow the baseline down by a third. Ctrl-C is still noticed between
	// batches.
	plain := context.WithoutCancel(ctx)
	var seq int64
	for _, body := range bodies {
		if err := ctx.Err(); err != nil {
			return 0, 0, err
		}
		items, err := event.DecodeBatch(body, false, 0, now)
		if err != nil {
			return 0, 0, err
		}
		start := time.Now()
		for i := range items {
			if items[i].Err != nil {
				return 0, 0, fmt.Errorf("bench event %s: %w", items[i].ID, items[i].Err)
			}
			seq++
			if err := w.insert(plain, seq, &items[i].Event); err != nil {
				return 0, 0, fmt.Errorf("baseline insert: %w", err)
			}
		}
		took += time.Since(start)
	}
	start = time.Now()
	if err := w.commit(plain); err != nil {
		return 0, 0, fmt.Errorf("baseline commit: %w", err)
	}
	return took + time.Since(start), int(seq), nil
}

func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

type sqliteRows struct {
	db   *sql.DB
	tx   *sql.Tx
	stmt *sql.Stmt
}

func newSQLiteRows(ctx context.Context, path string) (*sqliteRows, error) {
	// The same settings the store opens its writer with (WAL, synchronous
	// NORMAL, 64 MB cache, IMMEDIATE transactions, checkpoints every 30,000
	// pages), so the two runs differ only in what Accord does on top of the
	// INSERT.
	q := url.Values{}
	q.Set("_journal_mode", "WAL")
	q.Set("_synchronous", "NORMAL")
	q.Set("_busy_timeout", "10000")
	q.Set("_foreign_keys", "on")
	q.Set("_cache_size", "-65536")
	q.Set("_txlock", "immediate")
	db, err := sql.Open("sqlite3", "file:"+path+"?"+q.Encode())
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(1)
	if _, err := db.ExecContext(ctx, `PRAGMA wal_autocheckpoint = 30000`); err != nil {
		db.Close()
		return nil, err
	}
	r := &sqliteRows{db: db}
	if r.tx, err = db.BeginTx(ctx, nil); err != nil {
		db.Close()
		return nil, err
	}
	if r.stmt, err = r.tx.PrepareContext(ctx, insertEvent+`(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`); err != nil {
		r.tx.Rollback()
		db.Close()
		return nil, err
	}
	return r, nil
}

func (r *sqliteRows) insert(ctx context.Context, seq int64, e *event.Event) error {
	_, err := r.stmt.ExecContext(ctx, seq, e.ID, string(e.Type), e.OccurredAt.UnixMicro(), e.ReceivedAt.UnixMicro(),
		nullable(e.LeadRef), nullable(e.LeadRef), nullable(e.OpportunityRef), nullable(e.PersonRef), e.Hash, string(e.Data))
	return err
}

func (r *sqliteRows) commit(ctx context.Context) error {
	r.stmt.Close()
	return r.tx.Commit()
}

func (r *sqliteRows) close() {
	r.tx.Rollback() // a no-op after Commit
	r.db.Close()
}

type postgresRows struct {
	conn *pgx.Conn
	tx   pgx.Tx
}

func newPostgresRows(ctx context.Context, dbURL string) (*postgresRows, error) {
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		return nil, fmt.Errorf("connect to PostgreSQL: %w", err)
	}
	r := &postgresRows{conn: conn}
	if r.tx, err = conn.Begin(ctx); err != nil {
		conn.Close(ctx)
		return nil, err
	}
	if _, err := r.tx.Prepare(ctx, "insert_event", insertEvent+`($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`); err != nil {
		r.close()
		return nil, err
	}
	return r, nil
}

func (r *postgresRows) insert(ctx context.Context, seq int64, e *event.Event) error {
	_, err := r.tx.Exec(ctx, "insert_event", seq, e.ID, string(e.Type), e.OccurredAt, e.ReceivedAt,
		nullable(e.LeadRef), nullable(e.LeadRef), nullable(e.OpportunityRef), nullable(e.PersonRef), e.Hash, string(e.Data))
	return err
}

func (r *postgresRows) commit(ctx context.Context) error { return r.tx.Commit(ctx) }

func (r *postgresRows) close() {
	ctx := context.Background()
	r.tx.Rollback(ctx)
	r.conn.Close(ctx)
}
