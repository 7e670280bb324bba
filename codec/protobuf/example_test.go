package protobuf_test

import (
	"errors"
	"fmt"

	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/tendril-wasm/tendril/codec"
	"github.com/tendril-wasm/tendril/codec/protobuf"
)

func Example() {
	c := protobuf.Codec{}
	b, err := c.AppendMarshal(nil, wrapperspb.String("héllo"))
	if err != nil {
		panic(err)
	}
	fmt.Printf("% x\n", b)

	// Decode into a *T, or into a nil *T through its address, as generic
	// code does.
	var s *wrapperspb.StringValue
	if err := c.Unmarshal(b, &s); err != nil {
		panic(err)
	}
	fmt.Println(s.GetValue())

	// A string field cut short. (The protobuf module varies the spaces of its
	// messages on purpose, so that nobody matches their text; match types.)
	err = c.Unmarshal([]byte{0x0a, 0x09}, &s)
	var de *codec.DecodeError
	if errors.As(err, &de) {
		fmt.Println(de.Codec, de.Type)
	}
	// Output:
	// 0a 06 68 c3 a9 6c 6c 6f
	// héllo
	// protobuf *wrapperspb.StringValue
}
