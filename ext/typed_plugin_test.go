package ext_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tendril-wasm/tendril/codec"
	"github.com/tendril-wasm/tendril/codec/json"
	"github.com/tendril-wasm/tendril/codec/msgpack"
	"github.com/tendril-wasm/tendril/codec/protobuf"
	"github.com/tendril-wasm/tendril/ext"
	"github.com/tendril-wasm/tendril/internal/codectest"
	"github.com/tendril-wasm/tendril/internal/guestbuild/guesttest"
	"github.com/tendril-wasm/tendril/internal/testplugins"
	"github.com/tendril-wasm/tendril/internal/testproto"
	"github.com/tendril-wasm/tendril/runtime"
)

// The typed test plug-in (internal/testplugins/typed, written with
// pdk.RunTyped and pdk.CallHost) driven through package ext: typed calls in,
// typed host functions out, for every codec.

const typedDir = "../internal/testplugins/typed"

// errHostSaysNo is what the typed host functions return for a value named
// (or reading) "host-fail".
var errHostSaysNo = errors.New("host says no")

// typedHosts are the host functions transform_<codec> the plug-in imports,
// each made by ext.HostFunction; they transform as the plug-in does.
func typedHosts() []runtime.HostFunction {
	record := func(_ context.Context, r codectest.Record) (codectest.Record, error) {
		if r.Name == "host-fail" {
			return codectest.Record{}, errHostSaysNo
		}
		return codectest.Transform(r)
	}
	return []runtime.HostFunction{
		ext.HostFunction("transform_json", json.Codec{}, record),
		ext.HostFunction("transform_msgpack", msgpack.Codec{}, record),
		ext.HostFunction("transform_protobuf", protobuf.Codec{}, func(_ context.Context, m *testproto.Record) (*testproto.Record, error) {
			if m.GetName() == "host-fail" {
				return nil, errHostSaysNo
			}
			r, err := codectest.Transform(codectest.FromProto(m))
			return codectest.ToProto(r), err
		}),
		ext.HostFunction("transform_raw", codec.Raw{}, func(_ context.Context, b []byte) ([]byte, error) {
			if string(b) == "host-fail" {
				return nil, errHostSaysNo
			}
			return codectest.TransformBytes(b), nil
		}),
		ext.HostFunction("transform_string", codec.String{}, func(_ context.Context, s string) (string, error) {
			if s == "host-fail" {
				return "", errHostSaysNo
			}
			return codectest.TransformString(s), nil
		}),
	}
}

// typedPlugin is the typed plug-in with typedHosts granted, compiled once
// per test binary (a standard-Go module takes seconds to compile).
func typedPlugin(t *testing.T) *runtime.CompiledPlugin {
	t.Helper()
	wasm := guesttest.Build(t, typedDir) // reads the sources every time (test cache)
	typedShared.once.Do(func() {
		ctx := context.Background()
		// Machine code compiled without -race (testplugins.CompilationCache).
		rt, err := runtime.New(ctx, runtime.Options{CompilationCacheDir: testplugins.CompilationCache(t, wasm)})
		if err != nil {
			typedShared.err = err
			return
		}
		typedShared.cp, typedShared.err = rt.Compile(ctx, runtime.Manifest{Wasm: []runtime.WasmSource{{Path: wasm}}},
			runtime.PluginOptions{WASI: true, Name: "typed", HostFunctions: typedHosts()})
	})
	require.NoError(t, typedShared.err)
	return typedShared.cp
}

var typedShared struct {
	once sync.Once
	cp   *runtime.CompiledPlugin
	err  error
}

func typedInstance(t *testing.T) *runtime.Instance {
	t.Helper()
	ctx := context.Background()
	inst, err := typedPlugin(t).Instantiate(ctx)
	require.NoError(t, err)
	t.Cleanup(func() { _ = inst.Close(ctx) })
	return inst
}

// recordFuncs calls a plug-in function of Records with one codec: JSON and
// msgpack take Records, protobuf the generated message with the same data.
type recordFuncs struct {
	cd    codec.Codec
	proto bool
}

var recordCodecs = []recordFuncs{{json.Codec{}, false}, {msgpack.Codec{}, false}, {protobuf.Codec{}, true}}

// call calls fn once with Call and once with a Func, checks that both agree,
// and returns the output as a Record.
func (rf recordFuncs) call(t *testing.T, c runtime.Callable, fn string, r codectest.Record) (codectest.Record, error) {
	t.Helper()
	ctx := context.Background()
	if rf.proto {
		m, err := ext.Call[*testproto.Record, *testproto.Record](ctx, c, fn, codectest.ToProto(r), rf.cd)
		f, ferr := ext.NewFunc[*testproto.Record, *testproto.Record](c, fn, rf.cd)
		require.NoError(t, ferr)
		m2, err2 := f.Call(ctx, codectest.ToProto(r))
		require.Equal(t, err == nil, err2 == nil, "Call and Func disagree: %v, %v", err, err2)
		if err != nil {
			require.Nil(t, m)
			require.Nil(t, m2)
			return codectest.Record{}, err
		}
		require.Equal(t, codectest.FromProto(m), codectest.FromProto(m2))
		return codectest.FromProto(m), nil
	}
	got, err := ext.Call[codectest.Record, codectest.Record](ctx, c, fn, r, rf.cd)
	f, ferr := ext.NewFunc[codectest.Record, codectest.Record](c, fn, rf.cd)
	require.NoError(t, ferr)
	got2, err2 := f.Call(ctx, r)
	require.Equal(t, err == nil, err2 == nil, "Call and Func disagree: %v, %v", err, err2)
	require.Equal(t, got, got2)
	if err != nil {
		require.Zero(t, got)
	}
	return got, err
}

func TestTypedPluginRoundTrip(t *testing.T) {
	t.Parallel()
	inst := typedInstance(t)
	cases := codectest.Cases()
	if !raceEnabled { // 1 MiB of JSON through the race detector takes minutes
		cases = append(cases, codectest.Case{Name: "payload_1MiB", Record: codectest.Payload(codectest.Large)})
	}
	for _, rf := range recordCodecs {
		t.Run(rf.cd.Name(), func(t *testing.T) {
			for _, tc := range cases {
				want, err := codectest.Transform(tc.Record)
				require.NoError(t, err)
				got, err := rf.call(t, inst, "echo_"+rf.cd.Name(), tc.Record)
				require.NoError(t, err, tc.Name)
				require.Equal(t, tc.Record, got, "%s: echo", tc.Name)

				got, err = rf.call(t, inst, "transform_"+rf.cd.Name(), tc.Record)
				require.NoError(t, err, tc.Name)
				require.Equal(t, want, got, "%s: transform in the plug-in", tc.Name)

				// The plug-in calls the typed host function, which transforms.
				got, err = rf.call(t, inst, "host_"+rf.cd.Name(), tc.Record)
				require.NoError(t, err, tc.Name)
				require.Equal(t, want, got, "%s: transform in the typed host function", tc.Name)
			}
		})
	}

	ctx := context.Background()
	t.Run("raw", func(t *testing.T) {
		f, err := ext.NewFunc[[]byte, []byte](inst, "host_raw", codec.Raw{})
		require.NoError(t, err)
		for _, n := range []int{0, 1, 9, 1000, 300 << 10} {
			in := codectest.Bytes(n)
			got, err := ext.Call[[]byte, []byte](ctx, inst, "echo_raw", in, codec.Raw{})
			require.NoError(t, err)
			require.Equal(t, string(in), string(got))
			got, err = f.Call(ctx, in)
			require.NoError(t, err)
			require.Equal(t, string(codectest.TransformBytes(in)), string(got))
		}
	})
	t.Run("string", func(t *testing.T) {
		f, err := ext.NewFunc[string, string](inst, "host_string", codec.String{})
		require.NoError(t, err)
		for _, in := range []string{"", "a", "héllo, 世界 🌱", strings.Repeat("ünïcödé ", 40000)} {
			got, err := ext.Call[string, string](ctx, inst, "transform_string", in, codec.String{})
			require.NoError(t, err)
			require.Equal(t, codectest.TransformString(in), got)
			got, err = f.Call(ctx, in)
			require.NoError(t, err)
			require.Equal(t, codectest.TransformString(in), got)
		}
	})
}

func TestTypedPluginErrors(t *testing.T) {
	t.Parallel()
	inst := typedInstance(t)
	for _, rf := range recordCodecs {
		t.Run(rf.cd.Name(), func(t *testing.T) {
			// The handler's error comes back as a *GuestError.
			_, err := rf.call(t, inst, "transform_"+rf.cd.Name(), codectest.Record{Name: "reject"})
			var ge *runtime.GuestError
			require.ErrorAs(t, err, &ge)
			require.Equal(t, codectest.ErrRejected.Error(), ge.Message)

			// The typed host function's error reaches the plug-in, which
			// returns it as it is: the host gets its own error back.
			_, err = rf.call(t, inst, "host_"+rf.cd.Name(), codectest.Record{Name: "host-fail"})
			require.ErrorIs(t, err, errHostSaysNo)
			var he *runtime.HostFunctionError
			require.ErrorAs(t, err, &he)
			require.Equal(t, "extism:host/user.transform_"+rf.cd.Name(), he.Host)
			require.NoError(t, inst.Broken())

			// A plug-in that handles it carries on.
			got, err := rf.call(t, inst, "recover_"+rf.cd.Name(), codectest.Record{Name: "host-fail"})
			require.NoError(t, err)
			require.Equal(t, codectest.Record{Name: "recovered: host says no"}, got)
		})
	}
}

// A host speaking one codec to a plug-in function of another gets an error
// that names the codec the plug-in expected, the Go type, the plug-in and the
// function; never a zero value.
func TestTypedPluginCodecMismatch(t *testing.T) {
	t.Parallel()
	inst := typedInstance(t)
	for _, host := range recordCodecs {
		for _, guest := range recordCodecs {
			if host.cd.Name() == guest.cd.Name() {
				continue
			}
			t.Run(host.cd.Name()+"_to_"+guest.cd.Name(), func(t *testing.T) {
				_, err := host.call(t, inst, "transform_"+guest.cd.Name(), codectest.Full())
				var ge *runtime.GuestError
				require.ErrorAs(t, err, &ge)
				require.Equal(t, "typed", ge.Plugin)
				require.Equal(t, "transform_"+guest.cd.Name(), ge.Function)
				typ := "codectest.Record"
				if guest.proto {
					typ = "*testproto.Record"
				}
				require.ErrorContains(t, err, `plugin "typed": transform_`+guest.cd.Name()+
					": pdk: input: codec: "+guest.cd.Name()+": cannot decode "+typ+": ")
			})
		}
	}

	t.Run("host decodes with another codec", func(t *testing.T) {
		// JSON in, but the function answers raw bytes: the host's decode
		// fails with a *CodecError.
		_, err := ext.Call[codectest.Record, codectest.Record](context.Background(), inst, "transform_raw", codectest.Full(), json.Codec{})
		var ce *ext.CodecError
		require.ErrorAs(t, err, &ce)
		require.Equal(t, ext.CodecError{Plugin: "typed", Function: "transform_raw", Err: ce.Err}, *ce)
		require.ErrorContains(t, err, `ext: plugin "typed": transform_raw: output: codec: json: cannot decode codectest.Record: `)
	})

	t.Run("typed host function", func(t *testing.T) {
		// The plug-in sends JSON to a host function that speaks msgpack:
		// the host function's decode error reaches the plug-in, which
		// returns it; f never runs.
		ctx := context.Background()
		ran := false
		wrong := ext.HostFunction("transform_json", msgpack.Codec{}, func(context.Context, codectest.Record) (codectest.Record, error) {
			ran = true
			return codectest.Record{}, nil
		})
		hosts := append(typedHosts()[1:], wrong)
		inst := pluginAt(t, typedDir, "typed", hosts...)
		_, err := ext.Call[codectest.Record, codectest.Record](ctx, inst, "host_json", codectest.Full(), json.Codec{})
		require.False(t, ran)
		var ce *ext.CodecError
		require.ErrorAs(t, err, &ce)
		require.Equal(t, ext.CodecError{Plugin: "typed", Function: "transform_json", Host: true, Input: true, Err: ce.Err}, *ce)
		var de *codec.DecodeError
		require.ErrorAs(t, err, &de)
		require.Equal(t, "msgpack", de.Codec)
		require.Equal(t, "codectest.Record", de.Type)
		require.ErrorContains(t, err, `ext: plugin "typed": host function transform_json: input: codec: msgpack: cannot decode codectest.Record: `)
		require.NoError(t, inst.Broken())
	})
}

func TestTypedPluginDeclaredCodec(t *testing.T) {
	t.Parallel()
	inst := typedInstance(t)
	all, err := codec.NewSet(json.Codec{}, msgpack.Codec{}, protobuf.Codec{}, codec.Raw{}, codec.String{})
	require.NoError(t, err)
	cd, err := ext.DeclaredCodec(inst, all)
	require.NoError(t, err)
	require.Equal(t, msgpack.Name, cd.Name())
	f, err := ext.NewFunc[codectest.Record, codectest.Record](inst, "transform_"+cd.Name(), cd)
	require.NoError(t, err)
	want, _ := codectest.Transform(codectest.Full())
	got, err := f.Call(context.Background(), codectest.Full())
	require.NoError(t, err)
	require.Equal(t, want, got)

	// A host that does not speak the declared codec is told so.
	some, err := codec.NewSet(json.Codec{}, codec.Raw{})
	require.NoError(t, err)
	_, err = ext.DeclaredCodec(inst, some)
	require.ErrorIs(t, err, ext.ErrCodecDeclaration)
}

// Typed calls work the same on a registered plug-in (a pool behind a
// runtime.Callable).
func TestTypedPluginRegistry(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	wasm := guesttest.Build(t, typedDir)
	// Machine code compiled without -race (testplugins.CompilationCache).
	reg, err := ext.New(ctx, ext.Options{RuntimeOptions: runtime.Options{CompilationCacheDir: testplugins.CompilationCache(t, wasm)}})
	require.NoError(t, err)
	t.Cleanup(func() { _ = reg.Close(ctx) })
	p, err := reg.Register(ctx, "typed", ext.Source{Path: wasm}, ext.PluginOptions{WASI: true, HostFunctions: typedHosts(), Pool: runtime.PoolOptions{MaxInstances: 2}})
	require.NoError(t, err)
	cd, err := ext.DeclaredCodec(p, codecSet(t))
	require.NoError(t, err)
	f, err := ext.NewFunc[codectest.Record, codectest.Record](p, "host_"+cd.Name(), cd)
	require.NoError(t, err)
	want, _ := codectest.Transform(codectest.Full())
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for range 5 {
				got, err := f.Call(ctx, codectest.Full())
				if !(assertNoError(t, err) && assertEqual(t, want, got)) {
					return
				}
			}
		})
	}
	wg.Wait()
}

func codecSet(t *testing.T) codec.Set {
	s, err := codec.NewSet(json.Codec{}, msgpack.Codec{}, protobuf.Codec{}, codec.Raw{}, codec.String{})
	require.NoError(t, err)
	return s
}

// assertNoError and assertEqual report from any goroutine (require stops
// only the test's own).
func assertNoError(t *testing.T, err error) bool {
	if err != nil {
		t.Error(err)
		return false
	}
	return true
}

func assertEqual(t *testing.T, want, got codectest.Record) bool {
	if !equalRecords(want, got) {
		t.Errorf("got %+v, want %+v", got, want)
		return false
	}
	return true
}

func equalRecords(a, b codectest.Record) bool {
	x, err1 := json.Codec{}.AppendMarshal(nil, a)
	y, err2 := json.Codec{}.AppendMarshal(nil, b)
	return err1 == nil && err2 == nil && string(x) == string(y)
}

// A Func over a runtime.Pool is shared by concurrent callers: each call
// takes its own buffers and instance.
func TestTypedPluginPool(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool, err := typedPlugin(t).NewPool(ctx, runtime.PoolOptions{MaxInstances: 2})
	require.NoError(t, err)
	t.Cleanup(func() { _ = pool.Close(ctx) })
	f, err := ext.NewFunc[codectest.Record, codectest.Record](pool, "host_msgpack", msgpack.Codec{})
	require.NoError(t, err)
	cases := codectest.Cases()
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			for i := range 6 {
				c := cases[(g+i)%len(cases)]
				want, _ := codectest.Transform(c.Record)
				got, err := f.Call(ctx, c.Record)
				if !(assertNoError(t, err) && assertEqual(t, want, got)) {
					return
				}
			}
		})
	}
	wg.Wait()
}
