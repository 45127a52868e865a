package cli

import (
	"context"
	"errors"
	"fmt"

	"github.com/accordhq/accord/internal/agreement"
)

var agreementCmd = command{
	name:    "agreement",
	summary: "check an agreement file and say it in plain words (`agreement check FILE`)",
	usage:   "agreement check [--quiet] FILE...",
	example: "accord agreement check examples/agreement/acme.yaml",
	run: func(ctx context.Context, e *env, args []string) error {
		fs := flags(e.cmd, e)
		quiet := fs.Bool("quiet", false, "print only problems, not the agreement in plain words")
		if len(args) == 0 || args[0] != "check" {
			if len(args) > 0 && (args[0] == "-h" || args[0] == "--help" || args[0] == "help") {
				fs.Usage()
				return nil
			}
			if len(args) > 0 {
				fmt.Fprintf(e.stderr, "unknown subcommand %q\n\n", args[0])
			}
			fs.Usage()
			return errUsage
		}
		if err := parse(fs, e, args[1:]); err != nil {
			return err
		}
		if fs.NArg() == 0 {
			fmt.Fprintln(e.stderr, "name the agreement file to check")
			fs.Usage()
			return errUsage
		}
		bad := 0
		for i, path := range fs.Args() {
			a, err := agreement.ParseFile(path)
			var errs agreement.Errors
			switch {
			case errors.As(err, &errs):
				// FILE:LINE:COLUMN: message, as compilers print, so editors can jump to it.
				fmt.Fprintln(e.stderr, errs.Format(path))
				bad += len(errs)
			case err != nil:
				return err
			case *quiet:
			default:
				if i > 0 {
					fmt.Fprintln(e.stdout)
				}
				fmt.Fprint(e.stdout, a.Describe())
			}
		}
		if bad > 0 {
			return fmt.Errorf("%d problem(s) in the agreement", bad)
		}
		return nil
	},
}
