package plugins_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"testing"
)

func TestCountVowels(t *testing.T) {
	t.Parallel()
	cp := compile(t, "count_vowels", setup{})
	t.Run("running total", func(t *testing.T) {
		inst := instantiate(t, cp)
		total := 0
		for _, tt := range []struct {
			in    string
			count int
		}{
			{"", 0},
			{"aaa", 3},
			{"bbba", 1},
			{"Hello, World!", 3},
			{"AEIOUaeiou xyz", 10},
			{"a quick brown fox jumps over the lazy dog, twice over", 15},
		} {
			total += tt.count
			got := call(t, inst, "count_vowels", []byte(tt.in))
			want := fmt.Sprintf(`{"count":%d,"total":%d,"vowels":"aeiouAEIOU"}`, tt.count, total)
			if string(got) != want {
				t.Errorf("count_vowels(%q) = %s, want %s", tt.in, got, want)
			}
		}
		if v := string(inst.Var("total")); v != fmt.Sprint(total) {
			t.Errorf(`var "total" = %q, want %d`, v, total)
		}
	})
	t.Run("1 MiB", func(t *testing.T) {
		inst := instantiate(t, cp)
		in := bytes.Repeat([]byte("abcdefghijklmnopqrstuvwxyz"), 1<<20/26+2)[:1<<20+5]
		want := 0
		for _, v := range "aeiou" {
			want += bytes.Count(in, []byte{byte(v)})
		}
		var out struct{ Count, Total int }
		if err := json.Unmarshal(call(t, inst, "count_vowels", in), &out); err != nil {
			t.Fatal(err)
		}
		if out.Count != want || out.Total != want {
			t.Errorf("count_vowels(1 MiB) = %+v, want count and total %d", out, want)
		}
	})
}
