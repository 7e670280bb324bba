package benchmarks

import (
	"context"
	"testing"

	tendril "github.com/tendril-wasm/tendril/runtime"
)

// BenchmarkCallPaths compares Tendril's three ways to call with the
// reference host's Call, on a warm instance:
//   - path=extism: go-sdk's CallWithContext (looks the function up, copies the output);
//   - path=call: Instance.Call by name (a map lookup, output copied for the caller);
//   - path=function: Instance.CallFunction with a resolved *Function (output copied);
//   - path=invoke: Instance.Invoke with a resolved *Function (output lent to a callback).
//
// noop returns nothing (so no copy either way); count_vowels on 1 KiB
// returns 45 bytes.
func BenchmarkCallPaths(b *testing.B) {
	for _, c := range []struct {
		name  string
		p     plugin
		input []byte
	}{
		{"noop", noop, nil},
		{"count_vowels_1KiB", countVowels, input(1 << 10)},
	} {
		hs := hosts(b)
		b.Run("fn="+c.name+"/path=extism", func(b *testing.B) {
			benchCalls(b, instantiate(b, hs[0], c.p), c.p.fn, c.input)
		})
		rt := hs[1].(tendrilHost).rt
		ctx := context.Background()
		p, err := rt.Compile(ctx, tendril.Manifest{Wasm: []tendril.WasmSource{{Data: c.p.wasm(b)}}}, tendril.PluginOptions{WASI: c.p.wasi})
		if err != nil {
			b.Fatal(err)
		}
		fn, err := p.Function(c.p.fn)
		if err != nil {
			b.Fatal(err)
		}
		in, err := p.Instantiate(ctx)
		if err != nil {
			b.Fatal(err)
		}
		var n int
		sink := func(out []byte) error { n += len(out); return nil }
		for _, path := range []struct {
			name string
			call func() error
		}{
			{"call", func() error { _, err := in.Call(ctx, c.p.fn, c.input); return err }},
			{"function", func() error { _, err := in.CallFunction(ctx, fn, c.input); return err }},
			{"invoke", func() error { return in.Invoke(ctx, fn, c.input, sink) }},
		} {
			b.Run("fn="+c.name+"/path="+path.name, func(b *testing.B) {
				if err := path.call(); err != nil { // warm up outside the timer
					b.Fatal(err)
				}
				b.SetBytes(int64(len(c.input)))
				b.ReportAllocs()
				cpu := startCPU()
				for b.Loop() {
					if err := path.call(); err != nil {
						b.Fatal(err)
					}
				}
				cpu.report(b)
			})
		}
	}
}

// BenchmarkCompileShared compiles count_vowels.wasm into a Runtime that
// already holds it (a Module handle): what a second plug-in over the same
// module costs (hash, bind config and grants, no compilation), beside
// go-sdk's NewCompiledPlugin, which compiles every time.
func BenchmarkCompileShared(b *testing.B) {
	hs := hosts(b)
	wasm := countVowels.wasm(b)
	ctx := context.Background()
	b.Run("host=extism", func(b *testing.B) {
		b.ReportAllocs()
		cpu := startCPU()
		for b.Loop() {
			c, err := hs[0].Compile(ctx, wasm, countVowels.wasi)
			if err != nil {
				b.Fatal(err)
			}
			_ = c.Close(ctx)
		}
		cpu.report(b)
	})
	b.Run("host=tendril", func(b *testing.B) {
		rt := hs[1].(tendrilHost).rt
		mod, err := rt.CompileModule(ctx, wasm)
		if err != nil {
			b.Fatal(err)
		}
		defer mod.Close(ctx)
		for _, src := range []struct {
			name string
			w    tendril.WasmSource
		}{{"bytes", tendril.WasmSource{Data: wasm}}, {"module", tendril.WasmSource{Module: mod}}} {
			b.Run("from="+src.name, func(b *testing.B) {
				b.ReportAllocs()
				cpu := startCPU()
				for b.Loop() {
					p, err := rt.Compile(ctx, tendril.Manifest{Wasm: []tendril.WasmSource{src.w}}, tendril.PluginOptions{})
					if err != nil {
						b.Fatal(err)
					}
					_ = p.Close(ctx)
				}
				cpu.report(b)
			})
		}
		if s := rt.Stats(); s.Compilations != 1 {
			b.Fatalf("compiled %d times, want 1", s.Compilations)
		}
	})
}
