package plugins_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tendril-wasm/tendril/codec"
	"github.com/tendril-wasm/tendril/codec/json"
	"github.com/tendril-wasm/tendril/codec/msgpack"
	"github.com/tendril-wasm/tendril/runtime"
)

// The host's side of the orders plug-in: its own types with the same
// fields (the schema is shared, not the Go package), encoded by hand with
// the plug-in's codec.

type order struct {
	Customer string
	Lines    []orderLine
}

type orderLine struct {
	SKU      string
	Quantity int64
}

type quote struct {
	Customer string
	Lines    []pricedLine
	Total    int64
	Unknown  []string
}

type pricedLine struct {
	SKU      string
	Quantity int64
	Unit     int64
	Subtotal int64
}

var errUnknownSKU = errors.New("unknown SKU")

// unitPrice is the host function the plug-in imports: a SKU in, a price in
// cents out, both MessagePack.
var unitPrice = runtime.NewHostFunction("unit_price", func(_ context.Context, _ *runtime.Caller, in []byte) ([]byte, error) {
	c := msgpack.Codec{}
	var sku string
	if err := c.Unmarshal(in, &sku); err != nil {
		return nil, err
	}
	price, ok := map[string]int64{"tea": 350, "scone": 275, "jam": 499}[sku]
	if !ok {
		return nil, errUnknownSKU
	}
	return codec.Marshal(c, price)
})

func TestOrders(t *testing.T) {
	t.Parallel()
	cp := compile(t, "orders", setup{plugin: runtime.PluginOptions{HostFunctions: []runtime.HostFunction{unitPrice}}})
	inst := instantiate(t, cp)
	ctx := context.Background()
	c := msgpack.Codec{}

	// The plug-in's declared codec, from its exports.
	var declared []string
	for _, f := range cp.Functions() {
		if name, ok := strings.CutPrefix(f, "tendril:codec/"); ok {
			declared = append(declared, name)
		}
	}
	require.Equal(t, []string{c.Name()}, declared)

	quoteOf := func(o order) (quote, error) {
		in, err := codec.Marshal(c, o)
		require.NoError(t, err)
		out, err := inst.Call(ctx, "quote", in)
		if err != nil {
			return quote{}, err
		}
		var q quote
		require.NoError(t, c.Unmarshal(out, &q))
		return q, nil
	}

	q, err := quoteOf(order{Customer: "Ada", Lines: []orderLine{{"tea", 2}, {"caviar", 1}, {"scone", 3}}})
	require.NoError(t, err)
	require.Equal(t, quote{
		Customer: "Ada",
		Lines:    []pricedLine{{"tea", 2, 350, 700}, {"scone", 3, 275, 825}},
		Total:    1525,
		Unknown:  []string{"caviar"}, // the host's error, handled by the plug-in
	}, q)

	_, err = quoteOf(order{Customer: "Ada"})
	var ge *runtime.GuestError
	require.ErrorAs(t, err, &ge)
	require.Equal(t, "quote: the order has no lines", ge.Message)

	// A host speaking JSON to a MessagePack plug-in is told so.
	in, err := codec.Marshal(json.Codec{}, order{Customer: "Ada", Lines: []orderLine{{"tea", 1}}})
	require.NoError(t, err)
	_, err = inst.Call(ctx, "quote", in)
	require.ErrorAs(t, err, &ge)
	require.True(t, strings.HasPrefix(ge.Message, "pdk: input: codec: msgpack: cannot decode main.Order: "), ge.Message)
}
