//go:build wasip1

package pdk

import (
	"errors"
	"runtime"
)

// errOutOfMemory is raised (as a panic, reported by Run) when the kernel
// cannot allocate a block.
var errOutOfMemory = errors.New("pdk: kernel out of memory")

// SetError makes this call fail with err's message, which the host reports
// as the call's error. A nil err clears an error set earlier in the call.
// An empty message is reported as "error", since the ABI has no empty error.
//
// Most exports use Run instead, which calls SetError for them.
//
// A *HostError that CallHost returned in this call is set as the very
// message the host function reported, so that the host can tell that the
// call failed with its own error.
func SetError(err error) {
	if err == nil {
		extismErrorSet(0)
		return
	}
	if he, ok := err.(*HostError); ok {
		if h := he.handleNow(); h != 0 {
			extismErrorSet(h)
			return
		}
	}
	msg := err.Error()
	if msg == "" {
		msg = "error"
	}
	extismErrorSet(allocString(msg))
}

// Run calls fn and turns its outcome into the result of an export: 0 when fn
// returns nil; 1, with the error's message set for the host, when fn returns
// an error or panics. A panic's message is "panic: " followed by the panic
// value; its stack goes to the host log at error level. Recovering keeps the
// instance's Go runtime sound, so the next call on the instance works.
//
// Use it as the whole body of an export:
//
//	//go:wasmexport greet
//	func greet() int32 {
//		return pdk.Run(func() error {
//			pdk.OutputString("Hello, " + pdk.InputString())
//			return nil
//		})
//	}
//
// Failures that Go cannot recover from (running out of memory, a fatal
// error such as concurrent map writes, os.Exit) still end the instance.
func Run(fn func() error) (rc int32) {
	runs.seq++
	runs.depth++
	defer func() {
		if v := recover(); v != nil {
			rc = reportPanic(v)
		}
		runs.depth--
	}()
	if err := fn(); err != nil {
		SetError(err)
		return 1
	}
	return 0
}

// runs counts the calls of Run (seq) and how many are running (depth), so
// that SetError can tell whether a *HostError belongs to the current call.
var runs struct {
	seq   uint64
	depth int
}

// reportPanic records a recovered panic as the call's error and returns 1.
// It recovers from a second panic (say, the kernel is out of memory while the
// message is stored), leaving only the non-zero result to report the failure.
func reportPanic(v any) (rc int32) {
	rc = 1
	defer func() { _ = recover() }()
	msg := "panic: " + panicMessage(v)
	if LogEnabled(LevelError) {
		stack := make([]byte, 16<<10)
		stack = stack[:runtime.Stack(stack, false)]
		Log(LevelError, msg+"\n\n"+string(stack))
	}
	SetError(errors.New(msg))
	return rc
}
