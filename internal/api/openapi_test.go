package api_test

import (
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/token"
	"net/http"
	"os"
	"reflect"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/accordhq/accord/internal/api"
	"github.com/accordhq/accord/internal/event"
	"github.com/accordhq/accord/internal/ingest"
	"github.com/accordhq/accord/internal/lead"
	"github.com/accordhq/accord/internal/people"
	"github.com/accordhq/accord/internal/store"
)

// openAPIDoc is the part of an OpenAPI document these tests look at.
type openAPIDoc struct {
	OpenAPI    string                          `json:"openapi"`
	Security   []map[string][]string           `json:"security"`
	Paths      map[string]map[string]openAPIOp `json:"paths"`
	Components struct {
		SecuritySchemes map[string]struct {
			Type   string `json:"type"`
			Scheme string `json:"scheme"`
		} `json:"securitySchemes"`
		Schemas map[string]*schema `json:"schemas"`
	} `json:"components"`
}

type openAPIOp struct {
	OperationID string                     `json:"operationId"`
	Security    *[]map[string][]string     `json:"security"`
	Responses   map[string]json.RawMessage `json:"responses"`
}

type schema struct {
	Type          any                `json:"type"`
	Properties    map[string]*schema `json:"properties"`
	Required      []string           `json:"required"`
	Enum          []string           `json:"enum"`
	Const         string             `json:"const"`
	Ref           string             `json:"$ref"`
	OneOf         []*schema          `json:"oneOf"`
	Discriminator *struct {
		PropertyName string            `json:"propertyName"`
		Mapping      map[string]string `json:"mapping"`
	} `json:"discriminator"`
}

func loadOpenAPI(t *testing.T) (openAPIDoc, []byte) {
	t.Helper()
	raw, err := os.ReadFile("openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	var doc openAPIDoc
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatalf("openapi.json: %v", err)
	}
	return doc, raw
}

// registeredRoutes reads the route table from server.go: every pattern with
// a method that is passed to Handle or HandleFunc.
func registeredRoutes(t *testing.T) []string {
	t.Helper()
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "server.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	var routes []string
	ast.Inspect(f, func(n ast.Node) bool {
		call, ok := n.(*ast.CallExpr)
		if !ok || len(call.Args) == 0 {
			return true
		}
		sel, ok := call.Fun.(*ast.SelectorExpr)
		if !ok || (sel.Sel.Name != "Handle" && sel.Sel.Name != "HandleFunc") {
			return true
		}
		lit, ok := call.Args[0].(*ast.BasicLit)
		if !ok || lit.Kind != token.STRING {
			t.Errorf("%s: route pattern is not a string literal; this test cannot read it", fset.Position(call.Pos()))
			return true
		}
		pattern, err := strconv.Unquote(lit.Value)
		if err != nil {
			t.Fatal(err)
		}
		// Patterns without a method ("/api/") are catch-alls, not routes.
		if strings.Contains(pattern, " ") {
			routes = append(routes, pattern)
		}
		return true
	})
	sort.Strings(routes)
	return routes
}

func documentedRoutes(doc openAPIDoc) []string {
	var routes []string
	for path, ops := range doc.Paths {
		for method := range ops {
			routes = append(routes, strings.ToUpper(method)+" "+path)
		}
	}
	sort.Strings(routes)
	return routes
}

func TestOpenAPIDocumentsEveryRoute(t *testing.T) {
	t.Parallel()
	doc, _ := loadOpenAPI(t)
	registered := registeredRoutes(t)
	if len(registered) < 10 {
		t.Fatalf("found only %d routes in server.go: %v", len(registered), registered)
	}
	documented := documentedRoutes(doc)
	for _, r := range registered {
		if !slices.Contains(documented, r) {
			t.Errorf("route %q is served but not in openapi.json", r)
		}
	}
	for _, r := range documented {
		if !slices.Contains(registered, r) {
			t.Errorf("openapi.json documents %q, which server.go does not serve", r)
		}
	}
}

func TestOpenAPIDocument(t *testing.T) {
	t.Parallel()
	doc, raw := loadOpenAPI(t)
	if doc.OpenAPI != "3.1.0" {
		t.Errorf("openapi = %q, want 3.1.0", doc.OpenAPI)
	}
	if s := doc.Components.SecuritySchemes["bearer"]; s.Type != "http" || s.Scheme != "bearer" {
		t.Errorf("bearer security scheme = %+v", s)
	}
	if len(doc.Security) != 1 || doc.Security[0]["bearer"] == nil {
		t.Errorf("top-level security = %v, want bearer", doc.Security)
	}
	ids := map[string]bool{}
	for path, ops := range doc.Paths {
		for method, op := range ops {
			if op.OperationID == "" || ids[op.OperationID] {
				t.Errorf("%s %s: operationId %q missing or repeated", method, path, op.OperationID)
			}
			ids[op.OperationID] = true
			public := op.Security != nil && len(*op.Security) == 0
			if public != (path == "/healthz") {
				t.Errorf("%s %s: public = %v; only /healthz needs no token", method, path, public)
			}
			if _, ok := op.Responses["401"]; !ok && !public {
				t.Errorf("%s %s: no 401 response", method, path)
			}
		}
	}

	// Every $ref points at something.
	var all any
	if err := json.Unmarshal(raw, &all); err != nil {
		t.Fatal(err)
	}
	var walk func(v any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			if ref, ok := v["$ref"].(string); ok && resolve(all, ref) == nil {
				t.Errorf("$ref %q does not resolve", ref)
			}
			for _, x := range v {
				walk(x)
			}
		case []any:
			for _, x := range v {
				walk(x)
			}
		}
	}
	walk(all)
}

func resolve(doc any, ref string) any {
	if !strings.HasPrefix(ref, "#/") {
		return nil
	}
	cur := doc
	for _, part := range strings.Split(ref[2:], "/") {
		m, ok := cur.(map[string]any)
		if !ok {
			return nil
		}
		cur = m[part]
	}
	return cur
}

// TestOpenAPISchemasMatchTypes checks each schema against the Go type the
// server encodes or decodes, so a field added in Go is a field documented.
func TestOpenAPISchemasMatchTypes(t *testing.T) {
	t.Parallel()
	doc, _ := loadOpenAPI(t)
	schemas := doc.Components.Schemas
	for name, v := range map[string]any{
		"LeadUpserted": event.Lead{}, "LeadStageChanged": event.StageChange{}, "LeadAssigned": event.Assignment{},
		"ActivityLogged": event.Activity{}, "LeadDisposition": event.Disposition{}, "OpportunityUpserted": event.Opportunity{},
		"OpportunityClosed": event.Close{}, "PersonUpserted": event.Person{},
		"BatchReport": ingest.Report{}, "BatchResult": ingest.Result{}, "StoredEvent": event.Event{},
		"Lead": lead.Lead{}, "History": lead.History{}, "HistoryEntry": lead.Entry{}, "StageSpan": lead.StageSpan{},
		"Opportunity": lead.Opportunity{}, "Person": people.Person{}, "Team": people.Team{},
		"Token": store.Token{}, "Error": api.Error{}, "Problem": api.Problem{},
		"Signature": store.Signature{}, "AuditEntry": store.AuditEntry{},
	} {
		s := schemas[name]
		if s == nil {
			t.Errorf("no schema %s", name)
			continue
		}
		var props, required []string
		typ := reflect.TypeOf(v)
		for i := range typ.NumField() {
			f := typ.Field(i)
			tag := f.Tag.Get("json")
			jsonName, opts, _ := strings.Cut(tag, ",")
			if !f.IsExported() || jsonName == "-" {
				continue
			}
			if jsonName == "" {
				jsonName = f.Name
			}
			props = append(props, jsonName)
			if !strings.Contains(opts, "omitempty") {
				required = append(required, jsonName)
			}
		}
		var documented []string
		for p := range s.Properties {
			documented = append(documented, p)
		}
		slices.Sort(props)
		slices.Sort(documented)
		if !slices.Equal(props, documented) {
			t.Errorf("schema %s has properties %v; %T has %v", name, documented, v, props)
		}
		slices.Sort(required)
		req := slices.Sorted(slices.Values(s.Required))
		if !slices.Equal(required, req) {
			t.Errorf("schema %s requires %v; %T always has %v", name, req, v, required)
		}
	}

	enums := []struct {
		schema, prop string
		want         []string
	}{
		{"LeadStageChanged", "stage", event.Stages},
		{"ActivityLogged", "kind", event.ActivityKinds},
		{"LeadDisposition", "disposition", event.Dispositions},
		{"OpportunityClosed", "outcome", event.Outcomes},
		{"Lead", "stage", event.Stages},
		{"Lead", "disposition", event.Dispositions},
		{"StageSpan", "stage", event.Stages},
	}
	for _, e := range enums {
		got := schemas[e.schema].Properties[e.prop].Enum
		if !slices.Equal(got, e.want) {
			t.Errorf("%s.%s enum = %v, want %v", e.schema, e.prop, got, e.want)
		}
	}

	var types []string
	for _, ty := range event.Types {
		types = append(types, string(ty))
	}
	if got := schemas["EventType"].Enum; !slices.Equal(got, types) {
		t.Errorf("EventType enum = %v, want %v", got, types)
	}
	ev := schemas["Event"]
	if ev == nil || ev.Discriminator == nil || ev.Discriminator.PropertyName != "type" || len(ev.OneOf) != len(types) {
		t.Fatalf("Event schema is not a oneOf over the %d types discriminated by type", len(types))
	}
	for _, ty := range types {
		ref := ev.Discriminator.Mapping[ty]
		sub := schemas[strings.TrimPrefix(ref, "#/components/schemas/")]
		if sub == nil || sub.Properties["type"] == nil || sub.Properties["type"].Const != ty {
			t.Errorf("event type %s: mapping %q does not lead to a schema with type const %q", ty, ref, ty)
			continue
		}
		if !slices.Equal(slices.Sorted(slices.Values(sub.Required)), []string{"data", "id", "occurred_at", "type"}) {
			t.Errorf("event type %s: required = %v", ty, sub.Required)
		}
	}
}

// TestOpenAPIRoutesAnswer calls every documented operation and checks the
// status it gets is one the document lists, and that the route is real (not
// the catch-all 404).
func TestOpenAPIRoutesAnswer(t *testing.T) {
	t.Parallel()
	doc, raw := loadOpenAPI(t)
	ts := newTestServer(t, backends()[0], api.DefaultLimits)
	for path, ops := range doc.Paths {
		for method, op := range ops {
			t.Run(op.OperationID, func(t *testing.T) {
				r := ts.do(t, request{Method: strings.ToUpper(method), Path: strings.ReplaceAll(path, "{lead_id}", "no-such-lead"), Token: "admin"})
				if strings.Contains(r.Body, "no such API route") {
					t.Fatalf("%s %s is not routed: %s", method, path, r.Body)
				}
				if _, ok := op.Responses[strconv.Itoa(r.Status)]; !ok {
					t.Errorf("%s %s answered %d, which openapi.json does not list\nbody: %s", method, path, r.Status, r.Body)
				}
			})
		}
	}
	t.Run("served as written", func(t *testing.T) {
		r := ts.do(t, request{Method: "GET", Path: "/api/v1/openapi.json", Token: "viewer"})
		if r.Status != http.StatusOK || r.Body != string(raw) || r.Header.Get("Content-Type") != "application/json" {
			t.Errorf("GET /api/v1/openapi.json: %d %s, %d bytes; want 200, application/json, the file", r.Status, r.Header.Get("Content-Type"), len(r.Body))
		}
	})
}

// TestDisplayTokenOpensNoRoute: a wall display's token is refused by every
// documented API route, reads included (health needs no token at all).
func TestDisplayTokenOpensNoRoute(t *testing.T) {
	t.Parallel()
	doc, _ := loadOpenAPI(t)
	ts := newTestServer(t, backends()[0], api.DefaultLimits)
	for path, ops := range doc.Paths {
		if path == "/healthz" {
			continue
		}
		for method := range ops {
			r := ts.do(t, request{Method: strings.ToUpper(method), Path: strings.ReplaceAll(path, "{lead_id}", "no-such-lead"), Token: "display"})
			if r.Status != http.StatusForbidden || !strings.Contains(r.Body, "wall display") {
				t.Errorf("%s %s with a display token: %d %s, want 403", method, path, r.Status, r.Body)
			}
		}
	}
}

// routeAccess reads server.go's route table: each route and the access
// its handler is wrapped in (read, write or admin; "" for none).
func routeAccess(t *testing.T) map[string]string {
	t.Helper()
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "server.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	ast.Inspect(f, func(n ast.Node) bool {
		call, ok := n.(*ast.CallExpr)
		if !ok || len(call.Args) != 2 {
			return true
		}
		sel, ok := call.Fun.(*ast.SelectorExpr)
		if !ok || sel.Sel.Name != "Handle" && sel.Sel.Name != "HandleFunc" {
			return true
		}
		lit, ok := call.Args[0].(*ast.BasicLit)
		if !ok || !strings.Contains(lit.Value, " ") {
			return true
		}
		route, _ := strconv.Unquote(lit.Value)
		out[route] = ""
		if wrap, ok := call.Args[1].(*ast.CallExpr); ok {
			if id, ok := wrap.Fun.(*ast.Ident); ok {
				out[route] = id.Name
			}
		}
		return true
	})
	return out
}

// TestEveryRouteChecksTheRole calls every route without a token, and with
// the most a role short of its need may do: every one must refuse (401,
// 403) before doing anything.
func TestEveryRouteChecksTheRole(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, backends()[0], api.DefaultLimits)
	routes := routeAccess(t)
	if len(routes) < 30 {
		t.Fatalf("read only %d routes from server.go", len(routes))
	}
	short := map[string]string{"write": "viewer", "admin": "marketing"}
	for route, access := range routes {
		method, path, _ := strings.Cut(route, " ")
		path = strings.NewReplacer("{lead_id}", "L1", "{alert_id}", "a", "{channel}", "c", "{n}", "1", "{day}", "2026-03-16").Replace(path)
		if route == "GET /healthz" {
			if access != "" {
				t.Errorf("health is wrapped in %s; it must need no token", access)
			}
			continue
		}
		if access == "" {
			t.Errorf("%s is served without an access check", route)
			continue
		}
		if r := ts.do(t, request{Method: method, Path: path}); r.Status != http.StatusUnauthorized {
			t.Errorf("%s without a token: %d, want 401", route, r.Status)
		}
		if role, ok := short[access]; ok {
			if r := ts.do(t, request{Method: method, Path: path, Token: role, Body: "{}"}); r.Status != http.StatusForbidden {
				t.Errorf("%s (needs %s) as %s: %d, want 403", route, access, role, r.Status)
			}
		}
	}
}
