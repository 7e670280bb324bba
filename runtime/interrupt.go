package runtime

import (
	"context"
	"sync"
	"time"

	"github.com/tetratelabs/wazero/api"
)

// interrupter stops a running guest: every module of an instance is
// instrumented (internal/wasmbin) to trap at the next function entry or loop
// header once its interrupt flag is set. A call whose context cannot be done
// and that has no timeout arms nothing and costs nothing.
type interrupter struct {
	flags []api.MutableGlobal

	active  bool // armed by this call (touched only by the calling goroutine)
	timer   *time.Timer
	stopCtx func() bool

	mu       sync.Mutex
	armed    bool
	gen      uint64    // counts armed calls: a callback fires only for its own
	deadline time.Time // of the armed call's timeout; zero if it has none
	cause    error
	killed   bool
	wake     chan struct{} // wakes a guest sleeping in WASI poll_oneoff
}

func (t *interrupter) arm(ctx context.Context, timeout time.Duration) {
	done := ctx.Done()
	if timeout <= 0 && done == nil {
		return
	}
	t.mu.Lock()
	t.armed, t.cause = true, nil
	t.gen++
	gen := t.gen
	t.deadline = time.Time{}
	if timeout > 0 {
		t.deadline = time.Now().Add(timeout)
	}
	if t.wake == nil {
		t.wake = make(chan struct{}, 1)
	}
	select {
	case <-t.wake:
	default:
	}
	t.mu.Unlock()
	t.active = true
	if timeout > 0 {
		if t.timer == nil {
			t.timer = time.AfterFunc(timeout, t.onTimeout)
		} else {
			t.timer.Reset(timeout)
		}
	}
	if done != nil {
		t.stopCtx = context.AfterFunc(ctx, func() { t.fire(gen, ctx.Err()) })
	}
}

// onTimeout runs on the reused timer: a late run from an earlier call finds
// the current call's deadline not yet passed.
func (t *interrupter) onTimeout() {
	t.mu.Lock()
	defer t.mu.Unlock()
	if !t.armed || t.cause != nil || t.deadline.IsZero() || time.Now().Before(t.deadline) {
		return
	}
	t.fireLocked(context.DeadlineExceeded)
}

// fire sets the flags, once per armed call, if call gen is still the armed one.
func (t *interrupter) fire(gen uint64, cause error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if !t.armed || t.cause != nil || gen != t.gen {
		return
	}
	t.fireLocked(cause)
}

func (t *interrupter) fireLocked(cause error) {
	t.cause = cause
	for _, g := range t.flags {
		g.Set(1)
	}
	select {
	case t.wake <- struct{}{}:
	default:
	}
}

// disarm ends the call's watch and returns why it was interrupted, if it was.
func (t *interrupter) disarm() error {
	if !t.active {
		return nil
	}
	t.active = false
	if t.timer != nil {
		t.timer.Stop()
	}
	if t.stopCtx != nil {
		t.stopCtx()
		t.stopCtx = nil
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	t.armed = false
	cause := t.cause
	if cause != nil {
		for _, g := range t.flags { // the guest may have returned before it saw them
			g.Set(0)
		}
	}
	return cause
}

// kill stops the guest for good, armed or not (Close during a call).
func (t *interrupter) kill() {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.killed = true
	for _, g := range t.flags {
		g.Set(1)
	}
	if t.wake == nil {
		t.wake = make(chan struct{}, 1)
	}
	select {
	case t.wake <- struct{}{}:
	default:
	}
}

func (t *interrupter) wasKilled() bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.killed
}

// sleep is the instance's WASI nanosleep: it returns early when interrupted.
func (t *interrupter) sleep(ns int64) {
	t.mu.Lock()
	if t.wake == nil {
		t.wake = make(chan struct{}, 1)
	}
	wake := t.wake
	interrupted := t.cause != nil || t.killed
	t.mu.Unlock()
	if interrupted || ns <= 0 {
		return
	}
	timer := time.NewTimer(time.Duration(ns))
	defer timer.Stop()
	select {
	case <-timer.C:
	case <-wake: // nil (blocks forever) when never armed
	}
}

func (t *interrupter) close() {
	if t.timer != nil {
		t.timer.Stop()
	}
}
