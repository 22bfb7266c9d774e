package intl

import "testing"

func TestValidators(t *testing.T) {
	tests := []struct {
		name string
		fn   func(string) error
		in   string
		ok   bool
	}{
		{"zone", ValidateTimezone, "Europe/Moscow", true},
		{"zone utc", ValidateTimezone, "UTC", true},
		{"zone bad", ValidateTimezone, "Mars/Olympus", false},
		{"zone local", ValidateTimezone, "Local", false},
		{"zone empty", ValidateTimezone, "", false},
		{"lang en", ValidateLanguage, "en", true},
		{"lang ar", ValidateLanguage, "ar", true},
		{"lang upper", ValidateLanguage, "EN", false},
		{"lang three", ValidateLanguage, "eng", false},
		{"lang unknown", ValidateLanguage, "qq", false},
		{"country UA", ValidateCountry, "UA", true},
		{"country lower", ValidateCountry, "ua", false},
		{"country unknown", ValidateCountry, "ZZ", false},
		{"country continent", ValidateCountry, "EU", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.fn(tt.in)
			if got := err == nil; got != tt.ok {
				t.Fatalf("%q: got ok=%v (err %v), want ok=%v", tt.in, got, err, tt.ok)
			}
		})
	}
}
