package client

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// AgreementVersion is one version of the agreement and where it stands.
type AgreementVersion struct {
	Number        int         `json:"number"`
	EffectiveFrom time.Time   `json:"effective_from"`
	UploadedBy    string      `json:"uploaded_by"`
	UploadedAt    time.Time   `json:"uploaded_at"`
	Note          string      `json:"note"`
	Signers       []string    `json:"signers"`
	Signatures    []Signature `json:"signatures"`
	// Status is draft, awaiting_signatures, scheduled, in_force or
	// superseded.
	Status string `json:"status"`
	// Missing names the signers who have not signed yet.
	Missing []string `json:"missing"`
	// InForceFrom is set once every signer has signed: the later of
	// EffectiveFrom and the last signature.
	InForceFrom *time.Time `json:"in_force_from,omitempty"`
	// Name, Description (the agreement in plain words) and YAML (the file
	// as uploaded) are filled in when one version is read, not in lists.
	Name        string `json:"name,omitempty"`
	Description string `json:"description,omitempty"`
	YAML        string `json:"yaml,omitempty"`
}

// Signature is one signer's sign-off, and the token it came through.
type Signature struct {
	Version   int       `json:"version"`
	Signer    string    `json:"signer"`
	SignedAt  time.Time `json:"signed_at"`
	TokenID   string    `json:"token_id"`
	TokenName string    `json:"token_name"`
}

// AgreementVersions is every version, oldest first, and the number of the
// one in force (nil if none is).
type AgreementVersions struct {
	Versions []AgreementVersion `json:"versions"`
	InForce  *int               `json:"in_force"`
}

// AgreementDiff is a unified diff of two versions' YAML, From to To.
type AgreementDiff struct {
	From int    `json:"from"`
	To   int    `json:"to"`
	Same bool   `json:"same"`
	Diff string `json:"diff"`
}

// AuditEntry is one line of the audit log: who did what, when.
type AuditEntry struct {
	Seq     int64           `json:"seq"`
	At      time.Time       `json:"at"`
	Actor   string          `json:"actor"`
	Action  string          `json:"action"`
	Subject string          `json:"subject"`
	Detail  json.RawMessage `json:"detail"`
}

// AuditPage is a page of the audit log.
type AuditPage struct {
	Entries    []AuditEntry `json:"entries"`
	NextCursor string       `json:"next_cursor"`
	HasMore    bool         `json:"has_more"`
}

// Problem is one problem in an agreement the server refused.
type Problem struct {
	Line    int    `json:"line"`
	Column  int    `json:"column"`
	Message string `json:"message"`
}

// UploadAgreement uploads a version of the agreement: the YAML file as it
// is, the time it takes effect (zero for now) and a note. It comes into
// force once every signer it names has signed and effectiveFrom has come.
// An agreement that does not validate is refused with an *Error of status
// 422 whose Problems give each line and column; nothing is stored. It
// needs an admin token.
func (c *Client) UploadAgreement(ctx context.Context, yaml []byte, effectiveFrom time.Time, note string) (*AgreementVersion, error) {
	q := url.Values{}
	if !effectiveFrom.IsZero() {
		q.Set("effective_from", effectiveFrom.Format(time.RFC3339Nano))
	}
	if note != "" {
		q.Set("note", note)
	}
	path := "/api/v1/agreement/versions"
	if len(q) > 0 {
		path += "?" + q.Encode()
	}
	var v AgreementVersion
	if err := c.do(ctx, http.MethodPost, path, "application/yaml", bytes.NewReader(yaml), &v); err != nil {
		return nil, err
	}
	return &v, nil
}

// AgreementVersions lists every version with its status and signatures.
func (c *Client) AgreementVersions(ctx context.Context) (*AgreementVersions, error) {
	var l AgreementVersions
	if err := c.get(ctx, "/api/v1/agreement/versions", nil, &l); err != nil {
		return nil, err
	}
	return &l, nil
}

// AgreementVersion reads one version, with its YAML and plain words.
func (c *Client) AgreementVersion(ctx context.Context, n int) (*AgreementVersion, error) {
	var v AgreementVersion
	if err := c.get(ctx, "/api/v1/agreement/versions/"+strconv.Itoa(n), nil, &v); err != nil {
		return nil, err
	}
	return &v, nil
}

// Agreement reads the version in force now; an *Error of status 404 when
// none is.
func (c *Client) Agreement(ctx context.Context) (*AgreementVersion, error) {
	var v AgreementVersion
	if err := c.get(ctx, "/api/v1/agreement", nil, &v); err != nil {
		return nil, err
	}
	return &v, nil
}

// DiffAgreement compares version n with version against (0: the one
// before n).
func (c *Client) DiffAgreement(ctx context.Context, n, against int) (*AgreementDiff, error) {
	q := url.Values{}
	if against > 0 {
		q.Set("against", strconv.Itoa(against))
	}
	var d AgreementDiff
	if err := c.get(ctx, "/api/v1/agreement/versions/"+strconv.Itoa(n)+"/diff", q, &d); err != nil {
		return nil, err
	}
	return &d, nil
}

// SignAgreement signs version n as signer, a name the version lists. It
// returns the signature and the version as it now stands. Signing twice
// is an *Error of status 409; a name the version does not list, 422. It
// needs an admin, marketing or sales token.
func (c *Client) SignAgreement(ctx context.Context, n int, signer string) (*Signature, *AgreementVersion, error) {
	body, err := json.Marshal(map[string]string{"signer": signer})
	if err != nil {
		return nil, nil, err
	}
	var resp struct {
		Signature Signature        `json:"signature"`
		Version   AgreementVersion `json:"version"`
	}
	if err := c.do(ctx, http.MethodPost, "/api/v1/agreement/versions/"+strconv.Itoa(n)+"/signatures", "application/json", bytes.NewReader(body), &resp); err != nil {
		return nil, nil, err
	}
	return &resp.Signature, &resp.Version, nil
}

// Audit returns up to limit entries of the audit log after the cursor
// after ("" for the start). Pass the page's NextCursor to read on. limit 0
// takes the server's default.
func (c *Client) Audit(ctx context.Context, after string, limit int) (*AuditPage, error) {
	q := url.Values{}
	if after != "" {
		q.Set("after", after)
	}
	if limit > 0 {
		q.Set("limit", strconv.Itoa(limit))
	}
	var page AuditPage
	if err := c.get(ctx, "/api/v1/audit", q, &page); err != nil {
		return nil, err
	}
	return &page, nil
}
