package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/coder/websocket"

	"launchgraph/ent"
	"launchgraph/internal/auth"
	"launchgraph/internal/store"
	"launchgraph/internal/store/storetest"
)

// Figures (latency, memory, 10,000 sockets) come from `go run ./bench subscribe` against a
// server in its own process (README, Performance); these tests assert what must hold.

const titleSubscription = `subscription($id: ID!) { launchChanged(id: $id) { title } }`

// titleOf returns a launchChanged message's title.
func titleOf(tb testing.TB, m wsMsg) string {
	tb.Helper()
	var got struct{ LaunchChanged struct{ Title string } }
	m.data(tb, &got)
	return got.LaunchChanged.Title
}

// warmUp changes launch l's title ("warm N") until every client has received one: then
// each is subscribed. A last change ("warm ready") is read by every client, so that none
// holds a warm-up message afterwards.
func warmUp(t *testing.T, db *store.DB, l *ent.Launch, clients []*wsClient) {
	t.Helper()
	ctx := context.Background()
	live := make([]bool, len(clients))
	for n := 0; ; n++ {
		if n == 100 {
			t.Fatal("subscribers not live after 100 warm-up changes")
		}
		db.Client.Launch.UpdateOneID(l.ID).SetTitle("warm " + strconv.Itoa(n)).ExecX(ctx)
		all := true
		for i, c := range clients {
			for !live[i] {
				m, ok := c.within(50 * time.Millisecond)
				if !ok {
					break
				}
				live[i] = strings.HasPrefix(titleOf(t, m), "warm ")
			}
			all = all && live[i]
		}
		if all {
			break
		}
	}
	db.Client.Launch.UpdateOneID(l.ID).SetTitle("warm ready").ExecX(ctx)
	for i, c := range clients {
		for title := ""; title != "warm ready"; {
			m, ok := c.within(10 * time.Second)
			if !ok {
				t.Fatalf("client %d: no warm-up sentinel", i)
			}
			title = titleOf(t, m)
		}
	}
}

// readTitles reads c's launchChanged titles after the warm-up until want[len-1], and
// returns them.
func readTitles(t *testing.T, c *wsClient, last string) []string {
	var got []string
	for {
		m, ok := c.within(30 * time.Second)
		if !ok {
			return append(got, "<nothing for 30s>")
		}
		title := titleOf(t, m)
		if strings.HasPrefix(title, "warm ") {
			continue
		}
		got = append(got, title)
		if title == last {
			return got
		}
	}
}

// TestLiveFanoutInOrder: 120 websocket subscribers of one launch (both subprotocols, so one
// shared execution per subprotocol's identical document) each receive every one of 100
// committed title changes, once, in order, on both stores.
func TestLiveFanoutInOrder(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		srv := testServer(t, db)
		l := regLaunch(t, db)
		vars := map[string]any{"id": strconv.Itoa(l.ID)}
		clients := make([]*wsClient, 120)
		for i := range clients {
			proto := []string{"graphql-transport-ws", "graphql-ws"}[i%2]
			c, err := dialWS(t, srv.URL, proto, map[string]any{}, nil)
			if err != nil {
				t.Fatal(err)
			}
			c.subscribe(t, "1", titleSubscription, vars)
			clients[i] = c
		}
		warmUp(t, db, l, clients)
		const changes = 100
		want := make([]string, changes)
		for n := range want {
			want[n] = "t" + strconv.Itoa(n)
		}
		var wg sync.WaitGroup
		got := make([][]string, len(clients))
		for i, c := range clients {
			wg.Go(func() { got[i] = readTitles(t, c, want[changes-1]) })
		}
		ctx := context.Background()
		for _, title := range want { // one after another, as fast as they commit
			db.Client.Launch.UpdateOneID(l.ID).SetTitle(title).ExecX(ctx)
		}
		wg.Wait()
		for i := range got {
			if strings.Join(got[i], " ") != strings.Join(want, " ") {
				t.Fatalf("subscriber %d (%s) got %d titles %v, want t0 … t%d once each, in order",
					i, clients[i].proto, len(got[i]), got[i], changes-1)
			}
		}
	})
}

// TestLiveFanoutConcurrentWriters: four writers change one launch's title at once, each
// in its own transaction; every one of 40 subscribers receives each of the 100 committed
// states once, and all in the same order (the commit order), on both stores.
func TestLiveFanoutConcurrentWriters(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		srv := testServer(t, db)
		l := regLaunch(t, db)
		vars := map[string]any{"id": strconv.Itoa(l.ID)}
		clients := make([]*wsClient, 40)
		for i := range clients {
			c, err := dialWS(t, srv.URL, "graphql-transport-ws", map[string]any{}, nil)
			if err != nil {
				t.Fatal(err)
			}
			c.subscribe(t, "1", titleSubscription, vars)
			clients[i] = c
		}
		warmUp(t, db, l, clients)
		ctx := context.Background()
		var writers sync.WaitGroup
		for w := range 4 {
			writers.Go(func() {
				for n := range 25 {
					tx, err := db.Client.Tx(ctx)
					if err != nil {
						t.Error(err)
						return
					}
					tx.Launch.UpdateOneID(l.ID).SetTitle(fmt.Sprintf("w%d-%d", w, n)).ExecX(ctx)
					if err := tx.Commit(); err != nil {
						t.Error(err)
						return
					}
				}
			})
		}
		writers.Wait()
		db.Client.Launch.UpdateOneID(l.ID).SetTitle("end").ExecX(ctx)
		var first []string
		for i, c := range clients {
			got := readTitles(t, c, "end")
			seen := map[string]bool{}
			for _, title := range got {
				if seen[title] {
					t.Fatalf("subscriber %d got %s twice: %v", i, title, got)
				}
				seen[title] = true
			}
			if len(got) != 101 {
				t.Fatalf("subscriber %d got %d states, want all 100 and the end: %v", i, len(got), got)
			}
			if first == nil {
				first = got
			} else if strings.Join(got, " ") != strings.Join(first, " ") {
				t.Fatalf("subscriber %d saw another order:\n%v\nthan subscriber 0:\n%v", i, got, first)
			}
		}
	})
}

// TestLaunchChangedAfterAdminMutation: changes made by the updateLaunch mutation (in its
// transaction) reach public and partner subscribers with the launch's edges resolved
// after the commit, on both stores; a draft reaches the partner only, and the public
// subscriber's next message is the sentinel that publishes it again.
func TestLaunchChangedAfterAdminMutation(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		srv := testServer(t, db)
		l := regLaunch(t, db)
		q := `subscription($id: ID!) { launchChanged(id: $id) { title status region { code } sessions { totalCount } } }`
		vars := map[string]any{"id": strconv.Itoa(l.ID)}
		public, err := dialWS(t, srv.URL, "graphql-transport-ws", map[string]any{}, nil)
		if err != nil {
			t.Fatal(err)
		}
		partner, err := dialWS(t, srv.URL, "graphql-transport-ws", map[string]any{"authorization": "Bearer " + newKey(t, db, auth.Partner)}, nil)
		if err != nil {
			t.Fatal(err)
		}
		public.subscribe(t, "1", q, vars)
		partner.subscribe(t, "1", q, vars)
		warmUp(t, db, l, []*wsClient{public, partner})
		admin := adminKey(t, db)
		update := func(input map[string]any) {
			var out struct{ UpdateLaunch struct{ ID string } }
			dataAs(t, srv.URL, admin, `mutation($id: ID!, $input: UpdateLaunchInput!) { updateLaunch(id: $id, input: $input) { id } }`,
				map[string]any{"id": strconv.Itoa(l.ID), "input": input}, &out)
		}
		type state struct {
			Title, Status string
			Region        struct{ Code string }
			Sessions      struct{ TotalCount int }
		}
		next := func(c *wsClient) state {
			var got struct{ LaunchChanged state }
			c.next(t, 5*time.Second).data(t, &got)
			return got.LaunchChanged
		}
		update(map[string]any{"title": "Renamed"})
		update(map[string]any{"title": "Secret", "status": "DRAFT"})
		update(map[string]any{"title": "Sentinel", "status": "PUBLISHED"})
		for _, want := range []string{"Renamed/PUBLISHED", "Secret/DRAFT", "Sentinel/PUBLISHED"} {
			if got := next(partner); got.Title+"/"+got.Status != want || got.Region.Code != "EUR" {
				t.Fatalf("partner got %+v, want %s in EUR", got, want)
			}
		}
		for _, want := range []string{"Renamed", "Sentinel"} {
			if got := next(public); got.Title != want || got.Region.Code != "EUR" {
				t.Fatalf("public got %+v, want %s in EUR (never the draft)", got, want)
			}
		}
	})
}

// stallDial opens sockets with a 4 KiB receive buffer, so that one never read pushes back
// on the server within a few messages.
var stallDial = (&net.Dialer{Control: func(_, _ string, c syscall.RawConn) error {
	var err error
	if cerr := c.Control(func(fd uintptr) {
		err = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, 4096)
	}); cerr != nil {
		return cerr
	}
	return err
}}).DialContext

// TestStalledSocketDoesNotDelayOthers: a socket that stops reading (its 100 KB messages
// fill the kernel buffers within a few dozen) never delays the 100 that read: they get
// every change in order. The stalled subscription's backlog (live.Backlog responses)
// collapses: when it reads again it finds fewer messages than changes, in order, ending
// with the final state.
func TestStalledSocketDoesNotDelayOthers(t *testing.T) {
	db := storetest.Postgres(t)
	// The write timeout that drops a stalled socket (10 s) is tested on its own
	// (wsprotocol_test.go): here the socket stays, to show that its backlog collapses.
	srv := testServer(t, db, func(c *config) { c.streamTimings.WriteTimeout = 5 * time.Minute })
	big := strings.Repeat("x", 20000)
	l := regLaunch(t, db, func(c *ent.LaunchCreate) { c.SetDescription(big) })
	vars := map[string]any{"id": strconv.Itoa(l.ID)}

	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	stalled, _, err := websocket.Dial(ctx, wsURL(srv.URL), &websocket.DialOptions{
		Subprotocols: []string{"graphql-transport-ws"},
		HTTPClient:   &http.Client{Transport: &http.Transport{DialContext: stallDial}},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer stalled.CloseNow()
	stalled.SetReadLimit(1 << 20)
	for _, m := range []wsMsg{{Type: "connection_init", Payload: mustJSON(map[string]any{})},
		{ID: "1", Type: "subscribe", Payload: mustJSON(map[string]any{
			"query":     `subscription($id: ID!) { launchChanged(id: $id) { title a: description b: description c: description d: description e: description } }`,
			"variables": vars})}} {
		raw, _ := json.Marshal(m)
		if err := stalled.Write(ctx, websocket.MessageText, raw); err != nil {
			t.Fatal(err)
		}
	}

	clients := make([]*wsClient, 100)
	for i := range clients {
		c, err := dialWS(t, srv.URL, "graphql-transport-ws", map[string]any{}, nil)
		if err != nil {
			t.Fatal(err)
		}
		c.subscribe(t, "1", titleSubscription, vars)
		clients[i] = c
	}
	warmUp(t, db, l, clients)
	const changes = 600
	last := "t" + strconv.Itoa(changes-1)
	var wg sync.WaitGroup
	got := make([][]string, len(clients))
	for i, c := range clients {
		wg.Go(func() { got[i] = readTitles(t, c, last) })
	}
	for n := range changes {
		db.Client.Launch.UpdateOneID(l.ID).SetTitle("t" + strconv.Itoa(n)).ExecX(ctx)
	}
	wg.Wait()
	for i := range got {
		if len(got[i]) != changes || got[i][changes-1] != last {
			t.Fatalf("reading subscriber %d got %d of %d changes (last %v) while another socket stalled",
				i, len(got[i]), changes, got[i][max(0, len(got[i])-1):])
		}
	}
	titles := readStalled(t, ctx, stalled, last)
	if len(titles) >= changes || titles[len(titles)-1] != last {
		t.Fatalf("stalled socket read %d messages (last %q), want fewer than %d (collapsed) ending with %s",
			len(titles), titles[len(titles)-1], changes, last)
	}
	t.Logf("stalled socket: %d of %d changes were still queued for it, the rest collapsed", len(titles), changes)
}

// readStalled reads the stalled socket until the launch's title is last, checking that
// titles only move forward.
func readStalled(t *testing.T, ctx context.Context, c *websocket.Conn, last string) []string {
	t.Helper()
	var titles []string
	prev := -1
	for {
		_, raw, err := c.Read(ctx)
		if err != nil {
			t.Fatalf("stalled socket after %d messages: %v", len(titles), err)
		}
		var m wsMsg
		if err := json.Unmarshal(raw, &m); err != nil || m.Type != "next" {
			continue // connection_ack, pings
		}
		title := titleOf(t, m)
		if strings.HasPrefix(title, "warm ") {
			continue
		}
		n, _ := strconv.Atoi(strings.TrimPrefix(title, "t"))
		if n <= prev {
			t.Fatalf("stalled socket: %s after t%d", title, prev)
		}
		prev = n
		titles = append(titles, title)
		if title == last {
			return titles
		}
	}
}

// TestSubscriptionResponsesReadAfresh: each response of a subscription reads afresh (the
// request's loaders cache): registration counts selected beside the title follow a
// registration made between two changes.
func TestSubscriptionResponsesReadAfresh(t *testing.T) {
	db := storetest.SQLite(t)
	srv := testServer(t, db)
	l := regLaunch(t, db, func(c *ent.LaunchCreate) { c.SetCapacity(10) })
	c, err := dialWS(t, srv.URL, "graphql-transport-ws", map[string]any{"authorization": "Bearer " + adminKey(t, db)}, nil)
	if err != nil {
		t.Fatal(err)
	}
	c.subscribe(t, "1", `subscription($id: ID!) { launchChanged(id: $id) { title registrationStats { confirmed } } }`,
		map[string]any{"id": strconv.Itoa(l.ID)})
	ctx := context.Background()
	var got struct {
		LaunchChanged struct {
			Title             string
			RegistrationStats struct{ Confirmed int }
		}
	}
	for n := 0; got.LaunchChanged.Title != "ready"; n++ { // until subscribed
		if n == 50 {
			t.Fatal("not subscribed after 50 changes")
		}
		db.Client.Launch.UpdateOneID(l.ID).SetTitle("ready").ExecX(ctx)
		if m, ok := c.within(100 * time.Millisecond); ok {
			m.data(t, &got)
		}
	}
	for i := range 2 {
		newRegClient(srv.URL, "").register(t, regInput(l.ID, fmt.Sprintf("fresh%d@example.org", i)))
		db.Client.Launch.UpdateOneID(l.ID).SetTitle("after " + strconv.Itoa(i)).ExecX(ctx)
		for {
			c.next(t, 5*time.Second).data(t, &got)
			if got.LaunchChanged.Title == "after "+strconv.Itoa(i) {
				break
			}
		}
		if got.LaunchChanged.RegistrationStats.Confirmed != i+1 {
			t.Fatalf("after registration %d: confirmed %d, want %d", i+1, got.LaunchChanged.RegistrationStats.Confirmed, i+1)
		}
	}
}
