package runtime

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	goruntime "runtime"
	"sync"
	"sync/atomic"
	"time"
)

// VarsPolicy says what a Pool does with an instance's vars (var_set,
// Instance.SetVar) when the instance goes back to the pool.
type VarsPolicy uint8

const (
	// VarsKeep keeps them (the default): a var a plug-in sets in one call is
	// seen by later calls on the same instance, whoever makes them. Which
	// instance serves a call is not specified, so a plug-in must not keep
	// per-caller state in vars under a pool; caches and counters are fine.
	VarsKeep VarsPolicy = iota
	// VarsReset deletes every var when an instance goes back to the pool,
	// so each call starts with none. The guest's own memory (its globals
	// and heap) is not reset: MaxCallsPerInstance 1 gives every call a fresh
	// instance, at the cost of an instantiation per call.
	VarsReset
)

// PoolOptions configure a Pool. The zero value means all defaults.
type PoolOptions struct {
	// MaxInstances bounds the instances alive at once, busy or idle; a
	// call that finds them all busy waits for one (first come, first
	// served). 0 means runtime.GOMAXPROCS(0), or MinIdle if that is larger.
	MaxInstances int
	// MinIdle instances are created by NewPool, so that a plug-in that
	// cannot be instantiated fails there and the first calls find warm
	// instances; the pool tops them up after discarding a broken one, and
	// MaxIdleTime never closes them. 0 means instances are created on
	// demand.
	MinIdle int
	// MaxIdleTime closes an instance that has been idle that long (keeping
	// MinIdle). 0 means idle instances are kept.
	MaxIdleTime time.Duration
	// MaxCallsPerInstance recycles an instance after that many calls (a
	// plug-in that leaks memory, say): it is closed and a new one takes its
	// place on demand. 0 means no limit.
	MaxCallsPerInstance int
	// Vars is what happens to an instance's vars between calls (VarsKeep
	// by default).
	Vars VarsPolicy
}

// PoolStats are a Pool's counters, like sql.DBStats. The instances a pool
// created are accounted for: Created = Instances + Discarded + Recycled +
// IdleClosed + Closed.
type PoolStats struct {
	MaxInstances int // the bound in effect

	Instances int // alive now: InUse + Idle
	InUse     int // lent to calls now
	Idle      int // waiting for a call now

	Calls      uint64 // calls (and Borrows) that got an instance and returned it
	Created    uint64 // instances created
	Discarded  uint64 // closed because they broke (trap, exit, interrupt, fatal host error)
	Recycled   uint64 // closed after MaxCallsPerInstance calls
	IdleClosed uint64 // closed after MaxIdleTime idle
	Closed     uint64 // closed by Pool.Close, or under the pool by their plug-in's Close

	WaitCount    uint64        // calls that waited for an instance
	WaitDuration time.Duration // total time they waited
}

// Pool lends instances of one CompiledPlugin to calls, so that concurrent
// callers each get an instance of their own without paying for its creation
// each time. It creates instances on demand up to MaxInstances; beyond
// that, callers wait in line, bounded by their context. An instance that
// broke (a trap, a non-zero exit, an interrupted call, a fatal host
// function error) is discarded and never lent again; the next call that
// needs one creates its replacement.
//
// A Pool is a Callable: resolve functions once with Function and call them
// with Invoke or CallFunction. It is safe for concurrent use. Closing its
// CompiledPlugin (or Runtime) closes it, interrupting calls in flight;
// Pool.Close lets them finish.
type Pool struct {
	plugin *CompiledPlugin
	opts   PoolOptions
	child  *poolChild // what the plug-in closes

	mu       sync.Mutex
	idle     []*pooled // most recently used last; idle[0] has waited longest
	all      map[*pooled]struct{}
	open     int // instances alive or being created: at most opts.MaxInstances
	inUse    int
	waiters  []*waiter // first come, first served
	active   int       // calls between acquire and release (waiting included)
	closed   bool      // Close began: no new calls
	killed   bool      // Close's context ended, or the plug-in closed: interrupt
	drained  chan struct{}
	dclosed  bool // drained is closed
	timer    *time.Timer
	armed    bool // timer set
	stats    PoolStats
	waitTime atomic.Int64

	waiterPool sync.Pool
	bg         sync.WaitGroup // MinIdle top-ups
	bgCtx      context.Context
	bgCancel   context.CancelFunc
	closeOnce  sync.Once
}

// pooled is one instance of a pool and its bookkeeping (guarded by Pool.mu
// while idle; owned by the borrower while lent).
type pooled struct {
	in        *Instance
	calls     int
	idleSince time.Time
}

// waiter is a call waiting for an instance. Exactly one grant is sent to
// a waiter taken from the queue; ch has room for it, so sending never
// blocks.
type waiter struct{ ch chan grant }

// grant is what a waiter receives: an instance, the right to create one
// (a slot of MaxInstances reserved for it), or neither: the pool closed.
type grant struct {
	s      *pooled
	create bool
}

// poolChild is what a CompiledPlugin holds of its pools: closing the plug-in
// closes them at once, without waiting for calls.
type poolChild struct{ p *Pool }

func (c *poolChild) Close(ctx context.Context) error { return c.p.shutdown(ctx, true) }

// state of an instance coming back to the pool.
type instState uint8

const (
	stateOK     instState = iota
	stateBroken           // its call broke it, or the borrower panicked
	stateShut             // closed under the pool
)

var _ Callable = (*Pool)(nil)

// NewPool makes a pool of the plug-in's instances and creates
// opts.MinIdle of them before it returns (it fails if any cannot be
// created). Close the pool when done; closing the plug-in closes it too.
func (p *CompiledPlugin) NewPool(ctx context.Context, opts PoolOptions) (*Pool, error) {
	switch {
	case opts.MaxInstances < 0:
		return nil, fmt.Errorf("runtime: PoolOptions.MaxInstances %d is negative", opts.MaxInstances)
	case opts.MinIdle < 0:
		return nil, fmt.Errorf("runtime: PoolOptions.MinIdle %d is negative", opts.MinIdle)
	case opts.MaxIdleTime < 0:
		return nil, fmt.Errorf("runtime: PoolOptions.MaxIdleTime %v is negative", opts.MaxIdleTime)
	case opts.MaxCallsPerInstance < 0:
		return nil, fmt.Errorf("runtime: PoolOptions.MaxCallsPerInstance %d is negative", opts.MaxCallsPerInstance)
	case opts.Vars > VarsReset:
		return nil, fmt.Errorf("runtime: PoolOptions.Vars %d is not a VarsPolicy", opts.Vars)
	case opts.MaxInstances > 0 && opts.MinIdle > opts.MaxInstances:
		return nil, fmt.Errorf("runtime: PoolOptions.MinIdle %d is over MaxInstances %d", opts.MinIdle, opts.MaxInstances)
	}
	if opts.MaxInstances == 0 {
		opts.MaxInstances = max(goruntime.GOMAXPROCS(0), opts.MinIdle)
	}
	pool := &Pool{
		plugin:  p,
		opts:    opts,
		idle:    make([]*pooled, 0, opts.MaxInstances),
		all:     make(map[*pooled]struct{}, opts.MaxInstances),
		drained: make(chan struct{}),
	}
	pool.stats.MaxInstances = opts.MaxInstances
	pool.child = &poolChild{pool}
	pool.waiterPool.New = func() any { return &waiter{ch: make(chan grant, 1)} }
	pool.bgCtx, pool.bgCancel = context.WithCancel(context.WithoutCancel(ctx))
	if err := p.adopt(pool.child); err != nil {
		pool.bgCancel()
		return nil, err
	}
	for range opts.MinIdle {
		in, err := p.Instantiate(ctx)
		if err != nil {
			return nil, errors.Join(err, pool.Close(ctx))
		}
		s := &pooled{in: in, idleSince: time.Now()}
		pool.mu.Lock()
		pool.all[s] = struct{}{}
		pool.open++
		pool.stats.Created++
		pool.idle = append(pool.idle, s)
		pool.mu.Unlock()
	}
	pool.mu.Lock()
	pool.armTimer(time.Now())
	pool.mu.Unlock()
	return pool, nil
}

// Function resolves a function of the pool's plug-in (see
// CompiledPlugin.Function).
func (p *Pool) Function(name string) (*Function, error) { return p.plugin.Function(name) }

// Call runs the exported function name on an instance of the pool and
// returns its output, which the caller owns. Call looks name up each time:
// resolve it once with Function and use CallFunction or Invoke in hot paths.
//
// Besides Instance.Call's errors, it fails when ctx ends before an instance
// is free (the error wraps ctx.Err()), when a new instance cannot be
// created, and with ErrClosed once the pool is closed.
func (p *Pool) Call(ctx context.Context, name string, input []byte) ([]byte, error) {
	fn, err := p.plugin.Function(name)
	if err != nil {
		return nil, err
	}
	return p.CallFunction(ctx, fn, input)
}

// CallFunction calls fn on an instance of the pool and returns its output,
// which the caller owns. Errors are Call's.
func (p *Pool) CallFunction(ctx context.Context, fn *Function, input []byte) (output []byte, err error) {
	err = p.invoke(ctx, fn, input, func(b []byte) error {
		output = bytes.Clone(b)
		return nil
	})
	return output, err
}

// Invoke calls fn on an instance of the pool and passes the output to out
// without copying it: the slice is valid only until out returns. out is
// not called when the call fails; an error out returns is Invoke's. out
// runs while the instance is still lent, so it must not wait for another
// call on this pool when every instance may be busy. Errors are Call's.
func (p *Pool) Invoke(ctx context.Context, fn *Function, input []byte, out func(output []byte) error) error {
	return p.invoke(ctx, fn, input, out)
}

func (p *Pool) invoke(ctx context.Context, fn *Function, input []byte, out func(output []byte) error) error {
	s, err := p.acquire(ctx)
	if err != nil {
		return &callError{p.plugin.name, fn.name, err}
	}
	st := stateBroken // if out panics
	defer func() { p.release(s, st) }()
	in := s.in
	in.callMu.Lock()
	defer in.callMu.Unlock()
	b, err := in.call(ctx, fn, input)
	if err == nil {
		err = out(b)
	}
	st = in.poolState(p.opts.Vars)
	return err
}

// Borrow lends f an instance of the pool for the time f runs, for work that
// needs one instance across several calls (vars set up before a call,
// say). The instance is f's alone until f returns, and must not be used
// after: do not keep it, and do not close it (a closed or broken instance
// is discarded). Like Invoke's out, f must not wait for another call on
// this pool when every instance may be busy. Borrow returns f's error, or
// the error of getting an instance (see Call).
func (p *Pool) Borrow(ctx context.Context, f func(in *Instance) error) error {
	s, err := p.acquire(ctx)
	if err != nil {
		return fmt.Errorf("%s: %w", callPrefix(p.plugin.name, "Borrow"), err)
	}
	st := stateBroken // if f panics
	defer func() { p.release(s, st) }()
	err = f(s.in)
	s.in.callMu.Lock()
	st = s.in.poolState(p.opts.Vars)
	s.in.callMu.Unlock()
	return err
}

// poolState says whether the instance can go back to the pool, and resets
// its vars when the policy says so; in.callMu is held.
func (in *Instance) poolState(vars VarsPolicy) instState {
	switch {
	case in.shut:
		return stateShut
	case in.broken != nil:
		if in.intr.wasKilled() { // Close interrupted its call
			return stateShut
		}
		return stateBroken
	}
	if vars == VarsReset {
		in.kern.ClearVars()
	}
	return stateOK
}

// Stats returns the pool's counters.
func (p *Pool) Stats() PoolStats {
	p.mu.Lock()
	st := p.stats
	st.Instances, st.InUse, st.Idle = len(p.all), p.inUse, len(p.idle)
	p.mu.Unlock()
	st.WaitDuration = time.Duration(p.waitTime.Load())
	return st
}

// acquire lends an instance: an idle one (the most recently used), a new
// one while under MaxInstances, or the next one released, in the order the
// callers came.
func (p *Pool) acquire(ctx context.Context) (*pooled, error) {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return nil, ErrClosed
	}
	if n := len(p.idle); n > 0 {
		s := p.idle[n-1]
		p.idle[n-1] = nil
		p.idle = p.idle[:n-1]
		p.inUse++
		p.active++
		p.mu.Unlock()
		return s, nil
	}
	if err := ctx.Err(); err != nil {
		p.mu.Unlock()
		return nil, fmt.Errorf("waiting for an instance: %w", err)
	}
	p.active++
	if p.open < p.opts.MaxInstances {
		p.open++
		p.mu.Unlock()
		return p.create(ctx)
	}
	w := p.waiterPool.Get().(*waiter)
	p.waiters = append(p.waiters, w)
	p.stats.WaitCount++
	p.mu.Unlock()

	start := time.Now()
	var g grant
	if done := ctx.Done(); done == nil { // never done: a plain receive is cheaper
		g = <-w.ch
	} else {
		select {
		case g = <-w.ch:
		case <-done:
			return nil, p.giveUp(ctx, w, start)
		}
	}
	p.waitTime.Add(int64(time.Since(start)))
	p.waiterPool.Put(w)
	switch {
	case g.s != nil:
		return g.s, nil
	case g.create:
		return p.create(ctx)
	}
	p.done()
	return nil, ErrClosed
}

// giveUp takes a waiter whose context ended out of the line; an instance
// (or the right to create one) granted meanwhile is handed on.
func (p *Pool) giveUp(ctx context.Context, w *waiter, start time.Time) error {
	err := fmt.Errorf("waiting for an instance: %w", ctx.Err())
	p.mu.Lock()
	if p.dequeue(w) {
		p.active--
		p.checkDrained()
		p.mu.Unlock()
		p.waitTime.Add(int64(time.Since(start)))
		p.waiterPool.Put(w)
		return err
	}
	p.mu.Unlock()
	g := <-w.ch // granted meanwhile: hand it on
	p.waitTime.Add(int64(time.Since(start)))
	p.waiterPool.Put(w)
	switch {
	case g.s != nil:
		p.put(g.s, stateOK, false)
	case g.create:
		p.mu.Lock()
		p.open--
		p.active--
		p.grantSlot()
		p.checkDrained()
		p.mu.Unlock()
	default:
		p.done()
	}
	return err
}

// done ends a call that got no instance.
func (p *Pool) done() {
	p.mu.Lock()
	p.active--
	p.checkDrained()
	p.mu.Unlock()
}

// create makes an instance in a slot already counted in p.open, and lends it.
func (p *Pool) create(ctx context.Context) (*pooled, error) {
	in, err := p.plugin.Instantiate(ctx)
	p.mu.Lock()
	if err != nil {
		p.open--
		p.active--
		p.grantSlot() // the next in line tries in our place
		p.checkDrained()
		p.mu.Unlock()
		return nil, err
	}
	p.stats.Created++
	if p.killed {
		p.stats.Closed++
		p.open--
		p.active--
		p.checkDrained()
		p.mu.Unlock()
		_ = in.Close(context.WithoutCancel(ctx))
		return nil, ErrClosed
	}
	s := &pooled{in: in}
	p.all[s] = struct{}{}
	p.inUse++
	p.mu.Unlock()
	return s, nil
}

// release takes back an instance lent by acquire: it goes to the first
// caller in line, else to the idle stack, unless it must be closed.
func (p *Pool) release(s *pooled, st instState) { p.put(s, st, true) }

// put is release; used counts the borrow as a call (an instance granted to
// a caller that gave up was not used).
func (p *Pool) put(s *pooled, st instState, used bool) {
	if used {
		s.calls++
	}
	drop := st != stateOK || (p.opts.MaxCallsPerInstance > 0 && s.calls >= p.opts.MaxCallsPerInstance)
	p.mu.Lock()
	p.inUse--
	p.active--
	if used {
		p.stats.Calls++
	}
	switch {
	case drop:
		switch {
		case st == stateBroken:
			p.stats.Discarded++
		case st == stateShut:
			p.stats.Closed++
		default:
			p.stats.Recycled++
		}
		p.forget(s)
		if !p.grantSlot() && !p.closed && p.open < p.opts.MinIdle {
			p.topUp()
		}
	case len(p.waiters) > 0:
		w := p.waiters[0]
		p.waiters = p.waiters[:copy(p.waiters, p.waiters[1:])]
		p.inUse++ // the waiter's call is counted in active since its acquire
		w.ch <- grant{s: s}
		s = nil
	case p.closed:
		p.stats.Closed++
		p.forget(s)
	default:
		if p.opts.MaxIdleTime > 0 {
			s.idleSince = time.Now()
			p.idle = append(p.idle, s)
			p.armTimer(s.idleSince)
		} else {
			p.idle = append(p.idle, s)
		}
		s = nil
	}
	p.checkDrained()
	p.mu.Unlock()
	if s != nil {
		_ = s.in.Close(context.Background())
	}
}

// forget drops s from the pool's instances; p.mu is held. The caller
// closes it.
func (p *Pool) forget(s *pooled) {
	delete(p.all, s)
	p.open--
}

// grantSlot gives a free slot of MaxInstances to the first caller in line,
// to create an instance in; p.mu is held.
func (p *Pool) grantSlot() bool {
	if len(p.waiters) == 0 || p.open >= p.opts.MaxInstances {
		return false
	}
	w := p.waiters[0]
	p.waiters = p.waiters[:copy(p.waiters, p.waiters[1:])]
	p.open++
	w.ch <- grant{create: true}
	return true
}

// dequeue removes w from the line if it is still in it; p.mu is held.
func (p *Pool) dequeue(w *waiter) bool {
	for i, x := range p.waiters {
		if x == w {
			p.waiters = append(p.waiters[:i], p.waiters[i+1:]...)
			return true
		}
	}
	return false
}

// topUp creates an idle instance in the background (MinIdle); p.mu is held.
func (p *Pool) topUp() {
	p.open++
	p.bg.Add(1)
	go func() {
		defer p.bg.Done()
		in, err := p.plugin.Instantiate(p.bgCtx)
		p.mu.Lock()
		if err != nil {
			p.open--
			p.grantSlot()
			p.mu.Unlock()
			p.plugin.logger.Warn("pool: cannot create an idle instance", "err", err)
			return
		}
		p.stats.Created++
		s := &pooled{in: in, idleSince: time.Now()}
		switch {
		case len(p.waiters) > 0:
			p.all[s] = struct{}{}
			w := p.waiters[0]
			p.waiters = p.waiters[:copy(p.waiters, p.waiters[1:])]
			p.inUse++
			w.ch <- grant{s: s}
			in = nil
		case p.closed:
			p.stats.Closed++
			p.open--
		default:
			p.all[s] = struct{}{}
			p.idle = append(p.idle, s)
			p.armTimer(s.idleSince)
			in = nil
		}
		p.mu.Unlock()
		if in != nil {
			_ = in.Close(context.Background())
		}
	}()
}

// armTimer schedules closing idle instances past MaxIdleTime; p.mu is held.
func (p *Pool) armTimer(now time.Time) {
	if p.opts.MaxIdleTime <= 0 || p.armed || p.closed || len(p.idle) <= p.opts.MinIdle {
		return
	}
	d := p.idle[0].idleSince.Add(p.opts.MaxIdleTime).Sub(now)
	if p.timer == nil {
		p.timer = time.AfterFunc(d, p.expire)
	} else {
		p.timer.Reset(d)
	}
	p.armed = true
}

// expire closes the instances idle longer than MaxIdleTime, oldest first,
// keeping MinIdle.
func (p *Pool) expire() {
	now := time.Now()
	var old []*pooled
	p.mu.Lock()
	p.armed = false
	if p.closed {
		p.mu.Unlock()
		return
	}
	n := 0
	for n < len(p.idle)-p.opts.MinIdle && now.Sub(p.idle[n].idleSince) >= p.opts.MaxIdleTime {
		n++
	}
	if n > 0 {
		old = append(old, p.idle[:n]...)
		p.idle = p.idle[:copy(p.idle, p.idle[n:])]
		for _, s := range old {
			p.forget(s)
		}
		p.stats.IdleClosed += uint64(n)
	}
	p.armTimer(now)
	p.mu.Unlock()
	for _, s := range old {
		_ = s.in.Close(context.Background())
	}
}

// checkDrained signals Close when no call is left; p.mu is held.
func (p *Pool) checkDrained() {
	if p.closed && p.active == 0 && !p.dclosed {
		p.dclosed = true
		close(p.drained)
	}
}

// Close stops the pool: new calls fail with ErrClosed at once, calls that
// already began (those waiting for an instance included) run to their end,
// then every instance is closed. When ctx ends first, the calls still
// running are interrupted (they fail with ErrClosed), those still waiting
// fail with ErrClosed, and Close returns ctx's error after they did. Close
// is idempotent; it must not be called from a call on the pool (it would
// wait for itself).
func (p *Pool) Close(ctx context.Context) error { return p.shutdown(ctx, false) }

func (p *Pool) shutdown(ctx context.Context, now bool) error {
	var err error
	p.closeOnce.Do(func() {
		p.mu.Lock()
		p.closed = true
		idle := p.idle
		p.idle = nil
		for _, s := range idle {
			p.forget(s)
		}
		p.stats.Closed += uint64(len(idle))
		if p.timer != nil {
			p.timer.Stop()
		}
		p.checkDrained()
		p.mu.Unlock()
		p.bgCancel()
		var errs []error
		for _, s := range idle {
			errs = append(errs, s.in.Close(ctx))
		}
		p.bg.Wait()
		done := ctx.Done()
		if now {
			done = closedChan
		}
		select {
		case <-p.drained: // first: nothing in flight is no failure, whatever ctx says
		default:
			select {
			case <-p.drained:
			case <-done:
				p.kill()
				if !now {
					errs = append(errs, fmt.Errorf("runtime: pool close: %w", ctx.Err()))
				}
			}
		}
		p.plugin.drop(p.child)
		err = errors.Join(errs...)
	})
	return err
}

var closedChan = func() chan struct{} {
	c := make(chan struct{})
	close(c)
	return c
}()

// kill fails the callers in line and interrupts the calls running, then
// waits for them to return.
func (p *Pool) kill() {
	p.mu.Lock()
	p.killed = true
	for _, w := range p.waiters {
		w.ch <- grant{}
	}
	p.waiters = nil
	busy := make([]*Instance, 0, len(p.all))
	for s := range p.all {
		busy = append(busy, s.in)
	}
	p.mu.Unlock()
	for _, in := range busy {
		_ = in.Close(context.Background())
	}
	<-p.drained
}
