package client

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/accordhq/accord/internal/api"
	"github.com/accordhq/accord/internal/auth"
)

// TestAgreementSignOff uploads, signs, compares and audits a version
// through the client, decoding strictly so a field the API adds shows here.
func TestAgreementSignOff(t *testing.T) {
	t.Parallel()
	url, tokens := newServer(t, api.Limits{})
	ctx := context.Background()
	admin, sales := strictClient(url, tokens[auth.Admin]), strictClient(url, tokens[auth.Sales])
	yaml, err := os.ReadFile("../examples/agreement/acme.yaml")
	if err != nil {
		t.Fatal(err)
	}

	if _, err := sales.Agreement(ctx); StatusCode(err) != 404 {
		t.Fatalf("Agreement before any upload: %v, want 404", err)
	}
	if _, err := sales.UploadAgreement(ctx, yaml, time.Time{}, ""); StatusCode(err) != 403 {
		t.Errorf("sales uploads: %v, want 403", err)
	}
	broken := strings.Replace(string(yaml), "timezone: America/New_York", "timezone: Mars/Olympus_Mons", 1)
	_, err = admin.UploadAgreement(ctx, []byte(broken), time.Time{}, "")
	var e *Error
	if !errors.As(err, &e) || e.StatusCode != 422 || len(e.Problems) == 0 || e.Line != 8 || e.Problems[0].Line != 8 || e.Problems[0].Message == "" {
		t.Fatalf("upload of a broken agreement: %#v", err)
	}

	eff := time.Date(2026, 1, 1, 5, 0, 0, 0, time.UTC)
	v, err := admin.UploadAgreement(ctx, yaml, eff, "FY26")
	if err != nil || v.Number != 1 || v.Status != "draft" || v.YAML != string(yaml) || !v.EffectiveFrom.Equal(eff) || len(v.Missing) != 3 {
		t.Fatalf("UploadAgreement = %+v, %v", v, err)
	}
	for _, name := range v.Signers {
		sig, after, err := sales.SignAgreement(ctx, 1, name)
		if err != nil || sig.Signer != name || sig.TokenName != "sales" {
			t.Fatalf("SignAgreement(%s) = %+v, %v", name, sig, err)
		}
		if name == v.Signers[len(v.Signers)-1] && (after.Status != "in_force" || after.InForceFrom == nil) {
			t.Errorf("after the last signature: %+v", after)
		}
	}
	if _, _, err := sales.SignAgreement(ctx, 1, v.Signers[0]); StatusCode(err) != 409 {
		t.Errorf("signing twice: %v, want 409", err)
	}
	if _, _, err := sales.SignAgreement(ctx, 1, "Somebody Else"); StatusCode(err) != 422 {
		t.Errorf("signing as a stranger: %v, want 422", err)
	}
	if cur, err := sales.Agreement(ctx); err != nil || cur.Number != 1 || !strings.Contains(cur.Description, "Tier A") {
		t.Errorf("Agreement = %+v, %v", cur, err)
	}

	v2 := strings.Replace(string(yaml), "warn_before: 2m", "warn_before: 3m", 1)
	if _, err := admin.UploadAgreement(ctx, []byte(v2), time.Time{}, "warn earlier"); err != nil {
		t.Fatal(err)
	}
	l, err := sales.AgreementVersions(ctx)
	if err != nil || len(l.Versions) != 2 || l.InForce == nil || *l.InForce != 1 || l.Versions[1].Status != "draft" || l.Versions[1].YAML != "" {
		t.Errorf("AgreementVersions = %+v, %v", l, err)
	}
	if got, err := sales.AgreementVersion(ctx, 2); err != nil || got.YAML != v2 {
		t.Errorf("AgreementVersion(2) = %+v, %v", got, err)
	}
	d, err := sales.DiffAgreement(ctx, 2, 0)
	if err != nil || d.From != 1 || d.To != 2 || d.Same || !strings.Contains(d.Diff, "-    warn_before: 2m\n+    warn_before: 3m\n") {
		t.Errorf("DiffAgreement = %+v, %v", d, err)
	}

	page, err := sales.Audit(ctx, "", 3)
	if err != nil || len(page.Entries) != 3 || !page.HasMore || page.NextCursor != "3" {
		t.Fatalf("Audit = %+v, %v", page, err)
	}
	var actions []string
	for after := ""; ; {
		page, err := sales.Audit(ctx, after, 4)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range page.Entries {
			actions = append(actions, e.Actor+" "+e.Action)
		}
		if !page.HasMore {
			break
		}
		after = page.NextCursor
	}
	want := "admin agreement.uploaded, sales agreement.signed, sales agreement.signed, sales agreement.signed, sales agreement.in_force, admin agreement.uploaded"
	if got := strings.Join(actions[len(auth.Roles):], ", "); got != want {
		t.Errorf("audit log = %s\nwant %s", got, want)
	}
}
