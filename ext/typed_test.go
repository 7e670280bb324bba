package ext_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/proto"

	"github.com/tendril-wasm/tendril/codec"
	"github.com/tendril-wasm/tendril/codec/json"
	"github.com/tendril-wasm/tendril/codec/msgpack"
	"github.com/tendril-wasm/tendril/codec/protobuf"
	"github.com/tendril-wasm/tendril/ext"
	"github.com/tendril-wasm/tendril/internal/codectest"
	"github.com/tendril-wasm/tendril/internal/testproto"
	"github.com/tendril-wasm/tendril/runtime"
)

// The echo plug-in returns its input: whatever the host encodes comes back
// as it is, so that a typed round trip through it checks the host side
// alone (encoding, the zero-copy decode, the buffers).

func TestCallEcho(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	inst := plugin(t, "echo", "echo")
	for _, c := range codectest.Cases() {
		t.Run(c.Name, func(t *testing.T) {
			for _, cd := range []codec.Codec{json.Codec{}, msgpack.Codec{}} {
				got, err := ext.Call[codectest.Record, codectest.Record](ctx, inst, "echo", c.Record, cd)
				require.NoError(t, err, cd.Name())
				require.Equal(t, c.Record, got, cd.Name())
			}
			m := codectest.ToProto(c.Record)
			got, err := ext.Call[*testproto.Record, *testproto.Record](ctx, inst, "echo", m, protobuf.Codec{})
			require.NoError(t, err)
			require.True(t, proto.Equal(m, got), "protobuf")
			require.Equal(t, c.Record, codectest.FromProto(got), "protobuf")

			b, err := ext.Call[[]byte, []byte](ctx, inst, "echo", c.Record.Blob, codec.Raw{})
			require.NoError(t, err)
			require.Equal(t, c.Record.Blob, b, "raw")

			s, err := ext.Call[string, string](ctx, inst, "echo", c.Record.Name, codec.String{})
			require.NoError(t, err)
			require.Equal(t, c.Record.Name, s, "string")
		})
	}
}

func TestFuncEcho(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	inst := plugin(t, "echo", "echo")
	for _, cd := range []codec.Codec{json.Codec{}, msgpack.Codec{}} {
		t.Run(cd.Name(), func(t *testing.T) {
			f, err := ext.NewFunc[codectest.Record, codectest.Record](inst, "echo", cd)
			require.NoError(t, err)
			require.Equal(t, "echo", f.Name())
			require.Equal(t, cd, f.Codec())
			// Every value comes back whole after a larger or smaller one:
			// reused buffers and values leak nothing from call to call.
			for range 2 {
				for _, c := range codectest.Cases() {
					got, err := f.Call(ctx, c.Record)
					require.NoError(t, err, c.Name)
					require.Equal(t, c.Record, got, c.Name)
				}
			}
		})
	}
	t.Run("raw", func(t *testing.T) {
		f, err := ext.NewFunc[[]byte, []byte](inst, "echo", codec.Raw{})
		require.NoError(t, err)
		a, err := f.Call(ctx, []byte("first"))
		require.NoError(t, err)
		b, err := f.Call(ctx, []byte("second"))
		require.NoError(t, err)
		// Outputs are the caller's: a later call does not rewrite them.
		require.Equal(t, "first", string(a))
		require.Equal(t, "second", string(b))
	})
}

// A Func over an instance is used from many goroutines at once.
func TestFuncConcurrent(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	inst := plugin(t, "echo", "echo")
	f, err := ext.NewFunc[codectest.Record, codectest.Record](inst, "echo", msgpack.Codec{})
	require.NoError(t, err)
	cases := codectest.Cases()
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for g := range 8 {
		wg.Go(func() {
			for i := range 20 {
				c := cases[(g+i)%len(cases)]
				got, err := f.Call(ctx, c.Record)
				if err != nil {
					errs <- err
					return
				}
				if got.Name != c.Record.Name || len(got.Blob) != len(c.Record.Blob) || got.ID != c.Record.ID {
					errs <- errors.New("goroutine " + c.Name + ": wrong value back")
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
}

func TestCodecErrors(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	inst := plugin(t, "echo", "echo")

	t.Run("decode", func(t *testing.T) {
		// JSON of a string comes back and does not decode as a Record.
		out, err := ext.Call[string, codectest.Record](ctx, inst, "echo", "not a record", json.Codec{})
		require.Zero(t, out)
		var ce *ext.CodecError
		require.ErrorAs(t, err, &ce)
		require.Equal(t, ext.CodecError{Plugin: "echo", Function: "echo", Err: ce.Err}, *ce)
		var de *codec.DecodeError
		require.ErrorAs(t, err, &de)
		require.Equal(t, "json", de.Codec)
		require.Equal(t, "codectest.Record", de.Type)
		require.ErrorIs(t, err, codec.ErrDecode)
		require.ErrorContains(t, err, `ext: plugin "echo": echo: output: codec: json: cannot decode codectest.Record: `)

		// The same through a Func; the Func keeps working afterwards.
		f, err := ext.NewFunc[[]byte, codectest.Record](inst, "echo", msgpack.Codec{})
		require.NoError(t, err)
		out, err = f.Call(ctx, []byte("xyz"))
		require.Zero(t, out)
		require.ErrorAs(t, err, &de)
		require.Equal(t, "msgpack", de.Codec)
		require.ErrorContains(t, err, `ext: plugin "echo": echo: output: codec: msgpack: cannot decode codectest.Record`)
		g, err := ext.NewFunc[codectest.Record, codectest.Record](inst, "echo", msgpack.Codec{})
		require.NoError(t, err)
		r, err := g.Call(ctx, codectest.Full())
		require.NoError(t, err)
		require.Equal(t, codectest.Full(), r)
	})

	t.Run("encode", func(t *testing.T) {
		_, err := ext.Call[chan int, string](ctx, inst, "echo", make(chan int), json.Codec{})
		var ce *ext.CodecError
		require.ErrorAs(t, err, &ce)
		require.True(t, ce.Input)
		require.ErrorIs(t, err, codec.ErrEncode)
		require.ErrorContains(t, err, `ext: plugin "echo": echo: input: codec: json: cannot encode chan int`)
		_, err = ext.Call[codectest.Record, string](ctx, inst, "echo", codectest.Record{}, protobuf.Codec{})
		require.ErrorIs(t, err, codec.ErrEncode)
		require.ErrorIs(t, err, codec.ErrUnsupportedType)
	})

	t.Run("string", func(t *testing.T) {
		// Invalid UTF-8 is refused before the call.
		_, err := ext.Call[[]byte, string](ctx, inst, "echo", []byte{0xff}, codec.String{})
		require.ErrorIs(t, err, codec.ErrEncode)
	})

	t.Run("no codec", func(t *testing.T) {
		_, err := ext.Call[string, string](ctx, inst, "echo", "x", nil)
		require.ErrorIs(t, err, ext.ErrNoCodec)
		_, err = ext.NewFunc[string, string](inst, "echo", nil)
		require.ErrorIs(t, err, ext.ErrNoCodec)
	})

	t.Run("not found", func(t *testing.T) {
		_, err := ext.Call[string, string](ctx, inst, "nope", "x", codec.String{})
		require.ErrorIs(t, err, runtime.ErrFunctionNotFound)
		_, err = ext.NewFunc[string, string](inst, "nope", codec.String{})
		require.ErrorIs(t, err, runtime.ErrFunctionNotFound)
	})

	t.Run("guest error", func(t *testing.T) {
		// The runtime's errors come through as they are.
		boom := plugin(t, "boom", "boom")
		_, err := ext.Call[string, string](ctx, boom, "fail", "x", codec.String{})
		var ge *runtime.GuestError
		require.ErrorAs(t, err, &ge)
		require.Equal(t, "boom", ge.Plugin)
	})
}

func TestDeclaredCodecNone(t *testing.T) {
	t.Parallel()
	inst := plugin(t, "echo", "echo")
	set, err := codec.NewSet(json.Codec{}, msgpack.Codec{})
	require.NoError(t, err)
	_, err = ext.DeclaredCodec(inst, set)
	require.ErrorIs(t, err, ext.ErrCodecDeclaration)
	require.ErrorContains(t, err, "none of the codecs json, msgpack")
}

func TestHostFunctionUpper(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	calls := 0
	upper := ext.HostFunction("to_upper", codec.String{}, func(_ context.Context, s string) (string, error) {
		calls++
		if s == "fail" {
			return "", errors.New("no failing allowed")
		}
		return strings.ToUpper(s), nil
	})
	inst := plugin(t, "hostfunc", "hostfunc", upper)

	out, err := ext.Call[string, string](ctx, inst, "upper", "héllo, wörld", codec.String{})
	require.NoError(t, err)
	require.Equal(t, "HÉLLO, WÖRLD", out)

	// The host function's error reaches the guest, which leaves it
	// unhandled: its call fails with the message; the instance is fine.
	_, err = ext.Call[string, string](ctx, inst, "upper", "fail", codec.String{})
	var ge *runtime.GuestError
	require.ErrorAs(t, err, &ge)
	require.Equal(t, "no failing allowed", ge.Message)
	var he *runtime.HostFunctionError
	require.ErrorAs(t, err, &he)
	require.NoError(t, inst.Broken())

	// Input that is not UTF-8 does not decode: f is not called.
	n := calls
	_, err = ext.Call[[]byte, []byte](ctx, inst, "upper", []byte{'a', 0xff}, codec.Raw{})
	require.ErrorAs(t, err, &ge)
	require.Equal(t, n, calls)
	var ce *ext.CodecError
	require.ErrorAs(t, err, &ce)
	require.Equal(t, ext.CodecError{Plugin: "hostfunc", Function: "to_upper", Host: true, Input: true, Err: ce.Err}, *ce)
	require.ErrorIs(t, err, codec.ErrDecode)
	require.Equal(t, `ext: plugin "hostfunc": host function to_upper: input: codec: string: cannot decode string: invalid UTF-8`, ge.Message)
	require.NoError(t, inst.Broken())
}

func TestPair(t *testing.T) {
	p := ext.Pair{Encode: codec.String{}, Decode: json.Codec{}}
	require.Equal(t, "string+json", p.Name())
	b, err := p.AppendMarshal([]byte("> "), "héllo")
	require.NoError(t, err)
	require.Equal(t, "> héllo", string(b))
	var v map[string]int
	require.NoError(t, p.Unmarshal([]byte(`{"a":1}`), &v))
	require.Equal(t, map[string]int{"a": 1}, v)
	var de *codec.DecodeError
	require.ErrorAs(t, p.Unmarshal([]byte(`x`), &v), &de)
	require.Equal(t, "json", de.Codec)
}
