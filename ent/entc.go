//go:build ignore

// Command entc generates the ent client and the GraphQL schema (graph/ent.graphqls).
// It runs from the ent directory through `go generate ./...`.
package main

import (
	"fmt"
	"log"

	"entgo.io/contrib/entgql"
	"entgo.io/ent/entc"
	"entgo.io/ent/entc/gen"

	"launchgraph/internal/gqlschema"
)

func main() {
	ex, err := entgql.NewExtension(
		entgql.WithConfigPath("../gqlgen.yml"),
		entgql.WithSchemaGenerator(),
		entgql.WithSchemaPath("../graph/ent.graphqls"),
		entgql.WithWhereInputs(true),
		entgql.WithNodeDescriptor(true),
		// tz on every time field, updatedAfter on every root connection (issue 6).
		entgql.WithSchemaHook(gqlschema.TimeZoneArgs, gqlschema.UpdatedAfterArgs),
	)
	if err != nil {
		log.Fatalf("entc: creating entgql extension: %v", err)
	}
	err = entc.Generate("./schema", &gen.Config{
		Hooks: []gen.Hook{orderByID, gqlschema.CheckResolved},
		Features: []gen.Feature{
			gen.FeatureGlobalID,
			gen.FeatureVersionedMigration,
			gen.FeatureLock,
			gen.FeatureModifier,
			gen.FeatureExecQuery,
			gen.FeatureUpsert,
			gen.FeatureIntercept,
			gen.FeaturePrivacy,
			gen.FeatureEntQL,
		},
	}, entc.Extensions(ex), entc.TemplateFiles("template/private.tmpl", "template/decode.tmpl", "template/rowscan.tmpl"),
		// Parsed after entgql's templates, these redefine its pagination and collection (Relay
		// cursors, NULL ordering, top N per parent, enums written without a quoted copy: see
		// the templates' heads).
		entgqlTemplates("template/pagination.tmpl", "template/collection.tmpl", "template/lateral.tmpl", "template/enum.tmpl"))
	if err != nil {
		log.Fatalf("entc: running ent codegen: %v", err)
	}
}

// entgqlTemplates adds templates parsed with entgql's template functions.
func entgqlTemplates(files ...string) entc.Option {
	return func(cfg *gen.Config) error {
		t, err := gen.NewTemplate("launchgraph").Funcs(entgql.TemplateFuncs).ParseFiles(files...)
		if err != nil {
			return fmt.Errorf("entc: parsing %v: %w", files, err)
		}
		cfg.Templates = append(cfg.Templates, t)
		return nil
	}
}

// orderByID makes id an order field (ID) of every type with connections, as if each schema
// annotated its id with entgql.OrderField("ID"). It runs before entgql's schema generator.
func orderByID(next gen.Generator) gen.Generator {
	return gen.GenerateFunc(func(g *gen.Graph) error {
		for _, n := range g.Nodes {
			if !n.HasOneFieldID() {
				continue
			}
			if n.ID.Annotations == nil {
				n.ID.Annotations = map[string]any{}
			}
			// Annotations reach the templates as decoded JSON, as if loaded from the schema.
			ant := map[string]any{}
			if a, ok := n.ID.Annotations[entgql.Annotation{}.Name()].(map[string]any); ok {
				ant = a
			}
			ant["OrderField"] = "ID"
			n.ID.Annotations[entgql.Annotation{}.Name()] = ant
		}
		return next.Generate(g)
	})
}
