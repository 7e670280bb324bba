package benchmarks

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/stretchr/testify/require"

	"github.com/tendril-wasm/tendril/codec"
	"github.com/tendril-wasm/tendril/codec/json"
	"github.com/tendril-wasm/tendril/codec/msgpack"
	"github.com/tendril-wasm/tendril/codec/protobuf"
	"github.com/tendril-wasm/tendril/ext"
	"github.com/tendril-wasm/tendril/internal/codectest"
	"github.com/tendril-wasm/tendril/internal/guestbuild/guesttest"
	"github.com/tendril-wasm/tendril/internal/testproto"
	tendril "github.com/tendril-wasm/tendril/runtime"
)

// Typed calls (package ext) against the raw call they are built on. The
// guest is the typed test plug-in (internal/testplugins/typed): its export
// echo_<codec> decodes its input with that codec into a Go value (pdk.RunTyped)
// and encodes it back. For each codec and payload size, three bodies:
//
//   - call=typed: ext.Func.Call, the Go value in, the Go value out;
//   - call=raw: the same export given the same bytes, already encoded, on the
//     same instance with Instance.Invoke (output lent, not copied): the
//     guest's work and the runtime's, without the host's codec;
//   - call=codec: the host's codec alone, as Func uses it: AppendMarshal into
//     a reused buffer, then Unmarshal of the guest's output;
//   - call=paired: a typed call and a raw call in turn, each timed: the
//     median of (typed - raw) over the pairs (metric typed-raw-ns), which
//     the machine's load touches alike;
//   - call=ext: ext.Func.Call over an in-process Callable that echoes the
//     bytes in Go, no wasm: the codec plus what package ext adds, free of the
//     guest's noise.
//
// The typed call's own cost is typed - raw - codec, which on a loaded machine
// drowns in the guest's variance; typed-raw-ns - codec is steadier, and
// ext - codec measures what package ext adds precisely. The target is 100 ns
// at most, with no allocation beyond the codec's (compare allocs/op of typed,
// ext and codec). cmd/typedchart turns the output into the table and chart of
// README.md.

// typedCodecs are the codecs measured, in the order the table lists them.
var typedCodecs = []codec.Codec{json.Codec{}, msgpack.Codec{}, protobuf.Codec{}, codec.Raw{}, codec.String{}}

func BenchmarkTyped(b *testing.B) {
	inst := typedInstance(b)
	for _, cd := range typedCodecs {
		for _, s := range codectest.Sizes {
			b.Run("codec="+cd.Name()+"/size="+s.Name, func(b *testing.B) {
				switch cd.Name() {
				case protobuf.Name:
					benchTyped(b, inst, cd, codectest.ProtoPayload(s.Bytes))
				case codec.RawName:
					benchTyped(b, inst, cd, codectest.Bytes(s.Bytes))
				case codec.StringName:
					benchTyped(b, inst, cd, typedText(s.Bytes))
				default:
					benchTyped(b, inst, cd, codectest.Payload(s.Bytes))
				}
			})
		}
	}
}

func benchTyped[T any](b *testing.B, inst *tendril.Instance, cd codec.Codec, v T) {
	ctx := context.Background()
	name := "echo_" + cd.Name()
	f, err := ext.NewFunc[T, T](inst, name, cd)
	require.NoError(b, err)
	fn, err := inst.Function(name)
	require.NoError(b, err)
	enc, err := codec.Marshal(cd, v)
	require.NoError(b, err)
	b.Run("call=typed", func(b *testing.B) { loopFunc(b, f, v, len(enc)) })
	b.Run("call=raw", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(enc)))
		n := 0
		seen := func(out []byte) error { n = len(out); return nil }
		cpu := startCPU()
		for b.Loop() {
			if err := inst.Invoke(ctx, fn, enc, seen); err != nil {
				b.Fatal(err)
			}
		}
		cpu.report(b)
		if n != len(enc) {
			b.Fatalf("echo returned %d bytes, want %d", n, len(enc))
		}
	})
	b.Run("call=codec", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(enc)))
		var buf []byte
		var in, out, zero T
		cpu := startCPU()
		for b.Loop() {
			in = v
			if buf, err = cd.AppendMarshal(buf[:0], &in); err != nil {
				b.Fatal(err)
			}
			out = zero
			if err := cd.Unmarshal(enc, &out); err != nil {
				b.Fatal(err)
			}
		}
		cpu.report(b)
	})
	b.Run("call=paired", func(b *testing.B) {
		// A typed call and a raw call in turn (each first every other
		// time), timed one by one: the median of their differences is
		// what a typed call costs beyond the raw one, with the machine's
		// load the same for both.
		var diffs []float64
		seen := func([]byte) error { return nil }
		i := 0
		for b.Loop() {
			i++
			t0 := time.Now()
			var typed, raw time.Duration
			if i%2 == 0 {
				_, err = f.Call(ctx, v)
				t1 := time.Now()
				err = errors.Join(err, inst.Invoke(ctx, fn, enc, seen))
				typed, raw = t1.Sub(t0), time.Since(t1)
			} else {
				err = inst.Invoke(ctx, fn, enc, seen)
				t1 := time.Now()
				_, ferr := f.Call(ctx, v)
				err = errors.Join(err, ferr)
				raw, typed = t1.Sub(t0), time.Since(t1)
			}
			if err != nil {
				b.Fatal(err)
			}
			diffs = append(diffs, float64(typed-raw))
		}
		slices.Sort(diffs)
		b.ReportMetric(diffs[len(diffs)/2], "typed-raw-ns")
	})
	g, err := ext.NewFunc[T, T](goEcho{}, name, cd)
	require.NoError(b, err)
	b.Run("call=ext", func(b *testing.B) { loopFunc(b, g, v, len(enc)) })
}

func loopFunc[T any](b *testing.B, f *ext.Func[T, T], v T, size int) {
	ctx := context.Background()
	b.ReportAllocs()
	b.SetBytes(int64(size))
	cpu := startCPU()
	for b.Loop() {
		if _, err := f.Call(ctx, v); err != nil {
			b.Fatal(err)
		}
	}
	cpu.report(b)
}

// goEcho is a Callable that runs no wasm: every function returns its input.
// Its Function handles are nil, which only it accepts.
type goEcho struct{}

func (goEcho) Function(string) (*tendril.Function, error) { return nil, nil }

func (goEcho) Invoke(_ context.Context, _ *tendril.Function, input []byte, out func([]byte) error) error {
	return out(input)
}

// TestTypedBenchAgree runs each body of BenchmarkTyped once: the typed call
// returns the value sent, and its encoding is what the raw call sends.
func TestTypedBenchAgree(t *testing.T) {
	ctx := context.Background()
	inst := typedInstance(t)
	for _, cd := range typedCodecs {
		for _, s := range codectest.Sizes[:2] {
			t.Run("codec="+cd.Name()+"/size="+s.Name, func(t *testing.T) {
				switch cd.Name() {
				case protobuf.Name:
					f, err := ext.NewFunc[*testproto.Record, *testproto.Record](inst, "echo_"+cd.Name(), cd)
					require.NoError(t, err)
					v := codectest.ProtoPayload(s.Bytes)
					out, err := f.Call(ctx, v)
					require.NoError(t, err)
					require.Equal(t, codectest.FromProto(v), codectest.FromProto(out))
				case codec.RawName:
					agree(t, ctx, inst, cd, codectest.Bytes(s.Bytes))
				case codec.StringName:
					agree(t, ctx, inst, cd, typedText(s.Bytes))
				default:
					agree(t, ctx, inst, cd, codectest.Payload(s.Bytes))
				}
			})
		}
	}
}

func agree[T any](t *testing.T, ctx context.Context, inst *tendril.Instance, cd codec.Codec, v T) {
	f, err := ext.NewFunc[T, T](inst, "echo_"+cd.Name(), cd)
	require.NoError(t, err)
	out, err := f.Call(ctx, v)
	require.NoError(t, err)
	require.Equal(t, v, out)
	enc, err := codec.Marshal(cd, v)
	require.NoError(t, err)
	raw, err := inst.Call(ctx, "echo_"+cd.Name(), enc)
	require.NoError(t, err)
	require.Equal(t, enc, raw)
}

// typedText returns n bytes of UTF-8 text, multi-byte characters included.
func typedText(n int) string {
	const unit = "Grüße, 世界! tendril 🌱 "
	s := strings.Repeat(unit, n/len(unit)+1)
	s = s[:n]
	for !utf8.ValidString(s) {
		s = s[:len(s)-1] // do not end inside a character
	}
	return s
}

// typedInstance is an instance of the typed test plug-in, its host
// functions granted (typed, transforming as the plug-in does), compiled
// once per test binary.
func typedInstance(tb testing.TB) *tendril.Instance {
	tb.Helper()
	ctx := context.Background()
	wasm := guesttest.Build(tb, typedDir)
	typedShared.once.Do(func() {
		rt, err := tendril.New(ctx, tendril.Options{})
		if err != nil {
			typedShared.err = err
			return
		}
		typedShared.cp, typedShared.err = rt.Compile(ctx, tendril.Manifest{Wasm: []tendril.WasmSource{{Path: wasm}}},
			tendril.PluginOptions{WASI: true, Name: "typed", HostFunctions: typedHostFunctions()})
	})
	require.NoError(tb, typedShared.err)
	inst, err := typedShared.cp.Instantiate(ctx)
	require.NoError(tb, err)
	tb.Cleanup(func() { _ = inst.Close(ctx) })
	return inst
}

const typedDir = "../internal/testplugins/typed"

// typedShared is the typed plug-in compiled once (a standard-Go module
// takes seconds to compile); the process's end releases it.
var typedShared struct {
	once sync.Once
	cp   *tendril.CompiledPlugin
	err  error
}

// typedHostFunctions are the host functions the typed plug-in imports,
// transform_<codec>, each typed.
func typedHostFunctions() []tendril.HostFunction {
	record := func(_ context.Context, r codectest.Record) (codectest.Record, error) { return codectest.Transform(r) }
	return []tendril.HostFunction{
		ext.HostFunction("transform_json", json.Codec{}, record),
		ext.HostFunction("transform_msgpack", msgpack.Codec{}, record),
		ext.HostFunction("transform_protobuf", protobuf.Codec{}, func(_ context.Context, m *testproto.Record) (*testproto.Record, error) {
			r, err := codectest.Transform(codectest.FromProto(m))
			return codectest.ToProto(r), err
		}),
		ext.HostFunction("transform_raw", codec.Raw{}, func(_ context.Context, b []byte) ([]byte, error) {
			return codectest.TransformBytes(b), nil
		}),
		ext.HostFunction("transform_string", codec.String{}, func(_ context.Context, s string) (string, error) {
			return codectest.TransformString(s), nil
		}),
	}
}

// BenchmarkTypedState compares how typed calls keep their per-call state
// (encoding buffer, values, decoding callback), from every core at once:
// a Func takes it from a sync.Pool; Call makes it fresh each time (and looks
// the function up). In-process echo, msgpack, ~100 B, so the state's cost
// is not hidden by a guest's.
func BenchmarkTypedState(b *testing.B) {
	ctx := context.Background()
	v := codectest.Payload(codectest.Small)
	cd := msgpack.Codec{}
	f, err := ext.NewFunc[codectest.Record, codectest.Record](goEcho{}, "echo", cd)
	require.NoError(b, err)
	b.Run("state=pooled", func(b *testing.B) {
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if _, err := f.Call(ctx, v); err != nil {
					b.Error(err)
					return
				}
			}
		})
	})
	b.Run("state=fresh", func(b *testing.B) {
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if _, err := ext.Call[codectest.Record, codectest.Record](ctx, goEcho{}, "echo", v, cd); err != nil {
					b.Error(err)
					return
				}
			}
		})
	})
}
