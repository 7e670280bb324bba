package codectest

// Record is the test value: every field kind a codec must carry. Its JSON
// names are short and omit empty fields, as the Protocol Buffers encoding of
// the same data (testproto.Record) does. Its MessagePack names are as short
// but keep empty fields: msgpack's omitempty allocates for every struct it
// encodes, which would make the codec look slower than it is.
type Record struct {
	ID       int64             `json:"id,omitempty" msgpack:"id"`
	Name     string            `json:"name,omitempty" msgpack:"name"`
	Tags     []string          `json:"tags,omitempty" msgpack:"tags"`
	Attrs    map[string]string `json:"attrs,omitempty" msgpack:"attrs"`
	Owner    *Person           `json:"owner,omitempty" msgpack:"owner"`
	Children []Person          `json:"children,omitempty" msgpack:"children"`
	Blob     []byte            `json:"blob,omitempty" msgpack:"blob"`
	Nickname *string           `json:"nickname,omitempty" msgpack:"nickname"`
	Active   bool              `json:"active,omitempty" msgpack:"active"`
	Ratio    float64           `json:"ratio,omitempty" msgpack:"ratio"`
	Counts   map[string]int64  `json:"counts,omitempty" msgpack:"counts"`
	Samples  []int64           `json:"samples,omitempty" msgpack:"samples"`
	Limit    *uint64           `json:"limit,omitempty" msgpack:"limit"`
}

// Person is nested in Record, by pointer and in a slice.
type Person struct {
	Name    string   `json:"name,omitempty" msgpack:"name"`
	Age     int32    `json:"age,omitempty" msgpack:"age"`
	Emails  []string `json:"emails,omitempty" msgpack:"emails"`
	Address *Address `json:"address,omitempty" msgpack:"address"`
}

// Address is nested in Person.
type Address struct {
	Street string `json:"street,omitempty" msgpack:"street"`
	City   string `json:"city,omitempty" msgpack:"city"`
	Zip    uint32 `json:"zip,omitempty" msgpack:"zip"`
}
