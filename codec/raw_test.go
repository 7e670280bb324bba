package codec_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tendril-wasm/tendril/codec"
)

type (
	myBytes  []byte
	myString string
)

func TestRawRoundTrip(t *testing.T) {
	in := []byte("héllo\x00\xff")
	for _, c := range []codec.Codec{codec.Raw{}, codec.String{}} {
		t.Run(c.Name(), func(t *testing.T) {
			valid := in
			if c.Name() == "string" {
				valid = []byte("héllo\x00")
			}
			s := string(valid)
			for _, v := range []any{valid, &valid, s, &s, myBytes(valid), myString(s), (*myString)(&s)} {
				b, err := c.AppendMarshal([]byte("<"), v)
				require.NoError(t, err, "%T", v)
				require.Equal(t, "<"+s, string(b), "%T", v)
			}

			var gotB []byte
			require.NoError(t, c.Unmarshal(valid, &gotB))
			require.Equal(t, valid, gotB)
			var gotS string
			require.NoError(t, c.Unmarshal(valid, &gotS))
			require.Equal(t, s, gotS)
			var gotMB myBytes
			require.NoError(t, c.Unmarshal(valid, &gotMB))
			require.Equal(t, myBytes(valid), gotMB)
			var gotMS myString
			require.NoError(t, c.Unmarshal(valid, &gotMS))
			require.Equal(t, myString(s), gotMS)
		})
	}
}

func TestRawCopies(t *testing.T) {
	data := []byte("abcdef")
	buf := make([]byte, 0, 16)
	got := buf
	require.NoError(t, codec.Raw{}.Unmarshal(data, &got))
	data[0] = 'X'
	require.Equal(t, "abcdef", string(got), "the decoded value aliases its input")
	require.Equal(t, &buf[:1][0], &got[:1][0], "decoding did not reuse the target's capacity")

	require.NoError(t, codec.Raw{}.Unmarshal(nil, &got))
	require.Empty(t, got)
}

func TestRawErrors(t *testing.T) {
	for _, c := range []codec.Codec{codec.Raw{}, codec.String{}} {
		_, err := c.AppendMarshal(nil, 42)
		require.ErrorIs(t, err, codec.ErrUnsupportedType)
		require.ErrorIs(t, err, codec.ErrEncode)
		require.EqualError(t, err, "codec: "+c.Name()+": cannot encode int: codec: unsupported type: want []byte or string")

		_, err = c.AppendMarshal(nil, (*[]byte)(nil))
		require.ErrorIs(t, err, codec.ErrUnsupportedType)

		var n int
		err = c.Unmarshal([]byte("x"), &n)
		var de *codec.DecodeError
		require.ErrorAs(t, err, &de)
		require.Equal(t, codec.DecodeError{Codec: c.Name(), Type: "int", Err: de.Err}, *de)
		require.ErrorIs(t, err, codec.ErrUnsupportedType)

		require.ErrorIs(t, c.Unmarshal([]byte("x"), (*[]byte)(nil)), codec.ErrDecode)
		require.ErrorIs(t, c.Unmarshal([]byte("x"), "not a pointer"), codec.ErrDecode)
	}

	_, err := codec.String{}.AppendMarshal(nil, "bad \xff")
	require.EqualError(t, err, "codec: string: cannot encode string: invalid UTF-8")
	var s string
	err = codec.String{}.Unmarshal([]byte("bad \xff"), &s)
	require.EqualError(t, err, "codec: string: cannot decode string: invalid UTF-8")
	require.Empty(t, s)
}

func TestRawAllocations(t *testing.T) {
	in := make([]byte, 4096)
	buf := make([]byte, 0, 8192)
	var out []byte
	allocs := testing.AllocsPerRun(10, func() {
		b, err := codec.Raw{}.AppendMarshal(buf[:0], in)
		if err != nil {
			t.Fatal(err)
		}
		if err := (codec.Raw{}).Unmarshal(b, &out); err != nil {
			t.Fatal(err)
		}
	})
	require.Zero(t, allocs)
}

func FuzzString(f *testing.F) {
	f.Add([]byte("héllo"))
	f.Add([]byte("\xff"))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, data []byte) {
		var s string
		if err := (codec.String{}).Unmarshal(data, &s); err != nil {
			require.ErrorIs(t, err, codec.ErrDecode)
			return
		}
		b, err := codec.String{}.AppendMarshal(nil, s)
		require.NoError(t, err)
		require.Equal(t, string(data), string(b))
	})
}
