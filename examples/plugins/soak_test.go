package plugins_test

import (
	"context"
	goruntime "runtime"
	"testing"
)

// TestTenThousandCalls runs 10,000 calls on one instance of a Go plug-in,
// without re-instantiating it, and checks that the host's heap does not grow
// with the number of calls.
func TestTenThousandCalls(t *testing.T) {
	const (
		calls = 10_000
		bound = 4 << 20
	)
	inst := start(t, "count_vowels", setup{})
	ctx := context.Background()
	input := []byte("The quick brown fox jumps over the lazy dog.")
	call(t, inst, "count_vowels", input) // warm up

	heap := func() uint64 {
		var ms goruntime.MemStats
		goruntime.GC()
		goruntime.ReadMemStats(&ms)
		return ms.HeapAlloc
	}
	before := heap()
	for i := range calls {
		if _, err := inst.Call(ctx, "count_vowels", input); err != nil {
			t.Fatalf("call %d: %v", i, err)
		}
	}
	after := heap()
	growth := int64(after) - int64(before)
	t.Logf("host heap: %d B before, %d B after %d calls: %+d B", before, after, calls, growth)
	if growth > bound {
		t.Errorf("host heap grew by %d B over %d calls, want < %d", growth, calls, bound)
	}
	if got, want := string(inst.Var("total")), "110011"; got != want {
		t.Errorf(`var "total" = %q, want %q`, got, want)
	}
}
