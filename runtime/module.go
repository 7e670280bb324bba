package runtime

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/experimental"

	"github.com/tendril-wasm/tendril/internal/wasmbin"
)

// Module is one WebAssembly module compiled by a Runtime: the work that
// depends only on the module's bytes (checking, instrumenting, compiling to
// machine code). A Runtime compiles each distinct module once and shares it
// by reference count between every Module handle and CompiledPlugin that
// uses the same bytes, whatever their manifests, config and grants.
//
// A Module handle keeps the compiled code alive (a cache holds handles);
// Runtime.Compile finds the code through the same table. Close drops the
// handle's reference; the code is released when the last reference goes.
// It is safe for concurrent use.
type Module struct {
	node
	rt *Runtime
	sm *sharedModule
}

// CompileModule compiles wasm (or finds it already compiled in this Runtime)
// and returns a new reference to it. Concurrent calls with the same bytes
// compile once. It fails with a *LoadError when wasm is not a usable module.
func (r *Runtime) CompileModule(ctx context.Context, wasm []byte) (*Module, error) {
	if err := r.enter(); err != nil {
		return nil, err
	}
	defer r.leave()
	sm, err := r.modules.acquire(ctx, r, wasm, r.defaultWasmOptions(), "module")
	if err != nil {
		return nil, err
	}
	m := &Module{rt: r, sm: sm}
	if err := r.adopt(m); err != nil {
		r.modules.release(ctx, sm)
		return nil, err
	}
	return m, nil
}

// Hash is the hex SHA-256 of the module's bytes, as a manifest's hash field
// gives it.
func (m *Module) Hash() string { return hex.EncodeToString(m.sm.key.sum[:]) }

// Close drops this reference. It is idempotent.
func (m *Module) Close(ctx context.Context) error {
	return m.close(ctx, func() error {
		m.rt.drop(m)
		return m.rt.modules.release(ctx, m.sm)
	})
}

// moduleKey is what a compilation depends on: the bytes (but the DWARF
// sections, which instrumenting drops: see wasmbin.ContentSum) and the
// instrumentation options.
type moduleKey struct {
	sum  [sha256.Size]byte
	opts wasmbin.Options
}

// sharedModule is one compiled module in a Runtime's table.
type sharedModule struct {
	key   moduleKey
	refs  int           // guarded by moduleTable.mu
	ready chan struct{} // closed once compiled (or failed)
	err   error         // set before ready closes

	compiled wazero.CompiledModule
	info     *wasmbin.Module // imports, memories, tables, start; Binary dropped
}

// moduleTable is a Runtime's compiled modules, by content.
type moduleTable struct {
	mu           sync.Mutex
	closed       bool
	byKey        map[moduleKey]*sharedModule
	compilations uint64
	compiling    atomic.Int32 // compilations running now
}

// workers counts a compilation in and returns how many goroutines it may
// use: limit (Options.CompileWorkers), shared with the compilations running
// at the same time, at least one each (compiling on more goroutines than
// there are cores costs CPU and wins no time). The caller counts it out of
// compiling when it is done.
func (t *moduleTable) workers(limit int) int {
	return max(1, limit/int(t.compiling.Add(1)))
}

// acquire returns a reference to the module compiled from bin with opts,
// compiling it unless the table has it. field names the module in errors.
func (t *moduleTable) acquire(ctx context.Context, r *Runtime, bin []byte, opts wasmbin.Options, field string) (*sharedModule, error) {
	if err := checkWasm(bin); err != nil {
		return nil, &LoadError{Field: field, Err: err}
	}
	key := moduleKey{sum: wasmbin.ContentSum(bin), opts: opts}
	t.mu.Lock()
	if t.closed {
		t.mu.Unlock()
		return nil, ErrClosed
	}
	if sm, ok := t.byKey[key]; ok {
		sm.refs++
		t.mu.Unlock()
		<-sm.ready
		if sm.err != nil {
			t.release(ctx, sm)
			return nil, relabel(sm.err, field)
		}
		return sm, nil
	}
	if t.byKey == nil {
		t.byKey = map[moduleKey]*sharedModule{}
	}
	sm := &sharedModule{key: key, refs: 1, ready: make(chan struct{})}
	t.byKey[key] = sm
	t.mu.Unlock()

	sm.err = sm.compile(ctx, r.wz, t.workers(r.opts.CompileWorkers), bin, field)
	t.compiling.Add(-1)
	t.mu.Lock()
	if sm.err != nil {
		delete(t.byKey, key)
	} else {
		t.compilations++
	}
	t.mu.Unlock()
	close(sm.ready)
	if sm.err != nil {
		return nil, sm.err
	}
	return sm, nil
}

func (sm *sharedModule) compile(ctx context.Context, wz wazero.Runtime, workers int, bin []byte, field string) error {
	info, err := wasmbin.InstrumentModule(bin, sm.key.opts)
	if err != nil {
		return &LoadError{Field: field, Err: fmt.Errorf("invalid WebAssembly: %w", err)}
	}
	if workers > 1 {
		ctx = experimental.WithCompilationWorkers(ctx, workers)
	}
	c, err := wz.CompileModule(ctx, info.Binary)
	if err != nil {
		return &LoadError{Field: field, Err: fmt.Errorf("compile: %w", err)}
	}
	info.Binary = nil // wazero keeps what it needs
	sm.compiled, sm.info = c, info
	return nil
}

// addRef takes one more reference to a module that a handle holds.
func (t *moduleTable) addRef(sm *sharedModule) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed || sm.refs == 0 {
		return ErrClosed
	}
	sm.refs++
	return nil
}

// release drops one reference; the last one closes the compiled code.
func (t *moduleTable) release(ctx context.Context, sm *sharedModule) error {
	t.mu.Lock()
	sm.refs--
	last := sm.refs == 0 && sm.err == nil && !t.closed
	if last {
		delete(t.byKey, sm.key)
	}
	t.mu.Unlock()
	if last {
		return sm.compiled.Close(ctx)
	}
	return nil
}

// close empties the table; the wazero runtime's Close releases the code.
func (t *moduleTable) close() {
	t.mu.Lock()
	t.closed = true
	t.byKey = nil
	t.mu.Unlock()
}

func (t *moduleTable) stats() (compilations uint64, live int) {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.compilations, len(t.byKey)
}

// checkWasm gives the two commonest wrong inputs a clear message.
func checkWasm(bin []byte) error {
	switch {
	case len(bin) == 0:
		return errEmpty
	case len(bin) < 8 || !bytes.Equal(bin[:4], []byte("\x00asm")):
		return errBadMagic
	}
	return nil
}

// relabel gives a shared failure the field of the caller that waited for it.
func relabel(err error, field string) error {
	if le, ok := err.(*LoadError); ok {
		c := *le
		c.Field = field
		return &c
	}
	return err
}
