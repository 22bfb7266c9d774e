// Package outbox is the transactional outbox of registration emails: Outbox records each
// registrant state change as a Notification in the transaction of the change (what
// happened, not a message), and Sender renders and delivers them over SMTP (or to .eml
// files) exactly once across replicas, with retries, erasing each sealed manage token once
// its message is sent or has failed. Nothing in rendering can fail or slow the change.
package outbox

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	htmltemplate "html/template"
	netmail "net/mail"
	"net/url"
	"strconv"
	"strings"
	"text/template"
	"time"

	"github.com/wneessen/go-mail"

	"launchgraph/ent"
	"launchgraph/ent/notification"
	"launchgraph/internal/feeds"
	"launchgraph/internal/i18n"
	"launchgraph/internal/intl"
	"launchgraph/internal/opt"
	"launchgraph/internal/registration"
)

// Renderer renders notification emails.
type Renderer struct {
	// From is the sender address (MAIL_FROM).
	From string
	// PublicURL is the base of links (PUBLIC_URL), without a trailing slash.
	PublicURL string
	// ManageURL is the page the manage link opens with ?token=… (MANAGE_URL: a
	// frontend's); empty is this server's own page, PublicURL/manage.
	ManageURL string
}

// Rendered is a rendered message.
type Rendered struct {
	Subject  string
	Language string
	// MIME is the whole message, headers and body.
	MIME []byte
}

// view is what the templates see.
type view struct {
	T          texts
	Lang       string
	Dir        string
	Hello      string
	Intro      string
	Title      string
	Local      string
	UTC        string
	Where      string
	Status     string
	Position   string // a slot: filled per message
	ManageURL  string
	Attachment bool
}

var textTmpl = template.Must(template.New("text").Parse(`{{.Hello}}

{{.Intro}}

{{.Title}}
{{.T.When}}: {{.Local}}
{{.T.UTC}}: {{.UTC}}
{{.T.Where}}: {{.Where}}
{{.T.Status}}: {{.Status}}{{if .Position}}
{{.T.Position}}: {{.Position}}{{end}}
{{if .ManageURL}}
{{.T.Manage}}: {{.ManageURL}}
{{end}}{{if .Attachment}}
{{.T.Calendar}}
{{end}}
-- 
{{.T.Footer}}
`))

var htmlTmpl = htmltemplate.Must(htmltemplate.New("html").Parse(`<!DOCTYPE html>
<html lang="{{.Lang}}" dir="{{.Dir}}">
<head><meta charset="utf-8"><title>{{.Title}}</title></head>
<body dir="{{.Dir}}">
<p>{{.Hello}}</p>
<p>{{.Intro}}</p>
<h1>{{.Title}}</h1>
<table>
<tr><th>{{.T.When}}</th><td>{{.Local}}</td></tr>
<tr><th>{{.T.UTC}}</th><td>{{.UTC}}</td></tr>
<tr><th>{{.T.Where}}</th><td>{{.Where}}</td></tr>
<tr><th>{{.T.Status}}</th><td>{{.Status}}</td></tr>{{if .Position}}
<tr><th>{{.T.Position}}</th><td>{{.Position}}</td></tr>{{end}}
</table>{{if .ManageURL}}
<p><a href="{{.ManageURL}}">{{.T.Manage}}</a></p>{{end}}{{if .Attachment}}
<p>{{.T.Calendar}}</p>{{end}}
<p>{{.T.Footer}}</p>
</body>
</html>
`))

// Render renders the message telling n.Registrant of n.Kind about launch l.
func (r Renderer) Render(n registration.Notice, l *ent.Launch) (Rendered, error) {
	return r.render(n, l, newRenderCache())
}

// renderCache keeps what the messages of one batch share: the text and HTML bodies per
// launch, language, kind and status with slots for the recipient's name, waitlist
// position and manage token (a batch of a ticket drop renders the same few bodies over
// and over), and the calendar attachments per launch and language.
type renderCache struct {
	bodies    map[bodyKey]*body
	calendars map[calendarKey]string
	slots     slots
}

func newRenderCache() *renderCache {
	return &renderCache{bodies: map[bodyKey]*body{}, calendars: map[calendarKey]string{}, slots: newSlots()}
}

type bodyKey struct {
	launch              int
	updated             time.Time
	lang                string
	kind                notification.Kind
	status              string
	position, withToken bool
}

type calendarKey struct {
	launch int
	lang   string
}

// body is a message's text and HTML with slots, and what goes around them.
type body struct {
	text, html string
	subject    string
	lang       string
	hello      string // the greeting, with %s for the name
	attachment bool
}

// slots are markers no launch or registrant text can contain (random, and a control
// character where the context allows it), replaced after the templates ran.
type slots struct{ name, position, token string }

func newSlots() slots {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	r := hex.EncodeToString(b)
	return slots{name: "\x01n" + r + "\x01", position: "\x01p" + r + "\x01", token: "t" + r}
}

// calendar returns the iCalendar attachment of l in lang.
func (c *renderCache) calendar(l *ent.Launch, lang string) string {
	k := calendarKey{l.ID, lang}
	if cal, ok := c.calendars[k]; ok {
		return cal
	}
	cal := feeds.Text(feeds.AllLaunches([]*ent.Launch{l}, lang))
	c.calendars[k] = cal
	return cal
}

// htmlText escapes s as html/template escapes text between tags.
var htmlText = strings.NewReplacer("\x00", "\uFFFD", `"`, "&#34;", "&", "&amp;", "'", "&#39;", "+", "&#43;", "<", "&lt;", ">", "&gt;")

func (r Renderer) render(n registration.Notice, l *ent.Launch, c *renderCache) (Rendered, error) {
	if l == nil {
		return Rendered{}, errors.New("outbox: the launch is gone")
	}
	reg := n.Registrant
	b, err := r.body(n, l, c)
	if err != nil {
		return Rendered{}, err
	}
	name := oneLine(reg.Name)
	pos := ""
	if reg.WaitlistPosition != nil {
		pos = strconv.Itoa(*reg.WaitlistPosition)
	}
	// The token and the position first: the name, last, may hold anything.
	fill := func(s string, escape func(string) string) string {
		s = strings.ReplaceAll(s, c.slots.token, url.QueryEscape(n.ManageToken))
		s = strings.ReplaceAll(s, c.slots.position, pos)
		return strings.ReplaceAll(s, c.slots.name, escape(fmt.Sprintf(b.hello, name)))
	}
	text := fill(b.text, func(s string) string { return s })
	html := fill(b.html, htmlText.Replace)

	m := mail.NewMsg(mail.WithCharset(mail.CharsetUTF8), mail.WithEncoding(mail.EncodingQP))
	if err := m.From(r.From); err != nil {
		return Rendered{}, fmt.Errorf("outbox: from %q: %w", r.From, err)
	}
	// A parsed address quotes and encodes the display name itself (RFC 5322, RFC 2047):
	// quotes, commas, angle brackets or non-ASCII in a name can neither break the header
	// nor fail the message.
	m.AddToMailAddress(&netmail.Address{Name: name, Address: reg.Email})
	m.Subject(b.subject)
	m.SetGenHeader(mail.HeaderContentLang, b.lang)
	m.SetMessageID()
	m.SetDate()
	m.SetBodyString(mail.TypeTextPlain, text)
	m.AddAlternativeString(mail.TypeTextHTML, html)
	if b.attachment {
		cal := c.calendar(l, b.lang)
		if err := m.AttachReader("launch.ics", strings.NewReader(cal),
			mail.WithFileContentType("text/calendar; charset=utf-8; method=PUBLISH")); err != nil {
			return Rendered{}, fmt.Errorf("outbox: attach ics: %w", err)
		}
	}
	var out bytes.Buffer
	if _, err := m.WriteTo(&out); err != nil {
		return Rendered{}, fmt.Errorf("outbox: write message: %w", err)
	}
	return Rendered{Subject: b.subject, Language: b.lang, MIME: out.Bytes()}, nil
}

// body returns the bodies of n's message with slots, from c or rendered into it.
func (r Renderer) body(n registration.Notice, l *ent.Launch, c *renderCache) (*body, error) {
	reg := n.Registrant
	t, lang := textsFor(opt.Val(reg.Language))
	k := bodyKey{launch: l.ID, updated: l.UpdatedAt, lang: lang, kind: n.Kind, status: string(reg.Status),
		position: reg.WaitlistPosition != nil, withToken: n.ManageToken != ""}
	if b, ok := c.bodies[k]; ok {
		return b, nil
	}
	title := oneLine(i18n.In(l.Translations, i18n.FieldTitle, l.Title, lang))
	v := view{
		T: t, Lang: lang, Dir: "ltr",
		Hello:  c.slots.name,
		Intro:  t.Intros[n.Kind],
		Title:  title,
		Status: t.Statuses[string(reg.Status)],
		Where:  where(l, t),
	}
	if lang == "ar" {
		v.Dir = "rtl"
	}
	v.Local, v.UTC = when(l)
	if k.position {
		v.Position = c.slots.position
	}
	if k.withToken {
		page := r.ManageURL
		if page == "" {
			page = strings.TrimRight(r.PublicURL, "/") + "/manage"
		}
		v.ManageURL = page + "?token=" + c.slots.token
	}
	b := &body{lang: lang, hello: t.Hello, subject: oneLine(fmt.Sprintf(t.Subjects[n.Kind], title)),
		attachment: string(reg.Status) == "CONFIRMED" && n.Kind != notification.KindCANCELLED && n.Kind != notification.KindREJECTED}
	v.Attachment = b.attachment
	var text, html bytes.Buffer
	if err := textTmpl.Execute(&text, v); err != nil {
		return nil, fmt.Errorf("outbox: render text: %w", err)
	}
	if err := htmlTmpl.Execute(&html, v); err != nil {
		return nil, fmt.Errorf("outbox: render html: %w", err)
	}
	b.text, b.html = text.String(), html.String()
	c.bodies[k] = b
	return b, nil
}

// when formats the launch's span in its own zone and in UTC.
func when(l *ent.Launch) (local, utc string) {
	loc, err := intl.Timezone(l.Timezone)
	if err != nil {
		loc = time.UTC
	}
	const layout = "2006-01-02 15:04"
	if !l.TimeConfirmed {
		s, e := l.StartsAt.In(loc).Format("2006-01-02"), l.EndsAt.In(loc).Format("2006-01-02")
		return s + " – " + e + " (" + loc.String() + ")", l.StartsAt.UTC().Format("2006-01-02") + " – " + l.EndsAt.UTC().Format("2006-01-02")
	}
	local = l.StartsAt.In(loc).Format(layout) + " – " + l.EndsAt.In(loc).Format(layout) + " " + loc.String()
	utc = l.StartsAt.UTC().Format(layout) + " – " + l.EndsAt.UTC().Format(layout) + " UTC"
	return local, utc
}

// where is the venue, or the online link.
func where(l *ent.Launch, t texts) string {
	venue, online := opt.Val(l.Venue), opt.Val(l.OnlineURL)
	switch {
	case venue != "" && l.Online && online != "":
		return oneLine(venue) + " / " + oneLine(online)
	case venue != "":
		return oneLine(venue)
	case online != "":
		return oneLine(online)
	}
	return t.Online
}

// oneLine replaces CR, LF and other control characters with spaces, so that no text can
// start a header or a line of its own.
func oneLine(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || r == '\u2028' || r == '\u2029' || r == '\u0085' {
			return ' '
		}
		return r
	}, s)
}
