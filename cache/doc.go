// Package cache keeps compiled WebAssembly modules, so that an application
// that loads the same plug-in again (a new manifest, a hot reload, another
// tenant) does not compile it again.
//
// A Cache holds *runtime.Module references of one Runtime in an LRU
// (github.com/hashicorp/golang-lru/v2), bounded by their number
// (Options.MaxEntries) and by the size of their WebAssembly
// (Options.MaxBytes: the proxy for their memory). Every lookup returns a new
// reference that the caller closes; build plug-ins on it with
// runtime.WasmSource.Module:
//
//	c, err := cache.New(rt, cache.Options{MaxEntries: 32})
//	defer c.Close(ctx)
//	mod, err := c.File(ctx, "plugins/vowels.wasm")
//	defer mod.Close(ctx)
//	plugin, err := rt.Compile(ctx, runtime.Manifest{
//		Wasm: []runtime.WasmSource{{Module: mod}},
//	}, runtime.PluginOptions{})
//
// Keys. A Key names a module: Cache.Module keys by the SHA-256 of the bytes
// (KeyOf), which costs about 1 ms per 2 MB on every lookup; Cache.File keys
// by path, size and modification time (FileKey: one stat); Cache.Get takes
// a key the caller computed once, so that a hit costs well under a
// microsecond whatever the module's size. A Cache belongs to one Runtime, and
// the Runtime's options (its memory limit) decide how a module is compiled,
// so the key needs nothing else. Concurrent lookups of one key load and
// compile once; failures are not kept.
//
// Eviction. A module evicted (or removed, or dropped by Close) leaves the
// cache at once, but the Runtime releases its compiled code only when the
// last reference goes: plug-ins, their instances and pools built on it go
// on working, and memory is bounded by what the cache keeps plus what live
// plug-ins use.
//
// On disk. With runtime.Options.CompilationCacheDir set, the Runtime's
// compiler (wazero) also keeps machine code in that directory, keyed by the
// module's instrumented bytes, the wazero version and the platform. A
// miss in this cache then reads machine code from disk instead of compiling
// (a restarted application starts warm: see benchmarks/README.md for the
// figures); this package needs no option for it.
package cache
