//go:build ignore

// Command entc generates the ent client and the GraphQL schema (graph/ent.graphqls).
// It runs from the ent directory through `go generate ./...`.
package main

import (
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
	}, entc.Extensions(ex), entc.TemplateFiles("template/private.tmpl"))
	if err != nil {
		log.Fatalf("entc: running ent codegen: %v", err)
	}
}
