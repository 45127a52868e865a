package cli

import (
	"context"
	"errors"
	"fmt"
	"os/user"
	"text/tabwriter"
	"time"

	"github.com/accordhq/accord/internal/auth"
	"github.com/accordhq/accord/internal/config"
	"github.com/accordhq/accord/internal/store"
)

var tokenCmd = command{
	name:    "token",
	summary: "create, list or revoke API tokens",
	usage: "token create --role admin|marketing|sales|viewer|display --name NAME [--db URL]\n" +
		"       accord token list [--db URL]\n" +
		"       accord token revoke ID [--db URL]",
	example: "TOKEN=$(accord token create --role marketing --name hubspot-sync | tail -1)\n" +
		"curl -H \"Authorization: Bearer $TOKEN\" http://127.0.0.1:8080/api/v1/leads\n" +
		"accord token list\n" +
		"accord token revoke tok_3f9a1c2b7d4e",
	run: runToken,
}

func runToken(ctx context.Context, e *env, args []string) error {
	fs := flags(e.cmd, e)
	vals := config.Register(fs, "db", "data-dir")
	role := fs.String("role", "", "create: admin (everything), marketing or sales (send events, read), viewer (read only), display (the wall display, /wall?token=…, and nothing else)")
	name := fs.String("name", "", "create: who or what uses the token, e.g. hubspot-sync")
	if len(args) == 0 {
		fs.Usage()
		return errUsage
	}
	sub, rest := args[0], args[1:]
	if sub == "-h" || sub == "--help" {
		fs.Usage()
		return nil
	}
	// The revoked token's id may come before the flags.
	var id string
	if sub == "revoke" && len(rest) > 0 && rest[0] != "" && rest[0][0] != '-' {
		id, rest = rest[0], rest[1:]
	}
	if err := parse(fs, e, rest); err != nil {
		return err
	}
	switch sub {
	case "create":
		r, err := auth.ParseRole(*role)
		if err != nil {
			return err
		}
		if *name == "" {
			return fmt.Errorf("--name is required")
		}
		_, st, err := openReady(ctx, vals)
		if err != nil {
			return err
		}
		defer st.Close()
		secret, tok, err := auth.New(*name, r, time.Now())
		if err != nil {
			return err
		}
		if err := st.CreateToken(ctx, tok, cliActor()); err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "created token %s (%s, role %s); it is shown only once:\n%s\n", tok.ID, tok.Name, tok.Role, secret)
		return nil
	case "list":
		_, st, err := openReady(ctx, vals)
		if err != nil {
			return err
		}
		defer st.Close()
		toks, err := st.Tokens(ctx)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tNAME\tROLE\tCREATED")
		for _, t := range toks {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", t.ID, t.Name, t.Role, t.CreatedAt.Format(time.RFC3339))
		}
		return tw.Flush()
	case "revoke":
		if id == "" && fs.NArg() > 0 {
			id = fs.Arg(0)
		}
		if id == "" {
			return fmt.Errorf("give the id of the token to revoke (see `accord token list`)")
		}
		_, st, err := openReady(ctx, vals)
		if err != nil {
			return err
		}
		defer st.Close()
		if err := st.RevokeToken(ctx, id, time.Now(), cliActor()); errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("no active token %s (see `accord token list`)", id)
		} else if err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "revoked token %s; requests with it now get 401\n", id)
		return nil
	}
	fs.Usage()
	return errUsage
}

// cliActor names who is at the command line, for the audit log.
func cliActor() string {
	if u, err := user.Current(); err == nil && u.Username != "" {
		return "cli:" + u.Username
	}
	return "cli"
}
