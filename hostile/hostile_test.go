package hostile_test

import (
	"context"
	"errors"
	"fmt"
	goruntime "runtime"
	"strings"
	"testing"
	"time"

	"github.com/tendril-wasm/tendril/runtime"
)

// stage is where a hostile case must be stopped.
type stage int

const (
	// atCall: the plug-in compiles and instantiates; the call must end with
	// the expected error (or benign result).
	atCall stage = iota
	// atLoad: Compile or Instantiate must refuse the plug-in.
	atLoad
)

// step is a call made before the hostile one, on the same instance.
type step struct {
	fn    string
	input []byte
}

// hostileCase is one attack. Later issues (pools, hooks, a registry) add rows
// to the table in cases_test.go, or fields here for what they need.
type hostileCase struct {
	name  string
	wat   string // testdata/<wat>.wat
	setup func(m *runtime.Manifest, o *runtime.PluginOptions)
	share string // cases with the same non-empty share key (same wat and setup) reuse one CompiledPlugin

	prep  []step // calls made first on the same instance; their results are not checked
	fn    string
	input []byte
	stage stage

	timeout     time.Duration // a deadline on the hostile step's context; 0: none
	cancelAfter time.Duration // cancel the hostile step's context after this; 0: never
	during      func()        // runs beside the hostile call (in its own goroutine), e.g. a GC

	want     matcher
	broken   bool          // afterwards the instance must refuse calls with ErrBroken, at once
	noRepeat bool          // for a case that must not break: skip the second, identical call
	bound    time.Duration // the hostile step must end within it, stretched by the load (lag_test.go); 0: defaultBound
	check    func(t *testing.T, r *result)
}

// defaultBound is how long an attack that should be refused at once may take
// (under -race, on 2 cores, with the neighbour hammering beside it).
const defaultBound = 2 * time.Second

// result is what a check function sees of a case.
type result struct {
	out        []byte
	err        error
	inst       *runtime.Instance       // nil when the case stopped at load
	plugin     *runtime.CompiledPlugin // nil when the case stopped at Compile
	elapsed    time.Duration
	heapBefore uint64   // live heap before the case (after GC), when the case has a check
	rssBefore  uint64   // resident memory before the case, when the case has a check
	hits       [2]int64 // requests the allowed and the denied server had received before the case
}

// outcome is one line of the suite's report.
type outcome struct {
	name    string
	ok      bool
	benign  bool
	elapsed time.Duration
	err     string
}

func TestHostile(t *testing.T) {
	e := newEnv(t)
	cases := hostileCases(t, e)
	compiled := map[string]*runtime.CompiledPlugin{}
	t.Cleanup(func() {
		for _, p := range compiled {
			_ = p.Close(context.Background())
		}
	})

	var report []outcome
	seen := map[string]bool{}
	for _, c := range cases {
		if seen[c.name] {
			t.Fatalf("two cases are named %q", c.name)
		}
		seen[c.name] = true
		o := outcome{name: c.name, benign: c.want.benign}
		ran := false
		t.Run(c.name, func(t *testing.T) {
			ran = true
			defer func() { o.ok = !t.Failed() }()
			o.elapsed, o.err = runCase(t, e, c, compiled)
		})
		if ran { // not filtered out by -run
			report = append(report, o)
		}
	}

	var ok, benign int
	var failed []string
	for _, o := range report {
		status := "ok  "
		if !o.ok {
			status = "FAIL"
			failed = append(failed, o.name)
		} else {
			ok++
			if o.benign {
				benign++
			}
		}
		t.Logf("%s %-40s %9s  %s", status, o.name, o.elapsed.Round(100*time.Microsecond), o.err)
	}
	if !e.checkNeighbour(t, "at the end of the suite") {
		t.Error("the neighbour instance was affected")
	}
	t.Logf("hostile suite: %d cases, %d ended with the expected error, host alive (%d of them with a documented benign result)",
		len(report), ok, benign)
	if ok != len(report) {
		t.Errorf("hostile suite: %d of %d cases did not end as expected: %s", len(report)-ok, len(report), strings.Join(failed, ", "))
	}
}

// runCase runs one attack and returns how long the hostile step took and
// its error (for the report).
func runCase(t *testing.T, e *env, c hostileCase, compiled map[string]*runtime.CompiledPlugin) (time.Duration, string) {
	ctx := context.Background()
	e.checkNeighbour(t, "before")
	goroutines := goruntime.NumGoroutine()
	bound := c.bound
	if bound == 0 {
		bound = defaultBound
	}
	r := &result{}
	if c.check != nil {
		r.heapBefore, r.rssBefore = heapAlloc(), rssBytes()
	}
	logsBefore := e.logs.n.Load()
	r.hits = [2]int64{e.allowedHits.Load(), e.deniedHits.Load()}

	m := runtime.Manifest{Wasm: []runtime.WasmSource{{Data: wasm(t, c.wat), Name: c.wat}}}
	var opts runtime.PluginOptions
	if c.setup != nil {
		c.setup(&m, &opts)
	}
	// stepCtx is the hostile step's context: a plain Background one (as
	// most applications pass) unless the case sets a deadline or a cancel.
	stepCtx := func() (context.Context, context.CancelFunc) {
		switch {
		case c.timeout > 0:
			return context.WithTimeout(ctx, c.timeout)
		case c.cancelAfter > 0:
			sctx, cancel := context.WithCancel(ctx)
			stop := time.AfterFunc(c.cancelAfter, cancel)
			return sctx, func() { stop.Stop(); cancel() }
		}
		return ctx, func() {}
	}

	// Load.
	var abandoned bool
	var p *runtime.CompiledPlugin
	var err error
	start := time.Now()
	loadLag := startLagMeter()
	if c.share != "" && compiled[c.share] != nil {
		p = compiled[c.share]
	} else {
		p, err = e.rt.Compile(ctx, m, opts)
		if err == nil && c.share != "" {
			compiled[c.share] = p
		} else if err == nil {
			defer func() {
				if abandoned {
					return
				}
				if err := p.Close(ctx); err != nil {
					t.Errorf("CompiledPlugin.Close: %v", err)
				}
			}()
		}
	}
	if err == nil {
		sctx, cancel := ctx, context.CancelFunc(func() {})
		if c.stage == atLoad {
			sctx, cancel = stepCtx()
		}
		var failure string
		r.plugin = p
		r.elapsed, failure = bounded(t, bound, "Instantiate", func() { r.inst, err = p.Instantiate(sctx) })
		cancel()
		if failure != "" {
			loadLag.done()
			abandoned = true
			return r.elapsed, failure
		}
		if r.inst != nil {
			defer func() {
				if abandoned {
					return // its guest is still running: closing it would race
				}
				if err := r.inst.Close(ctx); err != nil {
					t.Errorf("Instance.Close: %v", err)
				}
			}()
		}
	}
	lag := loadLag.done()
	if c.stage == atLoad {
		r.elapsed = time.Since(start)
		r.err = err
		if err == nil {
			t.Errorf("the plug-in loaded; want %s at Compile or Instantiate", c.want.desc)
		} else if merr := c.want.match(nil, err); merr != nil {
			t.Errorf("load: %v\nwant %s", merr, c.want.desc)
		}
		if msg := overBound(r.elapsed, bound, lag); msg != "" {
			t.Errorf("load %s", msg)
		}
		return finish(t, e, c, r, goroutines, logsBefore)
	}
	if err != nil {
		t.Fatalf("load: %v", err)
	}

	// Prepare, then attack while the neighbour keeps working.
	for _, s := range c.prep {
		if _, err := r.inst.Call(ctx, s.fn, s.input); err != nil {
			t.Logf("prep %s: %v", s.fn, err)
		}
	}
	stop := make(chan struct{})
	hammer := e.hammerNeighbour(stop)
	sctx, cancel := stepCtx()
	duringDone := make(chan struct{})
	go func() {
		defer close(duringDone)
		if c.during != nil {
			c.during()
		}
	}()
	var failure string
	meter := startLagMeter()
	r.elapsed, failure = bounded(t, bound, c.fn, func() {
		out, err := r.inst.Call(sctx, c.fn, c.input)
		r.out, r.err = append([]byte(nil), out...), err
		if out == nil {
			r.out = nil
		}
	})
	lag = meter.done()
	cancel()
	<-duringDone
	close(stop)
	if h := <-hammer; h[1] != 0 {
		t.Errorf("neighbour during the attack: %d of %d calls gave a wrong result", h[1], h[0])
	}
	if failure != "" {
		abandoned = true
		return r.elapsed, failure
	}
	if merr := c.want.match(r.out, r.err); merr != nil {
		t.Errorf("%s: %v\nwant %s", c.fn, merr, c.want.desc)
	}
	if msg := overBound(r.elapsed, bound, lag); msg != "" {
		t.Errorf("%s %s", c.fn, msg)
	}

	// A broken instance never runs guest code again; one that is not broken
	// still serves, and the same attack ends the same way.
	if c.broken {
		b := r.inst.Broken()
		if !errors.Is(b, runtime.ErrBroken) {
			t.Errorf("Broken() = %v, want an error wrapping ErrBroken", b)
		}
		meter := startLagMeter()
		t0 := time.Now()
		out, err := r.inst.Call(ctx, c.fn, c.input)
		d, lag := time.Since(t0), meter.done()
		if !errors.Is(err, runtime.ErrBroken) || out != nil {
			t.Errorf("next call: %q, %v; want ErrBroken", out, err)
		}
		if msg := overBound(d, 50*time.Millisecond, lag); msg != "" {
			t.Errorf("next call: want ErrBroken at once, without running the guest: it %s", msg)
		}
	} else {
		if b := r.inst.Broken(); b != nil {
			t.Errorf("Broken() = %v, want nil: this failure must not break the instance", b)
		}
		if !c.noRepeat {
			sctx, cancel := stepCtx()
			out, err := r.inst.Call(sctx, c.fn, c.input)
			cancel()
			if merr := c.want.match(out, err); merr != nil {
				t.Errorf("second call: %v", merr)
			}
		}
	}
	return finish(t, e, c, r, goroutines, logsBefore)
}

// finish runs the case's own checks, then checks the neighbour and the
// goroutines once the instance is closed (by runCase's deferred calls, so the
// goroutine check runs in a cleanup of its own).
func finish(t *testing.T, e *env, c hostileCase, r *result, goroutines int, logsBefore int64) (time.Duration, string) {
	if c.check != nil {
		c.check(t, r)
	}
	if n := e.logs.n.Load() - logsBefore; n != 0 && c.wat == "abi" {
		t.Errorf("%d log records reached the host from bogus handles", n)
	}
	t.Cleanup(func() {
		e.checkNeighbour(t, "after")
		settleGoroutines(t, goroutines)
	})
	msg := "<nil>"
	if r.err != nil {
		msg = r.err.Error()
		if len(msg) > 160 {
			msg = msg[:160] + "..."
		}
	}
	return r.elapsed, msg
}

// bounded runs f, giving it bound plus a grace of 30 s before abandoning it
// (its goroutine then keeps running: a hostile plug-in that cannot be
// stopped). A panic is recovered, so that the suite goes on, and reported as
// the host crash it would be in an application. bounded returns how long f
// ran and, when it did not return normally, "abandoned" or "PANIC: ...".
func bounded(t *testing.T, bound time.Duration, what string, f func()) (time.Duration, string) {
	t.Helper()
	done := make(chan struct{})
	start := time.Now()
	var crash any
	go func() {
		defer close(done)
		defer func() { crash = recover() }()
		f()
	}()
	select {
	case <-done:
		if crash != nil {
			t.Errorf("%s PANICKED: this would crash the host (the panic crossed into the application): %v", what, crash)
			return time.Since(start), fmt.Sprintf("PANIC: %v", crash)
		}
		return time.Since(start), ""
	case <-time.After(bound + 30*time.Second): // a hang, not a slow machine
		t.Errorf("%s still running %v after it started (bound %v): abandoned, it keeps burning a CPU", what, time.Since(start), bound)
		return time.Since(start), "abandoned"
	}
}
