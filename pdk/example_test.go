//go:build wasip1

package pdk_test

import (
	"errors"

	"github.com/tendril-wasm/tendril/codec/json"
	"github.com/tendril-wasm/tendril/codec/msgpack"
	"github.com/tendril-wasm/tendril/pdk"
)

// Order and Receipt are the values of the examples' plug-in functions.
type Order struct {
	Item     string
	Price    int64 // in cents
	Quantity int64
}

type Receipt struct {
	Item  string
	Total int64
}

// A plug-in function of Go values: the host sends an Order encoded with
// MessagePack and gets a Receipt back. These files build only for wasip1,
// so the examples are compiled, not run; examples/plugins has plug-ins
// that the tests run.
func ExampleRunTyped() {
	_ = total() // the host calls it; here only to show it
}

//go:wasmexport total
func total() int32 {
	return pdk.RunTyped(msgpack.Codec{}, func(o Order) (Receipt, error) {
		if o.Quantity <= 0 {
			return Receipt{}, errors.New("total: quantity must be positive")
		}
		return Receipt{Item: o.Item, Total: o.Price * o.Quantity}, nil
	})
}

// price is a host function of the application, bytes in, bytes out
// (runtime.NewHostFunction on a Tendril host).
//
//go:wasmimport extism:host/user price
func price(pdk.Handle) pdk.Handle

// A plug-in function that asks its host for a price: the Order goes to the
// host function encoded with JSON, the answer comes back decoded. When the
// host function fails, CallHost returns its message as a *pdk.HostError;
// returning that error as it is fails the call with the host's own error.
func ExampleCallHost() {
	_ = quote()
}

//go:wasmexport quote
func quote() int32 {
	return pdk.RunTyped(json.Codec{}, func(o Order) (Receipt, error) {
		unit, err := pdk.CallHost[Order, int64](json.Codec{}, price, o)
		var he *pdk.HostError
		if errors.As(err, &he) && he.Message == "unknown item" {
			return Receipt{Item: o.Item}, nil // a price of 0 for unknown items
		}
		if err != nil {
			return Receipt{}, err
		}
		return Receipt{Item: o.Item, Total: unit * o.Quantity}, nil
	})
}

// Declaring the plug-in's default codec: an export whose name is
// "tendril:codec/" and the codec's name. The host reads it from the
// compiled module, without calling anything.
//
//go:wasmexport tendril:codec/msgpack
func declareCodec() int32 { return 0 }
