package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	goruntime "runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"text/tabwriter"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"

	"github.com/tendril-wasm/tendril/runtime"
)

// benchOptions are the flags of tendril bench: the plug-in flags of
// tendril call, and the benchmark's.
type benchOptions struct {
	callOptions
	inputFile   string
	concurrency intList
	pools       intList
	duration    time.Duration
	calls       int
	warmup      time.Duration
	json        bool
}

// parseBench parses and checks the command line of tendril bench.
func parseBench(args []string) (*benchOptions, error) {
	o := &benchOptions{callOptions: newCallOptions()}
	fs := newFlagSet("bench")
	o.pluginFlags(fs)
	fs.StringVar(&o.inputFile, "input-file", "", "")
	o.concurrency = intList{1}
	fs.Var(&o.concurrency, "concurrency", "")
	fs.Var(&o.pools, "pool", "")
	o.duration = 2 * time.Second
	fs.Var((*durationValue)(&o.duration), "duration", "")
	fs.Var(intValue{v: &o.calls, min: 1, max: math.MaxInt}, "calls", "")
	o.warmup = 200 * time.Millisecond
	fs.Var((*durationValue)(&o.warmup), "warmup", "")
	fs.Var((*boolValue)(&o.json), "json", "")
	if err := o.parsePlugin("bench", fs, args); err != nil {
		return nil, err
	}
	inputs := 0
	for _, f := range []string{"input", "input-file", "stdin"} {
		if o.set[f] {
			inputs++
		}
	}
	switch {
	case inputs > 1:
		return nil, usagef("bench", "--input, --input-file and --stdin exclude each other")
	case o.set["duration"] && o.set["calls"]:
		return nil, usagef("bench", "--duration and --calls exclude each other")
	case o.duration <= 0:
		return nil, usagef("bench", "--duration: want a duration over 0, got %v", o.duration)
	case o.warmup < 0:
		return nil, usagef("bench", "--warmup: want a duration of 0 or more, got %v", o.warmup)
	}
	return o, nil
}

// intList is a comma-separated list of whole numbers of 1 or more.
type intList []int

func (l *intList) String() string {
	s := make([]string, len(*l))
	for i, n := range *l {
		s[i] = strconv.Itoa(n)
	}
	return strings.Join(s, ",")
}

func (l *intList) Set(s string) error {
	var out intList
	for _, f := range strings.Split(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 {
			return fmt.Errorf("want whole numbers of 1 or more separated by commas, got %q", s)
		}
		out = append(out, n)
	}
	*l = out
	return nil
}

// benchReport is what --json prints.
type benchReport struct {
	Plugin     string        `json:"plugin"`
	Function   string        `json:"function"`
	InputBytes int           `json:"input_bytes"`
	CPUs       int           `json:"cpus"`
	Go         string        `json:"go"`
	Results    []benchResult `json:"results"`
}

// benchResult is one configuration's measurement.
type benchResult struct {
	Goroutines    int          `json:"goroutines"`
	Pool          int          `json:"pool"`
	Calls         int64        `json:"calls"`
	Seconds       float64      `json:"seconds"`
	CallsPerSec   float64      `json:"calls_per_sec"`
	Latency       latencyStats `json:"latency_ns"`
	AllocsPerCall float64      `json:"allocs_per_call"`
	BytesPerCall  float64      `json:"bytes_per_call"`
	Instances     uint64       `json:"instances_created"`
	Waits         uint64       `json:"waits"`
}

type latencyStats struct {
	Mean float64 `json:"mean"`
	P50  int64   `json:"p50"`
	P90  int64   `json:"p90"`
	P99  int64   `json:"p99"`
	Max  int64   `json:"max"`
}

// benchCmd runs tendril bench.
func benchCmd(ctx context.Context, args []string, sio stdio) error {
	o, err := parseBench(args)
	if err != nil {
		return err
	}
	input := []byte(o.input)
	switch {
	case o.set["input-file"]:
		if input, err = os.ReadFile(o.inputFile); err != nil {
			return err
		}
	case o.stdin && sio.in != nil:
		if input, err = io.ReadAll(sio.in); err != nil {
			return fmt.Errorf("reading stdin: %w", err)
		}
	}
	if fi, err := os.Stat(o.plugin); err == nil && fi.IsDir() {
		wasm, cleanup, err := buildSource(ctx, o.plugin)
		if err != nil {
			return err
		}
		defer cleanup()
		o.plugin, o.wasi = wasm, true
	}
	m, name, err := loadPlugin(o.plugin)
	if err != nil {
		return err
	}
	o.apply(&m)
	rt, err := newRuntime(ctx, o.cache, newLogger(sio.errOut, o.level))
	if err != nil {
		return err
	}
	defer rt.Close(context.WithoutCancel(ctx))
	wasi := o.wasi || len(m.AllowedPaths) > 0
	p, err := rt.Compile(ctx, m, runtime.PluginOptions{WASI: wasi, Name: name})
	if err != nil {
		var ie *runtime.ImportError
		if !wasi && errors.As(err, &ie) && ie.WASI() {
			return fmt.Errorf("%s: %w (add --wasi)", o.plugin, err)
		}
		return fmt.Errorf("%s: %w", o.plugin, err)
	}
	fn, err := p.Function(o.function)
	if err != nil {
		return fmt.Errorf("plug-in %s has no function %q; it exports %s", p.Name(), o.function, exportList(p.Functions()))
	}

	report := benchReport{Plugin: p.Name(), Function: fn.Name(), InputBytes: len(input), CPUs: goruntime.GOMAXPROCS(0), Go: goruntime.Version()}
	var configs [][2]int
	for _, g := range o.concurrency {
		if len(o.pools) == 0 {
			configs = append(configs, [2]int{g, g})
		}
		for _, size := range o.pools {
			configs = append(configs, [2]int{g, size})
		}
	}
	progress := newProgress(sio.errOut)
	for i, c := range configs {
		progress.config = fmt.Sprintf("[%d/%d] goroutines %d, pool %d", i+1, len(configs), c[0], c[1])
		r, err := o.measure(ctx, p, fn, input, c[0], c[1], progress)
		if err != nil {
			return err
		}
		report.Results = append(report.Results, r)
	}
	if o.json {
		enc := json.NewEncoder(sio.out)
		enc.SetIndent("", "  ")
		return enc.Encode(report)
	}
	return report.print(sio.out)
}

// measure runs one configuration: a pool of size instances (all created
// before the clock starts) called by g goroutines, each call through
// Pool.Invoke with the function resolved once, as an application calls.
func (o *benchOptions) measure(ctx context.Context, p *runtime.CompiledPlugin, fn *runtime.Function, input []byte, g, size int, pr *progress) (benchResult, error) {
	pool, err := p.NewPool(ctx, runtime.PoolOptions{MaxInstances: size, MinIdle: size})
	if err != nil {
		return benchResult{}, err
	}
	defer pool.Close(context.WithoutCancel(ctx))
	if o.warmup > 0 {
		pr.phase, pr.total = "warm-up", o.warmup
		if _, err := drive(ctx, pool, fn, input, g, o.warmup, 0, pr, false); err != nil {
			return benchResult{}, err
		}
	}
	pr.phase, pr.total = "measuring", o.duration
	calls := 0
	if o.set["calls"] {
		calls, pr.total = o.calls, 0
	}
	before := pool.Stats()
	var ms0, ms1 goruntime.MemStats
	goruntime.GC()
	goruntime.ReadMemStats(&ms0)
	res, err := drive(ctx, pool, fn, input, g, o.duration, calls, pr, true)
	goruntime.ReadMemStats(&ms1)
	pr.clear()
	if err != nil {
		return benchResult{}, err
	}
	after := pool.Stats()
	h := res.hist
	n := h.TotalCount()
	return benchResult{
		Goroutines:  g,
		Pool:        size,
		Calls:       n,
		Seconds:     res.elapsed.Seconds(),
		CallsPerSec: float64(n) / res.elapsed.Seconds(),
		Latency: latencyStats{
			Mean: h.Mean(), P50: h.ValueAtQuantile(50), P90: h.ValueAtQuantile(90),
			P99: h.ValueAtQuantile(99), Max: h.Max(),
		},
		AllocsPerCall: float64(ms1.Mallocs-ms0.Mallocs) / float64(max(n, 1)),
		BytesPerCall:  float64(ms1.TotalAlloc-ms0.TotalAlloc) / float64(max(n, 1)),
		Instances:     after.Created - before.Created,
		Waits:         after.WaitCount - before.WaitCount,
	}, nil
}

// runResult is what drive measured.
type runResult struct {
	hist    *hdrhistogram.Histogram // latency of each call, in ns
	elapsed time.Duration
}

// drive calls fn from g goroutines until d has passed or, when calls > 0,
// until that many calls were made. The first error stops every goroutine.
func drive(ctx context.Context, pool *runtime.Pool, fn *runtime.Function, input []byte, g int, d time.Duration, calls int, pr *progress, record bool) (runResult, error) {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	var (
		wg    sync.WaitGroup
		left  atomic.Int64 // calls still to make (calls > 0)
		done  atomic.Int64
		hists = make([]*hdrhistogram.Histogram, g)
	)
	left.Store(int64(calls))
	discard := func([]byte) error { return nil }
	// Calls get a context that is never done, as a hot path's usually is:
	// a done-able one costs an AfterFunc per call, and one made by
	// context.WithoutCancel 2 allocations (wazero's Value lookups box it).
	// Ctrl-C stops the run between calls; a manifest's timeout_ms still
	// bounds each one.
	callCtx := context.Background()
	start := time.Now()
	deadline := start.Add(d)
	stop := pr.start(start, &done, int64(calls))
	for i := range g {
		hists[i] = hdrhistogram.New(1, int64(time.Hour), 3)
		wg.Add(1)
		go func(h *hdrhistogram.Histogram) {
			defer wg.Done()
			for ctx.Err() == nil {
				if calls > 0 && left.Add(-1) < 0 {
					return
				}
				t0 := time.Now()
				if err := pool.Invoke(callCtx, fn, input, discard); err != nil {
					cancel(err)
					return
				}
				t1 := time.Now()
				if record {
					_ = h.RecordValue(int64(t1.Sub(t0)))
				}
				done.Add(1)
				if calls == 0 && t1.After(deadline) {
					return
				}
			}
		}(hists[i])
	}
	wg.Wait()
	elapsed := time.Since(start)
	stop()
	if err := context.Cause(ctx); err != nil { // a call failed, or ctx ended
		return runResult{}, err
	}
	for _, h := range hists[1:] {
		hists[0].Merge(h)
	}
	return runResult{hist: hists[0], elapsed: elapsed}, nil
}

// print writes the report as a table.
func (r *benchReport) print(w io.Writer) error {
	fmt.Fprintf(w, "plug-in %s, function %s, input %d B; %d CPUs, %s\n\n", r.Plugin, r.Function, r.InputBytes, r.CPUs, r.Go)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "goroutines\tpool\tcalls\tcalls/s\tp50\tp90\tp99\tmax\tallocs/call\tB/call\t")
	for _, x := range r.Results {
		fmt.Fprintf(tw, "%d\t%d\t%d\t%.0f\t%s\t%s\t%s\t%s\t%.1f\t%.0f\t\n", x.Goroutines, x.Pool, x.Calls, x.CallsPerSec,
			ns(x.Latency.P50), ns(x.Latency.P90), ns(x.Latency.P99), ns(x.Latency.Max), x.AllocsPerCall, x.BytesPerCall)
	}
	return tw.Flush()
}

// ns formats a latency in ns with three significant digits.
func ns(v int64) string {
	d := time.Duration(v)
	switch {
	case d < time.Microsecond:
		return fmt.Sprintf("%dns", v)
	case d < time.Millisecond:
		return fmt.Sprintf("%.3gµs", float64(d)/float64(time.Microsecond))
	case d < time.Second:
		return fmt.Sprintf("%.3gms", float64(d)/float64(time.Millisecond))
	}
	return fmt.Sprintf("%.3gs", d.Seconds())
}

// progress draws a progress bar on a terminal; elsewhere it draws nothing.
type progress struct {
	w      io.Writer
	on     bool
	config string
	phase  string
	total  time.Duration // of a timed phase; 0 for a counted one
}

// newProgress returns a progress bar on w when w is a terminal (a
// character device).
func newProgress(w io.Writer) *progress {
	f, ok := w.(*os.File)
	if !ok {
		return &progress{w: w}
	}
	fi, err := f.Stat()
	return &progress{w: w, on: err == nil && fi.Mode()&os.ModeCharDevice != 0}
}

// start redraws the bar every 100 ms until the returned func is called.
func (p *progress) start(start time.Time, done *atomic.Int64, calls int64) (stop func()) {
	if !p.on {
		return func() {}
	}
	quit, exited := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(exited)
		t := time.NewTicker(100 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-quit:
				return
			case now := <-t.C:
				frac := 0.0
				if calls > 0 {
					frac = float64(done.Load()) / float64(calls)
				} else if p.total > 0 {
					frac = float64(now.Sub(start)) / float64(p.total)
				}
				frac = min(max(frac, 0), 1)
				const width = 30
				bar := strings.Repeat("#", int(frac*width)) + strings.Repeat(".", width-int(frac*width))
				fmt.Fprintf(p.w, "\r\033[K%s %s [%s] %3.0f%% %d calls", p.config, p.phase, bar, frac*100, done.Load())
			}
		}
	}()
	return func() { close(quit); <-exited }
}

// clear erases the bar.
func (p *progress) clear() {
	if p.on {
		fmt.Fprint(p.w, "\r\033[K")
	}
}
