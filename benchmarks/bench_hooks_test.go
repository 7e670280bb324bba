package benchmarks

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	extism "github.com/extism/go-sdk"

	"github.com/tendril-wasm/tendril/codec"
	"github.com/tendril-wasm/tendril/ext"
	tendril "github.com/tendril-wasm/tendril/runtime"
)

// Hooks (issue 10): an event fired into N plug-ins. The handler is
// ext/testdata/tag.wat's "append" (input ++ its config "tag", a few bytes),
// so the numbers are the dispatch's, not the guests'. Three ways, in one
// run:
//
//   - host=extism: what an application writes by hand on the reference
//     host, which has no hooks: a loop calling one instance per plug-in;
//   - host=tendril-direct: the same loop on Tendril instances
//     (Instance.Invoke), i.e. the guests' time plus the runtime's call path;
//   - host=tendril-pool: the same loop on a runtime.Pool per plug-in;
//   - host=tendril-hook: ext.Hook.Fire through a Registry (pools, priority
//     order, per-plug-in outcomes, the string codec both ways).
//
// Tendril's own share of a fire is hook minus direct, divided by N.

func hookWasm(b *testing.B) []byte {
	wasm, err := os.ReadFile(filepath.Join("..", "ext", "testdata", "tag.wasm"))
	if err != nil {
		b.Fatal(err)
	}
	return wasm
}

func BenchmarkHookNotify(b *testing.B) {
	for _, n := range []int{1, 4, 16} {
		benchHook(b, fmt.Sprintf("plugins=%d", n), n, ext.Notify)
	}
}

func BenchmarkHookFilter(b *testing.B) {
	benchHook(b, "stages=5", 5, ext.Filter)
}

func benchHook(b *testing.B, name string, n int, mode ext.Mode) {
	ctx := context.Background()
	wasm := hookWasm(b)
	in := []byte("event")

	b.Run(name+"/host=extism", func(b *testing.B) {
		ps := make([]*extism.Plugin, n)
		for i := range ps {
			m := extism.Manifest{Wasm: []extism.Wasm{extism.WasmData{Data: wasm}}, Config: map[string]string{"tag": strconv.Itoa(i)}}
			p, err := extism.NewPlugin(ctx, m, extism.PluginConfig{}, nil)
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() { p.Close(ctx) })
			ps[i] = p
		}
		b.ReportAllocs()
		b.ResetTimer()
		cpu := startCPU()
		for range b.N {
			v := in
			for _, p := range ps {
				_, out, err := p.CallWithContext(ctx, "append", v)
				if err != nil {
					b.Fatal(err)
				}
				if mode == ext.Filter {
					v = out
				}
			}
		}
		cpu.report(b)
	})

	b.Run(name+"/host=tendril-direct", func(b *testing.B) {
		rt, err := tendril.New(ctx, tendril.Options{})
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { rt.Close(ctx) })
		ins := make([]*tendril.Instance, n)
		var fn *tendril.Function
		for i := range ins {
			cp, err := rt.Compile(ctx, tendril.Manifest{Wasm: []tendril.WasmSource{{Data: wasm}},
				Config: map[string]string{"tag": strconv.Itoa(i)}}, tendril.PluginOptions{})
			if err != nil {
				b.Fatal(err)
			}
			if ins[i], err = cp.Instantiate(ctx); err != nil {
				b.Fatal(err)
			}
			if fn, err = cp.Function("append"); err != nil {
				b.Fatal(err)
			}
		}
		buf := make([]byte, 0, 64)
		b.ReportAllocs()
		b.ResetTimer()
		cpu := startCPU()
		for range b.N {
			v := in
			for _, inst := range ins {
				err := inst.Invoke(ctx, fn, v, func(out []byte) error {
					if mode == ext.Filter {
						buf = append(buf[:0], out...)
					}
					return nil
				})
				if err != nil {
					b.Fatal(err)
				}
				if mode == ext.Filter {
					v = buf
				}
			}
		}
		cpu.report(b)
	})

	b.Run(name+"/host=tendril-pool", func(b *testing.B) {
		rt, err := tendril.New(ctx, tendril.Options{})
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { rt.Close(ctx) })
		pools := make([]*tendril.Pool, n)
		var fn *tendril.Function
		for i := range pools {
			cp, err := rt.Compile(ctx, tendril.Manifest{Wasm: []tendril.WasmSource{{Data: wasm}},
				Config: map[string]string{"tag": strconv.Itoa(i)}}, tendril.PluginOptions{})
			if err != nil {
				b.Fatal(err)
			}
			if pools[i], err = cp.NewPool(ctx, tendril.PoolOptions{MinIdle: 1}); err != nil {
				b.Fatal(err)
			}
			if fn, err = cp.Function("append"); err != nil {
				b.Fatal(err)
			}
		}
		buf := make([]byte, 0, 64)
		b.ReportAllocs()
		b.ResetTimer()
		cpu := startCPU()
		for range b.N {
			v := in
			for _, p := range pools {
				err := p.Invoke(ctx, fn, v, func(out []byte) error {
					if mode == ext.Filter {
						buf = append(buf[:0], out...)
					}
					return nil
				})
				if err != nil {
					b.Fatal(err)
				}
				if mode == ext.Filter {
					v = buf
				}
			}
		}
		cpu.report(b)
	})

	b.Run(name+"/host=tendril-hook", func(b *testing.B) {
		reg, err := ext.New(ctx, ext.Options{})
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { reg.Close(ctx) })
		for i := range n {
			if _, err := reg.Register(ctx, fmt.Sprintf("p%02d", i), ext.Source{Wasm: wasm},
				ext.PluginOptions{Config: map[string]string{"tag": strconv.Itoa(i)}}); err != nil {
				b.Fatal(err)
			}
		}
		var fire func() error
		if mode == ext.Filter {
			h := ext.NewFilter[string](reg, "append", ext.HookOptions{Codec: codec.String{}})
			fire = func() error {
				res, err := h.Fire(ctx, "event")
				if err == nil {
					err = res.Err()
				}
				return err
			}
		} else {
			h := ext.NewNotify[string, string](reg, "append", ext.HookOptions{Codec: codec.String{}})
			fire = func() error {
				res, err := h.Fire(ctx, "event")
				if err == nil {
					err = res.Err()
				}
				return err
			}
		}
		for range 2 * n { // every pool warm
			if err := fire(); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportAllocs()
		b.ResetTimer()
		cpu := startCPU()
		for range b.N {
			if err := fire(); err != nil {
				b.Fatal(err)
			}
		}
		cpu.report(b)
	})
}
