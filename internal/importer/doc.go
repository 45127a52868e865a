// Package importer turns CSV exports (from a CRM, a marketing tool or a
// spreadsheet) into Accord events, for `accord import FILE.csv`.
//
// A Mapping says which column feeds which event field. It comes from a YAML
// file (LoadMapping), a built-in preset for a documented CRM export (Preset:
// "hubspot-contacts", "salesforce-leads"), or command-line flags (Set for
// `--map key=Column`, SetConst for `--const key=value`); a YAML file may start
// from a preset with `preset: NAME`. Import or ImportFile then reads the
// file and sends the events to a Sink, such as *ingest.Service, in batches:
//
//	m, err := importer.LoadMapping("olist-mqls.yaml")
//	sum, err := importer.ImportFile(ctx, "mqls.csv", m, svc, importer.Options{
//		RejectsPath: importer.DefaultRejectsPath("mqls.csv"),
//		Progress:    os.Stderr,
//	})
//
// # Rows and events
//
// Each row becomes, in this order: a lead.upserted (lead section), one
// lead.stage_changed per stage rule whose stage is not missing, a
// lead.assigned when the owner is not missing, an opportunity.upserted
// (opportunity section) and an opportunity.closed when the close outcome is
// not missing. Every event is checked by event.Decode, exactly as the API
// checks it, before anything is stored; a row with any bad event is
// rejected whole.
//
// # The mapping file
//
//	name: olist-mqls                 # part of every event id; default: the file's name
//	preset: hubspot-contacts         # optional starting point
//	timezone: America/Sao_Paulo      # for dates without a zone (default UTC)
//	date_formats: [YYYY-MM-DD, DD-MM-YYYY, "2006-01-02 15:04"]  # tried in order
//	null_values: [Select, "N/A"]     # besides empty cells
//	occurred_at: first_contact_date  # or {value: "2020-01-01T00:00:00Z"}
//	lead:
//	  lead_id: mql_id
//	  email: [Email, "E-mail"]       # first non-missing of several columns
//	  first_name: First Name         # name is first + last unless name is mapped
//	  source: origin
//	  score: {column: Score, type: number}
//	  attributes:
//	    landing_page_id: landing_page_id
//	stages:                          # each rule: column/value/values + occurred_at
//	  - value: mql
//	  - column: Converted
//	    values: {"1": customer, "*": ""}   # "*" catches the rest; "" = missing
//	assign: {owner: sr_id, team: {value: inside-sales}}
//	opportunity:
//	  opportunity_id: opportunity_id
//	  amount: close_value
//	  occurred_at: engage_date
//	  close:
//	    outcome: {column: deal_stage, values: {Won: won, Lost: lost, "*": ""}}
//	    amount: close_value
//	    occurred_at: close_date
//
// A field is a column name, a list of column names (the first whose cell is
// not missing wins, which also lets a preset accept several export
// versions), or {column, value, values, type}: value is a constant used when
// the cells are missing, values translates cell values (case and
// surrounding space ignored) and a value not in the map rejects the row
// unless "*" is given; a translation of "*" keeps the cell's own value, so
// {"May-20": "5-20", "*": "*"} repairs one value and passes the rest. A field naming no column of the file is a warning;
// for ids and dates it stops the import before anything is stored.
//
// Dates are tried against each format in order, as Go layouts
// ("02-01-2006"), "rfc3339", or YYYY/MM/DD/HH/mm/ss notation. A constant
// occurred_at is a stand-in for files that hold no dates: every event gets
// that time, so day-by-day reports of such an import mean nothing.
//
// # Idempotent re-runs
//
// Event ids are "import:NAME:TYPE:HASH", the hash taken over the event's
// type, time and payload. Importing the same file again yields only
// duplicates; a row changed in a later export yields new events that update
// the lead rather than idempotency conflicts. Renaming the mapping makes new
// ids, so keep the name stable per source.
//
// # Rejected rows
//
// Rows that are not imported are written as CSV: "line,reason," followed by
// the row's original cells under the original header. The line is where the
// row starts in the file, counting the header as line 1 (a quoted field with
// line breaks makes later rows start further down). The reason names the
// column and the problem, for rows refused by the mapping, by event
// validation and by the sink alike.
//
// # Suggested command line
//
//	accord import FILE.csv [--mapping FILE.yaml | --preset NAME]
//	    [--map key=Column]... [--const key=value]... [--name NAME]
//	    [--timezone TZ] [--date-format LAYOUT]... [--null VALUE]...
//	    [--rejects PATH] [--batch N]
//
// The keys for --map and --const are listed in SetKeys.
package importer
