package ext

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/tendril-wasm/tendril/codec"
	"github.com/tendril-wasm/tendril/runtime"
)

// CodecExportPrefix starts the name of the export by which a plug-in
// declares its default codec: a plug-in that speaks msgpack exports a
// function named "tendril:codec/msgpack" (package pdk shows how). The host
// reads the declaration from the plug-in's exports, without calling it; see
// DeclaredCodec.
const CodecExportPrefix = "tendril:codec/"

// Errors of typed calls. errors.Is(err, codec.ErrDecode) and
// errors.Is(err, codec.ErrEncode) hold for a *CodecError, through it.
var (
	// ErrNoCodec: a typed call or host function was given a nil codec.
	ErrNoCodec = errors.New("ext: no codec")
	// ErrCodecDeclaration: a plug-in declares none of the codecs the host
	// speaks, or more than one.
	ErrCodecDeclaration = errors.New("ext: codec declaration")
)

// CodecError is a typed call whose value did not encode or whose bytes did
// not decode: it names the plug-in, the function and which side failed, and
// wraps the codec's *codec.DecodeError or *codec.EncodeError, which names
// the codec and the Go type.
type CodecError struct {
	Plugin   string // the plug-in
	Function string // the plug-in function, or the host function the plug-in called
	Host     bool   // Function is a host function (a typed host function failed)
	Input    bool   // the input (true) or the output (false) of Function
	Err      error  // a *codec.DecodeError or a *codec.EncodeError
}

// Error returns, for instance, `ext: plugin "orders": total: output: codec:
// json: cannot decode main.Receipt: <cause>`.
func (e *CodecError) Error() string {
	var b strings.Builder
	b.WriteString("ext: plugin ")
	b.WriteString(fmt.Sprintf("%q", e.Plugin))
	b.WriteString(": ")
	if e.Host {
		b.WriteString("host function ")
	}
	b.WriteString(e.Function)
	if e.Input {
		b.WriteString(": input: ")
	} else {
		b.WriteString(": output: ")
	}
	if e.Err == nil {
		b.WriteString("unknown error")
	} else {
		b.WriteString(e.Err.Error())
	}
	return b.String()
}

// Unwrap returns the codec's error.
func (e *CodecError) Unwrap() error { return e.Err }

// Call calls the plug-in function fn on c with in encoded by cd, and returns
// the function's output decoded by cd into an Out.
//
// Call looks fn up on every call; hot paths bind a Func once instead. The
// output is decoded straight from the plug-in's memory (Callable.Invoke),
// never copied first; codecs copy what they keep.
//
// Errors are those of c (*runtime.GuestError and the others, naming the
// plug-in and the function) or a *CodecError when in does not encode or the
// output does not decode; the Out returned with an error is always the zero
// value. A plug-in that speaks another codec usually fails the call itself,
// with a message that names its codec and type.
func Call[In, Out any](ctx context.Context, c runtime.Callable, fn string, in In, cd codec.Codec) (Out, error) {
	var zero Out
	if cd == nil {
		return zero, fmt.Errorf("%w for %s", ErrNoCodec, fn)
	}
	f, err := c.Function(fn)
	if err != nil {
		return zero, err
	}
	st := newCall[In, Out](cd, byPointer[In]())
	p := buffers.Get().(*[]byte)
	st.buf, st.in = *p, in
	out, err := st.run(ctx, c, f)
	*p = keep(st.buf)
	buffers.Put(p)
	return out, err
}

// Func is a plug-in function bound once to a Callable (an instance, a pool,
// a registered plug-in) and a codec: calling it looks nothing up and reuses
// its encoding buffers, so that a call allocates only what the codec does.
//
// A Func is safe for concurrent use when its Callable is (an *Instance and a
// pool are): one call at a time uses the Func's own buffers, and calls
// made meanwhile take theirs from a sync.Pool.
type Func[In, Out any] struct {
	c  runtime.Callable
	fn *runtime.Function
	cd codec.Codec
	// own is the state of one call at a time (busy), kept for the Func's
	// life, so that a Func called from one goroutine keeps its buffers
	// across garbage collections; calls made while it is busy take theirs
	// from calls, which a collection may empty.
	own   *call[In, Out]
	busy  atomic.Bool
	calls sync.Pool // *call[In, Out]
}

// NewFunc resolves the function name on c once and binds it to the codec
// cd. It fails with ErrNoCodec for a nil cd and with c's error (such as
// runtime.ErrFunctionNotFound) when c has no function of that name. To use
// the codec a plug-in declares, get it with DeclaredCodec.
func NewFunc[In, Out any](c runtime.Callable, name string, cd codec.Codec) (*Func[In, Out], error) {
	if cd == nil {
		return nil, fmt.Errorf("%w for %s", ErrNoCodec, name)
	}
	fn, err := c.Function(name)
	if err != nil {
		return nil, err
	}
	ptr := byPointer[In]()
	f := &Func[In, Out]{c: c, fn: fn, cd: cd, own: newCall[In, Out](cd, ptr)}
	f.calls.New = func() any { return newCall[In, Out](cd, ptr) }
	return f, nil
}

// Name is the plug-in function's name.
func (f *Func[In, Out]) Name() string { return f.fn.Name() }

// Codec is the codec f encodes and decodes with.
func (f *Func[In, Out]) Codec() codec.Codec { return f.cd }

// Call calls the function with in and returns its decoded output. Errors
// are those of Call.
func (f *Func[In, Out]) Call(ctx context.Context, in In) (Out, error) {
	st := f.own
	if !f.busy.CompareAndSwap(false, true) {
		st = f.calls.Get().(*call[In, Out])
	}
	st.in = in
	out, err := st.run(ctx, f.c, f.fn)
	st.buf = keep(st.buf)
	if st == f.own {
		f.busy.Store(false)
	} else {
		f.calls.Put(st)
	}
	return out, err
}

// call is the state of one typed call, reused by a Func from call to call:
// the encoding buffer, the values (held here rather than on the stack so
// that handing them to a codec as `any` does not allocate) and the decoding
// callback, bound once.
type call[In, Out any] struct {
	cd     codec.Codec
	byPtr  bool // encode &in rather than in (see byPointer)
	buf    []byte
	in     In
	out    Out
	derr   error              // the codec's error, when decode failed
	decode func([]byte) error // st.unmarshal
}

func newCall[In, Out any](cd codec.Codec, byPtr bool) *call[In, Out] {
	st := &call[In, Out]{cd: cd, byPtr: byPtr}
	st.decode = st.unmarshal
	return st
}

// unmarshal decodes a plug-in's output, which it sees only during Invoke.
func (st *call[In, Out]) unmarshal(b []byte) error {
	if err := st.cd.Unmarshal(b, &st.out); err != nil {
		st.derr = err
		return err
	}
	return nil
}

// run encodes st.in, calls fn on c and decodes its output. It leaves st
// holding no value, only its buffer.
func (st *call[In, Out]) run(ctx context.Context, c runtime.Callable, fn *runtime.Function) (Out, error) {
	var zero Out
	var arg any
	if st.byPtr {
		arg = &st.in
	} else {
		arg = st.in
	}
	var err error
	st.buf, err = st.cd.AppendMarshal(st.buf[:0], arg)
	var noIn In
	st.in = noIn
	if err != nil {
		return zero, &CodecError{Plugin: fn.Plugin(), Function: fn.Name(), Input: true, Err: err}
	}
	err = c.Invoke(ctx, fn, st.buf, st.decode)
	out := st.out
	st.out = zero
	if err != nil {
		if derr := st.derr; derr != nil {
			st.derr = nil
			err = &CodecError{Plugin: fn.Plugin(), Function: fn.Name(), Err: derr}
		}
		return zero, err
	}
	return out, nil
}

// byPointer reports whether values of T go to a codec by pointer: those
// that are not pointer-shaped (structs, slices, strings, numbers), since
// converting them to `any` would copy them to the heap, while a pointer to
// the call's own copy costs nothing. Codecs take a value or a pointer to it
// alike.
func byPointer[T any]() bool {
	switch reflect.TypeFor[T]().Kind() {
	case reflect.Pointer, reflect.Map, reflect.Chan, reflect.Func, reflect.UnsafePointer, reflect.Interface:
		return false
	}
	return true
}

// maxKeep is the largest encoding buffer kept for later calls; larger ones
// go to the garbage collector, so that one large call does not pin its
// memory.
const maxKeep = 4 << 20

// buffers are the encoding buffers of Call, which has no Func to hold them.
var buffers = sync.Pool{New: func() any { return new([]byte) }}

// keep returns b emptied for reuse, or nil when it is too large to keep.
func keep(b []byte) []byte {
	if cap(b) > maxKeep {
		return nil
	}
	return b[:0]
}

// Pair is a codec made of two: the host encodes with Encode and decodes
// with Decode. It is for plug-ins whose input and output are in different
// encodings, as with many Extism plug-ins (text in, JSON out):
//
//	ext.Pair{Encode: codec.String{}, Decode: json.Codec{}}
//
// In a Call or Func, Encode encodes the input and Decode decodes the output;
// in a HostFunction, Decode decodes what the plug-in sends and Encode what f
// returns. Its name is "Encode's name+Decode's name". Errors name the codec
// that failed.
type Pair struct {
	Encode, Decode codec.Codec
}

var _ codec.Codec = Pair{}

// Name returns "<Encode's name>+<Decode's name>".
func (p Pair) Name() string { return p.Encode.Name() + "+" + p.Decode.Name() }

// AppendMarshal encodes v with Encode.
func (p Pair) AppendMarshal(dst []byte, v any) ([]byte, error) { return p.Encode.AppendMarshal(dst, v) }

// Unmarshal decodes data with Decode.
func (p Pair) Unmarshal(data []byte, v any) error { return p.Decode.Unmarshal(data, v) }

// DeclaredCodec returns the codec of set that the plug-in behind c declares
// as its default: the one whose name follows CodecExportPrefix in one of the
// plug-in's exports. Nothing is called: the declaration is the export's
// name. It fails with ErrCodecDeclaration when the plug-in declares none of
// set's codecs, or more than one.
//
// Bind the result once (NewFunc) rather than calling DeclaredCodec per call:
// it looks up one export per codec of set.
func DeclaredCodec(c runtime.Callable, set codec.Set) (codec.Codec, error) {
	var found []string
	plugin := ""
	for _, name := range set.Names() {
		fn, err := c.Function(CodecExportPrefix + name)
		if errors.Is(err, runtime.ErrFunctionNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		plugin = fn.Plugin()
		found = append(found, name)
	}
	switch len(found) {
	case 0:
		return nil, fmt.Errorf("%w: the plug-in declares none of the codecs %s (an export named %s<codec>)",
			ErrCodecDeclaration, strings.Join(set.Names(), ", "), CodecExportPrefix)
	case 1:
		cd, _ := set.Lookup(found[0])
		return cd, nil
	}
	return nil, fmt.Errorf("%w: plugin %q declares several codecs: %s", ErrCodecDeclaration, plugin, strings.Join(found, ", "))
}

// HostFunction makes a typed host function named name, for
// runtime.PluginOptions.HostFunctions: the plug-in sends an In encoded by
// cd, f handles it, and the Out it returns goes back encoded by cd. It is a
// bytes host function (runtime.NewHostFunction): the guest imports
// name(i64) -> i64 from runtime.DefaultHostNamespace (set Namespace on the
// result for another), as pdk.CallHost expects.
//
// An error f returns reaches the guest as a failed host call, and the
// instance stays usable; wrap it with runtime.Fatal to break the instance
// instead. Input that does not decode is such an error too, a *CodecError
// naming the plug-in, the host function and the codec's *codec.DecodeError
// (f is not called), and so is an Out that does not encode.
//
// f may be called concurrently, by different instances.
func HostFunction[In, Out any](name string, cd codec.Codec, f func(ctx context.Context, in In) (Out, error)) runtime.HostFunction {
	byPtr := byPointer[Out]()
	return runtime.NewHostFunction(name, func(ctx context.Context, c *runtime.Caller, input []byte) ([]byte, error) {
		if cd == nil {
			return nil, fmt.Errorf("%w for host function %s", ErrNoCodec, name)
		}
		var in In
		if err := cd.Unmarshal(input, &in); err != nil {
			return nil, &CodecError{Plugin: c.Plugin(), Function: name, Host: true, Input: true, Err: err}
		}
		out, err := f(ctx, in)
		if err != nil {
			return nil, err
		}
		var arg any
		if byPtr {
			arg = &out
		} else {
			arg = out
		}
		b, err := cd.AppendMarshal(nil, arg)
		if err != nil {
			return nil, &CodecError{Plugin: c.Plugin(), Function: name, Host: true, Err: err}
		}
		return b, nil
	})
}
