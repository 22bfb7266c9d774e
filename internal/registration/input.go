package registration

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/mail"
	"regexp"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"launchgraph/ent/registrant"
	"launchgraph/internal/apperr"
	"launchgraph/internal/intl"
)

// Limits on the input of register, in bytes of UTF-8: the same bounds the registrant schema
// enforces, so that nothing valid here fails in ent.
const (
	MaxNameLen         = 200
	MaxEmailLen        = 254
	MaxLocalPartLen    = 64
	MaxOrganisationLen = 300
	MaxJobTitleLen     = 300
	MaxReasonLen       = 1000
	// MinIdempotencyKeyLen keeps keys hard to guess: a replay with the same key and input
	// returns the manage token.
	MinIdempotencyKeyLen = 16
	MaxIdempotencyKeyLen = 255
)

// Input is the register mutation's input (GraphQL RegisterInput). Optional fields are nil
// when absent; empty strings count as absent.
type Input struct {
	LaunchID       int
	Name           string
	Email          string
	Organisation   *string
	JobTitle       *string
	Country        *string
	Stakeholder    *registrant.Stakeholder
	Attendance     *registrant.Attendance
	Language       *string
	Consent        bool
	IdempotencyKey *string
}

// Normalized is a validated Input: strings trimmed and NFC-normalised, the email key
// lower-cased, the country upper-cased, empty optional fields dropped, and enum defaults
// applied.
type Normalized struct {
	LaunchID     int
	Name         string
	Email        string
	EmailKey     string
	Organisation string
	JobTitle     string
	Country      string
	Stakeholder  registrant.Stakeholder
	Attendance   registrant.Attendance
	Language     string
	// IdempotencyKey is "" when the caller sent none.
	IdempotencyKey string
}

// Normalize validates in and returns its normalised form. Errors are BAD_USER_INPUT naming
// the GraphQL input field, or CONSENT_REQUIRED when consent is not given.
func Normalize(in Input) (Normalized, error) {
	var n Normalized
	if in.LaunchID <= 0 {
		return n, apperr.Invalid("launchId", "must be the id of a launch")
	}
	n.LaunchID = in.LaunchID

	var err error
	if n.Name, err = text("name", foldLines(in.Name), MaxNameLen); err != nil {
		return n, err
	}
	if n.Name == "" {
		return n, apperr.Invalid("name", "must not be empty")
	}
	if n.Email, err = email(in.Email); err != nil {
		return n, err
	}
	n.EmailKey = strings.ToLower(n.Email)
	if n.Organisation, err = optionalLine("organisation", in.Organisation, MaxOrganisationLen); err != nil {
		return n, err
	}
	if n.JobTitle, err = optionalLine("jobTitle", in.JobTitle, MaxJobTitleLen); err != nil {
		return n, err
	}
	if err := n.setChoices(in); err != nil {
		return n, err
	}
	if in.IdempotencyKey != nil {
		if n.IdempotencyKey, err = idempotencyKey(*in.IdempotencyKey); err != nil {
			return n, err
		}
	}
	if !in.Consent {
		return n, &apperr.Error{Code: apperr.ConsentRequired, Field: "consent",
			Message: "consent to the processing of your data is required to register"}
	}
	return n, nil
}

// setChoices validates and sets the country, stakeholder group, attendance and language
// of in (the fields chosen from a list), with their defaults.
func (n *Normalized) setChoices(in Input) error {
	if in.Country != nil {
		n.Country = strings.ToUpper(strings.TrimSpace(*in.Country))
		if n.Country != "" {
			if err := intl.ValidateCountry(n.Country); err != nil {
				return apperr.Invalid("country", "must be an ISO 3166-1 alpha-2 code such as \"UA\"")
			}
		}
	}
	n.Stakeholder = registrant.DefaultStakeholder
	if in.Stakeholder != nil {
		if err := registrant.StakeholderValidator(*in.Stakeholder); err != nil {
			return apperr.Invalid("stakeholder", "unknown stakeholder group %q", *in.Stakeholder)
		}
		n.Stakeholder = *in.Stakeholder
	}
	n.Attendance = registrant.DefaultAttendance
	if in.Attendance != nil {
		if err := registrant.AttendanceValidator(*in.Attendance); err != nil {
			return apperr.Invalid("attendance", "unknown attendance %q", *in.Attendance)
		}
		n.Attendance = *in.Attendance
	}
	if in.Language != nil {
		n.Language = strings.ToLower(strings.TrimSpace(*in.Language))
		if n.Language != "" && !isUNLanguage(n.Language) {
			return apperr.Invalid("language", "must be one of ar, zh, en, fr, ru, es")
		}
	}
	return nil
}

// RequestHash returns the hex SHA-256 of the normalised input without the idempotency key:
// two calls under one key must carry the same hash.
func (n Normalized) RequestHash() string {
	n.IdempotencyKey = ""   // n is a copy
	b, _ := json.Marshal(n) // a struct of strings and an int cannot fail
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// ValidateReason checks a rejection reason and returns it trimmed.
func ValidateReason(reason *string) (string, error) {
	return optionalText("reason", reason, MaxReasonLen)
}

// text trims and NFC-normalises s and checks its length and characters.
func text(field, s string, maxLen int) (string, error) {
	if !utf8.ValidString(s) {
		return "", apperr.Invalid(field, "is not valid UTF-8")
	}
	s = norm.NFC.String(strings.TrimSpace(s))
	if len(s) > maxLen {
		return "", apperr.Invalid(field, "is too long: at most %d bytes of UTF-8", maxLen)
	}
	if strings.IndexFunc(s, unicode.IsControl) >= 0 {
		return "", apperr.Invalid(field, "must not contain control characters")
	}
	return s, nil
}

func optionalText(field string, s *string, maxLen int) (string, error) {
	if s == nil {
		return "", nil
	}
	return text(field, *s, maxLen)
}

// optionalLine is optionalText for a one-line field: line breaks and tabs become spaces.
func optionalLine(field string, s *string, maxLen int) (string, error) {
	if s == nil {
		return "", nil
	}
	return text(field, foldLines(*s), maxLen)
}

// foldLines turns each run of white space holding a line break or a tab into one space:
// a name pasted across two lines is still the name, and no text can start a line of its
// own in an email header. Other control characters stay, for text to refuse.
func foldLines(s string) string {
	return lineBreaks.ReplaceAllString(s, " ")
}

// lineBreaks is a run of white space holding a line break or a tab.
var lineBreaks = regexp.MustCompile(`[ \p{Zs}]*[\r\n\t\x{85}\x{2028}\x{2029}][\s\x{85}\x{2028}\x{2029}]*`)

// email accepts a bare address (no display name, no comments) that net/mail parses back to
// itself, with a dotted domain and bounded lengths.
func email(s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", apperr.Invalid("email", "must not be empty")
	}
	if len(s) > MaxEmailLen || !utf8.ValidString(s) {
		return "", apperr.Invalid("email", "is not a valid email address")
	}
	addr, err := mail.ParseAddress(s)
	if err != nil || addr.Name != "" || addr.Address != s {
		return "", apperr.Invalid("email", "is not a valid email address")
	}
	at := strings.LastIndexByte(s, '@')
	local, domain := s[:at], s[at+1:]
	if len(local) > MaxLocalPartLen || !strings.Contains(domain, ".") ||
		strings.HasPrefix(domain, ".") || strings.HasSuffix(domain, ".") || strings.Contains(domain, "..") ||
		strings.HasPrefix(domain, "[") {
		return "", apperr.Invalid("email", "is not a valid email address")
	}
	return s, nil
}

func idempotencyKey(s string) (string, error) {
	if len(s) < MinIdempotencyKeyLen || len(s) > MaxIdempotencyKeyLen {
		return "", apperr.Invalid("idempotencyKey", "must be %d to %d characters long (a UUID is a good key)",
			MinIdempotencyKeyLen, MaxIdempotencyKeyLen)
	}
	for i := 0; i < len(s); i++ {
		if s[i] < 0x21 || s[i] > 0x7e {
			return "", apperr.Invalid("idempotencyKey", "must be printable ASCII without spaces")
		}
	}
	return s, nil
}

// isUNLanguage reports whether code is the ISO 639-1 code of one of the six UN languages,
// the languages messages to registrants are written in.
func isUNLanguage(code string) bool { return slices.Contains(intl.UNLanguages, code) }
