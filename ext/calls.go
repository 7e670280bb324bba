package ext

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/tendril-wasm/tendril/runtime"
)

// Plug-in to plug-in calls go through the host: a plug-in granted
// PluginOptions.Calls imports the bytes host function
//
//	tendril/registry.call(i64 request) -> i64 output
//
// whose request is the target plug-in's name, a NUL byte, the function's
// name, a NUL byte, then the input; it returns the target's output. A call
// that is not granted, that would close a cycle (A calls B calls A) or go
// deeper than Options.MaxCallDepth, or that fails, gives the guest an error
// (error_get) that it may handle; unhandled, its own call fails with it.
const (
	CallNamespace = "tendril/registry"
	CallFunction  = "call"
)

var (
	// ErrCallDenied: the plug-in was not granted that call.
	ErrCallDenied = errors.New("ext: plug-in call not granted")
	// ErrCallCycle: the call would re-enter a plug-in already in the chain.
	ErrCallCycle = errors.New("ext: plug-in call cycle")
	// ErrCallDepth: the chain of calls is longer than Options.MaxCallDepth.
	ErrCallDepth = errors.New("ext: plug-in calls nested too deep")
)

// chainKey is the context key of the chain of plug-ins calling each other.
type chainKey struct{}

func callChain(ctx context.Context) []string {
	c, _ := ctx.Value(chainKey{}).([]string)
	return c
}

// callHost makes the call host function of the plug-in caller.
func (r *Registry) callHost(caller string, grants map[string][]string) runtime.HostFunction {
	grants = cloneGrants(grants)
	h := runtime.NewHostFunction(CallFunction, func(ctx context.Context, _ *runtime.Caller, req []byte) ([]byte, error) {
		target, rest, ok1 := bytes.Cut(req, []byte{0})
		fn, input, ok2 := bytes.Cut(rest, []byte{0})
		if !ok1 || !ok2 {
			return nil, fmt.Errorf("ext: call: want plugin NUL function NUL input")
		}
		if fns, ok := grants[string(target)]; !ok || !(slices.Contains(fns, "*") || slices.Contains(fns, string(fn))) {
			return nil, fmt.Errorf("%w: %s to %s.%s", ErrCallDenied, caller, target, fn)
		}
		chain := append(slices.Clip(callChain(ctx)), caller)
		if slices.Contains(chain, string(target)) {
			return nil, fmt.Errorf("%w: %v then %s", ErrCallCycle, chain, target)
		}
		if len(chain) >= r.opts.MaxCallDepth {
			return nil, fmt.Errorf("%w: %v then %s (max %d)", ErrCallDepth, chain, target, r.opts.MaxCallDepth)
		}
		p, ok := r.Plugin(string(target))
		if !ok {
			return nil, fmt.Errorf("%w: %q", ErrNotRegistered, target)
		}
		f, err := p.Function(string(fn))
		if err != nil {
			return nil, err
		}
		var out []byte
		err = p.Invoke(context.WithValue(ctx, chainKey{}, chain), f, input, func(b []byte) error {
			out = slices.Clone(b)
			return nil
		})
		return out, err
	})
	h.Namespace = CallNamespace
	return h
}

func cloneGrants(g map[string][]string) map[string][]string {
	c := make(map[string][]string, len(g))
	for k, v := range g {
		c[k] = slices.Clone(v)
	}
	return c
}
