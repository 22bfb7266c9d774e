package main

import (
	"io"
	"strings"
	"testing"

	"launchgraph/internal/registration"
)

// TestBatchWorkersConfig: REGISTRATION_BATCH_WORKERS (or -registration-batch-workers,
// which wins) bounds the registration group commits running at once; anything but a
// whole number ≥ 1 is refused with the variable's name.
func TestBatchWorkersConfig(t *testing.T) {
	tests := []struct {
		name    string
		value   string
		args    []string
		want    int
		wantErr bool
	}{
		{name: "unset", want: registration.DefaultBatchWorkers},
		{name: "two", value: "2", want: 2},
		{name: "flag wins", value: "2", args: []string{"-registration-batch-workers", "3"}, want: 3},
		{name: "zero", value: "0", wantErr: true},
		{name: "negative", value: "-1", wantErr: true},
		{name: "not a number", value: "many", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := map[string]string{"DATA_DIR": t.TempDir()}
			if tt.value != "" {
				env["REGISTRATION_BATCH_WORKERS"] = tt.value
			}
			cfg, err := loadConfig("serve", tt.args, func(k string) string { return env[k] }, io.Discard)
			if tt.wantErr {
				if err == nil || !strings.Contains(err.Error(), "REGISTRATION_BATCH_WORKERS") {
					t.Fatalf("REGISTRATION_BATCH_WORKERS=%q: error %v, want one naming the variable", tt.value, err)
				}
				return
			}
			if err != nil || cfg.BatchWorkers != tt.want {
				t.Fatalf("REGISTRATION_BATCH_WORKERS=%q %v: %d, %v; want %d", tt.value, tt.args, cfg.BatchWorkers, err, tt.want)
			}
		})
	}
}
