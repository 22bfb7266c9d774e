package schema

import "regexp"

var (
	regionCode = regexp.MustCompile(`^[A-Z]{3}$`)
	slugFormat = regexp.MustCompile(`^[a-z0-9]+(?:-[a-z0-9]+)*$`)
	httpURL    = regexp.MustCompile(`^https?://[^\s]+$`)
)
