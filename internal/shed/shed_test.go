package shed

import (
	"context"
	"testing"
)

func TestRelease(t *testing.T) {
	Release(context.Background()) // no place held: nothing happens
	if Admitted(context.Background()) {
		t.Fatal("a bare context admitted")
	}
	n := 0
	ctx := WithRelease(context.Background(), func() { n++ })
	if !Admitted(ctx) {
		t.Fatal("not admitted")
	}
	Release(ctx)
	Release(ctx)
	if n != 1 {
		t.Fatalf("released %d times, want 1", n)
	}
}
