//go:build wasip1

// Command count_vowels is a plug-in that counts the vowels of its input and
// keeps a running total in the var "total". Its output has the shape of
// Extism's count_vowels example:
//
//	{"count":3,"total":7,"vowels":"aeiouAEIOU"}
package main

import (
	"strconv"

	"github.com/tendril-wasm/tendril/pdk"
)

const vowels = "aeiouAEIOU"

// isVowel is 1 at the index of each vowel byte.
var isVowel = func() (t [256]uint8) {
	for i := range len(vowels) {
		t[vowels[i]] = 1
	}
	return t
}()

// in and out are reused across calls so that a call allocates nothing that
// grows with its input.
var in, out []byte

//go:wasmexport count_vowels
func countVowels() int32 {
	return pdk.Run(func() error {
		in = pdk.AppendInput(in[:0])
		count := 0
		for _, c := range in {
			count += int(isVowel[c])
		}
		total := count
		if v, ok := pdk.GetVar("total"); ok {
			n, err := strconv.Atoi(string(v))
			if err != nil {
				return err
			}
			total += n
		}
		pdk.SetVar("total", strconv.AppendInt(out[:0], int64(total), 10))

		out = append(out[:0], `{"count":`...)
		out = strconv.AppendInt(out, int64(count), 10)
		out = append(out, `,"total":`...)
		out = strconv.AppendInt(out, int64(total), 10)
		out = append(out, `,"vowels":"`+vowels+`"}`...)
		pdk.Output(out)
		return nil
	})
}

func main() {}
