package protobuf_test

import (
	"testing"

	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/proto"

	"github.com/tendril-wasm/tendril/codec"
	"github.com/tendril-wasm/tendril/codec/protobuf"
	"github.com/tendril-wasm/tendril/internal/codectest"
	"github.com/tendril-wasm/tendril/internal/testproto"
)

func TestRoundTrip(t *testing.T) {
	c := protobuf.Codec{}
	for _, tc := range codectest.Cases() {
		t.Run(tc.Name, func(t *testing.T) {
			m := codectest.ToProto(tc.Record)
			b, err := codec.Marshal(c, m)
			require.NoError(t, err)

			got := &testproto.Record{Name: "overwritten"}
			require.NoError(t, c.Unmarshal(b, got))
			require.True(t, proto.Equal(m, got), "got %v", got)
			require.Equal(t, tc.Record, codectest.FromProto(got))

			// Generic code holds a *T and passes &v: both directions take a **T.
			b2, err := codec.Marshal(c, &m)
			require.NoError(t, err)
			require.Equal(t, len(b), len(b2))
			var v *testproto.Record
			require.NoError(t, c.Unmarshal(b2, &v))
			require.True(t, proto.Equal(m, v), "got %v", v)
		})
	}
}

func TestDeterministic(t *testing.T) {
	m := codectest.ToProto(codectest.Full())
	c := protobuf.Codec{Deterministic: true}
	first, err := codec.Marshal(c, m)
	require.NoError(t, err)
	for range 20 {
		b, err := codec.Marshal(c, m)
		require.NoError(t, err)
		require.Equal(t, first, b)
	}
}

func TestAppendAllocatesNothing(t *testing.T) {
	c := protobuf.Codec{}
	m := codectest.ProtoPayload(codectest.Medium)
	buf := make([]byte, 0, 64<<10)
	out, err := c.AppendMarshal(buf, m)
	require.NoError(t, err)
	require.Equal(t, &buf[:1][0], &out[:1][0], "AppendMarshal did not write into dst")
	allocs := testing.AllocsPerRun(10, func() {
		if _, err := c.AppendMarshal(buf, m); err != nil {
			t.Fatal(err)
		}
	})
	require.Zero(t, allocs)
}

func TestErrors(t *testing.T) {
	c := protobuf.Codec{}
	full, err := codec.Marshal(c, codectest.ToProto(codectest.Full()))
	require.NoError(t, err)

	for name, in := range map[string][]byte{
		"truncated":  full[:len(full)/2],
		"bad varint": {0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01},
		"bad utf8":   {0x12, 0x02, 0xff, 0xfe}, // name = "\xff\xfe"
		"group":      {0x0b},                   // start group, never ended
		"json":       []byte(`{"id":1}`),
	} {
		t.Run(name, func(t *testing.T) {
			err := c.Unmarshal(in, &testproto.Record{})
			var de *codec.DecodeError
			require.ErrorAs(t, err, &de)
			require.Equal(t, "protobuf", de.Codec)
			require.Equal(t, "testproto.Record", de.Type)
			require.ErrorIs(t, err, codec.ErrDecode)
		})
	}

	t.Run("not a message", func(t *testing.T) {
		var n int
		err := c.Unmarshal(full, &n)
		require.ErrorIs(t, err, codec.ErrUnsupportedType)
		require.ErrorIs(t, err, codec.ErrDecode)
		require.EqualError(t, err, "codec: protobuf: cannot decode int: codec: unsupported type: want a proto.Message or a pointer to one")

		_, err = c.AppendMarshal(nil, codectest.Full())
		require.ErrorIs(t, err, codec.ErrUnsupportedType)
		require.ErrorIs(t, err, codec.ErrEncode)
	})
	t.Run("nil message", func(t *testing.T) {
		var m *testproto.Record
		require.ErrorIs(t, c.Unmarshal(full, m), codec.ErrDecode)
		var mm **testproto.Record
		require.ErrorIs(t, c.Unmarshal(full, mm), codec.ErrUnsupportedType)
	})
}

// FuzzUnmarshal decodes arbitrary bytes, as a host decodes what a plug-in
// returns: an error or a message, never a panic; a message it accepts
// encodes and decodes again to an equal message.
func FuzzUnmarshal(f *testing.F) {
	c := protobuf.Codec{}
	for _, tc := range codectest.Cases() {
		if len(tc.Record.Blob) > 4096 {
			continue
		}
		b, err := codec.Marshal(c, codectest.ToProto(tc.Record))
		require.NoError(f, err)
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		m := &testproto.Record{}
		if err := c.Unmarshal(data, m); err != nil {
			var de *codec.DecodeError
			require.ErrorAs(t, err, &de)
			return
		}
		b, err := codec.Marshal(c, m)
		require.NoError(t, err)
		again := &testproto.Record{}
		require.NoError(t, c.Unmarshal(b, again))
		require.True(t, proto.Equal(m, again))
	})
}

func TestNoAliasing(t *testing.T) {
	c := protobuf.Codec{}
	b, err := codec.Marshal(c, codectest.ToProto(codectest.Full()))
	require.NoError(t, err)
	m := &testproto.Record{}
	require.NoError(t, c.Unmarshal(b, m))
	clear(b)
	require.Equal(t, codectest.Full(), codectest.FromProto(m), "the decoded message shares memory with its input")
}
