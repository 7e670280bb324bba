// Package hostile is Tendril's hostile plug-in suite: the tests an attacker
// would write against the runtime. It has no API; everything is in its tests.
//
// Each plug-in is a WebAssembly text file in testdata/, committed with its
// build beside it (scripts/gen-wasm.sh rebuilds them with wabt's wat2wasm and
// CI checks that they match), so the tests need only Go. TestHostile runs
// every case of a table (one attack each: endless loops, memory, table and var bombs, stack
// overflow, out-of-range kernel offsets, stale and foreign handles, traps and
// exits mid-call, denied HTTP and redirects, path escapes, host functions
// that block, imports that were never granted) and checks, for each, that:
//
//   - it ends within its bound (stretched by the load measured meanwhile, see
//     lag_test.go) with the expected typed error (or a documented
//     benign result),
//   - the host is alive and a neighbour instance in the same Runtime gives the
//     same results before, during and after,
//   - an instance that trapped, exited or was interrupted refuses further calls
//     at once with runtime.ErrBroken,
//   - no goroutine is left behind.
//
// TestHostileCLI runs a subset through the tendril command; leak_test.go
// checks that instances and calls do not leak heap or goroutines;
// defaults_test.go checks that a manifest without limits is still bounded.
//
// Run it with:
//
//	go test -race ./hostile/
//
// SECURITY.md at the root of the repository maps each promise to its tests.
package hostile
