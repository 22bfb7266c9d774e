package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"sync"
	"testing"
	"time"

	"launchgraph/ent"
	"launchgraph/ent/auditentry"
	"launchgraph/ent/format"
	"launchgraph/ent/region"
	"launchgraph/internal/auth"
	"launchgraph/internal/store"
	"launchgraph/internal/store/storetest"
)

const registerMutation = `mutation($input: RegisterInput!) {
  register(input: $input) { registrant { id status waitlistPosition } manageToken }
}`

const registrationQuery = `query($token: String!) {
  registration(token: $token) { id name email status waitlistPosition checkedInAt }
}`

const seatsQuery = `query($id: ID!) {
  node(id: $id) { ... on Launch { seats { capacity confirmed pending waitlisted remaining } } }
}`

type registerData struct {
	Register struct {
		Registrant struct {
			ID               string
			Status           string
			WaitlistPosition *int
		}
		ManageToken string
	}
}

type registrantData struct {
	ID               string
	Name, Email      string
	Status           string
	WaitlistPosition *int
	CheckedInAt      *string
}

type seatsData struct {
	Node struct {
		Seats struct {
			Capacity                       *int
			Confirmed, Pending, Waitlisted int
			Remaining                      *int
		}
	}
}

// regLaunch creates a PUBLISHED launch a month ahead (and its region and format) in db.
func regLaunch(tb testing.TB, db *store.DB, mods ...func(*ent.LaunchCreate)) *ent.Launch {
	tb.Helper()
	ctx := context.Background()
	suffix := strconv.FormatInt(time.Now().UnixNano(), 36)
	region, err := db.Client.Region.Query().Where(region.Code("EUR")).Only(ctx)
	if ent.IsNotFound(err) {
		region, err = db.Client.Region.Create().SetCode("EUR").SetName("Europe").SetDefaultTimezone("Europe/Zurich").Save(ctx)
	}
	if err != nil {
		tb.Fatalf("region: %v", err)
	}
	format, err := db.Client.Format.Query().Where(format.KindEQ(format.KindONE_DAY_FORUM)).First(ctx)
	if ent.IsNotFound(err) {
		format, err = db.Client.Format.Create().SetKind("ONE_DAY_FORUM").SetName("One-day forum").Save(ctx)
	}
	if err != nil {
		tb.Fatalf("format: %v", err)
	}
	start := time.Now().UTC().Add(30 * 24 * time.Hour).Truncate(time.Hour)
	c := db.Client.Launch.Create().
		SetSlug("launch-" + suffix).SetTitle("Launch " + suffix).
		SetRegion(region).SetFormat(format).SetStatus("PUBLISHED").
		SetStartsAt(start).SetEndsAt(start.Add(6 * time.Hour)).SetTimezone("Europe/Zurich")
	for _, m := range mods {
		m(c)
	}
	return c.SaveX(ctx)
}

// regInput is a valid RegisterInput for launchID and email.
func regInput(launchID int, email string) map[string]any {
	return map[string]any{
		"launchId": strconv.Itoa(launchID), "name": "Person " + email, "email": email,
		"country": "UA", "stakeholder": "YOUTH", "attendance": "IN_PERSON", "language": "fr",
		"consent": true,
	}
}

// regClient posts GraphQL with an optional API key over a pooled client sized for
// concurrent tests.
type regClient struct {
	url  string
	key  string
	http *http.Client
}

func newRegClient(url, key string) *regClient {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = 64
	return &regClient{url: url, key: key, http: &http.Client{Transport: tr, Timeout: 30 * time.Second}}
}

func (c *regClient) post(tb testing.TB, query string, vars map[string]any) (gqlResponse, []byte) {
	tb.Helper()
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	req, _ := http.NewRequest(http.MethodPost, c.url+"/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if c.key != "" {
		req.Header.Set("Authorization", "Bearer "+c.key)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		tb.Errorf("post: %v", err)
		return gqlResponse{}, nil
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var out gqlResponse
	if err := json.Unmarshal(raw, &out); err != nil {
		tb.Errorf("status %d, decode %s: %v", resp.StatusCode, raw, err)
	}
	return out, raw
}

func (c *regClient) data(tb testing.TB, query string, vars map[string]any, v any) {
	tb.Helper()
	resp, _ := c.post(tb, query, vars)
	if len(resp.Errors) > 0 {
		tb.Fatalf("errors: %+v", resp.Errors)
	}
	if err := json.Unmarshal(resp.Data, v); err != nil {
		tb.Fatalf("decode data %s: %v", resp.Data, err)
	}
}

func (c *regClient) register(tb testing.TB, input map[string]any) registerData {
	tb.Helper()
	var got registerData
	c.data(tb, registerMutation, map[string]any{"input": input}, &got)
	return got
}

func (c *regClient) registration(tb testing.TB, token string) *registrantData {
	tb.Helper()
	var got struct{ Registration *registrantData }
	c.data(tb, registrationQuery, map[string]any{"token": token}, &got)
	return got.Registration
}

func (c *regClient) seats(tb testing.TB, launchID int) seatsData {
	tb.Helper()
	var got seatsData
	c.data(tb, seatsQuery, map[string]any{"id": strconv.Itoa(launchID)}, &got)
	return got
}

// TestRegistrationFlow is the public flow end to end: register, read by token, cancel, and
// the waitlisted registrant promoted into the freed seat.
func TestRegistrationFlow(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		l := regLaunch(t, db, func(c *ent.LaunchCreate) { c.SetCapacity(1).SetWaitlistEnabled(true) })
		c := newRegClient(testServer(t, db).URL, "")

		first := c.register(t, regInput(l.ID, "first@example.org")).Register
		second := c.register(t, regInput(l.ID, "second@example.org")).Register
		if first.Registrant.Status != "CONFIRMED" || second.Registrant.Status != "WAITLISTED" ||
			second.Registrant.WaitlistPosition == nil || *second.Registrant.WaitlistPosition != 1 {
			t.Fatalf("registered %+v and %+v, want CONFIRMED and WAITLISTED 1", first.Registrant, second.Registrant)
		}
		if len(first.ManageToken) != 43 || first.ManageToken == second.ManageToken {
			t.Fatalf("manage tokens %q, %q", first.ManageToken, second.ManageToken)
		}

		// The token opens the registrant's own personal fields; a wrong token reads nothing.
		mine := c.registration(t, first.ManageToken)
		if mine == nil || mine.ID != first.Registrant.ID || mine.Email != "first@example.org" || mine.Name != "Person first@example.org" {
			t.Fatalf("registration(token) = %+v", mine)
		}
		if got := c.registration(t, "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"); got != nil {
			t.Errorf("registration(unknown token) = %+v, want null", got)
		}
		seats := c.seats(t, l.ID).Node.Seats
		if seats.Confirmed != 1 || seats.Waitlisted != 1 || *seats.Remaining != 0 || *seats.Capacity != 1 {
			t.Errorf("seats = %+v, want 1 confirmed, 1 waitlisted, 0 remaining", seats)
		}

		var cancelled struct{ CancelRegistration registrantData }
		c.data(t, `mutation($token: String!) { cancelRegistration(token: $token) { id status waitlistPosition } }`,
			map[string]any{"token": first.ManageToken}, &cancelled)
		if cancelled.CancelRegistration.Status != "CANCELLED" {
			t.Fatalf("cancelRegistration = %+v", cancelled.CancelRegistration)
		}
		promoted := c.registration(t, second.ManageToken)
		if promoted == nil || promoted.Status != "CONFIRMED" || promoted.WaitlistPosition != nil {
			t.Fatalf("waitlisted after the cancellation = %+v, want CONFIRMED", promoted)
		}
		seats = c.seats(t, l.ID).Node.Seats
		if seats.Confirmed != 1 || seats.Waitlisted != 0 || *seats.Remaining != 0 {
			t.Errorf("seats after cancel = %+v, want 1 confirmed, none waiting", seats)
		}

		// Unlimited launches report no capacity and no remaining count.
		open := regLaunch(t, db)
		if s := c.seats(t, open.ID).Node.Seats; s.Capacity != nil || s.Remaining != nil {
			t.Errorf("unlimited seats = %+v, want null capacity and remaining", s)
		}
	})
}

// TestRegisterBadInput checks that bad input gets a coded error naming the field, and
// that nothing is written.
func TestRegisterBadInput(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		l := regLaunch(t, db, func(c *ent.LaunchCreate) { c.SetCapacity(10) })
		closed := regLaunch(t, db, func(c *ent.LaunchCreate) { c.SetRegistrationOpensAt(time.Now().Add(time.Hour)) })
		draft := regLaunch(t, db, func(c *ent.LaunchCreate) { c.SetStatus("DRAFT") })
		c := newRegClient(testServer(t, db).URL, "")
		with := func(launchID int, k string, v any) map[string]any {
			in := regInput(launchID, "bad@example.org")
			if v == nil {
				delete(in, k)
			} else {
				in[k] = v
			}
			return in
		}
		tests := []struct {
			name        string
			input       map[string]any
			code, field string
		}{
			{"email syntax", with(l.ID, "email", "not-an-address"), "BAD_USER_INPUT", "email"},
			{"email with display name", with(l.ID, "email", "Bad <bad@example.org>"), "BAD_USER_INPUT", "email"},
			{"empty name", with(l.ID, "name", "   "), "BAD_USER_INPUT", "name"},
			{"long name", with(l.ID, "name", string(bytes.Repeat([]byte("n"), 201))), "BAD_USER_INPUT", "name"},
			{"country", with(l.ID, "country", "Narnia"), "BAD_USER_INPUT", "country"},
			{"language", with(l.ID, "language", "de"), "BAD_USER_INPUT", "language"},
			{"short idempotency key", with(l.ID, "idempotencyKey", "k1"), "BAD_USER_INPUT", "idempotencyKey"},
			{"no consent", with(l.ID, "consent", false), "CONSENT_REQUIRED", "consent"},
			{"unknown launch", with(1<<40, "launchId", strconv.Itoa(1<<40)), "NOT_FOUND", "launchId"},
			{"draft launch", with(draft.ID, "launchId", strconv.Itoa(draft.ID)), "NOT_FOUND", "launchId"},
			{"not open yet", with(closed.ID, "launchId", strconv.Itoa(closed.ID)), "REGISTRATION_CLOSED", ""},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				resp, raw := c.post(t, registerMutation, map[string]any{"input": tt.input})
				if resp.code() != tt.code {
					t.Fatalf("response %s, want code %s", raw, tt.code)
				}
				if field, _ := resp.Errors[0].Extensions["field"].(string); field != tt.field {
					t.Errorf("field = %q, want %q", field, tt.field)
				}
				if string(resp.Data) != "null" {
					t.Errorf("data = %s, want null", resp.Data)
				}
			})
		}
		ctx := context.Background()
		if n := db.Client.Registrant.Query().CountX(ctx) + db.Client.IdempotencyKey.Query().CountX(ctx); n != 0 {
			t.Errorf("%d rows written by refused registrations", n)
		}
		// A GraphQL-level type error (a bad enum) is refused before anything runs.
		resp, raw := c.post(t, registerMutation, map[string]any{"input": with(l.ID, "stakeholder", "ALIENS")})
		if len(resp.Errors) == 0 {
			t.Errorf("bad enum accepted: %s", raw)
		}
	})
}

// TestModeration drives the admin mutations over HTTP: FORBIDDEN without an admin key,
// approve / check in / reject with one, each audited.
func TestModeration(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		key, _, err := auth.Create(ctx, db.Client, auth.Admin, "moderator", 0)
		if err != nil {
			t.Fatal(err)
		}
		l := regLaunch(t, db, func(c *ent.LaunchCreate) { c.SetCapacity(1).SetWaitlistEnabled(true).SetRequiresApproval(true) })
		srv := testServer(t, db)
		public, admin := newRegClient(srv.URL, ""), newRegClient(srv.URL, key)

		p := public.register(t, regInput(l.ID, "p@example.org")).Register
		w := public.register(t, regInput(l.ID, "w@example.org")).Register
		if p.Registrant.Status != "PENDING" || w.Registrant.Status != "WAITLISTED" {
			t.Fatalf("statuses %s, %s; want PENDING, WAITLISTED", p.Registrant.Status, w.Registrant.Status)
		}
		const approve = `mutation($id: ID!) { approveRegistration(id: $id) { id status } }`
		if resp, raw := public.post(t, approve, map[string]any{"id": p.Registrant.ID}); resp.code() != "FORBIDDEN" {
			t.Errorf("public approve: %s, want FORBIDDEN", raw)
		}
		var approved struct{ ApproveRegistration registrantData }
		admin.data(t, approve, map[string]any{"id": p.Registrant.ID}, &approved)
		if approved.ApproveRegistration.Status != "CONFIRMED" {
			t.Fatalf("approved = %+v", approved.ApproveRegistration)
		}
		var checked struct{ CheckIn registrantData }
		admin.data(t, `mutation($id: ID!) { checkIn(id: $id) { id status checkedInAt } }`, map[string]any{"id": p.Registrant.ID}, &checked)
		if checked.CheckIn.CheckedInAt == nil {
			t.Errorf("checkIn = %+v, want checkedInAt", checked.CheckIn)
		}
		if resp, raw := admin.post(t, `mutation($id: ID!) { checkIn(id: $id) { id } }`, map[string]any{"id": w.Registrant.ID}); resp.code() != "CONFLICT" {
			t.Errorf("check in waitlisted: %s, want CONFLICT", raw)
		}
		var rejected struct {
			RejectRegistration struct{ Status, RejectionReason string }
		}
		admin.data(t, `mutation($id: ID!) { rejectRegistration(id: $id, reason: "no show") { status rejectionReason } }`,
			map[string]any{"id": p.Registrant.ID}, &rejected)
		if rejected.RejectRegistration.Status != "REJECTED" || rejected.RejectRegistration.RejectionReason != "no show" {
			t.Errorf("rejected = %+v", rejected.RejectRegistration)
		}
		// The freed seat goes to the waitlisted registrant, pending approval.
		if got := public.registration(t, w.ManageToken); got == nil || got.Status != "PENDING" {
			t.Errorf("waitlisted after the rejection = %+v, want PENDING", got)
		}
		// register next to an admin field joins the operation's transaction: the failing
		// checkIn (the registrant is pending) rolls the registration back with it.
		before := db.Client.Registrant.Query().CountX(ctx)
		resp, raw := admin.post(t, `mutation($input: RegisterInput!, $id: ID!) {
			register(input: $input) { manageToken } checkIn(id: $id) { id } }`,
			map[string]any{"input": regInput(l.ID, "mixed@example.org"), "id": w.Registrant.ID})
		if resp.code() != "CONFLICT" {
			t.Errorf("mixed mutation: %s, want CONFLICT", raw)
		}
		if after := db.Client.Registrant.Query().CountX(ctx); after != before {
			t.Errorf("registrants %d → %d: the failed operation left a registration", before, after)
		}
		for _, op := range []string{"approveRegistration", "checkIn", "rejectRegistration"} {
			n := db.Client.AuditEntry.Query().Where(auditentry.Operation(op), auditentry.EntityType("Registrant")).CountX(ctx)
			if n == 0 {
				t.Errorf("no audit entry for %s", op)
			}
		}
	})
}

// TestConcurrentRegisterOverHTTP runs concurrency scenarios through the whole stack: a
// small launch with a waitlist filled by many clients at once, and one idempotency key
// sent 20 times at once.
func TestConcurrentRegisterOverHTTP(t *testing.T) {
	run := func(t *testing.T, db *store.DB, calls int) {
		const capacity, workers = 5, 32
		l := regLaunch(t, db, func(c *ent.LaunchCreate) { c.SetCapacity(capacity).SetWaitlistEnabled(true) })
		c := newRegClient(testServer(t, db, unlimited).URL, "") // more registrations than one address may send

		var mu sync.Mutex
		statuses := map[string]int{}
		positions := map[int]bool{}
		var wg sync.WaitGroup
		next := make(chan int)
		for range workers {
			wg.Go(func() {
				for i := range next {
					resp, raw := c.post(t, registerMutation, map[string]any{"input": regInput(l.ID, fmt.Sprintf("h%d@example.org", i))})
					var d registerData
					if len(resp.Errors) > 0 || json.Unmarshal(resp.Data, &d) != nil {
						t.Errorf("register %d: %s", i, raw)
						continue
					}
					mu.Lock()
					statuses[d.Register.Registrant.Status]++
					if p := d.Register.Registrant.WaitlistPosition; p != nil {
						if positions[*p] {
							t.Errorf("waitlist position %d given twice", *p)
						}
						positions[*p] = true
					}
					mu.Unlock()
				}
			})
		}
		for i := range calls {
			next <- i
		}
		close(next)
		wg.Wait()
		if statuses["CONFIRMED"] != capacity || statuses["WAITLISTED"] != calls-capacity {
			t.Errorf("statuses %v, want %d CONFIRMED and %d WAITLISTED", statuses, capacity, calls-capacity)
		}
		for p := 1; p <= calls-capacity; p++ {
			if !positions[p] {
				t.Errorf("waitlist position %d missing", p)
				break
			}
		}

		// The same idempotency key 20 times at once: one row, 20 identical responses.
		in := regInput(l.ID, "same-key@example.org")
		in["idempotencyKey"] = "7d9f1c2e-0a4b-4c6d-8e9f-a1b2c3d4e5f6"
		bodies := make([]string, 20)
		var kw sync.WaitGroup
		for i := range bodies {
			kw.Go(func() {
				_, raw := c.post(t, registerMutation, map[string]any{"input": in})
				bodies[i] = string(raw)
			})
		}
		kw.Wait()
		for _, b := range bodies[1:] {
			if b != bodies[0] {
				t.Fatalf("responses differ:\n%s\n%s", bodies[0], b)
			}
		}
		var d struct{ Data registerData }
		if err := json.Unmarshal([]byte(bodies[0]), &d); err != nil || d.Data.Register.ManageToken == "" {
			t.Fatalf("idempotent response %s", bodies[0])
		}
		if n := db.Client.IdempotencyKey.Query().CountX(context.Background()); n != 1 {
			t.Errorf("%d idempotency keys, want 1", n)
		}
	}
	t.Run("sqlite", func(t *testing.T) { run(t, storetest.SQLite(t), 60) })
	t.Run("postgres", func(t *testing.T) { run(t, storetest.Postgres(t), 200) })
}
