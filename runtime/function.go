package runtime

import "context"

// Callable is something plug-in functions can be called on: an *Instance,
// a pool of instances, a registered plug-in. Typed calls and hooks are
// written once over it.
type Callable interface {
	// Function resolves a function once, for any number of calls.
	Function(name string) (*Function, error)
	// Invoke calls fn with input. out sees the output, which is valid only
	// until out returns (copy what you keep); it is not called when the call
	// fails. An error out returns is Invoke's error. A *Function of another
	// plug-in (after a reload, say) is resolved again by name.
	Invoke(ctx context.Context, fn *Function, input []byte, out func(output []byte) error) error
}

// Function is a function of a CompiledPlugin, resolved once: calling it
// through a Function costs no lookup. It is valid on every Instance of that
// plug-in, and is safe for concurrent use (it holds no state).
type Function struct {
	plugin  *CompiledPlugin
	name    string
	index   int // in the plug-in's sorted callable exports; per-instance slot
	results int // 0 or 1 (an i32 status)
}

// Name is the function's export name.
func (f *Function) Name() string { return f.name }

var _ Callable = (*Instance)(nil)
