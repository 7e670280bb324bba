package wasmbin

import (
	"context"
	"runtime"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/experimental"
)

// The work between two checks is bounded whatever the guest does: bulk
// instructions and calls to imports are followed by a check, and a call
// tree without loops is charged at every function that calls another.

func TestStraightLineBulk(t *testing.T) {
	ctx := context.Background()
	r := wazero.NewRuntime(ctx)
	defer r.Close(ctx)
	mod := instantiate(t, r, instrument(t, wat(t, "bulk")), "bulk")
	require.Equal(t, uint64(7), call(t, mod, "one", 7)[0])
	interrupt(t, mod, "fills", 1)
}

func TestStraightLineImports(t *testing.T) {
	ctx := context.Background()
	cfg := wazero.NewRuntimeConfig().WithCoreFeatures(api.CoreFeaturesV2 | experimental.CoreFeaturesTailCall)
	r := wazero.NewRuntimeWithConfig(ctx, cfg)
	defer r.Close(ctx)
	// busy works for a few milliseconds in Go (where the garbage collector
	// can stop it): the deadline is seen right after it returns.
	_, err := r.NewHostModuleBuilder("slow").NewFunctionBuilder().WithFunc(func() {
		end := time.Now().Add(5 * time.Millisecond)
		for time.Now().Before(end) {
		}
	}).Export("busy").Instantiate(ctx)
	require.NoError(t, err)
	mod := instantiate(t, r, instrument(t, wat(t, "imports", "--enable-tail-call"), "--enable-tail-call"), "imports")
	call(t, mod, "tail")
	interrupt(t, mod, "calls")
}

func TestCallTree(t *testing.T) {
	ctx := context.Background()
	r := wazero.NewRuntime(ctx)
	defer r.Close(ctx)
	mod := instantiate(t, r, instrument(t, wat(t, "dag")), "dag")
	interrupt(t, mod, "run")
	require.NotZero(t, call(t, mod, "count")[0], "the leaf never ran")
}

func TestBranches(t *testing.T) {
	orig := wat(t, "branches")
	var calls []testCall
	for _, n := range []uint64{0, 1, 2, 7, 100, 5000} {
		for _, fn := range []string{"nest", "result", "ifs", "param"} {
			calls = append(calls, testCall{fn, []uint64{n}})
		}
	}
	compareCalls(t, wazero.NewRuntimeConfig(), orig, instrument(t, orig), calls)

	ctx := context.Background()
	r := wazero.NewRuntime(ctx)
	defer r.Close(ctx)
	mod := instantiate(t, r, instrument(t, orig), "branches")
	interrupt(t, mod, "spin")
	interrupt(t, mod, "nest", 1<<20) // 2^39 inner iterations
}

// A loop body heavier than the local budget still makes progress: the
// budget is tested before the iteration is counted.
func TestHeavyLoop(t *testing.T) {
	orig := wat(t, "bigloop")
	out := instrument(t, orig)
	compareCalls(t, wazero.NewRuntimeConfig(), orig, out, []testCall{{"big", []uint64{1}}, {"big", []uint64{3000}}})

	ctx := context.Background()
	r := wazero.NewRuntime(ctx)
	defer r.Close(ctx)
	interrupt(t, instantiate(t, r, out, "big"), "big", 1<<31)
}

// The lighter modes: ChecksInterruptOnly still stops every loop;
// ChecksNone leaves the code as it was.
func TestChecksModes(t *testing.T) {
	ctx := context.Background()
	r := wazero.NewRuntime(ctx)
	defer r.Close(ctx)
	orig := wat(t, "branches")
	for _, c := range []Checks{ChecksInterruptOnly, ChecksNone} {
		m, err := InstrumentModule(orig, Options{Checks: c})
		require.NoError(t, err)
		mustCompile(t, m.Binary, "output")
		compareCalls(t, wazero.NewRuntimeConfig(), orig, m.Binary, []testCall{{"nest", []uint64{50}}, {"ifs", []uint64{99}}})
		if c == ChecksNone {
			require.Equal(t, codeOf(orig), codeOf(m.Binary), "ChecksNone changed the code")
			continue
		}
		mod := instantiate(t, r, m.Binary, "light")
		g := interruptGlobal(t, mod)
		g.Set(1)
		_, err = mod.ExportedFunction("spin").Call(ctx)
		require.ErrorContains(t, err, "unreachable")
		mod.Close(ctx)
	}
}

func codeOf(bin []byte) []byte {
	start, end := codeSection(bin)
	return bin[start:end]
}

// TestTableBudget grows every one of 64 tables to its cap: all together
// they hold the budget, and the Go heap grows by no more than 8 bytes an
// element, twice over (wazero grows a table's slice by appending).
func TestTableBudget(t *testing.T) {
	const budget = 1 << 20
	var tables [][]byte
	for range 64 {
		tables = append(tables, []byte{typeFuncref, 0x00, 0x00}) // min 0, no max
	}
	var code []byte
	for i := range 64 {
		// block; loop; ref.null; i32.const 4096; table.grow i; i32.const -1; i32.ne; br_if 0; end; end
		code = append(code, 0x02, 0x40, 0x03, 0x40, 0xd0, typeFuncref, 0x41, 0x80, 0x20, 0xfc, 0x0f)
		code = appendU32(code, uint32(i))
		code = append(code, 0x41, 0x7f, 0x47, 0x0d, 0x00, 0x0b, 0x0b)
	}
	code = append(code, 0x0b)
	in := module(
		section(secType, vec([]byte{0x60, 0, 0})),
		section(secFunction, vec([]byte{0})),
		section(secTable, vec(tables...)),
		section(secExport, vec(cat([]byte{4}, []byte("grow"), []byte{externFunc, 0}))),
		section(secCode, vec(body(noLocals, code))))
	m, err := InstrumentModule(in, Options{MaxTableElements: budget})
	require.NoError(t, err)
	var total uint64
	for _, l := range m.Tables {
		require.True(t, l.HasMax)
		total += l.Max
	}
	require.LessOrEqual(t, total, uint64(budget))
	require.Greater(t, total, uint64(budget-64))

	ctx := context.Background()
	r := wazero.NewRuntime(ctx)
	defer r.Close(ctx)
	mod := instantiate(t, r, m.Binary, "tables")
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	call(t, mod, "grow")
	runtime.GC()
	runtime.ReadMemStats(&after)
	grown := int64(after.HeapAlloc) - int64(before.HeapAlloc)
	t.Logf("64 tables at their caps: %d elements, %d bytes of heap", total, grown)
	require.Less(t, grown, int64(2*8*budget))
	require.Greater(t, grown, int64(8*budget/2), "the tables did not grow")
	runtime.KeepAlive(mod)
}

// TestRecursionChargedByCallers: functions that only the module calls are
// charged at their call sites, not at their entries; a deep or
// exponential recursion through them is still bounded.
func TestRecursionChargedByCallers(t *testing.T) {
	bin := wat(t, "recursion", "--enable-tail-call")
	secs, err := splitSections(bin)
	require.NoError(t, err)
	info, _, _, err := scanModule(bin, secs, true)
	require.NoError(t, err)
	const fib, ping, pong, three, down = 0, 2, 3, 5, 7
	for _, fn := range []int{fib, pong, down} {
		require.True(t, info.byCallers[fn], "function %d", fn)
	}
	require.False(t, info.byCallers[1], "an export is charged at its entry")
	require.False(t, info.byCallers[three], "a function called from 10 regions is charged at its entry")
	// $ping calls $pong, which calls $ping: the walk finds the cycle at
	// $pong, which is checked (charged by $ping); $ping is a leaf, whose
	// weight $pong charges at its entry.
	require.True(t, info.leaf[ping])
	require.False(t, info.leaf[pong])
	require.Equal(t, uint32(info.funcs[pong].size)+2*info.leafWeight(ping), info.entryWeight(pong))
	// fib: one charge for both calls; ping: one; pong: none (it calls a
	// leaf); down: one, before its tail call.
	require.Equal(t, []chargeSite{{pos: info.funcs[fib].calls[0].pos, w: 2 * info.entryWeight(fib)}}, info.funcs[fib].charges)
	require.Len(t, info.funcs[ping].charges, 1)
	require.Equal(t, 2*info.entryWeight(pong), info.funcs[ping].charges[0].w)
	require.Empty(t, info.funcs[pong].charges)
	require.Len(t, info.funcs[down].charges, 1)
	require.Empty(t, info.funcs[three].charges)

	ctx := context.Background()
	cfg := wazero.NewRuntimeConfig().WithCoreFeatures(api.CoreFeaturesV2 | experimental.CoreFeaturesTailCall)
	r := wazero.NewRuntimeWithConfig(ctx, cfg)
	defer r.Close(ctx)
	mod := instantiate(t, r, instrument(t, bin, "--enable-tail-call"), "recursion")
	require.Equal(t, uint64(6765), call(t, mod, "fib", 20)[0])
	require.Equal(t, uint64(1<<10), call(t, mod, "pingpong", 10)[0])
	require.Equal(t, uint64(7), call(t, mod, "down", 1000)[0])
	require.Equal(t, uint64(27), call(t, mod, "three", 5)[0])
	interrupt(t, mod, "fib", 90)
	interrupt(t, mod, "pingpong", 60)
	interrupt(t, mod, "down", 1<<62)
}

// TestLoopFlush: a function that loops charges what its loops counted when
// it returns, so calling it over and over visits Go as often as the work
// it does asks, not once per loopEntryShare-sized entry charge.
func TestLoopFlush(t *testing.T) {
	bin := instrument(t, wat(t, "flush"))
	ctx := context.Background()
	r := wazero.NewRuntimeWithConfig(ctx, wazero.NewRuntimeConfigInterpreter())
	defer r.Close(ctx)
	// The slow path, the last function, is called when a visit is due.
	const slow = 2
	var visits int
	ctx = experimental.WithFunctionListenerFactory(ctx, experimental.FunctionListenerFactoryFunc(
		func(def api.FunctionDefinition) experimental.FunctionListener {
			if def.Index() != slow {
				return nil
			}
			return experimental.FunctionListenerFunc(func(context.Context, api.Module, api.FunctionDefinition, []uint64, experimental.StackIterator) {
				visits++
			})
		}))
	cm, err := r.CompileModule(ctx, bin)
	require.NoError(t, err)
	mod, err := r.InstantiateModule(ctx, cm, wazero.NewModuleConfig())
	require.NoError(t, err)
	// 1000 calls of 2000 iterations: each call counts several bytes per
	// iteration, well under flushBudget and far over loopEntryShare.
	const calls, n = 1000, 2000
	_, err = mod.ExportedFunction("outer").Call(ctx, calls, n)
	require.NoError(t, err)
	minWork := calls * n * 4 // bytes per iteration, at least
	require.GreaterOrEqual(t, visits, minWork/globalBudget, "visits to the slow path for %d units of work", minWork)
}
