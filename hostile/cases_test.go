package hostile_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	goruntime "runtime"
	"testing"
	"time"

	"github.com/tendril-wasm/tendril/kernel"
	"github.com/tendril-wasm/tendril/runtime"
)

// Bounds of the attacks that must be stopped by an interrupt: the timeout or
// deadline they are given, and how long they may take in all.
const (
	stopMs       = 100 // timeout_ms
	stopAfter    = stopMs * time.Millisecond
	interruptBnd = stopAfter + time.Second
)

// Setups: what a case grants and limits. They compose with grant(...).
func grant(fs ...func(*runtime.Manifest, *runtime.PluginOptions)) func(*runtime.Manifest, *runtime.PluginOptions) {
	return func(m *runtime.Manifest, o *runtime.PluginOptions) {
		for _, f := range fs {
			f(m, o)
		}
	}
}

func maxPages(n uint32) func(*runtime.Manifest, *runtime.PluginOptions) {
	return func(m *runtime.Manifest, _ *runtime.PluginOptions) { m.Memory.MaxPages = n }
}

func timeoutMs(ms uint64) func(*runtime.Manifest, *runtime.PluginOptions) {
	return func(m *runtime.Manifest, _ *runtime.PluginOptions) { m.TimeoutMs = ms }
}

func maxOutput(n int64) func(*runtime.Manifest, *runtime.PluginOptions) {
	return func(m *runtime.Manifest, _ *runtime.PluginOptions) { m.Memory.MaxOutputBytes = n }
}

func maxVarBytes(n int64) func(*runtime.Manifest, *runtime.PluginOptions) {
	return func(m *runtime.Manifest, _ *runtime.PluginOptions) { m.Memory.MaxVarBytes = &n }
}

func hosts(patterns ...string) func(*runtime.Manifest, *runtime.PluginOptions) {
	return func(m *runtime.Manifest, _ *runtime.PluginOptions) { m.AllowedHosts = patterns }
}

func withWASI(m *runtime.Manifest, o *runtime.PluginOptions) { o.WASI = true }

func mount(hostDir, guestDir string) func(*runtime.Manifest, *runtime.PluginOptions) {
	return func(m *runtime.Manifest, o *runtime.PluginOptions) {
		o.WASI = true
		m.AllowedPaths = map[string]string{hostDir: guestDir}
	}
}

func hostFuncs(fs ...runtime.HostFunction) func(*runtime.Manifest, *runtime.PluginOptions) {
	return func(_ *runtime.Manifest, o *runtime.PluginOptions) { o.HostFunctions = fs }
}

func httpJSON(url string) []byte { return fmt.Appendf(nil, `{"url":%q}`, url) }

// memGrowth fails when the host's live heap or resident memory grew by more
// than limit while the instance is alive (checks run before it is closed).
// Linear memories may live outside the Go heap (mapped memory), hence RSS.
// Under the race detector, whose shadow memory grows with the heap, the RSS
// limit is doubled (vars/confetti: 1.6-1.9 MiB of RSS without it, 2.3-4.5
// MiB with it, for the same 1.4-1.7 MiB of heap).
func memGrowth(limit uint64) func(t *testing.T, r *result) {
	return func(t *testing.T, r *result) {
		t.Helper()
		heap, rss := heapAlloc(), rssBytes()
		dh, dr := int64(heap)-int64(r.heapBefore), int64(rss)-int64(r.rssBefore)
		rssLimit := limit
		if raceEnabled {
			rssLimit *= 2
		}
		t.Logf("live heap grew by %.1f MiB, RSS by %.1f MiB (limit %.1f MiB, RSS %.1f MiB)", float64(dh)/mib, float64(dr)/mib, float64(limit)/mib, float64(rssLimit)/mib)
		if dh > int64(limit) || dr > int64(rssLimit) {
			t.Errorf("the host grew by %.1f MiB of heap and %.1f MiB of RSS, more than the %.1f MiB this plug-in was granted (plus slack)",
				float64(dh)/mib, float64(dr)/mib, float64(limit)/mib)
		}
	}
}

// logMem only reports how much the host grew (for costs outside any cap the
// runtime sets, documented in SECURITY.md).
func logMem(t *testing.T, r *result) {
	t.Helper()
	dh, dr := int64(heapAlloc())-int64(r.heapBefore), int64(rssBytes())-int64(r.rssBefore)
	t.Logf("live heap grew by %.1f MiB, RSS by %.1f MiB", float64(dh)/mib, float64(dr)/mib)
}

// hostileCases is the suite. Every row is an attack; see hostileCase.
func hostileCases(t *testing.T, e *env) []hostileCase {
	blockHost := runtime.HostFunction{
		Name: "block",
		Func: func(ctx context.Context, _ *runtime.Caller, _ []uint64) error {
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(2 * time.Second):
				return errors.New("block: never cancelled, gave up after 2s")
			}
		},
	}
	boomHost := runtime.HostFunction{
		Name: "boom",
		Func: func(context.Context, *runtime.Caller, []uint64) error { panic("boom: a host function's own bug") },
	}
	hostFns := hostFuncs(blockHost, boomHost)

	cases := []hostileCase{
		// Time.
		{name: "loop/timeout_ms", wat: "spin", fn: "spin", setup: timeoutMs(stopMs),
			want: interrupted(deadline), broken: true, bound: interruptBnd},
		{name: "loop/ctx_deadline", wat: "spin", fn: "spin", timeout: stopAfter,
			want: interrupted(deadline), broken: true, bound: interruptBnd},
		// Go cannot preempt a goroutine running compiled wasm: a GC that
		// stops the world waits for the guest, and meanwhile no timer
		// runs, including the one that would interrupt the guest.
		{name: "loop/gc_during_call", wat: "spin", fn: "spin", setup: timeoutMs(stopMs),
			during: func() { time.Sleep(20 * time.Millisecond); goruntime.GC() },
			want:   interrupted(deadline), broken: true, bound: interruptBnd, check: gcControl},
		{name: "loop/ctx_cancel", wat: "spin", fn: "spin", cancelAfter: stopAfter,
			want: interrupted(canceled), broken: true, bound: interruptBnd},
		// wazero 1.12 does not enable tail calls by default (they are
		// experimental.CoreFeaturesTailCall), and the runtime does not
		// enable them: a return_call loop never compiles.
		{name: "loop/tail_call", wat: "tailcall", fn: "spin", setup: timeoutMs(stopMs),
			want: interrupted(deadline), broken: true, bound: interruptBnd},
		// Refers to a global past its own: after instrumentation that would
		// be the interrupt flag, so the module is refused at load.
		{name: "loop/clears_interrupt_flag", wat: "flagclear", fn: "spin", stage: atLoad, setup: timeoutMs(stopMs),
			want: failsWith("global index", "out of range")},
		{name: "loop/start_section", wat: "start", stage: atLoad, timeout: stopAfter,
			setup: timeoutMs(stopMs), want: stopped(deadline), bound: interruptBnd},
		{name: "loop/initialize_timeout_ms", wat: "init", stage: atLoad,
			setup: timeoutMs(stopMs), want: interrupted(deadline), bound: interruptBnd},
		{name: "loop/initialize_ctx_deadline", wat: "init", stage: atLoad, timeout: stopAfter,
			want: interrupted(deadline), bound: interruptBnd},
		{name: "loop/kernel_walk", wat: "walk", fn: "walk", setup: grant(maxPages(2048), timeoutMs(300)),
			want: interrupted(deadline), broken: true, bound: 300*time.Millisecond + 2*time.Second},
		{name: "loop/wasi_sleep_timeout_ms", wat: "sleep", fn: "sleep", setup: grant(withWASI, timeoutMs(stopMs)),
			want: interrupted(deadline), broken: true, bound: interruptBnd},
		{name: "loop/wasi_sleep_ctx_deadline", wat: "sleep", fn: "sleep", setup: withWASI, timeout: stopAfter,
			want: interrupted(deadline), broken: true, bound: interruptBnd},

		// Host functions and I/O that block.
		{name: "hostfn/blocks_ctx_deadline", wat: "hostfn", fn: "call_block", setup: hostFns, timeout: stopAfter,
			want: stopped(deadline), broken: true, bound: interruptBnd},
		{name: "hostfn/blocks_timeout_ms", wat: "hostfn", fn: "call_block", setup: grant(hostFns, timeoutMs(stopMs)),
			want: stopped(deadline), broken: true, bound: interruptBnd},
		{name: "hostfn/panics", wat: "hostfn", fn: "call_boom", setup: hostFns,
			want: hostFunction("panic: boom"), broken: true},
		{name: "http/slow_ctx_deadline", wat: "http", fn: "request", setup: hosts("127.0.0.1"), timeout: stopAfter,
			// The guest is stopped by the check right after the import returns.
			input: httpJSON(e.allowedURL + "/slow"), want: stopped(deadline), broken: true, bound: interruptBnd},
		{name: "http/slow_timeout_ms", wat: "http", fn: "request", setup: grant(hosts("127.0.0.1"), timeoutMs(stopMs)),
			input: httpJSON(e.allowedURL + "/slow"), want: stopped(deadline), broken: true, bound: interruptBnd, noRepeat: true},

		// Memory.
		{name: "memory/grow_until_refused", wat: "grow", fn: "grow_until_refused", setup: maxPages(256),
			want: outputU64(256), check: memGrowth(16*mib + 8*mib)},
		{name: "memory/grow_4GiB_at_once", wat: "grow", fn: "grow_by", input: u64(65535), setup: maxPages(256),
			want: outputU64(^uint64(0))},
		{name: "memory/grow_one_past_cap", wat: "grow", fn: "grow_by", input: u64(16), setup: maxPages(16),
			want: outputU64(^uint64(0))},
		{name: "memory/write_past_end", wat: "grow", fn: "grow_then_write_past", setup: maxPages(16),
			want: trap("out of bounds memory access"), broken: true},
		{name: "memory/kernel_alloc_until_refused", wat: "grow", fn: "alloc_until_refused", setup: maxPages(64),
			want: outputU64(3), check: memGrowth(4*mib + 8*mib)},
		{name: "memory/min_over_cap", wat: "memmin", stage: atLoad, setup: maxPages(16),
			want: failsWith("max_pages")},
		{name: "memory/min_over_cap_unexported", wat: "memmin_hidden", stage: atLoad, setup: maxPages(16),
			want: failsWith("max_pages"), check: memGrowth(1*mib + 8*mib)},
		{name: "memory/table_grow", wat: "table", fn: "table_grow", setup: maxPages(16),
			want: outputU64Max(mib / 8), check: memGrowth(1*mib + 8*mib), bound: 5 * time.Second},
		{name: "memory/table_min", wat: "tablemin", stage: atLoad, setup: maxPages(16),
			want: failsWith("table"), check: memGrowth(1*mib + 8*mib), bound: 5 * time.Second},
		// The stack is outside memory.max_pages: wazero grows it up to its
		// own ceiling (logMem shows the cost: about 80 MiB of heap here).
		// Growing it takes 0.3-0.5 s on an idle machine, much more on a
		// loaded one, hence the bound.
		{name: "memory/stack_overflow", wat: "recurse", fn: "recurse",
			want: trap("stack overflow"), broken: true, bound: 10 * time.Second, check: logMem},

		// Output.
		{name: "output/over_cap", wat: "output", fn: "output_n", input: u64(kib + 1), setup: maxOutput(kib),
			want: is(runtime.ErrOutputTooLarge, "output_n")},
		{name: "output/at_cap", wat: "output", fn: "output_n", input: u64(kib), setup: maxOutput(kib),
			want: output(make([]byte, kib))},
		{name: "output/error_message_over_cap", wat: "output", fn: "error_n", input: u64(mib), setup: maxOutput(kib),
			want: matcher{desc: "a *runtime.GuestError whose message is at most max_output_bytes", match: func(out []byte, err error) error {
				var ge *runtime.GuestError
				if !errors.As(err, &ge) {
					return fmt.Errorf("want a *runtime.GuestError, got %T: %v", err, err)
				}
				if len(ge.Message) > kib {
					return fmt.Errorf("the error message is %d bytes, over max_output_bytes (%d)", len(ge.Message), kib)
				}
				return nil
			}}},

		// Traps and exits in the middle of a call.
		{name: "trap/after_output", wat: "trap", fn: "partial_then_trap", input: []byte("partial output"),
			want: trap("unreachable"), broken: true},
		{name: "exit/code_3", wat: "exit", fn: "exit3", input: []byte("partial output"), setup: withWASI,
			want: exited(3), broken: true},
		// A WASI exit(0) is a success: the output set before it is the
		// call's output; the exit closed the module, so the instance is
		// broken afterwards.
		{name: "exit/code_0", wat: "exit", fn: "exit0", input: []byte("partial output"), setup: withWASI,
			want: output([]byte("partial output")), broken: true},

		// WASI gives no host environment: no variables, one argument (the
		// plug-in's name, "wasienv": 8 bytes with its NUL).
		{name: "wasi/no_host_environment", wat: "wasienv", fn: "sizes", setup: withWASI,
			want: output(append(append(u64(0), u64(0)...), append(u64(1), u64(8)...)...))},

		// Vars.
		{name: "vars/bomb", wat: "vars", fn: "var_bomb", want: is(kernel.ErrVarLimit),
			check: func(t *testing.T, r *result) {
				for i := range 64 {
					v := r.inst.Var(string(rune(i)))
					if i < 15 && len(v) != 64*kib || i >= 15 && v != nil {
						t.Errorf("var %#x: %d bytes; want 15 vars of 64 KiB, then none", i, len(v))
					}
				}
			}},
		{name: "vars/disabled", wat: "vars", fn: "var_bomb", setup: maxVarBytes(0), want: is(kernel.ErrVarLimit),
			check: func(t *testing.T, r *result) {
				if v := r.inst.Var("\x00"); v != nil {
					t.Errorf("vars are disabled, yet var 0 holds %d bytes", len(v))
				}
			}},
		{name: "vars/confetti", wat: "vars", fn: "var_confetti", want: is(kernel.ErrVarLimit), noRepeat: true,
			check: memGrowth(4 * mib), bound: 10 * time.Second},

		// Blocks that are freed, stale or foreign (empty input: the heap
		// starts empty and the first block is at 0x88).
		{name: "blocks/output_freed_last", wat: "blocks", fn: "output_freed_last", want: fault("output_set", 0x88), broken: true},
		// The bytes of a freed block that is not the last are still the
		// plug-in's own: outputting them is allowed.
		// A freed block's bytes are the kernel's: it keeps the free block's
		// capacity (16) in its last 4 bytes, so that free merges in O(1).
		{name: "blocks/output_freed_middle", wat: "blocks", fn: "output_freed_middle", want: output([]byte("SECRET-0SECR\x10\x00\x00\x00"))},
		{name: "blocks/output_then_free", wat: "blocks", fn: "output_then_free", want: output([]byte("SECRET-0SECRET-1"))},
		{name: "blocks/error_freed", wat: "blocks", fn: "error_freed", want: fault("error_set", 0x88), broken: true},
		{name: "blocks/error_then_free", wat: "blocks", fn: "error_then_free", want: guestError(0, "plug-in set an error with no message")},
		{name: "blocks/error_inside_block", wat: "blocks", fn: "error_inside", want: fault("error_set", 0x90), broken: true},
		{name: "blocks/output_previous_call", wat: "blocks", prep: []step{{fn: "stash"}}, fn: "output_stash",
			want: fault("output_set", 0x88), broken: true},
		{name: "blocks/error_previous_call", wat: "blocks", prep: []step{{fn: "stash"}}, fn: "error_stash",
			want: fault("error_set", 0x88), broken: true},
		{name: "blocks/load_previous_call", wat: "blocks", prep: []step{{fn: "stash"}}, fn: "load_stash",
			want: fault("load_u64", 0x88), broken: true},
		// The neighbour's input sits at 0x88 of its own kernel; this
		// instance's kernel is another memory, and its heap is empty.
		{name: "blocks/load_foreign", wat: "blocks", fn: "load_foreign", want: fault("load_u64", 0x88), broken: true},
		{name: "blocks/fresh_block_is_zeroed", wat: "blocks", prep: []step{{fn: "dirty"}}, fn: "scan_fresh", want: outputU64(0)},
		// A forged header must not let alloc wrap around 2^32 onto the
		// kernel's state: the kernel either refuses the block (and the call
		// goes on) or traps on its own bounds-checked memory.
		{name: "blocks/forged_header", wat: "blocks", fn: "forge_header",
			want: anyOf(output([]byte("SECRET-0SECRET-1")), trap("out of bounds memory access")), noRepeat: true},

		// HTTP.
		{name: "http/allowed_control", wat: "http", fn: "request", setup: hosts("127.0.0.1"),
			input: httpJSON(e.allowedURL + "/ok"), want: output([]byte("hello from 127.0.0.1"))},
		{name: "http/denied_host", wat: "http", fn: "request", setup: hosts("127.0.0.1"),
			input: httpJSON(e.deniedURL + "/direct"), want: is(kernel.ErrHTTPNotAllowed, "localhost"), check: e.noDeniedHits()},
		{name: "http/redirect_to_denied", wat: "http", fn: "request", setup: hosts("127.0.0.1"),
			input: httpJSON(e.allowedURL + "/redirect"), want: is(kernel.ErrHTTPNotAllowed, "localhost"), check: e.noDeniedHits()},
		{name: "http/userinfo_trick", wat: "http", fn: "request", setup: hosts("127.0.0.1"),
			input: httpJSON("http://127.0.0.1@" + e.deniedURL[len("http://"):] + "/"), want: is(kernel.ErrHTTPNotAllowed), check: e.noDeniedHits()},
		{name: "http/other_port", wat: "http", fn: "request", setup: hosts(e.allowed.Listener.Addr().String()),
			input: httpJSON(e.denied.URL + "/"), want: is(kernel.ErrHTTPNotAllowed), check: e.noDeniedHits()},
		{name: "http/not_granted", wat: "http", fn: "request",
			input: httpJSON(e.allowedURL + "/ok"), want: is(kernel.ErrHTTPNotAllowed), check: e.noAllowedHits()},
		{name: "http/file_scheme", wat: "http", fn: "request", setup: hosts("*"),
			input: httpJSON("file:///etc/passwd"), want: is(kernel.ErrHTTPRequest)},
	}
	cases = append(cases, fsCases(t)...)
	cases = append(cases, importCases(hostFns)...)
	cases = append(cases, abiCases()...)
	return cases
}

func (e *env) noDeniedHits() func(t *testing.T, r *result) {
	return func(t *testing.T, r *result) {
		if n := e.deniedHits.Load() - r.hits[1]; n != 0 {
			t.Errorf("the denied server received %d requests", n)
		}
	}
}

func (e *env) noAllowedHits() func(t *testing.T, r *result) {
	return func(t *testing.T, r *result) {
		if n := e.allowedHits.Load() - r.hits[0]; n != 0 {
			t.Errorf("a plug-in granted no host reached the server %d times", n)
		}
	}
}

// fsCases try to leave the directory a WASI plug-in was given. Each gets a
// fresh tree (see newFS) mounted at /data; none may read, write or create
// anything outside it.
func fsCases(t *testing.T) []hostileCase {
	type fsCase struct {
		name, fn, path string
		ro             bool
		prep           []step
		want           matcher
	}
	const anyErrno = 0 // which errno does not matter; that there is one does
	var cases []hostileCase
	for _, c := range []fsCase{
		{name: "inside_control", fn: "read", path: "inside.txt", want: output([]byte("inside"))},
		{name: "dotdot", fn: "read", path: "../secret.txt", want: guestError(anyErrno, "")},
		{name: "dotdot_nested", fn: "read", path: "sub/../../secret.txt", want: guestError(anyErrno, "")},
		{name: "absolute", fn: "read", path: "/secret.txt", want: guestError(anyErrno, "")},
		{name: "symlink_absolute", fn: "read", path: "link_file", want: guestError(anyErrno, "")},
		{name: "symlink_relative", fn: "read", path: "link_rel", want: guestError(anyErrno, "")},
		{name: "symlink_dir", fn: "read", path: "link_dir/secret.txt", want: guestError(anyErrno, "")},
		{name: "guest_made_symlink", fn: "read", path: "evil",
			prep: []step{{fn: "symlink", input: []byte("../secret.txt\x00evil")}}, want: guestError(anyErrno, "")},
		{name: "write_dotdot", fn: "write", path: "../pwned.txt", want: guestError(anyErrno, "")},
		{name: "write_through_symlink", fn: "write", path: "link_file", want: guestError(anyErrno, "")},
		{name: "write_read_only", fn: "write", path: "new.txt", ro: true, want: guestError(anyErrno, "")},
	} {
		fs := newFS(t)
		host := fs.mount
		if c.ro {
			host = "ro:" + host
		}
		cases = append(cases, hostileCase{
			name: "fs/" + c.name, wat: "wasifs", fn: c.fn, input: []byte(c.path), prep: c.prep,
			setup: mount(host, "/data"), want: c.want,
			check: func(t *testing.T, r *result) {
				fs.secretIntact(t)
				if c.ro {
					if _, err := os.Stat(filepath.Join(fs.mount, "new.txt")); err == nil {
						t.Error("the plug-in created a file in a read-only mount")
					}
				}
			},
		})
	}
	return cases
}

// importCases import what was never granted: each must be refused when the
// plug-in loads, with runtime.ErrImport and a message naming the import.
func importCases(hostFns func(*runtime.Manifest, *runtime.PluginOptions)) []hostileCase {
	return []hostileCase{
		{name: "import/ungranted_host_function", wat: "import_user", stage: atLoad,
			want: is(runtime.ErrImport, "extism:host/user.steal")},
		{name: "import/kernel_go_half", wat: "import_kernelhost", stage: atLoad,
			want: is(runtime.ErrImport, "tendril:kernel-host.var_set")},
		{name: "import/wasi_not_granted", wat: "import_wasi", stage: atLoad,
			want: is(runtime.ErrImport, "wasi_snapshot_preview1.fd_write")},
		{name: "import/kernel_memory", wat: "import_memory", stage: atLoad,
			want: is(runtime.ErrImport, "extism:host/env.memory")},
		{name: "import/kernel_global", wat: "import_global", stage: atLoad,
			want: is(runtime.ErrImport, "extism:host/env.top")},
		{name: "import/kernel_table", wat: "import_table", stage: atLoad,
			want: is(runtime.ErrImport, "extism:host/env.table")},
		{name: "import/kernel_wrong_signature", wat: "import_sig", stage: atLoad,
			want: is(runtime.ErrImport, "extism:host/env.load_u64")},
		{name: "import/host_function_wrong_signature", wat: "import_hostsig", stage: atLoad, setup: hostFns,
			want: is(runtime.ErrImport, "extism:host/user.block")},
		// A manifest module named like the kernel, WASI, Tendril's own
		// modules or a granted host namespace would answer the plug-in's
		// imports of that name (the kernel's memory, say).
		{name: "import/shadow_kernel", wat: "import_memory", stage: atLoad, setup: shadow(kernel.ModuleName),
			want: is(runtime.ErrManifest, "wasm[0].name", kernel.ModuleName)},
		{name: "import/shadow_wasi", wat: "import_wasi", stage: atLoad, setup: shadow("wasi_snapshot_preview1"),
			want: is(runtime.ErrManifest, "wasm[0].name", "wasi_snapshot_preview1")},
		{name: "import/shadow_kernel_go_half", wat: "import_kernelhost", stage: atLoad, setup: shadow("tendril:kernel-host"),
			want: is(runtime.ErrManifest, "wasm[0].name", "tendril:kernel-host")},
		{name: "import/shadow_host_namespace", wat: "import_user", stage: atLoad, setup: grant(hostFns, shadow("extism:host/user")),
			want: is(runtime.ErrManifest, "wasm[0].name", "extism:host/user")},
	}
}

// shadow puts before the plug-in a module named name that exports a memory
// (what a plug-in importing the kernel's memory would get from it).
func shadow(name string) func(*runtime.Manifest, *runtime.PluginOptions) {
	// (module (memory (export "memory") 1))
	const exportsMemory = "\x00asm\x01\x00\x00\x00\x05\x03\x01\x00\x01\x07\x0a\x01\x06memory\x02\x00"
	return func(m *runtime.Manifest, _ *runtime.PluginOptions) {
		m.Wasm = append([]runtime.WasmSource{{Data: []byte(exportsMemory), Name: name}}, m.Wasm...)
	}
}
