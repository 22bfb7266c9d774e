package graph

import (
	"context"
	"reflect"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"

	"launchgraph/ent"
	"launchgraph/internal/auth"
	"launchgraph/internal/httpcache"
	"launchgraph/internal/i18n"
	"launchgraph/internal/programme"
	"launchgraph/internal/stats"
)

// requestScope gives each operation what lives for one request: the language its
// Accept-Language header picks, and the loaders that batch registration counts,
// programme lookups and reference rows' edges across a page. A subscription gets loaders per response instead
// (shareSubscriptions): they cache, and each response must read afresh.
func requestScope(client *ent.Client) graphql.OperationMiddleware {
	return func(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
		oc := graphql.GetOperationContext(ctx)
		if oc != nil && oc.Headers != nil {
			ctx = i18n.WithRequest(ctx, i18n.Match(oc.Headers.Get("Accept-Language")))
		}
		if oc != nil && oc.Operation != nil && oc.Operation.Operation == ast.Subscription {
			return next(ctx)
		}
		ctx = stats.WithLoaders(ctx, stats.NewLoaders(client))
		ctx = programme.WithLoaders(ctx, programme.NewLoaders(client))
		ctx = withRefEdges(ctx, client)
		return next(ctx)
	}
}

// privateTypes hold personal or admin data: a response selecting any of them is never
// cached publicly (a registrant read with its manage token is anonymous, yet personal).
// They are the entity types with a field declared personal or secret on the schema
// (ent.PrivateFields), and the types that are not entities: a registration's token, the
// audit log, registration aggregates.
var privateTypes = func() map[string]bool {
	out := map[string]bool{"Registration": true, "AuditEntry": true, "RegistrationStats": true}
	for typ := range ent.PrivateFields {
		out[typ] = true
	}
	return out
}()

// publicCache is a gqlgen extension that tells internal/httpcache a response may be
// cached publicly: a query by a public viewer, without errors, selecting no private type.
type publicCache struct{}

var (
	_ graphql.HandlerExtension    = publicCache{}
	_ graphql.ResponseInterceptor = publicCache{}
)

// ExtensionName names the extension.
func (publicCache) ExtensionName() string { return "PublicCache" }

// Validate accepts any schema.
func (publicCache) Validate(graphql.ExecutableSchema) error { return nil }

// InterceptResponse marks the response public when it qualifies.
func (publicCache) InterceptResponse(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
	resp := next(ctx)
	if resp == nil || len(resp.Errors) > 0 || !graphql.HasOperationContext(ctx) {
		return resp
	}
	oc := graphql.GetOperationContext(ctx)
	v := auth.FromContext(ctx)
	if oc.Operation != nil && oc.Operation.Operation == ast.Query && v.Role == auth.Public && v.RegistrantID == 0 &&
		!selectsPrivate(oc.Operation.SelectionSet, map[string]bool{}) {
		httpcache.MarkPublic(ctx)
	}
	return resp
}

// selectsPrivate reports whether set reaches a private type through a field, a fragment or
// a type condition.
func selectsPrivate(set ast.SelectionSet, seen map[string]bool) bool {
	for _, sel := range set {
		switch s := sel.(type) {
		case *ast.Field:
			if (s.Definition != nil && privateTypes[s.Definition.Type.Name()]) ||
				(s.ObjectDefinition != nil && privateTypes[s.ObjectDefinition.Name]) ||
				selectsPrivate(s.SelectionSet, seen) {
				return true
			}
		case *ast.InlineFragment:
			if privateTypes[s.TypeCondition] || selectsPrivate(s.SelectionSet, seen) {
				return true
			}
		case *ast.FragmentSpread:
			if s.Definition == nil || seen[s.Name] {
				continue
			}
			seen[s.Name] = true
			if privateTypes[s.Definition.TypeCondition] || selectsPrivate(s.Definition.SelectionSet, seen) {
				return true
			}
		}
	}
	return false
}

// selectedFields names the fields the request selects below the current field.
func selectedFields(ctx context.Context) []string {
	var names []string
	for _, f := range graphql.CollectFieldsCtx(ctx, nil) {
		names = append(names, f.Name)
	}
	return names
}

// pageIDs returns the ids of the nearest list above the current field that holds nodes
// id recognises (a connection's edges, a list of nodes): the page the current node is
// listed in, so that per-request loaders can ask for the whole page at once.
func pageIDs(ctx context.Context, id func(any) (int, bool)) []int {
	for fc := graphql.GetFieldContext(ctx); fc != nil; fc = fc.Parent {
		v := reflect.ValueOf(fc.Result)
		if v.Kind() != reflect.Slice {
			continue
		}
		var ids []int
		for i := range v.Len() {
			if n, ok := id(v.Index(i).Interface()); ok {
				ids = append(ids, n)
			}
		}
		if len(ids) > 0 {
			return ids
		}
	}
	return nil
}

// launchID is the id of a launch or a launch edge's node.
func launchID(v any) (int, bool) {
	switch x := v.(type) {
	case *ent.Launch:
		if x != nil {
			return x.ID, true
		}
	case *ent.LaunchEdge:
		if x != nil && x.Node != nil {
			return x.Node.ID, true
		}
	}
	return 0, false
}

// regionID is the id of a region or a region edge's node.
func regionID(v any) (int, bool) {
	switch x := v.(type) {
	case *ent.Region:
		if x != nil {
			return x.ID, true
		}
	case *ent.RegionEdge:
		if x != nil && x.Node != nil {
			return x.Node.ID, true
		}
	}
	return 0, false
}
