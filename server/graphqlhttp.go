package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"launchgraph/internal/apperr"
)

// Media types of GraphQL responses.
const (
	mediaJSON            = "application/json"
	mediaGraphQLResponse = "application/graphql-response+json"
)

// graphqlHTTP serves GraphQL over HTTP (the GraphQL-over-HTTP spec) for the gqlgen
// handler: POST with an application/json body, or GET (queries only). A request error (a
// body or parameters that are not a GraphQL request, a document that does not parse or
// validate, bad variables, a limit) gets a body without `data`, and status 200 under
// application/json or 400 under application/graphql-response+json (400 under either when
// the body or its parameters are not a GraphQL request at all); RATE_LIMITED and
// UNAVAILABLE get 429 and 503 with Retry-After under either (transportStatus). An
// executed operation gets 200.
type graphqlHTTP struct{ get bool }

var _ graphql.Transport = graphqlHTTP{}

func (t graphqlHTTP) Supports(r *http.Request) bool {
	if r.Header.Get("Upgrade") != "" {
		return false
	}
	if t.get {
		return r.Method == http.MethodGet
	}
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	return err == nil && r.Method == http.MethodPost && mt == mediaJSON
}

func (t graphqlHTTP) Do(w http.ResponseWriter, r *http.Request, exec graphql.GraphExecutor) {
	ctx := r.Context()
	media := responseMedia(r)
	start := graphql.Now()
	params, err := t.params(r)
	if err != nil {
		writeGraphQL(w, media, malformedRequest, exec.DispatchError(ctx, gqlerror.List{err}))
		return
	}
	params.Headers = r.Header
	params.ReadTime = graphql.TraceTiming{Start: start, End: graphql.Now()}
	oc, errs := exec.CreateOperationContext(ctx, params)
	if errs != nil {
		writeGraphQL(w, media, requestFailed, exec.DispatchError(graphql.WithOperationContext(ctx, oc), errs))
		return
	}
	if t.get && oc.Operation.Operation != ast.Query {
		w.Header().Set("Allow", http.MethodPost)
		writeErrorStatus(w, r, http.StatusMethodNotAllowed, apperr.Errorf(apperr.BadUserInput,
			"GET runs queries only: send a %s with POST", oc.Operation.Operation))
		return
	}
	responses, ctx := exec.DispatchOperation(ctx, oc)
	resp := responses(ctx)
	if resp == nil { // the operation's context ended before it answered
		resp = &graphql.Response{Errors: gqlerror.List{{
			Message:    "the operation ended before it answered",
			Extensions: map[string]any{"code": string(apperr.Unavailable)},
		}}}
	}
	writeGraphQL(w, media, executed, resp)
}

// params reads the request's parameters: the JSON body of a POST, the URL of a GET.
func (t graphqlHTTP) params(r *http.Request) (*graphql.RawParams, *gqlerror.Error) {
	p := &graphql.RawParams{}
	if t.get {
		q := r.URL.Query()
		p.Query, p.OperationName = q.Get("query"), q.Get("operationName")
		for name, dst := range map[string]*map[string]any{"variables": &p.Variables, "extensions": &p.Extensions} {
			if raw := q.Get(name); raw != "" {
				if err := decodeJSON(strings.NewReader(raw), dst); err != nil {
					return nil, requestError("%s is not a JSON object: %v", name, err)
				}
			}
		}
		return p, nil
	}
	var body struct {
		Query         any `json:"query"`
		OperationName any `json:"operationName"`
		Variables     any `json:"variables"`
		Extensions    any `json:"extensions"`
	}
	if err := decodeJSON(r.Body, &body); err != nil {
		return nil, requestError("the request body is not a JSON object: %v", err)
	}
	var ok bool
	if p.Query, ok = optional[string](body.Query); !ok {
		return nil, requestError("query must be a string")
	}
	if p.OperationName, ok = optional[string](body.OperationName); !ok {
		return nil, requestError("operationName must be a string")
	}
	if p.Variables, ok = optional[map[string]any](body.Variables); !ok {
		return nil, requestError("variables must be an object")
	}
	if p.Extensions, ok = optional[map[string]any](body.Extensions); !ok {
		return nil, requestError("extensions must be an object")
	}
	return p, nil
}

// optional returns v as a T, the zero T for null, and false for any other type.
func optional[T any](v any) (T, bool) {
	var zero T
	if v == nil {
		return zero, true
	}
	t, ok := v.(T)
	return t, ok
}

// decodeJSON decodes one JSON value into v, numbers as json.Number, refusing trailing data.
func decodeJSON(r io.Reader, v any) error {
	dec := json.NewDecoder(r)
	dec.UseNumber()
	if err := dec.Decode(v); err != nil {
		if errors.Is(err, io.EOF) {
			return errors.New("it is empty")
		}
		// Not the decoder's text: it may quote the input, or say how deep it nests.
		return errors.New("it does not parse, or nests deeper than 10,000 levels")
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return errors.New("it has data after the JSON value")
	}
	return nil
}

// requestError is the error of a request that is not a GraphQL request.
func requestError(format string, args ...any) *gqlerror.Error {
	return &gqlerror.Error{Message: fmt.Sprintf(format, args...), Extensions: map[string]any{"code": string(apperr.BadUserInput)}}
}

// responseMedia picks the response's media type from Accept: the first of
// application/json and application/graphql-response+json it lists, application/json
// without an Accept, for */* and application/*, and when it lists neither.
func responseMedia(r *http.Request) string {
	for part := range strings.SplitSeq(r.Header.Get("Accept"), ",") {
		mt, _, err := mime.ParseMediaType(strings.TrimSpace(part))
		if err != nil {
			continue
		}
		switch mt {
		case mediaJSON, "*/*", "application/*":
			return mediaJSON
		case mediaGraphQLResponse:
			return mediaGraphQLResponse
		}
	}
	return mediaJSON
}

// outcome is how far a request got: what its status and data entry depend on.
type outcome int

const (
	// executed: the operation ran; 200, with a data entry.
	executed outcome = iota
	// requestFailed: the document did not parse or validate, or its variables did not
	// coerce, or a limit refused it; 200 under application/json (the spec's SHOULD), 400
	// under application/graphql-response+json, no data entry.
	requestFailed
	// malformedRequest: the body or the parameters are not a GraphQL request at all (JSON
	// that does not parse, a query that is not a string); 400 under either media type.
	malformedRequest
)

// writeGraphQL writes resp in media, with the status its outcome and its error codes call for.
func writeGraphQL(w http.ResponseWriter, media string, out outcome, resp *graphql.Response) {
	requestErr := out != executed
	status := http.StatusOK
	if out == malformedRequest || (requestErr && media == mediaGraphQLResponse) {
		status = http.StatusBadRequest
	}
	var retryAfter int
	if len(resp.Errors) > 0 && (requestErr || noData(resp.Data)) {
		for _, e := range resp.Errors {
			code, _ := e.Extensions["code"].(string)
			if s, ok := transportStatus(apperr.Code(code)); ok {
				status = s
				retryAfter, _ = e.Extensions["retryAfter"].(int)
				break
			}
		}
	}
	data := dataEntry(requestErr, resp.Data)
	head, tail, err := responseParts(resp.Errors, data, resp.Extensions)
	if err != nil {
		status, head, data, tail = http.StatusInternalServerError, []byte(`{"errors":[{"message":"internal error","extensions":{"code":"INTERNAL"}}]}`), nil, nil
	}
	h := w.Header()
	h.Set("Content-Type", media+"; charset=utf-8")
	setRetryAfter(h, status, time.Duration(retryAfter)*time.Second)
	w.WriteHeader(status)
	_, _ = w.Write(head)
	if len(data) > 0 {
		_, _ = w.Write(data)
	}
	if len(tail) > 0 {
		_, _ = w.Write(tail)
	}
}

// responseParts are the response {"errors":…,"data":…,"extensions":…}, each entry only
// when present, but for data itself: the body is head, data, tail. data, which the
// executor wrote, is written as it is, without a copy into a body of its own: json.Marshal
// of a json.RawMessage would scan and re-encode the whole of it, and a copy is one of the
// largest allocations of a list query.
func responseParts(errs gqlerror.List, data json.RawMessage, exts map[string]any) (head, tail []byte, err error) {
	head = append(make([]byte, 0, 64), '{')
	if len(errs) > 0 {
		b, err := json.Marshal(errs)
		if err != nil {
			return nil, nil, err
		}
		head = append(head, `"errors":`...)
		head = append(head, b...)
	}
	if len(data) > 0 {
		if len(head) > 1 {
			head = append(head, ',')
		}
		head = append(head, `"data":`...)
	}
	tail = head[len(head):] // the rest of head's array: head is not appended to again
	if len(exts) > 0 {
		b, err := json.Marshal(exts)
		if err != nil {
			return nil, nil, err
		}
		if len(head) > 1 || len(data) > 0 {
			tail = append(tail, ',')
		}
		tail = append(tail, `"extensions":`...)
		tail = append(tail, b...)
	}
	return head, append(tail, '}'), nil
}

// dataEntry is the response's data entry: none for a request error, null when execution
// produced none.
func dataEntry(requestErr bool, data json.RawMessage) json.RawMessage {
	if requestErr {
		return nil
	}
	if len(data) == 0 {
		return json.RawMessage("null")
	}
	return data
}

// noData reports whether data is null or holds only null root fields: the operation
// failed as a whole.
func noData(data json.RawMessage) bool {
	if len(data) == 0 || bytes.Equal(bytes.TrimSpace(data), []byte("null")) {
		return true
	}
	var roots map[string]json.RawMessage
	if json.Unmarshal(data, &roots) != nil {
		return false
	}
	for _, v := range roots {
		if !bytes.Equal(bytes.TrimSpace(v), []byte("null")) {
			return false
		}
	}
	return true
}
