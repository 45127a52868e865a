// Package dial opens the store a database URL names: sqlite:PATH (or a bare
// file path) for the embedded default, postgres://… for PostgreSQL.
package dial

import (
	"context"
	"fmt"
	"strings"

	"github.com/accordhq/accord/internal/store"
	"github.com/accordhq/accord/internal/store/postgres"
	"github.com/accordhq/accord/internal/store/sqlite"
)

// Open connects to the database url names.
func Open(ctx context.Context, url string) (store.Store, error) {
	switch {
	case strings.HasPrefix(url, "postgres://"), strings.HasPrefix(url, "postgresql://"):
		return postgres.Open(ctx, url)
	case strings.HasPrefix(url, "sqlite://"):
		return sqlite.Open(ctx, strings.TrimPrefix(url, "sqlite://"))
	case strings.HasPrefix(url, "sqlite:"):
		return sqlite.Open(ctx, strings.TrimPrefix(url, "sqlite:"))
	case strings.Contains(url, "://"):
		return nil, fmt.Errorf("database URL %q: unknown scheme (use sqlite:PATH or postgres://…)", url)
	case url == "":
		return nil, fmt.Errorf("no database URL given")
	}
	return sqlite.Open(ctx, url)
}

// Ready opens the store and checks its schema is current, as serving needs.
func Ready(ctx context.Context, url string) (store.Store, error) {
	st, err := Open(ctx, url)
	if err != nil {
		return nil, err
	}
	cur, latest, err := st.SchemaVersion(ctx)
	if err != nil {
		st.Close()
		return nil, err
	}
	switch {
	case cur < latest:
		st.Close()
		return nil, fmt.Errorf("%w: it is at version %d, this accord needs %d; run `accord migrate --db %s`", store.ErrSchemaBehind, cur, latest, Redact(url))
	case cur > latest:
		st.Close()
		return nil, fmt.Errorf("database schema version %d is newer than this accord knows (%d); upgrade accord", cur, latest)
	}
	return st, nil
}

// Redact hides a password in a database URL for logs and messages.
func Redact(url string) string {
	at := strings.LastIndex(url, "@")
	scheme := strings.Index(url, "://")
	if at < 0 || scheme < 0 {
		return url
	}
	userinfo := url[scheme+3 : at]
	if user, _, ok := strings.Cut(userinfo, ":"); ok {
		return url[:scheme+3] + user + ":xxxxx" + url[at:]
	}
	return url
}
