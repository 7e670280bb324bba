package ext

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tendril-wasm/tendril/codec"
	"github.com/tendril-wasm/tendril/runtime"
)

// Metadata is what a plug-in declares about itself, read from the names of
// its exports without running it: an export "tendril:KEY/VALUE" (a function
// taking nothing and returning an i32, never called) declares KEY, its
// VALUE percent-decoded (so "tendril:description/Sorts%20lines"):
//
//	tendril:name/NAME          a display name (the registry's name is the app's)
//	tendril:version/VERSION    e.g. 1.2.0
//	tendril:description/TEXT   one line for people
//	tendril:codec/NAME         the default codec (CodecExportPrefix, DeclaredCodec)
//	tendril:priority/N         an integer; lower runs first (default 0)
//
// In Go, with package pdk:
//
//	//go:wasmexport tendril:version/1.2.0
//	func version() int32 { return 0 }
type Metadata struct {
	Name        string
	Version     string
	Description string
	Codec       string
	Priority    int
}

// MetadataPrefix starts the names of metadata exports.
const MetadataPrefix = "tendril:"

// parseMetadata reads metadata from a plug-in's function names.
func parseMetadata(funcs []string) Metadata {
	var m Metadata
	for _, f := range funcs {
		key, val, ok := strings.Cut(strings.TrimPrefix(f, MetadataPrefix), "/")
		if !ok || !strings.HasPrefix(f, MetadataPrefix) {
			continue
		}
		if v, err := url.PathUnescape(val); err == nil {
			val = v
		}
		switch key {
		case "name":
			m.Name = val
		case "version":
			m.Version = val
		case "description":
			m.Description = val
		case "codec":
			m.Codec = val
		case "priority":
			if n, err := strconv.Atoi(val); err == nil {
				m.Priority = n
			}
		}
	}
	return m
}

// Stats are a plug-in's counters since it was registered, across reloads.
type Stats struct {
	Calls   uint64        // calls made (hooks included)
	Errors  uint64        // calls that failed
	Latency time.Duration // total time in calls
	Reloads uint64        // successful reloads
}

// MeanLatency is Latency divided by Calls.
func (s Stats) MeanLatency() time.Duration {
	if s.Calls == 0 {
		return 0
	}
	return s.Latency / time.Duration(s.Calls)
}

// Info describes a registered plug-in as it is now.
type Info struct {
	Name      string
	Metadata  Metadata
	Priority  int      // the one in force: PluginOptions.Priority or Metadata's
	Functions []string // callable exports, sorted (metadata exports included)
	Version   uint64   // 1 at Register, +1 per reload
	Source    string
	Stats     Stats
}

// Plugin is a registered plug-in. It implements runtime.Callable, so typed
// calls work on it; a reload swaps what runs under it, and Invoke resolves a
// *runtime.Function of an earlier version again by name. It is safe for
// concurrent use.
type Plugin struct {
	reg  *Registry
	name string
	opts PluginOptions

	cur      atomic.Pointer[version] // nil once unregistered
	reloadMu sync.Mutex              // one reload (or unregister) at a time
	src      Source                  // guarded by reloadMu

	calls, errs, reloads atomic.Uint64
	nanos                atomic.Int64
}

var _ runtime.Callable = (*Plugin)(nil)

// version is one compiled version of a plug-in and its instances.
type version struct {
	cp       *runtime.CompiledPlugin
	pool     *runtime.Pool
	meta     Metadata
	priority int
	codec    codec.Codec // nil: the registry's default for hooks
	funcs    []string
	gen      uint64
	source   string
	// refs is 1 while the version is current, plus one per call running on
	// it; the one that takes it to 0 closes the version.
	refs      atomic.Int64
	closeOnce sync.Once
	closeErr  error
}

// Name is the name the plug-in is registered under.
func (p *Plugin) Name() string { return p.name }

// Function resolves a function of the current version.
func (p *Plugin) Function(name string) (*runtime.Function, error) {
	v := p.cur.Load()
	if v == nil {
		return nil, fmt.Errorf("%w: %q", ErrNotRegistered, p.name)
	}
	return v.cp.Function(name)
}

// Invoke calls fn on the current version (see runtime.Callable); a call that
// has started finishes on its version even if a reload replaces it.
func (p *Plugin) Invoke(ctx context.Context, fn *runtime.Function, input []byte, out func([]byte) error) error {
	_, err := p.invoke(ctx, fn, input, out)
	return err
}

// invoke is Invoke that also returns the time the call took.
func (p *Plugin) invoke(ctx context.Context, fn *runtime.Function, input []byte, out func([]byte) error) (time.Duration, error) {
	v, err := p.acquire()
	if err != nil {
		return 0, err
	}
	start := time.Since(p.reg.epoch) // monotonic clock only: half time.Now's cost
	err = v.pool.Invoke(ctx, fn, input, out)
	d := time.Since(p.reg.epoch) - start
	v.release()
	p.nanos.Add(int64(d))
	p.calls.Add(1)
	if err != nil {
		p.errs.Add(1)
	}
	return d, err
}

// Call calls the function name with input and returns its output, which the
// caller owns.
func (p *Plugin) Call(ctx context.Context, name string, input []byte) ([]byte, error) {
	fn, err := p.Function(name)
	if err != nil {
		return nil, err
	}
	var res []byte
	err = p.Invoke(ctx, fn, input, func(out []byte) error {
		res = slices.Clone(out)
		return nil
	})
	return res, err
}

// Handles reports whether the plug-in exports fn (so handles the hook fn).
func (p *Plugin) Handles(fn string) bool {
	v := p.cur.Load()
	if v == nil {
		return false
	}
	_, ok := slices.BinarySearch(v.funcs, fn)
	return ok
}

// Stats returns the plug-in's counters.
func (p *Plugin) Stats() Stats {
	return Stats{Calls: p.calls.Load(), Errors: p.errs.Load(),
		Latency: time.Duration(p.nanos.Load()), Reloads: p.reloads.Load()}
}

// Info describes the plug-in's current version; ok is false once it is
// unregistered.
func (p *Plugin) Info() (info Info, ok bool) {
	v := p.cur.Load()
	if v == nil {
		return Info{Name: p.name, Stats: p.Stats()}, false
	}
	return Info{Name: p.name, Metadata: v.meta, Priority: v.priority, Functions: slices.Clone(v.funcs),
		Version: v.gen, Source: v.source, Stats: p.Stats()}, true
}

// acquire returns the current version with a reference for one call.
func (p *Plugin) acquire() (*version, error) {
	for {
		v := p.cur.Load()
		if v == nil {
			return nil, fmt.Errorf("%w: %q", ErrNotRegistered, p.name)
		}
		// refs is 0 only for a version already replaced: cur has moved on.
		if n := v.refs.Load(); n > 0 && v.refs.CompareAndSwap(n, n+1) {
			return v, nil
		}
	}
}

// release drops a reference; the last one closes the version.
func (v *version) release() {
	if v.refs.Add(-1) == 0 {
		_ = v.close(context.Background(), false)
	}
}

// close closes the version; with force, calls still running are
// interrupted (closing the plug-in closes its pool at once).
func (v *version) close(ctx context.Context, force bool) error {
	v.closeOnce.Do(func() {
		if force {
			v.closeErr = v.cp.Close(ctx)
			return
		}
		v.closeErr = errors.Join(v.pool.Close(ctx), v.cp.Close(ctx))
	})
	return v.closeErr
}

// retire takes the plug-in out of service: calls running finish (or, with
// force, are interrupted) and its version is closed.
func (p *Plugin) retire(ctx context.Context, force bool) error {
	p.reloadMu.Lock()
	defer p.reloadMu.Unlock()
	v := p.cur.Swap(nil)
	if v == nil {
		return nil
	}
	if force {
		return v.close(ctx, true)
	}
	v.release()
	return nil
}
