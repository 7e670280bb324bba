package runtime

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/tetratelabs/wazero/api"
)

// DefaultHostNamespace is the import module of host functions that name none.
const DefaultHostNamespace = "extism:host/user"

// ValueType is a WebAssembly value type of a raw host function's parameters
// and results (the same type as wazero's api.ValueType).
type ValueType = api.ValueType

// The value types a raw host function may use. Kernel handles are I64.
const (
	ValueTypeI32 ValueType = api.ValueTypeI32
	ValueTypeI64 ValueType = api.ValueTypeI64
	ValueTypeF32 ValueType = api.ValueTypeF32
	ValueTypeF64 ValueType = api.ValueTypeF64
)

// HostFunction is a Go function the application grants to plug-ins.
// NewHostFunction makes the common bytes-in, bytes-out kind; fill the
// fields directly for a raw one.
type HostFunction struct {
	// Namespace is the import module; "" means DefaultHostNamespace.
	Namespace string
	Name      string
	Params    []ValueType
	Results   []ValueType
	// Func runs the call: parameters arrive in stack, results go back in it
	// (stack has max(len(Params), len(Results)) slots). Handles (i64) refer
	// to kernel memory: read and write them through c. Returning an error (or
	// panicking) fails the guest's call with a *HostFunctionError; the guest
	// is unwound at that point, so the instance is broken afterwards.
	Func func(ctx context.Context, c *Caller, stack []uint64) error
}

func (h *HostFunction) namespace() string {
	if h.Namespace == "" {
		return DefaultHostNamespace
	}
	return h.Namespace
}

// NewHostFunction makes a bytes-in, bytes-out host function named name in
// DefaultHostNamespace (set Namespace on the result for another). The guest
// imports it as name(i64 input) -> i64 output, both kernel handles (0 for
// empty); f gets a copy of the input, and its output is copied into a new
// block.
//
// When f returns an error, the guest gets 0 and the error's message becomes
// the call's current error, as if the guest had called error_set with it: a
// guest that handles it reads error_get and clears it with error_set(0); a
// guest that does not fails its call with a *GuestError carrying the
// message (and the *HostFunctionError, for errors.Is and errors.As). The
// instance stays usable. An error wrapped by Fatal, or a panic, instead
// stops the guest and breaks the instance, as a raw host function's error
// does.
func NewHostFunction(name string, f func(ctx context.Context, c *Caller, input []byte) ([]byte, error)) HostFunction {
	h := HostFunction{Name: name, Params: []ValueType{ValueTypeI64}, Results: []ValueType{ValueTypeI64}}
	h.Func = func(ctx context.Context, c *Caller, stack []uint64) error {
		var in []byte
		if stack[0] != 0 {
			var err error
			if in, err = c.ReadBytes(stack[0]); err != nil {
				return err // a bad handle is the guest's bug: fatal
			}
		}
		out, err := f(ctx, c, in)
		stack[0] = 0
		if err != nil {
			var fe *fatalError
			if errors.As(err, &fe) {
				return err
			}
			return c.guestError(ctx, h.namespace()+"."+h.Name, err)
		}
		if len(out) > 0 {
			if stack[0], err = c.WriteBytes(out); err != nil {
				return err
			}
		}
		return nil
	}
	return h
}

// Fatal marks err as fatal for a host function made by NewHostFunction: the
// guest is stopped and the instance broken, instead of the guest seeing the
// error.
func Fatal(err error) error {
	if err == nil {
		return nil
	}
	return &fatalError{err}
}

type fatalError struct{ err error }

func (e *fatalError) Error() string { return e.err.Error() }
func (e *fatalError) Unwrap() error { return e.err }

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

// GuestMemory is the calling module's own linear memory (nil if it has
// none), for host functions whose guest passes pointers into it. It is
// valid only during the host call.
func (c *Caller) GuestMemory() api.Memory { return c.mod.Memory() }

// Logger is the plug-in's logger.
func (c *Caller) Logger() *slog.Logger { return c.inst.logger }

// Plugin is the name of the calling plug-in.
func (c *Caller) Plugin() string { return c.inst.plugin.name }

// Config returns a value of the plug-in's config.
func (c *Caller) Config(key string) (string, bool) {
	v, ok := c.inst.plugin.manifest.Config[key]
	return v, ok
}

// Var returns a copy of one of the instance's vars, or nil.
func (c *Caller) Var(key string) []byte { return c.inst.kern.Var(key) }

// SetVar sets one of the instance's vars; an empty value deletes it.
func (c *Caller) SetVar(key string, val []byte) error { return c.inst.kern.SetVar(key, val) }

// guestError makes err the guest's current error (see NewHostFunction).
func (c *Caller) guestError(ctx context.Context, host string, err error) error {
	h, werr := c.inst.kern.SetError(ctx, err.Error())
	if werr != nil {
		return fmt.Errorf("%w (and the kernel could not hold the message: %w)", err, werr)
	}
	c.inst.hostErr = &HostFunctionError{Plugin: c.inst.plugin.name, Host: host, Err: err}
	c.inst.hostErrHandle = h
	return nil
}

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
			panic(&hostAbort{&HostFunctionError{Host: full, Err: fmt.Errorf("%w: caller is not a live instance", ErrClosed)}})
		}
		inst := v.(*Instance)
		c := &inst.caller // one call at a time per instance: reuse it
		c.ctx, c.inst, c.mod = ctx, inst, mod
		err := callHost(ctx, h.Func, c, stack)
		c.ctx, c.mod = nil, nil
		select {
		case <-ctx.Done(): // stop the guest at the check after this call
			inst.intr.fireNow(ctx.Err())
		default:
		}
		if err != nil {
			if fe, ok := err.(*fatalError); ok {
				err = fe.err
			}
			panic(&hostAbort{&HostFunctionError{Plugin: inst.plugin.name, Host: full, Err: err}})
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
