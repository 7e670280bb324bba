package cache

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync"
	"time"

	"github.com/hashicorp/golang-lru/v2/simplelru"

	"github.com/tendril-wasm/tendril/runtime"
)

// Defaults applied when an Options field is zero.
const (
	DefaultMaxEntries = 64
	DefaultMaxBytes   = 256 << 20 // of WebAssembly: see Options.MaxBytes
)

// ErrClosed: the cache was closed.
var ErrClosed = errors.New("cache: closed")

// Options bound a Cache. The zero value means the defaults.
type Options struct {
	// MaxEntries bounds the modules kept. 0 means DefaultMaxEntries.
	MaxEntries int
	// MaxBytes bounds the modules kept by the size of their WebAssembly,
	// the proxy for their memory: wazero's compiled code (not on the Go
	// heap) is typically one to three times larger. A module larger than
	// MaxBytes is compiled and returned but not kept. 0 means
	// DefaultMaxBytes.
	MaxBytes int64
}

// Stats are a Cache's counters.
type Stats struct {
	Entries int   // modules kept now
	Bytes   int64 // their WebAssembly size

	Hits      uint64 // lookups answered from the cache
	Misses    uint64 // lookups that loaded and compiled the module
	Coalesced uint64 // lookups that waited for another's compilation of the same key
	Evictions uint64 // modules dropped to stay within the bounds
	// CompileTime is the time misses spent loading and compiling.
	CompileTime time.Duration
}

// Cache keeps the modules a Runtime compiled, most recently used first,
// within bounds on their number and size. It is safe for concurrent use.
//
// Every module it returns is a new reference that the caller closes. An
// evicted module leaves the cache at once, but its compiled code lives on
// until the last reference (a handle, a plug-in or an instance built on it)
// is closed: the Runtime counts them.
type Cache struct {
	rt   *runtime.Runtime
	opts Options

	mu      sync.Mutex
	lru     *simplelru.LRU[Key, *entry]
	bytes   int64
	flights map[Key]*flight
	evicted []*runtime.Module // to close once mu is released
	stats   Stats
	closed  bool
}

// entry is a module the cache holds: its own reference, and its size.
type entry struct {
	mod  *runtime.Module
	size int64
}

// flight is one compilation that concurrent lookups of a key share.
type flight struct {
	done    chan struct{}
	waiters int               // lookups waiting on it (guarded by Cache.mu)
	refs    []*runtime.Module // one per waiter, once done
	err     error
}

// New makes a cache of rt's modules. rt's options decide how modules are
// compiled (memory limit, on-disk compilation cache): a Cache belongs to
// one Runtime, and a key names content compiled that way.
func New(rt *runtime.Runtime, opts Options) (*Cache, error) {
	switch {
	case rt == nil:
		return nil, errors.New("cache: nil Runtime")
	case opts.MaxEntries < 0:
		return nil, fmt.Errorf("cache: Options.MaxEntries %d is negative", opts.MaxEntries)
	case opts.MaxBytes < 0:
		return nil, fmt.Errorf("cache: Options.MaxBytes %d is negative", opts.MaxBytes)
	}
	if opts.MaxEntries == 0 {
		opts.MaxEntries = DefaultMaxEntries
	}
	if opts.MaxBytes == 0 {
		opts.MaxBytes = DefaultMaxBytes
	}
	c := &Cache{rt: rt, opts: opts, flights: map[Key]*flight{}}
	lru, err := simplelru.NewLRU(opts.MaxEntries, c.onEvict)
	if err != nil {
		return nil, fmt.Errorf("cache: %w", err)
	}
	c.lru = lru
	return c, nil
}

// onEvict runs under c.mu, inside the LRU's methods: the module is closed
// once c.mu is released.
func (c *Cache) onEvict(_ Key, e *entry) {
	c.bytes -= e.size
	c.evicted = append(c.evicted, e.mod)
}

// takeEvicted returns the modules to close; c.mu is held.
func (c *Cache) takeEvicted() []*runtime.Module {
	ev := c.evicted
	c.evicted = nil
	return ev
}

func closeAll(ctx context.Context, mods []*runtime.Module) error {
	var errs []error
	for _, m := range mods {
		errs = append(errs, m.Close(ctx))
	}
	return errors.Join(errs...)
}

// Module returns a reference to wasm compiled, compiling it unless the
// cache has it. It hashes wasm each time (KeyOf); Get with a key computed
// once skips that.
func (c *Cache) Module(ctx context.Context, wasm []byte) (*runtime.Module, error) {
	return c.Get(ctx, KeyOf(wasm), func(context.Context) ([]byte, error) { return wasm, nil })
}

// File returns a reference to the module in the file at path, keyed by
// FileKey: a hit costs one stat, not a read.
func (c *Cache) File(ctx context.Context, path string) (*runtime.Module, error) {
	key, err := FileKey(path)
	if err != nil {
		return nil, err
	}
	return c.Get(ctx, key, func(context.Context) ([]byte, error) {
		b, err := os.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("cache: %w", err)
		}
		return b, nil
	})
}

// Get returns a reference to the module key names. On a miss it calls load
// for the module's bytes and compiles them; concurrent lookups of one key
// share one load and compilation (a lookup whose context ends stops
// waiting; one that waited on a compilation that failed because the other
// caller's context ended tries again). Failures are not cached.
func (c *Cache) Get(ctx context.Context, key Key, load func(ctx context.Context) ([]byte, error)) (*runtime.Module, error) {
	for {
		c.mu.Lock()
		if c.closed {
			c.mu.Unlock()
			return nil, ErrClosed
		}
		if e, ok := c.lru.Get(key); ok {
			c.stats.Hits++
			m, err := e.mod.Ref() // under mu: an eviction cannot close e.mod meanwhile
			c.mu.Unlock()
			return m, err
		}
		if f, ok := c.flights[key]; ok {
			f.waiters++
			c.stats.Coalesced++
			c.mu.Unlock()
			m, err, retry := c.wait(ctx, f)
			if retry {
				continue
			}
			return m, err
		}
		f := &flight{done: make(chan struct{})}
		c.flights[key] = f
		c.stats.Misses++
		c.mu.Unlock()
		return c.fill(ctx, key, f, load)
	}
}

// wait waits for another lookup's compilation; retry says that it failed
// for a reason of that lookup (its context), not of the module.
func (c *Cache) wait(ctx context.Context, f *flight) (_ *runtime.Module, _ error, retry bool) {
	select {
	case <-f.done:
	case <-ctx.Done():
		c.mu.Lock()
		select {
		case <-f.done: // done meanwhile: take the result after all
			c.mu.Unlock()
		default:
			f.waiters--
			c.mu.Unlock()
			return nil, ctx.Err(), false
		}
	}
	c.mu.Lock()
	var m *runtime.Module
	if n := len(f.refs); n > 0 {
		m = f.refs[n-1]
		f.refs = f.refs[:n-1]
	}
	c.mu.Unlock()
	if f.err != nil {
		if (errors.Is(f.err, context.Canceled) || errors.Is(f.err, context.DeadlineExceeded)) && ctx.Err() == nil {
			return nil, nil, true
		}
		return nil, f.err, false
	}
	return m, nil, false
}

// fill loads and compiles key's module, keeps it, and shares it with the
// lookups that waited.
func (c *Cache) fill(ctx context.Context, key Key, f *flight, load func(context.Context) ([]byte, error)) (*runtime.Module, error) {
	start := time.Now()
	var mod *runtime.Module
	wasm, err := load(ctx)
	if err == nil {
		mod, err = c.rt.CompileModule(ctx, wasm)
	}
	elapsed := time.Since(start)

	c.mu.Lock()
	delete(c.flights, key)
	c.stats.CompileTime += elapsed
	f.err = err
	if err == nil {
		for range f.waiters {
			r, rerr := mod.Ref()
			if rerr != nil {
				f.err = rerr
				break
			}
			f.refs = append(f.refs, r)
		}
		if !c.closed {
			if keep, rerr := mod.Ref(); rerr == nil {
				size := int64(len(wasm))
				if c.lru.Add(key, &entry{mod: keep, size: size}) {
					c.stats.Evictions++
				}
				c.bytes += size
				for c.bytes > c.opts.MaxBytes && c.lru.Len() > 0 {
					c.lru.RemoveOldest()
					c.stats.Evictions++
				}
			}
		}
	}
	close(f.done) // under mu: a waiter giving up sees either done or its ref not made
	evicted := c.takeEvicted()
	c.mu.Unlock()
	if err != nil {
		return nil, err
	}
	if err := closeAll(context.WithoutCancel(ctx), evicted); err != nil {
		return mod, fmt.Errorf("cache: closing evicted modules: %w", err)
	}
	return mod, nil
}

// Remove drops key's module from the cache, if it holds it; references
// handed out stay valid.
func (c *Cache) Remove(ctx context.Context, key Key) error {
	c.mu.Lock()
	c.lru.Remove(key)
	evicted := c.takeEvicted()
	c.mu.Unlock()
	return closeAll(ctx, evicted)
}

// Stats returns the cache's counters.
func (c *Cache) Stats() Stats {
	c.mu.Lock()
	defer c.mu.Unlock()
	st := c.stats
	st.Entries, st.Bytes = c.lru.Len(), c.bytes
	return st
}

// Close drops every module the cache holds (references handed out stay
// valid) and makes later lookups fail with ErrClosed. It is idempotent.
func (c *Cache) Close(ctx context.Context) error {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return nil
	}
	c.closed = true
	c.lru.Purge()
	evicted := c.takeEvicted()
	c.mu.Unlock()
	return closeAll(ctx, evicted)
}
