//go:build pprof

package main

import (
	"net/http"
	_ "net/http/pprof" // registers /debug/pprof on http.DefaultServeMux
	"os"
)

// A server built with -tags pprof serves net/http/pprof on PPROF_ADDR (default
// 127.0.0.1:6060), for profiling benchmarks (README, Performance). Release builds have no
// such listener.
func init() {
	addr := os.Getenv("PPROF_ADDR")
	if addr == "" {
		addr = "127.0.0.1:6060"
	}
	go func() { _ = http.ListenAndServe(addr, nil) }() //nolint:gosec // development builds only
}
