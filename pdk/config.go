//go:build wasip1

package pdk

// GetConfig returns the value of the host's configuration key and whether the
// host has it. The ABI cannot tell an empty value from a missing one: both
// report ok == false.
func GetConfig(key string) (value string, ok bool) {
	if key == "" {
		return "", false
	}
	k := allocString(key)
	v := take(extismConfigGet(k))
	release(k)
	if v == nil {
		return "", false
	}
	return string(v), true
}
