// Package intl validates the international identifiers launchgraph stores: IANA time
// zones, ISO 639-1 language codes and ISO 3166-1 alpha-2 country codes.
package intl

import (
	"fmt"
	"regexp"
	"sync"
	"time"

	"golang.org/x/text/language"
)

// UNLanguages are the six official languages of the United Nations, in the UN's order.
var UNLanguages = []string{"ar", "zh", "en", "fr", "ru", "es"}

// zones caches loaded locations: time.LoadLocation reads and parses the zone database on
// every call.
var zones sync.Map // name → *time.Location

// Timezone loads an IANA zone, once per name: the one zone loader. "Local" and the empty
// name are refused: a launch's zone must mean the same wall clock on every server.
func Timezone(name string) (*time.Location, error) {
	if loc, ok := zones.Load(name); ok {
		return loc.(*time.Location), nil
	}
	if name == "" || name == "Local" {
		return nil, fmt.Errorf("%q is not an IANA time zone name", name)
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, fmt.Errorf("%q is not an IANA time zone name", name)
	}
	zones.Store(name, loc)
	return loc, nil
}

// ValidateTimezone reports whether name is an IANA zone name.
func ValidateTimezone(name string) error {
	_, err := Timezone(name)
	return err
}

var twoLower = regexp.MustCompile(`^[a-z]{2}$`)

// ValidateLanguage reports whether code is a known ISO 639-1 code in lower case ("en").
func ValidateLanguage(code string) error {
	if !twoLower.MatchString(code) {
		return fmt.Errorf("%q is not an ISO 639-1 language code", code)
	}
	if _, err := language.ParseBase(code); err != nil {
		return fmt.Errorf("%q is not an ISO 639-1 language code", code)
	}
	return nil
}

// ValidateLanguages validates each code of a list.
func ValidateLanguages(codes []string) error {
	for _, c := range codes {
		if err := ValidateLanguage(c); err != nil {
			return err
		}
	}
	return nil
}

var twoUpper = regexp.MustCompile(`^[A-Z]{2}$`)

// ValidateCountry reports whether code is an assigned ISO 3166-1 alpha-2 code in upper case ("UA").
func ValidateCountry(code string) error {
	if !twoUpper.MatchString(code) {
		return fmt.Errorf("%q is not an ISO 3166-1 alpha-2 country code", code)
	}
	r, err := language.ParseRegion(code)
	if err != nil || !r.IsCountry() {
		return fmt.Errorf("%q is not an ISO 3166-1 alpha-2 country code", code)
	}
	return nil
}
