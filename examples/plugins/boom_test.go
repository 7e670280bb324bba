package plugins_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/tendril-wasm/tendril/runtime"
)

// TestPanicRecovery checks that each way an export can fail reaches the host
// as a GuestError with its message, and that the instance (and the Go
// runtime inside it) keeps working afterwards.
func TestPanicRecovery(t *testing.T) {
	t.Parallel()
	cp := compile(t, "boom", setup{})
	t.Run("survives", func(t *testing.T) { testSurvives(t, instantiate(t, cp)) })
	t.Run("panic values", func(t *testing.T) { testPanicValues(t, instantiate(t, cp)) })
	t.Run("SetError", func(t *testing.T) { testSetError(t, instantiate(t, cp)) })
}

func testSurvives(t *testing.T, inst *runtime.Instance) {
	ctx := context.Background()
	tests := []struct {
		fn, in, want string
	}{
		{"boom", "kaboom", "panic: boom: kaboom"},
		{"nil_map", "k", "panic: assignment to entry in nil map"},
		{"fail", "it failed", "it failed"},
		{"fail", "", "error"},
	}
	for i, tt := range tests {
		_, err := inst.Call(ctx, tt.fn, []byte(tt.in))
		var ge *runtime.GuestError
		if !errors.As(err, &ge) {
			t.Fatalf("%s(%q) error = %v, want a GuestError", tt.fn, tt.in, err)
		}
		if ge.Message != tt.want || ge.Code != 1 {
			t.Errorf("%s(%q) = GuestError{Message: %q, Code: %d}, want %q, 1", tt.fn, tt.in, ge.Message, ge.Code, tt.want)
		}
		if err := inst.Broken(); err != nil {
			t.Fatalf("instance broken after %s: %v", tt.fn, err)
		}
		if got, want := string(call(t, inst, "count", nil)), string(rune('1'+i)); got != want {
			t.Errorf("count() after %s = %q, want %q", tt.fn, got, want)
		}
	}
	// Panics many times over leave the runtime sound.
	for i := range 200 {
		if _, err := inst.Call(ctx, "boom", []byte(strings.Repeat("x", i))); err == nil {
			t.Fatal("boom succeeded")
		}
	}
	if got := string(call(t, inst, "count", nil)); got != "5" {
		t.Errorf("count() after 200 panics = %q, want 5", got)
	}
}

func testPanicValues(t *testing.T, inst *runtime.Instance) {
	for _, tt := range []struct{ in, want string }{
		{"int", "panic: 42"},
		{"float", "panic: 1.5"},
		{"bool", "panic: true"},
		{"named", "panic: main.code(7)"},
		{"stringer", "panic: (1,2)"},
		{"error", "panic: an error"},
		{"struct", "panic: (struct { a int })"},
		{"nil", "panic: panic called with nil argument"},
	} {
		_, err := inst.Call(context.Background(), "panic_value", []byte(tt.in))
		var ge *runtime.GuestError
		if !errors.As(err, &ge) || ge.Message != tt.want {
			t.Errorf("panic_value(%s) error = %v, want %q", tt.in, err, tt.want)
		}
	}
}

func testSetError(t *testing.T, inst *runtime.Instance) {
	_, err := inst.Call(context.Background(), "set_error", []byte("raw message"))
	var ge *runtime.GuestError
	if !errors.As(err, &ge) || ge.Message != "raw message" || ge.Code != 0 {
		t.Errorf("set_error = %v, want a GuestError with message %q and code 0", err, "raw message")
	}
	if got := string(call(t, inst, "set_error", []byte("clear"))); got != "cleared" {
		t.Errorf("set_error(clear) = %q, want cleared", got)
	}
}
