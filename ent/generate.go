// Package ent holds the generated ent client; the schema lives in ent/schema.
//
// `go generate ./...` runs entc first (ent code and graph/ent.graphqls), then gqlgen, then
// internal/execpatch, which points gqlgen's executor at the fast paths of graph/fastexec.go.
package ent

//go:generate go run entc.go
//go:generate go -C .. tool gqlgen
//go:generate go -C .. run ./internal/execpatch graph/generated.go
