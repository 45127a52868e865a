package importer

import (
	"bytes"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// Mapping says how the rows of one kind of CSV file become events. It is
// written as YAML (see the package documentation), built from a preset, or
// assembled from command-line flags with Set and SetConst.
type Mapping struct {
	// Name is part of every event id, so re-importing a file under the same
	// name finds its earlier events; two different files should have
	// different names.
	Name string `yaml:"name"`
	// Preset names a built-in mapping this one starts from.
	Preset string `yaml:"preset"`
	// Timezone applies to dates that carry no zone (default UTC).
	Timezone string `yaml:"timezone"`
	// DateFormats are tried in order (Go layouts or YYYY-MM-DD notation).
	DateFormats []string `yaml:"date_formats"`
	// NullValues are cell values that mean "missing", besides an empty cell.
	NullValues []string `yaml:"null_values"`
	// OccurredAt is when the row's events happened, unless a section says
	// otherwise. A constant stands in for files that hold no dates.
	OccurredAt Field `yaml:"occurred_at"`

	Lead        *LeadMap        `yaml:"lead"`
	Stages      []StageRule     `yaml:"stages"`
	Assign      *AssignMap      `yaml:"assign"`
	Opportunity *OpportunityMap `yaml:"opportunity"`
}

// LeadMap makes a lead.upserted event of every row.
type LeadMap struct {
	LeadID    Field `yaml:"lead_id"`
	Email     Field `yaml:"email"`
	Name      Field `yaml:"name"`
	FirstName Field `yaml:"first_name"`
	LastName  Field `yaml:"last_name"`
	Company   Field `yaml:"company"`
	Title     Field `yaml:"title"`
	Seniority Field `yaml:"seniority"`
	Phone     Field `yaml:"phone"`
	Country   Field `yaml:"country"`
	Source    Field `yaml:"source"`
	Campaign  Field `yaml:"campaign"`
	Offer     Field `yaml:"offer"`
	Segment   Field `yaml:"segment"`
	Score     Field `yaml:"score"`
	// Attributes keep any other column, under the name given as the key.
	Attributes map[string]Field `yaml:"attributes"`
	OccurredAt Field            `yaml:"occurred_at"`
}

// StageRule makes a lead.stage_changed event when its stage is not missing.
// A file can carry several: e.g. "opportunity" when a deal was engaged and
// "customer" when it was won, each with its own date.
type StageRule struct {
	Stage      Field
	OccurredAt Field
	Reason     Field
}

// UnmarshalYAML reads a stage rule: the Field keys (column, value, values)
// plus occurred_at and reason, or just a column name.
func (r *StageRule) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.MappingNode {
		return r.Stage.UnmarshalYAML(n)
	}
	var s struct {
		fieldSpec  `yaml:",inline"`
		OccurredAt Field `yaml:"occurred_at"`
		Reason     Field `yaml:"reason"`
	}
	if err := n.Decode(&s); err != nil {
		return err
	}
	*r = StageRule{Stage: s.field(), OccurredAt: s.OccurredAt, Reason: s.Reason}
	return nil
}

// AssignMap makes a lead.assigned event when the owner is not missing.
type AssignMap struct {
	Owner      Field `yaml:"owner"`
	Team       Field `yaml:"team"`
	OccurredAt Field `yaml:"occurred_at"`
}

// OpportunityMap makes an opportunity.upserted event of every row, and an
// opportunity.closed event when Close's outcome is not missing.
type OpportunityMap struct {
	OpportunityID Field `yaml:"opportunity_id"`
	// LeadID defaults to the lead section's lead_id.
	LeadID     Field     `yaml:"lead_id"`
	Account    Field     `yaml:"account"`
	Name       Field     `yaml:"name"`
	Stage      Field     `yaml:"stage"`
	Amount     Field     `yaml:"amount"`
	Currency   Field     `yaml:"currency"`
	Owner      Field     `yaml:"owner"`
	Product    Field     `yaml:"product"`
	OccurredAt Field     `yaml:"occurred_at"`
	Close      *CloseMap `yaml:"close"`
}

// CloseMap closes the opportunity as won or lost.
type CloseMap struct {
	Outcome    Field `yaml:"outcome"`
	Amount     Field `yaml:"amount"`
	Reason     Field `yaml:"reason"`
	OccurredAt Field `yaml:"occurred_at"`
}

// LoadMapping reads a YAML mapping file. A mapping without a name is named
// after the file.
func LoadMapping(path string) (*Mapping, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read mapping: %w", err)
	}
	m, err := ParseMapping(data)
	if err != nil {
		return nil, fmt.Errorf("mapping %s: %w", path, err)
	}
	if m.Name == "" {
		m.Name = DefaultName(path)
	}
	return m, nil
}

// ParseMapping reads a YAML mapping. When it names a preset, the keys it
// gives replace the preset's (a values map replaces the preset's map).
func ParseMapping(data []byte) (*Mapping, error) {
	var head struct {
		Preset string `yaml:"preset"`
	}
	if err := yaml.Unmarshal(data, &head); err != nil {
		return nil, fmt.Errorf("parse YAML: %w", err)
	}
	m := &Mapping{}
	if head.Preset != "" {
		p, err := Preset(head.Preset)
		if err != nil {
			return nil, err
		}
		m = p
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(m); err != nil {
		return nil, fmt.Errorf("parse YAML: %w", err)
	}
	return m, nil
}

// DefaultName derives a mapping name from a file path: its base name
// without extension, reduced to the characters an event id may hold.
func DefaultName(path string) string {
	base := strings.TrimSuffix(filepath.Base(path), filepath.Ext(path))
	name := strings.Trim(badNameChars.ReplaceAllString(strings.ToLower(base), "-"), "-")
	if len(name) > maxNameLen {
		name = name[:maxNameLen]
	}
	if name == "" {
		return "csv"
	}
	return name
}

const maxNameLen = 64

var (
	badNameChars = regexp.MustCompile(`[^a-z0-9._-]+`)
	validName    = regexp.MustCompile(`^[A-Za-z0-9._-]+$`)
)

// Validate checks the mapping on its own; Import checks it again against the
// file's header.
func (m *Mapping) Validate() error {
	switch {
	case m.Name == "":
		return fmt.Errorf("name is required (it is part of every event id)")
	case len(m.Name) > maxNameLen || !validName.MatchString(m.Name):
		return fmt.Errorf("name %q must be 1-%d letters, digits, '.', '_' or '-'", m.Name, maxNameLen)
	case m.Lead == nil && m.Opportunity == nil:
		return fmt.Errorf("the mapping needs a lead or an opportunity section")
	case m.Lead == nil && (len(m.Stages) > 0 || m.Assign != nil):
		return fmt.Errorf("stages and assign need a lead section with lead_id")
	}
	if _, err := newDateParser(m.DateFormats, m.Timezone); err != nil {
		return err
	}
	for _, f := range m.fields() {
		if err := f.field.validate(f.path); err != nil {
			return err
		}
	}
	if m.Lead != nil && !m.Lead.LeadID.IsSet() {
		return fmt.Errorf("lead.lead_id is required")
	}
	if m.Opportunity != nil && !m.Opportunity.OpportunityID.IsSet() {
		return fmt.Errorf("opportunity.opportunity_id is required")
	}
	if m.Opportunity != nil && m.Opportunity.Close != nil && !m.Opportunity.Close.Outcome.IsSet() {
		return fmt.Errorf("opportunity.close.outcome is required")
	}
	for i, r := range m.Stages {
		if !r.Stage.IsSet() {
			return fmt.Errorf("stages[%d]: give a column or a value", i)
		}
	}
	if m.Assign != nil && !m.Assign.Owner.IsSet() {
		return fmt.Errorf("assign.owner is required")
	}
	if m.OccurredAt.Value != "" {
		if err := m.checkConstDate("occurred_at", m.OccurredAt.Value); err != nil {
			return err
		}
	}
	return nil
}

func (m *Mapping) checkConstDate(where, v string) error {
	p, err := newDateParser(append([]string{time.RFC3339Nano}, m.DateFormats...), m.Timezone)
	if err != nil {
		return err
	}
	if _, err := p.parse(v); err != nil {
		return fmt.Errorf("%s: %w", where, err)
	}
	return nil
}

// namedField is a field with its place in the mapping, for messages.
type namedField struct {
	path  string
	field Field
}

// fields lists every field the mapping sets, in a stable order.
func (m *Mapping) fields() []namedField {
	var out []namedField
	add := func(path string, f Field) {
		if f.IsSet() || len(f.Values) > 0 || f.Type != "" {
			out = append(out, namedField{path, f})
		}
	}
	add("occurred_at", m.OccurredAt)
	if l := m.Lead; l != nil {
		add("lead.lead_id", l.LeadID)
		add("lead.email", l.Email)
		add("lead.name", l.Name)
		add("lead.first_name", l.FirstName)
		add("lead.last_name", l.LastName)
		add("lead.company", l.Company)
		add("lead.title", l.Title)
		add("lead.seniority", l.Seniority)
		add("lead.phone", l.Phone)
		add("lead.country", l.Country)
		add("lead.source", l.Source)
		add("lead.campaign", l.Campaign)
		add("lead.offer", l.Offer)
		add("lead.segment", l.Segment)
		add("lead.score", l.Score)
		for _, k := range sortedKeys(l.Attributes) {
			add("lead.attributes."+k, l.Attributes[k])
		}
		add("lead.occurred_at", l.OccurredAt)
	}
	for i, r := range m.Stages {
		p := fmt.Sprintf("stages[%d]", i)
		add(p, r.Stage)
		add(p+".occurred_at", r.OccurredAt)
		add(p+".reason", r.Reason)
	}
	if a := m.Assign; a != nil {
		add("assign.owner", a.Owner)
		add("assign.team", a.Team)
		add("assign.occurred_at", a.OccurredAt)
	}
	if o := m.Opportunity; o != nil {
		add("opportunity.opportunity_id", o.OpportunityID)
		add("opportunity.lead_id", o.LeadID)
		add("opportunity.account", o.Account)
		add("opportunity.name", o.Name)
		add("opportunity.stage", o.Stage)
		add("opportunity.amount", o.Amount)
		add("opportunity.currency", o.Currency)
		add("opportunity.owner", o.Owner)
		add("opportunity.product", o.Product)
		add("opportunity.occurred_at", o.OccurredAt)
		if c := o.Close; c != nil {
			add("opportunity.close.outcome", c.Outcome)
			add("opportunity.close.amount", c.Amount)
			add("opportunity.close.reason", c.Reason)
			add("opportunity.close.occurred_at", c.OccurredAt)
		}
	}
	return out
}

func sortedKeys[V any](m map[string]V) []string { return slices.Sorted(maps.Keys(m)) }
