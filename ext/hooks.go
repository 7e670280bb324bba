package ext

import (
	"context"
	"errors"
	"fmt"
	goruntime "runtime"
	"sync/atomic"
	"time"

	"github.com/tendril-wasm/tendril/codec"
	"github.com/tendril-wasm/tendril/codec/json"
)

// Mode is how a hook dispatches an event to its handlers.
type Mode uint8

const (
	// Notify calls every handler, concurrently, and collects each one's
	// result or error. (The caller's goroutine starts on them; if they are
	// not all done within 100µs, more goroutines join: see
	// HookOptions.Concurrency.)
	Notify Mode = iota + 1
	// Filter passes a value through the handlers in order, each returning
	// the new value; a handler that fails is skipped (reported) and the
	// chain goes on with the last good value.
	Filter
	// FirstWins calls the handlers in order and stops at the first that
	// answers (returns output); a handler that returns nothing, or fails,
	// passes the turn. A veto is an answer such as {"deny": "reason"}.
	FirstWins
)

func (m Mode) String() string {
	switch m {
	case Notify:
		return "notify"
	case Filter:
		return "filter"
	case FirstWins:
		return "first-wins"
	}
	return fmt.Sprintf("Mode(%d)", uint8(m))
}

// HookOptions configure a hook. The zero value means the defaults.
type HookOptions struct {
	// Timeout bounds each handler's call; 0 means only the caller's context
	// does. A handler past it is stopped (its instance discarded) and
	// reported; the others go on.
	Timeout time.Duration
	// Codec encodes events and decodes results. Nil means each plug-in's
	// declared codec (Metadata.Codec, found in Options.Codecs), else JSON.
	Codec codec.Codec
	// Concurrency bounds the handlers a Notify hook runs at once. 0 means
	// GOMAXPROCS; a negative value means all of them. A hanging handler
	// holds one of these slots until Timeout stops it.
	Concurrency int
}

// Hook is an event of the application that plug-ins handle: the handlers of
// a hook named "on_save" are the registered plug-ins that export a function
// "on_save" (found from their exports, without calling them), called in
// order of priority (lower first), then name. A plug-in that fails, hangs
// past the timeout or traps is reported in the Result and never blocks or
// corrupts the others; a broken instance is discarded.
//
// Event is what the application sends; Result what a handler returns. A
// hook is safe for concurrent use; it reads the registry's handlers at each
// Fire, so plug-ins registered, unregistered or reloaded later count.
type Hook[Event, Result any] struct {
	reg  *Registry
	name string
	mode Mode
	opts HookOptions
}

// NewNotify makes a hook that calls every handler concurrently.
func NewNotify[Event, Result any](r *Registry, name string, opts HookOptions) *Hook[Event, Result] {
	return &Hook[Event, Result]{reg: r, name: name, mode: Notify, opts: opts}
}

// NewFilter makes a hook that passes a value through its handlers in order.
func NewFilter[T any](r *Registry, name string, opts HookOptions) *Hook[T, T] {
	return &Hook[T, T]{reg: r, name: name, mode: Filter, opts: opts}
}

// NewFirstWins makes a hook that stops at the first handler that answers.
func NewFirstWins[Event, Result any](r *Registry, name string, opts HookOptions) *Hook[Event, Result] {
	return &Hook[Event, Result]{reg: r, name: name, mode: FirstWins, opts: opts}
}

// Name is the hook's name: the function its handlers export.
func (h *Hook[E, R]) Name() string { return h.name }

// Mode is the hook's dispatch mode.
func (h *Hook[E, R]) Mode() Mode { return h.mode }

// Handlers names the plug-ins that handle the hook now, in dispatch order.
func (h *Hook[E, R]) Handlers() []string {
	ps := h.reg.handlers(h.name)
	names := make([]string, len(ps))
	for i, p := range ps {
		names[i] = p.name
	}
	return names
}

// Result is what a Fire did.
type Result[R any] struct {
	// Value is, for Filter, the value after the chain; for FirstWins, the
	// winner's answer; for Notify, the zero value.
	Value R
	// Winner is the plug-in whose answer won (FirstWins), or "".
	Winner string
	// Outcomes say what each handler did, in dispatch order.
	Outcomes []Outcome[R]
}

// Outcome is what one handler did.
type Outcome[R any] struct {
	Plugin string
	// Value is the handler's answer (for Filter, the value it passed on);
	// valid when Answered.
	Value R
	// Answered: the handler returned output and it decoded. A handler that
	// returns nothing has no answer: Notify records it, Filter keeps the
	// value as it was, FirstWins asks the next handler.
	Answered bool
	// Err is why the call failed: the plug-in's error, a trap, a timeout
	// (errors.Is(err, context.DeadlineExceeded)), or output the codec
	// refused. A failed handler's answer is ignored.
	Err error
	// Duration is the time the call took, output decoding included.
	Duration time.Duration
	// Skipped: the handler was not called (FirstWins after the winner, or
	// the caller's context was done before its turn).
	Skipped bool
}

// Err joins the handlers' errors; nil when none failed.
func (r *Result[R]) Err() error {
	var errs []error
	for _, o := range r.Outcomes {
		if o.Err != nil {
			errs = append(errs, o.Err)
		}
	}
	return errors.Join(errs...)
}

// Outcome returns the outcome of the plug-in name.
func (r *Result[R]) Outcome(name string) (Outcome[R], bool) {
	for _, o := range r.Outcomes {
		if o.Plugin == name {
			return o, true
		}
	}
	return Outcome[R]{}, false
}

// Fire sends ev to the hook's handlers. Its error is only for what stops the
// whole dispatch (an event the codec cannot encode); what each plug-in did,
// failures included, is in the Result.
func (h *Hook[E, R]) Fire(ctx context.Context, ev E) (*Result[R], error) {
	ps := h.reg.handlers(h.name)
	var res *Result[R]
	if len(ps) == 1 { // one allocation for both
		r1 := &struct {
			r Result[R]
			o [1]Outcome[R]
		}{}
		res = &r1.r
		res.Outcomes = r1.o[:]
	} else {
		res = &Result[R]{Outcomes: make([]Outcome[R], len(ps))}
	}
	if len(ps) == 0 {
		if h.mode == Filter {
			res.Value = any(ev).(R)
		}
		return res, nil
	}
	var enc encodings
	defer enc.free()
	switch h.mode {
	case Notify:
		box := any(ev) // once: the codecs take an any
		// Encode for every codec first, so that the goroutines only read.
		for _, p := range ps {
			if _, err := enc.get(h.codecOf(p), box); err != nil {
				return nil, err
			}
		}
		h.notify(ctx, ps, &enc, box, res.Outcomes)
	case Filter:
		val := any(ev).(R)
		for i, p := range ps {
			o := &res.Outcomes[i]
			if h.skip(ctx, p, o) {
				continue
			}
			enc.free() // the value changes at each stage
			if h.call(ctx, p, &enc, any(val), o) {
				val = o.Value
			}
		}
		res.Value = val
	case FirstWins:
		box := any(ev)
		for i, p := range ps {
			o := &res.Outcomes[i]
			if res.Winner != "" || h.skip(ctx, p, o) {
				o.Plugin, o.Skipped = p.name, true
				continue
			}
			if h.call(ctx, p, &enc, box, o) {
				res.Value, res.Winner = o.Value, p.name
			}
		}
	}
	return res, nil
}

// inlineBudget is how long Notify's caller runs handlers alone before
// helpers join: most handlers take microseconds, and a goroutine handed to
// another thread costs more than that (see RATIONALE.md).
const inlineBudget = 100 * time.Microsecond

// notify runs every handler: the caller takes them in turn; if they are not
// all done within inlineBudget (a slow or hanging one), up to
// concurrency()-1 goroutines take the rest. Fire waits only for handlers
// that were started, never for a helper that found nothing left to do.
func (h *Hook[E, R]) notify(ctx context.Context, ps []*Plugin, enc *encodings, ev any, outs []Outcome[R]) {
	if len(ps) == 1 {
		h.call(ctx, ps[0], enc, ev, &outs[0])
		return
	}
	n := int64(len(ps))
	var next, done atomic.Int64
	finished := make(chan struct{})
	work := func() {
		for i := next.Add(1) - 1; i < n; i = next.Add(1) - 1 {
			h.call(ctx, ps[i], enc, ev, &outs[i])
			if done.Add(1) == n {
				close(finished)
			}
		}
	}
	if helpers := min(h.concurrency(), len(ps)) - 1; helpers > 0 {
		t := time.AfterFunc(inlineBudget, func() {
			for range helpers {
				go work()
			}
		})
		defer t.Stop()
	}
	work()
	<-finished
}

// skip records a handler whose turn came after the caller's context ended.
func (h *Hook[E, R]) skip(ctx context.Context, p *Plugin, o *Outcome[R]) bool {
	if err := ctx.Err(); err != nil {
		o.Plugin, o.Skipped, o.Err = p.name, true, fmt.Errorf("ext: hook %q: plugin %q not called: %w", h.name, p.name, err)
		return true
	}
	return false
}

// call runs one handler and records its outcome; it reports whether the
// handler answered.
func (h *Hook[E, R]) call(ctx context.Context, p *Plugin, enc *encodings, ev any, o *Outcome[R]) bool {
	o.Plugin = p.name
	c := h.codecOf(p)
	in, err := enc.get(c, ev)
	if err != nil {
		o.Err = err
		return false
	}
	if h.opts.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, h.opts.Timeout)
		defer cancel()
	}
	fn, err := p.Function(h.name)
	if err == nil {
		o.Duration, err = p.invoke(ctx, fn, in, func(out []byte) error {
			if len(out) == 0 {
				return nil
			}
			if err := c.Unmarshal(out, &o.Value); err != nil {
				return &CodecError{Plugin: p.name, Function: h.name, Err: err}
			}
			o.Answered = true
			return nil
		})
	}
	if err != nil {
		var zero R
		o.Err, o.Value, o.Answered = err, zero, false
	}
	return o.Answered
}

func (h *Hook[E, R]) concurrency() int {
	switch c := h.opts.Concurrency; {
	case c < 0:
		return int(^uint(0) >> 1)
	case c == 0:
		return goruntime.GOMAXPROCS(0)
	default:
		return c
	}
}

// codecOf is the codec the hook speaks with p.
func (h *Hook[E, R]) codecOf(p *Plugin) codec.Codec {
	if h.opts.Codec != nil {
		return h.opts.Codec
	}
	if v := p.cur.Load(); v != nil && v.codec != nil {
		return v.codec
	}
	return json.Codec{}
}

// encodings holds an event encoded once per codec (usually one).
type encodings struct {
	n     int
	first [2]encoding
	more  []encoding
}

// free gives the buffers back and empties e.
func (e *encodings) free() {
	for i := 0; i < e.n; i++ {
		if x := e.at(i); x.bp != nil {
			*x.bp = keep(*x.bp)
			buffers.Put(x.bp)
		}
	}
	*e = encodings{}
}

type encoding struct {
	c   codec.Codec
	b   []byte
	err error
	bp  *[]byte // b's buffer, from the package's buffers
}

// get returns ev encoded with c, encoding it on first use. It must not run
// concurrently with itself for a new codec (Fire encodes before it fans out).
func (e *encodings) get(c codec.Codec, ev any) ([]byte, error) {
	for i := 0; i < e.n; i++ {
		if x := e.at(i); x.c.Name() == c.Name() {
			return x.b, x.err
		}
	}
	bp := buffers.Get().(*[]byte)
	b, err := c.AppendMarshal((*bp)[:0], ev)
	*bp = b
	if err != nil {
		err = fmt.Errorf("ext: event: %w", err)
	}
	x := encoding{c: c, b: b, err: err, bp: bp}
	if e.n < len(e.first) {
		e.first[e.n] = x
	} else {
		e.more = append(e.more, x)
	}
	e.n++
	return b, err
}

func (e *encodings) at(i int) *encoding {
	if i < len(e.first) {
		return &e.first[i]
	}
	return &e.more[i-len(e.first)]
}
