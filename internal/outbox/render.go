// Package outbox is the transactional outbox of registration emails: Outbox renders a
// message and stores it as a Notification in the transaction of the change it reports,
// and Sender delivers the stored messages over SMTP (or to .eml files) exactly once across
// replicas, with retries, erasing each body once it is sent or has failed.
package outbox

import (
	"bytes"
	"fmt"
	htmltemplate "html/template"
	netmail "net/mail"
	"net/url"
	"strings"
	"text/template"
	"time"

	"github.com/wneessen/go-mail"

	"launchgraph/ent"
	"launchgraph/ent/notification"
	"launchgraph/internal/feeds"
	"launchgraph/internal/i18n"
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
	Position   int
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
	reg := n.Registrant
	t, lang := textsFor(opt.Val(reg.Language))
	title := oneLine(i18n.In(l.Translations, i18n.FieldTitle, l.Title, lang))
	name := oneLine(reg.Name)
	v := view{
		T: t, Lang: lang, Dir: "ltr",
		Hello:  fmt.Sprintf(t.Hello, name),
		Intro:  t.Intros[n.Kind],
		Title:  title,
		Status: t.Statuses[string(reg.Status)],
		Where:  where(l, t),
	}
	if lang == "ar" {
		v.Dir = "rtl"
	}
	v.Local, v.UTC = when(l)
	if reg.WaitlistPosition != nil {
		v.Position = *reg.WaitlistPosition
	}
	if n.ManageToken != "" {
		page := r.ManageURL
		if page == "" {
			page = strings.TrimRight(r.PublicURL, "/") + "/manage"
		}
		v.ManageURL = page + "?token=" + url.QueryEscape(n.ManageToken)
	}
	v.Attachment = string(reg.Status) == "CONFIRMED" && n.Kind != notification.KindCANCELLED && n.Kind != notification.KindREJECTED

	var text, html bytes.Buffer
	if err := textTmpl.Execute(&text, v); err != nil {
		return Rendered{}, fmt.Errorf("outbox: render text: %w", err)
	}
	if err := htmlTmpl.Execute(&html, v); err != nil {
		return Rendered{}, fmt.Errorf("outbox: render html: %w", err)
	}

	subject := oneLine(fmt.Sprintf(t.Subjects[n.Kind], title))
	m := mail.NewMsg(mail.WithCharset(mail.CharsetUTF8), mail.WithEncoding(mail.EncodingQP))
	if err := m.From(r.From); err != nil {
		return Rendered{}, fmt.Errorf("outbox: from %q: %w", r.From, err)
	}
	// A parsed address quotes and encodes the display name itself (RFC 5322, RFC 2047):
	// quotes, commas, angle brackets or non-ASCII in a name can neither break the header
	// nor fail the message.
	m.AddToMailAddress(&netmail.Address{Name: name, Address: reg.Email})
	m.Subject(subject)
	m.SetGenHeader(mail.HeaderContentLang, lang)
	m.SetMessageID()
	m.SetDate()
	m.SetBodyString(mail.TypeTextPlain, text.String())
	m.AddAlternativeString(mail.TypeTextHTML, html.String())
	if v.Attachment {
		cal := feeds.Text(feeds.AllLaunches([]*ent.Launch{l}, lang))
		if err := m.AttachReader("launch.ics", strings.NewReader(cal),
			mail.WithFileContentType("text/calendar; charset=utf-8; method=PUBLISH")); err != nil {
			return Rendered{}, fmt.Errorf("outbox: attach ics: %w", err)
		}
	}
	var out bytes.Buffer
	if _, err := m.WriteTo(&out); err != nil {
		return Rendered{}, fmt.Errorf("outbox: write message: %w", err)
	}
	return Rendered{Subject: subject, Language: lang, MIME: out.Bytes()}, nil
}

// when formats the launch's span in its own zone and in UTC.
func when(l *ent.Launch) (local, utc string) {
	loc, err := time.LoadLocation(l.Timezone)
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
