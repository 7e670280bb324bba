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
	// Read on every call, written rarely: kept off the cache lines that
	// the locked path writes (the padding after them).
	slots    []poolSlot // one per P (at most MaxInstances): the fast path
	hints    sync.Pool  // of *slotHint: which slot is this P's
	hintArr  []slotHint // what hints.New hands out, round-robin
	nextHint atomic.Uint32
	nwait    atomic.Int32 // len(waiters), and +1 while an acquire looks for an instance under mu
	closed   atomic.Bool  // Close began: no new calls (stored under mu)
	fast     bool         // releases may park instances in slots (MaxIdleTime 0)
	plugin   *CompiledPlugin
	opts     PoolOptions
	child    *poolChild // what the plug-in closes
	_        [64]byte   // the fields below are written by the locked path

	mu       sync.Mutex
	idle     []*pooled // most recently used last; idle[0] has waited longest
	all      map[*pooled]struct{}
	open     int       // instances alive or being created: at most opts.MaxInstances
	waiters  []*waiter // first come, first served
	pending  int       // calls waiting for an instance or creating one
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
// while idle on the stack; owned by whoever took it out of a slot while
// parked; owned by the borrower while lent).
type pooled struct {
	in        *Instance
	calls     int
	slot      int // the borrower's slot, where its release parks it
	idleSince time.Time
}

// poolSlot is one P's parking place for an idle instance, alone on its
// cache line so that cores do not share it. The array starts on a line
// boundary up to 8 slots; past 512 bytes Go puts an 8-byte header before
// it, which shifts every slot by 8 bytes, and each slot's two words still
// sit alone on their line (they take 16 of its 64 bytes).
type poolSlot struct {
	idle  atomic.Pointer[pooled]
	calls atomic.Uint64 // calls released into this slot (PoolStats.Calls)
	_     [64 - 16]byte
}

// slotHint says which slot a P uses. Pool.hints is a sync.Pool, which
// keeps one item per P: Get returns the hint that was last Put on this P,
// so a P keeps its slot, and a new hint (after a collection emptied the
// sync.Pool) takes the next slot round-robin.
type slotHint struct{ idx int }

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
	// One slot per P, but no more than instances: a pool of one instance
	// on many cores is better served by one slot they all try than by an
	// instance that moves between slots through the locked path.
	nslots := max(1, min(goruntime.GOMAXPROCS(0), opts.MaxInstances))
	pool := &Pool{
		slots:   make([]poolSlot, nslots),
		hintArr: make([]slotHint, nslots),
		fast:    opts.MaxIdleTime == 0,
		plugin:  p,
		opts:    opts,
		idle:    make([]*pooled, 0, opts.MaxInstances),
		all:     make(map[*pooled]struct{}, opts.MaxInstances),
		drained: make(chan struct{}),
	}
	for i := range pool.hintArr {
		pool.hintArr[i].idx = i
	}
	pool.hints.New = func() any {
		return &pool.hintArr[(pool.nextHint.Add(1)-1)%uint32(nslots)]
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

// Stats returns the pool's counters. While calls run, instances move
// between slots without the pool's lock, so InUse and Idle are a close
// estimate; they are exact when the pool is quiet.
func (p *Pool) Stats() PoolStats {
	p.mu.Lock()
	st := p.stats
	parked := 0
	for i := range p.slots {
		sl := &p.slots[i]
		if sl.idle.Load() != nil {
			parked++
		}
		st.Calls += sl.calls.Load()
	}
	st.Instances = len(p.all)
	// A count taken while an instance moves from slot to slot can see it
	// twice.
	st.Idle = min(len(p.idle)+parked, st.Instances)
	st.InUse = st.Instances - st.Idle
	p.mu.Unlock()
	st.WaitDuration = time.Duration(p.waitTime.Load())
	return st
}

// The fast path (issue 9).
//
// Most calls find an idle instance and nobody waiting. For them acquire
// takes the instance parked in this P's slot (one Swap) and release parks
// it there again (one CompareAndSwap): no lock, and no cache line that all
// cores write, so that calls on two cores do not pass a line between them
// on every call; and an instance tends to stay on the core that last used
// it. Everything else (an empty slot, a caller in line, Close, an instance
// to close or recycle, MaxIdleTime) takes the locked path, which finds
// the instances parked in any slot too.
//
// An instance alive is, at any moment, on the idle stack (under mu),
// parked in a slot, or held by one goroutine: its borrower, or whoever
// took it out of a slot (an acquire, a release taking it back, Close)
// until it puts it somewhere. A parked instance belongs to whoever swaps
// it out of its slot.
//
// No caller waits while an instance is parked. The locked acquire adds 1
// to nwait (A), under mu; then it swaps every slot empty (B), and it joins
// the line only if B found nothing (and nothing else served it); nwait
// counts it until it is served or gives up. A release parks its instance
// (C), then loads nwait (D); if that is not 0, it swaps its slot empty and
// hands whatever that gave to the locked path, which serves the first in
// line. sync/atomic operations are sequentially consistent (the Go memory
// model), so take the moment A in their single order. An instance on the
// stack then is seen under mu. An instance held then is parked, if ever,
// by a release whose D comes after A: that release sees the caller and
// takes the instance back, unless another goroutine took it out of the
// slot first, and that one holds it now. An instance parked then is still
// in its slot when B looks there, unless a Swap took it out after A, and
// then that Swap's goroutine holds it, as before. So after B, while anyone
// is in line, no instance stays parked: each is held by a goroutine that
// will hand it to the locked path, and the line is served first come,
// first served, as without slots. A release checks nwait after parking
// only, never before: the check that closes the race is then the one that
// every release with callers in line goes through, and the tests see it.
// (An acquire of the fast path loads nwait before its Swap, to keep out of
// the line's way; the argument does not need it.)
//
// Close is the same argument with closed for nwait: Close stores closed
// (A) under mu and then swaps every slot empty (B), handing what it finds
// to the callers in line first (they came before Close, and the release
// of an instance parked while they wait is about to hand it on) and
// closing the rest; a release that parks (C) loads closed (D) and takes
// its instance back when set. An acquire
// that took an instance out of a slot loads closed after its Swap: if set,
// it hands the instance to the locked path (which closes it) and fails
// with ErrClosed; if not, its call began before Close, which waits for it:
// Close waits until no instance is alive and no call waits for one or
// creates one, since once closed is set every instance reaches the locked
// path or Close's own sweep, and is closed there.
//
// Counters: a call released into a slot is counted on that slot's own
// cache line (poolSlot.calls), and Stats sums them; Stats counts the
// parked instances idle by looking at the slots.

// acquire lends an instance: the one parked in this P's slot, else (on the
// locked path) one parked in another slot, an idle one from the stack (the
// most recently used), a new one while under MaxInstances, or the next one
// released, in the order the callers came.
func (p *Pool) acquire(ctx context.Context) (*pooled, error) {
	if !p.fast { // nothing parks (MaxIdleTime): no slot to find
		return p.acquireLocked(ctx)
	}
	h := p.hints.Get().(*slotHint)
	i := h.idx
	p.hints.Put(h)
	if p.nwait.Load() == 0 {
		if s := p.slots[i].idle.Swap(nil); s != nil {
			if p.closed.Load() { // parked before Close swept the slots
				p.put(s, stateOK, false)
				return nil, ErrClosed
			}
			s.slot = i
			return s, nil
		}
	}
	s, err := p.acquireLocked(ctx)
	if s != nil {
		s.slot = i
	}
	return s, err
}

// acquireLocked is acquire's locked path.
func (p *Pool) acquireLocked(ctx context.Context) (*pooled, error) {
	p.mu.Lock()
	if p.closed.Load() {
		p.mu.Unlock()
		return nil, ErrClosed
	}
	// Announce the caller before the slots are searched (see The fast
	// path). Parked instances were used last: they go before the stack.
	p.nwait.Add(1)
	s := p.steal()
	if n := len(p.idle); s == nil && n > 0 { // nobody is in line then
		s = p.idle[n-1]
		p.idle[n-1] = nil
		p.idle = p.idle[:n-1]
	}
	if s != nil {
		p.nwait.Add(-1)
		p.mu.Unlock()
		return s, nil
	}
	if err := ctx.Err(); err != nil {
		p.nwait.Add(-1)
		p.mu.Unlock()
		return nil, fmt.Errorf("waiting for an instance: %w", err)
	}
	p.pending++
	if p.open < p.opts.MaxInstances {
		p.nwait.Add(-1)
		p.open++
		p.mu.Unlock()
		return p.create(ctx)
	}
	w := p.waiterPool.Get().(*waiter)
	p.waiters = append(p.waiters, w) // counted in nwait since above
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

// steal takes the instances parked in the slots: the first for the
// caller, unless callers are in line, who are served first (a parked
// instance with callers in line is one whose release is about to take it
// back). p.mu is held, and nwait counts the caller.
func (p *Pool) steal() *pooled {
	if !p.fast {
		return nil
	}
	for i := range p.slots {
		s := p.slots[i].idle.Swap(nil)
		switch {
		case s == nil:
		case len(p.waiters) == 0:
			return s
		default:
			p.handOff(s)
		}
	}
	return nil
}

// giveUp takes a waiter whose context ended out of the line; an instance
// (or the right to create one) granted meanwhile is handed on.
func (p *Pool) giveUp(ctx context.Context, w *waiter, start time.Time) error {
	err := fmt.Errorf("waiting for an instance: %w", ctx.Err())
	p.mu.Lock()
	if p.dequeue(w) {
		p.pending--
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
		p.pending--
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
	p.pending--
	p.checkDrained()
	p.mu.Unlock()
}

// create makes an instance in a slot already counted in p.open, and lends it.
func (p *Pool) create(ctx context.Context) (*pooled, error) {
	in, err := p.plugin.Instantiate(ctx)
	p.mu.Lock()
	p.pending--
	if err != nil {
		p.open--
		p.grantSlot() // the next in line tries in our place
		p.checkDrained()
		p.mu.Unlock()
		return nil, err
	}
	p.stats.Created++
	if p.killed {
		p.stats.Closed++
		p.open--
		p.checkDrained()
		p.mu.Unlock()
		_ = in.Close(context.WithoutCancel(ctx))
		return nil, ErrClosed
	}
	s := &pooled{in: in}
	p.all[s] = struct{}{}
	p.mu.Unlock()
	return s, nil
}

// release takes back an instance lent by acquire: it parks in the
// borrower's slot when it can (see The fast path); else it goes to the
// first caller in line, else to the idle stack, unless it must be closed.
func (p *Pool) release(s *pooled, st instState) {
	s.calls++
	if st == stateOK && p.fast && (p.opts.MaxCallsPerInstance == 0 || s.calls < p.opts.MaxCallsPerInstance) {
		sl := &p.slots[s.slot]
		if sl.idle.CompareAndSwap(nil, s) {
			sl.calls.Add(1)
			// Checked after parking, not before: see The fast path.
			if p.nwait.Load() != 0 || p.closed.Load() {
				if s := sl.idle.Swap(nil); s != nil {
					p.put(s, stateOK, false)
				}
			}
			return
		}
	}
	p.put(s, st, true)
}

// put is release's locked path; used counts the borrow as a call (an
// instance granted to a caller that gave up, or taken back from a slot,
// was not used or was counted already).
func (p *Pool) put(s *pooled, st instState, used bool) {
	drop := st != stateOK || (p.opts.MaxCallsPerInstance > 0 && s.calls >= p.opts.MaxCallsPerInstance)
	p.mu.Lock()
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
		if !p.grantSlot() && !p.closed.Load() && p.open < p.opts.MinIdle {
			p.topUp()
		}
	case len(p.waiters) > 0:
		p.handOff(s)
		s = nil
	case p.closed.Load():
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

// popWaiter takes the first caller out of the line; p.mu is held.
func (p *Pool) popWaiter() *waiter {
	w := p.waiters[0]
	p.waiters = p.waiters[:copy(p.waiters, p.waiters[1:])]
	p.nwait.Add(-1)
	return w
}

// handOff lends s to the first caller in line; p.mu is held.
func (p *Pool) handOff(s *pooled) {
	p.pending--
	p.popWaiter().ch <- grant{s: s}
}

// grantSlot gives a free slot of MaxInstances to the first caller in line,
// to create an instance in; p.mu is held.
func (p *Pool) grantSlot() bool {
	if len(p.waiters) == 0 || p.open >= p.opts.MaxInstances {
		return false
	}
	p.open++
	p.popWaiter().ch <- grant{create: true}
	return true
}

// dequeue removes w from the line if it is still in it; p.mu is held.
func (p *Pool) dequeue(w *waiter) bool {
	for i, x := range p.waiters {
		if x == w {
			p.waiters = append(p.waiters[:i], p.waiters[i+1:]...)
			p.nwait.Add(-1)
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
			p.handOff(s)
			in = nil
		case p.closed.Load():
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
	if p.opts.MaxIdleTime <= 0 || p.armed || p.closed.Load() || len(p.idle) <= p.opts.MinIdle {
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
// keeping MinIdle. (With MaxIdleTime no instance is parked in a slot: all
// idle ones are on the stack.)
func (p *Pool) expire() {
	now := time.Now()
	var old []*pooled
	p.mu.Lock()
	p.armed = false
	if p.closed.Load() {
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

// checkDrained signals Close when no call is left: none waits or creates,
// and every instance was closed (a call in flight holds one); p.mu is held.
func (p *Pool) checkDrained() {
	if p.closed.Load() && p.pending == 0 && len(p.all) == 0 && !p.dclosed {
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
		p.closed.Store(true)
		idle := p.idle
		p.idle = nil
		for i := range p.slots { // after closed is set (see The fast path)
			switch s := p.slots[i].idle.Swap(nil); {
			case s == nil:
			case len(p.waiters) > 0: // its release was about to hand it on
				p.handOff(s)
			default:
				idle = append(idle, s)
			}
		}
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
	p.nwait.Add(-int32(len(p.waiters)))
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
