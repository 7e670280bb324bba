package msgpack_test

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"
	vmsgpack "github.com/vmihailenco/msgpack/v5"

	"github.com/tendril-wasm/tendril/codec"
	"github.com/tendril-wasm/tendril/codec/msgpack"
	"github.com/tendril-wasm/tendril/internal/codectest"
)

func TestRoundTrip(t *testing.T) {
	c := msgpack.Codec{}
	for _, tc := range codectest.Cases() {
		t.Run(tc.Name, func(t *testing.T) {
			b, err := codec.Marshal(c, tc.Record)
			require.NoError(t, err)
			var got codectest.Record
			require.NoError(t, c.Unmarshal(b, &got))
			require.Equal(t, tc.Record, got)

			b2, err := codec.Marshal(c, &tc.Record)
			require.NoError(t, err)
			got = codectest.Record{Name: "overwritten", Tags: []string{"x"}}
			require.NoError(t, c.Unmarshal(b2, &got))
			require.Equal(t, tc.Record, got)
		})
	}
}

func TestSameBytesAsLibrary(t *testing.T) {
	r := codectest.Payload(codectest.Small) // no maps: the bytes are deterministic
	want, err := vmsgpack.Marshal(r)
	require.NoError(t, err)
	got, err := msgpack.Codec{}.AppendMarshal([]byte("prefix:"), r)
	require.NoError(t, err)
	require.Equal(t, append([]byte("prefix:"), want...), got)
}

func TestAppendReusesCapacity(t *testing.T) {
	c := msgpack.Codec{}
	r := codectest.Payload(codectest.Medium)
	buf := make([]byte, 0, 64<<10)
	out, err := c.AppendMarshal(buf, &r)
	require.NoError(t, err)
	require.Equal(t, &buf[:1][0], &out[:1][0], "AppendMarshal did not write into dst")
	if raceEnabled {
		return
	}

	// The codec adds no allocation of its own: with room in dst, it
	// allocates what the library's encoder allocates writing into a buffer
	// with room, no more.
	var lib bytes.Buffer
	lib.Grow(64 << 10)
	enc := vmsgpack.NewEncoder(&lib)
	want := testing.AllocsPerRun(10, func() {
		lib.Reset()
		if err := enc.Encode(&r); err != nil {
			t.Fatal(err)
		}
	})
	got := testing.AllocsPerRun(10, func() {
		if _, err := c.AppendMarshal(buf, &r); err != nil {
			t.Fatal(err)
		}
	})
	require.LessOrEqual(t, got, want, "allocations of AppendMarshal into a buffer with room")
}

func TestDecodeError(t *testing.T) {
	c := msgpack.Codec{}
	full, err := codec.Marshal(c, codectest.Full())
	require.NoError(t, err)
	for name, in := range map[string][]byte{
		"empty":     {},
		"json":      []byte(`{"id":1}`),
		"truncated": full[:len(full)/2],
		"trailing":  append(full[:len(full):len(full)], 0xc0),
		"wrong":     {0x81, 0xa2, 'i', 'd', 0xa3, 'a', 'b', 'c'}, // {"id": "abc"}
	} {
		t.Run(name, func(t *testing.T) {
			var r codectest.Record
			err := c.Unmarshal(in, &r)
			var de *codec.DecodeError
			require.ErrorAs(t, err, &de)
			require.Equal(t, "msgpack", de.Codec)
			require.Equal(t, "codectest.Record", de.Type)
			require.ErrorIs(t, err, codec.ErrDecode)
			require.Contains(t, err.Error(), "codec: msgpack: cannot decode codectest.Record: ")
		})
	}
}

func TestEncodeError(t *testing.T) {
	_, err := msgpack.Codec{}.AppendMarshal(nil, make(chan int))
	var ee *codec.EncodeError
	require.ErrorAs(t, err, &ee)
	require.Equal(t, "msgpack", ee.Codec)
	require.Equal(t, "chan int", ee.Type)
	require.ErrorIs(t, err, codec.ErrEncode)
}

// FuzzUnmarshal decodes arbitrary bytes, as a host decodes what a plug-in
// returns: an error or a value, never a panic; a value it accepts encodes
// and decodes again to the same value (compared through encoding/json, for
// which an empty slice and a nil one are both absent).
func FuzzUnmarshal(f *testing.F) {
	c := msgpack.Codec{}
	for _, tc := range codectest.Cases() {
		if len(tc.Record.Blob) > 4096 {
			continue
		}
		b, err := codec.Marshal(c, tc.Record)
		require.NoError(f, err)
		f.Add(b)
	}
	f.Add([]byte{0xdd, 0xff, 0xff, 0xff, 0xff})                                 // array of 2^32-1 elements
	f.Add([]byte{0x81, 0xa4, 'b', 'l', 'o', 'b', 0xc6, 0x7f, 0xff, 0xff, 0xff}) // 2 GiB blob
	f.Fuzz(func(t *testing.T, data []byte) {
		var r codectest.Record
		if err := c.Unmarshal(data, &r); err != nil {
			var de *codec.DecodeError
			require.ErrorAs(t, err, &de)
			return
		}
		b, err := codec.Marshal(c, r)
		require.NoError(t, err)
		var again codectest.Record
		require.NoError(t, c.Unmarshal(b, &again))
		require.Equal(t, mustJSON(t, r), mustJSON(t, again))
	})
}

func mustJSON(t *testing.T, v any) string {
	b, err := json.Marshal(v)
	require.NoError(t, err)
	return string(b)
}
