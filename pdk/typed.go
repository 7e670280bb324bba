//go:build wasip1

package pdk

import (
	"github.com/tendril-wasm/tendril/codec"
)

// RunTyped is Run for a function of Go values: it decodes this call's input
// with c into an In, calls fn, and encodes the Out it returns with c as the
// call's output. Use it as the whole body of an export:
//
//	//go:wasmexport total
//	func total() int32 {
//		return pdk.RunTyped(msgpack.Codec{}, func(o Order) (Receipt, error) {
//			return Receipt{Total: o.Price * o.Quantity}, nil
//		})
//	}
//
// Input that does not decode fails the call with a message naming the codec
// and the Go type ("pdk: input: codec: msgpack: cannot decode main.Order:
// ..."), so that a host speaking another codec learns why; fn is not called.
// An error from fn, or a panic in it, fails the call as with Run. An Out
// that does not encode fails the call with "pdk: output: ...".
//
// RunTyped reuses its buffers from call to call. For protobuf, In and Out
// are message pointers (*T); RunTyped decodes into a new message.
func RunTyped[In, Out any](c codec.Codec, fn func(In) (Out, error)) int32 {
	return Run(func() error {
		var in In
		input := AppendInput(scratch.in[:0])
		err := c.Unmarshal(input, &in)
		scratch.in = keep(input)
		if err != nil {
			return &typedError{"pdk: input: ", err}
		}
		out, err := fn(in)
		if err != nil {
			return err
		}
		b, err := c.AppendMarshal(scratch.out[:0], out)
		if err != nil {
			return &typedError{"pdk: output: ", err}
		}
		Output(b)
		scratch.out = keep(b)
		return nil
	})
}

// CallHost calls a host function of the application that takes and returns
// bytes (name(i64) -> i64, a kernel block in and a kernel block out, as
// Tendril's runtime.NewHostFunction makes), encoding in and decoding the
// result with c. Declare the host function with //go:wasmimport and pass it:
//
//	//go:wasmimport extism:host/user price
//	func price(pdk.Handle) pdk.Handle
//
//	quote, err := pdk.CallHost[Order, Quote](msgpack.Codec{}, price, order)
//
// When the host function fails, it returns no block and makes its message
// the call's current error (error_get); CallHost takes that error back,
// clears it (so the call does not fail unless the plug-in says so) and
// returns it as a *HostError. A plug-in that returns that *HostError from
// its export as it is passes the host's original error back to the host.
// An error the plug-in had set before the call is kept.
//
// A result that does not decode gives an error naming the codec and the Go
// type ("pdk: host output: codec: ...").
func CallHost[In, Out any](c codec.Codec, fn func(Handle) Handle, in In) (Out, error) {
	var out Out
	b, err := c.AppendMarshal(scratch.host[:0], in)
	if err != nil {
		return out, &typedError{"pdk: host input: ", err}
	}
	// b is copied into kernel memory before the output is written over it.
	data, err := callHost(fn, b, b[:0])
	if err != nil {
		return out, err
	}
	err = c.Unmarshal(data, &out)
	scratch.host = keep(data)
	if err != nil {
		return out, &typedError{"pdk: host output: ", err}
	}
	return out, nil
}

// callHost passes input to the host function fn and appends its output to
// dst, or returns the error the host function reported.
func callHost(fn func(Handle) Handle, input, dst []byte) ([]byte, error) {
	h := AllocBytes(input)
	prev := extismErrorGet()
	if prev != 0 {
		extismErrorSet(0)
	}
	r := fn(h)
	e := extismErrorGet()
	h.Free()
	if e != 0 {
		r.Free()
		he := &HostError{Message: string(Handle(e).Bytes()), handle: e, seq: runs.seq}
		if prev != 0 && extismLength(prev) != 0 {
			extismErrorSet(prev)
		} else {
			extismErrorSet(0)
		}
		return dst, he
	}
	if prev != 0 && extismLength(prev) != 0 {
		extismErrorSet(prev)
	}
	if r == 0 {
		return dst, nil
	}
	n := r.Len()
	start := len(dst)
	dst = grow(dst, n)
	load(uint64(r), dst[start:])
	r.Free()
	return dst, nil
}

// HostError is the failure a host function reported to CallHost.
type HostError struct {
	// Message is the host's error message.
	Message string

	handle uint64 // the kernel block holding Message
	seq    uint64 // the Run it happened in
}

// Error returns the host's message.
func (e *HostError) Error() string { return e.Message }

// handleNow returns the kernel block of the message when it is still live:
// the error happened within the Run that is running now.
func (e *HostError) handleNow() uint64 {
	if e.handle == 0 || runs.depth == 0 || e.seq != runs.seq {
		return 0
	}
	return e.handle
}

// typedError is a codec's error met by RunTyped or CallHost, with the stage
// it happened at.
type typedError struct {
	stage string
	err   error
}

func (e *typedError) Error() string { return e.stage + e.err.Error() }
func (e *typedError) Unwrap() error { return e.err }

// scratch holds the buffers that RunTyped and CallHost reuse. An instance
// runs one call at a time and a host function cannot call back into the
// plug-in, so one set serves.
var scratch struct {
	in, out, host []byte
}

// maxKeep is the largest buffer kept for the next call; larger ones go, so
// that one large call does not pin its memory for the instance's life.
const maxKeep = 1 << 20

func keep(b []byte) []byte {
	if cap(b) > maxKeep {
		return nil
	}
	return b[:0]
}
