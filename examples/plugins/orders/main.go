//go:build wasip1

// Command orders is a plug-in of Go values: it quotes an order, encoded with
// MessagePack, asking its host for each item's unit price through the typed
// host function extism:host/user unit_price (a SKU in, a price in cents out,
// also MessagePack; an error for an unknown SKU).
package main

import (
	"errors"

	"github.com/tendril-wasm/tendril/codec/msgpack"
	"github.com/tendril-wasm/tendril/pdk"
)

// Order is what the host sends.
type Order struct {
	Customer string
	Lines    []Line
}

// Line is one item of an order.
type Line struct {
	SKU      string
	Quantity int64
}

// Quote is what the plug-in answers.
type Quote struct {
	Customer string
	Lines    []PricedLine
	Total    int64    // in cents
	Unknown  []string // SKUs the host has no price for
}

// PricedLine is a line with its price.
type PricedLine struct {
	SKU      string
	Quantity int64
	Unit     int64
	Subtotal int64
}

// The plug-in's default codec, read by the host from this export's name.
//
//go:wasmexport tendril:codec/msgpack
func declareCodec() int32 { return 0 }

// unitPrice is the host's price list: a SKU in, its unit price out.
//
//go:wasmimport extism:host/user unit_price
func unitPrice(pdk.Handle) pdk.Handle

//go:wasmexport quote
func quote() int32 {
	return pdk.RunTyped(msgpack.Codec{}, func(o Order) (Quote, error) {
		if len(o.Lines) == 0 {
			return Quote{}, errors.New("quote: the order has no lines")
		}
		q := Quote{Customer: o.Customer}
		for _, l := range o.Lines {
			if l.Quantity <= 0 {
				return Quote{}, errors.New("quote: quantity of " + l.SKU + " is not positive")
			}
			unit, err := pdk.CallHost[string, int64](msgpack.Codec{}, unitPrice, l.SKU)
			var he *pdk.HostError
			if errors.As(err, &he) {
				// The host has no price: note it and go on.
				q.Unknown = append(q.Unknown, l.SKU)
				continue
			}
			if err != nil {
				return Quote{}, err
			}
			sub := unit * l.Quantity
			q.Lines = append(q.Lines, PricedLine{SKU: l.SKU, Quantity: l.Quantity, Unit: unit, Subtotal: sub})
			q.Total += sub
		}
		return q, nil
	})
}

func main() {}
