package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/accordhq/accord/internal/store"
)

// The agreement's versions, signatures and the audit log. Writes go
// through the one writer connection, so version and audit numbers are
// assigned, and become visible, in order.

const (
	nextVersionSQL   = `SELECT coalesce(max(number), 0) + 1 FROM agreement_versions`
	insertVersionSQL = `INSERT INTO agreement_versions (number, body, effective_from, uploaded_by, uploaded_at, note)
		VALUES (?, ?, ?, ?, ?, ?)`
	insertSignerSQL    = `INSERT INTO agreement_signers (version, position, name) VALUES (?, ?, ?)`
	versionExistsSQL   = `SELECT count(*) FROM agreement_versions WHERE number = ?`
	isSignerSQL        = `SELECT count(*) FROM agreement_signers WHERE version = ? AND name = ?`
	insertSignatureSQL = `INSERT INTO agreement_signatures (version, signer, signed_at, token_id, token_name)
		VALUES (?, ?, ?, ?, ?) ON CONFLICT (version, signer) DO NOTHING`
	// signedInForceFromSQL is NULL while a signer is missing, else when the
	// version comes into force: the latest of effective_from, the upload
	// and the last signature.
	signedInForceFromSQL = `SELECT CASE WHEN EXISTS (
			SELECT 1 FROM agreement_signers s WHERE s.version = v.number AND NOT EXISTS (
				SELECT 1 FROM agreement_signatures g WHERE g.version = s.version AND g.signer = s.name))
		THEN NULL
		ELSE max(v.effective_from, v.uploaded_at, coalesce((SELECT max(signed_at) FROM agreement_signatures WHERE version = v.number), 0)) END
		FROM agreement_versions v WHERE v.number = ?`
	// inForceSQL: of the versions uploaded, effective and signed by every
	// signer by ?1, the latest dated (store.InForceAt).
	inForceSQL = `SELECT v.number FROM agreement_versions v
		WHERE v.effective_from <= ?1 AND v.uploaded_at <= ?1 AND NOT EXISTS (
			SELECT 1 FROM agreement_signers s WHERE s.version = v.number AND NOT EXISTS (
				SELECT 1 FROM agreement_signatures g
				WHERE g.version = s.version AND g.signer = s.name AND g.signed_at <= ?1))
		ORDER BY v.effective_from DESC, v.number DESC
		LIMIT 1`
	versionsSQL   = `SELECT number, effective_from, uploaded_by, uploaded_at, note FROM agreement_versions ORDER BY number`
	versionSQL    = `SELECT number, effective_from, uploaded_by, uploaded_at, note, body FROM agreement_versions WHERE number = ?`
	signersSQL    = `SELECT version, name FROM agreement_signers WHERE ? IN (0, version) ORDER BY version, position`
	signaturesSQL = `SELECT version, signer, signed_at, token_id, token_name FROM agreement_signatures
		WHERE ? IN (0, version) ORDER BY version, signed_at, signer`
	appendAuditSQL = `INSERT INTO audit_log (seq, at, actor, action, subject, detail)
		SELECT coalesce(max(seq), 0) + 1, ?, ?, ?, ?, ? FROM audit_log`
	auditAfterSQL = `SELECT seq, at, actor, action, subject, detail FROM audit_log WHERE seq > ? ORDER BY seq LIMIT ?`
)

// queryer is what both the reader pool and a write transaction offer.
type queryer interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// writeAudited runs fn in a write transaction on the writer connection.
func (s *Store) writeAudited(ctx context.Context, what string, fn func(tx *sql.Tx) error) error {
	tx, err := s.writer.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("%s: begin: %w", what, err)
	}
	defer tx.Rollback()
	if err := fn(tx); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("%s: commit: %w", what, err)
	}
	return nil
}

func appendAudit(ctx context.Context, tx *sql.Tx, e store.AuditEntry) error {
	if _, err := tx.ExecContext(ctx, appendAuditSQL, micros(e.At), e.Actor, e.Action, e.Subject, string(e.Detail)); err != nil {
		return fmt.Errorf("append %s to the audit log: %w", e.Action, err)
	}
	return nil
}

// CreateAgreementVersion stores the next version and records its upload.
func (s *Store) CreateAgreementVersion(ctx context.Context, nv store.NewAgreementVersion) (store.AgreementVersion, error) {
	v := store.AgreementVersion{
		EffectiveFrom: fromMicros(micros(nv.EffectiveFrom)), UploadedBy: nv.UploadedBy,
		UploadedAt: fromMicros(micros(nv.UploadedAt)), Note: nv.Note,
		Signers: append([]string{}, nv.Signers...), Signatures: []store.Signature{}, Body: nv.Body,
	}
	if v.Body == nil {
		v.Body = []byte{}
	}
	err := s.writeAudited(ctx, "store agreement version", func(tx *sql.Tx) error {
		if err := tx.QueryRowContext(ctx, nextVersionSQL).Scan(&v.Number); err != nil {
			return fmt.Errorf("number agreement version: %w", err)
		}
		if _, err := tx.ExecContext(ctx, insertVersionSQL, v.Number, v.Body, micros(v.EffectiveFrom),
			v.UploadedBy, micros(v.UploadedAt), v.Note); err != nil {
			return fmt.Errorf("store agreement version %d: %w", v.Number, err)
		}
		for i, name := range v.Signers {
			if _, err := tx.ExecContext(ctx, insertSignerSQL, v.Number, i, name); err != nil {
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
	sig.SignedAt = fromMicros(micros(sig.SignedAt))
	var v store.AgreementVersion
	err := s.writeAudited(ctx, "sign agreement version", func(tx *sql.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, versionExistsSQL, sig.Version).Scan(&n); err != nil {
			return fmt.Errorf("look up agreement version %d: %w", sig.Version, err)
		}
		if n == 0 {
			return store.ErrNotFound
		}
		if err := tx.QueryRowContext(ctx, isSignerSQL, sig.Version, sig.Signer).Scan(&n); err != nil {
			return fmt.Errorf("look up signer: %w", err)
		}
		if n == 0 {
			return store.ErrNotSigner
		}
		res, err := tx.ExecContext(ctx, insertSignatureSQL, sig.Version, sig.Signer, micros(sig.SignedAt), sig.TokenID, sig.TokenName)
		if err != nil {
			return fmt.Errorf("store signature: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return store.ErrAlreadySigned
		}
		if err := appendAudit(ctx, tx, store.SignedEntry(sig)); err != nil {
			return err
		}
		var from sql.NullInt64
		if err := tx.QueryRowContext(ctx, signedInForceFromSQL, sig.Version).Scan(&from); err != nil {
			return fmt.Errorf("check signatures: %w", err)
		}
		if from.Valid {
			if err := appendAudit(ctx, tx, store.InForceEntry(sig.Version, fromMicros(from.Int64), sig.TokenName, sig.SignedAt)); err != nil {
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
	rows, err := s.reader.QueryContext(ctx, versionsSQL)
	if err != nil {
		return nil, fmt.Errorf("list agreement versions: %w", err)
	}
	defer rows.Close()
	var out []store.AgreementVersion
	for rows.Next() {
		var v store.AgreementVersion
		var eff, up int64
		if err := rows.Scan(&v.Number, &eff, &v.UploadedBy, &up, &v.Note); err != nil {
			return nil, fmt.Errorf("list agreement versions: %w", err)
		}
		v.EffectiveFrom, v.UploadedAt = fromMicros(eff), fromMicros(up)
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list agreement versions: %w", err)
	}
	if err := readSignoffs(ctx, s.reader, 0, out); err != nil {
		return nil, err
	}
	return out, nil
}

// AgreementVersion returns one version with its body.
func (s *Store) AgreementVersion(ctx context.Context, number int) (store.AgreementVersion, error) {
	return readVersion(ctx, s.reader, number)
}

// InForce returns the version in force at at; ErrNotFound if none is.
func (s *Store) InForce(ctx context.Context, at time.Time) (store.AgreementVersion, error) {
	var n int
	err := s.reader.QueryRowContext(ctx, inForceSQL, micros(at)).Scan(&n)
	if errors.Is(err, sql.ErrNoRows) {
		return store.AgreementVersion{}, store.ErrNotFound
	}
	if err != nil {
		return store.AgreementVersion{}, fmt.Errorf("find the agreement in force: %w", err)
	}
	return readVersion(ctx, s.reader, n)
}

func readVersion(ctx context.Context, q queryer, number int) (store.AgreementVersion, error) {
	var v store.AgreementVersion
	var eff, up int64
	err := q.QueryRowContext(ctx, versionSQL, number).Scan(&v.Number, &eff, &v.UploadedBy, &up, &v.Note, &v.Body)
	if errors.Is(err, sql.ErrNoRows) {
		return v, store.ErrNotFound
	}
	if err != nil {
		return v, fmt.Errorf("read agreement version %d: %w", number, err)
	}
	v.EffectiveFrom, v.UploadedAt = fromMicros(eff), fromMicros(up)
	if v.Body == nil {
		v.Body = []byte{}
	}
	vs := []store.AgreementVersion{v}
	if err := readSignoffs(ctx, q, number, vs); err != nil {
		return v, err
	}
	return vs[0], nil
}

// readSignoffs fills in the signers and signatures of vs (ordered by
// number), reading those of one version, or of all when number is 0.
func readSignoffs(ctx context.Context, q queryer, number int, vs []store.AgreementVersion) error {
	at := make(map[int]*store.AgreementVersion, len(vs))
	for i := range vs {
		vs[i].Signers, vs[i].Signatures = []string{}, []store.Signature{}
		at[vs[i].Number] = &vs[i]
	}
	rows, err := q.QueryContext(ctx, signersSQL, number)
	if err != nil {
		return fmt.Errorf("read signers: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var n int
		var name string
		if err := rows.Scan(&n, &name); err != nil {
			return fmt.Errorf("read signers: %w", err)
		}
		if v := at[n]; v != nil {
			v.Signers = append(v.Signers, name)
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read signers: %w", err)
	}
	rows, err = q.QueryContext(ctx, signaturesSQL, number)
	if err != nil {
		return fmt.Errorf("read signatures: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var sig store.Signature
		var signed int64
		if err := rows.Scan(&sig.Version, &sig.Signer, &signed, &sig.TokenID, &sig.TokenName); err != nil {
			return fmt.Errorf("read signatures: %w", err)
		}
		sig.SignedAt = fromMicros(signed)
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
	rows, err := s.reader.QueryContext(ctx, auditAfterSQL, after, limit)
	if err != nil {
		return nil, fmt.Errorf("read the audit log: %w", err)
	}
	defer rows.Close()
	var out []store.AuditEntry
	for rows.Next() {
		var e store.AuditEntry
		var at int64
		var detail string
		if err := rows.Scan(&e.Seq, &at, &e.Actor, &e.Action, &e.Subject, &detail); err != nil {
			return nil, fmt.Errorf("read the audit log: %w", err)
		}
		e.At, e.Detail = fromMicros(at), []byte(detail)
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read the audit log: %w", err)
	}
	return out, nil
}
