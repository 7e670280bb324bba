package wasmbin

import (
	"context"
	"errors"
	"runtime"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/experimental"
)

// instrument runs Instrument and checks the result with wasm-validate and
// wazero.
func instrument(t *testing.T, in []byte, validateFlags ...string) []byte {
	t.Helper()
	orig := append([]byte(nil), in...)
	out, err := Instrument(in)
	if err != nil {
		t.Fatalf("Instrument: %v", err)
	}
	if string(in) != string(orig) {
		t.Fatal("Instrument modified its input")
	}
	validate(t, out, validateFlags...)
	if !slices.Contains(validateFlags, "--enable-exceptions") { // legacy exceptions: wazero refuses them
		mustCompile(t, out, "instrumented module")
	}
	return out
}

func instantiate(t *testing.T, r wazero.Runtime, bin []byte, name string) api.Module {
	t.Helper()
	mod, err := r.InstantiateWithConfig(context.Background(), bin, wazero.NewModuleConfig().WithName(name))
	if err != nil {
		t.Fatalf("instantiate %s: %v", name, err)
	}
	return mod
}

func interruptGlobal(t *testing.T, mod api.Module) api.MutableGlobal {
	t.Helper()
	g, ok := mod.ExportedGlobal(InterruptExport).(api.MutableGlobal)
	if !ok {
		t.Fatalf("export %q is missing or not a mutable global", InterruptExport)
	}
	if g.Type() != api.ValueTypeI32 || g.Get() != 0 {
		t.Fatalf("interrupt global: type %v value %d, want i32 0", g.Type(), g.Get())
	}
	return g
}

// interrupt calls fn in a goroutine, checks that it is still running
// after 20ms, raises the flag and expects an "unreachable" trap within 2s.
//
// Go cannot preempt a goroutine that runs wazero-compiled code, so the
// guest needs a P of its own, and only the yield points let a garbage
// collection that stops the world get past it. A goroutine therefore runs
// the collector over and over while the guest spins: without yield points
// the world stops for good and the test hangs; with too few, a collection
// takes too long and the test fails.
func interrupt(t *testing.T, mod api.Module, fn string, params ...uint64) {
	t.Helper()
	g := interruptGlobal(t, mod)
	f := mod.ExportedFunction(fn)
	if f == nil {
		t.Fatalf("no exported function %q", fn)
	}
	if runtime.GOMAXPROCS(0) < 2 {
		defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(2))
	}
	var longestGC atomic.Int64
	stopGC, gcStopped := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(gcStopped)
		for {
			select {
			case <-stopGC:
				return
			default:
			}
			start := time.Now()
			runtime.GC()
			if d := int64(time.Since(start)); d > longestGC.Load() {
				longestGC.Store(d)
			}
		}
	}()
	defer func() {
		select {
		case <-stopGC:
		default:
			close(stopGC)
		}
	}()
	done := make(chan error, 1)
	go func() {
		_, err := f.Call(context.Background(), params...)
		done <- err
	}()
	select {
	case err := <-done:
		t.Fatalf("%s returned before the interrupt: %v", fn, err)
	case <-time.After(20 * time.Millisecond):
	}
	g.Set(1)
	select {
	case err := <-done:
		if err == nil || !strings.Contains(err.Error(), "unreachable") {
			t.Fatalf("%s: got error %v, want an unreachable trap", fn, err)
		}
	case <-time.After(2 * time.Second):
		t.Fatalf("%s was not interrupted within 2s", fn)
	}
	close(stopGC)
	<-gcStopped
	if d := time.Duration(longestGC.Load()); d > time.Second {
		t.Fatalf("a garbage collection took %v while %s ran: too few yield points", d, fn)
	}
	g.Set(0)
}

func call(t *testing.T, mod api.Module, fn string, params ...uint64) []uint64 {
	t.Helper()
	res, err := mod.ExportedFunction(fn).Call(context.Background(), params...)
	if err != nil {
		t.Fatalf("%s%v: %v", fn, params, err)
	}
	return res
}

func TestInterruptSpin(t *testing.T) {
	ctx := context.Background()
	r := wazero.NewRuntime(ctx) // default config: no WithCloseOnContextDone
	defer r.Close(ctx)

	mod := instantiate(t, r, instrument(t, wat(t, "spin")), "spin")
	if got := call(t, mod, "sum", 10)[0]; got != 45 {
		t.Fatalf("sum(10) = %d, want 45", got)
	}
	interrupt(t, mod, "spin")

	// The instance stays usable once the flag is cleared, and a call
	// traps early when the flag is set.
	if got := call(t, mod, "sum", 100000)[0]; got != 4999950000 {
		t.Fatalf("sum(100000) = %d after interrupt", got)
	}
	interruptGlobal(t, mod).Set(1)
	if _, err := mod.ExportedFunction("sum").Call(ctx, 1<<31); err == nil || !strings.Contains(err.Error(), "unreachable") {
		t.Fatalf("sum with the flag set: %v, want unreachable trap", err)
	}
}

func TestInterruptTailCall(t *testing.T) {
	ctx := context.Background()
	cfg := wazero.NewRuntimeConfig().WithCoreFeatures(api.CoreFeaturesV2 | experimental.CoreFeaturesTailCall)
	r := wazero.NewRuntimeWithConfig(ctx, cfg)
	defer r.Close(ctx)

	mod := instantiate(t, r, instrument(t, wat(t, "tailcall", "--enable-tail-call"), "--enable-tail-call"), "tailcall")
	if got := call(t, mod, "count", 0, 100000)[0]; got != 100000 {
		t.Fatalf("count(0, 100000) = %d", got)
	}
	interrupt(t, mod, "spin")
	interrupt(t, mod, "count", 0, ^uint64(0))
}

func TestNoGlobalsNoExports(t *testing.T) {
	ctx := context.Background()
	r := wazero.NewRuntime(ctx)
	defer r.Close(ctx)

	mod := instantiate(t, r, instrument(t, wat(t, "noexports")), "noexports")
	interruptGlobal(t, mod)
	if defs := mod.ExportedFunctionDefinitions(); len(defs) != 1 || defs[StartExport] == nil {
		t.Fatalf("exported functions %v, want only %s (the moved start function)", defs, StartExport)
	}

	// The bare header: both sections are created.
	out, err := Instrument(wasmHeader)
	if err != nil {
		t.Fatal(err)
	}
	validate(t, out)
	interruptGlobal(t, instantiate(t, r, out, "empty"))
}

func TestImportedGlobals(t *testing.T) {
	ctx := context.Background()
	r := wazero.NewRuntime(ctx)
	defer r.Close(ctx)

	env := instantiate(t, r, wat(t, "provider"), "env")
	out := instrument(t, wat(t, "imported"))
	mod := instantiate(t, r, out, "imported")
	interrupt(t, mod, "spin")

	// The loop really ran: it bumped the imported and the own globals.
	if env.ExportedGlobal("g1").Get() == 0 {
		t.Fatal("imported global g1 was never incremented")
	}
	own := api.DecodeI32(call(t, mod, "get_own")[0])
	if own == 5 || (own-5)%7 != 0 {
		t.Fatalf("own global = %d, want 5 + 7k with k > 0", own)
	}
}

// compareCalls instantiates the original and the instrumented module and
// checks that every call returns the same results.
type testCall struct {
	fn     string
	params []uint64
}

func compareCalls(t *testing.T, cfg wazero.RuntimeConfig, orig, inst []byte, calls []testCall) {
	t.Helper()
	ctx := context.Background()
	r1 := wazero.NewRuntimeWithConfig(ctx, cfg)
	defer r1.Close(ctx)
	r2 := wazero.NewRuntimeWithConfig(ctx, cfg)
	defer r2.Close(ctx)
	m1 := instantiate(t, r1, orig, "m")
	m2 := instantiate(t, r2, inst, "m")
	for _, c := range calls {
		want := call(t, m1, c.fn, c.params...)
		got := call(t, m2, c.fn, c.params...)
		if len(got) != len(want) || len(want) == 0 {
			t.Fatalf("%s%v: got %v, want %v", c.fn, c.params, got, want)
		}
		for i := range want {
			if got[i] != want[i] {
				t.Fatalf("%s%v: got %v, want %v", c.fn, c.params, got, want)
			}
		}
	}
}

var featureCalls = []testCall{
	{"simd", []uint64{1}}, {"simd", []uint64{2}}, {"simd", []uint64{17}}, {"simd", []uint64{100}},
	{"bulk", []uint64{1}}, {"bulk", []uint64{5}}, {"bulk", []uint64{40}},
	{"refs", []uint64{1}}, {"refs", []uint64{3}}, {"refs", []uint64{1000}},
	{"copy_data", []uint64{0}}, {"copy_data", []uint64{4}}, {"copy_data", []uint64{16}},
	{"drops", nil}, {"simd", []uint64{3}},
}

func TestFeaturesUnchanged(t *testing.T) {
	orig := wat(t, "features")
	compareCalls(t, wazero.NewRuntimeConfig(), orig, instrument(t, orig), featureCalls)
}

// Non-minimal (5-byte) LEB128 section, body and count sizes are accepted.
func TestPaddedLEB128(t *testing.T) {
	orig := wat(t, "features", "--no-canonicalize-leb128s")
	compareCalls(t, wazero.NewRuntimeConfig(), orig, instrument(t, orig), featureCalls)
}

func TestThreads(t *testing.T) {
	orig := wat(t, "threads", "--enable-threads")
	cfg := wazero.NewRuntimeConfig().WithCoreFeatures(api.CoreFeaturesV2 | experimental.CoreFeaturesThreads)
	compareCalls(t, cfg, orig, instrument(t, orig, "--enable-threads"),
		[]testCall{{"atomics", []uint64{1}}, {"atomics", []uint64{9}}, {"atomics", []uint64{300}}})
}

// Legacy exception handling is decoded (wazero rejects it at compile
// time, so only wabt checks the output).
func TestLegacyExceptions(t *testing.T) {
	instrument(t, wat(t, "legacy_eh", "--enable-exceptions"), "--enable-exceptions")
}

func TestExportExists(t *testing.T) {
	out := instrument(t, wat(t, "spin"))
	if _, err := Instrument(out); !errors.Is(err, ErrExportExists) {
		t.Fatalf("second Instrument: %v, want ErrExportExists", err)
	}
}
