package json_test

import (
	stdjson "encoding/json"
	"errors"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tendril-wasm/tendril/codec"
	"github.com/tendril-wasm/tendril/codec/json"
	"github.com/tendril-wasm/tendril/internal/codectest"
)

func TestRoundTrip(t *testing.T) {
	c := json.Codec{}
	for _, tc := range codectest.Cases() {
		t.Run(tc.Name, func(t *testing.T) {
			b, err := codec.Marshal(c, tc.Record)
			require.NoError(t, err)
			var got codectest.Record
			require.NoError(t, c.Unmarshal(b, &got))
			require.Equal(t, tc.Record, got)

			// A pointer encodes as its value; decoding replaces what was there.
			b2, err := codec.Marshal(c, &tc.Record)
			require.NoError(t, err)
			require.Equal(t, b, b2)
			require.NoError(t, c.Unmarshal(b2, &got))
			require.Equal(t, tc.Record, got)
		})
	}
}

func TestSameBytesAsEncodingJSON(t *testing.T) {
	r := codectest.Full()
	want, err := stdjson.Marshal(r)
	require.NoError(t, err)
	got, err := json.Codec{}.AppendMarshal([]byte("prefix:"), r)
	require.NoError(t, err)
	require.Equal(t, "prefix:"+string(want), string(got))
}

func TestAppendReusesCapacity(t *testing.T) {
	c := json.Codec{}
	r := codectest.Payload(codectest.Medium)
	buf := make([]byte, 0, 64<<10)
	out, err := c.AppendMarshal(buf, &r)
	require.NoError(t, err)
	require.Equal(t, &buf[:1][0], &out[:1][0], "AppendMarshal did not write into dst")
	if raceEnabled {
		return
	}

	// With room in dst, AppendMarshal allocates less than json.Marshal, which
	// allocates its result: the codec adds no allocation of its own.
	want := testing.AllocsPerRun(10, func() {
		if _, err := stdjson.Marshal(&r); err != nil {
			t.Fatal(err)
		}
	})
	got := testing.AllocsPerRun(10, func() {
		if _, err := c.AppendMarshal(buf, &r); err != nil {
			t.Fatal(err)
		}
	})
	require.Less(t, got, want, "allocations of AppendMarshal into a buffer with room")
}

func TestDecodeError(t *testing.T) {
	c := json.Codec{}
	for _, in := range []string{"", "{", `{"id":"not a number"}`, `[1,2]`, "\x82\xa2id\x01", `{} trailing`} {
		var r codectest.Record
		err := c.Unmarshal([]byte(in), &r)
		var de *codec.DecodeError
		require.ErrorAs(t, err, &de, "input %q", in)
		require.Equal(t, "json", de.Codec)
		require.Equal(t, "codectest.Record", de.Type)
		require.ErrorIs(t, err, codec.ErrDecode)
		require.Contains(t, err.Error(), "codec: json: cannot decode codectest.Record: ")
	}
	var syntax *stdjson.SyntaxError
	require.ErrorAs(t, c.Unmarshal([]byte("{"), new(codectest.Record)), &syntax, "the codec's own error is kept")
	require.Error(t, c.Unmarshal([]byte("{}"), codectest.Record{}), "a non-pointer target")
}

func TestEncodeError(t *testing.T) {
	_, err := json.Codec{}.AppendMarshal(nil, map[string]any{"ch": make(chan int)})
	var ee *codec.EncodeError
	require.ErrorAs(t, err, &ee)
	require.Equal(t, "json", ee.Codec)
	require.Equal(t, "map[string]interface {}", ee.Type)
	require.True(t, errors.Is(err, codec.ErrEncode))
}

// FuzzUnmarshal decodes arbitrary bytes, as a host decodes what a plug-in
// returns: an error or a value, never a panic; a value it accepts encodes
// and decodes again to the same value (compared through encoding/json, for
// which an empty slice and a nil one are both absent).
func FuzzUnmarshal(f *testing.F) {
	c := json.Codec{}
	for _, tc := range codectest.Cases() {
		if len(tc.Record.Blob) > 4096 {
			continue
		}
		b, err := codec.Marshal(c, tc.Record)
		require.NoError(f, err)
		f.Add(b)
	}
	f.Add([]byte(`{"children":[{"address":{"zip":-1}}]}`))
	f.Add([]byte(`{"blob":"not base64!"}`))
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
		require.Equal(t, b, mustJSON(t, again))
	})
}

func mustJSON(t *testing.T, v any) []byte {
	b, err := stdjson.Marshal(v)
	require.NoError(t, err)
	return b
}
