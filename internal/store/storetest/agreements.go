package storetest

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/accordhq/accord/internal/store"
)

// day is a point on the timeline, in days after T0.
func day(n float64) time.Time { return T0.Add(time.Duration(n * 24 * float64(time.Hour))) }

// upload stores a version and fails the test on error.
func upload(t *testing.T, st store.Store, body string, effective time.Time, signers ...string) store.AgreementVersion {
	t.Helper()
	v, err := st.CreateAgreementVersion(t.Context(), store.NewAgreementVersion{
		Body: []byte(body), EffectiveFrom: effective, UploadedBy: "admin", UploadedAt: effective.Add(-time.Hour),
		Signers: signers, Note: "note " + body[:min(len(body), 8)],
	})
	if err != nil {
		t.Fatalf("CreateAgreementVersion: %v", err)
	}
	return v
}

// sign records a signature and fails the test on error.
func sign(t *testing.T, st store.Store, version int, signer string, at time.Time) store.AgreementVersion {
	t.Helper()
	v, err := st.SignAgreementVersion(t.Context(), store.Signature{Version: version, Signer: signer, SignedAt: at, TokenID: "tok_" + signer, TokenName: signer + "'s token"})
	if err != nil {
		t.Fatalf("sign v%d as %s: %v", version, signer, err)
	}
	return v
}

// testAgreementVersions: versions are numbered in upload order and their
// bodies come back byte for byte, however odd the bytes.
func testAgreementVersions(t *testing.T, open Opener) {
	st := open(t)
	ctx := t.Context()
	if vs, err := st.AgreementVersions(ctx); err != nil || len(vs) != 0 {
		t.Fatalf("AgreementVersions on an empty store = %v, %v", vs, err)
	}
	bodies := []string{
		"name: plain\n",
		"\ufeffname: BOM, CRLF and trailing spaces   \r\nsigners: [Zoë Ørsted]\r\n\t# tab\r\n",
		"name: no final newline\n\n\n# über — “quotes” 日本\x00",
	}
	// A creation time with nanoseconds, in a zone: kept to the microsecond
	// and read back in UTC.
	eff := time.Date(2026, 4, 1, 0, 0, 0, 987654321, time.FixedZone("EST", -5*3600))
	for i, b := range bodies {
		nv := store.NewAgreementVersion{Body: []byte(b), EffectiveFrom: eff, UploadedBy: "ops token",
			UploadedAt: eff.Add(-time.Duration(i) * time.Hour), Signers: []string{"Dana", "Marcus"}[:i%3], Note: fmt.Sprintf("upload %d", i+1)}
		v, err := st.CreateAgreementVersion(ctx, nv)
		if err != nil {
			t.Fatal(err)
		}
		if v.Number != i+1 || !bytes.Equal(v.Body, nv.Body) || !v.EffectiveFrom.Equal(eff.Truncate(time.Microsecond)) ||
			v.EffectiveFrom.Location() != time.UTC || len(v.Signatures) != 0 {
			t.Errorf("upload %d returned %+v", i+1, v)
		}
	}
	for i, b := range bodies {
		v, err := st.AgreementVersion(ctx, i+1)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(v.Body, []byte(b)) {
			t.Errorf("version %d body = %q, want %q", i+1, v.Body, b)
		}
		want := store.AgreementVersion{Number: i + 1, EffectiveFrom: eff.UTC().Truncate(time.Microsecond), UploadedBy: "ops token",
			UploadedAt: eff.UTC().Truncate(time.Microsecond).Add(-time.Duration(i) * time.Hour), Note: fmt.Sprintf("upload %d", i+1),
			Signers: []string{"Dana", "Marcus"}[:i%3], Signatures: []store.Signature{}, Body: []byte(b)}
		if got, w := mustJSON(t, v), mustJSON(t, want); got != w || v.UploadedAt.Location() != time.UTC {
			t.Errorf("version %d = %s, want %s", i+1, got, w)
		}
	}
	list, err := st.AgreementVersions(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 3 || list[0].Number != 1 || list[2].Number != 3 || list[2].Body != nil || !slices.Equal(list[2].Signers, []string{"Dana", "Marcus"}) {
		t.Errorf("AgreementVersions = %s", mustJSON(t, list))
	}
	if _, err := st.AgreementVersion(ctx, 4); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("AgreementVersion(4) error = %v, want ErrNotFound", err)
	}

	// Uploads at once still get numbers 4…11, each once.
	var wg sync.WaitGroup
	nums := make(chan int, 8)
	for i := range 8 {
		wg.Go(func() {
			v, err := st.CreateAgreementVersion(ctx, store.NewAgreementVersion{Body: []byte(fmt.Sprintf("n: %d\n", i)),
				EffectiveFrom: eff, UploadedBy: "racer", UploadedAt: eff, Signers: []string{"A"}})
			if err != nil {
				t.Error(err)
				return
			}
			nums <- v.Number
		})
	}
	wg.Wait()
	close(nums)
	got := slices.Sorted(func(yield func(int) bool) {
		for n := range nums {
			if !yield(n) {
				return
			}
		}
	})
	if !slices.Equal(got, []int{4, 5, 6, 7, 8, 9, 10, 11}) {
		t.Errorf("concurrent uploads were numbered %v, want 4…11", got)
	}
	entries, err := st.AuditAfter(ctx, 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	for i, e := range entries {
		if e.Seq != int64(i+1) {
			t.Fatalf("audit entry %d has seq %d; want 1, 2, 3… without gaps", i, e.Seq)
		}
	}
}

// testAgreementSignatures: only a listed signer signs, and only once.
func testAgreementSignatures(t *testing.T, open Opener) {
	st := open(t)
	ctx := t.Context()
	upload(t, st, "v1: true\n", day(0), "Dana Whitfield", "Marcus Obi")
	try := func(version int, signer string) error {
		_, err := st.SignAgreementVersion(ctx, store.Signature{Version: version, Signer: signer, SignedAt: day(1), TokenID: "tok_x", TokenName: "x"})
		return err
	}
	if err := try(2, "Dana Whitfield"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("signing version 2, which does not exist: %v, want ErrNotFound", err)
	}
	if err := try(1, "Priya Raman"); !errors.Is(err, store.ErrNotSigner) {
		t.Errorf("signing as someone the version does not list: %v, want ErrNotSigner", err)
	}
	signedAt := time.Date(2026, 3, 3, 10, 0, 0, 123456789, time.FixedZone("CET", 3600))
	v := sign(t, st, 1, "Dana Whitfield", signedAt)
	want := []store.Signature{{Version: 1, Signer: "Dana Whitfield", SignedAt: signedAt.UTC().Truncate(time.Microsecond), TokenID: "tok_Dana Whitfield", TokenName: "Dana Whitfield's token"}}
	if !slices.Equal(v.Signatures, want) || v.Signatures[0].SignedAt.Location() != time.UTC {
		t.Errorf("after Dana signs, signatures = %+v, want %+v", v.Signatures, want)
	}
	if !slices.Equal(v.Missing(), []string{"Marcus Obi"}) {
		t.Errorf("Missing() = %v, want Marcus Obi", v.Missing())
	}
	if err := try(1, "Dana Whitfield"); !errors.Is(err, store.ErrAlreadySigned) {
		t.Errorf("signing twice: %v, want ErrAlreadySigned", err)
	}
	if v, err := st.AgreementVersion(ctx, 1); err != nil || !slices.Equal(v.Signatures, want) {
		t.Errorf("after a refused second signature: %+v, %v; want the first only", v.Signatures, err)
	}
	v = sign(t, st, 1, "Marcus Obi", day(2))
	if len(v.Signatures) != 2 || len(v.Missing()) != 0 {
		t.Errorf("after both sign: %s", mustJSON(t, v))
	}
	if list, err := st.AgreementVersions(ctx); err != nil || len(list) != 1 || len(list[0].Signatures) != 2 || list[0].Signatures[1].Signer != "Marcus Obi" {
		t.Errorf("AgreementVersions = %s, %v", mustJSON(t, list), err)
	}
}

// testAgreementInForce walks a timeline: a version is in force once every
// signer has signed and its effective_from has come; the latest dated such
// version wins; a version with a signature missing never displaces one in
// force.
func testAgreementInForce(t *testing.T, open Opener) {
	st := open(t)
	ctx := t.Context()
	inForce := func(at time.Time) int {
		t.Helper()
		v, err := st.InForce(ctx, at)
		if errors.Is(err, store.ErrNotFound) {
			return 0
		}
		if err != nil {
			t.Fatal(err)
		}
		return v.Number
	}
	if n := inForce(day(0)); n != 0 {
		t.Fatalf("InForce on an empty store = v%d", n)
	}
	upload(t, st, "v1\n", day(0), "A", "B")
	sign(t, st, 1, "A", day(0.1))
	if n := inForce(day(0.2)); n != 0 {
		t.Errorf("v1 with B's signature missing is in force: v%d", n)
	}
	sign(t, st, 1, "B", day(0.3))
	// v2, for next quarter, signed at once.
	upload(t, st, "v2\n", day(10), "A")
	sign(t, st, 2, "A", day(0.5))
	// v3 dated earlier than v2 and signed late; v4 dated later but never
	// fully signed; v5 names no signers.
	upload(t, st, "v3\n", day(5), "A", "B")
	sign(t, st, 3, "A", day(1))
	upload(t, st, "v4\n", day(20), "A", "B")
	sign(t, st, 4, "B", day(1))
	upload(t, st, "v5\n", day(30))
	// v6 is uploaded on day 40, dated day 35: it was not in force before
	// it existed, so what was in force on days 35 to 40 stays v5.
	if _, err := st.CreateAgreementVersion(ctx, store.NewAgreementVersion{Body: []byte("v6\n"), EffectiveFrom: day(35),
		UploadedBy: "admin", UploadedAt: day(40)}); err != nil {
		t.Fatal(err)
	}

	timeline := []struct {
		at   float64
		want int
	}{
		{-1, 0}, {0.2, 0}, {0.3, 1}, {4.99, 1},
		{5, 1},  // v3 is due but lacks B
		{10, 2}, // v2 takes over on its date
		{25, 2}, // v4 lacks A
		{30, 5}, // v5 needs no one
		{39, 5}, // v6 is dated day 35 but was uploaded on day 40
		{40, 6},
	}
	for _, c := range timeline {
		if n := inForce(day(c.at)); n != c.want {
			t.Errorf("InForce(day %v) = v%d, want v%d", c.at, n, c.want)
		}
	}
	// B signs v3 on day 12, when v2 (dated later) is already in force:
	// v3 never takes over.
	sign(t, st, 3, "B", day(12))
	if n := inForce(day(12)); n != 2 {
		t.Errorf("InForce(day 12) after v3 is signed = v%d, want v2 (dated later)", n)
	}
	// History does not change: on day 6 v3 was not yet signed.
	if n := inForce(day(6)); n != 1 {
		t.Errorf("InForce(day 6) = v%d, want v1 (v3 was signed only on day 12)", n)
	}
	// The SQL agrees with the rule as written in Go at every instant.
	list, err := st.AgreementVersions(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for at := -1.0; at <= 42; at += 0.25 {
		want := 0
		if v := store.InForceAt(list, day(at)); v != nil {
			want = v.Number
		}
		if n := inForce(day(at)); n != want {
			t.Errorf("InForce(day %v) = v%d; store.InForceAt says v%d", at, n, want)
		}
	}
	// Statuses on day 15.
	now := day(15)
	cur, err := st.InForce(ctx, now)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, v := range list {
		got = append(got, fmt.Sprintf("v%d %s", v.Number, v.Status(&cur, now)))
	}
	want := []string{"v1 superseded", "v2 in_force", "v3 superseded", "v4 awaiting_signatures", "v5 scheduled", "v6 scheduled"}
	if !slices.Equal(got, want) {
		t.Errorf("statuses on day 15 = %v, want %v", got, want)
	}
}

// testAudit: every change appends who did what, in order, in the same
// words on every backend.
func testAudit(t *testing.T, open Opener) {
	st := open(t)
	ctx := t.Context()
	at := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	tok := store.Token{ID: "tok_1", Name: "CRM", Role: "marketing", Hash: "h1", CreatedAt: at}
	if err := st.CreateToken(ctx, tok, "cli:ops"); err != nil {
		t.Fatal(err)
	}
	if _, err := st.CreateAgreementVersion(ctx, store.NewAgreementVersion{Body: []byte("name: x\n"), EffectiveFrom: at.Add(24 * time.Hour),
		UploadedBy: "admin-token", UploadedAt: at.Add(time.Minute), Signers: []string{"Dana", "Marcus"}, Note: "first"}); err != nil {
		t.Fatal(err)
	}
	sign(t, st, 1, "Dana", at.Add(2*time.Minute))
	// Refused writes leave no trace.
	if _, err := st.SignAgreementVersion(ctx, store.Signature{Version: 1, Signer: "Dana", SignedAt: at, TokenID: "t", TokenName: "t"}); !errors.Is(err, store.ErrAlreadySigned) {
		t.Fatalf("second signature: %v", err)
	}
	if err := st.RevokeToken(ctx, "tok_nope", at, "x"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("revoking an unknown token: %v", err)
	}
	sign(t, st, 1, "Marcus", at.Add(3*time.Minute))
	if err := st.RevokeToken(ctx, "tok_1", at.Add(4*time.Minute), "admin-token"); err != nil {
		t.Fatal(err)
	}
	if _, err := st.CreateAgreementVersion(ctx, store.NewAgreementVersion{Body: []byte("name: y\n"), EffectiveFrom: at,
		UploadedBy: "admin-token", UploadedAt: at.Add(5 * time.Minute)}); err != nil {
		t.Fatal(err)
	}
	want := strings.Join([]string{
		`{"seq":1,"at":"2026-03-02T09:00:00Z","actor":"cli:ops","action":"token.created","subject":"token/tok_1","detail":{"id":"tok_1","name":"CRM","role":"marketing"}}`,
		`{"seq":2,"at":"2026-03-02T09:01:00Z","actor":"admin-token","action":"agreement.uploaded","subject":"agreement/1","detail":{"number":1,"effective_from":"2026-03-03T09:00:00Z","signers":["Dana","Marcus"],"note":"first","bytes":8,"sha256":"a2a79ea37edb1963efaae29281523ab441a8a99df048d204f22f3f413e325afc"}}`,
		`{"seq":3,"at":"2026-03-02T09:02:00Z","actor":"Dana's token","action":"agreement.signed","subject":"agreement/1","detail":{"number":1,"signer":"Dana","token_id":"tok_Dana"}}`,
		`{"seq":4,"at":"2026-03-02T09:03:00Z","actor":"Marcus's token","action":"agreement.signed","subject":"agreement/1","detail":{"number":1,"signer":"Marcus","token_id":"tok_Marcus"}}`,
		`{"seq":5,"at":"2026-03-02T09:03:00Z","actor":"Marcus's token","action":"agreement.in_force","subject":"agreement/1","detail":{"number":1,"in_force_from":"2026-03-03T09:00:00Z"}}`,
		`{"seq":6,"at":"2026-03-02T09:04:00Z","actor":"admin-token","action":"token.revoked","subject":"token/tok_1","detail":{"id":"tok_1","name":"CRM","role":"marketing"}}`,
		`{"seq":7,"at":"2026-03-02T09:05:00Z","actor":"admin-token","action":"agreement.uploaded","subject":"agreement/2","detail":{"number":2,"effective_from":"2026-03-02T09:00:00Z","signers":[],"note":"","bytes":8,"sha256":"7a51140bd25a3f50d95597f0e4637f99ba704a8461f93c48c8197c82854e460f"}}`,
		// Dated before its upload, it is in force from the upload.
		`{"seq":8,"at":"2026-03-02T09:05:00Z","actor":"admin-token","action":"agreement.in_force","subject":"agreement/2","detail":{"number":2,"in_force_from":"2026-03-02T09:05:00Z"}}`,
	}, "\n")
	// Page through three at a time, as a client would.
	var lines []string
	var after int64
	for {
		page, err := st.AuditAfter(ctx, after, 3)
		if err != nil {
			t.Fatal(err)
		}
		if len(page) == 0 {
			break
		}
		for _, e := range page {
			lines = append(lines, mustJSON(t, e))
		}
		after = page[len(page)-1].Seq
	}
	sameText(t, "audit log", strings.Join(lines, "\n"), want)
}
