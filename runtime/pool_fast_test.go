package runtime_test

import (
	"context"
	"errors"
	"fmt"
	goruntime "runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/tendril-wasm/tendril/runtime"
)

// The tests of this file hammer the pool's fast path (instances parked in
// per-P slots, see "The fast path" in pool.go) where it meets the locked
// path: more callers than instances, so that callers wait while others
// park, and Close while instances are parked and taken back. Borrow with
// a function that does next to nothing makes the races as frequent as
// they get. Run them with -race -count=20 after changing the pool.

// slotOpts are the pool options of the slot hammer tests: the fast path
// alone, MinIdle (instances start on the idle stack) and recycling (the
// locked path every few calls).
var slotOpts = []struct {
	name string
	opts func(size int) runtime.PoolOptions
}{
	{"plain", func(size int) runtime.PoolOptions { return runtime.PoolOptions{MaxInstances: size} }},
	{"MinIdle", func(size int) runtime.PoolOptions { return runtime.PoolOptions{MaxInstances: size, MinIdle: size} }},
	{"MaxCallsPerInstance", func(size int) runtime.PoolOptions {
		return runtime.PoolOptions{MaxInstances: size, MaxCallsPerInstance: 7}
	}},
}

// borrowBriefly is a Borrow function that holds the instance for a moment,
// sometimes long enough for the other callers to line up.
func borrowBriefly(i int) func(*runtime.Instance) error {
	return func(in *runtime.Instance) error {
		if in == nil {
			return errors.New("no instance")
		}
		if i%3 == 0 {
			goruntime.Gosched()
		}
		return nil
	}
}

// waitProgress waits until done holds. It fails the test when progress
// stops moving for a long while (a caller that waits for an instance
// parked where nobody looks would hang): progress, not speed, is checked.
func waitProgress(t *testing.T, pool *runtime.Pool, done func() bool, progress func() int64) {
	t.Helper()
	last, since := progress(), time.Now()
	for !done() {
		time.Sleep(time.Millisecond)
		if n := progress(); n != last {
			last, since = n, time.Now()
		} else if time.Since(since) > 30*time.Second {
			t.Fatalf("no progress in 30s after %d calls: %+v", n, pool.Stats())
		}
	}
}

// newHammerPool makes a pool closed when the test ends, at once: a test
// that failed with a caller stuck in line still ends.
func newHammerPool(t *testing.T, p *runtime.CompiledPlugin, opts runtime.PoolOptions) *runtime.Pool {
	t.Helper()
	pool, err := p.NewPool(context.Background(), opts)
	require.NoError(t, err)
	t.Cleanup(func() {
		now, cancel := context.WithCancel(context.Background())
		cancel()
		if err := pool.Close(now); !t.Failed() {
			require.NoError(t, err, "a call was left in flight")
		}
	})
	return pool
}

// waitErr waits for the error from ch, failing the test if none comes
// for a long while (see waitProgress).
func waitErr(t *testing.T, pool *runtime.Pool, ch <-chan error) (err error) {
	t.Helper()
	waitProgress(t, pool, func() bool {
		select {
		case err = <-ch:
			return true
		default:
			return false
		}
	}, func() int64 { return 0 })
	return err
}

// requireQuiet checks the counters of a pool that nobody calls.
func requireQuiet(t *testing.T, st runtime.PoolStats, size int, calls int64) {
	t.Helper()
	require.Equal(t, uint64(calls), st.Calls, "%+v", st)
	require.Zero(t, st.InUse, "%+v", st)
	require.Equal(t, st.Instances, st.Idle, "%+v", st)
	require.LessOrEqual(t, st.Instances, size, "%+v", st)
	require.Zero(t, st.Discarded, "%+v", st)
	requireAccounted(t, st)
}

// TestPoolHammerSlots: many callers over pools of 1 to 4 instances, each
// call on an instance of its own (Borrow checks that two borrowers never
// share one), nobody stranded in line while an instance is parked, and
// the counters add up afterwards. A reader of Stats runs meanwhile.
func TestPoolHammerSlots(t *testing.T) {
	calls := 4000
	if testing.Short() {
		calls = 500
	}
	p := poolPlugin(t, runtime.Manifest{})
	for _, o := range slotOpts {
		for size := 1; size <= 4; size++ {
			t.Run(fmt.Sprintf("%s/size=%d", o.name, size), func(t *testing.T) {
				pool := newHammerPool(t, p, o.opts(size))
				var (
					next, ok, finished atomic.Int64
					busy               sync.Map // *Instance -> struct{}: lent now
					errs               = make(chan error, 3*size)
					stop               = make(chan struct{})
					readerDone         = make(chan struct{})
				)
				go func() { // Stats is safe and consistent while calls run
					defer close(readerDone)
					for {
						select {
						case <-stop:
							return
						default:
						}
						st := pool.Stats()
						if st.InUse < 0 || st.Idle < 0 || st.InUse+st.Idle != st.Instances || st.Instances > size {
							errs <- fmt.Errorf("Stats while running: %+v", st)
							return
						}
						goruntime.Gosched()
					}
				}()
				goroutines := 2*size + 1
				for range goroutines {
					go func() {
						defer finished.Add(1)
						for i := int(next.Add(1)) - 1; i < calls; i = int(next.Add(1)) - 1 {
							brief := borrowBriefly(i)
							err := pool.Borrow(context.Background(), func(in *runtime.Instance) error {
								if _, dup := busy.LoadOrStore(in, struct{}{}); dup {
									return fmt.Errorf("call %d: instance lent twice", i)
								}
								defer busy.Delete(in)
								return brief(in)
							})
							if err != nil {
								errs <- err
								return
							}
							ok.Add(1)
						}
					}()
				}
				waitProgress(t, pool, func() bool { return finished.Load() == int64(goroutines) }, ok.Load)
				close(stop)
				<-readerDone
				close(errs)
				for err := range errs {
					t.Error(err)
				}
				requireQuiet(t, pool.Stats(), size, ok.Load())

				// The instances left are lent again, and none is lost.
				for range 2 * size {
					require.NoError(t, pool.Borrow(context.Background(), borrowBriefly(1)))
				}
				requireQuiet(t, pool.Stats(), size, ok.Load()+int64(2*size))
			})
		}
	}
}

// TestPoolHammerSlotsClose: Close while callers park instances, take
// them out of slots and wait in line: every call that got an instance
// returns, every caller then gets ErrClosed, and every instance is closed,
// parked ones included. Several rounds per size, so that Close lands at
// different points of the calls.
func TestPoolHammerSlotsClose(t *testing.T) {
	rounds := 10
	if testing.Short() {
		rounds = 3
	}
	p := poolPlugin(t, runtime.Manifest{})
	for _, o := range slotOpts {
		for size := 1; size <= 4; size++ {
			t.Run(fmt.Sprintf("%s/size=%d", o.name, size), func(t *testing.T) {
				for round := range rounds {
					pool := newHammerPool(t, p, o.opts(size))
					var (
						ok, refused, finished atomic.Int64
						errs                  = make(chan error, 3*size)
					)
					goroutines := 2*size + 1
					for range goroutines {
						go func() {
							defer finished.Add(1)
							for i := 0; ; i++ {
								err := pool.Borrow(context.Background(), borrowBriefly(i))
								switch {
								case errors.Is(err, runtime.ErrClosed):
									refused.Add(1)
									return
								case err != nil:
									errs <- err
									return
								}
								ok.Add(1)
							}
						}()
					}
					threshold := int64(50 + 37*round)
					waitProgress(t, pool, func() bool { return ok.Load() >= threshold }, ok.Load)
					closed := make(chan error, 1)
					go func() { closed <- pool.Close(t.Context()) }() // t.Context: a failed test ends
					waitProgress(t, pool, func() bool { return finished.Load() == int64(goroutines) }, finished.Load)
					require.NoError(t, waitErr(t, pool, closed))
					close(errs)
					for err := range errs {
						t.Error(err)
					}
					st := pool.Stats()
					require.Equal(t, uint64(ok.Load()), st.Calls, "%+v", st)
					require.Equal(t, int64(goroutines), refused.Load())
					require.Zero(t, st.Instances, "%+v", st)
					require.Zero(t, st.Discarded, "%+v", st)
					require.Equal(t, st.Created, st.Closed+st.Recycled, "%+v", st)
					requireAccounted(t, st)
				}
			})
		}
	}
}

// TestPoolHammerSlotsPluginClose: closing the plug-in while callers run
// closes the pool at once; the counters still add up.
func TestPoolHammerSlotsPluginClose(t *testing.T) {
	for size := 1; size <= 4; size++ {
		t.Run(fmt.Sprint("size=", size), func(t *testing.T) {
			p := poolPlugin(t, runtime.Manifest{})
			pool, err := p.NewPool(context.Background(), runtime.PoolOptions{MaxInstances: size})
			require.NoError(t, err)
			var ok, finished atomic.Int64
			goroutines := 2*size + 1
			for range goroutines {
				go func() {
					defer finished.Add(1)
					for i := 0; ; i++ {
						if err := pool.Borrow(context.Background(), borrowBriefly(i)); err != nil {
							return // ErrClosed, or the instance closed under the borrower
						}
						ok.Add(1)
					}
				}()
			}
			waitProgress(t, pool, func() bool { return ok.Load() >= 200 }, ok.Load)
			require.NoError(t, p.Close(context.Background()))
			waitProgress(t, pool, func() bool { return finished.Load() == int64(goroutines) }, finished.Load)
			require.NoError(t, pool.Close(context.Background()))
			st := pool.Stats()
			require.Equal(t, uint64(ok.Load()), st.Calls, "%+v", st)
			require.Zero(t, st.Instances, "%+v", st)
			requireAccounted(t, st)
		})
	}
}

// TestPoolParked: an instance a call gave back waits in a slot, where
// Stats counts it idle, the next call finds it, and Close closes it.
func TestPoolParked(t *testing.T) {
	pool, err := poolPlugin(t, runtime.Manifest{}).NewPool(context.Background(), runtime.PoolOptions{})
	require.NoError(t, err)
	for range 3 {
		out, err := pool.Call(context.Background(), "echo", []byte("x"))
		require.NoError(t, err)
		require.Equal(t, "x", string(out))
	}
	st := pool.Stats()
	require.Equal(t, runtime.PoolStats{
		MaxInstances: goruntime.GOMAXPROCS(0), Instances: 1, Idle: 1, Calls: 3, Created: 1,
	}, st)
	require.NoError(t, pool.Close(context.Background()))
	st = pool.Stats()
	require.Zero(t, st.Instances)
	require.Equal(t, uint64(1), st.Closed)
	requireAccounted(t, st)
}

// jitter yields a varying number of times, so that two goroutines meet at
// different points of each other's code from round to round.
func jitter(round int) {
	for range round % 4 {
		goruntime.Gosched()
	}
}

// TestPoolReleaseMeetsWaiter: one instance, released at the moment
// another caller starts to wait for it, and then nobody else calls, so
// that a waiter that missed the instance would wait for ever (the
// progress check fails the test then).
func TestPoolReleaseMeetsWaiter(t *testing.T) {
	rounds := 2000
	if testing.Short() {
		rounds = 300
	}
	pool := newHammerPool(t, poolPlugin(t, runtime.Manifest{}), runtime.PoolOptions{MaxInstances: 1})
	var done atomic.Int64
	for round := range rounds {
		start, served := make(chan struct{}), make(chan error, 1)
		go func() {
			<-start
			jitter(round / 4)
			served <- pool.Borrow(context.Background(), borrowBriefly(1))
		}()
		require.NoError(t, pool.Borrow(context.Background(), func(*runtime.Instance) error {
			close(start)
			jitter(round)
			return nil
		}))
		require.NoError(t, waitErr(t, pool, served))
		done.Add(2)
	}
	requireQuiet(t, pool.Stats(), 1, done.Load())
}

// TestPoolReleaseMeetsClose: Close begins while a call returns its
// instance; Close returns, and the instance is closed, wherever the
// release put it.
func TestPoolReleaseMeetsClose(t *testing.T) {
	rounds := 500
	if testing.Short() {
		rounds = 100
	}
	p := poolPlugin(t, runtime.Manifest{})
	for round := range rounds {
		pool := newHammerPool(t, p, runtime.PoolOptions{MaxInstances: 1})
		require.NoError(t, pool.Borrow(context.Background(), borrowBriefly(1))) // now parked
		start, closed := make(chan struct{}), make(chan error, 1)
		go func() {
			<-start
			jitter(round / 4)
			closed <- pool.Close(t.Context())
		}()
		require.NoError(t, pool.Borrow(context.Background(), func(*runtime.Instance) error {
			close(start)
			jitter(round)
			return nil
		}))
		require.NoError(t, waitErr(t, pool, closed))
		st := pool.Stats()
		require.Zero(t, st.Instances, "%+v", st)
		require.Equal(t, uint64(1), st.Closed, "%+v", st)
		require.Equal(t, uint64(2), st.Calls, "%+v", st)
		requireAccounted(t, st)
	}
}
