package cli

import (
	"context"
	"fmt"
	"os"
	"strings"

	"github.com/accordhq/accord/internal/config"
	"github.com/accordhq/accord/internal/importer"
	"github.com/accordhq/accord/internal/ingest"
)

var importCmd = command{
	name:    "import",
	summary: "import a CSV file of leads or deals (HubSpot, Salesforce or your own columns)",
	usage:   "import FILE.csv [--mapping FILE.yaml | --preset NAME] [--map key=Column]... [--const key=value]... [flags]",
	example: "accord import contacts.csv --preset hubspot-contacts --timezone America/New_York\n" +
		"accord import ../shared/datasets/olist-marketing-funnel/normalized/olist_marketing_qualified_leads_dataset.csv --mapping examples/import/olist-mqls.yaml\n" +
		"accord import leads.csv --map lead_id=ID --map email=Email --map occurred_at=Created --const stage=mql --date-format 01/02/2006",
	run: runImport,
}

// multi collects a repeatable flag.
type multi []string

func (m *multi) String() string     { return strings.Join(*m, ",") }
func (m *multi) Set(v string) error { *m = append(*m, v); return nil }

func runImport(ctx context.Context, e *env, args []string) error {
	fs := flags(e.cmd, e)
	vals := config.Register(fs, "db", "data-dir", "strip-plus-addressing")
	mappingPath := fs.String("mapping", "", "YAML mapping file (see examples/import/)")
	preset := fs.String("preset", "", "built-in mapping: "+strings.Join(importer.PresetNames(), ", "))
	name := fs.String("name", "", "import name, part of every event id (default: the mapping's name or the file's)")
	tz := fs.String("timezone", "", "time zone of dates without one (e.g. America/New_York; default UTC)")
	rejects := fs.String("rejects", "", "where rejected rows go (default FILE.rejects.csv; removed if none)")
	batch := fs.Int("batch", importer.DefaultBatchSize, "events per transaction")
	var maps, consts, dateFormats, nulls multi
	fs.Var(&maps, "map", "key=Column: read a field from a column (repeatable; keys: "+strings.Join(importer.SetKeys, ", ")+")")
	fs.Var(&consts, "const", "key=value: a constant for every row (repeatable)")
	fs.Var(&dateFormats, "date-format", "a date layout to try, e.g. 2006-01-02 or DD/MM/YYYY (repeatable, tried in order)")
	fs.Var(&nulls, "null", "a cell value meaning missing, e.g. Select (repeatable)")
	// Accept the file before or after the flags.
	var file string
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		file, args = args[0], args[1:]
	}
	if err := parse(fs, e, args); err != nil {
		return err
	}
	if file == "" && fs.NArg() > 0 {
		file = fs.Arg(0)
	}
	if file == "" {
		fs.Usage()
		return errUsage
	}
	m, err := buildMapping(*mappingPath, *preset, file)
	if err != nil {
		return err
	}
	for _, kv := range maps {
		k, v, err := importer.ParseSetFlag(kv)
		if err != nil {
			return fmt.Errorf("--map %s: %w", kv, err)
		}
		if err := m.Set(k, v); err != nil {
			return fmt.Errorf("--map %s: %w", kv, err)
		}
	}
	for _, kv := range consts {
		k, v, err := importer.ParseSetFlag(kv)
		if err != nil {
			return fmt.Errorf("--const %s: %w", kv, err)
		}
		if err := m.SetConst(k, v); err != nil {
			return fmt.Errorf("--const %s: %w", kv, err)
		}
	}
	if *name != "" {
		m.Name = *name
	}
	if *tz != "" {
		m.Timezone = *tz
	}
	m.DateFormats = append(m.DateFormats, dateFormats...)
	m.NullValues = append(m.NullValues, nulls...)
	if err := m.Validate(); err != nil {
		return err
	}
	cfg, st, err := openReady(ctx, vals)
	if err != nil {
		return err
	}
	defer st.Close()
	if *rejects == "" {
		*rejects = importer.DefaultRejectsPath(file)
	}
	svc := ingest.New(st, ingest.Options{StripPlusAddressing: cfg.StripPlus, Location: cfg.Location})
	sum, err := importer.ImportFile(ctx, file, m, svc, importer.Options{RejectsPath: *rejects, Progress: e.stderr, BatchSize: *batch})
	for _, w := range sum.Warnings {
		fmt.Fprintf(e.stderr, "warning: %s\n", w)
	}
	if err != nil {
		return err
	}
	fmt.Fprintln(e.stdout, sum.String())
	if sum.RowsRejected > 0 {
		fmt.Fprintf(e.stdout, "%d rejected rows, with line numbers and reasons, are in %s\n", sum.RowsRejected, *rejects)
	}
	return nil
}

// buildMapping starts from a mapping file, a preset, or nothing (flags only).
func buildMapping(path, preset, file string) (*importer.Mapping, error) {
	switch {
	case path != "" && preset != "":
		return nil, fmt.Errorf("give --mapping or --preset, not both (a mapping file can say `preset: NAME`)")
	case path != "":
		return importer.LoadMapping(path)
	case preset != "":
		m, err := importer.Preset(preset)
		if err != nil {
			return nil, err
		}
		m.Name = importer.DefaultName(file)
		return m, nil
	}
	if _, err := os.Stat(file); err != nil {
		return nil, err
	}
	return &importer.Mapping{Name: importer.DefaultName(file)}, nil
}
