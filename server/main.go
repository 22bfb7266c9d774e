// Command server runs launchgraph: the GraphQL API for the ITU COP 2020 Guidelines
// regional launches. `go run ./server` serves the seeded embedded store on :8080.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	_ "time/tzdata" // IANA zones even on machines without a zoneinfo database
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args, os.Getenv, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintf(os.Stderr, "launchgraph: %v\n", err)
		os.Exit(1)
	}
}
