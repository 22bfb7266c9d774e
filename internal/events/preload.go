package events

import (
	"sync"

	"launchgraph/ent"
)

// PreloadFunc is told, in the process that committed ev and before ev is published, what
// the change left: changed is the mutation's value (the entity as its own statement
// returned it, inside the transaction, when the mutation changed one), inTx whether it
// came from a transaction that has now committed. No later change can have come between
// that statement and the row lock's release: it is the state of exactly this change.
type PreloadFunc func(ev Event, changed ent.Value, inTx bool)

// Preloader is a Broker whose publishing process preloads: Hook calls the preload
// functions for each change it publishes, before publishing it.
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

// runPreloads calls every preload function on evs.
func (p *preloads) runPreloads(evs []Event, inTx bool) {
	p.mu.Lock()
	fns := p.fns
	p.mu.Unlock()
	for _, ev := range evs {
		for _, f := range fns {
			f(ev, ev.changed, inTx)
		}
	}
}

// preloadRunner is what Hook needs of a broker that preloads (Hub and Postgres).
type preloadRunner interface {
	runPreloads(evs []Event, inTx bool)
}

// preload runs pub's preload functions on evs, if it has any.
func preload(pub Publisher, evs []Event, inTx bool) {
	if r, ok := pub.(preloadRunner); ok {
		r.runPreloads(evs, inTx)
	}
}
