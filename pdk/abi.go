//go:build wasip1

package pdk

// The imports of the kernel ABI, module "extism:host/env". Handles and lengths
// are i64 offsets into kernel memory; 0 means none.

//go:wasmimport extism:host/env alloc
func extismAlloc(n uint64) uint64

//go:wasmimport extism:host/env free
func extismFree(h uint64)

//go:wasmimport extism:host/env length
func extismLength(h uint64) uint64

//go:wasmimport extism:host/env length_unsafe
func extismLengthUnsafe(h uint64) uint64

//go:wasmimport extism:host/env load_u8
func extismLoadU8(p uint64) uint32

//go:wasmimport extism:host/env load_u64
func extismLoadU64(p uint64) uint64

//go:wasmimport extism:host/env store_u8
func extismStoreU8(p uint64, v uint32)

//go:wasmimport extism:host/env store_u64
func extismStoreU64(p uint64, v uint64)

//go:wasmimport extism:host/env input_length
func extismInputLength() uint64

//go:wasmimport extism:host/env input_load_u8
func extismInputLoadU8(i uint64) uint32

//go:wasmimport extism:host/env input_load_u64
func extismInputLoadU64(i uint64) uint64

//go:wasmimport extism:host/env output_set
func extismOutputSet(h, n uint64)

//go:wasmimport extism:host/env error_set
func extismErrorSet(h uint64)

//go:wasmimport extism:host/env config_get
func extismConfigGet(key uint64) uint64

//go:wasmimport extism:host/env var_get
func extismVarGet(key uint64) uint64

//go:wasmimport extism:host/env var_set
func extismVarSet(key, value uint64)

//go:wasmimport extism:host/env http_request
func extismHTTPRequest(req, body uint64) uint64

//go:wasmimport extism:host/env http_status_code
func extismHTTPStatusCode() int32

//go:wasmimport extism:host/env http_headers
func extismHTTPHeaders() uint64

//go:wasmimport extism:host/env log_trace
func extismLogTrace(msg uint64)

//go:wasmimport extism:host/env log_debug
func extismLogDebug(msg uint64)

//go:wasmimport extism:host/env log_info
func extismLogInfo(msg uint64)

//go:wasmimport extism:host/env log_warn
func extismLogWarn(msg uint64)

//go:wasmimport extism:host/env log_error
func extismLogError(msg uint64)

//go:wasmimport extism:host/env get_log_level
func extismGetLogLevel() int32

//go:wasmimport extism:host/env error_get
func extismErrorGet() uint64
