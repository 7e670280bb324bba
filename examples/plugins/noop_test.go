package plugins_test

import "testing"

func TestNoop(t *testing.T) {
	t.Parallel()
	inst := start(t, "noop", setup{})
	for range 3 {
		if out := call(t, inst, "noop", []byte("ignored")); len(out) != 0 {
			t.Errorf("noop output = %q, want none", out)
		}
	}
}
