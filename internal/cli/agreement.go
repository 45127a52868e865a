package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/accordhq/accord/internal/agreement"
	"github.com/accordhq/accord/internal/config"
	"github.com/accordhq/accord/internal/store"
)

var agreementCmd = command{
	name:    "agreement",
	summary: "check an agreement file; upload, sign, list and backtest its versions",
	usage: "agreement check [--quiet] FILE...\n" +
		"       accord agreement upload FILE [--effective-from DATE|TIME] [--note TEXT] [--db URL]\n" +
		"       accord agreement sign N --as NAME [--db URL]\n" +
		"       accord agreement list [--db URL]\n" +
		"       accord agreement backtest FILE [--from DATE] [--to DATE] [--by owner|team|tier|rule|source] [--format text|json|csv] [--db URL]",
	example: "accord agreement check examples/agreement/acme.yaml\n" +
		"accord agreement upload examples/agreement/acme.yaml --effective-from 2026-04-01 --note \"Q2: tier A in 5 minutes\"\n" +
		"accord agreement sign 1 --as \"Dana Whitfield\"\n" +
		"accord agreement list\n" +
		"accord agreement backtest examples/agreement/acme.yaml --from 2026-03-01 --to 2026-04-01 --by rule",
	run: runAgreement,
}

func runAgreement(ctx context.Context, e *env, args []string) error {
	if len(args) > 0 && args[0] == "backtest" {
		return runBacktest(ctx, e, args[1:])
	}
	fs := flags(e.cmd, e)
	vals := config.Register(fs, "db", "data-dir")
	quiet := fs.Bool("quiet", false, "check: print only problems, not the agreement in plain words")
	effective := fs.String("effective-from", "", "upload: when the version takes effect, an RFC 3339 time or a date (midnight in the agreement's time zone); default now")
	note := fs.String("note", "", "upload: what changed, for the record")
	as := fs.String("as", "", "sign: the signer's name, as the version lists it")
	if len(args) == 0 {
		fs.Usage()
		return errUsage
	}
	sub, rest := args[0], args[1:]
	switch sub {
	case "-h", "--help", "help":
		fs.Usage()
		return nil
	case "check", "upload", "sign", "list":
	default:
		fmt.Fprintf(e.stderr, "unknown subcommand %q\n\n", sub)
		fs.Usage()
		return errUsage
	}
	pos, err := parseInterleaved(fs, e, rest)
	if err != nil {
		return err
	}
	switch sub {
	case "check":
		if len(pos) == 0 {
			fmt.Fprintln(e.stderr, "name the agreement file to check")
			fs.Usage()
			return errUsage
		}
		return checkAgreements(e, pos, *quiet)
	case "upload":
		if len(pos) != 1 {
			fmt.Fprintln(e.stderr, "name the one agreement file to upload")
			fs.Usage()
			return errUsage
		}
		return uploadAgreement(ctx, e, vals, pos[0], *effective, *note)
	case "sign":
		if len(pos) != 1 || strings.TrimSpace(*as) == "" {
			fmt.Fprintln(e.stderr, "give the version number and who signs: accord agreement sign N --as NAME")
			fs.Usage()
			return errUsage
		}
		n, err := strconv.Atoi(pos[0])
		if err != nil || n < 1 {
			return fmt.Errorf("%q is not a version number (see `accord agreement list`)", pos[0])
		}
		return signAgreement(ctx, e, vals, n, *as)
	default:
		return listAgreementVersions(ctx, e, vals)
	}
}

// parseInterleaved parses flags that may come before or after the
// positional arguments (`upload FILE --note x` and `upload --note x FILE`).
func parseInterleaved(fs *flag.FlagSet, e *env, args []string) ([]string, error) {
	var pos []string
	for {
		if err := parse(fs, e, args); err != nil {
			return nil, err
		}
		if fs.NArg() == 0 {
			return pos, nil
		}
		pos, args = append(pos, fs.Arg(0)), fs.Args()[1:]
	}
}

func checkAgreements(e *env, paths []string, quiet bool) error {
	bad := 0
	for i, path := range paths {
		a, err := agreement.ParseFile(path)
		var errs agreement.Errors
		switch {
		case errors.As(err, &errs):
			// FILE:LINE:COLUMN: message, as compilers print, so editors can jump to it.
			fmt.Fprintln(e.stderr, errs.Format(path))
			bad += len(errs)
		case err != nil:
			return err
		case quiet:
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
}

// uploadAgreement validates the file and stores it as the next version,
// straight in the database, as the API's upload does.
func uploadAgreement(ctx context.Context, e *env, vals map[string]*string, path, effective, note string) error {
	body, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	a, err := agreement.Parse(body)
	var errs agreement.Errors
	if errors.As(err, &errs) {
		fmt.Fprintln(e.stderr, errs.Format(path))
		return fmt.Errorf("%d problem(s) in the agreement; nothing was stored", len(errs))
	}
	if err != nil {
		return err
	}
	now := time.Now()
	eff := now
	if effective != "" {
		if eff, err = a.EffectiveFrom(effective); err != nil {
			return fmt.Errorf("--effective-from: %w", err)
		}
	}
	signers := make([]string, len(a.Signers))
	for i, s := range a.Signers {
		signers[i] = s.Name
	}
	_, st, err := openReady(ctx, vals)
	if err != nil {
		return err
	}
	defer st.Close()
	v, err := st.CreateAgreementVersion(ctx, store.NewAgreementVersion{
		Body: body, EffectiveFrom: eff, UploadedBy: cliActor(), UploadedAt: now, Signers: signers, Note: note,
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "stored %s as version %d, effective from %s\n", path, v.Number, v.EffectiveFrom.Format(time.RFC3339))
	if len(signers) > 0 {
		fmt.Fprintf(e.stdout, "it comes into force once signed by %s\n", strings.Join(signers, ", "))
	}
	return nil
}

func signAgreement(ctx context.Context, e *env, vals map[string]*string, n int, as string) error {
	_, st, err := openReady(ctx, vals)
	if err != nil {
		return err
	}
	defer st.Close()
	v, err := st.AgreementVersion(ctx, n)
	if errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("no agreement version %d (see `accord agreement list`)", n)
	}
	if err != nil {
		return err
	}
	signer, ok := v.Signer(as)
	if !ok {
		return fmt.Errorf("%s is not a signer of version %d; its signers are %s", as, n, strings.Join(v.Signers, ", "))
	}
	now := time.Now()
	v, err = st.SignAgreementVersion(ctx, store.Signature{Version: n, Signer: signer, SignedAt: now, TokenID: "cli", TokenName: cliActor()})
	if errors.Is(err, store.ErrAlreadySigned) {
		return fmt.Errorf("%s already signed version %d", signer, n)
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "%s signed version %d\n", signer, n)
	if missing := v.Missing(); len(missing) > 0 {
		fmt.Fprintf(e.stdout, "still to sign: %s\n", strings.Join(missing, ", "))
		return nil
	}
	cur, err := inForceNow(ctx, st, now)
	if err != nil {
		return err
	}
	from, _ := v.InForceFrom()
	switch v.Status(cur, now) {
	case store.StatusInForce:
		fmt.Fprintf(e.stdout, "version %d is now in force\n", n)
	case store.StatusScheduled:
		fmt.Fprintf(e.stdout, "version %d is signed and comes into force on %s\n", n, from.Format(time.RFC3339))
	default:
		fmt.Fprintf(e.stdout, "version %d is signed, but version %d, dated later, is in force\n", n, cur.Number)
	}
	return nil
}

func listAgreementVersions(ctx context.Context, e *env, vals map[string]*string) error {
	_, st, err := openReady(ctx, vals)
	if err != nil {
		return err
	}
	defer st.Close()
	vs, err := st.AgreementVersions(ctx)
	if err != nil {
		return err
	}
	now := time.Now()
	cur, err := inForceNow(ctx, st, now)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "VERSION\tSTATUS\tEFFECTIVE FROM\tUPLOADED BY\tMISSING\tNOTE")
	for _, v := range vs {
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\n", v.Number, v.Status(cur, now), v.EffectiveFrom.Format(time.RFC3339),
			v.UploadedBy, strings.Join(v.Missing(), ", "), v.Note)
	}
	return tw.Flush()
}

func inForceNow(ctx context.Context, st store.Store, now time.Time) (*store.AgreementVersion, error) {
	v, err := st.InForce(ctx, now)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return &v, nil
}
