package codectest_test

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tendril-wasm/tendril/internal/codectest"
)

func TestPayloadSize(t *testing.T) {
	for _, s := range codectest.Sizes {
		t.Run(s.Name, func(t *testing.T) {
			b, err := json.Marshal(codectest.Payload(s.Bytes))
			require.NoError(t, err)
			require.InDelta(t, s.Bytes, len(b), float64(s.Bytes)/10, "JSON size of Payload(%d)", s.Bytes)
		})
	}
}

func TestProtoConversion(t *testing.T) {
	for _, c := range codectest.Cases() {
		t.Run(c.Name, func(t *testing.T) {
			require.Equal(t, c.Record, codectest.FromProto(codectest.ToProto(c.Record)))
		})
	}
}
