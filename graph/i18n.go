package graph

import (
	"launchgraph/ent"
	"launchgraph/ent/schema/schematype"
	"launchgraph/internal/i18n"
	"launchgraph/internal/opt"
)

// setTranslations stores the translations input of an entity of type typ into its
// generated create or update input (dst is the input's Translations), so that SetInput
// writes them in the mutation itself: same statement, same transaction, same audit entry.
// It runs while gqlgen unmarshals the input, before the mutation resolver.
func setTranslations(dst *map[string]schematype.Translation, typ string, in []*i18n.TranslationInput) error {
	m, err := i18n.FromInput(typ, in)
	if err != nil {
		return err
	}
	*dst = m
	return nil
}

// launchCoverage reports which of a launch's texts are translated, per language.
func launchCoverage(l *ent.Launch) []*i18n.Coverage {
	cs := i18n.CoverageOf(l.Translations, i18n.Fields[ent.TypeLaunch], map[i18n.Field]string{
		i18n.FieldTitle:       l.Title,
		i18n.FieldDescription: opt.Val(l.Description),
	})
	out := make([]*i18n.Coverage, len(cs))
	for i := range cs {
		out[i] = &cs[i]
	}
	return out
}
