package importer

import (
	"fmt"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Field says where one value of an event comes from: the first of Columns
// whose cell is not missing, else the constant Value. Values, when given,
// translates cell values (matched without regard to case or surrounding
// space); the key "*" catches every other value, an empty translation
// means "missing" and a translation of "*" keeps the cell as it is. A cell whose value is not in a Values map without "*"
// rejects the row, because a silent pass-through would put an unknown stage
// or outcome into the log.
type Field struct {
	Columns []string
	Value   string
	Values  map[string]string
	// Type is "" (text) or "number"; numbers are checked when the row is read.
	Type string
}

// fieldSpec is the long YAML form of a Field.
type fieldSpec struct {
	Column columns           `yaml:"column"`
	Value  string            `yaml:"value"`
	Values map[string]string `yaml:"values"`
	Type   string            `yaml:"type"`
}

func (s fieldSpec) field() Field {
	return Field{Columns: s.Column, Value: s.Value, Values: s.Values, Type: s.Type}
}

// columns is one column name or a list of them in YAML.
type columns []string

func (c *columns) UnmarshalYAML(n *yaml.Node) error {
	switch n.Kind {
	case yaml.ScalarNode:
		*c = columns{n.Value}
		return nil
	case yaml.SequenceNode:
		var list []string
		if err := n.Decode(&list); err != nil {
			return err
		}
		*c = list
		return nil
	}
	return fmt.Errorf("line %d: a column is a name or a list of names", n.Line)
}

// UnmarshalYAML accepts a column name, a list of candidate column names, or
// the long form {column, value, values, type}.
func (f *Field) UnmarshalYAML(n *yaml.Node) error {
	switch n.Kind {
	case yaml.ScalarNode, yaml.SequenceNode:
		var c columns
		if err := c.UnmarshalYAML(n); err != nil {
			return err
		}
		*f = Field{Columns: c}
		return nil
	case yaml.MappingNode:
		var s fieldSpec
		if err := n.Decode(&s); err != nil {
			return err
		}
		*f = s.field()
		return nil
	}
	return fmt.Errorf("line %d: expected a column name, a list of names or {column, value, values}", n.Line)
}

// IsSet reports whether the field names any column or constant.
func (f Field) IsSet() bool { return len(f.Columns) > 0 || f.Value != "" }

// Col is a Field reading one column.
func Col(names ...string) Field { return Field{Columns: names} }

// Const is a Field with a constant value.
func Const(v string) Field { return Field{Value: v} }

// validate checks what can be checked without the file's header.
func (f Field) validate(where string) error {
	switch f.Type {
	case "", "text", "number":
	default:
		return fmt.Errorf("%s: type %q is not text or number", where, f.Type)
	}
	for _, c := range f.Columns {
		if strings.TrimSpace(c) == "" {
			return fmt.Errorf("%s: a column name is empty", where)
		}
	}
	if len(f.Values) > 0 && len(f.Columns) == 0 {
		return fmt.Errorf("%s: values are given but no column to translate", where)
	}
	return nil
}

// lowerKeys returns the value map keyed by trimmed, lower-cased cell value.
func lowerKeys(m map[string]string) map[string]string {
	if len(m) == 0 {
		return nil
	}
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[strings.ToLower(strings.TrimSpace(k))] = strings.TrimSpace(v)
	}
	return out
}

// knownValues lists a value map's keys for error messages.
func knownValues(m map[string]string) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		if k != "*" {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	if len(keys) > 12 {
		keys = append(keys[:12], "…")
	}
	return strings.Join(keys, ", ")
}
