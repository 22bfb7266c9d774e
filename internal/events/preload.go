package events

import (
	"context"
	"sync"

	"launchgraph/ent"
)

// PreloadFunc loads what the subscribers of ev will read, through client: inside the
// transaction that commits ev when inTx (before the commit, while the changed rows are
// still locked, so that no later change can come between), else right after the change.
// It returns what to do once the change is committed (nil: nothing).
type PreloadFunc func(ctx context.Context, client *ent.Client, inTx bool, ev Event) (committed func())

// Preloader is a Broker whose publishing process preloads: Hook runs the preload
// functions for each change it publishes.
type Preloader interface {
	Preload(preload PreloadFunc)
}

// preloads holds a broker's preload functions.
type preloads struct {
	mu  sync.Mutex
	fns []PreloadFunc
}

// Preload implements Preloader.
func (p *preloads) Preload(f PreloadFunc) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.fns = append(p.fns, f)
}

// runPreloads calls every preload function on evs and returns what to do after the commit.
func (p *preloads) runPreloads(ctx context.Context, client *ent.Client, inTx bool, evs []Event) []func() {
	p.mu.Lock()
	fns := p.fns
	p.mu.Unlock()
	var done []func()
	for _, ev := range evs {
		for _, f := range fns {
			if d := f(ctx, client, inTx, ev); d != nil {
				done = append(done, d)
			}
		}
	}
	return done
}

// preloadRunner is what Hook needs of a broker that preloads (Hub and Postgres).
type preloadRunner interface {
	runPreloads(ctx context.Context, client *ent.Client, inTx bool, evs []Event) []func()
}

// preload runs pub's preload functions on evs, if it has any.
func preload(ctx context.Context, pub Publisher, client *ent.Client, inTx bool, evs []Event) []func() {
	if r, ok := pub.(preloadRunner); ok {
		return r.runPreloads(ctx, client, inTx, evs)
	}
	return nil
}

func runAll(fns []func()) {
	for _, f := range fns {
		f()
	}
}
