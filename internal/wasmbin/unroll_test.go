package wasmbin

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/tetratelabs/wazero"
)

// TestUnrollLoops: small innermost loops without calls are unrolled (see
// unrollLoops), compute what they computed, and stay interruptible.
func TestUnrollLoops(t *testing.T) {
	bin := wat(t, "unroll")
	secs, err := splitSections(bin)
	require.NoError(t, err)
	info, _, _, err := scanModule(bin, secs, true)
	require.NoError(t, err)
	// count, find, collatz (its inner loop), $id, calls, spin: defined
	// functions 0 to 5.
	for fn, want := range []int{1, 1, 1, 0, 0, 1} {
		f := &info.funcs[fn]
		var got int
		for _, l := range f.loops {
			if f.body != nil && l.start >= 2 && f.body[l.start-2] == 0x02 && f.body[l.start+2] == 0x02 {
				got++ // block $x; loop $L; block $c (see unrollLoops)
			}
		}
		require.Equal(t, want, got, "unrolled loops of function %d", fn)
	}

	ctx := context.Background()
	r := wazero.NewRuntime(ctx)
	defer r.Close(ctx)
	orig := instantiate(t, r, bin, "orig")
	inst := instantiate(t, r, instrument(t, bin), "inst")
	for _, c := range []struct {
		fn   string
		args []uint64
	}{
		{"count", []uint64{0}}, {"count", []uint64{1}}, {"count", []uint64{5}},
		{"count", []uint64{6}}, {"count", []uint64{38}},
		{"find", []uint64{'h'}}, {"find", []uint64{'u'}}, {"find", []uint64{'U'}},
		{"find", []uint64{'q'}}, {"find", []uint64{'z'}},
		{"collatz", []uint64{1}}, {"collatz", []uint64{2}}, {"collatz", []uint64{27}},
		{"collatz", []uint64{1 << 20}},
		{"calls", []uint64{1}}, {"calls", []uint64{9}},
	} {
		require.Equal(t, call(t, orig, c.fn, c.args...), call(t, inst, c.fn, c.args...), "%s%v", c.fn, c.args)
	}
	interrupt(t, inst, "spin", 0)
}
