package hostile_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	goruntime "runtime"
	"testing"
	"time"

	"github.com/tendril-wasm/tendril/kernel"
	"github.com/tendril-wasm/tendril/runtime"
)

// Bounds of the leak checks: what may remain after the loops, after a GC.
const (
	leakHeapBound = 8 * mib
	leakVMBound   = 1 << 30 // address space: a mapping not unmapped shows here first
	leakGoroutine = 2
)

// snapshot is what a leak check compares before and after.
type snapshot struct {
	heap       uint64
	vm         uint64
	goroutines int
}

func takeSnapshot() snapshot {
	return snapshot{heap: heapAlloc(), vm: vmBytes(), goroutines: goruntime.NumGoroutine()}
}

// checkFlat asserts that heap, address space and goroutines came back to
// about where they were (goroutines get a short settle loop).
func checkFlat(t *testing.T, what string, before snapshot) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second) // ends as soon as they settle
	for goruntime.NumGoroutine() > before.goroutines+leakGoroutine && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	after := takeSnapshot()
	dh, dv := int64(after.heap)-int64(before.heap), int64(after.vm)-int64(before.vm)
	dg := after.goroutines - before.goroutines
	t.Logf("%s: heap %+.2f MiB, address space %+.1f MiB, goroutines %+d", what, float64(dh)/mib, float64(dv)/mib, dg)
	if dh > leakHeapBound {
		t.Errorf("%s: the heap grew by %.1f MiB (bound %d MiB)", what, float64(dh)/mib, leakHeapBound/mib)
	}
	if dv > leakVMBound {
		t.Errorf("%s: the address space grew by %.1f MiB (bound %d MiB): memory mappings leak", what, float64(dv)/mib, leakVMBound/mib)
	}
	if dg > leakGoroutine || dg < -leakGoroutine {
		t.Errorf("%s: %d goroutines before, %d after (bound ±%d)", what, before.goroutines, after.goroutines, leakGoroutine)
	}
}

// vmBytes is the process's virtual size (Linux; 0 elsewhere).
func vmBytes() uint64 {
	b, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		return 0
	}
	var size uint64
	if _, err := fmt.Sscan(string(b), &size); err != nil {
		return 0
	}
	return size * uint64(os.Getpagesize())
}

// TestLeakInstances creates, calls and closes 10,000 instances of one
// plug-in: nothing of them may remain.
func TestLeakInstances(t *testing.T) {
	ctx := context.Background()
	rt, err := runtime.New(ctx, runtime.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer rt.Close(ctx)
	p, err := rt.Compile(ctx, runtime.Manifest{Wasm: []runtime.WasmSource{{Data: wasm(t, "leak")}}, TimeoutMs: 1000},
		runtime.PluginOptions{})
	if err != nil {
		t.Fatal(err)
	}
	cycle := func() {
		in, err := p.Instantiate(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if out, err := in.Call(ctx, "echo", []byte("leak?")); err != nil || string(out) != "leak?" {
			t.Fatalf("echo: %q, %v", out, err)
		}
		if err := in.Close(ctx); err != nil {
			t.Fatal(err)
		}
	}
	for range 200 { // warm up: pools and caches reach their steady size
		cycle()
	}
	before := takeSnapshot()
	start := time.Now()
	const n = 10_000
	for range n {
		cycle()
	}
	t.Logf("%d instance cycles in %v (%v each)", n, time.Since(start).Round(time.Millisecond), time.Since(start)/n)
	checkFlat(t, fmt.Sprintf("%d instances", n), before)
}

// TestLeakCalls makes 100,000 calls on one instance, most of them failing
// without breaking it (guest errors, codes, output over the cap, kernel
// errors), some with a context deadline, all under a timeout: nothing may
// accumulate.
func TestLeakCalls(t *testing.T) {
	ctx := context.Background()
	rt, err := runtime.New(ctx, runtime.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer rt.Close(ctx)
	m := runtime.Manifest{Wasm: []runtime.WasmSource{{Data: wasm(t, "leak")}}, TimeoutMs: 1000}
	m.Memory.MaxOutputBytes = 64
	p, err := rt.Compile(ctx, m, runtime.PluginOptions{})
	if err != nil {
		t.Fatal(err)
	}
	in, err := p.Instantiate(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close(ctx)
	big := make([]byte, 65)
	call := func(i int) {
		cctx := ctx
		if i%4 == 0 {
			var cancel context.CancelFunc
			cctx, cancel = context.WithTimeout(ctx, time.Minute)
			defer cancel()
		}
		var ge *runtime.GuestError
		switch i % 5 {
		case 0:
			if out, err := in.Call(cctx, "echo", []byte("ok")); err != nil || string(out) != "ok" {
				t.Fatalf("call %d: echo: %q, %v", i, out, err)
			}
		case 1:
			if _, err := in.Call(cctx, "fail", []byte("a plug-in's error")); !errors.As(err, &ge) || ge.Message != "a plug-in's error" {
				t.Fatalf("call %d: fail: %v", i, err)
			}
		case 2:
			if _, err := in.Call(cctx, "code", nil); !errors.As(err, &ge) || ge.Code != 7 {
				t.Fatalf("call %d: code: %v", i, err)
			}
		case 3:
			if _, err := in.Call(cctx, "echo", big); !errors.Is(err, runtime.ErrOutputTooLarge) {
				t.Fatalf("call %d: echo over the cap: %v", i, err)
			}
		case 4:
			if _, err := in.Call(cctx, "badvar", nil); !errors.Is(err, kernel.ErrBadHandle) {
				t.Fatalf("call %d: badvar: %v", i, err)
			}
		}
	}
	for i := range 1000 {
		call(i)
	}
	before := takeSnapshot()
	start := time.Now()
	const n = 100_000
	for i := range n {
		call(i)
	}
	t.Logf("%d calls in %v (%v each)", n, time.Since(start).Round(time.Millisecond), time.Since(start)/n)
	if b := in.Broken(); b != nil {
		t.Fatalf("the instance broke: %v", b)
	}
	checkFlat(t, fmt.Sprintf("%d calls", n), before)
}
