package main

import (
	"encoding/json"
	"testing"

	"github.com/vektah/gqlparser/v2/gqlerror"
)

// The body is written in three parts; together they are the response object with each
// entry only when present, in the order errors, data, extensions.
func TestResponseParts(t *testing.T) {
	errs := gqlerror.List{{Message: "boom"}}
	exts := map[string]any{"cost": 3}
	data := json.RawMessage(`{"a":1}`)
	tests := []struct {
		name string
		errs gqlerror.List
		data json.RawMessage
		exts map[string]any
		want string
	}{
		{"nothing", nil, nil, nil, `{}`},
		{"data", nil, data, nil, `{"data":{"a":1}}`},
		{"errors", errs, nil, nil, `{"errors":[{"message":"boom"}]}`},
		{"extensions", nil, nil, exts, `{"extensions":{"cost":3}}`},
		{"errors and data", errs, data, nil, `{"errors":[{"message":"boom"}],"data":{"a":1}}`},
		{"data and extensions", nil, data, exts, `{"data":{"a":1},"extensions":{"cost":3}}`},
		{"errors and extensions", errs, nil, exts, `{"errors":[{"message":"boom"}],"extensions":{"cost":3}}`},
		{"all", errs, data, exts, `{"errors":[{"message":"boom"}],"data":{"a":1},"extensions":{"cost":3}}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			head, tail, err := responseParts(tt.errs, tt.data, tt.exts)
			if err != nil {
				t.Fatal(err)
			}
			got := string(head) + string(tt.data) + string(tail)
			if got != tt.want {
				t.Fatalf("got %s, want %s", got, tt.want)
			}
			if !json.Valid([]byte(got)) {
				t.Fatalf("%s is not JSON", got)
			}
		})
	}
}
