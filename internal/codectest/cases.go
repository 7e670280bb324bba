package codectest

import "math"

// Case is a named test value.
type Case struct {
	Name   string
	Record Record
}

// Cases returns the values every codec must carry unchanged, each a new
// copy. Empty slices and maps are nil: the encodings omit empty fields, so
// an empty non-nil slice comes back nil, which is not a difference worth a
// test case.
func Cases() []Case {
	return []Case{
		{Name: "zero", Record: Record{}},
		{Name: "full", Record: Full()},
		{Name: "unicode", Record: Record{
			Name:  "Grüße, 世界! 🌱 ‮rtl‬ \u00a0\t\"quoted\" \\ <tag> & \u2028",
			Tags:  []string{"é", "ß", "中文", "😀", "\x00nul"},
			Attrs: map[string]string{"ключ": "значение", "🔑": "🚪", "": "empty key"},
			Owner: &Person{Name: "Zoë Ångström", Emails: []string{"zoë@example.org"}},
		}},
		{Name: "extremes", Record: Record{
			ID:      math.MinInt64,
			Ratio:   -math.MaxFloat64,
			Samples: []int64{math.MaxInt64, math.MinInt64, 0, -1, 1},
			Counts:  map[string]int64{"max": math.MaxInt64, "min": math.MinInt64},
			Limit:   ptr(uint64(math.MaxUint64)),
			Owner:   &Person{Age: math.MaxInt32, Address: &Address{Zip: math.MaxUint32}},
		}},
		{Name: "optional_zero", Record: Record{
			// Pointers to zero values are present, not absent.
			Nickname: ptr(""),
			Limit:    ptr(uint64(0)),
			Owner:    &Person{},
		}},
		{Name: "large_blob", Record: Record{ID: 7, Blob: Bytes(300 << 10)}},
	}
}

// Full returns a Record with every field set.
func Full() Record {
	return Record{
		ID:    42,
		Name:  "tendril",
		Tags:  []string{"wasm", "plug-in", "codec"},
		Attrs: map[string]string{"lang": "go", "abi": "extism"},
		Owner: &Person{
			Name:    "Ada",
			Age:     36,
			Emails:  []string{"ada@example.org", "ada@example.com"},
			Address: &Address{Street: "12 Analytical Row", City: "London", Zip: 10001},
		},
		Children: []Person{
			{Name: "Byron", Age: 8},
			{Name: "Anne", Age: 6, Emails: []string{"anne@example.org"}, Address: &Address{City: "Ockham"}},
		},
		Blob:     Bytes(1000),
		Nickname: ptr("the enchantress"),
		Active:   true,
		Ratio:    0.1,
		Counts:   map[string]int64{"calls": 3, "errors": -1},
		Samples:  []int64{1, 1, 2, 3, 5, 8, 13},
		Limit:    ptr(uint64(1) << 40),
	}
}

// Bytes returns n deterministic pseudo-random bytes (every byte value
// occurs).
func Bytes(n int) []byte {
	b := make([]byte, n)
	x := uint32(2463534242)
	for i := range b {
		x ^= x << 13
		x ^= x >> 17
		x ^= x << 5
		b[i] = byte(x)
	}
	return b
}

func ptr[T any](v T) *T { return &v }
