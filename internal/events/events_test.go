package events

import (
	"context"
	"testing"
	"time"
)

// TestHubOverflowCoalesces: a subscriber that does not read gets one resync instead of
// blocking the publisher; a filtered-out event never arrives; a cancelled subscription
// closes its channel and leaves the hub.
func TestHubOverflowCoalesces(t *testing.T) {
	tests := []struct {
		name      string
		published int
		want      []string
	}{
		{"fits", 2, []string{TypeRegistrant, TypeRegistrant}},
		{"overflows", 5, []string{TypeResync, TypeRegistrant}}, // the 4th overflows, the 5th queues
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := NewHub()
			defer h.Close()
			ctx, cancel := context.WithCancel(context.Background())
			ch, err := h.Subscribe(ctx, func(e Event) bool { return e.LaunchID == 1 }, 3)
			if err != nil {
				t.Fatal(err)
			}
			for i := 0; i < tc.published; i++ {
				if err := h.Publish(ctx, Event{Type: TypeRegistrant, LaunchID: 1}, Event{Type: TypeRegistrant, LaunchID: 2}); err != nil {
					t.Fatal(err)
				}
			}
			var got []string
			for len(ch) > 0 {
				got = append(got, (<-ch).Type)
			}
			if len(got) != len(tc.want) {
				t.Fatalf("got %v, want %v", got, tc.want)
			}
			for i := range got {
				if got[i] != tc.want[i] {
					t.Errorf("got %v, want %v", got, tc.want)
				}
			}
			cancel()
			select {
			case _, ok := <-ch:
				if ok {
					t.Error("channel still open after cancel")
				}
			case <-time.After(time.Second):
				t.Error("channel not closed after cancel")
			}
			if n := h.Subscribers(); n != 0 {
				t.Errorf("%d subscribers left", n)
			}
		})
	}
}

// TestHubNumbersAndPrepares: the hub numbers events in order and runs prepare on each
// before any subscriber receives it.
func TestHubNumbersAndPrepares(t *testing.T) {
	h := NewHub()
	defer h.Close()
	ch, err := h.Subscribe(context.Background(), nil, 8)
	if err != nil {
		t.Fatal(err)
	}
	var prepared []uint64
	h.Prepare(func(e Event) {
		if len(ch) != 0 {
			t.Errorf("event %d delivered before it was prepared", e.Seq)
		}
		prepared = append(prepared, e.Seq)
	})
	if err := h.Publish(context.Background(), Event{Type: TypeLaunch, LaunchID: 1}); err != nil {
		t.Fatal(err)
	}
	<-ch
	if err := h.Publish(context.Background(), Event{Type: TypeLaunch, LaunchID: 1}); err != nil {
		t.Fatal(err)
	}
	if got := (<-ch).Seq; got != 2 || len(prepared) != 2 || prepared[0] != 1 || prepared[1] != 2 {
		t.Fatalf("seq %d, prepared %v; want 2, [1 2]", got, prepared)
	}
}

// TestBrokersPreload: both brokers take preload functions and Hook finds them.
func TestBrokersPreload(t *testing.T) {
	for name, b := range map[string]Broker{"hub": NewHub(), "postgres": NewPostgres(nil, "", nil)} {
		if _, ok := b.(Preloader); !ok {
			t.Errorf("%s is no Preloader", name)
		}
		if _, ok := b.(preloadRunner); !ok {
			t.Errorf("%s does not run preloads for Hook", name)
		}
	}
}
