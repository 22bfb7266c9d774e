// Package i18n serves launchgraph's texts in the six UN languages (ar, zh, en, fr, ru, es).
//
// English is each entity's own text; the other languages live in its `translations` map
// (schematype.Translation per language). A reader picks a language with a field's `lang`
// argument, or for a whole request with Accept-Language (or a feed's ?lang=); a text
// without a translation in that language falls back to English, and Served says which
// language a text was served in.
package i18n

import (
	"context"
	"slices"
	"strings"

	"golang.org/x/text/language"

	"launchgraph/ent/schema/schematype"
	"launchgraph/internal/apperr"
	"launchgraph/internal/intl"
	"launchgraph/internal/opt"
)

// Default is the language of every entity's own texts and the fallback.
const Default = "en"

// matcher matches the six UN languages (intl.UNLanguages), English first: it falls back
// to the first.
var matcher = language.NewMatcher(supported())

func supported() []language.Tag {
	tags := []language.Tag{language.Make(Default)}
	for _, l := range intl.UNLanguages {
		if l != Default {
			tags = append(tags, language.Make(l))
		}
	}
	return tags
}

// Match returns the UN language best matching tags, a BCP 47 list such as an
// Accept-Language header ("fr-CH, fr;q=0.9, en;q=0.8"); English when none matches or the
// header is malformed.
func Match(acceptLanguage string) string {
	tags, _, err := language.ParseAcceptLanguage(acceptLanguage)
	if err != nil || len(tags) == 0 {
		return Default
	}
	tag, _, conf := matcher.Match(tags...)
	if conf == language.No {
		return Default
	}
	return base(tag)
}

// Parse returns the UN language a `lang` argument names: one of the six codes, or a BCP 47
// tag of one of them ("fr-CA", "zh-Hans"). Anything else is BAD_USER_INPUT on field.
func Parse(field, lang string) (string, error) {
	tag, err := language.Parse(strings.TrimSpace(lang))
	if err == nil {
		if b := base(tag); slices.Contains(intl.UNLanguages, b) {
			return b, nil
		}
	}
	return "", apperr.Invalid(field, "%q is not one of the UN languages %s", lang, strings.Join(intl.UNLanguages, ", "))
}

func base(tag language.Tag) string {
	b, _ := tag.Base()
	return b.String()
}

type requestKey struct{}

// WithRequest returns a context whose requests' texts default to lang (from
// Accept-Language or ?lang=).
func WithRequest(ctx context.Context, lang string) context.Context {
	return context.WithValue(ctx, requestKey{}, lang)
}

// Requested returns the language a field asks for: its `lang` argument when given, else
// the request's language, else English.
func Requested(ctx context.Context, lang *string) (string, error) {
	if lang != nil {
		return Parse("lang", *lang)
	}
	if l, ok := ctx.Value(requestKey{}).(string); ok && l != "" {
		return l, nil
	}
	return Default, nil
}

// Field names a translatable text.
type Field string

// The translatable texts.
const (
	FieldName        Field = "name"
	FieldTitle       Field = "title"
	FieldDescription Field = "description"
	FieldSummary     Field = "summary"
	FieldText        Field = "text"
)

// get returns t's text for f, nil when it has none.
func (f Field) get(t schematype.Translation) *string {
	switch f {
	case FieldName:
		return t.Name
	case FieldTitle:
		return t.Title
	case FieldDescription:
		return t.Description
	case FieldSummary:
		return t.Summary
	case FieldText:
		return t.Text
	}
	return nil
}

// pick returns the text of f in lang from translations, else the English text def, and
// the language served.
func pick(translations map[string]schematype.Translation, f Field, def, lang string) (string, string) {
	if lang != Default {
		if v := f.get(translations[lang]); v != nil && *v != "" {
			return *v, lang
		}
	}
	return def, Default
}

// Text returns f in the language ctx and lang ask for, falling back to English (def).
func Text(ctx context.Context, translations map[string]schematype.Translation, f Field, def string, lang *string) (string, error) {
	l, err := Requested(ctx, lang)
	if err != nil {
		return "", err
	}
	text, _ := pick(translations, f, def, l)
	return text, nil
}

// TextPtr is Text for an optional text (a nullable GraphQL field): nil when the text has
// neither an English value (def) nor a translation in the language asked for.
func TextPtr(ctx context.Context, translations map[string]schematype.Translation, f Field, def *string, lang *string) (*string, error) {
	text, err := Text(ctx, translations, f, opt.Val(def), lang)
	if err != nil || text == "" {
		return nil, err
	}
	return &text, nil
}

// Served returns the language Text serves f in: the one asked for when translated, else en.
func Served(ctx context.Context, translations map[string]schematype.Translation, f Field, def string, lang *string) (string, error) {
	l, err := Requested(ctx, lang)
	if err != nil {
		return "", err
	}
	_, served := pick(translations, f, def, l)
	return served, nil
}

// In returns f in lang (already parsed), falling back to English: for feeds.
func In(translations map[string]schematype.Translation, f Field, def, lang string) string {
	text, _ := pick(translations, f, def, lang)
	return text
}

// TranslationInput is one language's texts in a create or update input (GraphQL
// TranslationInput).
type TranslationInput struct {
	Lang        string
	Name        *string
	Title       *string
	Description *string
	Summary     *string
	Text        *string
}

// Fields lists the translatable texts of each entity type.
var Fields = map[string][]Field{
	"Region":       {FieldName},
	"Format":       {FieldName, FieldDescription},
	"Launch":       {FieldTitle, FieldDescription},
	"Objective":    {FieldText},
	"GuidelineSet": {FieldTitle, FieldSummary},
	"Session":      {FieldTitle, FieldDescription},
}

// maxLen bounds a translated text like the English field it translates.
var maxLen = map[string]map[Field]int{
	"Region":       {FieldName: 200},
	"Format":       {FieldName: 200, FieldDescription: 4000},
	"Launch":       {FieldTitle: 300, FieldDescription: 20000},
	"Objective":    {FieldText: 2000},
	"GuidelineSet": {FieldTitle: 300, FieldSummary: 4000},
	"Session":      {FieldTitle: 300, FieldDescription: 20000},
}

// FromInput turns the translations input of an entity of type typ into the stored map.
// Each language may appear once and must be ar, zh, fr, ru or es; only typ's texts may be
// set, within the English field's length. Errors are BAD_USER_INPUT on "translations".
func FromInput(typ string, in []*TranslationInput) (map[string]schematype.Translation, error) {
	allowed := Fields[typ]
	out := make(map[string]schematype.Translation, len(in))
	for _, t := range in {
		lang, err := Parse("translations", t.Lang)
		if err != nil {
			return nil, err
		}
		if lang == Default {
			return nil, apperr.Invalid("translations", "en is the default text: set it through the input's own fields")
		}
		if _, dup := out[lang]; dup {
			return nil, apperr.Invalid("translations", "%s is given twice", lang)
		}
		tr := schematype.Translation{Name: t.Name, Title: t.Title, Description: t.Description, Summary: t.Summary, Text: t.Text}
		for _, f := range []Field{FieldName, FieldTitle, FieldDescription, FieldSummary, FieldText} {
			v := f.get(tr)
			if v == nil {
				continue
			}
			if !slices.Contains(allowed, f) {
				return nil, apperr.Invalid("translations", "a %s has no %s to translate", typ, f)
			}
			if n := len(*v); n > maxLen[typ][f] {
				return nil, apperr.Invalid("translations", "%s %s is %d bytes, more than %d", lang, f, n, maxLen[typ][f])
			}
		}
		out[lang] = tr
	}
	return out, nil
}

// Coverage is which texts of an entity one language has (GraphQL TranslationCoverage).
type Coverage struct {
	Lang       string
	Translated []string
	Missing    []string
	Complete   bool
}

// CoverageOf reports, for each UN language in the UN's order, which of the non-empty
// English texts (defaults, by field) have a translation.
func CoverageOf(translations map[string]schematype.Translation, fields []Field, defaults map[Field]string) []Coverage {
	out := make([]Coverage, 0, len(intl.UNLanguages))
	for _, lang := range intl.UNLanguages {
		c := Coverage{Lang: lang, Translated: []string{}, Missing: []string{}}
		for _, f := range fields {
			if defaults[f] == "" {
				continue
			}
			if lang == Default {
				c.Translated = append(c.Translated, string(f))
				continue
			}
			if v := f.get(translations[lang]); v != nil && *v != "" {
				c.Translated = append(c.Translated, string(f))
			} else {
				c.Missing = append(c.Missing, string(f))
			}
		}
		c.Complete = len(c.Missing) == 0
		out = append(out, c)
	}
	return out
}
