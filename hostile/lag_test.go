package hostile_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"
)

// Time bounds and load. A bound such as "a 100 ms timeout stops the guest
// within 1.1 s" holds on an idle machine; on a loaded one (two cores shared
// with other test binaries) the timer that interrupts the guest, the guest's
// goroutine and the caller each wait for a CPU, and the same attack takes
// longer. So no bound is used alone: each grows by lagFactor times the worst
// scheduling lag a lagMeter saw over the same window, measured in the same
// run. On an idle machine the lag is a few milliseconds and the bound is what
// it says; on a loaded one it stretches with the load it is measured against.
//
// A lag the guest itself causes cannot hide a failure that way: a guest that
// holds up a stop-the-world stalls the meter too, which is why
// loop/gc_during_call also compares itself with a control run without the GC
// (see gcControl).

const (
	lagTick   = 5 * time.Millisecond
	lagFactor = 4
)

// lagMeter measures how late this process runs a goroutine that asks to
// wake every lagTick.
type lagMeter struct {
	stop chan struct{}
	max  chan time.Duration
}

func startLagMeter() *lagMeter {
	m := &lagMeter{stop: make(chan struct{}), max: make(chan time.Duration, 1)}
	go func() {
		var worst time.Duration
		tick := time.NewTimer(lagTick)
		defer tick.Stop()
		for {
			t0 := time.Now()
			tick.Reset(lagTick)
			select {
			case <-m.stop:
				if late := time.Since(t0) - lagTick; late > worst {
					worst = late
				}
				m.max <- worst
				return
			case <-tick.C:
			}
			if late := time.Since(t0) - lagTick; late > worst {
				worst = late
			}
		}
	}()
	return m
}

// done stops the meter and returns the worst lag it saw.
func (m *lagMeter) done() time.Duration {
	close(m.stop)
	return <-m.max
}

// allowed is a bound stretched by the lag measured over the same window.
func allowed(bound, lag time.Duration) time.Duration {
	return bound + lagFactor*lag
}

// overBound describes a duration past its bound (stretched by the lag), or
// returns "" when it is within.
func overBound(elapsed, bound, lag time.Duration) string {
	if a := allowed(bound, lag); elapsed > a {
		return fmt.Sprintf("took %v, bound %v (+%d x %v of scheduling lag measured meanwhile = %v)",
			elapsed.Round(time.Millisecond), bound, lagFactor, lag.Round(time.Millisecond), a.Round(time.Millisecond))
	}
	return ""
}

// gcControl checks loop/gc_during_call against control runs of the same
// call without the GC, made right after it on fresh instances of the same
// plug-in: a GC beside the guest may cost a little, but a guest that held
// up the GC's stop-the-world (and with it the timer that interrupts it) takes
// many times longer. The bound is a ratio, so load slows both sides alike.
func gcControl(t *testing.T, r *result) {
	t.Helper()
	ctx := context.Background()
	var control time.Duration
	for range 2 {
		in, err := r.plugin.Instantiate(ctx)
		if err != nil {
			t.Fatalf("control: %v", err)
		}
		t0 := time.Now()
		_, err = in.Call(ctx, "spin", nil)
		control = max(control, time.Since(t0))
		_ = in.Close(ctx)
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("control: %v, want an interrupt at the deadline", err)
		}
	}
	bound := 3*control + time.Second
	t.Logf("with a GC: %v; without (slowest of 2 controls): %v", r.elapsed.Round(time.Millisecond), control.Round(time.Millisecond))
	if r.elapsed > bound {
		t.Errorf("the call with a GC beside it took %v, more than 3 x %v (the same call without it) + 1s: the guest held up the GC",
			r.elapsed.Round(time.Millisecond), control.Round(time.Millisecond))
	}
}
