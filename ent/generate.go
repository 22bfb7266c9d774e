// Package ent holds the generated ent client; the schema lives in ent/schema.
//
// `go generate ./...` runs entc first (ent code and graph/ent.graphqls), then gqlgen.
package ent

//go:generate go run entc.go
//go:generate go -C .. tool gqlgen
