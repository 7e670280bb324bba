package kern

import "github.com/tendril-wasm/tendril/kernel"

// The kernel's errors are the public package's: users match them with
// errors.Is and errors.As against package kernel.
var (
	ErrOutOfMemory          = kernel.ErrOutOfMemory
	ErrBadHandle            = kernel.ErrBadHandle
	ErrVarLimit             = kernel.ErrVarLimit
	ErrHTTPNotAllowed       = kernel.ErrHTTPNotAllowed
	ErrHTTPResponseTooLarge = kernel.ErrHTTPResponseTooLarge
	ErrHTTPRequest          = kernel.ErrHTTPRequest
)

// FaultError is kernel.FaultError.
type FaultError = kernel.FaultError

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
