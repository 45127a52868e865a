// Package cli implements accord's commands. Each command parses its own
// flags, opens what it needs and returns an error; Run prints it.
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/accordhq/accord/internal/config"
	"github.com/accordhq/accord/internal/store"
	"github.com/accordhq/accord/internal/store/dial"
)

// command is one `accord NAME`.
type command struct {
	name, summary, usage, example string
	run                           func(ctx context.Context, env *env, args []string) error
}

// env is what commands write to.
type env struct {
	stdout, stderr io.Writer
	// cmd is the command being run (its run func cannot name its own var
	// without an initialisation cycle).
	cmd command
}

func commands() []command {
	return []command{
		serveCmd, demoCmd, migrateCmd, tokenCmd, userCmd, importCmd, rebuildCmd, benchCmd, agreementCmd, reportCmd, planCmd, digestCmd,
	}
}

// Run runs the command named by args[0] and returns the exit code.
func Run(args []string, stdout, stderr io.Writer) int {
	e := &env{stdout: stdout, stderr: stderr}
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		if len(args) > 1 {
			for _, c := range commands() {
				if c.name == args[1] {
					printUsage(stderr, c, nil)
					return 0
				}
			}
		}
		usage(stderr)
		return 0
	}
	for _, c := range commands() {
		if c.name != args[0] {
			continue
		}
		e.cmd = c
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		defer stop()
		err := c.run(ctx, e, args[1:])
		switch {
		case err == nil:
			return 0
		case errors.Is(err, flag.ErrHelp):
			return 0
		case errors.Is(err, errUsage):
			return 2
		}
		fmt.Fprintf(stderr, "accord %s: %v\n", c.name, err)
		return 1
	}
	fmt.Fprintf(stderr, "accord: unknown command %q\n\n", args[0])
	usage(stderr)
	return 2
}

var errUsage = errors.New("usage")

func usage(w io.Writer) {
	fmt.Fprintln(w, "accord runs the service-level agreement between sales and marketing.")
	fmt.Fprintln(w, "\nUsage: accord COMMAND [flags]\n\nCommands:")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-9s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w, "\nRun `accord COMMAND --help` for a command's flags and an example.")
}

func printUsage(w io.Writer, c command, fs *flag.FlagSet) {
	fmt.Fprintf(w, "accord %s — %s\n\nUsage: accord %s\n", c.name, c.summary, c.usage)
	if fs != nil {
		fmt.Fprintln(w, "\nFlags:")
		fs.SetOutput(w)
		fs.PrintDefaults()
	}
	if c.example != "" {
		fmt.Fprintf(w, "\nExample:\n  %s\n", strings.ReplaceAll(c.example, "\n", "\n  "))
	}
}

// flags makes a FlagSet whose --help prints the command's usage and example.
func flags(c command, e *env) *flag.FlagSet {
	fs := flag.NewFlagSet("accord "+c.name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() { printUsage(e.stderr, c, fs) }
	return fs
}

// parse parses args, printing usage for --help and errors for bad flags.
func parse(fs *flag.FlagSet, e *env, args []string) error {
	err := fs.Parse(args)
	if errors.Is(err, flag.ErrHelp) {
		fs.Usage()
		return err
	}
	if err != nil {
		fmt.Fprintf(e.stderr, "%v\n\n", err)
		fs.Usage()
		return errUsage
	}
	return nil
}

// logger configures log/slog once for the process.
func logger(cfg config.Config, w io.Writer) *slog.Logger {
	var level slog.Level
	if err := level.UnmarshalText([]byte(cfg.LogLevel)); err != nil {
		level = slog.LevelInfo
	}
	opts := &slog.HandlerOptions{Level: level}
	var h slog.Handler = slog.NewTextHandler(w, opts)
	if cfg.LogFormat == "json" {
		h = slog.NewJSONHandler(w, opts)
	}
	l := slog.New(h)
	slog.SetDefault(l)
	return l
}

// openReady resolves the settings and opens the database they name, which
// must be migrated. The caller closes the store.
func openReady(ctx context.Context, vals map[string]*string) (config.Config, store.Store, error) {
	cfg, err := config.Resolve(vals)
	if err != nil {
		return cfg, nil, err
	}
	st, err := dial.Ready(ctx, cfg.DB)
	return cfg, st, err
}
