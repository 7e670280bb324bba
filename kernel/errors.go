package kernel

import (
	"errors"
	"fmt"
)

// ModuleName is the import module under which plug-ins find the kernel.
const ModuleName = "extism:host/env"

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

// Defaults the runtime applies when a manifest leaves a bound unset.
const (
	DefaultMaxVarBytes          = 1 << 20  // 1 MiB of keys and values
	DefaultMaxHTTPResponseBytes = 50 << 20 // 50 MiB
)

// FaultError reports an offset the kernel rejected: outside the heap, past the
// input, or not a live block. The plug-in trapped at that call.
type FaultError struct {
	Function string // the ABI function, e.g. "load_u64"
	Offset   uint64 // the offset (or input index, or handle) it was given
}

func (e *FaultError) Error() string {
	return fmt.Sprintf("kernel: %s: offset %#x out of bounds", e.Function, e.Offset)
}
