package agreement

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	yparser "github.com/goccy/go-yaml/parser"
	"github.com/goccy/go-yaml/token"
)

// parse reads an agreement from its YAML syntax tree, keeping on after a
// problem so that one run reports every problem with its line and column.
// Strict decoding into structs would stop at the first unknown field.
type parse struct {
	errs    []Error
	anchors map[string]ast.Node
	a       *Agreement

	defs     map[string]*Definition // compiled so far, for inlining
	defNames []string               // every definition, valid or not
	broken   map[string]bool        // definitions that failed; uses are not reported again
	conds    []*checked             // every compiled condition, for the analyses
	tierErr  bool                   // a tier is wrong: leave tiers out of the analyses
}

// checked is a compiled condition and what it belongs to.
type checked struct {
	cond *Condition
	what string // "rule \"x\"", for messages
	kind string // rule, handoff, pause, definition, tier
	// badLiteral marks a condition already reported for naming a stage,
	// tier or disposition that does not exist.
	badLiteral bool
}

func (p *parse) errorf(at Pos, format string, args ...any) {
	p.errs = append(p.errs, Error{Line: at.Line, Column: at.Column, Message: fmt.Sprintf(format, args...)})
}

func posOf(n ast.Node) Pos {
	switch v := n.(type) {
	case nil:
		return Pos{1, 1}
	case *ast.MappingNode:
		if !v.IsFlowStyle && len(v.Values) > 0 {
			return posOf(v.Values[0])
		}
	case *ast.MappingValueNode:
		return posOf(v.Key)
	case *ast.LiteralNode:
		return tokenPos(v.Start)
	}
	return tokenPos(n.GetToken())
}

func tokenPos(tk *token.Token) Pos {
	if tk == nil || tk.Position == nil {
		return Pos{1, 1}
	}
	return Pos{max(tk.Position.Line, 1), max(tk.Position.Column, 1)}
}

// resolve looks through anchors, aliases and tags to the node meant.
func (p *parse) resolve(n ast.Node) ast.Node {
	for range 100 { // an alias cannot name itself, but stay safe
		switch v := n.(type) {
		case *ast.AnchorNode:
			n = v.Value
		case *ast.TagNode:
			n = v.Value
		case *ast.AliasNode:
			target, ok := p.anchors[v.Value.GetToken().Value]
			if !ok {
				p.errorf(posOf(v), "unknown alias *%s", v.Value.GetToken().Value)
				return nil
			}
			n = target
		default:
			return n
		}
	}
	return n
}

type anchorVisitor map[string]ast.Node

func (m anchorVisitor) Visit(n ast.Node) ast.Visitor {
	if a, ok := n.(*ast.AnchorNode); ok && a.Name != nil {
		m[a.Name.GetToken().Value] = a.Value
	}
	return m
}

func isNull(n ast.Node) bool {
	_, ok := n.(*ast.NullNode)
	return n == nil || ok
}

// entry is one key: value of a mapping.
type entry struct {
	key string
	at  Pos
	val ast.Node
}

// entries lists a mapping's keys in order, merges (<<) included.
func (p *parse) entries(n ast.Node, what string) []entry {
	n = p.resolve(n)
	if isNull(n) {
		return nil
	}
	var values []*ast.MappingValueNode
	switch v := n.(type) {
	case *ast.MappingNode:
		values = v.Values
	case *ast.MappingValueNode:
		values = []*ast.MappingValueNode{v}
	default:
		p.errorf(posOf(n), "%s must be a mapping (key: value), not %s", what, kindOf(n))
		return nil
	}
	var out, merged []entry
	for _, mv := range values {
		if mv.Key.IsMergeKey() {
			src := p.resolve(mv.Value)
			if seq, ok := src.(*ast.SequenceNode); ok {
				for _, s := range seq.Values {
					merged = append(merged, p.entries(s, "a merged value")...)
				}
			} else {
				merged = append(merged, p.entries(src, "a merged value")...)
			}
			continue
		}
		key, _ := scalar(p.resolve(mv.Key))
		out = append(out, entry{key: key, at: posOf(mv.Key), val: mv.Value})
	}
	for _, m := range merged {
		if !slices.ContainsFunc(out, func(e entry) bool { return e.key == m.key }) {
			out = append(out, m)
		}
	}
	return out
}

// fields returns a mapping's values by key and reports keys not in known.
// A key with no value counts as absent.
func (p *parse) fields(n ast.Node, what string, known ...string) map[string]ast.Node {
	out := map[string]ast.Node{}
	for _, e := range p.entries(n, what) {
		if !slices.Contains(known, e.key) {
			msg := fmt.Sprintf("unknown field %q in %s", e.key, what)
			if s := suggest(e.key, known); s != "" {
				msg += fmt.Sprintf(" (did you mean %s?)", s)
			} else {
				msg += " (fields: " + strings.Join(known, ", ") + ")"
			}
			p.errorf(e.at, "%s", msg)
			continue
		}
		if v := p.resolve(e.val); !isNull(v) {
			out[e.key] = e.val
		}
	}
	return out
}

func kindOf(n ast.Node) string {
	switch n.(type) {
	case *ast.MappingNode, *ast.MappingValueNode:
		return "a mapping"
	case *ast.SequenceNode:
		return "a list"
	case *ast.StringNode, *ast.LiteralNode:
		return "text"
	case *ast.IntegerNode, *ast.FloatNode:
		return "a number"
	case *ast.BoolNode:
		return "true/false"
	case *ast.NullNode, nil:
		return "nothing"
	}
	return "a " + n.Type().String()
}

// scalar returns a scalar's text.
func scalar(n ast.Node) (string, bool) {
	switch v := n.(type) {
	case *ast.StringNode:
		return v.Value, true
	case *ast.LiteralNode:
		return v.Value.Value, true
	case *ast.IntegerNode, *ast.FloatNode, *ast.BoolNode, *ast.InfinityNode, *ast.NanNode:
		return v.GetToken().Value, true
	}
	return "", false
}

// located is a piece of text and where it was written.
type located struct {
	text string
	at   Pos
}

func (p *parse) text(n ast.Node, what string) located {
	r := p.resolve(n)
	if isNull(r) {
		return located{}
	}
	s, ok := scalar(r)
	if !ok {
		p.errorf(posOf(r), "%s must be text, not %s", what, kindOf(r))
		return located{}
	}
	return located{strings.TrimSpace(s), posOf(r)}
}

// texts reads one piece of text or a list of them.
func (p *parse) texts(n ast.Node, what string) []located {
	r := p.resolve(n)
	if isNull(r) {
		return nil
	}
	seq, ok := r.(*ast.SequenceNode)
	if !ok {
		if l := p.text(r, what); l.text != "" {
			return []located{l}
		}
		return nil
	}
	var out []located
	for _, item := range seq.Values {
		if l := p.text(item, what); l.text != "" {
			out = append(out, l)
		}
	}
	return out
}

func (p *parse) number(n ast.Node, what string) (float64, bool) {
	switch v := p.resolve(n).(type) {
	case nil, *ast.NullNode:
		return 0, false
	case *ast.IntegerNode:
		switch x := v.Value.(type) {
		case int64:
			return float64(x), true
		case uint64:
			return float64(x), true
		}
	case *ast.FloatNode:
		return v.Value, true
	}
	p.errorf(posOf(p.resolve(n)), "%s must be a number, not %s", what, kindOf(p.resolve(n)))
	return 0, false
}

func (p *parse) duration(n ast.Node, what string) *Duration {
	r := p.resolve(n)
	if isNull(r) {
		return nil
	}
	if _, isNum := r.(*ast.IntegerNode); isNum {
		p.errorf(posOf(r), "%s: %s has no unit (write e.g. %sm, %sh or %sd)", what, r.GetToken().Value,
			r.GetToken().Value, r.GetToken().Value, r.GetToken().Value)
		return nil
	}
	l := p.text(r, what)
	if l.text == "" {
		return nil
	}
	d, err := ParseDuration(l.text)
	if err != nil {
		p.errorf(l.at, "%s: %v", what, err)
		return nil
	}
	d.Pos = l.at
	return &d
}

// condition reads a condition and works out how to point into it.
func (p *parse) condition(n ast.Node, what string) *Condition {
	r := p.resolve(n)
	start := posOf(r)
	switch v := r.(type) {
	case nil, *ast.NullNode:
		return nil
	case *ast.BoolNode:
		src := v.GetToken().Value
		return &Condition{Source: strings.ToLower(src), Pos: start, at: func(int, int) Pos { return start }}
	case *ast.StringNode:
		c := &Condition{Source: v.Value, Pos: start, at: func(int, int) Pos { return start }}
		tk := v.GetToken()
		origin := strings.TrimSpace(tk.Origin)
		shift := -1
		switch {
		case tk.Type == token.StringType && origin == v.Value:
			shift = 0
		case (tk.Type == token.DoubleQuoteType && origin == `"`+v.Value+`"`) ||
			(tk.Type == token.SingleQuoteType && origin == `'`+v.Value+`'`):
			shift = 1
		}
		if shift >= 0 && !strings.Contains(v.Value, "\n") {
			c.at = func(line, col int) Pos {
				if line > 1 {
					return start
				}
				return Pos{start.Line, start.Column + shift + col}
			}
		}
		return c
	case *ast.LiteralNode:
		return &Condition{Source: v.Value.Value, Pos: start, at: func(int, int) Pos { return start }}
	}
	p.errorf(start, "%s must be a condition such as stage == \"mql\", not %s", what, kindOf(r))
	return nil
}

// agreement reads the whole file.
func (p *parse) agreement(data []byte) *Agreement {
	file, err := yparser.ParseBytes(data, 0)
	if err != nil {
		var ye yaml.Error
		if errors.As(err, &ye) {
			p.errorf(tokenPos(ye.GetToken()), "YAML syntax: %s", ye.GetMessage())
		} else {
			p.errorf(Pos{1, 1}, "YAML syntax: %v", err)
		}
		return nil
	}
	var body ast.Node
	for _, doc := range file.Docs {
		if doc.Body == nil {
			continue
		}
		if body != nil {
			p.errorf(posOf(doc.Body), "one agreement per file: a second YAML document starts here")
			break
		}
		body = doc.Body
	}
	if body == nil {
		p.errorf(Pos{1, 1}, "the file is empty: an agreement has at least a name, a timezone and its rules")
		return nil
	}
	p.anchors = map[string]ast.Node{}
	ast.Walk(anchorVisitor(p.anchors), body)
	p.broken = map[string]bool{}
	p.defs = map[string]*Definition{}

	a := &Agreement{calendars: map[string]*Calendar{}}
	p.a = a
	top := p.fields(body, "the agreement", "name", "description", "timezone", "signers", "calendars",
		"definitions", "tiers", "goals", "sales", "handoffs", "feedback", "marketing", "review")
	switch p.resolve(body).(type) {
	case *ast.MappingNode, *ast.MappingValueNode:
	default:
		return nil // reported by fields
	}
	a.Name = p.text(top["name"], "name").text
	if a.Name == "" {
		p.errorf(posOf(p.resolve(body)), "the agreement needs a name (name: …)")
	}
	a.Description = p.text(top["description"], "description").text
	a.Location = time.UTC
	if tz := p.text(top["timezone"], "timezone"); tz.text == "" {
		p.errorf(posOf(p.resolve(body)), "the agreement needs a timezone, the organisation's (e.g. timezone: America/New_York)")
	} else if loc := p.zone(tz); loc != nil {
		a.Timezone, a.Location = tz.text, loc
	}
	a.always = always(a.Location)

	p.signers(top["signers"])
	p.calendars(top["calendars"])
	p.definitions(top["definitions"])
	p.tiers(top["tiers"])
	p.goals(top["goals"])
	p.sales(top["sales"])
	p.handoffs(top["handoffs"])
	p.feedback(top["feedback"])
	p.marketing(top["marketing"])
	p.review(top["review"])
	p.checkLiterals()
	p.checkReachable()
	return a
}

func (p *parse) zone(l located) *time.Location {
	loc, err := time.LoadLocation(l.text)
	if err != nil || l.text == "" || strings.EqualFold(l.text, "local") {
		p.errorf(l.at, "unknown time zone %q (use an IANA name such as America/New_York or Europe/London)", l.text)
		return nil
	}
	return loc
}

func (p *parse) signers(n ast.Node) {
	r := p.resolve(n)
	if isNull(r) {
		return
	}
	seq, ok := r.(*ast.SequenceNode)
	if !ok {
		p.errorf(posOf(r), "signers must be a list of people (- {name: …, title: …, email: …})")
		return
	}
	for _, item := range seq.Values {
		s := Signer{Pos: posOf(p.resolve(item))}
		if _, isText := scalar(p.resolve(item)); isText {
			s.Name = p.text(item, "a signer").text
		} else {
			f := p.fields(item, "a signer", "name", "title", "email")
			s.Name = p.text(f["name"], "name").text
			s.Title = p.text(f["title"], "title").text
			email := p.text(f["email"], "email")
			if email.text != "" && !strings.Contains(email.text, "@") {
				p.errorf(email.at, "%q is not an email address", email.text)
			}
			s.Email = email.text
		}
		if s.Name == "" {
			p.errorf(s.Pos, "a signer needs a name")
			continue
		}
		if slices.ContainsFunc(p.a.Signers, func(o Signer) bool { return strings.EqualFold(o.Name, s.Name) }) {
			p.errorf(s.Pos, "%s is listed twice as a signer", s.Name)
			continue
		}
		p.a.Signers = append(p.a.Signers, s)
	}
}
