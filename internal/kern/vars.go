package kern

import (
	"context"
	"fmt"
)

func (in *Instance) hostVarGet(ctx context.Context, stack []uint64) {
	key, err := in.Read(ctx, stack[0])
	stack[0] = 0
	if err != nil {
		return
	}
	if v, ok := in.vars[string(key)]; ok {
		stack[0] = in.writeOrFail(ctx, v.b)
	}
}

func (in *Instance) hostVarSet(ctx context.Context, stack []uint64) {
	key, err := in.Read(ctx, stack[0])
	if err != nil {
		in.fail(fmt.Errorf("kernel: var_set: key: %w", err))
		return
	}
	if stack[1] == 0 {
		in.deleteVar(string(key))
		return
	}
	val, err := in.Read(ctx, stack[1])
	if err != nil {
		in.fail(fmt.Errorf("kernel: var_set: value: %w", err))
		return
	}
	if err := in.setVar(key, val); err != nil {
		in.fail(err)
	}
}

// varValue is a var's value; the map holds pointers so that a var can be
// updated in place, without allocating, by a plug-in that sets it every call.
type varValue struct{ b []byte }

// setVar is SetVar for a key the plug-in passed: an existing var is updated
// in place when its buffer fits the new value (and is not much larger, so
// that retained capacity stays within the bound's order).
func (in *Instance) setVar(key, val []byte) error {
	v, ok := in.vars[string(key)]
	if !ok || len(val) == 0 {
		return in.SetVar(string(key), val)
	}
	size := in.varBytes - int64(len(v.b)) + int64(len(val))
	if in.maxVarBytes < 0 || size > in.maxVarBytes {
		return fmt.Errorf("%w: %q would bring them to %d bytes (limit %d)", ErrVarLimit, key, size, max(in.maxVarBytes, 0))
	}
	if cap(v.b) >= len(val) && cap(v.b) <= 2*len(val)+64 {
		v.b = append(v.b[:0], val...)
	} else {
		v.b = append([]byte(nil), val...)
	}
	in.varBytes = size
	return nil
}

// varOverhead is roughly what one var costs the host beyond its bytes (map
// entry, slice header): the number of vars is bounded by max_var_bytes/64,
// so a plug-in cannot spend much more host memory than its bound in tiny vars.
const varOverhead = 64

// Var returns a copy of a var's value, or nil.
func (in *Instance) Var(key string) []byte {
	v, ok := in.vars[key]
	if !ok {
		return nil
	}
	return append([]byte{}, v.b...)
}

// Vars returns a copy of all vars.
func (in *Instance) Vars() map[string][]byte {
	out := make(map[string][]byte, len(in.vars))
	for k, v := range in.vars {
		out[k] = append([]byte{}, v.b...)
	}
	return out
}

// SetVar sets a var (a copy of val); an empty val deletes it. It fails with
// ErrVarLimit when the vars would exceed their bound, and changes nothing then.
func (in *Instance) SetVar(key string, val []byte) error {
	if len(val) == 0 {
		in.deleteVar(key)
		return nil
	}
	size := in.varBytes + int64(len(key)) + int64(len(val))
	if old, ok := in.vars[key]; ok {
		size -= int64(len(key)) + int64(len(old.b))
	}
	if _, ok := in.vars[key]; !ok && len(in.vars) >= int(max(in.maxVarBytes/varOverhead, 16)) {
		return fmt.Errorf("%w: more than %d vars", ErrVarLimit, len(in.vars))
	}
	if in.maxVarBytes < 0 || size > in.maxVarBytes {
		return fmt.Errorf("%w: %q would bring them to %d bytes (limit %d)", ErrVarLimit, key, size, max(in.maxVarBytes, 0))
	}
	if in.vars == nil {
		in.vars = map[string]*varValue{}
	}
	in.vars[key] = &varValue{b: append([]byte{}, val...)}
	in.varBytes = size
	return nil
}

func (in *Instance) deleteVar(key string) {
	if old, ok := in.vars[key]; ok {
		in.varBytes -= int64(len(key)) + int64(len(old.b))
		delete(in.vars, key)
	}
}

// ClearVars deletes every var (a pool resetting an instance between
// borrowers).
func (in *Instance) ClearVars() {
	clear(in.vars)
	in.varBytes = 0
}
