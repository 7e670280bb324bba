//go:build wasip1

package pdk

import (
	"reflect"
	"strconv"
)

// panicMessage formats a panic value much as the Go runtime prints it, without
// package fmt: errors and Stringers by their methods, values of basic kinds
// by value (wrapped in their type's name when it is a named type), anything
// else by its type.
func panicMessage(v any) string {
	switch v := v.(type) {
	case error:
		return v.Error()
	case interface{ String() string }:
		return v.String()
	case string:
		return v
	}
	rv := reflect.ValueOf(v)
	var s string
	switch rv.Kind() {
	case reflect.Bool:
		s = strconv.FormatBool(rv.Bool())
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		s = strconv.FormatInt(rv.Int(), 10)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		s = strconv.FormatUint(rv.Uint(), 10)
	case reflect.Float32, reflect.Float64:
		s = strconv.FormatFloat(rv.Float(), 'g', -1, rv.Type().Bits())
	case reflect.String:
		s = strconv.Quote(rv.String())
	default:
		return "(" + rv.Type().String() + ")"
	}
	if t := rv.Type(); t.PkgPath() != "" {
		return t.String() + "(" + s + ")"
	}
	return s
}
