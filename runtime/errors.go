package runtime

import (
	"errors"
	"fmt"
)

var (
	// ErrClosed: the runtime, module, plug-in or instance was closed.
	ErrClosed = errors.New("runtime: closed")
	// ErrBroken: an earlier call trapped, exited or was interrupted, so the
	// instance no longer runs guest code. The error also wraps that cause.
	ErrBroken = errors.New("runtime: instance broken")
	// ErrFunctionNotFound: the plug-in exports no callable function of that name.
	ErrFunctionNotFound = errors.New("runtime: function not found")
	// ErrOutputTooLarge: the plug-in's output exceeds the output cap.
	ErrOutputTooLarge = errors.New("runtime: output exceeds max_output_bytes")
	// ErrManifest: the manifest is invalid; the message names the field.
	ErrManifest = errors.New("runtime: invalid manifest")
	// ErrLoad: a module's bytes could not be had (I/O, HTTP, hash) or are
	// not a usable WebAssembly module; carried by *LoadError.
	ErrLoad = errors.New("runtime: cannot load module")
	// ErrImport: a module imports something the host does not grant.
	ErrImport = errors.New("runtime: import not granted")
)

var (
	errEmpty    = errors.New("empty file")
	errBadMagic = errors.New("not a WebAssembly module (bad magic)")
)

// Call errors name the plug-in and the function the same way:
//
//	plugin "vowels": count_vowels: <what happened>
func callPrefix(plugin, function string) string {
	return fmt.Sprintf("plugin %q: %s", plugin, function)
}

// callError wraps an error of a call that has no type of its own (a
// kernel error, ErrOutputTooLarge...) in the call format.
type callError struct {
	plugin, function string
	err              error
}

func (e *callError) Error() string { return callPrefix(e.plugin, e.function) + ": " + e.err.Error() }
func (e *callError) Unwrap() error { return e.err }

// GuestError is a call the plug-in itself failed: it set an error message
// (error_set), returned a non-zero code, or left unhandled the error of a
// host function it called (then Err is that *HostFunctionError).
type GuestError struct {
	Plugin   string
	Function string
	Message  string // the plug-in's message; empty when it only returned Code
	Code     int32  // the function's return value (0 when it only set a message)
	Err      error  // the host function error behind Message, if any
}

func (e *GuestError) Error() string {
	if e.Message != "" {
		return callPrefix(e.Plugin, e.Function) + ": " + e.Message
	}
	return fmt.Sprintf("%s: returned %d", callPrefix(e.Plugin, e.Function), e.Code)
}

// Unwrap returns the host function error behind the message, if any.
func (e *GuestError) Unwrap() error { return e.Err }

// ExitError is a plug-in that called WASI proc_exit with a non-zero code.
// The instance is closed by the exit and is broken afterwards.
type ExitError struct {
	Plugin   string
	Function string
	Code     uint32
}

func (e *ExitError) Error() string {
	return fmt.Sprintf("%s: exit code %d", callPrefix(e.Plugin, e.Function), e.Code)
}

// TrapError is a plug-in that trapped (unreachable, out-of-bounds access,
// stack overflow, an offset the kernel rejected...). Err is the cause; it is
// a *kernel.FaultError when the kernel rejected an argument.
type TrapError struct {
	Plugin   string
	Function string
	Err      error
}

func (e *TrapError) Error() string {
	return fmt.Sprintf("%s: trap: %v", callPrefix(e.Plugin, e.Function), e.Err)
}
func (e *TrapError) Unwrap() error { return e.Err }

// InterruptError is a call stopped, or failed after it returned, because its
// context was done or the manifest's timeout_ms passed. Cause is
// context.DeadlineExceeded or context.Canceled (errors.Is works through it).
// The instance is broken when the guest was stopped mid-way (see
// Instance.Broken); a guest that returned past its deadline is not.
type InterruptError struct {
	Plugin   string
	Function string
	Cause    error
}

func (e *InterruptError) Error() string {
	return fmt.Sprintf("%s: interrupted: %v", callPrefix(e.Plugin, e.Function), e.Cause)
}
func (e *InterruptError) Unwrap() error { return e.Cause }

// HostFunctionError is a host function that failed. A fatal failure (a
// panic, an error of a raw host function, or Fatal(err)) fails the call with
// it and breaks the instance; a bytes host function's ordinary error reaches
// the guest, and the call fails with it (inside a *GuestError) only if the
// guest leaves it unhandled.
type HostFunctionError struct {
	Plugin   string
	Function string // the plug-in function that was running
	Host     string // the host function, "namespace.name"
	Err      error
}

func (e *HostFunctionError) Error() string {
	return fmt.Sprintf("%s: host function %s: %v", callPrefix(e.Plugin, e.Function), e.Host, e.Err)
}
func (e *HostFunctionError) Unwrap() error { return e.Err }

// LoadError is a module that could not be loaded: a file that cannot be
// read, a URL that cannot be fetched, a hash mismatch, an empty file, bytes
// that are not WebAssembly. errors.Is(err, ErrLoad) holds for it.
type LoadError struct {
	Field  string // the manifest's module, e.g. "wasm[0]"
	Source string // its path or URL; "" for data
	Err    error
}

func (e *LoadError) Error() string {
	if e.Source != "" {
		return fmt.Sprintf("runtime: load %s (%s): %v", e.Field, e.Source, e.Err)
	}
	return fmt.Sprintf("runtime: load %s: %v", e.Field, e.Err)
}

// Is reports whether target is ErrLoad.
func (e *LoadError) Is(target error) bool { return target == ErrLoad }
func (e *LoadError) Unwrap() error        { return e.Err }

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
func (e *ImportError) WASI() bool { return e.Module == wasiName }
