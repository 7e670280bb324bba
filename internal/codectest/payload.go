package codectest

import (
	"encoding/json"
	"strconv"
)

// Payload sizes of the benchmarks: about 100 B, 10 KiB and 1 MiB of JSON.
const (
	Small  = 100
	Medium = 10 << 10
	Large  = 1 << 20
)

// Sizes lists the payload sizes, smallest first, with the names the
// benchmarks give them.
var Sizes = []struct {
	Name  string
	Bytes int
}{{"100B", Small}, {"10KiB", Medium}, {"1MiB", Large}}

// Payload returns a Record whose JSON encoding is about n bytes (within
// 10% for n >= 100). Its bulk is structured data, a list of people with
// names, ages, emails and addresses, so that a codec's cost per field shows,
// not the speed of copying a byte field. The same n gives the same Record.
func Payload(n int) Record {
	r := Record{ID: 1, Name: "payload", Active: true, Ratio: 0.5}
	if n < 100 {
		return r
	}
	r.Tags = []string{"bench"}
	r.Owner = &Person{Name: "Ada", Age: 36}
	base := jsonSize(r)
	if n <= base+40 {
		return r
	}
	per := jsonSize(Record{Children: []Person{person(1)}}) - jsonSize(Record{}) - len(`"children":[]`) + 1
	count := max(1, (n-base-len(`,"children":[]`))/per)
	r.Children = make([]Person, count)
	for i := range r.Children {
		r.Children[i] = person(i)
	}
	return r
}

// person returns the i-th person of a payload, about 130 bytes of JSON.
func person(i int) Person {
	s := strconv.Itoa(100000 + i%900000)
	return Person{
		Name:    "Person " + s,
		Age:     int32(20 + i%60),
		Emails:  []string{"p" + s + "@example.org"},
		Address: &Address{Street: s + " Main Street", City: "Springfield", Zip: uint32(10000 + i%90000)},
	}
}

func jsonSize(r Record) int {
	b, err := json.Marshal(r)
	if err != nil {
		panic(err)
	}
	return len(b)
}
