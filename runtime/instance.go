package runtime

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"path"
	"strings"
	"sync"
	"time"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/experimental"
	"github.com/tetratelabs/wazero/experimental/sysfs"
	"github.com/tetratelabs/wazero/sys"

	"github.com/tendril-wasm/tendril/internal/kern"
	"github.com/tendril-wasm/tendril/internal/rootfs"
	"github.com/tendril-wasm/tendril/internal/wasmbin"
)

// Instance is one live sandbox of a plug-in: its modules, its kernel and its
// vars. It runs one call at a time: concurrent calls wait for each other (a
// pool of instances serves concurrent callers). It is safe for concurrent
// use.
type Instance struct {
	node
	plugin *CompiledPlugin
	kern   *kern.Instance
	mods   []api.Module // linked modules then main, in plugin.modules order
	main   api.Module
	fns    []api.Function // by Function.index, made on first use
	logger *slog.Logger
	caller Caller
	intr   interrupter
	roots  []io.Closer // allowed_paths mounts, closed with the instance
	files  *rootfs.Limit
	stack  [1]uint64

	callMu sync.Mutex   // held by every call; Close takes it after killing the call
	shut   bool         // closed (guarded by callMu)
	broken error        // guarded by callMu
	ctors  api.Function // __wasm_call_ctors still to run (WASI commands)
	// hostErr is the error a bytes host function gave the guest in this
	// call, and hostErrHandle the kernel block holding its message.
	hostErr       *HostFunctionError
	hostErrHandle uint64
}

// Instantiate creates a new Instance: links the modules, gives them a fresh
// kernel and runs the guest's start-up (_initialize, hs_init).
func (p *CompiledPlugin) Instantiate(ctx context.Context) (_ *Instance, err error) {
	if p.isClosed() {
		return nil, ErrClosed
	}
	if err := p.rt.enter(); err != nil {
		return nil, err
	}
	defer p.rt.leave() // after the Close below, if that runs
	in := &Instance{plugin: p, fns: make([]api.Function, len(p.names)), logger: p.logger}
	defer func() {
		if r := recover(); r != nil { // belt and braces: wazero panics on some invalid set-ups
			err = fmt.Errorf("runtime: instantiate: %v", r)
		}
		if err != nil {
			_ = in.Close(ctx)
		}
	}()
	ctx = experimental.WithMemoryAllocator(ctx, limitAllocator{limit: p.limit})
	kopts := kern.Options{
		Config:              p.manifest.Config,
		AllowedHosts:        p.manifest.AllowedHosts,
		HTTPClient:          p.rt.opts.HTTPClient,
		HTTPResponseHeaders: p.opts.HTTPResponseHeaders,
		Logger:              p.logger,
		OnContextDone:       in.intr.fireNow,
	}
	kopts.AllowPrivateNetworks = p.opts.AllowPrivateNetworks
	if v := p.manifest.Memory.MaxVarBytes; v != nil {
		kopts.MaxVarBytes = *v
		if *v == 0 {
			kopts.MaxVarBytes = -1
		}
	}
	if v := p.manifest.Memory.MaxHTTPResponseBytes; v != nil {
		kopts.MaxHTTPResponseBytes = *v
	}
	if in.kern, err = p.rt.kernel.Instantiate(ctx, kopts); err != nil {
		return nil, err
	}
	// The one resolver (CompiledPlugin.provide) that Compile checked with.
	ctx = experimental.WithImportResolver(ctx, func(name string) api.Module {
		switch pr := p.provide(name); pr.kind {
		case fromKernel:
			return in.kern.Module()
		case fromWASI:
			return p.rt.wasi
		case fromHost:
			return p.hostNS[name]
		case fromModule:
			if pr.module < len(in.mods) {
				return in.mods[pr.module]
			}
		}
		return nil
	})
	for _, cm := range p.modules {
		cfg, err := p.moduleConfig(in)
		if err != nil {
			return nil, err
		}
		mod, err := p.rt.wz.InstantiateModule(ctx, cm.sm.compiled, cfg)
		if err != nil {
			return nil, fmt.Errorf("runtime: plugin %q: instantiate module %q: %w", p.name, cm.name, err)
		}
		in.mods = append(in.mods, mod)
		p.rt.callers.Store(mod, in)
		g, ok := mod.ExportedGlobal(wasmbin.InterruptExport).(api.MutableGlobal)
		if !ok {
			return nil, fmt.Errorf("runtime: module %q lost its interrupt flag", cm.name)
		}
		in.intr.flags = append(in.intr.flags, g)
		if cm.sm.info.Start { // the wasm start function, run under the call's deadline
			if err := in.runInit(ctx, "start function of module "+cm.name, mod.ExportedFunction(wasmbin.StartExport)); err != nil {
				return nil, err
			}
		}
	}
	in.main = in.mods[len(in.mods)-1]
	if err := p.adopt(in); err != nil {
		return nil, err
	}
	// Start-up runs guest code: under the call lock, so that a Close from
	// the plug-in or runtime interrupts it and waits, as for a call.
	in.callMu.Lock()
	err = in.start(ctx)
	in.callMu.Unlock()
	if err != nil {
		return nil, err
	}
	return in, nil
}

// moduleConfig is the wazero configuration of one module of an instance.
func (p *CompiledPlugin) moduleConfig(in *Instance) (wazero.ModuleConfig, error) {
	cfg := p.baseConfig
	if !p.opts.WASI {
		return cfg, nil
	}
	cfg = cfg.WithSysWalltime().WithSysNanotime().
		WithNanosleep(in.intr.sleep).WithStdout(writerOrDiscard(p.opts.Stdout)).WithStderr(writerOrDiscard(p.opts.Stderr)).
		WithArgs(p.name)
	if len(p.manifest.AllowedPaths) > 0 {
		fs := wazero.NewFSConfig()
		for host, guest := range p.manifest.AllowedPaths {
			// os.Root-based: symlinks never lead out of the directory, and
			// "ro:" refuses every write (O_TRUNC and O_CREAT included).
			dir, readOnly := strings.CutPrefix(host, "ro:")
			if in.files == nil { // one cap on open files for all its mounts
				in.files = rootfs.NewLimit(0)
			}
			root, err := rootfs.NewLimited(dir, readOnly, in.files)
			if err != nil {
				return nil, fmt.Errorf("runtime: allowed_paths %q: %w", host, err)
			}
			if c, ok := root.(io.Closer); ok {
				in.roots = append(in.roots, c)
			}
			fs = fs.(sysfs.FSConfig).WithSysFSMount(root, guest)
		}
		cfg = cfg.WithFSConfig(fs)
	}
	return cfg, nil
}

func writerOrDiscard(w io.Writer) io.Writer {
	if w == nil {
		return io.Discard
	}
	return w
}

// start runs the guest's start-up conventions: a WASI reactor's
// _initialize, then Haskell's hs_init; a WASI command's constructors run
// before its first call of a function other than _start.
func (in *Instance) start(ctx context.Context) error {
	if f := in.main.ExportedFunction("_initialize"); f != nil && len(f.Definition().ParamTypes()) == 0 {
		if err := in.runInit(ctx, "_initialize", f); err != nil {
			return err
		}
	} else if f := in.main.ExportedFunction("__wasm_call_ctors"); f != nil && len(f.Definition().ParamTypes()) == 0 {
		in.ctors = f
	}
	if f := in.main.ExportedFunction("hs_init"); f != nil {
		if err := in.runInit(ctx, "hs_init", f); err != nil {
			return err
		}
	}
	return nil
}

func (in *Instance) runInit(ctx context.Context, name string, f api.Function) error {
	if err := in.kern.Reset(nil); err != nil {
		return err
	}
	stack := make([]uint64, max(len(f.Definition().ParamTypes()), len(f.Definition().ResultTypes())))
	if err := in.invoke(ctx, name, f, stack); err != nil {
		return fmt.Errorf("runtime: start-up (%s): %w", name, err)
	}
	return nil
}

// Function resolves a function of the instance's plug-in (see
// CompiledPlugin.Function).
func (in *Instance) Function(name string) (*Function, error) { return in.plugin.Function(name) }

// Var returns a copy of one of the instance's vars, or nil. It waits for a
// running call to end (a host function uses Caller.Var).
func (in *Instance) Var(key string) []byte {
	in.callMu.Lock()
	defer in.callMu.Unlock()
	if in.shut {
		return nil
	}
	return in.kern.Var(key)
}

// SetVar sets one of the instance's vars; an empty value deletes it. It
// waits for a running call to end (a host function uses Caller.SetVar).
func (in *Instance) SetVar(key string, val []byte) error {
	in.callMu.Lock()
	defer in.callMu.Unlock()
	if in.shut {
		return ErrClosed
	}
	return in.kern.SetVar(key, val)
}

// Broken returns why the instance no longer runs calls, or nil. It waits
// for a running call to end.
func (in *Instance) Broken() error {
	in.callMu.Lock()
	defer in.callMu.Unlock()
	return in.broken
}

// Call runs the exported function name with input and returns its output,
// which the caller owns. Call looks name up each time: resolve it once with
// Function and use CallFunction (or Invoke) in hot paths.
//
// The call fails with a *GuestError when the plug-in reports a failure, an
// *ExitError, *TrapError or *InterruptError when it exits, traps or is
// stopped (after which the instance is broken and later calls fail at once
// with ErrBroken), a *HostFunctionError, or a kernel error (a denied HTTP
// request, vars over their bound...). Every error names the plug-in and the
// function.
func (in *Instance) Call(ctx context.Context, name string, input []byte) ([]byte, error) {
	fn, err := in.plugin.Function(name)
	if err != nil {
		return nil, err
	}
	return in.CallFunction(ctx, fn, input)
}

// CallFunction calls fn with input and returns its output, which the
// caller owns (the only allocation of a call). Errors are Call's.
func (in *Instance) CallFunction(ctx context.Context, fn *Function, input []byte) ([]byte, error) {
	in.callMu.Lock()
	defer in.callMu.Unlock()
	out, err := in.call(ctx, fn, input)
	if err != nil {
		return nil, err
	}
	return bytes.Clone(out), nil
}

// Invoke calls fn with input and passes the output to out without copying
// it: the slice is valid only until out returns, and out must not call this
// instance. out is not called when the call fails; an error out returns is
// Invoke's. Errors are Call's.
func (in *Instance) Invoke(ctx context.Context, fn *Function, input []byte, out func(output []byte) error) error {
	in.callMu.Lock()
	defer in.callMu.Unlock()
	b, err := in.call(ctx, fn, input)
	if err != nil {
		return err
	}
	return out(b)
}

// call runs fn; in.callMu is held. The output aliases kernel memory.
func (in *Instance) call(ctx context.Context, fn *Function, input []byte) ([]byte, error) {
	if fn == nil {
		return nil, fmt.Errorf("%s: %w: nil *Function", callPrefix(in.plugin.name, ""), ErrFunctionNotFound)
	}
	if in.shut {
		return nil, &callError{in.plugin.name, fn.name, ErrClosed}
	}
	if in.broken != nil {
		return nil, in.broken
	}
	if fn.plugin != in.plugin {
		var err error
		if fn, err = in.plugin.Function(fn.name); err != nil {
			return nil, err
		}
	}
	f := in.fns[fn.index]
	if f == nil {
		f = in.main.ExportedFunction(fn.name)
		in.fns[fn.index] = f
	}
	if in.ctors != nil && fn.name != "_start" {
		c := in.ctors
		in.ctors = nil
		if err := in.runInit(ctx, "__wasm_call_ctors", c); err != nil {
			return nil, err
		}
	}
	if err := ctx.Err(); err != nil {
		return nil, &InterruptError{Plugin: in.plugin.name, Function: fn.name, Cause: err}
	}
	in.hostErr, in.hostErrHandle = nil, 0
	if err := in.kern.Reset(input); err != nil {
		return nil, &callError{in.plugin.name, fn.name, err}
	}
	if err := in.invoke(ctx, fn.name, f, in.stack[:fn.results]); err != nil {
		return nil, err
	}
	if err := in.kern.HostError(); err != nil {
		return nil, &callError{in.plugin.name, fn.name, err}
	}
	var code int32
	if fn.results == 1 {
		code = int32(in.stack[0])
	}
	if msg, ok := in.kern.GuestError(ctx); ok || code != 0 {
		if ok && msg == "" {
			msg = "plug-in set an error with no message"
		}
		if int64(len(msg)) > in.plugin.maxOut { // the output cap bounds messages too
			msg = msg[:in.plugin.maxOut]
		}
		ge := &GuestError{Plugin: in.plugin.name, Function: fn.name, Message: msg, Code: code}
		if in.hostErr != nil && ok && in.kern.ErrorHandle() == in.hostErrHandle {
			in.hostErr.Function = fn.name
			ge.Err = in.hostErr
		}
		return nil, ge
	}
	out := in.kern.Output()
	if int64(len(out)) > in.plugin.maxOut {
		return nil, &callError{in.plugin.name, fn.name,
			fmt.Errorf("%w: %d bytes (limit %d)", ErrOutputTooLarge, len(out), in.plugin.maxOut)}
	}
	return out, nil
}

// invoke calls f, bounded by ctx and the manifest's timeout, and turns what
// can go wrong into typed errors. Any failure but a clean WASI exit(0)
// leaves the instance broken.
func (in *Instance) invoke(ctx context.Context, name string, f api.Function, stack []uint64) error {
	if t := in.plugin.timeout; t > 0 {
		// Host functions and HTTP requests see the timeout through ctx too.
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, t)
		defer cancel()
	}
	in.intr.arm(ctx)
	err := f.CallWithStack(ctx, stack)
	cause := in.intr.disarm()
	if err == nil {
		// A guest that returned on its own past its deadline still fails
		// with the deadline error; it was not stopped, so it is not broken.
		if cause == nil {
			cause = pastDeadline(ctx)
		}
		if cause != nil {
			return &InterruptError{Plugin: in.plugin.name, Function: name, Cause: cause}
		}
		return nil
	}
	if cause == nil {
		// The context may be done before its AfterFunc has run (a loaded
		// machine delays it): a guest stopped by a check that saw ctx done
		// (the kernel's yield, a WASI sleep) was still interrupted.
		cause = pastDeadline(ctx)
	}
	var (
		exit  *sys.ExitError
		abort *hostAbort
	)
	switch {
	case in.intr.wasKilled():
		err = &callError{in.plugin.name, name, fmt.Errorf("%w while running", ErrClosed)}
	case cause != nil:
		err = &InterruptError{Plugin: in.plugin.name, Function: name, Cause: cause}
	case errors.As(err, &exit):
		if exit.ExitCode() == 0 {
			in.broken = fmt.Errorf("%w: %s: exited with code 0", ErrBroken, callPrefix(in.plugin.name, name))
			return nil
		}
		err = &ExitError{Plugin: in.plugin.name, Function: name, Code: exit.ExitCode()}
	case errors.As(err, &abort):
		abort.err.Plugin, abort.err.Function = in.plugin.name, name
		err = abort.err
	default:
		if f := in.kern.Fault(); f != nil {
			err = &TrapError{Plugin: in.plugin.name, Function: name, Err: f}
		} else {
			err = &TrapError{Plugin: in.plugin.name, Function: name, Err: trimTrace(err)}
		}
	}
	if herr := in.kern.HostError(); herr != nil {
		err = fmt.Errorf("%w (then: %w)", herr, err)
	}
	in.broken = fmt.Errorf("%w: %w", ErrBroken, err)
	return err
}

// trimTrace drops wazero's wasm stack trace from a trap's message, keeping
// the error chain (the trace goes to the debug log).
type trimmedError struct {
	msg string
	err error
}

func (e *trimmedError) Error() string { return e.msg }
func (e *trimmedError) Unwrap() error { return e.err }

func trimTrace(err error) error {
	msg, _, found := strings.Cut(err.Error(), "\nwasm stack trace:")
	if !found {
		return err
	}
	return &trimmedError{msg: msg, err: err}
}

// Close releases the instance's modules and kernel. It is idempotent. A call
// running in another goroutine is interrupted (it fails with ErrClosed) and
// Close waits for it to return; so a host function must not close the
// instance that called it. Outputs already returned stay valid.
func (in *Instance) Close(ctx context.Context) error {
	in.intr.kill()
	return in.close(ctx, func() error {
		in.callMu.Lock()
		defer in.callMu.Unlock()
		in.shut = true
		var errs []error
		for i := len(in.mods) - 1; i >= 0; i-- {
			in.plugin.rt.callers.Delete(in.mods[i])
			errs = append(errs, in.mods[i].Close(ctx))
		}
		if in.kern != nil {
			errs = append(errs, in.kern.Close(ctx))
		}
		for _, r := range in.roots {
			errs = append(errs, r.Close())
		}
		in.plugin.drop(in)
		return errors.Join(errs...)
	})
}

// pastDeadline returns context.DeadlineExceeded when ctx's deadline has
// passed, even if its timer has not fired yet (a guest that kept the
// goroutine busy delays it).
func pastDeadline(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if d, ok := ctx.Deadline(); ok && !time.Now().Before(d) {
		return context.DeadlineExceeded
	}
	return nil
}

func defaultName(w WasmSource) string {
	switch {
	case w.Name != "" && w.Name != "main":
		return w.Name
	case w.Path != "":
		return strings.TrimSuffix(path.Base(strings.ReplaceAll(w.Path, "\\", "/")), ".wasm")
	case w.URL != "":
		return strings.TrimSuffix(path.Base(w.URL), ".wasm")
	}
	return "plugin"
}
