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

	"launchgraph/internal/gctune"
)

// gcHeadroom is how much the heap may grow past the live heap between collections (while
// that is 0.25–4 times the live heap, stacks and globals; internal/gctune): a registration
// burst or a read load keeps a live heap of tens of MB, where Go's GOGC=100 spent a sixth
// of the CPU collecting, and 10,000 websockets ~320 MB, where it let the heap grow as much.
const gcHeadroom = 128 << 20

func main() {
	if os.Getenv("GOGC") == "" { // an explicit GOGC wins
		defer gctune.Start(gcHeadroom).Stop()
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args, os.Getenv, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintf(os.Stderr, "launchgraph: %v\n", err)
		os.Exit(1)
	}
}
