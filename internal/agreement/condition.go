package agreement

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/ast"
	"github.com/expr-lang/expr/builtin"
	"github.com/expr-lang/expr/file"
	"github.com/expr-lang/expr/parser"
	"github.com/expr-lang/expr/vm"

	"github.com/accordhq/accord/internal/lead"
)

// Fields are what a condition can say about a lead. Tier is the agreement's
// own grade (see Agreement.TierOf); the rest come from the lead's state.
type Fields struct {
	Stage       string         `expr:"stage"`
	Tier        string         `expr:"tier"`
	Score       float64        `expr:"score"`
	Offer       string         `expr:"offer"`
	Source      string         `expr:"source"`
	Campaign    string         `expr:"campaign"`
	Segment     string         `expr:"segment"`
	Seniority   string         `expr:"seniority"`
	Title       string         `expr:"title"`
	Company     string         `expr:"company"`
	Country     string         `expr:"country"`
	Email       string         `expr:"email"`
	Phone       string         `expr:"phone"`
	Owner       string         `expr:"owner"`
	Team        string         `expr:"team"`
	Touches     int            `expr:"touches"`
	Disposition string         `expr:"disposition"`
	Attributes  map[string]any `expr:"attributes"`
}

// FieldsOf reads a lead's fields, without its tier. A lead with no score
// has score 0.
func FieldsOf(l *lead.Lead) Fields {
	f := Fields{
		Stage: l.Stage, Offer: l.Offer, Source: l.Source, Campaign: l.Campaign,
		Segment: l.Segment, Seniority: l.Seniority, Title: l.Title, Company: l.Company,
		Country: l.Country, Email: l.Email, Phone: l.Phone, Owner: l.Owner, Team: l.Team,
		Touches: l.Touches, Disposition: l.Disposition, Attributes: l.Attributes,
	}
	if l.Score != nil {
		f.Score = *l.Score
	}
	return f
}

// fieldKinds names every field a condition may use and its kind.
var fieldKinds = map[string]string{
	"stage": "string", "tier": "string", "score": "float", "offer": "string",
	"source": "string", "campaign": "string", "segment": "string", "seniority": "string",
	"title": "string", "company": "string", "country": "string", "email": "string",
	"phone": "string", "owner": "string", "team": "string", "touches": "int",
	"disposition": "string", "attributes": "map",
}

// fieldNames lists the fields in a stable order, for messages.
var fieldNames = []string{"stage", "tier", "score", "offer", "source", "campaign", "segment",
	"seniority", "title", "company", "country", "email", "phone", "owner", "team",
	"touches", "disposition", "attributes"}

// Condition is a boolean expression over a lead's Fields, written in expr
// (https://expr-lang.org) and compiled once. Definitions it names are
// inlined at compile time, so evaluation needs only the lead's fields.
type Condition struct {
	Source string
	Pos    Pos

	prog *vm.Program
	// at maps an expr error position (line and 0-based column within
	// Source) to a position in the file.
	at func(line, col int) Pos
}

// Eval reports whether the condition holds for f. A nil condition holds.
func (c *Condition) Eval(f Fields) (bool, error) {
	if c == nil {
		return true, nil
	}
	if c.prog == nil {
		return false, fmt.Errorf("condition %q was not compiled", c.Source)
	}
	out, err := expr.Run(c.prog, f)
	if err != nil {
		return false, err
	}
	b, _ := out.(bool)
	return b, nil
}

// holds is Eval with run-time errors (a missing attribute compared with a
// number, say) counted as false: a rule that cannot be judged does not apply.
func (c *Condition) holds(f Fields) bool {
	ok, err := c.Eval(f)
	return ok && err == nil
}

// String is the condition as written.
func (c *Condition) String() string {
	if c == nil {
		return "true"
	}
	return c.Source
}

var identRe = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// reserved are names a definition may not take: expr's words and builtins.
func reserved(name string) bool {
	switch name {
	case "and", "or", "not", "in", "matches", "contains", "startsWith", "endsWith",
		"true", "false", "nil", "let", "if", "else":
		return true
	}
	return slices.Contains(builtin.Names, name)
}

// inliner replaces the name of a definition with the definition's own
// expression, so `mql and tier == "A"` compiles as if written out in full.
type inliner struct {
	defs map[string]*Definition
	err  error
}

func (v *inliner) Visit(node *ast.Node) {
	id, ok := (*node).(*ast.IdentifierNode)
	if !ok || v.err != nil {
		return
	}
	d, ok := v.defs[id.Value]
	if !ok {
		return
	}
	tree, err := parser.Parse(d.Cond.Source)
	if err != nil {
		v.err = err
		return
	}
	// Definitions only name earlier definitions, so this ends.
	ast.Walk(&tree.Node, v)
	ast.Patch(node, tree.Node)
}

// compile type-checks c against Fields with the given definitions inlined.
func (c *Condition) compile(defs map[string]*Definition) *file.Error {
	in := &inliner{defs: defs}
	prog, err := expr.Compile(c.Source, expr.Env(Fields{}), expr.AsBool(), expr.Patch(in),
		// Conditions must judge a lead the same way today and in a backtest.
		expr.DisableBuiltin("now"))
	if err == nil && in.err != nil {
		err = in.err
	}
	if err != nil {
		fe, ok := err.(*file.Error)
		if !ok {
			fe = &file.Error{Message: err.Error()}
		}
		return fe
	}
	c.prog = prog
	return nil
}

// expanded parses c with definitions inlined, for analysis.
func (c *Condition) expanded(defs map[string]*Definition) (ast.Node, error) {
	tree, err := parser.Parse(c.Source)
	if err != nil {
		return nil, err
	}
	in := &inliner{defs: defs}
	ast.Walk(&tree.Node, in)
	return tree.Node, in.err
}

// exprMessage turns an expr error into one line and adds a suggestion for
// an unknown name.
func exprMessage(fe *file.Error, defNames []string) string {
	msg := fe.Message
	if name, ok := strings.CutPrefix(msg, "unknown name "); ok {
		known := append(slices.Clone(fieldNames), defNames...)
		msg = "unknown name " + name
		if s := suggest(name, known); s != "" {
			msg += fmt.Sprintf(" (did you mean %s?)", s)
		} else {
			msg += " (fields: " + strings.Join(fieldNames, ", ") + ")"
		}
	}
	return msg
}

// identifiers lists the identifiers a parsed expression names.
func identifiers(n ast.Node) []string {
	var out []string
	ast.Walk(&n, visitFunc(func(node *ast.Node) {
		if id, ok := (*node).(*ast.IdentifierNode); ok && !slices.Contains(out, id.Value) {
			out = append(out, id.Value)
		}
	}))
	return out
}

type visitFunc func(*ast.Node)

func (f visitFunc) Visit(n *ast.Node) { f(n) }
