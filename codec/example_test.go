package codec_test

import (
	"errors"
	"fmt"

	"github.com/tendril-wasm/tendril/codec"
)

func Example() {
	// The codecs a host speaks; it picks the one a plug-in declares.
	set, err := codec.NewSet(codec.Raw{}, codec.String{})
	if err != nil {
		panic(err)
	}
	c, ok := set.Lookup("string")
	fmt.Println(c.Name(), ok)

	b, err := c.AppendMarshal(nil, "héllo")
	if err != nil {
		panic(err)
	}
	var s string
	if err := c.Unmarshal(b, &s); err != nil {
		panic(err)
	}
	fmt.Println(s)

	// A decode failure names the codec and the Go type.
	err = c.Unmarshal([]byte{0xff}, &s)
	var de *codec.DecodeError
	fmt.Println(errors.As(err, &de), de.Codec, de.Type)
	fmt.Println(err)
	// Output:
	// string true
	// héllo
	// true string string
	// codec: string: cannot decode string: invalid UTF-8
}

func ExampleRaw() {
	c := codec.Raw{}
	out, err := c.AppendMarshal([]byte("in: "), []byte{'h', 'i'})
	if err != nil {
		panic(err)
	}
	var b []byte
	if err := c.Unmarshal(out, &b); err != nil {
		panic(err)
	}
	fmt.Printf("%q\n", b)
	// Output: "in: hi"
}
