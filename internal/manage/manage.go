// Package manage serves the page a registrant's email links to (PUBLIC_URL/manage?token=…)
// when no frontend's page is configured: the registration's status, the launch and its
// local time, an .ics download and a cancel button. It needs no JavaScript, reads in the
// six UN languages (right to left in Arabic), and its one POST, the cancellation, is
// refused unless it comes from the page itself (Origin / Sec-Fetch-Site) and carries the
// secret token, so another site cannot make a browser cancel a registration.
package manage

import (
	"cmp"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"launchgraph/ent"
	"launchgraph/ent/privacy"
	"launchgraph/ent/registrant"
	"launchgraph/internal/apperr"
	"launchgraph/internal/feeds"
	"launchgraph/internal/i18n"
	"launchgraph/internal/registration"
)

// Path is where the page is served; CancelPath and CalendarPath are its form and
// download.
const (
	Path         = "/manage"
	CancelPath   = "/manage/cancel"
	CalendarPath = "/manage/calendar.ics"
)

// Handler serves the manage page over the registration service.
type Handler struct {
	client *ent.Client
	reg    *registration.Service
	logger *slog.Logger
	// frontend is a frontend's manage page (MANAGE_URL); when set, GET /manage sends the
	// browser there with its token.
	frontend string
}

// New returns the manage page. frontend, when not empty, is the frontend's own manage
// page, which then replaces this one.
func New(client *ent.Client, reg *registration.Service, logger *slog.Logger, frontend string) *Handler {
	return &Handler{client: client, reg: reg, logger: logger, frontend: frontend}
}

// Page serves GET /manage?token=…[&lang=…].
func (h *Handler) Page() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		token := q.Get("token")
		if h.frontend != "" {
			http.Redirect(w, r, h.frontend+"?"+url.Values{"token": {token}}.Encode(), http.StatusSeeOther)
			return
		}
		v := h.load(r, token, q.Get("lang"))
		if v.status == http.StatusOK && q.Get("done") == "cancelled" && v.Status == string(registrant.StatusCANCELLED) {
			v.Notice = v.T.Cancelled
		}
		h.render(w, r, v)
	})
}

// Cancel serves POST /manage/cancel (form: token, lang, confirm=yes) and sends the
// browser back to the page (303) once the registration is cancelled.
func (h *Handler) Cancel() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := r.ParseForm(); err != nil {
			http.Error(w, "bad form", http.StatusBadRequest)
			return
		}
		token, lang := r.PostForm.Get("token"), r.PostForm.Get("lang")
		if !sameOrigin(r) {
			v := h.load(r, token, lang)
			v.status, v.Alert = http.StatusForbidden, v.T.Forbidden
			h.render(w, r, v)
			return
		}
		if r.PostForm.Get("confirm") != "yes" {
			v := h.load(r, token, lang)
			if v.status == http.StatusOK {
				v.status, v.Alert = http.StatusUnprocessableEntity, v.T.Unconfirm
			}
			h.render(w, r, v)
			return
		}
		_, err := h.reg.Cancel(r.Context(), token)
		if err != nil {
			v := h.load(r, token, lang)
			switch apperr.CodeOf(err) {
			case apperr.NotFound:
			case apperr.Conflict:
				v.status, v.Alert = http.StatusConflict, v.T.Closed
			default:
				h.logger.ErrorContext(r.Context(), "manage: cancel", "err", err)
				http.Error(w, "internal error", http.StatusInternalServerError)
				return
			}
			h.render(w, r, v)
			return
		}
		http.Redirect(w, r, pageURL(token, lang)+"&done=cancelled", http.StatusSeeOther)
	})
}

// Calendar serves GET /manage/calendar.ics?token=…: the registrant's launch as an
// iCalendar file to open in a calendar app.
func (h *Handler) Calendar() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		setPrivate(w)
		q := r.URL.Query()
		reg, l, err := h.find(r, q.Get("token"))
		if err != nil {
			h.logger.ErrorContext(r.Context(), "manage: calendar", "err", err)
			http.Error(w, "internal error", http.StatusInternalServerError)
			return
		}
		if reg == nil {
			http.Error(w, "registration not found", http.StatusNotFound)
			return
		}
		lang := pickLang(r, q.Get("lang"), reg)
		w.Header().Set("Content-Type", "text/calendar; charset=utf-8")
		w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="%s.ics"`, l.Slug))
		_ = feeds.Write(w, feeds.AllLaunches([]*ent.Launch{l}, lang))
	})
}

// find returns the registrant of token and its launch; nil, nil, nil when the token is
// unknown.
func (h *Handler) find(r *http.Request, token string) (*ent.Registrant, *ent.Launch, error) {
	reg, err := h.reg.ByToken(r.Context(), token)
	if err != nil || reg == nil {
		return nil, nil, err
	}
	// The registrant may see the launch they registered for, whatever its status now.
	l, err := h.client.Launch.Get(privacy.DecisionContext(r.Context(), privacy.Allow), reg.LaunchID)
	if err != nil {
		return nil, nil, fmt.Errorf("manage: launch of registrant %d: %w", reg.ID, err)
	}
	return reg, l, nil
}

// sameOrigin reports whether a POST comes from a page of this server: the browser's
// Sec-Fetch-Site says so, or (older browsers) its Origin is this host. A request with
// neither header (not a browser: curl, a test) is accepted: CSRF needs a browser, and
// the token is the secret a forged form lacks anyway. The page's referrer policy
// (same-origin) makes browsers send a real Origin, not "null", with its form.
func sameOrigin(r *http.Request) bool {
	switch r.Header.Get("Sec-Fetch-Site") {
	case "same-origin", "none":
		return true
	case "":
	default:
		return false
	}
	origin := r.Header.Get("Origin")
	if origin == "" {
		return true
	}
	u, err := url.Parse(origin)
	return err == nil && u.Host != "" && strings.EqualFold(u.Host, r.Host)
}

// pickLang is ?lang= when it names a UN language, else the registrant's language, else
// Accept-Language.
func pickLang(r *http.Request, asked string, reg *ent.Registrant) string {
	if asked != "" {
		if l, err := i18n.Parse("lang", asked); err == nil {
			return l
		}
	}
	if reg != nil && reg.Language != nil && slices.Contains(languages, *reg.Language) {
		return *reg.Language
	}
	return i18n.Match(r.Header.Get("Accept-Language"))
}

// pageURL is the page of token in lang.
func pageURL(token, lang string) string {
	v := url.Values{"token": {token}}
	if lang != "" {
		v.Set("lang", lang)
	}
	return Path + "?" + v.Encode()
}

// setPrivate marks a response that holds a token or personal data: never cached, its
// URL never sent to another site as a referrer, never indexed.
func setPrivate(w http.ResponseWriter) {
	h := w.Header()
	h.Set("Cache-Control", "no-store")
	h.Set("Referrer-Policy", "same-origin")
	h.Set("X-Robots-Tag", "noindex")
	h.Set("X-Content-Type-Options", "nosniff")
}

// styleHash allows the page's one inline style sheet and nothing else.
var styleHash = func() string {
	sum := sha256.Sum256([]byte(css))
	return "'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"
}()

// contentPolicy forbids scripts, frames and foreign form targets.
var contentPolicy = "default-src 'none'; style-src " + styleHash + "; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

func (h *Handler) render(w http.ResponseWriter, r *http.Request, v view) {
	setPrivate(w)
	w.Header().Set("Content-Security-Policy", contentPolicy)
	w.Header().Set("X-Frame-Options", "DENY")
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Language", v.Lang)
	w.Header().Add("Vary", "Accept-Language")
	w.WriteHeader(v.status)
	if err := page.Execute(w, v); err != nil && !errors.Is(err, http.ErrHandlerTimeout) {
		h.logger.ErrorContext(r.Context(), "manage: render", "err", err)
	}
}

// label is a status in t's words.
func (t texts) label(status string) string { return cmp.Or(t.Statuses[status], status) }
