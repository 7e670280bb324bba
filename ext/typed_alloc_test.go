package ext_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tendril-wasm/tendril/codec"
	"github.com/tendril-wasm/tendril/codec/json"
	"github.com/tendril-wasm/tendril/codec/msgpack"
	"github.com/tendril-wasm/tendril/codec/protobuf"
	"github.com/tendril-wasm/tendril/ext"
	"github.com/tendril-wasm/tendril/internal/codectest"
	"github.com/tendril-wasm/tendril/runtime"
)

// goEcho is a Callable that runs no wasm: every function returns its input.
// Its Function handles are nil, which only it accepts.
type goEcho struct{}

func (goEcho) Function(string) (*runtime.Function, error) { return nil, nil }

func (goEcho) Invoke(_ context.Context, _ *runtime.Function, input []byte, out func([]byte) error) error {
	return out(input)
}

// A Func call allocates what its codec allocates and nothing more.
func TestFuncAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("sync.Pool drops items under the race detector")
	}
	record := codectest.Payload(codectest.Medium)
	t.Run("json", func(t *testing.T) { checkAllocs(t, json.Codec{}, record) })
	t.Run("msgpack", func(t *testing.T) { checkAllocs(t, msgpack.Codec{}, record) })
	t.Run("protobuf", func(t *testing.T) { checkAllocs(t, protobuf.Codec{}, codectest.ToProto(record)) })
	t.Run("raw", func(t *testing.T) { checkAllocs(t, codec.Raw{}, codectest.Bytes(1000)) })
	t.Run("string", func(t *testing.T) { checkAllocs(t, codec.String{}, "héllo, wörld") })
}

func checkAllocs[T any](t *testing.T, cd codec.Codec, v T) {
	ctx := context.Background()
	f, err := ext.NewFunc[T, T](goEcho{}, "echo", cd)
	require.NoError(t, err)
	enc, err := codec.Marshal(cd, v)
	require.NoError(t, err)
	var buf []byte
	var in, out, zero T
	alone := testing.AllocsPerRun(200, func() {
		in = v
		buf, _ = cd.AppendMarshal(buf[:0], &in)
		out = zero
		_ = cd.Unmarshal(enc, &out)
	})
	typed := testing.AllocsPerRun(200, func() {
		if _, err := f.Call(ctx, v); err != nil {
			t.Fatal(err)
		}
	})
	// A garbage collection may empty the Func's sync.Pool once in a while.
	require.LessOrEqual(t, typed, alone+0.1, "allocs per call: typed %v, codec alone %v", typed, alone)
}
