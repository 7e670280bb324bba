package hostile_test

import (
	"encoding/binary"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/tendril-wasm/tendril/internal/testplugins"
	"github.com/tendril-wasm/tendril/runtime"
)

// The cases of issue 12 that need the guest-side fixes of internal/wasmbin:
// an interrupt check (and a Go visit when due) after every kernel call and
// every bulk memory instruction, Go visits paced by work, and one cap on the
// elements of all of an instance's tables. The harness is sandbox_test.go.

// TestSandboxWorkBetweenChecks: bulk memory instructions and kernel calls,
// in straight-line code and in loops, stop at the deadline and never hold
// the GC or the host's goroutines (issue 12, point 1).
func TestSandboxWorkBetweenChecks(t *testing.T) {
	cases := []struct {
		name, wat, fn string
	}{
		{"bulk/straight_line", "sandbox_bulk_straight", "straight"},
		{"bulk/loop", "sandbox_bulk", "loop"},
		{"kernel/straight_line", "sandbox_kernel_straight", "straight"},
		{"kernel/loop", "sandbox_kernel", "loop"},
		{"kernel/forged_walk", "sandbox_kernel", "forged_walk"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var opts runtime.Options
			if strings.HasSuffix(c.wat, "_straight") {
				// Tens of thousands of straight-line instructions take
				// seconds to compile under -race: machine code compiled
				// without it (testplugins.CompilationCacheAll).
				opts.CompilationCacheDir = testplugins.CompilationCacheAll(t, filepath.Join("testdata", c.wat+".wasm"))
			}
			sbIsolated(t, opts, func(t *testing.T, rt *runtime.Runtime) {
				in := sbLoad(t, rt, sbManifest(256, c.wat)(t), runtime.PluginOptions{})
				floor := sbMeasureFloor(t, rt)
				r := sbCall(in, c.fn, nil, sbDeadline)
				sbCheckStalls(t, floor, r)
				sbRequireDeadline(t, r)
			})
		})
	}
}

// TestSandboxTableExhaustion: 64 tables grown until refused cost the host
// at most its memory grant's worth of elements, all tables together
// (issue 12, point 4).
func TestSandboxTableExhaustion(t *testing.T) {
	sbIsolated(t, runtime.Options{}, func(t *testing.T, rt *runtime.Runtime) {
		in := sbLoad(t, rt, sbManifest(16, "sandbox_tables")(t), runtime.PluginOptions{})
		floor := sbMeasureFloor(t, rt)
		heap := sbHeap()
		r := sbCall(in, "grow", nil, time.Minute)
		sbCheckStalls(t, floor, r)
		require.NoError(t, r.err)
		n := binary.LittleEndian.Uint64(r.out)
		grown := int64(sbHeap()) - int64(heap)
		t.Logf("64 tables got %d elements in all; the heap grew by %d KiB", n, grown>>10)
		// 16 pages grant 1 MiB of memory; tables are counted against it (8 KiB
		// of elements per page), all together: 131072 elements, 1 MiB of heap.
		require.LessOrEqual(t, n, uint64(16*8192), "tables are capped one by one, not per instance")
		require.Less(t, grown, int64(16<<20))
	})
}
