package benchmarks

import (
	"context"
	"errors"
	"os"
	"runtime"
	"runtime/metrics"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/tetratelabs/wazero"

	tendril "github.com/tendril-wasm/tendril/runtime"
)

// TestGCPauses measures how long the garbage collector and the rest of the
// process wait for a guest: the stop-the-world pauses (runtime/metrics), the
// duration of runtime.GC() calls made over and over, and the stalls of a
// goroutine ticking every millisecond, while a guest spins in a loop that
// never calls the host, or grows its memory to 64 MiB. On Tendril each stays
// under 50 ms above the machine's noise floor (the same measurements with no
// guest). On plain wazero, which runs the module as it is, a collection
// cannot finish while the guest spins (it waits for the call to return): the
// test can fail. Growing a memory holds collections up there too, for as
// long as copying the memory takes on the machine.
func TestGCPauses(t *testing.T) {
	if runtime.GOMAXPROCS(0) < 2 {
		defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(2)) // the guest keeps one P busy
	}
	const (
		span  = 500 * time.Millisecond // how long each phase runs
		bound = 50 * time.Millisecond
	)
	wasm, err := os.ReadFile("testdata/stw.wasm")
	require.NoError(t, err, "scripts/gen-wasm.sh builds it from testdata/stw.wat")
	ctx := context.Background()

	// The noise floor: a Go goroutine spinning as long (Go preempts it), on
	// a machine as loaded as it is now; measured again at the end.
	goSpin := func() {
		var sink int
		for end := time.Now().Add(span); time.Now().Before(end); {
			for i := range 1000 {
				sink += i
			}
		}
		runtime.KeepAlive(sink)
	}
	rt, err := tendril.New(ctx, tendril.Options{})
	require.NoError(t, err)
	defer rt.Close(ctx)
	p, err := rt.Compile(ctx, tendril.Manifest{Wasm: []tendril.WasmSource{{Data: wasm}},
		Memory: tendril.MemoryLimits{MaxPages: 1024}}, tendril.PluginOptions{})
	require.NoError(t, err)
	spinWork := func() {
		in, err := p.Instantiate(ctx)
		require.NoError(t, err)
		defer in.Close(ctx)
		cctx, cancel := context.WithTimeout(ctx, span)
		defer cancel()
		_, err = in.Call(cctx, "spin", nil)
		require.ErrorIs(t, err, context.DeadlineExceeded)
	}
	growWork := func() {
		for end := time.Now().Add(span); time.Now().Before(end); {
			in, err := p.Instantiate(ctx)
			require.NoError(t, err)
			_, err = in.Call(ctx, "grow", nil)
			require.NoError(t, err)
			require.NoError(t, in.Close(ctx))
		}
	}

	plain := wazero.NewRuntime(ctx) // no instrumentation, no close-on-done
	defer plain.Close(ctx)
	cm, err := plain.CompileModule(ctx, wasm)
	require.NoError(t, err)
	mod, err := plain.InstantiateModule(ctx, cm, wazero.NewModuleConfig().WithName(""))
	require.NoError(t, err)
	spinN := mod.ExportedFunction("spin_n")
	n := uint64(1 << 24)
	for { // calibrate the loop to last about two spans
		t0 := time.Now()
		_, err := spinN.Call(ctx, n)
		require.NoError(t, err)
		if d := time.Since(t0); d > span/8 {
			n = uint64(float64(n) * float64(2*span) / float64(d))
			break
		}
		n *= 4
	}
	var plainTook time.Duration
	plainSpin := pausesDuring(t, func() {
		t0 := time.Now()
		_, err := spinN.Call(ctx, n)
		require.NoError(t, err)
		plainTook = time.Since(t0)
	})
	plainGrow := pausesDuring(t, func() {
		for end := time.Now().Add(span); time.Now().Before(end); {
			m, err := plain.InstantiateModule(ctx, cm, wazero.NewModuleConfig().WithName(""))
			require.NoError(t, err)
			res, err := m.ExportedFunction("grow").Call(ctx)
			require.NoError(t, err)
			require.Zero(t, res[0])
			require.NoError(t, m.Close(ctx))
		}
	})

	// The pause is held to the bound. A collection and the ticker also wait
	// for the machine: under heavy load they may pass the bound with no guest
	// at all, so they are held to it or to half of plain wazero's, whichever
	// is larger.
	noise := pausesDuring(t, goSpin)
	within := func(s, plain stalls) bool {
		return s.pause < bound+noise.pause && s.gc < max(bound+noise.gc, plain.gc/2) &&
			s.tick < max(bound+noise.tick, plainGrow.tick/2)
	}
	// A load spike on this shared machine can stall any one measurement; a
	// guest that holds up the collector fails all three attempts.
	measure := func(work func(), plain stalls) stalls {
		var best stalls
		for attempt := range 3 {
			s := pausesDuring(t, work)
			if attempt == 0 || s.max() < best.max() {
				best = s
			}
			if within(best, plain) {
				break
			}
			noise = noise.worst(pausesDuring(t, goSpin))
		}
		return best
	}
	spin := measure(spinWork, plainSpin)
	grow := measure(growWork, plainGrow)
	noise = noise.worst(pausesDuring(t, goSpin))
	t.Logf("longest stop-the-world pause / runtime.GC call / ticker stall:\n"+
		"  noise floor (Go spinning)  %v\n  Tendril, spinning          %v\n  Tendril, growing memory    %v\n"+
		"  plain wazero, spinning     %v (the call took %v)\n  plain wazero, growing      %v",
		noise, spin, grow, plainSpin, plainTook, plainGrow)
	for name, c := range map[string]struct{ s, plain stalls }{"spinning": {spin, plainSpin}, "growing memory": {grow, plainGrow}} {
		require.True(t, within(c.s, c.plain), "Tendril, a guest %s: %v, over the bound (noise floor %v)", name, c.s, noise)
	}
	// The test can fail: the same measurement on plain wazero, with a guest
	// spinning, exceeds the bound (by seconds). Plain wazero's growing guest
	// is logged, not asserted: how long its copies of the memory hold up a
	// collection depends on the machine (1 s on a 2-core AMD EPYC, 60-90 ms
	// on a 2-core Sapphire Rapids, where a loaded noise floor can exceed it).
	require.Greater(t, plainSpin.gc, bound+noise.gc, "plain wazero, a spinning guest: runtime.GC()")
}

// stalls are the longest delays seen while a guest ran.
type stalls struct {
	pause time.Duration // stop-the-world pause (runtime/metrics)
	gc    time.Duration // one runtime.GC() call
	tick  time.Duration // gap between two ticks of a 1 ms ticker, over 1 ms
}

func (s stalls) max() time.Duration { return max(s.pause, s.gc, s.tick) }

func (s stalls) worst(o stalls) stalls {
	return stalls{pause: max(s.pause, o.pause), gc: max(s.gc, o.gc), tick: max(s.tick, o.tick)}
}

func (s stalls) String() string {
	ms := func(d time.Duration) string { return strconv.FormatFloat(float64(d)/1e6, 'f', 1, 64) + " ms" }
	return "pause " + ms(s.pause) + ", runtime.GC " + ms(s.gc) + ", ticker " + ms(s.tick)
}

// pausesDuring runs work while one goroutine forces one garbage collection
// after another and another ticks every millisecond, and returns the
// longest stop-the-world pause that started meanwhile (the upper bound of
// its histogram bucket), the longest collection and the longest stall of
// the ticker.
func pausesDuring(t *testing.T, work func()) stalls {
	t.Helper()
	before := pauseHistogram()
	stop := make(chan struct{})
	var (
		wg       sync.WaitGroup
		gc, tick time.Duration
	)
	wg.Add(2)
	go func() {
		defer wg.Done()
		for {
			select {
			case <-stop:
				return
			default:
			}
			t0 := time.Now()
			runtime.GC()
			gc = max(gc, time.Since(t0))
		}
	}()
	go func() {
		defer wg.Done()
		ticker := time.NewTicker(time.Millisecond)
		defer ticker.Stop()
		last := time.Now()
		for {
			select {
			case <-stop:
				return
			case now := <-ticker.C:
				tick = max(tick, now.Sub(last)-time.Millisecond)
				last = now
			}
		}
	}()
	time.Sleep(5 * time.Millisecond) // let the collections start
	work()
	close(stop)
	wg.Wait()
	return stalls{pause: longestNew(before, pauseHistogram()), gc: gc, tick: tick}
}

const pauseMetric = "/sched/pauses/total/gc:seconds"

func pauseHistogram() *metrics.Float64Histogram {
	s := []metrics.Sample{{Name: pauseMetric}}
	metrics.Read(s)
	if s[0].Value.Kind() != metrics.KindFloat64Histogram {
		panic(errors.New(pauseMetric + " is not supported by this Go"))
	}
	return s[0].Value.Float64Histogram()
}

// longestNew returns the upper bound of the highest bucket that gained
// counts between two readings of a pause histogram.
func longestNew(before, after *metrics.Float64Histogram) time.Duration {
	for i := len(after.Counts) - 1; i >= 0; i-- {
		if after.Counts[i] > before.Counts[i] {
			hi := after.Buckets[i+1]
			if hi > 1e9 { // +Inf
				hi = after.Buckets[i]
			}
			return time.Duration(hi * float64(time.Second))
		}
	}
	return 0
}
