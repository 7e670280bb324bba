package hostile_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	goruntime "runtime"
	"runtime/pprof"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/tendril-wasm/tendril/internal/kern"
	"github.com/tendril-wasm/tendril/internal/rootfs"
	"github.com/tendril-wasm/tendril/kernel"
	"github.com/tendril-wasm/tendril/runtime"
)

// The sandbox cases of issue 12: an adversarial review found a plug-in
// could freeze the whole host (work between two interrupt checks, kernel
// walks), reach kernel memory through a module name, and exhaust host
// descriptors, heap and logs. Each case runs in a runtime of its own and
// asserts, besides its own result:
//   - the call ends within its deadline (100 ms) plus sbEndBound, with the
//     deadline error, when it does not end by itself;
//   - a GC started during the call, and a goroutine ticking every 1 ms, are
//     not held up much longer than the same measured with no call running
//     (sbStallBound);
//   - the host heap grows by at most sbHeapBound;
//   - after Runtime.Close, goroutines and descriptors (/proc/self/fd) are
//     back to their baseline, HTTP connections included, and the host can
//     still open files and sockets;
//   - nothing of a previous call leaks ("SECRET" is in every first input).
//
// Some depend on fixes outside the kernel: interrupt checks after every
// kernel call and bulk memory instruction, with Go visits paced by work
// (internal/wasmbin), the per-instance table cap (internal/wasmbin), and
// module names that cannot shadow the host's (runtime).

const (
	sbDeadline  = 100 * time.Millisecond
	sbEndBound  = 5 * time.Second // 50 deadlines: robust on a loaded machine
	sbHeapBound = 64 << 20        // host heap growth during one case
	sbSecret    = "SECRET-of-the-previous-call "
)

// sbChecked records the fixtures already checked against their source.
var sbChecked sync.Map

// sbWasm returns testdata/<name>.wasm, the committed build of <name>.wat;
// when wat2wasm is installed it checks the two still match.
func sbWasm(t *testing.T, name string) []byte {
	t.Helper()
	bin, err := os.ReadFile(filepath.Join("testdata", name+".wasm"))
	require.NoError(t, err)
	if _, checked := sbChecked.LoadOrStore(name, true); checked {
		return bin
	}
	if tool, err := exec.LookPath("wat2wasm"); err == nil {
		out := filepath.Join(t.TempDir(), name+".wasm")
		msg, err := exec.Command(tool, filepath.Join("testdata", name+".wat"), "-o", out).CombinedOutput()
		require.NoError(t, err, "%s", msg)
		built, err := os.ReadFile(out)
		require.NoError(t, err)
		require.True(t, bytes.Equal(built, bin), "testdata/%s.wasm is stale: wat2wasm testdata/%[1]s.wat -o testdata/%[1]s.wasm", name)
	}
	return bin
}

// sbFloor is how long a GC and the 1 ms ticker take while a Go goroutine
// does what the guest does (clearing 16 MiB again and again, but
// preemptibly): the noise floor of the machine right now, measured in the
// same test.
//
// unit is the longest of three calls of sandbox_unit's `one`: one 16 MiB
// fill and one 8 MiB copy, the largest step no interrupt check can split.
// On a machine starved of CPU a step takes many times its usual time, and
// the GC must wait for one.
type sbFloor struct{ gc, tick, unit time.Duration }

func sbMeasureFloor(t *testing.T, rt *runtime.Runtime) sbFloor {
	t.Helper()
	var f sbFloor
	in := sbLoad(t, rt, sbManifest(256, "sandbox_unit")(t), runtime.PluginOptions{})
	for i := 0; i < 3; i++ {
		start := time.Now()
		_, err := in.Call(context.Background(), "one", nil)
		require.NoError(t, err)
		f.unit = max(f.unit, time.Since(start))
	}
	require.NoError(t, in.Close(context.Background()))
	stopBurn := make(chan struct{})
	burned := make(chan struct{})
	go func() {
		defer close(burned)
		buf := make([]byte, 16<<20)
		for {
			select {
			case <-stopBurn:
				return
			default:
				clear(buf)
			}
		}
	}()
	defer func() { close(stopBurn); <-burned }()
	for i := 0; i < 3; i++ {
		start := time.Now()
		goruntime.GC()
		f.gc = max(f.gc, time.Since(start))
	}
	stop := make(chan struct{})
	gap := sbTicker(stop)
	time.Sleep(sbDeadline)
	close(stop)
	f.tick = <-gap
	return f
}

// sbStallBound is how much longer than the floor a GC or a tick may wait
// while a call runs: far below the seconds-to-minutes stalls of issue 12,
// far above the noise of a loaded machine.
func (f sbFloor) sbStallBound(floor time.Duration) time.Duration {
	return 3*floor + 300*time.Millisecond + 2*f.unit
}

// sbTicker ticks every millisecond until stop closes, then sends the
// longest gap it saw between two ticks.
func sbTicker(stop <-chan struct{}) <-chan time.Duration {
	out := make(chan time.Duration, 1)
	go func() {
		tk := time.NewTicker(time.Millisecond)
		defer tk.Stop()
		last, worst := time.Now(), time.Duration(0)
		for {
			select {
			case <-tk.C:
				now := time.Now()
				worst = max(worst, now.Sub(last))
				last = now
			case <-stop:
				out <- max(worst, time.Since(last))
				return
			}
		}
	}()
	return out
}

// sbResult is one call watched from outside.
type sbResult struct {
	out     []byte
	err     error
	elapsed time.Duration
	gc      time.Duration // a runtime.GC started 25 ms into the call
	tick    time.Duration // the longest gap of the 1 ms ticker during the call
}

// sbCall calls fn with a deadline, starting a GC mid-call, with a 1 ms
// ticker running.
func sbCall(in *runtime.Instance, fn string, input []byte, deadline time.Duration) sbResult {
	stop := make(chan struct{})
	gap := sbTicker(stop)
	ctx, cancel := context.WithTimeout(context.Background(), deadline)
	defer cancel()
	var r sbResult
	done := make(chan struct{})
	go func() {
		defer close(done)
		start := time.Now()
		r.out, r.err = in.Call(ctx, fn, input)
		r.elapsed = time.Since(start)
	}()
	mid := time.NewTimer(min(deadline/4, 25*time.Millisecond))
	select {
	case <-mid.C:
	case <-done: // over already: the GC still runs, for the same checks
	}
	mid.Stop()
	start := time.Now()
	goruntime.GC()
	gc := time.Since(start)
	<-done
	close(stop)
	r.tick = <-gap
	r.gc = gc
	return r
}

// sbCheckStalls asserts the call ended in time and held neither the GC nor
// other goroutines.
func sbCheckStalls(t *testing.T, f sbFloor, r sbResult) {
	t.Helper()
	t.Logf("call %v (%v), GC mid-call %v (floor %v), longest tick gap %v (floor %v), unit step %v", r.elapsed, r.err, r.gc, f.gc, r.tick, f.tick, f.unit)
	require.Less(t, r.elapsed, sbDeadline+sbEndBound, "the call overran its deadline")
	require.Less(t, r.gc, f.sbStallBound(f.gc), "a GC started during the call waited for it")
	require.Less(t, r.tick, f.sbStallBound(f.tick), "a goroutine ticking every 1 ms stalled during the call")
}

// sbRequireDeadline asserts the call failed with the deadline error.
func sbRequireDeadline(t *testing.T, r sbResult) {
	t.Helper()
	var ie *runtime.InterruptError
	require.ErrorAs(t, r.err, &ie, "want the deadline error, got output %d bytes", len(r.out))
	require.ErrorIs(t, r.err, context.DeadlineExceeded)
}

// sbFDs counts this process's open descriptors (Linux; -1 elsewhere).
func sbFDs() int {
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		return -1
	}
	return len(ents)
}

// sbHeap is the live heap after a full collection.
func sbHeap() uint64 {
	goruntime.GC()
	var ms goruntime.MemStats
	goruntime.ReadMemStats(&ms)
	return ms.HeapAlloc
}

// sbHostWorks asserts the host can still open a file, listen, dial and
// compile.
func sbHostWorks(t *testing.T, rt *runtime.Runtime) {
	t.Helper()
	f, err := os.CreateTemp(t.TempDir(), "host")
	require.NoError(t, err, "the host cannot open a file")
	require.NoError(t, f.Close())
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err, "the host cannot listen")
	c, err := net.Dial("tcp", ln.Addr().String())
	require.NoError(t, err, "the host cannot dial")
	require.NoError(t, c.Close())
	require.NoError(t, ln.Close())
	if rt != nil {
		p, err := rt.Compile(context.Background(), runtime.Manifest{Wasm: []runtime.WasmSource{{Data: sbWasm(t, "sandbox_shadow_mod")}}}, runtime.PluginOptions{})
		require.NoError(t, err, "the host cannot compile")
		require.NoError(t, p.Close(context.Background()))
	}
}

// sbIsolated runs body with a runtime of its own, then closes it and checks
// that goroutines and descriptors come back to their baseline and the
// host's heap stayed within sbHeapBound.
func sbIsolated(t *testing.T, opts runtime.Options, body func(t *testing.T, rt *runtime.Runtime)) {
	t.Helper()
	ctx := context.Background()
	// Warm up what the process starts once (the finalizer goroutine, ...).
	warm, err := runtime.New(ctx, opts)
	require.NoError(t, err)
	require.NoError(t, warm.Close(ctx))
	heap := sbHeap()
	goroutines, fds := goruntime.NumGoroutine(), sbFDs()
	rt, err := runtime.New(ctx, opts)
	require.NoError(t, err)
	closed := false
	defer func() {
		if !closed {
			_ = rt.Close(ctx)
		}
	}()
	body(t, rt)
	grown := int64(sbHeap()) - int64(heap)
	require.Less(t, grown, int64(sbHeapBound), "the host heap grew by %d MiB", grown>>20)
	sbHostWorks(t, rt)
	require.NoError(t, rt.Close(ctx))
	closed = true
	// Polled here: require.Eventually runs its condition in goroutines of its own.
	if !sbWaitFor(func() bool { return goruntime.NumGoroutine() <= goroutines }) {
		var b strings.Builder
		_ = pprof.Lookup("goroutine").WriteTo(&b, 1)
		t.Fatalf("goroutines left behind after Close: %d, baseline %d:\n%s", goruntime.NumGoroutine(), goroutines, b.String())
	}
	if fds >= 0 && !sbWaitFor(func() bool { return sbFDs() <= fds }) {
		t.Fatalf("descriptors left open after Close: %d, baseline %d", sbFDs(), fds)
	}
	sbHostWorks(t, nil)
}

// sbWaitFor polls cond for up to 10 s (generous: things that close do so
// in milliseconds; a loaded machine must not fail the test).
func sbWaitFor(cond func() bool) bool {
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(5 * time.Millisecond) {
		if cond() {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
	}
}

// sbLoad compiles and instantiates modules (the last is main).
func sbLoad(t *testing.T, rt *runtime.Runtime, m runtime.Manifest, o runtime.PluginOptions) *runtime.Instance {
	t.Helper()
	ctx := context.Background()
	p, err := rt.Compile(ctx, m, o)
	require.NoError(t, err)
	in, err := p.Instantiate(ctx)
	require.NoError(t, err)
	return in
}

func sbManifest(pages uint32, names ...string) func(t *testing.T) runtime.Manifest {
	return func(t *testing.T) runtime.Manifest {
		m := runtime.Manifest{Memory: runtime.MemoryLimits{MaxPages: pages}}
		for _, n := range names {
			m.Wasm = append(m.Wasm, runtime.WasmSource{Data: sbWasm(t, n)})
		}
		return m
	}
}

// TestSandboxForgedLength: a guest that forges a block header after a call
// with a larger input reads nothing of that input through length, logs,
// vars or an HTTP body (issue 12, point 5).
func TestSandboxForgedLength(t *testing.T) {
	var hits atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { hits.Add(1) }))
	defer srv.Close()
	logs := &sbLogs{}
	sbIsolated(t, runtime.Options{Logger: slog.New(logs)}, func(t *testing.T, rt *runtime.Runtime) {
		m := sbManifest(256, "sandbox_kernel")(t)
		m.AllowedHosts = []string{"127.0.0.1"}
		in := sbLoad(t, rt, m, runtime.PluginOptions{})
		ctx := context.Background()
		// The first call's input lies in kernel memory past the second's top.
		_, err := in.Call(ctx, "request", bytes.Repeat([]byte(sbSecret), 4096))
		require.ErrorIs(t, err, kernel.ErrHTTPRequest) // not JSON: the input only had to be there
		in2 := sbLoad(t, rt, m, runtime.PluginOptions{})
		floor := sbMeasureFloor(t, rt)
		for _, inst := range []*runtime.Instance{in, in2} {
			r := sbCall(inst, "forged_length", fmt.Appendf(nil, `{"url":%q,"method":"POST"}`, srv.URL), time.Minute)
			sbCheckStalls(t, floor, r)
			require.ErrorIs(t, r.err, kernel.ErrBadHandle, "the forged body must be refused")
			require.NotContains(t, r.err.Error(), "SECRET")
			require.NotContains(t, string(r.out), "SECRET")
		}
		require.Zero(t, hits.Load(), "a request went out with the forged body")
		require.False(t, logs.contains("SECRET"), "a log record held bytes of the previous call")
		require.Zero(t, logs.count(), "the forged block was logged")
	})
}

// TestSandboxLogFlood: a guest logging 64 KiB records in a loop gets at
// most kernel's per-call caps through (and one warning), and the call
// still ends at its deadline (issue 12, point 7).
func TestSandboxLogFlood(t *testing.T) {
	logs := &sbLogs{}
	sbIsolated(t, runtime.Options{Logger: slog.New(logs)}, func(t *testing.T, rt *runtime.Runtime) {
		in := sbLoad(t, rt, sbManifest(256, "sandbox_kernel")(t), runtime.PluginOptions{})
		floor := sbMeasureFloor(t, rt)
		for call := 0; call < 2; call++ {
			logs.reset()
			r := sbCall(in, "log_flood", bytes.Repeat([]byte("L"), 64<<10), sbDeadline)
			sbCheckStalls(t, floor, r)
			sbRequireDeadline(t, r)
			n, size, warnings := logs.stats()
			t.Logf("call %d: %d records, %d bytes, %d warnings", call, n, size, warnings)
			require.LessOrEqual(t, n, 10_000+1)
			require.LessOrEqual(t, size, int64(1<<20+1024))
			require.Equal(t, 1, warnings, "one 'logs truncated' warning per call")
			in, _ = sbReload(t, rt, in, sbManifest(256, "sandbox_kernel")(t)) // a deadline breaks the instance
		}
	})
}

// sbReload closes a broken instance and makes another of the same plug-in.
func sbReload(t *testing.T, rt *runtime.Runtime, in *runtime.Instance, m runtime.Manifest) (*runtime.Instance, error) {
	t.Helper()
	require.NoError(t, in.Close(context.Background()))
	return sbLoad(t, rt, m, runtime.PluginOptions{}), nil
}

// sbLogs is a slog handler that counts records and bytes and remembers
// whether a message held a word.
type sbLogs struct {
	mu       sync.Mutex
	n        int
	bytes    int64
	warnings int
	seen     strings.Builder
}

func (h *sbLogs) Enabled(context.Context, slog.Level) bool { return true }
func (h *sbLogs) Handle(_ context.Context, r slog.Record) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	if strings.Contains(r.Message, "truncated") {
		h.warnings++
		return nil
	}
	h.n++
	h.bytes += int64(len(r.Message))
	if strings.Contains(r.Message, "SECRET") {
		h.seen.WriteString("SECRET")
	}
	return nil
}
func (h *sbLogs) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h *sbLogs) WithGroup(string) slog.Handler      { return h }
func (h *sbLogs) reset() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.n, h.bytes, h.warnings = 0, 0, 0
}
func (h *sbLogs) stats() (int, int64, int) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.n, h.bytes, h.warnings
}
func (h *sbLogs) count() int { n, _, _ := h.stats(); return n }
func (h *sbLogs) contains(word string) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	return strings.Contains(h.seen.String(), word)
}

// TestSandboxDescriptorExhaustion: a guest with WASI and a read-only mount
// that opens a file again and again without closing it is refused past the
// per-instance cap; meanwhile the host still opens files and sockets and
// compiles, and Close gives every descriptor back (issue 12, point 3).
func TestSandboxDescriptorExhaustion(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "f"), []byte("x"), 0o644))
	sbIsolated(t, runtime.Options{}, func(t *testing.T, rt *runtime.Runtime) {
		m := sbManifest(16, "sandbox_fds")(t)
		m.AllowedPaths = map[string]string{"ro:" + dir: "/data"}
		in := sbLoad(t, rt, m, runtime.PluginOptions{WASI: true})
		floor := sbMeasureFloor(t, rt)
		fds := sbFDs()
		r := sbCall(in, "open_all", nil, time.Minute)
		sbCheckStalls(t, floor, r)
		require.NoError(t, r.err)
		require.Len(t, r.out, 16)
		opened, errno := binary.LittleEndian.Uint64(r.out), binary.LittleEndian.Uint64(r.out[8:])
		t.Logf("opened %d files, then errno %d; descriptors %d -> %d", opened, errno, fds, sbFDs())
		require.LessOrEqual(t, opened, uint64(256))
		require.Greater(t, opened, uint64(200), "the cap is 256 per instance, the mount's root included")
		require.Equal(t, uint64(29), errno, "EIO (wazero's WASI has no EMFILE)")
		if fds >= 0 {
			require.LessOrEqual(t, sbFDs()-fds, 256)
		}
		sbHostWorks(t, rt) // while the guest holds its files
	})
}

// TestSandboxModuleNameShadowing: a manifest module may not take the name
// of the kernel, WASI, Tendril's own modules or a granted host namespace
// (issue 12, point 2: a module named extism:host/env let another import the
// real kernel's memory).
func TestSandboxModuleNameShadowing(t *testing.T) {
	hostFn := runtime.NewHostFunction("f", func(context.Context, *runtime.Caller, []byte) ([]byte, error) { return nil, nil })
	for _, name := range []string{kernel.ModuleName, "wasi_snapshot_preview1", "tendril:kernel-host", runtime.DefaultHostNamespace, "my:host"} {
		t.Run(name, func(t *testing.T) {
			sbIsolated(t, runtime.Options{}, func(t *testing.T, rt *runtime.Runtime) {
				ctx := context.Background()
				main := "sandbox_shadow_mod"
				if name == kernel.ModuleName {
					main = "sandbox_shadow_main"
				}
				m := runtime.Manifest{Wasm: []runtime.WasmSource{
					{Data: sbWasm(t, "sandbox_shadow_mod"), Name: name},
					{Data: sbWasm(t, main), Name: "main"},
				}}
				fn := hostFn
				if name == "my:host" {
					fn.Namespace = "my:host"
				}
				p, err := rt.Compile(ctx, m, runtime.PluginOptions{WASI: true, HostFunctions: []runtime.HostFunction{fn}})
				if err == nil {
					defer p.Close(ctx)
					in, ierr := p.Instantiate(ctx)
					if ierr == nil {
						top, cerr := in.Call(ctx, "peek", nil)
						_ = in.Close(ctx)
						require.Failf(t, "a module named "+name+" was accepted", "peek: %q, %v", top, cerr)
					}
					require.Failf(t, "a module named "+name+" compiled", "instantiate: %v", ierr)
				}
				require.ErrorIs(t, err, runtime.ErrManifest)
				require.Contains(t, err.Error(), name)
			})
		})
	}
}

// TestSandboxHTTPConnectionsClosed: after plug-ins fetched from several
// loopback servers, closing the runtime leaves no connection, goroutine or
// descriptor behind while the servers stay up (issue 12, point 6); and an
// allowed name that resolves to a loopback address is refused at dial time.
func TestSandboxHTTPConnectionsClosed(t *testing.T) {
	var servers []*httptest.Server
	for i := 0; i < 8; i++ {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("hello")) }))
		defer srv.Close()
		servers = append(servers, srv)
	}
	var hits atomic.Int64
	named := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { hits.Add(1) }))
	defer named.Close()
	sbIsolated(t, runtime.Options{}, func(t *testing.T, rt *runtime.Runtime) {
		ctx := context.Background()
		m := sbManifest(16, "sandbox_kernel")(t)
		m.AllowedHosts = []string{"127.0.0.1"}
		for _, srv := range servers {
			in := sbLoad(t, rt, m, runtime.PluginOptions{})
			out, err := in.Call(ctx, "request", fmt.Appendf(nil, `{"url":%q}`, srv.URL))
			require.NoError(t, err)
			require.Equal(t, "hello", string(out))
			require.NoError(t, in.Close(ctx))
		}
		// DNS rebinding, in effect: a name the allow-list matches by pattern
		// whose address is internal.
		m.AllowedHosts = []string{"*"}
		in := sbLoad(t, rt, m, runtime.PluginOptions{})
		_, port, _ := net.SplitHostPort(named.Listener.Addr().String())
		_, err := in.Call(ctx, "request", fmt.Appendf(nil, `{"url":"http://localhost:%s/"}`, port))
		require.ErrorIs(t, err, kernel.ErrHTTPNotAllowed)
		require.Zero(t, hits.Load())
	})
}

// TestSandboxDefaults: the caps SECURITY.md quotes for issue 12's classes.
// If one changes, this test fails and points there.
func TestSandboxDefaults(t *testing.T) {
	require.Equal(t, 256, rootfs.DefaultMaxOpenFiles, "update SECURITY.md")
	require.Equal(t, 10_000, kern.DefaultMaxLogRecords, "update SECURITY.md")
	require.Equal(t, 1<<20, kern.DefaultMaxLogBytes, "update SECURITY.md")
	require.Equal(t, 64<<10, kern.MaxLogMessage, "update SECURITY.md")
	require.False(t, runtime.PluginOptions{}.AllowPrivateNetworks, "the private-address guard is on by default")
}
