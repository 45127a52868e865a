package cli

import (
	"context"
	"errors"
)

var importCmd = command{name: "import", summary: "import a CSV file of leads or deals", usage: "import FILE.csv",
	run: func(ctx context.Context, e *env, args []string) error { return errors.New("not wired yet") }}
