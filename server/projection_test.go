package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	entgo "entgo.io/ent"
	"entgo.io/ent/dialect"
	"entgo.io/ent/privacy"
	"entgo.io/ent/schema"
	"github.com/vektah/gqlparser/v2/ast"

	"launchgraph/ent"
	entschema "launchgraph/ent/schema"
	"launchgraph/ent/schema/schematype"
	"launchgraph/graph"
	"launchgraph/internal/gqlschema"
	"launchgraph/internal/store"
)

// fullRowsKey marks a request whose ent queries read whole rows (TestResolverColumns).
type fullRowsKey struct{}

// TestResolverColumns checks every resolver field declared with gqlschema.Resolved (the
// columns its resolver reads, so that entgql's collection need not read whole rows):
// asked alone, with each of its arguments, its answer is the same as when the row is read
// whole; and a query selecting such a field reads only the columns it needs. The data
// carries a French translation of every text and a capacity on every launch, so that a
// resolver missing the translations or capacity column answers otherwise and fails.
func TestResolverColumns(t *testing.T) {
	types := []struct {
		gqlType, root string
		annotations   []schema.Annotation
	}{
		{"Launch", "launches", entschema.Launch{}.Annotations()},
		{"Session", "sessions", entschema.Session{}.Annotations()},
		{"Region", "regions", entschema.Region{}.Annotations()},
		{"Format", "formats", entschema.Format{}.Annotations()},
		{"Objective", "objectives", entschema.Objective{}.Annotations()},
		{"GuidelineSet", "guidelineSets", entschema.GuidelineSet{}.Annotations()},
	}
	gql := graph.NewExecutableSchema(graph.Config{}).Schema()
	for _, dialectName := range []string{"sqlite", "postgres"} {
		t.Run(dialectName, func(t *testing.T) {
			rec := new(recordingDriver)
			db := seeded(t, openDialect(t, dialectName, func(c *store.Config) {
				c.WrapDriver = func(d dialect.Driver) dialect.Driver { rec.Driver = d; return rec }
			}))
			translateAll(t, db.Client)
			db.Client.Intercept(ent.InterceptFunc(func(next ent.Querier) ent.Querier {
				return ent.QuerierFunc(func(ctx context.Context, q ent.Query) (ent.Value, error) {
					if qc := entgo.QueryFromContext(ctx); qc != nil && ctx.Value(fullRowsKey{}) != nil {
						qc.Fields = nil
					}
					return next.Query(ctx, q)
				})
			}))
			a := newTestApp(t, db, slog.New(slog.NewTextHandler(io.Discard, nil)), nil, unlimited)
			h := NewServer(a, new(atomic.Bool))
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.Header.Get("X-Full-Rows") != "" {
					r = r.WithContext(context.WithValue(r.Context(), fullRowsKey{}, true))
				}
				h.ServeHTTP(w, r)
			}))
			t.Cleanup(func() { a.stopStreams(); srv.Close() })
			key := adminKey(t, db)

			checked := 0
			for _, typ := range types {
				def := gql.Types[typ.gqlType]
				for field := range resolvedOf(t, typ.annotations) {
					fd := def.Fields.ForName(field)
					if fd == nil {
						t.Fatalf("%s.%s is declared Resolved but is not in the schema", typ.gqlType, field)
					}
					for _, args := range argumentSets(t, typ.gqlType, fd) {
						q := fmt.Sprintf(`{ %s(first: 100) { edges { node { id %s%s %s } } } }`,
							typ.root, field, args, leaves(gql, fd.Type.Name(), 2))
						_, projected := sendGQL(t, srv.URL, key, q, nil)
						_, whole := sendGQL(t, srv.URL, key, q, nil, "X-Full-Rows", "1")
						if !bytes.Equal(projected, whole) {
							t.Errorf("%s: projected rows answer\n%s\nwhole rows\n%s", q, projected, whole)
						}
						if bytes.Contains(projected, []byte(`"errors"`)) || !bytes.Contains(projected, []byte(`"node"`)) {
							t.Errorf("%s: %s", q, projected)
						}
						checked++
					}
				}
			}
			t.Logf("%d resolver fields × arguments checked", checked)

			var launchSQL string
			for _, s := range rec.statements(t, srv.URL, key, `{ launches(first: 5) { edges { node { id title } } } }`) {
				if strings.Contains(s, `FROM "launches"`) || strings.Contains(s, "FROM `launches`") {
					launchSQL = s
				}
			}
			if !strings.Contains(launchSQL, "translations") || strings.Contains(launchSQL, "description") {
				t.Errorf("launches { id title } read %q: want title and translations, not description", launchSQL)
			}
		})
	}
}

// resolvedOf returns the Resolved declaration among annotations.
func resolvedOf(t *testing.T, annotations []schema.Annotation) gqlschema.Resolved {
	t.Helper()
	for _, a := range annotations {
		if r, ok := a.(gqlschema.Resolved); ok {
			return r
		}
	}
	t.Fatal("no gqlschema.Resolved annotation")
	return nil
}

// argumentSets returns the argument lists to ask field with: none, then each argument it
// takes given a value that changes the answer.
func argumentSets(t *testing.T, typ string, fd *ast.FieldDefinition) []string {
	t.Helper()
	values := map[string]string{"lang": `"fr"`, "tz": `"Asia/Tokyo"`, "zones": `["Asia/Tokyo", "America/Sao_Paulo"]`}
	var sets []string
	required := ""
	for _, a := range fd.Arguments {
		v, ok := values[a.Name]
		if !ok {
			t.Fatalf("%s.%s: no test value for argument %q", typ, fd.Name, a.Name)
		}
		if a.Type.NonNull {
			required += a.Name + ": " + v + " "
		}
	}
	if required != "" {
		return []string{"(" + strings.TrimSpace(required) + ")"}
	}
	sets = append(sets, "")
	for _, a := range fd.Arguments {
		sets = append(sets, "("+a.Name+": "+values[a.Name]+")")
	}
	return sets
}

// leaves returns a selection of every field of type name that takes no required argument,
// objects to depth levels ("" for a scalar or an enum).
func leaves(s *ast.Schema, name string, depth int) string {
	def := s.Types[name]
	if def == nil || def.Kind != ast.Object || depth == 0 {
		return ""
	}
	var b strings.Builder
	for _, f := range def.Fields {
		if strings.HasPrefix(f.Name, "__") || hasRequired(f) {
			continue
		}
		inner := s.Types[f.Type.Name()]
		switch {
		case inner.Kind == ast.Object:
			if sub := leaves(s, inner.Name, depth-1); sub != "" {
				b.WriteString(" " + f.Name + sub)
			}
		case inner.Kind == ast.Scalar || inner.Kind == ast.Enum:
			b.WriteString(" " + f.Name)
		}
	}
	if b.Len() == 0 {
		return ""
	}
	return " {" + b.String() + " }"
}

func hasRequired(f *ast.FieldDefinition) bool {
	for _, a := range f.Arguments {
		if a.Type.NonNull && a.DefaultValue == nil {
			return true
		}
	}
	return false
}

// translateAll gives every translatable row a French text for each of its texts, and every
// launch a capacity (the seed has none), which the seats resolver reads.
func translateAll(t *testing.T, client *ent.Client) {
	t.Helper()
	ctx := privacy.DecisionContext(context.Background(), privacy.Allow)
	fr := func(what string) *string { s := "FR " + what; return &s }
	tr := map[string]schematype.Translation{"fr": {
		Name: fr("name"), Title: fr("title"), Description: fr("description"), Summary: fr("summary"), Text: fr("text"),
	}}
	for _, err := range []error{
		client.Launch.Update().SetTranslations(tr).SetCapacity(250).Exec(ctx),
		client.Session.Update().SetTranslations(tr).Exec(ctx),
		client.Region.Update().SetTranslations(tr).Exec(ctx),
		client.Format.Update().SetTranslations(tr).Exec(ctx),
		client.Objective.Update().SetTranslations(tr).Exec(ctx),
		client.GuidelineSet.Update().SetTranslations(tr).Exec(ctx),
	} {
		if err != nil {
			t.Fatalf("translate: %v", err)
		}
	}
}
