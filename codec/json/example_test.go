package json_test

import (
	"fmt"

	"github.com/tendril-wasm/tendril/codec/json"
)

func Example() {
	type Point struct {
		X, Y int
	}
	c := json.Codec{}
	b, err := c.AppendMarshal(nil, Point{X: 1, Y: 2})
	if err != nil {
		panic(err)
	}
	fmt.Println(string(b))

	var p Point
	if err := c.Unmarshal([]byte(`{"X":3,"Y":4}`), &p); err != nil {
		panic(err)
	}
	fmt.Println(p)

	err = c.Unmarshal([]byte(`{"X":"three"}`), &p)
	fmt.Println(err)
	// Output:
	// {"X":1,"Y":2}
	// {3 4}
	// codec: json: cannot decode json_test.Point: json: cannot unmarshal string into Go struct field Point.X of type int
}
