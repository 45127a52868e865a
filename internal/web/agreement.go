package web

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/accordhq/accord/internal/agreement"
	"github.com/accordhq/accord/internal/slareport"
	"github.com/accordhq/accord/internal/store"
)

type agreementData struct {
	InForce     *store.AgreementVersion
	Description string
	Versions    []versionRow
	Zone        *time.Location
}

type versionRow struct {
	store.AgreementVersion
	Status  string
	Missing []string // signers still to sign
}

func (s *Server) versionRows(r *http.Request) ([]versionRow, *store.AgreementVersion, error) {
	list, err := s.o.Store.AgreementVersions(r.Context())
	if err != nil {
		return nil, nil, err
	}
	now := s.o.Now()
	inForce := store.InForceAt(list, now)
	rows := make([]versionRow, len(list))
	for i, v := range list {
		rows[i] = versionRow{AgreementVersion: v, Status: v.Status(inForce, now)}
		for _, name := range v.Signers {
			if !slices.ContainsFunc(v.Signatures, func(sg store.Signature) bool { return sg.Signer == name }) {
				rows[i].Missing = append(rows[i].Missing, name)
			}
		}
	}
	slices.Reverse(rows) // newest first
	return rows, inForce, nil
}

func (s *Server) agreementPage(w http.ResponseWriter, r *http.Request) error {
	rows, inForce, err := s.versionRows(r)
	if err != nil {
		return err
	}
	d := agreementData{Versions: rows, InForce: inForce, Zone: s.o.Location}
	if inForce != nil {
		v, err := s.o.Store.AgreementVersion(r.Context(), inForce.Number)
		if err != nil {
			return err
		}
		ag, err := agreement.Parse(v.Body)
		if err != nil {
			return fmt.Errorf("version %d in force no longer parses: %w", v.Number, err)
		}
		d.Description = ag.Describe()
	}
	s.render(w, r, http.StatusOK, "agreement", page{Title: "Agreement", Nav: "agreement", Data: d})
	return nil
}

type versionData struct {
	Version     versionRow
	Body        string
	Description string
	Diff        string
	Against     int
	Notice      string
	Error       string
	CanSign     bool
	Zone        *time.Location
}

func (s *Server) versionOf(r *http.Request) (versionRow, store.AgreementVersion, error) {
	n, err := strconv.Atoi(r.PathValue("n"))
	if err != nil || n < 1 {
		return versionRow{}, store.AgreementVersion{}, httpError{http.StatusNotFound, "There is no agreement version " + r.PathValue("n") + "."}
	}
	rows, _, err := s.versionRows(r)
	if err != nil {
		return versionRow{}, store.AgreementVersion{}, err
	}
	for _, row := range rows {
		if row.Number == n {
			v, err := s.o.Store.AgreementVersion(r.Context(), n)
			return row, v, err
		}
	}
	return versionRow{}, store.AgreementVersion{}, httpError{http.StatusNotFound, fmt.Sprintf("There is no agreement version %d.", n)}
}

func (s *Server) versionPage(w http.ResponseWriter, r *http.Request) error {
	return s.showVersion(w, r, http.StatusOK, "", "")
}

func (s *Server) showVersion(w http.ResponseWriter, r *http.Request, status int, notice, failure string) error {
	row, v, err := s.versionOf(r)
	if err != nil {
		return err
	}
	d := versionData{Version: row, Body: string(v.Body), Notice: notice, Error: failure, Zone: s.o.Location,
		CanSign: sessionOf(r) != nil && writer.allows(roleOf(r))}
	if ag, err := agreement.Parse(v.Body); err == nil {
		d.Description = ag.Describe()
	}
	if v.Number > 1 {
		d.Against = v.Number - 1
		prev, err := s.o.Store.AgreementVersion(r.Context(), d.Against)
		if err != nil {
			return err
		}
		d.Diff = agreement.Diff(fmt.Sprintf("version %d", d.Against), fmt.Sprintf("version %d", v.Number), prev.Body, v.Body)
	}
	s.render(w, r, status, "version", page{Title: fmt.Sprintf("Agreement version %d", v.Number), Nav: "agreement", Data: d})
	return nil
}

// signVersion signs a version as a named signer it lists, through the
// signed-in user, as the API does through a token.
func (s *Server) signVersion(w http.ResponseWriter, r *http.Request) error {
	row, _, err := s.versionOf(r)
	if err != nil {
		return err
	}
	name := strings.TrimSpace(r.PostFormValue("signer"))
	signer, _ := row.Signer(name)
	if signer == "" {
		return s.showVersion(w, r, http.StatusUnprocessableEntity, "", name+" is not a signer of this version.")
	}
	sess := sessionOf(r)
	sig := store.Signature{Version: row.Number, Signer: signer, SignedAt: s.o.Now(), TokenID: sess.user.ID, TokenName: "user:" + sess.user.Email}
	_, err = s.o.Store.SignAgreementVersion(r.Context(), sig)
	s.o.Ingest.Versions().Invalidate()
	switch {
	case errors.Is(err, store.ErrAlreadySigned):
		return s.showVersion(w, r, http.StatusConflict, "", signer+" has already signed this version.")
	case err != nil:
		return err
	}
	return s.showVersion(w, r, http.StatusOK, signer+" signed version "+strconv.Itoa(row.Number)+".", "")
}

type backtestData struct {
	YAML, From, To string
	Error          string
	Comparison     *slareport.Comparison
}

func (s *Server) backtestPage(w http.ResponseWriter, r *http.Request) error {
	d := backtestData{From: s.dayStart(s.today()).AddDate(0, -1, 0).Format(time.DateOnly), To: s.today()}
	if v := r.URL.Query().Get("version"); v != "" {
		if n, err := strconv.Atoi(v); err == nil {
			if av, err := s.o.Store.AgreementVersion(r.Context(), n); err == nil {
				d.YAML = string(av.Body)
			}
		}
	}
	s.render(w, r, http.StatusOK, "backtest", page{Title: "Backtest", Nav: "agreement", Data: d})
	return nil
}

// runBacktest replays the stored events under the proposed agreement in
// the form, beside the agreement in force, for the period; nothing is
// stored.
func (s *Server) runBacktest(w http.ResponseWriter, r *http.Request) error {
	r.Body = http.MaxBytesReader(w, r.Body, 1<<20)
	d := backtestData{YAML: r.PostFormValue("yaml"), From: r.PostFormValue("from"), To: r.PostFormValue("to")}
	fail := func(msg string) error {
		d.Error = msg
		s.render(w, r, http.StatusUnprocessableEntity, "backtest", page{Title: "Backtest", Nav: "agreement", Data: d})
		return nil
	}
	ag, err := agreement.Parse([]byte(d.YAML))
	if err != nil {
		return fail("The proposed agreement is not valid, nothing was replayed: " + err.Error())
	}
	loc := ag.Location
	if loc == nil {
		loc = s.o.Location
	}
	from, err1 := time.ParseInLocation(time.DateOnly, d.From, loc)
	to, err2 := time.ParseInLocation(time.DateOnly, d.To, loc)
	if err1 != nil || err2 != nil || !from.Before(to) {
		return fail("The period needs two days, the first before the second.")
	}
	cur, err := slareport.Load(r.Context(), s.o.Store, from, to)
	if err != nil {
		return err
	}
	prop, err := slareport.Backtest(r.Context(), s.o.Store, ag, from, to, s.o.Ingest.EmailNorm())
	if errors.Is(err, store.ErrNotFound) {
		return fail(err.Error())
	}
	if err != nil {
		return err
	}
	opt := slareport.Options{From: from, To: to, Now: s.o.Now()}
	d.Comparison = slareport.Compare(slareport.Build(cur, opt), slareport.Build(prop, opt))
	s.render(w, r, http.StatusOK, "backtest", page{Title: "Backtest", Nav: "agreement", Data: d})
	return nil
}
