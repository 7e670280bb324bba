package kernel

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
		stack[0] = in.writeOrFail(ctx, v)
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
	if err := in.SetVar(string(key), val); err != nil {
		in.fail(err)
	}
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
	return append([]byte{}, v...)
}

// Vars returns a copy of all vars.
func (in *Instance) Vars() map[string][]byte {
	out := make(map[string][]byte, len(in.vars))
	for k, v := range in.vars {
		out[k] = append([]byte{}, v...)
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
		size -= int64(len(key)) + int64(len(old))
	}
	if _, ok := in.vars[key]; !ok && len(in.vars) >= int(max(in.maxVarBytes/varOverhead, 16)) {
		return fmt.Errorf("%w: more than %d vars", ErrVarLimit, len(in.vars))
	}
	if in.maxVarBytes < 0 || size > in.maxVarBytes {
		return fmt.Errorf("%w: %q would bring them to %d bytes (limit %d)", ErrVarLimit, key, size, max(in.maxVarBytes, 0))
	}
	if in.vars == nil {
		in.vars = map[string][]byte{}
	}
	in.vars[key] = append([]byte{}, val...)
	in.varBytes = size
	return nil
}

func (in *Instance) deleteVar(key string) {
	if old, ok := in.vars[key]; ok {
		in.varBytes -= int64(len(key)) + int64(len(old))
		delete(in.vars, key)
	}
}
