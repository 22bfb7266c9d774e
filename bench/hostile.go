package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/coder/websocket"
)

// goodQuery is what the well-behaved client asks: a list of 20 launches with region and format.
const goodQuery = `{ launches(first: 20) { totalCount edges { node { id slug title startsAt region { code name } format { kind name } } } } }`

// runHostile sends the attack shapes of issue 17 at -rate per second (over HTTP and one
// websocket) while a well-behaved client asks goodQuery at -good-rate per second, and
// reports the well-behaved client's latency and what the hostile requests got.
func runHostile(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("hostile", flag.ContinueOnError)
	fs.SetOutput(stderr)
	url := fs.String("url", "http://127.0.0.1:8080", "server base URL")
	rate := fs.Int("rate", 10, "hostile requests per second (0: none, a baseline)")
	goodRate := fs.Int("good-rate", 20, "well-behaved requests per second")
	duration := fs.Duration("d", 30*time.Second, "measured duration")
	if err := fs.Parse(args); err != nil {
		return err
	}
	shapes := hostileShapes()
	client := &http.Client{Timeout: 30 * time.Second}
	ctx, cancel := context.WithTimeout(ctx, *duration)
	defer cancel()
	ws, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(*url, "http")+"/graphql", &websocket.DialOptions{Subprotocols: []string{"graphql-transport-ws"}})
	if err != nil {
		return fmt.Errorf("hostile: websocket: %w", err)
	}
	defer ws.CloseNow()
	_ = ws.Write(ctx, websocket.MessageText, []byte(`{"type":"connection_init","payload":{}}`))
	ws.SetReadLimit(1 << 20)
	var mu sync.Mutex
	codes := map[string]int{}
	count := func(code string) { mu.Lock(); codes[code]++; mu.Unlock() }
	go readSocket(ctx, ws, count)

	var wg sync.WaitGroup
	wg.Go(func() { attack(ctx, client, ws, *url, *rate, shapes, count) })
	latencies, failures := goodClient(ctx, client, *url, *goodRate)
	wg.Wait()
	if len(latencies) == 0 {
		return errors.New("hostile: no well-behaved request completed")
	}
	slices.Sort(latencies)
	n := len(latencies)
	pct := func(p float64) time.Duration {
		return latencies[min(n-1, int(float64(n)*p))].Round(10 * time.Microsecond)
	}
	fmt.Fprintf(stdout, "well-behaved client: %d requests at %d/s, p50 %s p90 %s p99 %s max %s, failures %v\n",
		n, *goodRate, pct(0.5), pct(0.9), pct(0.99), latencies[n-1].Round(10*time.Microsecond), failures)
	mu.Lock()
	fmt.Fprintf(stdout, "hostile requests at %d/s: outcomes %v\n", *rate, codes)
	mu.Unlock()
	return nil
}

// attack sends shapes in turn at rate per second until ctx ends, one in seven over ws.
func attack(ctx context.Context, client *http.Client, ws *websocket.Conn, url string, rate int, shapes []string, count func(string)) {
	if rate <= 0 {
		return
	}
	t := time.NewTicker(time.Second / time.Duration(rate))
	defer t.Stop()
	for i := 0; ctx.Err() == nil; i++ {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		body := shapes[i%len(shapes)]
		if i%(len(shapes)+1) == len(shapes) {
			msg := fmt.Sprintf(`{"id":"%d","type":"subscribe","payload":%s}`, i, body)
			_ = ws.Write(ctx, websocket.MessageText, []byte(msg))
			continue
		}
		go func() { count(send(ctx, client, url, "", []byte(body))) }()
	}
}

// goodClient asks goodQuery at rate per second until ctx ends (each request on its own,
// so a slow answer does not delay the next one).
func goodClient(ctx context.Context, client *http.Client, url string, rate int) ([]time.Duration, map[string]int) {
	body, _ := json.Marshal(map[string]any{"query": goodQuery})
	var mu sync.Mutex
	var latencies []time.Duration
	failures := map[string]int{}
	var wg sync.WaitGroup
	t := time.NewTicker(time.Second / time.Duration(rate))
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			wg.Wait()
			return latencies, failures
		case <-t.C:
		}
		wg.Go(func() {
			start := time.Now()
			outcome := send(context.WithoutCancel(ctx), client, url, "", body)
			d := time.Since(start)
			mu.Lock()
			defer mu.Unlock()
			latencies = append(latencies, d)
			if outcome != "" {
				failures[outcome]++
			}
		})
	}
}

// readSocket counts the codes of the websocket's answers.
func readSocket(ctx context.Context, ws *websocket.Conn, count func(string)) {
	for {
		_, data, err := ws.Read(ctx)
		if err != nil {
			return
		}
		var m struct {
			Type    string
			Payload json.RawMessage
		}
		if json.Unmarshal(data, &m) != nil {
			continue
		}
		var errs []struct{ Extensions struct{ Code string } }
		switch m.Type {
		case "next":
			var p struct {
				Errors []struct{ Extensions struct{ Code string } }
			}
			_ = json.Unmarshal(m.Payload, &p)
			errs = p.Errors
		case "error":
			_ = json.Unmarshal(m.Payload, &errs)
		}
		if len(errs) > 0 {
			count("ws " + errs[0].Extensions.Code)
		}
	}
}

// hostileShapes are the request bodies of issue 17's high items.
func hostileShapes() []string {
	var same strings.Builder
	same.WriteString("{ ")
	for i := range 1100 {
		fmt.Fprintf(&same, "launches(first: %d) { totalCount } ", i%100)
	}
	same.WriteString("}")
	frags := func(n int) string {
		var b strings.Builder
		b.WriteString("{ ...f0 } ")
		for i := range n - 1 {
			fmt.Fprintf(&b, "fragment f%d on Query { ...f%d ...f%d } ", i, i+1, i+1)
		}
		fmt.Fprintf(&b, "fragment f%d on Query { regions(first: 1) { totalCount } }", n-1)
		return b.String()
	}
	filter := func(n int) any {
		v := any(map[string]any{"slugNEQ": "none"})
		if n%2 == 1 {
			v = map[string]any{"codeNEQ": "none"}
		}
		for i := n - 1; i >= 0; i-- {
			key := "hasRegionWith"
			if i%2 == 1 {
				key = "hasLaunchesWith"
			}
			v = map[string]any{key: []any{v}}
		}
		return v
	}
	body := func(query string, vars map[string]any) string {
		b, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
		return string(b)
	}
	const byFilter = `query($w: LaunchWhereInput) { launches(where: $w) { totalCount } }`
	return []string{
		body(same.String(), nil),
		body(frags(27), nil),
		body(frags(40), nil),
		body(byFilter, map[string]any{"w": filter(50)}),
		body(byFilter, map[string]any{"w": filter(500)}),
		body("{ __typename"+strings.Repeat(" @include(if: true)", 1000)+" }", nil),
	}
}
