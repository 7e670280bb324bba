package testplugins_test

import (
	"context"
	"errors"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tendril-wasm/tendril/codec"
	"github.com/tendril-wasm/tendril/codec/json"
	"github.com/tendril-wasm/tendril/codec/msgpack"
	"github.com/tendril-wasm/tendril/codec/protobuf"
	"github.com/tendril-wasm/tendril/internal/codectest"
	"github.com/tendril-wasm/tendril/internal/guestbuild/guesttest"
	"github.com/tendril-wasm/tendril/internal/testplugins"
	"github.com/tendril-wasm/tendril/internal/testproto"
	"github.com/tendril-wasm/tendril/runtime"
)

// The typed plug-in is driven here through the bytes API of the runtime,
// encoding and decoding by hand with the codecs, to prove the guest half of
// typed calls for every codec.

// errHostSaysNo is what the test's host functions return for a value named
// (or reading) "host-fail".
var errHostSaysNo = errors.New("host says no")

// hostCodecs are the codecs of the typed plug-in's host functions, by name.
var hostCodecs = []codec.Codec{json.Codec{}, msgpack.Codec{}, protobuf.Codec{}, codec.Raw{}, codec.String{}}

// hostTransform is the host function transform_<c>: it decodes its input
// with c, transforms it as the plug-in's transform does, and encodes the
// result.
func hostTransform(c codec.Codec) runtime.HostFunction {
	return runtime.NewHostFunction("transform_"+c.Name(), func(_ context.Context, _ *runtime.Caller, in []byte) ([]byte, error) {
		switch c.Name() {
		case "protobuf":
			var m *testproto.Record
			if err := c.Unmarshal(in, &m); err != nil {
				return nil, err
			}
			if m.GetName() == "host-fail" {
				return nil, errHostSaysNo
			}
			r, err := codectest.Transform(codectest.FromProto(m))
			if err != nil {
				return nil, err
			}
			return codec.Marshal(c, codectest.ToProto(r))
		case "raw", "string":
			if string(in) == "host-fail" {
				return nil, errHostSaysNo
			}
			if c.Name() == "raw" {
				return codectest.TransformBytes(in), nil
			}
			return []byte(codectest.TransformString(string(in))), nil
		default:
			var r codectest.Record
			if err := c.Unmarshal(in, &r); err != nil {
				return nil, err
			}
			if r.Name == "host-fail" {
				return nil, errHostSaysNo
			}
			t, err := codectest.Transform(r)
			if err != nil {
				return nil, err
			}
			return codec.Marshal(c, t)
		}
	})
}

// shared is the typed plug-in, compiled once for all the tests (a
// standard-Go module takes seconds to compile) and closed by TestMain.
var shared struct {
	once sync.Once
	rt   *runtime.Runtime
	cp   *runtime.CompiledPlugin
	err  error
}

// typedPlugin returns the typed plug-in, built from source and compiled
// with its host functions.
func typedPlugin(t *testing.T) *runtime.CompiledPlugin {
	t.Helper()
	// Build reads the sources every time, so that go test's cache notices
	// edits to them; it builds once.
	wasm := guesttest.Build(t, "typed")
	shared.once.Do(func() {
		ctx := context.Background()
		// Its machine code comes from the cache, compiled without -race.
		opts := runtime.Options{CompilationCacheDir: testplugins.CompilationCache(t, wasm)}
		if shared.rt, shared.err = runtime.New(ctx, opts); shared.err != nil {
			return
		}
		var hfs []runtime.HostFunction
		for _, c := range hostCodecs {
			hfs = append(hfs, hostTransform(c))
		}
		shared.cp, shared.err = shared.rt.Compile(ctx, runtime.Manifest{Wasm: []runtime.WasmSource{{Path: wasm}}},
			runtime.PluginOptions{WASI: true, HostFunctions: hfs, Name: "typed"})
	})
	require.NoError(t, shared.err)
	return shared.cp
}

func TestMain(m *testing.M) {
	code := m.Run()
	if shared.rt != nil {
		_ = shared.rt.Close(context.Background())
	}
	os.Exit(code)
}

func typedInstance(t *testing.T, cp *runtime.CompiledPlugin) *runtime.Instance {
	t.Helper()
	ctx := context.Background()
	inst, err := cp.Instantiate(ctx)
	require.NoError(t, err)
	t.Cleanup(func() { _ = inst.Close(ctx) })
	return inst
}

// call encodes in with c, calls fn and decodes its output with c into out.
func call(t *testing.T, inst *runtime.Instance, c codec.Codec, fn string, in, out any) error {
	t.Helper()
	b, err := codec.Marshal(c, in)
	require.NoError(t, err)
	res, err := inst.Call(context.Background(), fn, b)
	if err != nil {
		return err
	}
	require.NoError(t, c.Unmarshal(res, out), "decoding the output of %s", fn)
	return nil
}

// recordCodec is a codec whose values are codectest.Record, or the
// protobuf codec with the same data as a message.
type recordCodec struct {
	codec.Codec
	proto bool
}

var recordCodecs = []recordCodec{{json.Codec{}, false}, {msgpack.Codec{}, false}, {protobuf.Codec{}, true}}

// roundTrip sends r through fn with rc and returns what comes back, as a
// Record.
func (rc recordCodec) roundTrip(t *testing.T, inst *runtime.Instance, fn string, r codectest.Record) (codectest.Record, error) {
	t.Helper()
	if rc.proto {
		var m *testproto.Record
		err := call(t, inst, rc.Codec, fn, codectest.ToProto(r), &m)
		if err != nil {
			return codectest.Record{}, err
		}
		return codectest.FromProto(m), nil
	}
	var got codectest.Record
	err := call(t, inst, rc.Codec, fn, r, &got)
	return got, err
}

func TestTypedRoundTrip(t *testing.T) {
	t.Parallel()
	cp := typedPlugin(t)
	inst := typedInstance(t, cp)

	for _, rc := range recordCodecs {
		t.Run(rc.Name(), func(t *testing.T) {
			for _, tc := range append(codectest.Cases(), codectest.Case{Name: "payload_1MiB", Record: codectest.Payload(codectest.Large)}) {
				want, err := codectest.Transform(tc.Record)
				require.NoError(t, err)
				t.Run(tc.Name, func(t *testing.T) {
					got, err := rc.roundTrip(t, inst, "echo_"+rc.Name(), tc.Record)
					require.NoError(t, err)
					require.Equal(t, tc.Record, got, "echo")

					got, err = rc.roundTrip(t, inst, "transform_"+rc.Name(), tc.Record)
					require.NoError(t, err)
					require.Equal(t, want, got, "transform in the plug-in")

					got, err = rc.roundTrip(t, inst, "host_"+rc.Name(), tc.Record)
					require.NoError(t, err)
					require.Equal(t, want, got, "transform in a host function called by the plug-in")
				})
			}
		})
	}

	t.Run("raw", func(t *testing.T) {
		for _, n := range []int{0, 1, 7, 8, 9, 1000, 300 << 10} {
			in := codectest.Bytes(n)
			for fn, want := range map[string][]byte{
				"echo_raw":      in,
				"transform_raw": codectest.TransformBytes(in),
				"host_raw":      codectest.TransformBytes(in),
			} {
				var got []byte
				require.NoError(t, call(t, inst, codec.Raw{}, fn, in, &got))
				require.Equal(t, string(want), string(got), "%s of %d bytes", fn, n)
			}
		}
	})

	t.Run("string", func(t *testing.T) {
		for _, in := range []string{"", "a", "héllo, 世界 🌱", strings.Repeat("ünïcödé ", 40000)} {
			for fn, want := range map[string]string{
				"echo_string":      in,
				"transform_string": codectest.TransformString(in),
				"host_string":      codectest.TransformString(in),
			} {
				var got string
				require.NoError(t, call(t, inst, codec.String{}, fn, in, &got))
				require.Equal(t, want, got, "%s(%.20q)", fn, in)
			}
		}
	})
}

func TestTypedErrors(t *testing.T) {
	t.Parallel()
	cp := typedPlugin(t)
	inst := typedInstance(t, cp)

	for _, rc := range recordCodecs {
		t.Run(rc.Name(), func(t *testing.T) {
			// An error of the handler fails the call with its message.
			_, err := rc.roundTrip(t, inst, "transform_"+rc.Name(), codectest.Record{Name: "reject"})
			var ge *runtime.GuestError
			require.ErrorAs(t, err, &ge)
			require.Equal(t, codectest.ErrRejected.Error(), ge.Message)

			// A panic is recovered; the instance keeps working.
			_, err = rc.roundTrip(t, inst, "transform_"+rc.Name(), codectest.Record{Name: "panic"})
			require.ErrorAs(t, err, &ge)
			require.Equal(t, "panic: asked to panic", ge.Message)
			require.NoError(t, inst.Broken())
			got, err := rc.roundTrip(t, inst, "echo_"+rc.Name(), codectest.Full())
			require.NoError(t, err)
			require.Equal(t, codectest.Full(), got)

			// A host function's error, returned by the plug-in as it is,
			// reaches the host as the host's own error.
			_, err = rc.roundTrip(t, inst, "host_"+rc.Name(), codectest.Record{Name: "host-fail"})
			require.ErrorAs(t, err, &ge)
			require.Equal(t, errHostSaysNo.Error(), ge.Message)
			require.ErrorIs(t, err, errHostSaysNo)
			var he *runtime.HostFunctionError
			require.ErrorAs(t, err, &he)
			require.Equal(t, "extism:host/user.transform_"+rc.Name(), he.Host)

			// A plug-in that handles the host's error succeeds.
			got, err = rc.roundTrip(t, inst, "recover_"+rc.Name(), codectest.Record{Name: "host-fail"})
			require.NoError(t, err)
			require.Equal(t, codectest.Record{Name: "recovered: host says no"}, got)
			got, err = rc.roundTrip(t, inst, "recover_"+rc.Name(), codectest.Full())
			require.NoError(t, err)
			want, _ := codectest.Transform(codectest.Full())
			require.Equal(t, want, got)
		})
	}

	t.Run("raw", func(t *testing.T) {
		var got []byte
		err := call(t, inst, codec.Raw{}, "host_raw", []byte("host-fail"), &got)
		require.ErrorIs(t, err, errHostSaysNo)
		require.NoError(t, call(t, inst, codec.Raw{}, "recover_raw", []byte("host-fail"), &got))
		require.Equal(t, "recovered: host says no", string(got))
	})

	t.Run("string", func(t *testing.T) {
		// Invalid UTF-8 never reaches the handler.
		_, err := inst.Call(context.Background(), "echo_string", []byte("bad \xff"))
		var ge *runtime.GuestError
		require.ErrorAs(t, err, &ge)
		require.Equal(t, "pdk: input: codec: string: cannot decode string: invalid UTF-8", ge.Message)
	})
}

// TestTypedCodecMismatch sends each codec's bytes to a plug-in function of
// every other codec: the plug-in fails the call with a message that names
// its codec and the Go type it decodes into, never a zero value.
func TestTypedCodecMismatch(t *testing.T) {
	t.Parallel()
	cp := typedPlugin(t)
	inst := typedInstance(t, cp)

	full := codectest.Full()
	for _, host := range recordCodecs {
		var in any = full
		if host.proto {
			in = codectest.ToProto(full)
		}
		b, err := codec.Marshal(host.Codec, in)
		require.NoError(t, err)
		for _, guest := range recordCodecs {
			if guest.Name() == host.Name() {
				continue
			}
			t.Run(host.Name()+"_to_"+guest.Name(), func(t *testing.T) {
				_, err := inst.Call(context.Background(), "transform_"+guest.Name(), b)
				var ge *runtime.GuestError
				require.ErrorAs(t, err, &ge)
				typ := "codectest.Record"
				if guest.proto {
					typ = "*testproto.Record"
				}
				require.True(t, strings.HasPrefix(ge.Message, "pdk: input: codec: "+guest.Name()+": cannot decode "+typ+": "),
					"message %q", ge.Message)
				require.Contains(t, err.Error(), `plugin "typed": transform_`+guest.Name())
				require.NoError(t, inst.Broken())
			})
		}
	}

	t.Run("host decodes the output with another codec", func(t *testing.T) {
		b, err := codec.Marshal(msgpack.Codec{}, full)
		require.NoError(t, err)
		out, err := inst.Call(context.Background(), "echo_msgpack", b)
		require.NoError(t, err)
		var r codectest.Record
		err = json.Codec{}.Unmarshal(out, &r)
		var de *codec.DecodeError
		require.ErrorAs(t, err, &de)
		require.Equal(t, codec.DecodeError{Codec: "json", Type: "codectest.Record", Err: de.Err}, *de)
	})
}

// TestTypedDeclaredCodec reads the plug-in's default codec from its exports,
// without instantiating it.
func TestTypedDeclaredCodec(t *testing.T) {
	t.Parallel()
	cp := typedPlugin(t)
	var declared []string
	for _, name := range cp.Functions() {
		if c, ok := strings.CutPrefix(name, "tendril:codec/"); ok {
			declared = append(declared, c)
		}
	}
	require.Equal(t, []string{"msgpack"}, declared)
	// Calling the declaration does nothing and succeeds.
	out, err := typedInstance(t, cp).Call(context.Background(), "tendril:codec/msgpack", []byte("ignored"))
	require.NoError(t, err)
	require.Empty(t, out)
}
