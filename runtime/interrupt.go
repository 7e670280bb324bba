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
// arms nothing and costs nothing.
type interrupter struct {
	flags []api.MutableGlobal

	stopCtx func() bool // touched only by the calling goroutine

	mu     sync.Mutex
	armed  bool
	gen    uint64 // counts armed calls: a callback fires only for its own
	cause  error
	killed bool
	wake   chan struct{} // wakes a guest sleeping in WASI poll_oneoff
}

// arm watches ctx for the call about to run.
func (t *interrupter) arm(ctx context.Context) {
	if ctx.Done() == nil {
		return
	}
	t.mu.Lock()
	t.armed, t.cause = true, nil
	t.gen++
	gen := t.gen
	t.wakeChan()
	select {
	case <-t.wake:
	default:
	}
	t.mu.Unlock()
	t.stopCtx = context.AfterFunc(ctx, func() { t.fire(gen, ctx.Err()) })
}

// fire sets the flags, once per armed call, if call gen is still the armed one.
func (t *interrupter) fire(gen uint64, cause error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if !t.armed || t.cause != nil || gen != t.gen {
		return
	}
	t.cause = cause
	t.raise()
}

// fireNow is fire for the armed call, from the calling goroutine: a host
// function that returns with the call's context done raises the flags
// before the guest runs again, so that the guest stops at its next check
// (right after the import) rather than whenever the context's AfterFunc
// runs, which a loaded machine delays.
func (t *interrupter) fireNow(cause error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if !t.armed || t.cause != nil {
		return
	}
	t.cause = cause
	t.raise()
}

// raise sets every flag and wakes a sleeping guest; t.mu is held.
func (t *interrupter) raise() {
	for _, g := range t.flags {
		g.Set(1)
	}
	select {
	case t.wakeChan() <- struct{}{}:
	default:
	}
}

func (t *interrupter) wakeChan() chan struct{} {
	if t.wake == nil {
		t.wake = make(chan struct{}, 1)
	}
	return t.wake
}

// disarm ends the call's watch and returns why it was interrupted, if it was.
func (t *interrupter) disarm() error {
	if t.stopCtx == nil {
		return nil
	}
	t.stopCtx()
	t.stopCtx = nil
	t.mu.Lock()
	defer t.mu.Unlock()
	t.armed = false
	cause := t.cause
	if cause != nil && !t.killed {
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
	t.raise()
}

func (t *interrupter) wasKilled() bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.killed
}

// sleep is the instance's WASI nanosleep: it returns early when interrupted.
func (t *interrupter) sleep(ns int64) {
	t.mu.Lock()
	wake := t.wakeChan()
	interrupted := t.cause != nil || t.killed
	t.mu.Unlock()
	if interrupted || ns <= 0 {
		return
	}
	timer := time.NewTimer(time.Duration(ns))
	defer timer.Stop()
	select {
	case <-timer.C:
	case <-wake:
	}
}
