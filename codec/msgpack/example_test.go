package msgpack_test

import (
	"fmt"

	"github.com/tendril-wasm/tendril/codec/msgpack"
)

func Example() {
	type Point struct {
		X, Y int
	}
	c := msgpack.Codec{}
	b, err := c.AppendMarshal(nil, Point{X: 1, Y: 2})
	if err != nil {
		panic(err)
	}
	fmt.Printf("% x\n", b)

	var p Point
	if err := c.Unmarshal(b, &p); err != nil {
		panic(err)
	}
	fmt.Println(p)

	err = c.Unmarshal([]byte(`{"X":1}`), &p) // JSON is not MessagePack
	fmt.Println(err)
	// Output:
	// 82 a1 58 01 a1 59 02
	// {1 2}
	// codec: msgpack: cannot decode msgpack_test.Point: msgpack: unexpected code=7b decoding map length
}
