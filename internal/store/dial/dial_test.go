package dial

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/accordhq/accord/internal/store"
)

func TestRedact(t *testing.T) {
	for in, want := range map[string]string{
		"postgres://accord:s3cret@db:5432/accord": "postgres://accord:xxxxx@db:5432/accord",
		"postgres://postgres@127.0.0.1/test":      "postgres://postgres@127.0.0.1/test",
		"sqlite:data/accord.db":                   "sqlite:data/accord.db",
	} {
		if got := Redact(in); got != want {
			t.Errorf("Redact(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestOpenChoosesByScheme(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	for _, url := range []string{"sqlite:" + dir + "/a.db", "sqlite://" + dir + "/b.db", dir + "/c.db"} {
		st, err := Open(ctx, url)
		if err != nil {
			t.Fatalf("Open(%q): %v", url, err)
		}
		if st.Backend() != "sqlite" {
			t.Errorf("Open(%q) gave %s", url, st.Backend())
		}
		st.Close()
	}
	if _, err := Open(ctx, "mysql://x"); err == nil || !strings.Contains(err.Error(), "unknown scheme") {
		t.Fatalf("mysql URL: %v", err)
	}
}

func TestReadyRefusesSchemaBehind(t *testing.T) {
	_, err := Ready(context.Background(), "sqlite:"+t.TempDir()+"/new.db")
	if !errors.Is(err, store.ErrSchemaBehind) || !strings.Contains(err.Error(), "accord migrate") {
		t.Fatalf("got %v, want ErrSchemaBehind naming accord migrate", err)
	}
}
