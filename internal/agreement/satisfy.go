package agreement

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/expr-lang/expr/ast"
	"github.com/expr-lang/expr/file"
	"github.com/expr-lang/expr/parser"

	"github.com/accordhq/accord/internal/event"
)

// A rule that can never fire is found by trying every lead that could make
// a difference. A condition built from comparisons of fields with literal
// values (==, !=, <, in, and, or, not) can only tell leads apart by which
// literal a field equals or on which side of a number it falls, so trying
// every stage, every tier, and for each other field the literals it is
// compared with plus one value unlike any of them, decides it. Tiers are
// worked out from the tier conditions, as the engine will. Conditions
// outside that subset (functions, arithmetic, matches, contains…) are not
// searched: they are assumed to fire, so the check never rejects a rule
// that could.

// maxTries bounds the search; a condition with more combinations is
// assumed to fire.
const maxTries = 100_000

// other stands for "a value unlike every literal".
const other = "\x00other"

// space is the fields a condition mentions and the literals compared with
// each.
type space struct {
	ok    bool
	order []string
	strs  map[string][]string
	nums  map[string][]float64
}

func newSpace() *space {
	return &space{ok: true, strs: map[string][]string{}, nums: map[string][]float64{}}
}

func (s *space) use(v string) {
	if !slices.Contains(s.order, v) {
		s.order = append(s.order, v)
	}
}

func (s *space) merge(o *space) {
	s.ok = s.ok && o.ok
	for _, v := range o.order {
		s.use(v)
		s.strs[v] = append(s.strs[v], o.strs[v]...)
		s.nums[v] = append(s.nums[v], o.nums[v]...)
	}
}

// variable names the field (or attributes.KEY) a node reads, if it is one.
func variable(n ast.Node) string {
	switch v := n.(type) {
	case *ast.IdentifierNode:
		if k := fieldKinds[v.Value]; k != "" && k != "map" {
			return v.Value
		}
	case *ast.ChainNode:
		return variable(v.Node)
	case *ast.MemberNode:
		id, ok := v.Node.(*ast.IdentifierNode)
		key, isStr := v.Property.(*ast.StringNode)
		if ok && isStr && id.Value == "attributes" && !v.Method {
			return "attributes." + key.Value
		}
	}
	return ""
}

// literal returns a literal's value: string, float64, bool or nil.
func literal(n ast.Node) (any, bool) {
	switch v := n.(type) {
	case *ast.StringNode:
		return v.Value, true
	case *ast.IntegerNode:
		return float64(v.Value), true
	case *ast.FloatNode:
		return v.Value, true
	case *ast.BoolNode:
		return v.Value, true
	case *ast.NilNode:
		return nil, true
	case *ast.UnaryNode:
		if v.Operator == "-" {
			if x, ok := literal(v.Node); ok {
				if f, isNum := x.(float64); isNum {
					return -f, true
				}
			}
		}
	}
	return nil, false
}

// literals returns the values of a literal or a list of literals.
func literals(n ast.Node) ([]any, bool) {
	if arr, ok := n.(*ast.ArrayNode); ok {
		var out []any
		for _, e := range arr.Nodes {
			v, ok := literal(e)
			if !ok {
				return nil, false
			}
			out = append(out, v)
		}
		return out, true
	}
	v, ok := literal(n)
	return []any{v}, ok
}

// add walks an expression, recording fields and literals, and marks the
// space not ok when the expression leaves the subset the search decides.
func (s *space) add(n ast.Node) {
	if !s.ok {
		return
	}
	if v := variable(n); v != "" {
		s.use(v)
		return
	}
	if _, ok := literal(n); ok {
		return
	}
	switch v := n.(type) {
	case *ast.UnaryNode:
		if v.Operator == "not" || v.Operator == "!" {
			s.add(v.Node)
			return
		}
	case *ast.BinaryNode:
		switch v.Operator {
		case "and", "or", "&&", "||":
			s.add(v.Left)
			s.add(v.Right)
			return
		case "==", "!=", "<", "<=", ">", ">=", "in":
			field, other := variable(v.Left), v.Right
			if field == "" {
				field, other = variable(v.Right), v.Left
				if v.Operator == "in" {
					break // a literal in a field: not modelled
				}
			}
			vals, ok := literals(other)
			if field == "" || !ok {
				break
			}
			s.use(field)
			for _, x := range vals {
				switch x := x.(type) {
				case string:
					if v.Operator != "==" && v.Operator != "!=" && v.Operator != "in" {
						s.ok = false // ordering of text: not modelled
						return
					}
					s.strs[field] = append(s.strs[field], x)
				case float64:
					s.nums[field] = append(s.nums[field], x)
				}
			}
			return
		}
	}
	s.ok = false
}

// domain lists the values worth trying for a variable.
func (p *parse) domain(s *space, v string) []any {
	var out []any
	addStrs := func(xs ...string) {
		for _, x := range xs {
			if !slices.Contains(out, any(x)) {
				out = append(out, x)
			}
		}
	}
	switch {
	case v == "stage":
		addStrs(event.Stages...)
		addStrs("")
	case v == "disposition":
		addStrs(event.Dispositions...)
		addStrs("")
	case v == "tier":
		for _, t := range p.a.Tiers {
			addStrs(t.Name)
		}
		addStrs("")
	case v == "score":
		for _, x := range numbers(s.nums[v], false) {
			out = append(out, x)
		}
	case v == "touches":
		for _, x := range numbers(s.nums[v], true) {
			out = append(out, int(x))
		}
	case strings.HasPrefix(v, "attributes."):
		out = append(out, nil, true, false)
		addStrs(s.strs[v]...)
		addStrs(other)
		if len(s.nums[v]) > 0 {
			for _, x := range numbers(s.nums[v], false) {
				out = append(out, x)
			}
		}
	default:
		addStrs(s.strs[v]...)
		addStrs("", other)
	}
	return out
}

// numbers returns each literal, its neighbours and the midpoints between
// literals: one number in every interval the comparisons can tell apart.
func numbers(lits []float64, whole bool) []float64 {
	set := []float64{0}
	for _, l := range lits {
		if whole {
			set = append(set, math.Floor(l)-1, math.Floor(l), math.Ceil(l), math.Ceil(l)+1)
		} else {
			set = append(set, l-1, l, l+1)
		}
	}
	slices.Sort(lits)
	if !whole {
		for i := 1; i < len(lits); i++ {
			set = append(set, (lits[i-1]+lits[i])/2)
		}
	}
	slices.Sort(set)
	set = slices.Compact(set)
	if whole {
		set = slices.DeleteFunc(set, func(x float64) bool { return x < 0 })
	}
	return set
}

// search tries every combination of the space's variables, stopping when
// try returns true. It reports whether try ever did and whether the search
// was complete.
func (p *parse) search(s *space, try func(Fields) bool) (found, complete bool) {
	if !s.ok {
		return false, false
	}
	doms := make([][]any, len(s.order))
	total := 1
	for i, v := range s.order {
		doms[i] = p.domain(s, v)
		total *= len(doms[i])
		if total > maxTries {
			return false, false
		}
	}
	idx := make([]int, len(doms))
	for {
		f := Fields{Attributes: map[string]any{}}
		for i, v := range s.order {
			set(&f, v, doms[i][idx[i]])
		}
		if try(f) {
			return true, true
		}
		i := 0
		for ; i < len(idx); i++ {
			idx[i]++
			if idx[i] < len(doms[i]) {
				break
			}
			idx[i] = 0
		}
		if i == len(idx) {
			return false, true
		}
	}
}

func set(f *Fields, v string, x any) {
	if key, ok := strings.CutPrefix(v, "attributes."); ok {
		if x != nil {
			f.Attributes[key] = x
		}
		return
	}
	switch v {
	case "score":
		f.Score = x.(float64)
		return
	case "touches":
		f.Touches = x.(int)
		return
	}
	s := x.(string)
	switch v {
	case "stage":
		f.Stage = s
	case "tier":
		f.Tier = s
	case "offer":
		f.Offer = s
	case "source":
		f.Source = s
	case "campaign":
		f.Campaign = s
	case "segment":
		f.Segment = s
	case "seniority":
		f.Seniority = s
	case "title":
		f.Title = s
	case "company":
		f.Company = s
	case "country":
		f.Country = s
	case "email":
		f.Email = s
	case "phone":
		f.Phone = s
	case "owner":
		f.Owner = s
	case "team":
		f.Team = s
	case "disposition":
		f.Disposition = s
	}
}

// spaceOf is the space of a compiled condition with definitions inlined.
func (p *parse) spaceOf(c *Condition) *space {
	s := newSpace()
	tree, err := c.expanded(p.defs)
	if err != nil {
		s.ok = false
		return s
	}
	s.add(tree)
	return s
}

// tierSpace is the space of every tier condition, or nil when the tiers
// cannot be worked out by search.
func (p *parse) tierSpace() *space {
	if p.tierErr {
		return nil
	}
	s := newSpace()
	for _, t := range p.a.Tiers {
		if t.Cond.prog == nil {
			return nil
		}
		s.merge(p.spaceOf(t.Cond))
	}
	if !s.ok {
		return nil
	}
	return s
}

// checkReachable reports tiers no lead can get and conditions no lead can
// meet.
func (p *parse) checkReachable() {
	ts := p.tierSpace()
	if ts != nil && len(p.a.Tiers) > 0 {
		reached := map[string]bool{}
		_, complete := p.search(ts, func(f Fields) bool {
			if t := p.a.TierOf(f); t != "" && !reached[t] {
				reached[t] = true
			}
			return len(reached) == len(p.a.Tiers) // every tier seen: stop
		})
		if complete {
			for i, t := range p.a.Tiers {
				if reached[t.Name] {
					continue
				}
				why := "its condition is false for every lead"
				if i > 0 {
					why = "every lead either fails its condition or gets an earlier tier first"
				}
				p.errorf(t.Cond.Pos, "tier %q is never assigned: %s", t.Name, why)
			}
		}
	}
	for _, c := range p.conds {
		if c.badLiteral || c.kind == "definition" || c.kind == "tier" {
			continue
		}
		s := p.spaceOf(c.cond)
		derive := false
		if slices.Contains(s.order, "tier") && ts != nil {
			// The tier follows from the fields, as it will for real leads.
			s.order = slices.DeleteFunc(s.order, func(v string) bool { return v == "tier" })
			s.merge(ts)
			derive = true
		}
		found, complete := p.search(s, func(f Fields) bool {
			if derive {
				f.Tier = p.a.TierOf(f)
			}
			return c.cond.holds(f)
		})
		if !complete || found {
			continue
		}
		switch c.kind {
		case "rule":
			p.errorf(c.cond.Pos, "%s can never fire: its condition is false for every lead (tried every stage, tier and value it mentions)",
				strings.TrimSuffix(c.what, " when"))
		case "pause":
			p.errorf(c.cond.Pos, "%s can never hold, so the clock never pauses", c.what)
		default:
			p.errorf(c.cond.Pos, "%s can never hold, so it never applies", c.what)
		}
	}
}

// checkLiterals reports a stage, tier or disposition compared with a value
// it can never have, pointing at the value.
func (p *parse) checkLiterals() {
	tainted := map[string]bool{} // definitions with a bad literal
	tiers := make([]string, len(p.a.Tiers))
	for i, t := range p.a.Tiers {
		tiers[i] = t.Name
	}
	for _, c := range p.conds {
		tree, err := parser.Parse(c.cond.Source)
		if err != nil {
			continue
		}
		for _, id := range identifiers(tree.Node) {
			if tainted[id] {
				c.badLiteral = true
			}
		}
		ast.Walk(&tree.Node, visitFunc(func(node *ast.Node) {
			b, ok := (*node).(*ast.BinaryNode)
			if !ok || (b.Operator != "==" && b.Operator != "!=" && b.Operator != "in") {
				return
			}
			field, lit := b.Left, b.Right
			if _, isID := field.(*ast.IdentifierNode); !isID {
				field, lit = b.Right, b.Left
			}
			id, isID := field.(*ast.IdentifierNode)
			if !isID {
				return
			}
			var vocab []string
			var noun string
			switch id.Value {
			case "stage":
				vocab, noun = event.Stages, "stage"
			case "disposition":
				vocab, noun = event.Dispositions, "disposition"
			case "tier":
				vocab, noun = tiers, "tier"
			default:
				return
			}
			var strs []*ast.StringNode
			if arr, ok := lit.(*ast.ArrayNode); ok {
				for _, e := range arr.Nodes {
					if s, ok := e.(*ast.StringNode); ok {
						strs = append(strs, s)
					}
				}
			} else if s, ok := lit.(*ast.StringNode); ok {
				strs = append(strs, s)
			}
			for _, s := range strs {
				if slices.Contains(vocab, s.Value) {
					continue
				}
				var msg string
				if len(vocab) == 0 {
					msg = fmt.Sprintf("%s: %q is not a tier: the agreement defines no tiers", c.what, s.Value)
				} else {
					msg = fmt.Sprintf("%s: %q is not a %s", c.what, s.Value, noun)
					if sg := suggest(s.Value, vocab); sg != "" {
						msg += fmt.Sprintf(" (did you mean %s?)", sg)
					} else {
						msg += fmt.Sprintf(" (%ss: %s)", noun, strings.Join(vocab, ", "))
					}
				}
				p.errorf(c.cond.atOffset(s.Location()), "%s", msg)
				c.badLiteral = true
				if c.kind == "definition" {
					tainted[strings.TrimSuffix(strings.TrimPrefix(c.what, `definition "`), `"`)] = true
				}
			}
		}))
	}
}

// atOffset converts a location in the condition's source to a file position.
func (c *Condition) atOffset(loc file.Location) Pos {
	line, col := 1, 0
	for i, r := range []rune(c.Source) {
		if i == loc.From {
			break
		}
		if r == '\n' {
			line, col = line+1, 0
		} else {
			col++
		}
	}
	return c.at(line, col)
}
