//go:build wasip1

package pdk

import "unsafe"

// Input returns a copy of this call's input, or nil when the input is empty.
func Input() []byte {
	return AppendInput(nil)
}

// InputString returns this call's input as a string.
func InputString() string {
	b := Input()
	return unsafe.String(unsafe.SliceData(b), len(b))
}

// AppendInput appends this call's input to dst and returns the extended
// slice. Passing a buffer kept from the previous call avoids an allocation
// per call.
func AppendInput(dst []byte) []byte {
	n := int(extismInputLength())
	if n == 0 {
		return dst
	}
	start := len(dst)
	dst = grow(dst, n)
	loadInput(dst[start:])
	return dst
}

// grow extends b by n bytes, reallocating only when its capacity is short.
func grow(b []byte, n int) []byte {
	if cap(b)-len(b) < n {
		nb := make([]byte, len(b), len(b)+n)
		copy(nb, b)
		b = nb
	}
	return b[:len(b)+n]
}

// Output sets this call's output to a copy of b. Calling it again replaces
// the output; an empty b sets an empty output.
func Output(b []byte) {
	h := allocBytes(b)
	extismOutputSet(h, uint64(len(b)))
}

// OutputString sets this call's output to s.
func OutputString(s string) {
	Output(unsafe.Slice(unsafe.StringData(s), len(s)))
}
