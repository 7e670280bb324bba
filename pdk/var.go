//go:build wasip1

package pdk

// Vars are per-instance values kept by the host between calls; the host may
// limit their total size. The ABI cannot tell an empty value from a missing
// one: setting an empty value deletes the var.

// GetVar returns a copy of the var key and whether it is set.
func GetVar(key string) (value []byte, ok bool) {
	if key == "" {
		return nil, false
	}
	k := allocString(key)
	v := take(extismVarGet(k))
	release(k)
	return v, v != nil
}

// SetVar sets the var key to a copy of value; an empty value deletes it.
func SetVar(key string, value []byte) {
	if key == "" {
		return
	}
	k := allocString(key)
	v := allocBytes(value)
	extismVarSet(k, v)
	release(v, k)
}

// DeleteVar deletes the var key; deleting a var that is not set does nothing.
func DeleteVar(key string) {
	SetVar(key, nil)
}
