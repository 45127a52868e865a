package api

import (
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/accordhq/accord/internal/agreement"
	"github.com/accordhq/accord/internal/store"
)

// maxAgreementBytes bounds an uploaded agreement; real ones are a few KB.
const maxAgreementBytes = 1 << 20

// versionView is a version as the API shows it: the stored record, where it
// stands now, and (when the body is at hand) the agreement in plain words.
type versionView struct {
	store.AgreementVersion
	Status string `json:"status"`
	// Missing names the signers who have not signed yet.
	Missing []string `json:"missing"`
	// InForceFrom is when the version came, or comes, into force: the
	// later of effective_from and its last signature. Absent while a
	// signature is missing.
	InForceFrom *time.Time `json:"in_force_from,omitempty"`
	Name        string     `json:"name,omitempty"`
	Description string     `json:"description,omitempty"`
	YAML        *string    `json:"yaml,omitempty"`
}

func view(v store.AgreementVersion, inForce *store.AgreementVersion, now time.Time) versionView {
	vv := versionView{AgreementVersion: v, Status: v.Status(inForce, now), Missing: v.Missing()}
	if from, ok := v.InForceFrom(); ok {
		vv.InForceFrom = &from
	}
	if v.Body != nil {
		body := string(v.Body)
		vv.YAML = &body
		// A stored version parsed when it was uploaded; should a later
		// accord read the format differently, the version is still shown.
		if a, err := agreement.Parse(v.Body); err == nil {
			vv.Name, vv.Description = a.Name, a.Describe()
		}
	}
	return vv
}

// inForce returns the version in force at now, or nil.
func (s *Server) inForce(r *http.Request, now time.Time) (*store.AgreementVersion, error) {
	v, err := s.store.InForce(r.Context(), now)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return &v, nil
}

// uploadAgreementVersion stores a new version after validating it. The
// YAML comes either as the body itself (application/yaml or text/yaml, with
// effective_from and note as query parameters) or inside a JSON body
// {yaml, effective_from, note}. An invalid agreement is refused with every
// problem's line and column and stored nowhere, so the version in force
// stays in force.
func (s *Server) uploadAgreementVersion(w http.ResponseWriter, r *http.Request) error {
	body, effective, note, err := readAgreementBody(w, r)
	if err != nil {
		return err
	}
	a, err := parseAgreement(body, "nothing was stored and the version in force stays in force")
	if err != nil {
		return err
	}
	now := s.now()
	eff := now
	if effective != "" {
		if eff, err = a.EffectiveFrom(effective); err != nil {
			return fieldError("effective_from", "effective_from: %v", err)
		}
	}
	signers := make([]string, len(a.Signers))
	for i, sg := range a.Signers {
		signers[i] = sg.Name
	}
	v, err := s.store.CreateAgreementVersion(r.Context(), store.NewAgreementVersion{
		Body: body, EffectiveFrom: eff, UploadedBy: info(r.Context()).token.Name, UploadedAt: now, Signers: signers, Note: note,
	})
	if err != nil {
		return err
	}
	// A version without signers is in force from effective_from: ingest
	// must see it now, not after its cache's TTL.
	s.ingest.Versions().Invalidate()
	cur, err := s.inForce(r, now)
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/agreement/versions/"+strconv.Itoa(v.Number))
	writeJSON(w, http.StatusCreated, view(v, cur, now))
	return nil
}

func (s *Server) listAgreementVersions(w http.ResponseWriter, r *http.Request) error {
	now := s.now()
	vs, err := s.store.AgreementVersions(r.Context())
	if err != nil {
		return err
	}
	cur, err := s.inForce(r, now)
	if err != nil {
		return err
	}
	out := make([]versionView, len(vs))
	for i, v := range vs {
		out[i] = view(v, cur, now)
	}
	var inForce *int
	if cur != nil {
		inForce = &cur.Number
	}
	writeJSON(w, http.StatusOK, map[string]any{"versions": out, "in_force": inForce})
	return nil
}

// versionParam reads a version number from the path (or the query).
func versionParam(name, v string) (int, error) {
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 {
		return 0, fieldError(name, "%s must be a version number (1, 2, 3…), got %q", name, v)
	}
	return n, nil
}

// version loads a version by number, 404 if there is none.
func (s *Server) version(r *http.Request, n int) (store.AgreementVersion, error) {
	v, err := s.store.AgreementVersion(r.Context(), n)
	if errors.Is(err, store.ErrNotFound) {
		return v, errorf(http.StatusNotFound, "no agreement version %d (see GET /api/v1/agreement/versions)", n)
	}
	return v, err
}

func (s *Server) getAgreementVersion(w http.ResponseWriter, r *http.Request) error {
	n, err := versionParam("n", r.PathValue("n"))
	if err != nil {
		return err
	}
	now := s.now()
	v, err := s.version(r, n)
	if err != nil {
		return err
	}
	cur, err := s.inForce(r, now)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, view(v, cur, now))
	return nil
}

// getAgreement answers with the version in force now.
func (s *Server) getAgreement(w http.ResponseWriter, r *http.Request) error {
	now := s.now()
	cur, err := s.inForce(r, now)
	if err != nil {
		return err
	}
	if cur == nil {
		return errorf(http.StatusNotFound, "no agreement is in force: upload one (POST /api/v1/agreement/versions) and have every signer it names sign it")
	}
	writeJSON(w, http.StatusOK, view(*cur, cur, now))
	return nil
}

// diffAgreementVersions answers with a unified diff from version against
// (by default the one before) to version n.
func (s *Server) diffAgreementVersions(w http.ResponseWriter, r *http.Request) error {
	n, err := versionParam("n", r.PathValue("n"))
	if err != nil {
		return err
	}
	m := n - 1
	if v := r.URL.Query().Get("against"); v != "" {
		if m, err = versionParam("against", v); err != nil {
			return err
		}
	} else if m < 1 {
		return fieldError("against", "version 1 has no version before it; name one to compare with (against=M)")
	}
	to, err := s.version(r, n)
	if err != nil {
		return err
	}
	from, err := s.version(r, m)
	if err != nil {
		return err
	}
	d := agreement.Diff(fmt.Sprintf("version %d", m), fmt.Sprintf("version %d", n), from.Body, to.Body)
	writeJSON(w, http.StatusOK, map[string]any{"from": m, "to": n, "same": d == "", "diff": d})
	return nil
}

// signAgreementVersion records that a named signer signs version n, given
// through the calling token. The name must be one the version lists
// (matched without regard to case); each signer signs once.
func (s *Server) signAgreementVersion(w http.ResponseWriter, r *http.Request) error {
	n, err := versionParam("n", r.PathValue("n"))
	if err != nil {
		return err
	}
	var req struct {
		Signer string `json:"signer"`
	}
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	name := strings.TrimSpace(req.Signer)
	if name == "" {
		return fieldError("signer", "signer is required: the name of the person signing, as the agreement lists it")
	}
	v, err := s.version(r, n)
	if err != nil {
		return err
	}
	signer, _ := v.Signer(name)
	notSigner := func() error {
		listed := "it names no signers"
		if len(v.Signers) > 0 {
			listed = "its signers are " + strings.Join(v.Signers, ", ")
		}
		return &Error{Status: http.StatusUnprocessableEntity, Field: "signer",
			Msg: fmt.Sprintf("%s is not a signer of version %d; %s", name, n, listed)}
	}
	if signer == "" {
		return notSigner()
	}
	tok := info(r.Context()).token
	now := s.now()
	sig := store.Signature{Version: n, Signer: signer, SignedAt: now, TokenID: tok.ID, TokenName: tok.Name}
	v, err = s.store.SignAgreementVersion(r.Context(), sig)
	s.ingest.Versions().Invalidate()
	switch {
	case errors.Is(err, store.ErrAlreadySigned):
		when := ""
		if prev, err := s.store.AgreementVersion(r.Context(), n); err == nil {
			for _, p := range prev.Signatures {
				if p.Signer == signer {
					when = fmt.Sprintf(" on %s (token %s)", p.SignedAt.Format(time.RFC3339), p.TokenName)
				}
			}
		}
		return &Error{Status: http.StatusConflict, Field: "signer", Msg: fmt.Sprintf("%s already signed version %d%s", signer, n, when)}
	case errors.Is(err, store.ErrNotSigner):
		return notSigner()
	case errors.Is(err, store.ErrNotFound):
		return errorf(http.StatusNotFound, "no agreement version %d", n)
	case err != nil:
		return err
	}
	for _, got := range v.Signatures {
		if got.Signer == signer {
			sig = got
		}
	}
	cur, err := s.inForce(r, now)
	if err != nil {
		return err
	}
	v.Body = nil // the signer has it; the answer is about the signature
	writeJSON(w, http.StatusCreated, map[string]any{"signature": sig, "version": view(v, cur, now)})
	return nil
}

// listAudit pages through the audit log, oldest first.
func (s *Server) listAudit(w http.ResponseWriter, r *http.Request) error {
	after, limit, err := seqCursor(r, 100, 1000)
	if err != nil {
		return err
	}
	es, err := s.store.AuditAfter(r.Context(), after, limit)
	if err != nil {
		return err
	}
	writeSeqPage(w, "entries", es, func(e store.AuditEntry) int64 { return e.Seq }, after, limit)
	return nil
}

// readAgreementBody reads an agreement sent as the body itself
// (application/yaml, with effective_from and note as query parameters) or
// inside JSON {yaml, effective_from, note}.
func readAgreementBody(w http.ResponseWriter, r *http.Request) (body []byte, effective, note string, err error) {
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch ct {
	case "application/yaml", "text/yaml", "application/x-yaml", "text/x-yaml":
		b, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxAgreementBytes))
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return nil, "", "", errorf(http.StatusRequestEntityTooLarge, "the agreement is larger than %d bytes", maxAgreementBytes)
		}
		if err != nil {
			return nil, "", "", errorf(http.StatusBadRequest, "read the agreement: %v", err)
		}
		body = b
		effective, note = r.URL.Query().Get("effective_from"), r.URL.Query().Get("note")
	case "application/json":
		var req struct {
			YAML          string `json:"yaml"`
			EffectiveFrom string `json:"effective_from"`
			Note          string `json:"note"`
		}
		if err := decodeJSON(w, r, &req); err != nil {
			return nil, "", "", err
		}
		body, effective, note = []byte(req.YAML), req.EffectiveFrom, req.Note
	default:
		return nil, "", "", errorf(http.StatusUnsupportedMediaType,
			"send the agreement as application/yaml (effective_from and note as query parameters) or as JSON {\"yaml\": …, \"effective_from\": …, \"note\": …}; got Content-Type %q", r.Header.Get("Content-Type"))
	}
	if strings.TrimSpace(string(body)) == "" {
		return nil, "", "", fieldError("yaml", "the agreement is empty")
	}
	return body, effective, note, nil
}

// parseAgreement validates an agreement; an invalid one is refused (422)
// with every problem's line and column, and consequence said.
func parseAgreement(body []byte, consequence string) (*agreement.Agreement, error) {
	a, err := agreement.Parse(body)
	var problems agreement.Errors
	if errors.As(err, &problems) {
		e := &Error{Status: http.StatusUnprocessableEntity, Line: problems[0].Line, Column: problems[0].Column,
			Msg: fmt.Sprintf("the agreement has %d problem(s), first at %s; %s", len(problems), problems[0], consequence)}
		for _, p := range problems {
			e.Problems = append(e.Problems, Problem{Line: p.Line, Column: p.Column, Message: p.Message})
		}
		return nil, e
	}
	if err != nil {
		return nil, errorf(http.StatusUnprocessableEntity, "the agreement cannot be read: %v", err)
	}
	return a, nil
}
