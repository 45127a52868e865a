package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/accordhq/accord/internal/store"
)

// The agreement's versions, signatures and the audit log.

// auditLockSQL serialises the writers of the audit log (agreement versions,
// signatures, tokens) across every accord process on the database, so
// version and audit numbers (max+1) are unique and a reader paging the log
// by seq never skips an entry that commits later with a smaller number. It
// is not the event writer's lock: an upload need not wait for an ingest.
// The first key spells "AUDT"; the second separates schemas as lockSQL does.
const auditLockSQL = `SELECT pg_advisory_xact_lock(1096107092, hashtext(coalesce(current_schema(), '')))`

const (
	nextVersionSQL   = `SELECT coalesce(max(number), 0) + 1 FROM agreement_versions`
	insertVersionSQL = `INSERT INTO agreement_versions (number, body, effective_from, uploaded_by, uploaded_at, note)
		VALUES ($1, $2, $3, $4, $5, $6)`
	insertSignerSQL    = `INSERT INTO agreement_signers (version, position, name) VALUES ($1, $2, $3)`
	versionExistsSQL   = `SELECT EXISTS (SELECT 1 FROM agreement_versions WHERE number = $1)`
	isSignerSQL        = `SELECT EXISTS (SELECT 1 FROM agreement_signers WHERE version = $1 AND name = $2)`
	insertSignatureSQL = `INSERT INTO agreement_signatures (version, signer, signed_at, token_id, token_name)
		VALUES ($1, $2, $3, $4, $5) ON CONFLICT (version, signer) DO NOTHING`
	// signedInForceFromSQL is NULL while a signer is missing, else when the
	// version comes into force: the latest of effective_from, the upload
	// and the last signature.
	signedInForceFromSQL = `SELECT CASE WHEN EXISTS (
			SELECT 1 FROM agreement_signers s WHERE s.version = v.number AND NOT EXISTS (
				SELECT 1 FROM agreement_signatures g WHERE g.version = s.version AND g.signer = s.name))
		THEN NULL
		ELSE greatest(v.effective_from, v.uploaded_at, (SELECT max(signed_at) FROM agreement_signatures WHERE version = v.number)) END
		FROM agreement_versions v WHERE v.number = $1`
	// inForceSQL: of the versions uploaded, effective and signed by every
	// signer by $1, the latest dated (store.InForceAt).
	inForceSQL = `SELECT v.number FROM agreement_versions v
		WHERE v.effective_from <= $1 AND v.uploaded_at <= $1 AND NOT EXISTS (
			SELECT 1 FROM agreement_signers s WHERE s.version = v.number AND NOT EXISTS (
				SELECT 1 FROM agreement_signatures g
				WHERE g.version = s.version AND g.signer = s.name AND g.signed_at <= $1))
		ORDER BY v.effective_from DESC, v.number DESC
		LIMIT 1`
	versionsSQL   = `SELECT number, effective_from, uploaded_by, uploaded_at, note FROM agreement_versions ORDER BY number`
	versionSQL    = `SELECT number, effective_from, uploaded_by, uploaded_at, note, body FROM agreement_versions WHERE number = $1`
	signersSQL    = `SELECT version, name FROM agreement_signers WHERE $1 IN (0, version) ORDER BY version, position`
	signaturesSQL = `SELECT version, signer, signed_at, token_id, token_name FROM agreement_signatures
		WHERE $1 IN (0, version) ORDER BY version, signed_at, signer`
	appendAuditSQL = `INSERT INTO audit_log (seq, at, actor, action, subject, detail)
		SELECT coalesce(max(seq), 0) + 1, $1, $2, $3, $4, $5 FROM audit_log`
	auditAfterSQL = `SELECT seq, at, actor, action, subject, detail::text FROM audit_log WHERE seq > $1 ORDER BY seq LIMIT $2`
)

// agreementQuerier is what both the pool and a transaction offer.
type agreementQuerier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// writeAudited runs fn in a transaction holding the audit lock.
func (s *Store) writeAudited(ctx context.Context, what string, fn func(tx pgx.Tx) error) error {
	tx, err := s.pool.BeginTx(ctx, pgx.TxOptions{BeginQuery: `BEGIN; ` + auditLockSQL})
	if err != nil {
		return fmt.Errorf("%s: begin: %w", what, err)
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	if err := fn(tx); err != nil {
		return err
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("%s: commit: %w", what, err)
	}
	return nil
}

func appendAudit(ctx context.Context, tx pgx.Tx, e store.AuditEntry) error {
	if _, err := tx.Exec(ctx, appendAuditSQL, e.At, e.Actor, e.Action, e.Subject, string(e.Detail)); err != nil {
		return fmt.Errorf("append %s to the audit log: %w", e.Action, err)
	}
	return nil
}

// utcMicros is t as PostgreSQL will keep it.
func utcMicros(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }

// CreateAgreementVersion stores the next version and records its upload.
func (s *Store) CreateAgreementVersion(ctx context.Context, nv store.NewAgreementVersion) (store.AgreementVersion, error) {
	v := store.AgreementVersion{
		EffectiveFrom: utcMicros(nv.EffectiveFrom), UploadedBy: nv.UploadedBy,
		UploadedAt: utcMicros(nv.UploadedAt), Note: nv.Note,
		Signers: append([]string{}, nv.Signers...), Signatures: []store.Signature{}, Body: nv.Body,
	}
	if v.Body == nil {
		v.Body = []byte{}
	}
	err := s.writeAudited(ctx, "store agreement version", func(tx pgx.Tx) error {
		if err := tx.QueryRow(ctx, nextVersionSQL).Scan(&v.Number); err != nil {
			return fmt.Errorf("number agreement version: %w", err)
		}
		if _, err := tx.Exec(ctx, insertVersionSQL, v.Number, v.Body, v.EffectiveFrom, v.UploadedBy, v.UploadedAt, v.Note); err != nil {
			return fmt.Errorf("store agreement version %d: %w", v.Number, err)
		}
		for i, name := range v.Signers {
			if _, err := tx.Exec(ctx, insertSignerSQL, v.Number, i, name); err != nil {
				return fmt.Errorf("store signer %q of agreement version %d: %w", name, v.Number, err)
			}
		}
		if err := appendAudit(ctx, tx, store.UploadedEntry(v)); err != nil {
			return err
		}
		if len(v.Signers) == 0 {
			from, _ := v.InForceFrom()
			return appendAudit(ctx, tx, store.InForceEntry(v.Number, from, v.UploadedBy, v.UploadedAt))
		}
		return nil
	})
	if err != nil {
		return store.AgreementVersion{}, err
	}
	return v, nil
}

// SignAgreementVersion records sig and, when it is the last one missing,
// that the version is in force.
func (s *Store) SignAgreementVersion(ctx context.Context, sig store.Signature) (store.AgreementVersion, error) {
	sig.SignedAt = utcMicros(sig.SignedAt)
	var v store.AgreementVersion
	err := s.writeAudited(ctx, "sign agreement version", func(tx pgx.Tx) error {
		var ok bool
		if err := tx.QueryRow(ctx, versionExistsSQL, sig.Version).Scan(&ok); err != nil {
			return fmt.Errorf("look up agreement version %d: %w", sig.Version, err)
		}
		if !ok {
			return store.ErrNotFound
		}
		if err := tx.QueryRow(ctx, isSignerSQL, sig.Version, sig.Signer).Scan(&ok); err != nil {
			return fmt.Errorf("look up signer: %w", err)
		}
		if !ok {
			return store.ErrNotSigner
		}
		tag, err := tx.Exec(ctx, insertSignatureSQL, sig.Version, sig.Signer, sig.SignedAt, sig.TokenID, sig.TokenName)
		if err != nil {
			return fmt.Errorf("store signature: %w", err)
		}
		if tag.RowsAffected() == 0 {
			return store.ErrAlreadySigned
		}
		if err := appendAudit(ctx, tx, store.SignedEntry(sig)); err != nil {
			return err
		}
		var from *time.Time
		if err := tx.QueryRow(ctx, signedInForceFromSQL, sig.Version).Scan(&from); err != nil {
			return fmt.Errorf("check signatures: %w", err)
		}
		if from != nil {
			if err := appendAudit(ctx, tx, store.InForceEntry(sig.Version, *from, sig.TokenName, sig.SignedAt)); err != nil {
				return err
			}
		}
		v, err = readVersion(ctx, tx, sig.Version)
		return err
	})
	return v, err
}

// AgreementVersions lists every version, oldest first, without bodies.
func (s *Store) AgreementVersions(ctx context.Context) ([]store.AgreementVersion, error) {
	rows, err := s.pool.Query(ctx, versionsSQL)
	if err != nil {
		return nil, fmt.Errorf("list agreement versions: %w", err)
	}
	defer rows.Close()
	var out []store.AgreementVersion
	for rows.Next() {
		var v store.AgreementVersion
		if err := rows.Scan(&v.Number, &v.EffectiveFrom, &v.UploadedBy, &v.UploadedAt, &v.Note); err != nil {
			return nil, fmt.Errorf("list agreement versions: %w", err)
		}
		v.EffectiveFrom, v.UploadedAt = v.EffectiveFrom.UTC(), v.UploadedAt.UTC()
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list agreement versions: %w", err)
	}
	if err := readSignoffs(ctx, s.pool, 0, out); err != nil {
		return nil, err
	}
	return out, nil
}

// AgreementVersion returns one version with its body.
func (s *Store) AgreementVersion(ctx context.Context, number int) (store.AgreementVersion, error) {
	return readVersion(ctx, s.pool, number)
}

// InForce returns the version in force at at; ErrNotFound if none is.
func (s *Store) InForce(ctx context.Context, at time.Time) (store.AgreementVersion, error) {
	var n int
	err := s.pool.QueryRow(ctx, inForceSQL, at).Scan(&n)
	if errors.Is(err, pgx.ErrNoRows) {
		return store.AgreementVersion{}, store.ErrNotFound
	}
	if err != nil {
		return store.AgreementVersion{}, fmt.Errorf("find the agreement in force: %w", err)
	}
	return readVersion(ctx, s.pool, n)
}

func readVersion(ctx context.Context, q agreementQuerier, number int) (store.AgreementVersion, error) {
	var v store.AgreementVersion
	err := q.QueryRow(ctx, versionSQL, number).Scan(&v.Number, &v.EffectiveFrom, &v.UploadedBy, &v.UploadedAt, &v.Note, &v.Body)
	if errors.Is(err, pgx.ErrNoRows) {
		return store.AgreementVersion{}, store.ErrNotFound
	}
	if err != nil {
		return store.AgreementVersion{}, fmt.Errorf("read agreement version %d: %w", number, err)
	}
	v.EffectiveFrom, v.UploadedAt = v.EffectiveFrom.UTC(), v.UploadedAt.UTC()
	if v.Body == nil {
		v.Body = []byte{}
	}
	vs := []store.AgreementVersion{v}
	if err := readSignoffs(ctx, q, number, vs); err != nil {
		return store.AgreementVersion{}, err
	}
	return vs[0], nil
}

// readSignoffs fills in the signers and signatures of vs, reading those of
// one version, or of all when number is 0.
func readSignoffs(ctx context.Context, q agreementQuerier, number int, vs []store.AgreementVersion) error {
	at := make(map[int]*store.AgreementVersion, len(vs))
	for i := range vs {
		vs[i].Signers, vs[i].Signatures = []string{}, []store.Signature{}
		at[vs[i].Number] = &vs[i]
	}
	rows, err := q.Query(ctx, signersSQL, number)
	if err != nil {
		return fmt.Errorf("read signers: %w", err)
	}
	for rows.Next() {
		var n int
		var name string
		if err := rows.Scan(&n, &name); err != nil {
			rows.Close()
			return fmt.Errorf("read signers: %w", err)
		}
		if v := at[n]; v != nil {
			v.Signers = append(v.Signers, name)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read signers: %w", err)
	}
	rows, err = q.Query(ctx, signaturesSQL, number)
	if err != nil {
		return fmt.Errorf("read signatures: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var sig store.Signature
		if err := rows.Scan(&sig.Version, &sig.Signer, &sig.SignedAt, &sig.TokenID, &sig.TokenName); err != nil {
			return fmt.Errorf("read signatures: %w", err)
		}
		sig.SignedAt = sig.SignedAt.UTC()
		if v := at[sig.Version]; v != nil {
			v.Signatures = append(v.Signatures, sig)
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read signatures: %w", err)
	}
	return nil
}

// AuditAfter pages through the audit log in order.
func (s *Store) AuditAfter(ctx context.Context, after int64, limit int) ([]store.AuditEntry, error) {
	rows, err := s.pool.Query(ctx, auditAfterSQL, after, limit)
	if err != nil {
		return nil, fmt.Errorf("read the audit log: %w", err)
	}
	defer rows.Close()
	var out []store.AuditEntry
	for rows.Next() {
		var e store.AuditEntry
		var detail string
		if err := rows.Scan(&e.Seq, &e.At, &e.Actor, &e.Action, &e.Subject, &detail); err != nil {
			return nil, fmt.Errorf("read the audit log: %w", err)
		}
		e.At, e.Detail = e.At.UTC(), []byte(detail)
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read the audit log: %w", err)
	}
	return out, nil
}
