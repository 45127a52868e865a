// Command accord runs the sales–marketing agreement: it serves the API and
// has the commands an operator needs (serve, migrate, token, import, demo,
// rebuild, bench). See `accord help`.
package main

import (
	"os"

	"github.com/accordhq/accord/internal/cli"
)

func main() { os.Exit(cli.Run(os.Args[1:], os.Stdout, os.Stderr)) }
