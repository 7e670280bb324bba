package hostile_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"strings"

	"github.com/tendril-wasm/tendril/kernel"
	"github.com/tendril-wasm/tendril/runtime"
)

// matcher is what a hostile case must end with: a typed error, or a
// documented benign result (benign: true).
type matcher struct {
	desc   string
	benign bool
	match  func(out []byte, err error) error // nil when the result is the expected one
}

// fault: the plug-in trapped because the kernel rejected an argument of fn.
func fault(fn string, off uint64) matcher {
	return matcher{
		desc: fmt.Sprintf("*runtime.TrapError wrapping *kernel.FaultError{%s, %#x}", fn, off),
		match: func(out []byte, err error) error {
			var trap *runtime.TrapError
			var f *kernel.FaultError
			switch {
			case !errors.As(err, &trap):
				return fmt.Errorf("want a *runtime.TrapError, got %T: %v", err, err)
			case !errors.As(err, &f):
				return fmt.Errorf("want a *kernel.FaultError inside, got %v", err)
			case f.Function != fn || f.Offset != off:
				return fmt.Errorf("fault names %s at %#x, want %s at %#x", f.Function, f.Offset, fn, off)
			case !strings.Contains(err.Error(), fn):
				return fmt.Errorf("message %q does not name %s", err, fn)
			case out != nil:
				return fmt.Errorf("a failed call returned output %q", out)
			}
			return nil
		},
	}
}

// trap: the plug-in trapped in wasm (not in a kernel check); the message
// says why.
func trap(why string) matcher {
	return matcher{
		desc: fmt.Sprintf("*runtime.TrapError (%s)", why),
		match: func(out []byte, err error) error {
			var trap *runtime.TrapError
			switch {
			case !errors.As(err, &trap):
				return fmt.Errorf("want a *runtime.TrapError, got %T: %v", err, err)
			case !strings.Contains(err.Error(), why):
				return fmt.Errorf("message %q does not say %q", err, why)
			case out != nil:
				return fmt.Errorf("a failed call returned output %q", out)
			}
			return nil
		},
	}
}

// interrupted: the call was stopped by its deadline, its timeout or a cancel.
func interrupted(cause error) matcher {
	return matcher{
		desc: fmt.Sprintf("*runtime.InterruptError (%v)", cause),
		match: func(out []byte, err error) error {
			var ie *runtime.InterruptError
			switch {
			case !errors.As(err, &ie):
				return fmt.Errorf("want a *runtime.InterruptError, got %T: %v", err, err)
			case !errors.Is(err, cause):
				return fmt.Errorf("want errors.Is(err, %v), got %v", cause, err)
			}
			return nil
		},
	}
}

// stopped: the call ended because its context ended, whichever layer noticed
// (an InterruptError, or a host function or HTTP request that returned the
// context's error).
func stopped(cause error) matcher {
	return matcher{
		desc: fmt.Sprintf("an error wrapping %v", cause),
		match: func(out []byte, err error) error {
			if !errors.Is(err, cause) {
				return fmt.Errorf("want errors.Is(err, %v), got %T: %v", cause, err, err)
			}
			return nil
		},
	}
}

// is: errors.Is(err, target) and the message contains each of words.
func is(target error, words ...string) matcher {
	return matcher{
		desc: fmt.Sprintf("errors.Is(err, %q) naming %q", target, words),
		match: func(out []byte, err error) error {
			if !errors.Is(err, target) {
				return fmt.Errorf("want errors.Is(err, %q), got %T: %v", target, err, err)
			}
			for _, w := range words {
				if !strings.Contains(err.Error(), w) {
					return fmt.Errorf("message %q does not name %q", err, w)
				}
			}
			if out != nil {
				return fmt.Errorf("a failed call returned output %q", out)
			}
			return nil
		},
	}
}

// failsWith: any error whose message contains each of words (for failures
// the runtime has no sentinel for).
func failsWith(words ...string) matcher {
	return matcher{
		desc: fmt.Sprintf("an error naming %q", words),
		match: func(out []byte, err error) error {
			if err == nil {
				return fmt.Errorf("no error (output %d bytes)", len(out))
			}
			for _, w := range words {
				if !strings.Contains(err.Error(), w) {
					return fmt.Errorf("message %q does not name %q", err, w)
				}
			}
			return nil
		},
	}
}

// guestError: the plug-in failed the call itself; code 0 means any non-zero
// code or a message. It must not carry secret.
func guestError(code int32, msg string) matcher {
	return matcher{
		desc: fmt.Sprintf("*runtime.GuestError{Code: %d, Message: %q}", code, msg),
		match: func(out []byte, err error) error {
			var ge *runtime.GuestError
			switch {
			case !errors.As(err, &ge):
				return fmt.Errorf("want a *runtime.GuestError, got %T: %v (output %q)", err, err, out)
			case code != 0 && ge.Code != code:
				return fmt.Errorf("code %d, want %d (%v)", ge.Code, code, err)
			case msg != "" && ge.Message != msg:
				return fmt.Errorf("message %q, want %q", ge.Message, msg)
			case strings.Contains(ge.Message, secretText):
				return fmt.Errorf("the error carries the secret: %q", ge.Message)
			}
			return nil
		},
	}
}

// exited: the plug-in called WASI proc_exit(code).
func exited(code uint32) matcher {
	return matcher{
		desc: fmt.Sprintf("*runtime.ExitError{Code: %d}", code),
		match: func(out []byte, err error) error {
			var ee *runtime.ExitError
			switch {
			case !errors.As(err, &ee):
				return fmt.Errorf("want a *runtime.ExitError, got %T: %v", err, err)
			case ee.Code != code:
				return fmt.Errorf("exit code %d, want %d", ee.Code, code)
			case out != nil:
				return fmt.Errorf("a failed call returned output %q", out)
			}
			return nil
		},
	}
}

// hostFunction: a host function failed the call; the message contains why.
func hostFunction(why string) matcher {
	return matcher{
		desc: fmt.Sprintf("*runtime.HostFunctionError (%s)", why),
		match: func(out []byte, err error) error {
			var he *runtime.HostFunctionError
			switch {
			case !errors.As(err, &he):
				return fmt.Errorf("want a *runtime.HostFunctionError, got %T: %v", err, err)
			case !strings.Contains(err.Error(), why):
				return fmt.Errorf("message %q does not say %q", err, why)
			}
			return nil
		},
	}
}

// output: a benign result: no error and exactly this output.
func output(want []byte) matcher {
	return matcher{
		desc:   fmt.Sprintf("benign: output %q", want),
		benign: true,
		match: func(out []byte, err error) error {
			if err != nil {
				return fmt.Errorf("want output %q, got error %T: %v", want, err, err)
			}
			if !bytes.Equal(out, want) {
				return fmt.Errorf("output %q, want %q", out, want)
			}
			return nil
		},
	}
}

// outputU64: a benign result: the output is v as 8 little-endian bytes.
func outputU64(v uint64) matcher {
	m := output(u64(v))
	m.desc = fmt.Sprintf("benign: output u64 %#x", v)
	return m
}

// outputU64Max: a benign result: the output is a u64 of at most max.
func outputU64Max(max uint64) matcher {
	return matcher{
		desc:   fmt.Sprintf("benign: output u64 <= %#x", max),
		benign: true,
		match: func(out []byte, err error) error {
			if err != nil {
				return fmt.Errorf("got error %T: %v", err, err)
			}
			if len(out) != 8 {
				return fmt.Errorf("output %q, want a u64", out)
			}
			if v := binary.LittleEndian.Uint64(out); v > max {
				return fmt.Errorf("output %d (%#x), want at most %d", v, v, max)
			}
			return nil
		},
	}
}

var (
	deadline = context.DeadlineExceeded
	canceled = context.Canceled
)

// anyOf: one of ms (for outcomes that depend on a hardening the runtime may
// or may not have: each is safe).
func anyOf(ms ...matcher) matcher {
	descs := make([]string, len(ms))
	for i, m := range ms {
		descs[i] = m.desc
	}
	return matcher{
		desc: strings.Join(descs, " or "),
		match: func(out []byte, err error) error {
			var errs []string
			for _, m := range ms {
				merr := m.match(out, err)
				if merr == nil {
					return nil
				}
				errs = append(errs, merr.Error())
			}
			return errors.New(strings.Join(errs, "; "))
		},
	}
}
