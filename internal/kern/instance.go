package kern

import (
	"context"
	"encoding/binary"
	"fmt"
	"log/slog"
	"net/http"

	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/experimental"

	"github.com/tendril-wasm/tendril/kernel"
)

// Defaults applied when an Options field is zero.
const (
	DefaultMaxVarBytes          = kernel.DefaultMaxVarBytes
	DefaultMaxHTTPResponseBytes = kernel.DefaultMaxHTTPResponseBytes
	// DefaultMaxLogRecords and DefaultMaxLogBytes bound what one call may log.
	DefaultMaxLogRecords = 10_000
	DefaultMaxLogBytes   = 1 << 20
)

// Options configure one kernel instance. The zero value means: no config, 1 MiB
// of vars, no HTTP, logs discarded.
type Options struct {
	// Config is what config_get returns. It is read, never modified.
	Config map[string]string
	// MaxVarBytes bounds the sum of len(key)+len(value) over all vars.
	// 0 means DefaultMaxVarBytes; a negative value disables vars.
	MaxVarBytes int64
	// AllowedHosts are glob patterns ("*.example.com", "127.0.0.1") checked
	// against the host of every request and every redirect. Empty: no HTTP.
	AllowedHosts []string
	// HTTPClient sends the requests. Nil means a private client with Go's
	// defaults; the client given is never modified.
	HTTPClient *http.Client
	// MaxHTTPResponseBytes caps a response body; 0 means DefaultMaxHTTPResponseBytes.
	MaxHTTPResponseBytes int64
	// HTTPResponseHeaders makes http_headers return the last response's headers.
	HTTPResponseHeaders bool
	// Logger receives the plug-in's logs; nil discards them. Its handler's
	// Enabled decides what get_log_level reports.
	Logger *slog.Logger
	// MaxLogRecords and MaxLogBytes bound the records, and the bytes of
	// their messages, that one call may log (each message is also cut to
	// MaxLogMessage bytes). Past either, the call's further logs are dropped
	// and one warning says so. 0 means DefaultMaxLogRecords and
	// DefaultMaxLogBytes; a negative value drops every log.
	MaxLogRecords int
	MaxLogBytes   int64
	// AllowPrivateNetworks turns off the private-address guard: by default
	// a request may connect to a loopback, private, link-local or unspecified
	// address only when AllowedHosts names that address exactly (an IP
	// entry, or "localhost" for a loopback address), checked at dial time
	// after DNS resolution. The guard needs an *http.Transport (the default);
	// a client with another RoundTripper dials by itself.
	AllowPrivateNetworks bool
	// OnContextDone, if set, is called by a host function (an HTTP request,
	// say) that returns while its context is done, before the guest runs
	// again: the host can then stop the guest at its next check, instead of
	// waiting for its own watch of the context, which a loaded machine may
	// run late, while the guest goes on.
	OnContextDone func(error)
}

// Instance is one kernel: the memory and state that one plug-in instance
// shares with the host. It is not safe for concurrent use: like the plug-in
// instance it belongs to, it serves one call at a time.
type Instance struct {
	k     *Kernel
	mod   api.Module
	mem   api.Memory
	alloc api.Function
	free  api.Function
	stack [2]uint64

	config      map[string]string
	maxVarBytes int64
	vars        map[string]*varValue
	varBytes    int64
	logger      *slog.Logger
	logs        logBudget
	http        httpState
	err         error // first host-side failure of the current call
	closed      bool
	onDone      func(error)
}

// Instantiate creates a kernel instance. The memory allocator and any other
// wazero settings travel in ctx (experimental.WithMemoryAllocator).
func (k *Kernel) Instantiate(ctx context.Context, opts Options) (*Instance, error) {
	ctx = experimental.WithImportResolver(ctx, k.resolve)
	mod, err := k.runtime.InstantiateModule(ctx, k.compiled, k.config)
	if err != nil {
		return nil, fmt.Errorf("kernel: instantiate: %w", err)
	}
	in := &Instance{
		k:           k,
		mod:         mod,
		mem:         mod.Memory(),
		config:      opts.Config,
		maxVarBytes: opts.MaxVarBytes,
		logger:      opts.Logger,
		onDone:      opts.OnContextDone,
	}
	if in.maxVarBytes == 0 {
		in.maxVarBytes = DefaultMaxVarBytes
	}
	if in.logger == nil {
		in.logger = slog.New(slog.DiscardHandler)
	}
	in.logs.init(opts)
	in.http.init(k, opts)
	in.writeU64(offTop, heapStart)
	k.instances.Store(mod, in)
	return in, nil
}

// Module is the kernel's wasm module: resolve the plug-in's ModuleName imports to it.
func (in *Instance) Module() api.Module { return in.mod }

// Close releases the kernel's memory. It is idempotent.
func (in *Instance) Close(ctx context.Context) error {
	if in.closed {
		return nil
	}
	in.closed = true
	in.k.instances.Delete(in.mod)
	in.vars = nil
	return in.mod.Close(ctx)
}

func (in *Instance) buf() []byte {
	b, _ := in.mem.Read(0, in.mem.Size())
	return b
}

func (in *Instance) readU64(off uint32) uint64 {
	v, _ := in.mem.ReadUint64Le(off)
	return v
}

func (in *Instance) writeU64(off uint32, v uint64) { in.mem.WriteUint64Le(off, v) }

// Reset starts a call: it frees every block, clears output, error and any
// host-side failure, and copies input into a fresh block.
func (in *Instance) Reset(input []byte) error {
	in.err = nil
	in.http.reset()
	in.logs.reset()
	clear(in.buf()[offInput:heapStart]) // nothing of the last call survives a failed Reset
	n := uint64(len(input))
	top := uint64(heapStart)
	var h uint64
	if n > 0 {
		if n > 0xFFFFFFF0 {
			return fmt.Errorf("%w: input of %d bytes", ErrOutOfMemory, n)
		}
		h = heapStart + 8
		top = h + (n+7)&^7
		if size := uint64(in.mem.Size()); top > size {
			if top > 1<<32 {
				return fmt.Errorf("%w: input of %d bytes", ErrOutOfMemory, n)
			}
			if _, ok := in.mem.Grow(uint32((top - size + pageSize - 1) / pageSize)); !ok {
				return fmt.Errorf("%w: input of %d bytes", ErrOutOfMemory, n)
			}
		}
	}
	b := in.buf()
	le := binary.LittleEndian
	le.PutUint64(b[offTop:], top)
	le.PutUint64(b[offInput:], h)
	le.PutUint64(b[offInputLen:], n)
	clear(b[offOutput:heapStart])
	if n > 0 {
		le.PutUint32(b[heapStart:], uint32(top-h))
		le.PutUint32(b[heapStart+4:], uint32(n))
		copy(b[h:], input)
		clear(b[h+n : top])
	}
	return nil
}

// Output is the output the plug-in set in this call. The slice aliases kernel
// memory: it is valid until the next Reset.
func (in *Instance) Output() []byte {
	h, n := in.readU64(offOutput), in.readU64(offOutputLen)
	if n == 0 {
		return nil
	}
	b := in.buf()
	if h > uint64(len(b)) || n > uint64(len(b))-h {
		return nil // the kernel checked output_set; this only guards against a torn state
	}
	return b[h : h+n : h+n]
}

// GuestError returns the message the plug-in gave error_set, if any, cut
// to MaxErrorMessage bytes.
func (in *Instance) GuestError(ctx context.Context) (string, bool) {
	h := in.readU64(offError)
	if h == 0 {
		return "", false
	}
	msg, err := in.Read(ctx, h)
	if err != nil {
		return "", true
	}
	if len(msg) > MaxErrorMessage {
		return string(msg[:MaxErrorMessage]), true
	}
	return string(msg), true
}

// MaxErrorMessage bounds the part of an error_set message the host keeps.
const MaxErrorMessage = 64 << 10

// HostError returns the first failure the host side recorded during the call
// (a denied request, vars over their bound...). The call must fail with it.
func (in *Instance) HostError() error { return in.err }

// Fault returns the argument the kernel rejected, when the plug-in trapped in it.
func (in *Instance) Fault() *FaultError {
	code := in.readU64(offFault)
	if code == 0 {
		return nil
	}
	f := &FaultError{Offset: in.readU64(offFaultArg)}
	if code < uint64(len(faultFuncs)) {
		f.Function = faultFuncs[code]
	}
	return f
}

// fail records the call's first host-side failure.
func (in *Instance) fail(err error) {
	if in.err == nil {
		in.err = err
	}
}

// call1 calls one of the kernel's exports from Go. The api.Function (and
// the call stack wazero gives it, about 10 KiB) is made on first use: most
// instances never need some of them.
func (in *Instance) call1(ctx context.Context, f *api.Function, name string, a uint64) (uint64, error) {
	if *f == nil {
		*f = in.mod.ExportedFunction(name)
	}
	in.stack[0] = a
	return in.callStack(ctx, *f)
}

func (in *Instance) callStack(ctx context.Context, f api.Function) (uint64, error) {
	if err := f.CallWithStack(ctx, in.stack[:1]); err != nil {
		return 0, err
	}
	return in.stack[0], nil
}

// Alloc returns a new zeroed block of n bytes.
func (in *Instance) Alloc(ctx context.Context, n uint64) (uint64, error) {
	if n == 0 {
		return 0, nil
	}
	h, err := in.call1(ctx, &in.alloc, "alloc", n)
	if err != nil {
		return 0, fmt.Errorf("kernel: alloc: %w", err)
	}
	if h == 0 {
		return 0, fmt.Errorf("%w: alloc of %d bytes", ErrOutOfMemory, n)
	}
	return h, nil
}

// Free releases a block; unknown handles are ignored.
func (in *Instance) Free(ctx context.Context, h uint64) error {
	_, err := in.call1(ctx, &in.free, "free", h)
	return err
}

// Length returns the length of a live block, or 0. Like the kernel's
// length, it checks the block's header in O(1) (see blockLen).
func (in *Instance) Length(_ context.Context, h uint64) uint64 {
	return blockLen(in.buf(), h)
}

// blockLen is kernel.wat's block_len in Go: the length of the block at h
// when h is an 8-aligned handle in the heap whose header says
// 0 < len <= cap and whose capacity ends at or below top, else 0. Whatever a
// guest wrote to the headers (or, through a forged state, to top), the bytes
// it describes lie in the heap below top and inside the memory: bytes of
// this call, never of a previous one, and never a walk.
func blockLen(b []byte, h uint64) uint64 {
	if len(b) < heapStart {
		return 0
	}
	top := binary.LittleEndian.Uint64(b[offTop:])
	if h < heapStart+8 || h > top || h&7 != 0 || top > uint64(len(b)) {
		return 0
	}
	capw := uint64(binary.LittleEndian.Uint32(b[h-8:]))
	n := uint64(binary.LittleEndian.Uint32(b[h-4:]))
	c := capw &^ 7
	if n > c || c > top-h {
		return 0
	}
	return n
}

// Read returns the bytes of a live block. The slice aliases kernel memory:
// copy it to keep it past the current call.
func (in *Instance) Read(_ context.Context, h uint64) ([]byte, error) {
	b := in.buf()
	n := blockLen(b, h)
	if n == 0 {
		if h == 0 {
			return nil, fmt.Errorf("%w: handle 0", ErrBadHandle)
		}
		return nil, fmt.Errorf("%w: handle %#x", ErrBadHandle, h)
	}
	return b[h : h+n : h+n], nil
}

// Write copies b into a new block and returns its handle (0 for empty b).
func (in *Instance) Write(ctx context.Context, b []byte) (uint64, error) {
	if len(b) == 0 {
		return 0, nil
	}
	h, err := in.Alloc(ctx, uint64(len(b)))
	if err != nil {
		return 0, err
	}
	in.mem.Write(uint32(h), b)
	return h, nil
}

// MemoryBytes returns the bytes in use in the kernel's heap.
func (in *Instance) MemoryBytes() uint64 { return in.readU64(offTop) - heapStart }
