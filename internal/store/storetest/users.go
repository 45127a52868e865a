package storetest

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/accordhq/accord/internal/store"
)

func testUsers(t *testing.T, open Opener) {
	st := open(t)
	ctx := t.Context()
	created := time.Date(2026, 3, 2, 10, 0, 0, 123456789, time.FixedZone("CET", 3600))
	ann := store.User{ID: "usr_ann", Email: "  Ann@Acme.COM ", Name: "Ann", Role: "marketing", PasswordHash: "$2a$hash-1", CreatedAt: created}
	if err := st.CreateUser(ctx, ann, "test"); err != nil {
		t.Fatal(err)
	}
	if err := st.CreateUser(ctx, store.User{ID: "usr_ann2", Email: "ann@acme.com", Name: "Other Ann", Role: "viewer", PasswordHash: "x", CreatedAt: created}, "test"); !errors.Is(err, store.ErrEmailTaken) {
		t.Errorf("a second user with the same email (other case): %v, want ErrEmailTaken", err)
	}
	if err := st.CreateUser(ctx, store.User{ID: "usr_bob", Email: "bob@acme.com", Name: "Bob", Role: "sales", PasswordHash: "$2a$hash-b", CreatedAt: created}, "test"); err != nil {
		t.Fatal(err)
	}
	got, err := st.UserByEmail(ctx, "ANN@acme.com")
	if err != nil {
		t.Fatal(err)
	}
	want := store.User{ID: "usr_ann", Email: "ann@acme.com", Name: "Ann", Role: "marketing", PasswordHash: "$2a$hash-1", CreatedAt: created.UTC().Truncate(time.Microsecond)}
	if got.ID != want.ID || got.Email != want.Email || got.Name != want.Name || got.Role != want.Role || got.PasswordHash != want.PasswordHash ||
		!got.CreatedAt.Equal(want.CreatedAt) || got.CreatedAt.Location() != time.UTC || got.DisabledAt != nil {
		t.Errorf("UserByEmail = %+v, want %+v", got, want)
	}
	if byID, err := st.UserByID(ctx, "usr_ann"); err != nil || byID.Email != "ann@acme.com" {
		t.Errorf("UserByID = %+v, %v", byID, err)
	}
	if _, err := st.UserByEmail(ctx, "nobody@acme.com"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("UserByEmail(unknown) = %v, want ErrNotFound", err)
	}
	list, err := st.Users(ctx)
	if err != nil || len(list) != 2 || list[0].Email != "ann@acme.com" || list[1].Email != "bob@acme.com" {
		t.Errorf("Users() = %+v, %v", list, err)
	}
	if n, err := st.CountUsers(ctx); err != nil || n != 2 {
		t.Errorf("CountUsers() = %d, %v", n, err)
	}

	// An update changes what may change (never the email) and is audited
	// without the password's hash.
	got.Role, got.Name, got.PasswordHash, got.Email = "admin", "Ann Lee", "$2a$hash-2", "hijack@evil.example"
	if err := st.UpdateUser(ctx, got, "admin:test"); err != nil {
		t.Fatal(err)
	}
	after, _ := st.UserByID(ctx, "usr_ann")
	if after.Role != "admin" || after.Name != "Ann Lee" || after.PasswordHash != "$2a$hash-2" || after.Email != "ann@acme.com" {
		t.Errorf("after UpdateUser: %+v", after)
	}
	if err := st.UpdateUser(ctx, store.User{ID: "usr_nobody"}, "test"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("UpdateUser(unknown) = %v, want ErrNotFound", err)
	}
	entries, err := st.AuditAfter(ctx, 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	var actions []string
	for _, e := range entries {
		if strings.HasPrefix(e.Subject, "user/") {
			actions = append(actions, e.Action+" "+e.Subject)
			if strings.Contains(string(e.Detail), "hash") && !strings.Contains(string(e.Detail), "password_changed") {
				t.Errorf("audit entry %s holds the password hash: %s", e.Action, e.Detail)
			}
			if strings.Contains(string(e.Detail), "$2a$") {
				t.Errorf("audit entry %s holds the password hash: %s", e.Action, e.Detail)
			}
		}
	}
	if strings.Join(actions, ", ") != "user.created user/usr_ann, user.created user/usr_bob, user.updated user/usr_ann" {
		t.Errorf("audit: %v", actions)
	}
	last := entries[len(entries)-1]
	if last.Actor != "admin:test" || !strings.Contains(string(last.Detail), `"password_changed":true`) || !strings.Contains(string(last.Detail), `"to":"admin"`) {
		t.Errorf("the update's audit entry: %s by %s", last.Detail, last.Actor)
	}
}

func testSessions(t *testing.T, open Opener) {
	st := open(t)
	ctx := t.Context()
	now := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	u := store.User{ID: "usr_s", Email: "s@acme.com", Name: "S", Role: "sales", PasswordHash: "h1", CreatedAt: now}
	if err := st.CreateUser(ctx, u, "test"); err != nil {
		t.Fatal(err)
	}
	for i, hash := range []string{"sess-a", "sess-b", "sess-old"} {
		exp := now.Add(time.Hour)
		if hash == "sess-old" {
			exp = now.Add(-time.Minute)
		}
		if err := st.CreateSession(ctx, store.Session{Hash: hash, UserID: u.ID, CSRF: "csrf-" + hash, CreatedAt: now.Add(time.Duration(i) * time.Second),
			ExpiresAt: exp, LastSeenAt: now}); err != nil {
			t.Fatal(err)
		}
	}
	s, su, err := st.SessionByHash(ctx, "sess-a", now)
	if err != nil || s.UserID != u.ID || s.CSRF != "csrf-sess-a" || su.Email != "s@acme.com" || su.Role != "sales" ||
		!s.ExpiresAt.Equal(now.Add(time.Hour)) || s.ExpiresAt.Location() != time.UTC {
		t.Fatalf("SessionByHash(sess-a) = %+v, %+v, %v", s, su, err)
	}
	if _, _, err := st.SessionByHash(ctx, "sess-old", now); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("an expired session: %v, want ErrNotFound", err)
	}
	if _, _, err := st.SessionByHash(ctx, "sess-a", now.Add(time.Hour)); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("a session at its expiry: %v, want ErrNotFound", err)
	}
	// Stored times keep whole microseconds, as every other time here.
	if err := st.TouchSession(ctx, "sess-a", now.Add(50*time.Minute+999*time.Nanosecond), now.Add(3*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if s, _, err := st.SessionByHash(ctx, "sess-a", now.Add(2*time.Hour)); err != nil || !s.LastSeenAt.Equal(now.Add(50*time.Minute)) ||
		s.LastSeenAt.Location() != time.UTC || !s.ExpiresAt.Equal(now.Add(3*time.Hour)) {
		t.Errorf("a touched session two hours on: %+v, %v", s, err)
	}
	if n, err := st.DeleteExpiredSessions(ctx, now); err != nil || n != 1 {
		t.Errorf("DeleteExpiredSessions = %d, %v; want the one expired", n, err)
	}
	if err := st.DeleteSession(ctx, "sess-b"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := st.SessionByHash(ctx, "sess-b", now); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("a deleted session: %v", err)
	}
	// A changed role keeps the sessions; a disabled account ends them.
	u.Role = "viewer"
	if err := st.UpdateUser(ctx, u, "test"); err != nil {
		t.Fatal(err)
	}
	if _, su, err := st.SessionByHash(ctx, "sess-a", now); err != nil || su.Role != "viewer" {
		t.Errorf("after a role change: %+v, %v; want the session kept with the new role", su, err)
	}
	off := now.Add(time.Minute)
	u.DisabledAt = &off
	if err := st.UpdateUser(ctx, u, "test"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := st.SessionByHash(ctx, "sess-a", now); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("a disabled user's session: %v, want ErrNotFound", err)
	}
	if got, _ := st.UserByID(ctx, u.ID); got.DisabledAt == nil || !got.DisabledAt.Equal(off) {
		t.Errorf("DisabledAt = %v, want %v", got.DisabledAt, off)
	}
	// Re-enabled, the old sessions stay gone; a new password ends new ones.
	u.DisabledAt = nil
	if err := st.UpdateUser(ctx, u, "test"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := st.SessionByHash(ctx, "sess-a", now); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("a session ended by disabling came back on re-enabling: %v", err)
	}
	if err := st.CreateSession(ctx, store.Session{Hash: "sess-c", UserID: u.ID, CSRF: "c", CreatedAt: now, ExpiresAt: now.Add(time.Hour), LastSeenAt: now}); err != nil {
		t.Fatal(err)
	}
	u.PasswordHash = "h2"
	if err := st.UpdateUser(ctx, u, "test"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := st.SessionByHash(ctx, "sess-c", now); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("a session survived a password change: %v", err)
	}
}
