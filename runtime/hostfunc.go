package runtime

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/tetratelabs/wazero/api"
)

// DefaultHostNamespace is the import module of host functions that name none.
const DefaultHostNamespace = "extism:host/user"

// HostFunction is a Go function the application grants to plug-ins.
type HostFunction struct {
	// Namespace is the import module; "" means DefaultHostNamespace.
	Namespace string
	Name      string
	Params    []api.ValueType
	Results   []api.ValueType
	// Func runs the call: parameters arrive in stack, results go back in it
	// (stack has max(len(Params), len(Results)) slots). Handles (i64) refer
	// to kernel memory: read and write them through c. Returning an error (or
	// panicking) fails the guest's call with that error; the guest is unwound
	// at that point, so the instance is broken afterwards.
	Func func(ctx context.Context, c *Caller, stack []uint64) error
}

func (h *HostFunction) namespace() string {
	if h.Namespace == "" {
		return DefaultHostNamespace
	}
	return h.Namespace
}

// Caller is what a host function sees of the instance that called it. It is
// valid only during that host call and not safe for concurrent use.
type Caller struct {
	ctx  context.Context
	inst *Instance
	mod  api.Module
}

// ReadBytes returns a copy of the block at handle h.
func (c *Caller) ReadBytes(h uint64) ([]byte, error) {
	b, err := c.inst.kern.Read(c.ctx, h)
	if err != nil {
		return nil, err
	}
	return append([]byte{}, b...), nil
}

// ReadString returns the block at handle h as a string.
func (c *Caller) ReadString(h uint64) (string, error) {
	b, err := c.inst.kern.Read(c.ctx, h)
	return string(b), err
}

// WriteBytes copies b into a new block and returns its handle (0 for empty b).
func (c *Caller) WriteBytes(b []byte) (uint64, error) { return c.inst.kern.Write(c.ctx, b) }

// WriteString copies s into a new block and returns its handle.
func (c *Caller) WriteString(s string) (uint64, error) { return c.inst.kern.Write(c.ctx, []byte(s)) }

// Alloc returns a new zeroed block of n bytes; fill it with Write.
func (c *Caller) Alloc(n uint64) (uint64, error) { return c.inst.kern.Alloc(c.ctx, n) }

// Free releases a block.
func (c *Caller) Free(h uint64) error { return c.inst.kern.Free(c.ctx, h) }

// Length returns the length of the block at h, or 0 when h is not a block.
func (c *Caller) Length(h uint64) uint64 { return c.inst.kern.Length(c.ctx, h) }

// KernelMemory is the kernel's linear memory, for reading blocks in place.
func (c *Caller) KernelMemory() api.Memory { return c.inst.kern.Module().Memory() }

// GuestMemory is the calling module's own linear memory (nil if it has none).
func (c *Caller) GuestMemory() api.Memory { return c.mod.Memory() }

// Logger is the plug-in's logger.
func (c *Caller) Logger() *slog.Logger { return c.inst.logger }

// Config returns a value of the plug-in's config.
func (c *Caller) Config(key string) (string, bool) {
	v, ok := c.inst.plugin.manifest.Config[key]
	return v, ok
}

// Var returns a copy of one of the instance's vars, or nil.
func (c *Caller) Var(key string) []byte { return c.inst.kern.Var(key) }

// SetVar sets one of the instance's vars; an empty value deletes it.
func (c *Caller) SetVar(key string, val []byte) error { return c.inst.kern.SetVar(key, val) }

// hostAbort carries a host function's error out of the guest through
// wazero, which recovers it and returns it from the guest call.
type hostAbort struct{ err *HostFunctionError }

func (a *hostAbort) Error() string { return a.err.Error() }
func (a *hostAbort) Unwrap() error { return a.err }

// goFunc adapts h to wazero, finding the calling instance by module.
func (r *Runtime) goFunc(h HostFunction) api.GoModuleFunc {
	full := h.namespace() + "." + h.Name
	return func(ctx context.Context, mod api.Module, stack []uint64) {
		v, ok := r.callers.Load(mod)
		if !ok {
			panic(&hostAbort{&HostFunctionError{Function: full, Err: fmt.Errorf("%w: caller is not a live instance", ErrClosed)}})
		}
		inst := v.(*Instance)
		c := &inst.caller // one call at a time per instance: reuse it
		c.ctx, c.inst, c.mod = ctx, inst, mod
		err := callHost(ctx, h.Func, c, stack)
		c.ctx, c.mod = nil, nil
		if err != nil {
			panic(&hostAbort{&HostFunctionError{Function: full, Err: err}})
		}
	}
}

func callHost(ctx context.Context, f func(context.Context, *Caller, []uint64) error, c *Caller, stack []uint64) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("panic: %v", p)
		}
	}()
	return f(ctx, c, stack)
}
