package codec_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tendril-wasm/tendril/codec"
)

func TestSet(t *testing.T) {
	s, err := codec.NewSet(codec.Raw{}, codec.String{})
	require.NoError(t, err)
	require.Equal(t, []string{"raw", "string"}, s.Names())
	require.Equal(t, 2, s.Len())
	c, ok := s.Lookup("string")
	require.True(t, ok)
	require.Equal(t, codec.String{}, c)
	_, ok = s.Lookup("json")
	require.False(t, ok)

	var zero codec.Set
	_, ok = zero.Lookup("raw")
	require.False(t, ok)
	require.Empty(t, zero.Names())
}

type named string

func (n named) Name() string                                  { return string(n) }
func (named) AppendMarshal(dst []byte, _ any) ([]byte, error) { return dst, nil }
func (named) Unmarshal([]byte, any) error                     { return nil }

func TestSetErrors(t *testing.T) {
	_, err := codec.NewSet(codec.Raw{}, named("raw"))
	require.ErrorIs(t, err, codec.ErrName)
	require.EqualError(t, err, `codec: bad codec name: duplicate "raw"`)
	_, err = codec.NewSet(named(""))
	require.ErrorIs(t, err, codec.ErrName)
}
