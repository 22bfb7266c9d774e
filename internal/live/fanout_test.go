package live

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/99designs/gqlgen/graphql"
)

// source is a shared execution fed by the test: each value sent on ch becomes a response
// {"n":<value>}; closing ch ends the stream.
type source struct {
	ch     chan int
	starts int
}

func (s *source) next(ctx context.Context) graphql.ResponseHandler {
	s.starts++
	return func(ctx context.Context) *graphql.Response {
		select {
		case n, ok := <-s.ch:
			if !ok {
				return nil
			}
			// The executor reuses its buffer: the fan-out must copy.
			return &graphql.Response{Data: []byte(`{"n":` + strconv.Itoa(n) + `}`)}
		case <-ctx.Done():
			return nil
		}
	}
}

func share(key string, p Policy) Share {
	return Share{Key: key, Policy: p, Detach: context.WithoutCancel}
}

// recv returns the next response's data, or "end" when the stream ended, or "none" when
// nothing came within d.
func recv(h graphql.ResponseHandler, d time.Duration) string {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	r := h(ctx)
	switch {
	case r != nil:
		return string(r.Data)
	case ctx.Err() != nil:
		return "none"
	}
	return "end"
}

// waitFor publishes nothing until the group has taken every value sent (the test's
// sentinel for "broadcast done").
func drained(t *testing.T, s *source) {
	t.Helper()
	for i := 0; len(s.ch) > 0; i++ {
		if i > 1000 {
			t.Fatal("the group does not read its source")
		}
		time.Sleep(time.Millisecond)
	}
}

// TestFanoutSharesOneExecution: subscribers of one key share one execution and each gets
// every response in order; another key runs its own; the last to leave ends it.
func TestFanoutSharesOneExecution(t *testing.T) {
	f := NewFanout()
	a, b := &source{ch: make(chan int)}, &source{ch: make(chan int)}
	ctx1, cancel1 := context.WithCancel(context.Background())
	ctx2, cancel2 := context.WithCancel(context.Background())
	h1 := f.Subscribe(ctx1, share("a", Policy{}), a.next)
	h2 := f.Subscribe(ctx2, share("a", Policy{}), a.next)
	hb := f.Subscribe(context.Background(), share("b", Policy{}), b.next)
	for i := 1; i <= 3; i++ {
		a.ch <- i
	}
	b.ch <- 9
	for i := 1; i <= 3; i++ {
		want := `{"n":` + strconv.Itoa(i) + `}`
		if got1, got2 := recv(h1, time.Second), recv(h2, time.Second); got1 != want || got2 != want {
			t.Fatalf("response %d: %s and %s, want %s", i, got1, got2, want)
		}
	}
	if got := recv(hb, time.Second); got != `{"n":9}` {
		t.Fatalf("other key: %s", got)
	}
	if a.starts != 1 || f.Groups() != 2 {
		t.Fatalf("%d executions of a, %d groups; want 1 and 2", a.starts, f.Groups())
	}
	cancel1()
	cancel2()
	for i := 0; f.Groups() != 1; i++ {
		if i > 1000 {
			t.Fatalf("%d groups after every subscriber of a left, want 1", f.Groups())
		}
		time.Sleep(time.Millisecond)
	}
}

// TestFanoutSlowSubscriber: a subscriber that does not read never delays the others;
// once more than Backlog responses behind, it collapses to the latest (Collapse) or its
// stream ends.
func TestFanoutSlowSubscriber(t *testing.T) {
	for _, tc := range []struct {
		name   string
		policy Policy
		want   []string // what the slow subscriber reads afterwards
	}{
		{"collapse", Policy{Collapse: true}, []string{`{"n":299}`, "none"}},
		{"end", Policy{}, []string{"end"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := NewFanout()
			s := &source{ch: make(chan int)}
			slow := f.Subscribe(context.Background(), share("k", tc.policy), s.next)
			fast := f.Subscribe(context.Background(), share("k", tc.policy), s.next)
			for i := range 300 {
				s.ch <- i
				if got, want := recv(fast, time.Second), `{"n":`+strconv.Itoa(i)+`}`; got != want {
					t.Fatalf("fast subscriber: %s, want %s", got, want)
				}
			}
			for i, want := range tc.want {
				if got := recv(slow, 50*time.Millisecond); got != want {
					t.Fatalf("slow subscriber, read %d: %s, want %s", i, got, want)
				}
			}
		})
	}
}

// TestFanoutBacklog: a subscriber up to Backlog responses behind still reads each of
// them, in order.
func TestFanoutBacklog(t *testing.T) {
	f := NewFanout()
	s := &source{ch: make(chan int)}
	slow := f.Subscribe(context.Background(), share("k", Policy{Collapse: true}), s.next)
	fast := f.Subscribe(context.Background(), share("k", Policy{Collapse: true}), s.next)
	for i := range Backlog {
		s.ch <- i
		recv(fast, time.Second)
	}
	for i, want := range append(numbered(0, Backlog), "none") {
		if got := recv(slow, 50*time.Millisecond); got != want {
			t.Fatalf("read %d: %s, want %s", i, got, want)
		}
	}
}

func numbered(from, n int) []string {
	var out []string
	for i := from; i < from+n; i++ {
		out = append(out, `{"n":`+strconv.Itoa(i)+`}`)
	}
	return out
}

// TestFanoutBacklogBytes: large responses are kept fewer (BacklogBytes); a subscriber
// behind what is kept collapses to the latest.
func TestFanoutBacklogBytes(t *testing.T) {
	f := NewFanout()
	ch := make(chan []byte)
	next := func(ctx context.Context) graphql.ResponseHandler {
		return func(ctx context.Context) *graphql.Response {
			b, ok := <-ch
			if !ok {
				return nil
			}
			return &graphql.Response{Data: b}
		}
	}
	slow := f.Subscribe(context.Background(), share("k", Policy{Collapse: true}), next)
	fast := f.Subscribe(context.Background(), share("k", Policy{Collapse: true}), next)
	const size = BacklogBytes / 4
	for i := range 10 {
		ch <- append([]byte{byte('0' + i)}, make([]byte, size)...)
		recv(fast, time.Second)
	}
	// Only the latest three or four fit in BacklogBytes: the slow one lost 0 and more.
	r := slow(context.Background())
	if r == nil || r.Data[0] != '9' {
		t.Fatalf("slow subscriber read %q first, want the latest (9)", r.Data[:1])
	}
}

// TestFanoutReplay: with Replay, a subscriber joining a running stream first gets its
// latest response; without, only what follows.
func TestFanoutReplay(t *testing.T) {
	for _, replay := range []bool{true, false} {
		f := NewFanout()
		s := &source{ch: make(chan int)}
		first := f.Subscribe(context.Background(), share("k", Policy{Replay: replay}), s.next)
		s.ch <- 1
		if got := recv(first, time.Second); got != `{"n":1}` {
			t.Fatalf("first: %s", got)
		}
		late := f.Subscribe(context.Background(), share("k", Policy{Replay: replay}), s.next)
		s.ch <- 2
		drained(t, s)
		want := []string{`{"n":1}`, `{"n":2}`}
		if !replay {
			want = want[1:]
		}
		for _, w := range want {
			if got := recv(late, time.Second); got != w {
				t.Fatalf("replay %v: late subscriber got %s, want %s", replay, got, w)
			}
		}
	}
}

// TestFanoutStreamEnd: when the shared stream ends, every subscriber's stream ends after
// what it holds, and the next subscriber starts a new execution.
func TestFanoutStreamEnd(t *testing.T) {
	f := NewFanout()
	s := &source{ch: make(chan int, 1)}
	h := f.Subscribe(context.Background(), share("k", Policy{}), s.next)
	s.ch <- 1
	close(s.ch)
	if got := recv(h, time.Second); got != `{"n":1}` {
		t.Fatalf("got %s", got)
	}
	if got := recv(h, time.Second); got != "end" {
		t.Fatalf("after the end: %s", got)
	}
	s2 := &source{ch: make(chan int, 1)}
	h2 := f.Subscribe(context.Background(), share("k", Policy{}), s2.next)
	s2.ch <- 7
	if got := recv(h2, time.Second); got != `{"n":7}` || s2.starts != 1 {
		t.Fatalf("new subscriber: %s, %d executions", got, s2.starts)
	}
}
