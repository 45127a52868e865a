package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"golang.org/x/term"

	"github.com/accordhq/accord/internal/auth"
	"github.com/accordhq/accord/internal/config"
	"github.com/accordhq/accord/internal/store"
)

var userCmd = command{
	name:    "user",
	summary: "create, list, disable or enable the web app's users, or set a password",
	usage: "user create --email EMAIL --name NAME --role admin|marketing|sales|viewer [--password-stdin] [--db URL]\n" +
		"       accord user list [--db URL]\n" +
		"       accord user set-password --email EMAIL [--password-stdin] [--db URL]\n" +
		"       accord user disable --email EMAIL [--db URL]\n" +
		"       accord user enable --email EMAIL [--db URL]\n\n" +
		"Without --password-stdin the password is taken from ACCORD_PASSWORD if set, or else\n" +
		"asked for twice on the terminal. It needs at least 10 characters and at most 72 bytes.",
	example: "accord user create --email ann@acme.example --name 'Ann Lee' --role admin\n" +
		"printf '%s' \"$PW\" | accord user create --email bo@acme.example --name Bo --role sales --password-stdin\n" +
		"accord user list\n" +
		"accord user disable --email bo@acme.example",
	run: runUser,
}

// stdin is where --password-stdin and the prompts read; tests replace it.
var stdin io.Reader = os.Stdin

func runUser(ctx context.Context, e *env, args []string) error {
	fs := flags(e.cmd, e)
	vals := config.Register(fs, "db", "data-dir")
	email := fs.String("email", "", "the user's email address, which they sign in with")
	name := fs.String("name", "", "create: the user's name, as the web app shows it")
	role := fs.String("role", "", "create: admin (everything), marketing or sales (send events, read), viewer (read only)")
	pwStdin := fs.Bool("password-stdin", false, "create, set-password: read the password from standard input (a trailing newline is dropped)")
	if len(args) == 0 {
		fs.Usage()
		return errUsage
	}
	sub, rest := args[0], args[1:]
	if sub == "-h" || sub == "--help" {
		fs.Usage()
		return nil
	}
	if err := parse(fs, e, rest); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q (flags are --email, --name, --role)", fs.Arg(0))
	}
	switch sub {
	case "create":
		r, err := userRole(*role)
		if err != nil {
			return err
		}
		addr := store.NormalizeEmail(*email)
		if !strings.Contains(addr, "@") {
			return fmt.Errorf("--email is required: the address the user signs in with")
		}
		if strings.TrimSpace(*name) == "" {
			return fmt.Errorf("--name is required")
		}
		// Ask for the password before opening the database, so a refused
		// one costs nothing and the prompt is not kept waiting on it.
		hash, err := newPasswordHash(e, *pwStdin)
		if err != nil {
			return err
		}
		id, err := auth.NewUserID()
		if err != nil {
			return err
		}
		_, st, err := openReady(ctx, vals)
		if err != nil {
			return err
		}
		defer st.Close()
		u := store.User{ID: id, Email: addr, Name: strings.TrimSpace(*name), Role: string(r), PasswordHash: hash, CreatedAt: time.Now()}
		if err := st.CreateUser(ctx, u, cliActor()); errors.Is(err, store.ErrEmailTaken) {
			return fmt.Errorf("%s already has an account (see `accord user list`)", addr)
		} else if err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "created user %s (%s, role %s)\n", u.ID, u.Email, u.Role)
		return nil
	case "list":
		_, st, err := openReady(ctx, vals)
		if err != nil {
			return err
		}
		defer st.Close()
		us, err := st.Users(ctx)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tEMAIL\tNAME\tROLE\tCREATED\tSTATUS")
		for _, u := range us {
			status := "active"
			if u.DisabledAt != nil {
				status = "disabled " + u.DisabledAt.Format(time.RFC3339)
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", u.ID, u.Email, u.Name, u.Role, u.CreatedAt.Format(time.RFC3339), status)
		}
		return tw.Flush()
	case "set-password", "disable", "enable":
		if strings.TrimSpace(*email) == "" {
			return fmt.Errorf("--email is required: whose account to change")
		}
		_, st, err := openReady(ctx, vals)
		if err != nil {
			return err
		}
		defer st.Close()
		u, err := st.UserByEmail(ctx, *email)
		if errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("no user %s (see `accord user list`)", store.NormalizeEmail(*email))
		} else if err != nil {
			return err
		}
		var done string
		switch sub {
		case "set-password":
			if u.PasswordHash, err = newPasswordHash(e, *pwStdin); err != nil {
				return err
			}
			done = "set a new password for %s; its browsers are signed out\n"
		case "disable":
			if u.DisabledAt != nil {
				fmt.Fprintf(e.stdout, "%s is already disabled\n", u.Email)
				return nil
			}
			now := time.Now()
			u.DisabledAt = &now
			done = "disabled %s; its browsers are signed out and it can no longer sign in\n"
		case "enable":
			if u.DisabledAt == nil {
				fmt.Fprintf(e.stdout, "%s is already enabled\n", u.Email)
				return nil
			}
			u.DisabledAt = nil
			done = "enabled %s; it can sign in again\n"
		}
		if err := st.UpdateUser(ctx, u, cliActor()); err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, done, u.Email)
		return nil
	}
	fs.Usage()
	return errUsage
}

// userRole checks a user's role: any token role but display, which is for
// wall screens, not people.
func userRole(s string) (auth.Role, error) {
	r, err := auth.ParseRole(s)
	if err != nil || r == auth.Display {
		return "", fmt.Errorf("--role %q is not a user's role (one of admin, marketing, sales, viewer)", s)
	}
	return r, nil
}

// newPasswordHash gets a new password (from stdin, ACCORD_PASSWORD or the
// terminal, in that order) and hashes it, refusing one the rules do not
// allow.
func newPasswordHash(e *env, fromStdin bool) (string, error) {
	pw, err := readPassword(e, fromStdin)
	if err != nil {
		return "", err
	}
	return auth.HashPassword(pw)
}

func readPassword(e *env, fromStdin bool) (string, error) {
	if fromStdin {
		// A password longer than this is refused anyway; the limit only
		// stops a mistaken pipe from being read whole.
		b, err := io.ReadAll(io.LimitReader(stdin, 4096))
		if err != nil {
			return "", fmt.Errorf("read the password from standard input: %w", err)
		}
		// `echo pw |` adds a newline that is not part of the password.
		pw := strings.TrimSuffix(strings.TrimSuffix(string(b), "\n"), "\r")
		return pw, nil
	}
	if pw := os.Getenv("ACCORD_PASSWORD"); pw != "" {
		return pw, nil
	}
	f, ok := stdin.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return "", errors.New("no terminal to ask for the password on: pipe it in with --password-stdin (or set ACCORD_PASSWORD)")
	}
	ask := func(prompt string) (string, error) {
		fmt.Fprint(e.stderr, prompt)
		b, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(e.stderr) // the user's Enter was not echoed either
		if err != nil {
			return "", fmt.Errorf("read the password: %w", err)
		}
		return string(b), nil
	}
	pw, err := ask("Password (at least 10 characters): ")
	if err != nil {
		return "", err
	}
	again, err := ask("Password again: ")
	if err != nil {
		return "", err
	}
	if pw != again {
		return "", errors.New("the two passwords differ; nothing was changed")
	}
	return pw, nil
}
