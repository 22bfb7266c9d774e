package manage

import (
	"html/template"
	"net/http"
	"time"

	"launchgraph/ent"
	"launchgraph/ent/registrant"
	"launchgraph/internal/i18n"
	"launchgraph/internal/opt"
	"launchgraph/internal/tz"
)

// view is what the page template sees.
type view struct {
	status int
	T      texts
	Lang   string
	// Token is the manage token, for the links and the form; empty on the no-token page.
	Token string
	// Found is false when the token is missing or unknown: the page shows Alert only.
	Found      bool
	Name       string
	Title      string
	Local, UTC string
	Where      string
	Status     string
	StatusText string
	Position   int
	CanCancel  bool
	// Notice is good news (role=status); Alert a problem (role=alert).
	Notice, Alert string
	Languages     []langLink
}

// langLink is one entry of the language list.
type langLink struct {
	Code, Name, Dir, URL string
	Current              bool
}

// load reads the registration of token and fills the page in the language asked for,
// the registrant's, or the browser's. A missing token is 400, an unknown one 404.
func (h *Handler) load(r *http.Request, token, asked string) view {
	reg, l, err := h.find(r, token)
	lang := pickLang(r, asked, reg)
	v := view{status: http.StatusOK, T: catalog[lang], Lang: lang, Token: token}
	for _, code := range languages {
		t := catalog[code]
		v.Languages = append(v.Languages, langLink{Code: code, Name: t.Name, Dir: t.Dir,
			URL: pageURL(token, code), Current: code == lang})
	}
	switch {
	case err != nil:
		h.logger.ErrorContext(r.Context(), "manage: load", "err", err)
		v.status, v.Alert = http.StatusInternalServerError, "internal error"
		return v
	case token == "":
		v.status, v.Alert = http.StatusBadRequest, v.T.NoToken
		return v
	case reg == nil:
		v.status, v.Alert = http.StatusNotFound, v.T.NotFound
		return v
	}
	v.Found = true
	v.Name = reg.Name
	v.Title = i18n.In(l.Translations, i18n.FieldTitle, l.Title, lang)
	v.Local, v.UTC = when(l, v.T)
	v.Where = opt.Val(l.Venue)
	if v.Where == "" && l.Online {
		v.Where = v.T.Online
	}
	v.Status = string(reg.Status)
	v.StatusText = v.T.label(v.Status)
	if reg.WaitlistPosition != nil && reg.Status == registrant.StatusWAITLISTED {
		v.Position = *reg.WaitlistPosition
	}
	switch reg.Status {
	case registrant.StatusCONFIRMED, registrant.StatusPENDING, registrant.StatusWAITLISTED:
		v.CanCancel = true
	}
	return v
}

// when writes the launch's span in its own zone and in UTC, e.g. "2020-10-27 10:00–15:00
// MSK"; an all-day launch gets its local dates only.
func when(l *ent.Launch, t texts) (local, utc string) {
	loc, err := tz.Load("timezone", l.Timezone)
	if err != nil {
		loc = time.UTC
	}
	if !l.TimeConfirmed {
		first, last := tz.AllDayDates(l.StartsAt, l.EndsAt, loc)
		local = first.Format(time.DateOnly)
		if !last.Equal(first) {
			local += " – " + last.Format(time.DateOnly)
		}
		return local + " (" + t.AllDay + ")", ""
	}
	span := func(loc *time.Location) string {
		s, e := l.StartsAt.In(loc), l.EndsAt.In(loc)
		out := s.Format("2006-01-02 15:04") + "–"
		if e.Format(time.DateOnly) != s.Format(time.DateOnly) {
			out += e.Format("2006-01-02 ")
		}
		return out + e.Format("15:04") + " " + tz.Abbrev(e)
	}
	return span(loc) + " (" + l.Timezone + ")", span(time.UTC)
}

// css is the page's only style sheet (allowed by its hash in the CSP): readable sizes,
// strong contrast, a visible focus ring, logical properties so RTL needs nothing more.
const css = `body{font:1.0625rem/1.5 system-ui,sans-serif;color:#1a1a1a;background:#fff;margin:0}
main{max-width:40rem;margin:0 auto;padding:1.5rem 1rem}
h1{font-size:1.6rem;margin-block:0 1rem}h2{font-size:1.25rem;margin-block:2rem .5rem}
dl{display:grid;grid-template-columns:max-content 1fr;gap:.4rem 1rem}dt{font-weight:600}dd{margin:0}
nav ul{list-style:none;padding:0;display:flex;flex-wrap:wrap;gap:.25rem 1rem}
a{color:#0b4f9c}a:focus,button:focus,input:focus{outline:3px solid #b35c00;outline-offset:2px}
.notice,.alert{padding:.75rem 1rem;border-inline-start:.35rem solid;margin-block:1rem}
.notice{border-color:#1d7a35;background:#eef8f0}.alert{border-color:#b00020;background:#fdeeee}
button{font:inherit;padding:.6rem 1.2rem;border:2px solid #8a0016;background:#b00020;color:#fff;border-radius:.3rem;cursor:pointer}
label{display:flex;gap:.5rem;align-items:flex-start;margin-block:.75rem}input[type=checkbox]{inline-size:1.2rem;block-size:1.2rem}
footer{margin-block-start:3rem;font-size:.9rem;color:#555}`

var page = template.Must(template.New("manage").Parse(`<!DOCTYPE html>
<html lang="{{.Lang}}" dir="{{.T.Dir}}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.T.Title}}{{if .Found}} – {{.Title}}{{end}}</title>
<style>` + css + `</style>
</head>
<body>
<main>
<nav aria-label="{{.T.Languages}}"><ul>
{{- range .Languages}}
<li><a href="{{.URL}}" lang="{{.Code}}" dir="{{.Dir}}" hreflang="{{.Code}}"{{if .Current}} aria-current="page"{{end}}>{{.Name}}</a></li>
{{- end}}
</ul></nav>
<h1>{{.T.Title}}</h1>
{{- if .Notice}}
<p class="notice" role="status">{{.Notice}}</p>
{{- end}}
{{- if .Alert}}
<p class="alert" role="alert">{{.Alert}}</p>
{{- end}}
{{- if .Found}}
<dl>
<dt>{{.T.Launch}}</dt><dd><bdi>{{.Title}}</bdi></dd>
<dt>{{.T.Registrant}}</dt><dd><bdi>{{.Name}}</bdi></dd>
<dt>{{.T.When}}</dt><dd><bdi dir="ltr">{{.Local}}</bdi>{{if .UTC}}<br><bdi dir="ltr">{{.UTC}}</bdi>{{end}}</dd>
{{- if .Where}}
<dt>{{.T.Where}}</dt><dd>{{.Where}}</dd>
{{- end}}
<dt>{{.T.Status}}</dt><dd id="status" data-status="{{.Status}}">{{.StatusText}}</dd>
{{- if .Position}}
<dt>{{.T.Position}}</dt><dd>{{.Position}}</dd>
{{- end}}
</dl>
<p><a href="/manage/calendar.ics?token={{.Token}}&amp;lang={{.Lang}}" download>{{.T.Calendar}}</a></p>
{{- if .CanCancel}}
<h2 id="cancel-heading">{{.T.Cancel}}</h2>
<form method="post" action="/manage/cancel" aria-labelledby="cancel-heading">
<input type="hidden" name="token" value="{{.Token}}">
<input type="hidden" name="lang" value="{{.Lang}}">
<label><input type="checkbox" name="confirm" value="yes" required> <span>{{.T.Confirm}}</span></label>
<button type="submit">{{.T.Button}}</button>
</form>
{{- end}}
{{- end}}
<footer>{{.T.Footer}}</footer>
</main>
</body>
</html>
`))
