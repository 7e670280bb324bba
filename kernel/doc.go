// Package kernel is the public face of the Extism plug-in ABI as Tendril
// implements it: the import module plug-ins use ([ModuleName]), the errors a
// call can fail with because of it, and the log levels plug-ins log at.
//
// The ABI moves every call's input, output and errors through kernel memory:
// memory that belongs neither to the host nor to the plug-in, reset before
// each call. Plug-ins reach it through the functions of `extism:host/env`
// (alloc, free, length, load/store, input, output, error, config, vars, HTTP,
// logs), specified precisely enough to write a new PDK from in docs/abi.md.
//
// Applications do not run the kernel themselves: package runtime gives each
// plug-in instance its own kernel. They meet this package in errors
// ([FaultError], [ErrHTTPNotAllowed], [ErrVarLimit]...), checked with
// errors.Is and errors.As, and in logs ([LevelTrace], [ReplaceLevel]).
package kernel
