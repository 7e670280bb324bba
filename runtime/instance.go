package runtime

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"path"
	"strings"
	"sync"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/experimental"
	"github.com/tetratelabs/wazero/experimental/sysfs"
	"github.com/tetratelabs/wazero/sys"

	"github.com/tendril-wasm/tendril/internal/kern"
	"github.com/tendril-wasm/tendril/internal/rootfs"
	"github.com/tendril-wasm/tendril/internal/wasmbin"
	"github.com/tendril-wasm/tendril/kernel"
)

// Instance is one live sandbox of a plug-in: its modules, its kernel and its
// vars. It runs one call at a time and is not safe for concurrent use (a pool
// of instances serves concurrent callers).
type Instance struct {
	plugin *CompiledPlugin
	kern   *kern.Instance
	mods   []api.Module // linked modules then main
	main   api.Module
	funcs  map[string]*export
	logger *slog.Logger
	caller Caller
	ctors  api.Function // __wasm_call_ctors still to run (WASI commands)
	broken error
	callMu sync.Mutex // held by Call; Close takes it after killing the call
	closed bool
	intr   interrupter
	roots  []io.Closer // allowed_paths mounts, closed with the instance
	stack  [1]uint64
}

type export struct {
	fn      api.Function
	results int
}

// Instantiate creates a new Instance: links the modules, gives them a fresh
// kernel and runs the guest's start-up (_initialize, hs_init).
func (p *CompiledPlugin) Instantiate(ctx context.Context) (_ *Instance, err error) {
	p.mu.Lock()
	closed := p.closed
	p.mu.Unlock()
	if closed {
		return nil, ErrClosed
	}
	in := &Instance{plugin: p, funcs: map[string]*export{}, logger: p.logger}
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
	}
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
	linked := map[string]api.Module{}
	ctx = experimental.WithImportResolver(ctx, func(name string) api.Module {
		if name == kernel.ModuleName {
			return in.kern.Module()
		}
		if m, ok := linked[name]; ok {
			return m
		}
		return p.resolve[name]
	})
	for _, cm := range p.modules {
		cfg, err := p.moduleConfig(in)
		if err != nil {
			return nil, err
		}
		mod, err := p.rt.wz.InstantiateModule(ctx, cm.compiled, cfg)
		if err != nil {
			return nil, fmt.Errorf("runtime: instantiate module %q: %w", cm.name, err)
		}
		in.mods = append(in.mods, mod)
		p.rt.callers.Store(mod, in)
		linked[cm.name] = mod
		g, ok := mod.ExportedGlobal(wasmbin.InterruptExport).(api.MutableGlobal)
		if !ok {
			return nil, fmt.Errorf("runtime: module %q lost its interrupt flag", cm.name)
		}
		in.intr.flags = append(in.intr.flags, g)
		if cm.start { // the wasm start function, run under the call's deadline
			if err := in.runInit(ctx, "start function of module "+cm.name, mod.ExportedFunction(wasmbin.StartExport)); err != nil {
				return nil, err
			}
		}
	}
	in.main = in.mods[len(in.mods)-1]
	if err := p.track(in); err != nil {
		return nil, err
	}
	if err := in.start(ctx); err != nil {
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
			root, err := rootfs.New(dir, readOnly)
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

func (p *CompiledPlugin) track(in *Instance) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return ErrClosed
	}
	p.instances[in] = struct{}{}
	return nil
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

// FunctionExists reports whether the plug-in exports a function of that name.
func (in *Instance) FunctionExists(name string) bool { return in.plugin.FunctionExists(name) }

// Plugin is the CompiledPlugin this instance was made from.
func (in *Instance) Plugin() *CompiledPlugin { return in.plugin }

// Var returns a copy of one of the instance's vars, or nil.
func (in *Instance) Var(key string) []byte { return in.kern.Var(key) }

// SetVar sets one of the instance's vars; an empty value deletes it.
func (in *Instance) SetVar(key string, val []byte) error { return in.kern.SetVar(key, val) }

// Broken returns why the instance no longer runs calls, or nil.
func (in *Instance) Broken() error { return in.broken }

// Call runs the exported function name with input and returns its output.
// The output aliases the instance's kernel memory: it is valid until the
// next call on this instance (copy it to keep it).
//
// The call fails with a *GuestError when the plug-in reports a failure, an
// *ExitError, *TrapError or *InterruptError when it exits, traps or is
// stopped (after which the instance is broken and later calls fail at once
// with ErrBroken), a *HostFunctionError, or a kernel error (a denied HTTP
// request, vars over their bound...).
func (in *Instance) Call(ctx context.Context, name string, input []byte) ([]byte, error) {
	in.callMu.Lock()
	defer in.callMu.Unlock()
	if in.closed {
		return nil, ErrClosed
	}
	if in.broken != nil {
		return nil, in.broken
	}
	e, err := in.export(name)
	if err != nil {
		return nil, err
	}
	if in.ctors != nil && name != "_start" {
		f := in.ctors
		in.ctors = nil
		if err := in.runInit(ctx, "__wasm_call_ctors", f); err != nil {
			return nil, err
		}
	}
	if err := ctx.Err(); err != nil {
		return nil, &InterruptError{Function: name, Cause: err}
	}
	if err := in.kern.Reset(input); err != nil {
		return nil, err
	}
	if err := in.invoke(ctx, name, e.fn, in.stack[:e.results]); err != nil {
		return nil, err
	}
	if err := in.kern.HostError(); err != nil {
		return nil, err
	}
	var code int32
	if e.results == 1 {
		code = int32(in.stack[0])
	}
	if msg, ok := in.kern.GuestError(ctx); ok || code != 0 {
		if ok && msg == "" {
			msg = "plug-in set an error with no message"
		}
		if int64(len(msg)) > in.plugin.maxOut { // the output cap bounds messages too
			msg = msg[:in.plugin.maxOut]
		}

		return nil, &GuestError{Function: name, Message: msg, Code: code}
	}
	out := in.kern.Output()
	if int64(len(out)) > in.plugin.maxOut {
		return nil, fmt.Errorf("%w: %s returned %d bytes (limit %d)", ErrOutputTooLarge, name, len(out), in.plugin.maxOut)
	}
	return out, nil
}

func (in *Instance) export(name string) (*export, error) {
	if e, ok := in.funcs[name]; ok {
		return e, nil
	}
	f := in.main.ExportedFunction(name)
	if f == nil {
		return nil, fmt.Errorf("%w: %q", ErrFunctionNotFound, name)
	}
	def := f.Definition()
	if !callable(def) {
		return nil, fmt.Errorf("%w: %q has signature %v -> %v; plug-in functions take nothing and return nothing or an i32",
			ErrFunctionNotFound, name, def.ParamTypes(), def.ResultTypes())
	}
	e := &export{fn: f, results: len(def.ResultTypes())}
	in.funcs[name] = e
	return e, nil
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
		return nil
	}
	var (
		exit  *sys.ExitError
		abort *hostAbort
	)
	switch {
	case in.intr.wasKilled():
		err = fmt.Errorf("%w: %s was running", ErrClosed, name)
	case cause != nil:
		err = &InterruptError{Function: name, Cause: cause}
	case errors.As(err, &exit):
		if exit.ExitCode() == 0 {
			in.broken = fmt.Errorf("%w: %s exited with code 0", ErrBroken, name)
			return nil
		}
		err = &ExitError{Function: name, Code: exit.ExitCode()}
	case errors.As(err, &abort):
		err = abort.err
	default:
		if f := in.kern.Fault(); f != nil {
			err = &TrapError{Function: name, Err: f}
		} else {
			err = &TrapError{Function: name, Err: trimTrace(err)}
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
// instance that called it.
func (in *Instance) Close(ctx context.Context) error {
	in.intr.kill()
	in.callMu.Lock()
	defer in.callMu.Unlock()
	if in.closed {
		return nil
	}
	in.closed = true
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
	in.plugin.mu.Lock()
	delete(in.plugin.instances, in)
	in.plugin.mu.Unlock()
	return errors.Join(errs...)
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
