package seed_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"launchgraph/ent"
	"launchgraph/ent/format"
	"launchgraph/ent/guidelineset"
	"launchgraph/ent/launch"
	"launchgraph/ent/objective"
	"launchgraph/ent/region"
	"launchgraph/ent/session"
	"launchgraph/internal/opt"
	"launchgraph/internal/seed"
	"launchgraph/internal/store/storetest"
)

// openClient opens a fresh, migrated embedded store.
func openClient(t *testing.T) *ent.Client {
	t.Helper()
	return storetest.SQLite(t).Client
}

func load(t *testing.T, client *ent.Client) seed.Result {
	t.Helper()
	res, err := seed.Load(context.Background(), client)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	return res
}

func instant(t *testing.T, s string) time.Time {
	t.Helper()
	v, err := time.Parse(time.RFC3339, s)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

const objective1 = "Inform about the ever more increasing risks and harms that children face online as well as propose responses to the same;"

func TestEmpty(t *testing.T) {
	ctx := context.Background()
	client := openClient(t)
	empty, err := seed.Empty(ctx, client)
	if err != nil || !empty {
		t.Fatalf("Empty before Load = %v, %v; want true, nil", empty, err)
	}
	load(t, client)
	empty, err = seed.Empty(ctx, client)
	if err != nil || empty {
		t.Fatalf("Empty after Load = %v, %v; want false, nil", empty, err)
	}
}

func TestLoadCounts(t *testing.T) {
	ctx := context.Background()
	client := openClient(t)
	// 6 regions + 5 formats + 5 objectives + 4 guideline sets + 5 launches + 5 sessions.
	if got, want := load(t, client), (seed.Result{Created: 30}); got != want {
		t.Fatalf("first Load = %+v, want %+v", got, want)
	}
	counts := []struct {
		name  string
		count func() (int, error)
		want  int
	}{
		{"regions", func() (int, error) { return client.Region.Query().Count(ctx) }, 6},
		{"formats", func() (int, error) { return client.Format.Query().Count(ctx) }, 5},
		{"objectives", func() (int, error) { return client.Objective.Query().Count(ctx) }, 5},
		{"guideline sets", func() (int, error) { return client.GuidelineSet.Query().Count(ctx) }, 4},
		{"launches", func() (int, error) { return client.Launch.Query().Count(ctx) }, 5},
		{"sessions", func() (int, error) { return client.Session.Query().Count(ctx) }, 5},
		{"speakers", func() (int, error) { return client.Speaker.Query().Count(ctx) }, 0},
		{"registrants", func() (int, error) { return client.Registrant.Query().Count(ctx) }, 0},
	}
	for _, c := range counts {
		t.Run(c.name, func(t *testing.T) {
			got, err := c.count()
			if err != nil {
				t.Fatal(err)
			}
			if got != c.want {
				t.Errorf("%s = %d, want %d", c.name, got, c.want)
			}
		})
	}
}

func TestLoadRegionsFormatsObjectivesGuidelines(t *testing.T) {
	ctx := context.Background()
	client := openClient(t)
	load(t, client)

	regions := []struct{ code, name, zone string }{
		{"AFR", "Africa", "Africa/Addis_Ababa"},
		{"AMS", "Americas", "America/Sao_Paulo"},
		{"ARB", "Arab States", "Africa/Cairo"},
		{"ASP", "Asia & Pacific", "Asia/Bangkok"},
		{"CIS", "CIS", "Europe/Moscow"},
		{"EUR", "Europe", "Europe/Zurich"},
	}
	for _, want := range regions {
		t.Run("region "+want.code, func(t *testing.T) {
			r, err := client.Region.Query().Where(region.Code(want.code)).Only(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if r.Name != want.name || r.DefaultTimezone != want.zone {
				t.Errorf("got %q %q, want %q %q", r.Name, r.DefaultTimezone, want.name, want.zone)
			}
		})
	}

	one, four := 1, 4
	formats := []struct {
		kind format.Kind
		name string
		days *int
	}{
		{format.KindHIGH_LEVEL_PANEL, "High-level panel", nil},
		{format.KindONE_DAY_FORUM, "One-day forum", &one},
		{format.KindTRAINING, "Training for policy-makers", &four},
		{format.KindONLINE_DIALOGUE, "Online dialogue", nil},
		{format.KindREGIONAL_LAUNCH, "Regional launch", nil},
	}
	for _, want := range formats {
		t.Run("format "+string(want.kind), func(t *testing.T) {
			f, err := client.Format.Query().Where(format.KindEQ(want.kind)).Only(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if f.Name != want.name || opt.Val(f.Description) == "" {
				t.Errorf("name %q description %q, want name %q and a description", f.Name, opt.Val(f.Description), want.name)
			}
			if (f.TypicalDurationDays == nil) != (want.days == nil) ||
				(want.days != nil && *f.TypicalDurationDays != *want.days) {
				t.Errorf("typical duration = %v, want %v", f.TypicalDurationDays, want.days)
			}
		})
	}

	objectives, err := client.Objective.Query().Order(objective.ByPosition()).All(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for i, o := range objectives {
		if o.Position != i+1 || !o.SeriesWide || o.Text == "" {
			t.Errorf("objective %d = position %d seriesWide %v text %q", i, o.Position, o.SeriesWide, o.Text)
		}
	}
	if objectives[0].Text != objective1 {
		t.Errorf("objective 1 = %q, want %q", objectives[0].Text, objective1)
	}
	if want := "Commit for future joint efforts to implement COP Guidelines at the local, national, regional and international levels"; objectives[4].Text != want {
		t.Errorf("objective 5 = %q, want %q", objectives[4].Text, want)
	}

	const digwatch = "https://dig.watch/updates/itu-launches-redesigned-2020-guidelines-child-online-protection"
	guidelines := []struct {
		audience guidelineset.Audience
		title    string
	}{
		{guidelineset.AudienceCHILDREN, "Guidelines for children"},
		{guidelineset.AudiencePARENTS_EDUCATORS, "Guidelines for parents and educators"},
		{guidelineset.AudienceINDUSTRY, "Guidelines for industry"},
		{guidelineset.AudiencePOLICY_MAKERS, "Guidelines for policy-makers"},
	}
	for _, want := range guidelines {
		t.Run("guidelines "+string(want.audience), func(t *testing.T) {
			g, err := client.GuidelineSet.Query().Where(guidelineset.AudienceEQ(want.audience)).Only(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if g.Title != want.title || opt.Val(g.URL) != digwatch {
				t.Errorf("got %q %q, want %q %q", g.Title, opt.Val(g.URL), want.title, digwatch)
			}
		})
	}
}

func TestLoadLaunches(t *testing.T) {
	ctx := context.Background()
	client := openClient(t)
	load(t, client)

	tests := []struct {
		slug, region, title string
		format              format.Kind
		zone                string
		starts, ends        string
		confirmed           bool
		languages, hosts    []string
		source              string
		sessions            int
	}{
		{
			slug: "americas-2020", region: "AMS", format: format.KindREGIONAL_LAUNCH,
			title: "Regional Launch of the COP 2020 Guidelines: Americas",
			zone:  "America/New_York", starts: "2020-10-19T04:00:00Z", ends: "2020-10-20T04:00:00Z",
			languages: []string{"es", "en"}, hosts: []string{"ITU BDT"},
			source: "https://itu.int/zh/ITU-D/bdt-director/Pages/Speeches.aspx?ItemID=305",
		},
		{
			slug: "cis-2020", region: "CIS", format: format.KindONE_DAY_FORUM,
			title: "Regional Launch of the COP 2020 Guidelines: CIS",
			zone:  "Europe/Moscow", starts: "2020-10-27T07:00:00Z", ends: "2020-10-27T12:00:00Z", confirmed: true,
			languages: []string{"ru", "en"}, hosts: []string{"ITU", "UNESCO IITE"},
			source:   "https://iite.unesco.org/announcements/forum-on-child-online-protection/",
			sessions: 3,
		},
		{
			slug: "africa-2020", region: "AFR", format: format.KindTRAINING,
			title: "Regional Launch of the COP 2020 Guidelines: Africa",
			zone:  "Africa/Addis_Ababa", starts: "2020-10-25T21:00:00Z", ends: "2020-10-30T21:00:00Z",
			languages: []string{"en", "fr"}, hosts: []string{"ITU"},
			source:   "https://africafeeds.com/2020/10/30/child-online-protection-guidelines-launched-in-africa",
			sessions: 2,
		},
		{
			slug: "arab-states-2020", region: "ARB", format: format.KindONLINE_DIALOGUE,
			title: "Online Regional Dialogue on the 2020 ITU COP Guidelines and Opportunities for Implementation in the Arab Region",
			zone:  "Africa/Cairo", starts: "2020-11-23T09:00:00Z", ends: "2020-11-23T11:00:00Z", confirmed: true,
			languages: []string{"ar", "en"}, hosts: []string{"ITU Arab Regional Initiative"},
			source: "https://www.itu.int/en/ITU-D/Regional-Presence/ArabStates/Pages/Events/2020/COP/COP.aspx",
		},
		{
			slug: "europe-2020", region: "EUR", format: format.KindREGIONAL_LAUNCH,
			title: "ITU Forum for Europe on Child Online Protection",
			zone:  "Europe/Kyiv", starts: "2020-11-25T22:00:00Z", ends: "2020-11-27T22:00:00Z",
			languages: []string{"en"},
			hosts:     []string{"ITU", "A.S. Popov Odessa National Academy of Telecommunications (ONAT), Ukraine"},
			source:    "https://www.itu.int/en/ITU-D/Regional-Presence/Europe/Pages/Events/2020/EUR_COP/Remote.aspx",
		},
	}
	for _, tt := range tests {
		t.Run(tt.slug, func(t *testing.T) {
			l, err := client.Launch.Query().Where(launch.Slug(tt.slug)).
				WithRegion().WithFormat().Only(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if l.Title != tt.title {
				t.Errorf("title = %q, want %q", l.Title, tt.title)
			}
			if l.Edges.Region.Code != tt.region {
				t.Errorf("region = %s, want %s", l.Edges.Region.Code, tt.region)
			}
			if l.Edges.Format.Kind != tt.format {
				t.Errorf("format = %s, want %s", l.Edges.Format.Kind, tt.format)
			}
			if l.Status != launch.StatusCOMPLETED {
				t.Errorf("status = %s, want COMPLETED", l.Status)
			}
			if l.Timezone != tt.zone {
				t.Errorf("timezone = %s, want %s", l.Timezone, tt.zone)
			}
			if want := instant(t, tt.starts); !l.StartsAt.Equal(want) {
				t.Errorf("startsAt = %s, want %s", l.StartsAt.UTC().Format(time.RFC3339), tt.starts)
			}
			if want := instant(t, tt.ends); !l.EndsAt.Equal(want) {
				t.Errorf("endsAt = %s, want %s", l.EndsAt.UTC().Format(time.RFC3339), tt.ends)
			}
			if l.TimeConfirmed != tt.confirmed {
				t.Errorf("timeConfirmed = %v, want %v", l.TimeConfirmed, tt.confirmed)
			}
			if !l.Online || l.Venue != nil || l.OnlineURL != nil || l.Capacity != nil {
				t.Errorf("online %v venue %q onlineURL %q capacity %v, want online, no venue, no URL, nil capacity",
					l.Online, opt.Val(l.Venue), opt.Val(l.OnlineURL), l.Capacity)
			}
			if !slices.Equal(l.Languages, tt.languages) {
				t.Errorf("languages = %q, want %q", l.Languages, tt.languages)
			}
			if !slices.Equal(l.Hosts, tt.hosts) {
				t.Errorf("hosts = %q, want %q", l.Hosts, tt.hosts)
			}
			if opt.Val(l.SourceURL) != tt.source {
				t.Errorf("sourceUrl = %q, want %q", opt.Val(l.SourceURL), tt.source)
			}
			if n, err := l.QueryObjectives().Where(objective.SeriesWide(true)).Count(ctx); err != nil || n != 5 {
				t.Errorf("series-wide objectives = %d, %v; want 5", n, err)
			}
			if n, err := l.QueryGuidelineSets().Count(ctx); err != nil || n != 4 {
				t.Errorf("guideline sets = %d, %v; want 4", n, err)
			}
			if n, err := l.QuerySessions().Count(ctx); err != nil || n != tt.sessions {
				t.Errorf("sessions = %d, %v; want %d", n, err, tt.sessions)
			}
		})
	}
}

func TestLoadSessions(t *testing.T) {
	ctx := context.Background()
	client := openClient(t)
	load(t, client)

	ruEn := []string{"ru", "en"}
	tests := []struct {
		slug         string
		position     int
		title        string
		kind         session.Kind
		starts, ends string
		channel      string
		interpreting []string
	}{
		// Session hours are unknown: each CIS session is the whole local day, unconfirmed.
		{"cis-2020", 1, "Global perspective", session.KindPANEL, "2020-10-26T21:00:00Z", "2020-10-27T21:00:00Z", "Zoom", ruEn},
		{"cis-2020", 2, "Policy and industry", session.KindPANEL, "2020-10-26T21:00:00Z", "2020-10-27T21:00:00Z", "Zoom", ruEn},
		{"cis-2020", 3, "Parents, educators and children", session.KindPANEL, "2020-10-26T21:00:00Z", "2020-10-27T21:00:00Z", "Zoom", ruEn},
		{"africa-2020", 1, "Training for policy-makers", session.KindTRAINING, "2020-10-25T21:00:00Z", "2020-10-29T21:00:00Z", "", nil},
		{"africa-2020", 2, "Launch of the COP 2020 Guidelines", session.KindDIALOGUE, "2020-10-29T21:00:00Z", "2020-10-30T21:00:00Z", "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.slug+"/"+tt.title, func(t *testing.T) {
			s, err := client.Session.Query().
				Where(session.HasLaunchWith(launch.Slug(tt.slug)), session.Position(tt.position)).
				Only(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if s.Title != tt.title || s.Kind != tt.kind {
				t.Errorf("got %q %s, want %q %s", s.Title, s.Kind, tt.title, tt.kind)
			}
			if want := instant(t, tt.starts); !s.StartsAt.Equal(want) {
				t.Errorf("startsAt = %s, want %s", s.StartsAt.UTC().Format(time.RFC3339), tt.starts)
			}
			if want := instant(t, tt.ends); !s.EndsAt.Equal(want) {
				t.Errorf("endsAt = %s, want %s", s.EndsAt.UTC().Format(time.RFC3339), tt.ends)
			}
			if s.TimeConfirmed {
				t.Error("timeConfirmed = true, want false")
			}
			if opt.Val(s.Channel) != tt.channel || s.Room != nil {
				t.Errorf("channel %q room %q, want %q and no room", opt.Val(s.Channel), opt.Val(s.Room), tt.channel)
			}
			if !slices.Equal(s.InterpretationLanguages, tt.interpreting) || s.InterpretationLanguages == nil {
				t.Errorf("interpretation = %#v, want %q (not null)", s.InterpretationLanguages, tt.interpreting)
			}
			if n, err := s.QuerySpeakers().Count(ctx); err != nil || n != 0 {
				t.Errorf("speakers = %d, %v; want none", n, err)
			}
		})
	}
}

// stamps returns the updated_at of every row, keyed by table and ID.
func stamps(t *testing.T, client *ent.Client) map[string]time.Time {
	t.Helper()
	ctx := context.Background()
	out := map[string]time.Time{}
	add := func(table string, id int, at time.Time) { out[fmt.Sprintf("%s/%d", table, id)] = at }
	regions, err := client.Region.Query().All(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range regions {
		add("region", v.ID, v.UpdatedAt)
	}
	formats, err := client.Format.Query().All(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range formats {
		add("format", v.ID, v.UpdatedAt)
	}
	objectives, err := client.Objective.Query().All(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range objectives {
		add("objective", v.ID, v.UpdatedAt)
	}
	guidelines, err := client.GuidelineSet.Query().All(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range guidelines {
		add("guideline", v.ID, v.UpdatedAt)
	}
	launches, err := client.Launch.Query().All(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range launches {
		add("launch", v.ID, v.UpdatedAt)
	}
	sessions, err := client.Session.Query().All(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range sessions {
		add("session", v.ID, v.UpdatedAt)
	}
	return out
}

func TestLoadIdempotent(t *testing.T) {
	client := openClient(t)
	load(t, client)
	before := stamps(t, client)
	if len(before) != 30 {
		t.Fatalf("rows after first Load = %d, want 30", len(before))
	}
	time.Sleep(10 * time.Millisecond) // a bumped updated_at would differ
	if got := load(t, client); got != (seed.Result{}) {
		t.Fatalf("second Load = %+v, want {0 0}", got)
	}
	after := stamps(t, client)
	if len(after) != len(before) {
		t.Fatalf("rows after second Load = %d, want %d", len(after), len(before))
	}
	for key, at := range before {
		if !after[key].Equal(at) {
			t.Errorf("%s: updated_at moved from %s to %s", key, at, after[key])
		}
	}
}

func TestLoadRepairsDrift(t *testing.T) {
	ctx := context.Background()
	client := openClient(t)
	load(t, client)

	// Drift: a renamed region, a lost objective link, a deleted session; plus an editor's
	// own regional objective, which Load must keep.
	client.Region.Update().Where(region.Code("EUR")).SetName("Europe (renamed)").ExecX(ctx)
	cis := client.Launch.Query().Where(launch.Slug("cis-2020")).OnlyX(ctx)
	first := client.Objective.Query().Where(objective.Position(1)).OnlyX(ctx)
	extra := client.Objective.Create().SetText("A regional focus").SetPosition(6).SaveX(ctx)
	cis.Update().RemoveObjectiveIDs(first.ID).AddObjectiveIDs(extra.ID).ExecX(ctx)
	client.Session.Delete().Where(session.LaunchID(cis.ID), session.Position(2)).ExecX(ctx)
	client.Launch.Update().Where(launch.Slug("europe-2020")).SetVenue("Somewhere").SetOnlineURL("https://example.org/x").ExecX(ctx)

	if got, want := load(t, client), (seed.Result{Created: 1, Updated: 3}); got != want {
		t.Fatalf("repairing Load = %+v, want %+v", got, want)
	}
	if name := client.Region.Query().Where(region.Code("EUR")).OnlyX(ctx).Name; name != "Europe" {
		t.Errorf("EUR name = %q, want Europe", name)
	}
	if eu := client.Launch.Query().Where(launch.Slug("europe-2020")).OnlyX(ctx); eu.Venue != nil || eu.OnlineURL != nil {
		t.Errorf("europe venue %q onlineUrl %q, want both unknown again", opt.Val(eu.Venue), opt.Val(eu.OnlineURL))
	}
	ids := cis.QueryObjectives().IDsX(ctx)
	if len(ids) != 6 || !slices.Contains(ids, first.ID) || !slices.Contains(ids, extra.ID) {
		t.Errorf("cis objectives = %v, want the 5 series-wide ones and %d", ids, extra.ID)
	}
	if n := cis.QuerySessions().CountX(ctx); n != 3 {
		t.Errorf("cis sessions = %d, want 3", n)
	}
	if got := load(t, client); got != (seed.Result{}) {
		t.Errorf("Load after repair = %+v, want {0 0}", got)
	}
}

func TestScheduleResolve(t *testing.T) {
	moscow, err := time.LoadLocation("Europe/Moscow")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name         string
		in           seed.Schedule
		starts, ends string
		confirmed    bool
		wantErr      bool
	}{
		{"hours", seed.Schedule{StartDate: "2020-10-27", EndDate: "2020-10-27", StartTime: "10:00", EndTime: "15:00"},
			"2020-10-27T07:00:00Z", "2020-10-27T12:00:00Z", true, false},
		{"one day", seed.Schedule{StartDate: "2020-10-27", EndDate: "2020-10-27"},
			"2020-10-26T21:00:00Z", "2020-10-27T21:00:00Z", false, false},
		{"several days", seed.Schedule{StartDate: "2020-10-26", EndDate: "2020-10-29"},
			"2020-10-25T21:00:00Z", "2020-10-29T21:00:00Z", false, false},
		{"one hour only", seed.Schedule{StartDate: "2020-10-27", EndDate: "2020-10-27", StartTime: "10:00"},
			"", "", false, true},
		{"end before start", seed.Schedule{StartDate: "2020-10-27", EndDate: "2020-10-26"},
			"", "", false, true},
		{"bad date", seed.Schedule{StartDate: "27/10/2020", EndDate: "2020-10-27"},
			"", "", false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			start, end, confirmed, err := tt.in.Resolve(moscow)
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, wantErr %v", err, tt.wantErr)
			}
			if tt.wantErr {
				return
			}
			if !start.Equal(instant(t, tt.starts)) || !end.Equal(instant(t, tt.ends)) || confirmed != tt.confirmed {
				t.Errorf("got %s–%s confirmed %v, want %s–%s confirmed %v",
					start.Format(time.RFC3339), end.Format(time.RFC3339), confirmed, tt.starts, tt.ends, tt.confirmed)
			}
		})
	}
}

func TestData(t *testing.T) {
	d, err := seed.Data()
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Regions) != 6 || len(d.Formats) != 5 || len(d.Objectives) != 5 ||
		len(d.GuidelineSets) != 4 || len(d.Launches) != 5 {
		t.Fatalf("data set sizes %d/%d/%d/%d/%d, want 6/5/5/4/5",
			len(d.Regions), len(d.Formats), len(d.Objectives), len(d.GuidelineSets), len(d.Launches))
	}
	for _, l := range d.Launches {
		if l.Region == "ASP" {
			t.Errorf("launch %s: no Asia & Pacific launch was found", l.Slug)
		}
		if l.SourceURL == "" {
			t.Errorf("launch %s: no source URL", l.Slug)
		}
	}
}
