package ext

import (
	"context"
	"errors"
	goruntime "runtime"
	"sync"

	"github.com/tendril-wasm/tendril/runtime"
)

// instances is the small pool of instances behind one version of a
// registered plug-in: at most max live instances, idle ones reused, broken
// ones (trap, exit, timeout, fatal host error) closed, never handed out
// again. One instance is created by newInstances, so that a module that
// cannot start fails Register and Reload. It is safe for concurrent use.
//
// It stands in for runtime.Pool (issue 9) until that lands; it implements
// the same Callable surface, so the registry does not change when it goes.
type instances struct {
	cp   *runtime.CompiledPlugin
	slot chan struct{} // one token per instance that may be live
	mu   sync.Mutex
	idle []*runtime.Instance
	shut bool
}

func newInstances(ctx context.Context, cp *runtime.CompiledPlugin, max int) (*instances, error) {
	if max <= 0 {
		max = goruntime.GOMAXPROCS(0)
	}
	p := &instances{cp: cp, slot: make(chan struct{}, max)}
	in, err := cp.Instantiate(ctx)
	if err != nil {
		return nil, err
	}
	p.idle = append(p.idle, in)
	return p, nil
}

func (p *instances) Function(name string) (*runtime.Function, error) { return p.cp.Function(name) }

func (p *instances) Invoke(ctx context.Context, fn *runtime.Function, input []byte, out func([]byte) error) error {
	select {
	case p.slot <- struct{}{}:
	case <-ctx.Done():
		return context.Cause(ctx)
	}
	defer func() { <-p.slot }()
	in, err := p.get(ctx)
	if err != nil {
		return err
	}
	err = in.Invoke(ctx, fn, input, out)
	if err != nil && in.Broken() != nil {
		_ = in.Close(context.Background())
		return err
	}
	p.put(in)
	return err
}

func (p *instances) get(ctx context.Context) (*runtime.Instance, error) {
	p.mu.Lock()
	if p.shut {
		p.mu.Unlock()
		return nil, runtime.ErrClosed
	}
	if n := len(p.idle); n > 0 {
		in := p.idle[n-1]
		p.idle = p.idle[:n-1]
		p.mu.Unlock()
		return in, nil
	}
	p.mu.Unlock()
	return p.cp.Instantiate(ctx)
}

func (p *instances) put(in *runtime.Instance) {
	p.mu.Lock()
	if !p.shut {
		p.idle = append(p.idle, in)
		p.mu.Unlock()
		return
	}
	p.mu.Unlock()
	_ = in.Close(context.Background())
}

// Close closes the idle instances; the plug-in's Close ends the others.
func (p *instances) Close(ctx context.Context) error {
	p.mu.Lock()
	idle := p.idle
	p.idle, p.shut = nil, true
	p.mu.Unlock()
	var errs []error
	for _, in := range idle {
		errs = append(errs, in.Close(ctx))
	}
	return errors.Join(errs...)
}
