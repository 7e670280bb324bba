package runtime_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	goruntime "runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tendril-wasm/tendril/runtime"
)

// checkHost is the host function of testdata/pool.wat: "fatal..." breaks
// the instance, "fail..." is an error the guest leaves unhandled, anything
// else comes back as "ok:" + input.
var checkHost = runtime.NewHostFunction("check", func(_ context.Context, _ *runtime.Caller, in []byte) ([]byte, error) {
	switch {
	case bytes.HasPrefix(in, []byte("fatal")):
		return nil, runtime.Fatal(fmt.Errorf("check: %s", in))
	case bytes.HasPrefix(in, []byte("fail")):
		return nil, fmt.Errorf("check: %s", in)
	}
	return append([]byte("ok:"), in...), nil
})

// poolPlugin compiles testdata/pool.wasm (see pool.wat) in a fresh Runtime.
func poolPlugin(t testing.TB, m runtime.Manifest) *runtime.CompiledPlugin {
	t.Helper()
	m.Wasm = []runtime.WasmSource{{Path: filepath.Join("testdata", "pool.wasm")}}
	return compile(t, newRuntime(t, runtime.Options{}), m, runtime.PluginOptions{
		WASI: true, HostFunctions: []runtime.HostFunction{checkHost},
	})
}

// newPool makes a pool closed when the test ends.
func newPool(t testing.TB, p *runtime.CompiledPlugin, opts runtime.PoolOptions) *runtime.Pool {
	t.Helper()
	pool, err := p.NewPool(context.Background(), opts)
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, pool.Close(context.Background())) })
	return pool
}

// requireAccounted checks that every instance the pool created is accounted for.
func requireAccounted(t testing.TB, st runtime.PoolStats) {
	t.Helper()
	require.Equal(t, st.InUse+st.Idle, st.Instances, "%+v", st)
	require.Equal(t, st.Created, uint64(st.Instances)+st.Discarded+st.Recycled+st.IdleClosed+st.Closed, "%+v", st)
}

// TestWATFixtures rebuilds every testdata/*.wat with wat2wasm, when it is
// installed, and checks that the committed .wasm beside it matches.
func TestWATFixtures(t *testing.T) {
	tool, err := exec.LookPath("wat2wasm")
	if err != nil {
		t.Skip("wat2wasm not installed (Debian: wabt); the committed .wasm files are used as they are")
	}
	wats, err := filepath.Glob(filepath.Join("testdata", "*.wat"))
	require.NoError(t, err)
	require.NotEmpty(t, wats)
	for _, wat := range wats {
		t.Run(filepath.Base(wat), func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "out.wasm")
			msg, err := exec.Command(tool, wat, "-o", out).CombinedOutput()
			require.NoError(t, err, "%s", msg)
			want, err := os.ReadFile(out)
			require.NoError(t, err)
			got, err := os.ReadFile(strings.TrimSuffix(wat, ".wat") + ".wasm")
			require.NoError(t, err)
			require.True(t, bytes.Equal(want, got), "%s.wasm is stale: rebuild it with the command in %s", strings.TrimSuffix(wat, ".wat"), wat)
		})
	}
}

func TestPoolCalls(t *testing.T) {
	ctx := context.Background()
	pool := newPool(t, poolPlugin(t, runtime.Manifest{}), runtime.PoolOptions{})
	require.Equal(t, goruntime.GOMAXPROCS(0), pool.Stats().MaxInstances)

	out, err := pool.Call(ctx, "echo", []byte("a"))
	require.NoError(t, err)
	require.Equal(t, "a", string(out))

	fn, err := pool.Function("echo")
	require.NoError(t, err)
	out, err = pool.CallFunction(ctx, fn, []byte("b"))
	require.NoError(t, err)
	require.Equal(t, "b", string(out))

	var got string
	require.NoError(t, pool.Invoke(ctx, fn, []byte("c"), func(b []byte) error { got = string(b); return nil }))
	require.Equal(t, "c", got)
	errOut := errors.New("out failed")
	require.ErrorIs(t, pool.Invoke(ctx, fn, []byte("d"), func([]byte) error { return errOut }), errOut)

	_, err = pool.Call(ctx, "nope", nil)
	require.ErrorIs(t, err, runtime.ErrFunctionNotFound)

	st := pool.Stats()
	require.Equal(t, uint64(4), st.Calls)
	require.Equal(t, uint64(1), st.Created, "sequential calls share one instance")
	require.Equal(t, 1, st.Idle)
	requireAccounted(t, st)

	// A *Function of another plug-in is resolved again by name.
	other, err := poolPlugin(t, runtime.Manifest{}).Function("echo")
	require.NoError(t, err)
	out, err = pool.CallFunction(ctx, other, []byte("e"))
	require.NoError(t, err)
	require.Equal(t, "e", string(out))
}

func TestPoolOptions(t *testing.T) {
	p := poolPlugin(t, runtime.Manifest{})
	for _, tc := range []struct {
		opts runtime.PoolOptions
		want string
	}{
		{runtime.PoolOptions{MaxInstances: -1}, "MaxInstances -1 is negative"},
		{runtime.PoolOptions{MinIdle: -1}, "MinIdle -1 is negative"},
		{runtime.PoolOptions{MaxIdleTime: -time.Second}, "MaxIdleTime -1s is negative"},
		{runtime.PoolOptions{MaxCallsPerInstance: -1}, "MaxCallsPerInstance -1 is negative"},
		{runtime.PoolOptions{Vars: 7}, "Vars 7 is not a VarsPolicy"},
		{runtime.PoolOptions{MaxInstances: 1, MinIdle: 2}, "MinIdle 2 is over MaxInstances 1"},
	} {
		t.Run(tc.want, func(t *testing.T) {
			_, err := p.NewPool(context.Background(), tc.opts)
			require.ErrorContains(t, err, tc.want)
		})
	}
	t.Run("MinIdle over GOMAXPROCS raises the default bound", func(t *testing.T) {
		n := goruntime.GOMAXPROCS(0) + 1
		pool := newPool(t, p, runtime.PoolOptions{MinIdle: n})
		st := pool.Stats()
		require.Equal(t, n, st.MaxInstances)
		require.Equal(t, n, st.Idle)
		require.Equal(t, uint64(n), st.Created)
	})
}

func TestPoolMinIdleFailsFast(t *testing.T) {
	rt := newRuntime(t, runtime.Options{})
	bad := compile(t, rt, runtime.Manifest{Wasm: []runtime.WasmSource{{Path: filepath.Join("testdata", "badinit.wasm")}}}, runtime.PluginOptions{})
	_, err := bad.NewPool(context.Background(), runtime.PoolOptions{MinIdle: 1})
	require.Error(t, err)
	var trap *runtime.TrapError
	require.ErrorAs(t, err, &trap)

	// Without MinIdle the failure comes with the first call.
	pool := newPool(t, bad, runtime.PoolOptions{})
	_, err = pool.Call(context.Background(), "run", nil)
	require.ErrorAs(t, err, &trap)
	st := pool.Stats()
	require.Zero(t, st.Created)
	require.Zero(t, st.Instances)

	// A closed plug-in makes no pools.
	require.NoError(t, bad.Close(context.Background()))
	_, err = bad.NewPool(context.Background(), runtime.PoolOptions{})
	require.ErrorIs(t, err, runtime.ErrClosed)
}

// TestPoolDiscardsBroken: every way an instance breaks takes it out of the
// pool; an error that leaves it usable does not.
func TestPoolDiscardsBroken(t *testing.T) {
	// The deadline must fall while the guest spins, not before the call
	// starts: the case warms its instance first (no instantiation on the
	// clock) and leaves a loaded machine 50 ms to enter the guest.
	short := func() (context.Context, context.CancelFunc) {
		return context.WithTimeout(context.Background(), 50*time.Millisecond)
	}
	for _, tc := range []struct {
		name     string
		fn       string
		input    string
		ctx      func() (context.Context, context.CancelFunc)
		manifest runtime.Manifest
		check    func(t *testing.T, err error)
		broken   bool
	}{
		{name: "trap", fn: "nth", input: "x", broken: true, check: func(t *testing.T, err error) {
			var e *runtime.TrapError
			require.ErrorAs(t, err, &e)
		}},
		{name: "exit", fn: "exit", broken: true, check: func(t *testing.T, err error) {
			var e *runtime.ExitError
			require.ErrorAs(t, err, &e)
			require.Equal(t, uint32(3), e.Code)
		}},
		{name: "context timeout", fn: "spin", ctx: short, broken: true, check: func(t *testing.T, err error) {
			var e *runtime.InterruptError
			require.ErrorAs(t, err, &e)
			require.ErrorIs(t, err, context.DeadlineExceeded)
		}},
		{name: "manifest timeout", fn: "spin", manifest: runtime.Manifest{TimeoutMs: 5}, broken: true, check: func(t *testing.T, err error) {
			require.ErrorIs(t, err, context.DeadlineExceeded)
		}},
		{name: "fatal host error", fn: "host", input: "fatal!", broken: true, check: func(t *testing.T, err error) {
			var e *runtime.HostFunctionError
			require.ErrorAs(t, err, &e)
			require.Equal(t, "host", e.Function)
		}},
		{name: "host error", fn: "host", input: "fail!", check: func(t *testing.T, err error) {
			var e *runtime.GuestError
			require.ErrorAs(t, err, &e)
			require.Equal(t, "check: fail!", e.Message)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			pool := newPool(t, poolPlugin(t, tc.manifest), runtime.PoolOptions{MaxInstances: 1})
			calls := 1
			if tc.fn == "nth" { // traps on the instance's 5th call
				calls = 5
			}
			if tc.ctx != nil {
				_, err := pool.Call(context.Background(), "echo", nil)
				require.NoError(t, err)
			}
			var err error
			for range calls {
				ctx, cancel := context.Background(), context.CancelFunc(func() {})
				if tc.ctx != nil {
					ctx, cancel = tc.ctx()
				}
				_, err = pool.Call(ctx, tc.fn, []byte(tc.input))
				cancel()
			}
			tc.check(t, err)
			require.NotErrorIs(t, err, runtime.ErrBroken)
			st := pool.Stats()
			if tc.broken {
				require.Equal(t, uint64(1), st.Discarded)
				require.Zero(t, st.Instances)
			} else {
				require.Zero(t, st.Discarded)
				require.Equal(t, 1, st.Idle)
			}
			// The pool goes on with a fresh instance.
			out, err := pool.Call(context.Background(), "echo", []byte("next"))
			require.NoError(t, err)
			require.Equal(t, "next", string(out))
			requireAccounted(t, pool.Stats())
		})
	}
}

// hold borrows an instance of pool until release is closed; it returns
// once the instance is borrowed.
func hold(t testing.TB, pool *runtime.Pool) (release func()) {
	t.Helper()
	got, done := make(chan struct{}), make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		_ = pool.Borrow(context.Background(), func(*runtime.Instance) error {
			close(got)
			<-done
			return nil
		})
	}()
	<-got
	var once sync.Once
	release = func() { once.Do(func() { close(done); wg.Wait() }) }
	t.Cleanup(release)
	return release
}

// waitFor waits until cond holds, polling; it fails the test after a
// generous time (progress, not speed, is what it checks).
func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); !cond(); time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

func TestPoolWaitBoundedByContext(t *testing.T) {
	pool := newPool(t, poolPlugin(t, runtime.Manifest{}), runtime.PoolOptions{MaxInstances: 1})
	release := hold(t, pool)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
	defer cancel()
	_, err := pool.Call(ctx, "echo", []byte("x"))
	require.ErrorIs(t, err, context.DeadlineExceeded)
	require.ErrorContains(t, err, `plugin "pool": echo: waiting for an instance: context deadline exceeded`)
	st := pool.Stats()
	require.Equal(t, uint64(1), st.WaitCount)
	require.Greater(t, st.WaitDuration, time.Duration(0))

	// A context already done fails without waiting.
	_, err = pool.Call(ctx, "echo", nil)
	require.ErrorIs(t, err, context.DeadlineExceeded)
	require.Equal(t, uint64(1), pool.Stats().WaitCount)

	release()
	out, err := pool.Call(context.Background(), "echo", []byte("y"))
	require.NoError(t, err)
	require.Equal(t, "y", string(out))
	requireAccounted(t, pool.Stats())
}

// TestPoolFIFO: callers that wait get instances in the order they came.
func TestPoolFIFO(t *testing.T) {
	pool := newPool(t, poolPlugin(t, runtime.Manifest{}), runtime.PoolOptions{MaxInstances: 1})
	release := hold(t, pool)
	const n = 20
	var (
		mu    sync.Mutex
		order []int
		wg    sync.WaitGroup
	)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			assert.NoError(t, pool.Borrow(context.Background(), func(*runtime.Instance) error {
				mu.Lock()
				order = append(order, i)
				mu.Unlock()
				return nil
			}))
		}()
		waitFor(t, "the caller to wait", func() bool { return pool.Stats().WaitCount == uint64(i+1) })
	}
	release()
	wg.Wait()
	want := make([]int, n)
	for i := range want {
		want[i] = i
	}
	require.Equal(t, want, order)
	require.Equal(t, uint64(1), pool.Stats().Created)
}

// TestPoolCancelledWaiter: a caller that gives up leaves the line; the
// others are served.
func TestPoolCancelledWaiter(t *testing.T) {
	pool := newPool(t, poolPlugin(t, runtime.Manifest{}), runtime.PoolOptions{MaxInstances: 1})
	release := hold(t, pool)
	ctx, cancel := context.WithCancel(context.Background())
	gaveUp := make(chan error)
	go func() {
		_, err := pool.Call(ctx, "echo", nil)
		gaveUp <- err
	}()
	waitFor(t, "the first caller to wait", func() bool { return pool.Stats().WaitCount == 1 })
	served := make(chan error)
	go func() {
		out, err := pool.Call(context.Background(), "echo", []byte("second"))
		if err == nil && string(out) != "second" {
			err = fmt.Errorf("output %q", out)
		}
		served <- err
	}()
	waitFor(t, "the second caller to wait", func() bool { return pool.Stats().WaitCount == 2 })
	cancel()
	require.ErrorIs(t, <-gaveUp, context.Canceled)
	release()
	require.NoError(t, <-served)
	requireAccounted(t, pool.Stats())
}

func TestPoolMaxCallsPerInstance(t *testing.T) {
	pool := newPool(t, poolPlugin(t, runtime.Manifest{}), runtime.PoolOptions{MaxInstances: 1, MaxCallsPerInstance: 3})
	for i := range 7 {
		out, err := pool.Call(context.Background(), "echo", []byte{byte(i)})
		require.NoError(t, err)
		require.Equal(t, []byte{byte(i)}, out)
	}
	st := pool.Stats()
	require.Equal(t, uint64(2), st.Recycled)
	require.Equal(t, uint64(3), st.Created)
	requireAccounted(t, st)

	// "nth" traps on an instance's 5th call: recycled every 3, none does.
	pool = newPool(t, poolPlugin(t, runtime.Manifest{}), runtime.PoolOptions{MaxInstances: 1, MaxCallsPerInstance: 3})
	for range 20 {
		_, err := pool.Call(context.Background(), "nth", nil)
		require.NoError(t, err)
	}
}

func TestPoolMaxIdleTime(t *testing.T) {
	pool := newPool(t, poolPlugin(t, runtime.Manifest{}), runtime.PoolOptions{
		MaxInstances: 3, MinIdle: 1, MaxIdleTime: 5 * time.Millisecond,
	})
	var releases []func()
	for range 3 {
		releases = append(releases, hold(t, pool))
	}
	require.Equal(t, 3, pool.Stats().InUse)
	for _, r := range releases {
		r()
	}
	waitFor(t, "idle instances to close", func() bool { return pool.Stats().IdleClosed == 2 })
	st := pool.Stats()
	require.Equal(t, 1, st.Idle, "MinIdle stays")
	requireAccounted(t, st)
}

func TestPoolMinIdleTopUp(t *testing.T) {
	pool := newPool(t, poolPlugin(t, runtime.Manifest{}), runtime.PoolOptions{MaxInstances: 2, MinIdle: 2})
	var trap *runtime.TrapError
	for range 5 {
		_, err := pool.Call(context.Background(), "nth", nil)
		if err != nil {
			require.ErrorAs(t, err, &trap)
		}
	}
	require.Equal(t, uint64(1), pool.Stats().Discarded)
	waitFor(t, "the pool to top up", func() bool { return pool.Stats().Idle == 2 })
	requireAccounted(t, pool.Stats())
}

func TestPoolVars(t *testing.T) {
	for _, tc := range []struct {
		policy runtime.VarsPolicy
		want   string
	}{
		{runtime.VarsKeep, "k"},
		{runtime.VarsReset, ""},
	} {
		t.Run(fmt.Sprint(tc.policy), func(t *testing.T) {
			pool := newPool(t, poolPlugin(t, runtime.Manifest{}), runtime.PoolOptions{MaxInstances: 1, Vars: tc.policy})
			_, err := pool.Call(context.Background(), "setvar", []byte("k"))
			require.NoError(t, err)
			out, err := pool.Call(context.Background(), "getvar", []byte("k"))
			require.NoError(t, err)
			require.Equal(t, tc.want, string(out))

			// Within one Borrow vars last, whatever the policy.
			require.NoError(t, pool.Borrow(context.Background(), func(in *runtime.Instance) error {
				require.NoError(t, in.SetVar("b", []byte("v")))
				out, err := in.Call(context.Background(), "getvar", []byte("b"))
				require.NoError(t, err)
				require.Equal(t, "v", string(out))
				return nil
			}))
		})
	}
}

func TestPoolBorrow(t *testing.T) {
	pool := newPool(t, poolPlugin(t, runtime.Manifest{}), runtime.PoolOptions{MaxInstances: 1})
	errF := errors.New("f failed")
	require.ErrorIs(t, pool.Borrow(context.Background(), func(*runtime.Instance) error { return errF }), errF)
	require.Zero(t, pool.Stats().Discarded, "an error of f does not discard the instance")

	// An instance f closed or broke is discarded.
	require.NoError(t, pool.Borrow(context.Background(), func(in *runtime.Instance) error {
		return in.Close(context.Background())
	}))
	require.NoError(t, pool.Borrow(context.Background(), func(in *runtime.Instance) error {
		_, err := in.Call(context.Background(), "exit", nil)
		require.Error(t, err)
		return nil
	}))
	// A panic in f discards the instance and goes on up.
	require.Panics(t, func() {
		_ = pool.Borrow(context.Background(), func(*runtime.Instance) error { panic("boom") })
	})
	st := pool.Stats()
	require.Equal(t, uint64(1), st.Closed)
	require.Equal(t, uint64(2), st.Discarded)
	require.Zero(t, st.InUse)
	requireAccounted(t, st)
}

func TestPoolClose(t *testing.T) {
	ctx := context.Background()
	t.Run("idempotent, then ErrClosed", func(t *testing.T) {
		p := poolPlugin(t, runtime.Manifest{})
		pool, err := p.NewPool(ctx, runtime.PoolOptions{MinIdle: 2})
		require.NoError(t, err)
		require.NoError(t, pool.Close(ctx))
		require.NoError(t, pool.Close(ctx))
		_, err = pool.Call(ctx, "echo", nil)
		require.ErrorIs(t, err, runtime.ErrClosed)
		require.ErrorIs(t, pool.Borrow(ctx, func(*runtime.Instance) error { return nil }), runtime.ErrClosed)
		st := pool.Stats()
		require.Equal(t, uint64(2), st.Closed)
		requireAccounted(t, st)
	})
	t.Run("nothing in flight: a done context is no failure", func(t *testing.T) {
		pool, err := poolPlugin(t, runtime.Manifest{}).NewPool(ctx, runtime.PoolOptions{MinIdle: 1})
		require.NoError(t, err)
		done, cancel := context.WithCancel(ctx)
		cancel()
		require.NoError(t, pool.Close(done))
		requireAccounted(t, pool.Stats())
	})
	t.Run("waits for calls in flight and callers in line", func(t *testing.T) {
		pool := newPool(t, poolPlugin(t, runtime.Manifest{}), runtime.PoolOptions{MaxInstances: 1})
		release := hold(t, pool)
		waiting := make(chan error)
		go func() {
			out, err := pool.Call(ctx, "echo", []byte("queued"))
			if err == nil && string(out) != "queued" {
				err = fmt.Errorf("output %q", out)
			}
			waiting <- err
		}()
		waitFor(t, "the caller to wait", func() bool { return pool.Stats().WaitCount == 1 })
		closed := make(chan error)
		go func() { closed <- pool.Close(ctx) }()
		done, cancel := context.WithCancel(ctx)
		cancel() // so that a probe before Close fails at once
		waitFor(t, "Close to refuse new calls", func() bool {
			_, err := pool.Call(done, "echo", nil)
			return errors.Is(err, runtime.ErrClosed)
		})
		select {
		case err := <-closed:
			t.Fatalf("Close returned (%v) while a call was in flight", err)
		default:
		}
		release()
		require.NoError(t, <-waiting)
		require.NoError(t, <-closed)
		st := pool.Stats()
		require.Zero(t, st.Instances)
		requireAccounted(t, st)
	})
	t.Run("its context ends: calls are interrupted", func(t *testing.T) {
		pool := newPool(t, poolPlugin(t, runtime.Manifest{}), runtime.PoolOptions{MaxInstances: 1})
		spinning := make(chan error)
		go func() {
			_, err := pool.Call(ctx, "spin", nil)
			spinning <- err
		}()
		waitFor(t, "the call to start", func() bool { return pool.Stats().InUse == 1 })
		queued := make(chan error)
		go func() {
			_, err := pool.Call(ctx, "echo", nil)
			queued <- err
		}()
		waitFor(t, "the caller to wait", func() bool { return pool.Stats().WaitCount == 1 })
		cctx, cancel := context.WithTimeout(ctx, 10*time.Millisecond)
		defer cancel()
		require.ErrorIs(t, pool.Close(cctx), context.DeadlineExceeded)
		require.ErrorIs(t, <-spinning, runtime.ErrClosed)
		require.ErrorIs(t, <-queued, runtime.ErrClosed)
		st := pool.Stats()
		require.Zero(t, st.Instances)
		require.Equal(t, uint64(1), st.Closed)
		requireAccounted(t, st)
	})
	t.Run("closing the plug-in closes its pools", func(t *testing.T) {
		p := poolPlugin(t, runtime.Manifest{})
		pool, err := p.NewPool(ctx, runtime.PoolOptions{MinIdle: 1})
		require.NoError(t, err)
		spinning := make(chan error)
		go func() {
			_, err := pool.Call(ctx, "spin", nil)
			spinning <- err
		}()
		waitFor(t, "the call to start", func() bool { return pool.Stats().InUse == 1 })
		require.NoError(t, p.Close(ctx))
		require.ErrorIs(t, <-spinning, runtime.ErrClosed)
		_, err = pool.Call(ctx, "echo", nil)
		require.ErrorIs(t, err, runtime.ErrClosed)
		require.NoError(t, pool.Close(ctx))
		requireAccounted(t, pool.Stats())
	})
}

// hammerOp is one kind of call of the hammer tests, and what it must give.
type hammerOp struct {
	fn     string
	prefix string        // of the input; the call's number follows
	want   string        // prefix of the output, before the input ("" for echo)
	ctx    time.Duration // the call's timeout; 0 for none
	fails  func(err error) bool
}

var hammerOps = []hammerOp{
	{fn: "echo"}, {fn: "echo"}, {fn: "echo"}, {fn: "echo"}, {fn: "echo"}, {fn: "echo"},
	{fn: "echo"}, {fn: "echo"}, {fn: "echo"}, {fn: "echo"}, {fn: "echo"}, {fn: "echo"},
	{fn: "host", want: "ok:"}, {fn: "host", want: "ok:"}, {fn: "host", want: "ok:"},
	{fn: "nth", fails: func(err error) bool { var e *runtime.TrapError; return errors.As(err, &e) }}, // every 5th on an instance
	{fn: "nth", fails: func(err error) bool { var e *runtime.TrapError; return errors.As(err, &e) }},
	{fn: "host", want: "ok:"},
	{fn: "host", prefix: "fail", fails: func(err error) bool { var e *runtime.GuestError; return errors.As(err, &e) }},
	{fn: "host", prefix: "fatal", fails: func(err error) bool { var e *runtime.HostFunctionError; return errors.As(err, &e) }},
	{fn: "exit", fails: func(err error) bool { var e *runtime.ExitError; return errors.As(err, &e) }},
}

// spinOp is every 100th call of the hammer tests: a guest that never
// returns holds a core until the scheduler preempts it, so it is kept rare.
var spinOp = hammerOp{fn: "spin", ctx: time.Millisecond, fails: func(err error) bool { return errors.Is(err, context.DeadlineExceeded) }}

// opOf is the op of call i.
func opOf(i int) hammerOp {
	if i%100 == 99 {
		return spinOp
	}
	return hammerOps[i%len(hammerOps)]
}

// hammerCall makes call i and checks it got its own result or its own
// error; it returns whether the call failed as its op must or may, and
// whether it got an instance.
func hammerCall(pool *runtime.Pool, fns map[string]*runtime.Function, i int) (failed, lent bool, err error) {
	op := opOf(i)
	input := fmt.Sprintf("%s#%d", op.prefix, i)
	ctx := context.Background()
	if op.ctx > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, op.ctx)
		defer cancel()
	}
	out, err := pool.CallFunction(ctx, fns[op.fn], []byte(input))
	lent = err == nil || !strings.Contains(err.Error(), "waiting for an instance")
	switch {
	case errors.Is(err, runtime.ErrBroken):
		return true, lent, fmt.Errorf("call %d (%s): a broken instance was reused: %w", i, op.fn, err)
	case err != nil && (op.fails == nil || !op.fails(err)):
		return true, lent, fmt.Errorf("call %d (%s): unexpected error: %w", i, op.fn, err)
	case err != nil && !strings.Contains(err.Error(), op.fn):
		return true, lent, fmt.Errorf("call %d: error %q does not name %s", i, err, op.fn)
	case err != nil:
		return true, lent, nil
	case op.fn == "spin" || op.fn == "exit" || op.prefix == "fail" || op.prefix == "fatal":
		return false, lent, fmt.Errorf("call %d (%s): succeeded", i, op.fn)
	case string(out) != op.want+input:
		return false, lent, fmt.Errorf("call %d (%s): output %q, want %q", i, op.fn, out, op.want+input)
	}
	return false, lent, nil
}

// TestPoolHammer: thousands of concurrent calls over pools of 1 to 8
// instances, with faults: every call gets its own result or its own error,
// no broken instance is lent again, and the counters add up.
func TestPoolHammer(t *testing.T) {
	calls := 2000
	if testing.Short() {
		calls = 300
	}
	p := poolPlugin(t, runtime.Manifest{})
	fns := map[string]*runtime.Function{}
	for _, op := range append(hammerOps, spinOp) {
		fn, err := p.Function(op.fn)
		require.NoError(t, err)
		fns[op.fn] = fn
	}
	for size := 1; size <= 8; size++ {
		t.Run(fmt.Sprint("size=", size), func(t *testing.T) {
			pool := newPool(t, p, runtime.PoolOptions{MaxInstances: size, MaxCallsPerInstance: 50})
			var (
				next, failed, lent atomic.Int64
				wg                 sync.WaitGroup
				errs               = make(chan error, calls)
			)
			for range 2*size + 3 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for i := int(next.Add(1)) - 1; i < calls; i = int(next.Add(1)) - 1 {
						f, l, err := hammerCall(pool, fns, i)
						if f {
							failed.Add(1)
						}
						if l {
							lent.Add(1)
						}
						if err != nil {
							errs <- err
						}
					}
				}()
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				t.Error(err)
			}
			st := pool.Stats()
			require.Equal(t, uint64(lent.Load()), st.Calls, "%+v", st)
			require.LessOrEqual(t, st.Instances, size)
			require.Zero(t, st.InUse)
			requireAccounted(t, st)
			// Every fault that breaks an instance discarded one; a spin
			// timed out while waiting breaks nothing.
			perOp := func(pred func(hammerOp) bool) (n uint64) {
				for i := range calls {
					if pred(opOf(i)) {
						n++
					}
				}
				return n
			}
			always := perOp(func(op hammerOp) bool { return op.fn == "exit" || op.prefix == "fatal" })
			spins := perOp(func(op hammerOp) bool { return op.fn == "spin" })
			require.GreaterOrEqual(t, st.Discarded, always)
			require.LessOrEqual(t, st.Discarded, uint64(failed.Load()))
			require.LessOrEqual(t, st.Discarded, always+spins+perOp(func(op hammerOp) bool { return op.fn == "nth" })/4)
		})
	}
}

// TestPoolHammerClose: Close under load loses no call: each one returns
// its own result, or ErrClosed without having run.
func TestPoolHammerClose(t *testing.T) {
	for size := 1; size <= 8; size *= 2 {
		t.Run(fmt.Sprint("size=", size), func(t *testing.T) {
			p := poolPlugin(t, runtime.Manifest{})
			pool, err := p.NewPool(context.Background(), runtime.PoolOptions{MaxInstances: size})
			require.NoError(t, err)
			fn, err := pool.Function("echo")
			require.NoError(t, err)
			var (
				ok, refused atomic.Int64
				wg          sync.WaitGroup
				errs        = make(chan error, 100)
			)
			for g := range 3 * size {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for i := 0; ; i++ {
						input := fmt.Sprintf("%d/%d", g, i)
						out, err := pool.CallFunction(context.Background(), fn, []byte(input))
						switch {
						case errors.Is(err, runtime.ErrClosed):
							refused.Add(1)
							return
						case err != nil:
							errs <- err
							return
						case string(out) != input:
							errs <- fmt.Errorf("output %q, want %q", out, input)
							return
						}
						ok.Add(1)
					}
				}()
			}
			waitFor(t, "calls to run", func() bool { return ok.Load() >= 200 })
			require.NoError(t, pool.Close(context.Background()))
			wg.Wait()
			close(errs)
			for err := range errs {
				t.Error(err)
			}
			st := pool.Stats()
			require.Equal(t, uint64(ok.Load()), st.Calls, "every call that got an instance returned its output")
			require.Equal(t, int64(3*size), refused.Load())
			require.Zero(t, st.Instances)
			requireAccounted(t, st)
		})
	}
}

// TestPoolAllocs: lending an instance allocates nothing, waiting included
// (the benchmarks in benchmarks/ measure the time).
func TestPoolAllocs(t *testing.T) {
	ctx := context.Background()
	pool := newPool(t, poolPlugin(t, runtime.Manifest{}), runtime.PoolOptions{MaxInstances: 1, MinIdle: 1})
	fn, err := pool.Function("echo")
	require.NoError(t, err)
	borrow := func(*runtime.Instance) error { return nil }
	out := func([]byte) error { return nil }
	in := []byte("hello")
	require.Zero(t, testing.AllocsPerRun(1000, func() { _ = pool.Borrow(ctx, borrow) }), "Borrow")
	require.Zero(t, testing.AllocsPerRun(1000, func() { _ = pool.Invoke(ctx, fn, in, out) }), "Invoke")
}

func BenchmarkPoolBorrow(b *testing.B) {
	ctx := context.Background()
	pool := newPool(b, poolPlugin(b, runtime.Manifest{}), runtime.PoolOptions{MaxInstances: 1, MinIdle: 1})
	borrow := func(*runtime.Instance) error { return nil }
	b.ReportAllocs()
	for b.Loop() {
		_ = pool.Borrow(ctx, borrow)
	}
}
