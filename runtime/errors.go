package runtime

import (
	"errors"
	"fmt"
)

var (
	// ErrClosed: the runtime, plug-in or instance was closed.
	ErrClosed = errors.New("runtime: closed")
	// ErrBroken: an earlier call trapped, exited or was interrupted, so the
	// instance no longer runs guest code. The error also wraps that cause.
	ErrBroken = errors.New("runtime: instance broken")
	// ErrFunctionNotFound: the plug-in exports no function of that name.
	ErrFunctionNotFound = errors.New("runtime: function not found")
	// ErrOutputTooLarge: the plug-in's output exceeds the output cap.
	ErrOutputTooLarge = errors.New("runtime: output exceeds max_output_bytes")
	// ErrManifest: the manifest is invalid; the message names the field.
	ErrManifest = errors.New("runtime: invalid manifest")
	// ErrImport: a module imports something the host does not grant.
	ErrImport = errors.New("runtime: import not granted")
)

// GuestError is a call the plug-in itself failed: it set an error message
// (error_set) or returned a non-zero code.
type GuestError struct {
	Function string
	Message  string // the plug-in's message; empty when it only returned Code
	Code     int32  // the function's return value (0 when it only set a message)
}

func (e *GuestError) Error() string {
	if e.Message != "" {
		return e.Message
	}
	return fmt.Sprintf("%s returned %d", e.Function, e.Code)
}

// ExitError is a plug-in that called WASI proc_exit with a non-zero code.
// The instance is closed by the exit and is broken afterwards.
type ExitError struct {
	Function string
	Code     uint32
}

func (e *ExitError) Error() string {
	return fmt.Sprintf("%s: exit code %d", e.Function, e.Code)
}

// TrapError is a plug-in that trapped (unreachable, out-of-bounds access,
// stack overflow, an offset the kernel rejected...). Err is the cause; it is
// a *kernel.FaultError when the kernel rejected an argument.
type TrapError struct {
	Function string
	Err      error
}

func (e *TrapError) Error() string { return fmt.Sprintf("%s: trap: %v", e.Function, e.Err) }
func (e *TrapError) Unwrap() error { return e.Err }

// InterruptError is a call stopped because its context was done or the
// manifest's timeout_ms passed. Cause is context.DeadlineExceeded or
// context.Canceled (errors.Is works through it).
type InterruptError struct {
	Function string
	Cause    error
}

func (e *InterruptError) Error() string {
	return fmt.Sprintf("%s: interrupted: %v", e.Function, e.Cause)
}
func (e *InterruptError) Unwrap() error { return e.Cause }

// HostFunctionError is a host function that returned an error (or panicked):
// the guest's call fails with it.
type HostFunctionError struct {
	Function string // the host function, "namespace.name"
	Err      error
}

func (e *HostFunctionError) Error() string {
	return fmt.Sprintf("host function %s: %v", e.Function, e.Err)
}
func (e *HostFunctionError) Unwrap() error { return e.Err }

// ImportError is a module of a plug-in that imports something the host does
// not grant (or grants with another signature). errors.Is(err, ErrImport)
// holds for it.
type ImportError struct {
	Field  string // the manifest's module, e.g. "wasm[0]"
	Kind   string // "function", "memory", "table", "global" or "tag"
	Module string // the import's module, e.g. "wasi_snapshot_preview1"
	Name   string // the import's name
	Reason string
}

func (e *ImportError) Error() string {
	return fmt.Sprintf("%v: %s imports %s %s.%s: %s", ErrImport, e.Field, e.Kind, e.Module, e.Name, e.Reason)
}

// Is reports whether target is ErrImport.
func (e *ImportError) Is(target error) bool { return target == ErrImport }

// WASI reports whether the missing import is WASI's: granting
// PluginOptions.WASI would satisfy it.
func (e *ImportError) WASI() bool { return e.Module == "wasi_snapshot_preview1" }
