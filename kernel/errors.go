package kernel

import (
	"errors"
	"fmt"
)

var (
	// ErrOutOfMemory: the kernel's memory could not grow to hold a block.
	ErrOutOfMemory = errors.New("kernel: out of memory")
	// ErrBadHandle: a handle that is not a live block.
	ErrBadHandle = errors.New("kernel: not a live block")
	// ErrVarLimit: a var_set would take the vars past their bound.
	ErrVarLimit = errors.New("kernel: vars exceed max_var_bytes")
	// ErrHTTPNotAllowed: a request (or a redirect) to a host not in the allow-list.
	ErrHTTPNotAllowed = errors.New("kernel: HTTP request to a host not allowed")
	// ErrHTTPResponseTooLarge: a response body over max_http_response_bytes.
	ErrHTTPResponseTooLarge = errors.New("kernel: HTTP response exceeds max_http_response_bytes")
	// ErrHTTPRequest: a malformed request or a failed round trip.
	ErrHTTPRequest = errors.New("kernel: HTTP request failed")
)

// faultFuncs names the ABI functions by the fault code kernel.wat records.
var faultFuncs = [...]string{
	1: "load_u8",
	2: "load_u64",
	3: "store_u8",
	4: "store_u64",
	5: "input_load_u8",
	6: "input_load_u64",
	7: "output_set",
	8: "error_set",
}

// FaultError reports an offset the kernel rejected: outside the heap, past the
// input, or not a live block. The plug-in trapped at that call.
type FaultError struct {
	Function string // the ABI function, e.g. "load_u64"
	Offset   uint64 // the offset (or input index, or handle) it was given
}

func (e *FaultError) Error() string {
	return fmt.Sprintf("kernel: %s: offset %#x out of bounds", e.Function, e.Offset)
}
