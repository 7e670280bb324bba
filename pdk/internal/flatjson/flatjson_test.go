package flatjson

import (
	"encoding/json"
	"maps"
	"strings"
	"testing"
)

func TestAppendString(t *testing.T) {
	for _, s := range []string{"", "plain", `q"b\s/`, "\n\r\t\b\f\x00\x1f\x7f", "héllo ☃ 𝄞", "bad \xff\xfe utf8", "\u2028<&>"} {
		t.Run(s, func(t *testing.T) {
			checkString(t, s)
		})
	}
}

func TestParseObject(t *testing.T) {
	tests := []struct {
		in   string
		want map[string]string
		ok   bool
	}{
		{`{}`, map[string]string{}, true},
		{` { "a" : "b" , "c":"d" } `, map[string]string{"a": "b", "c": "d"}, true},
		{`{"content-type":"text/plain; charset=utf-8","x":"1"}`, map[string]string{"content-type": "text/plain; charset=utf-8", "x": "1"}, true},
		{`{"a":["1","2"],"b":[]}`, map[string]string{"a": "1,2", "b": ""}, true},
		{`{"a":"1","a":"2"}`, map[string]string{"a": "2"}, true},
		{`{"e":"\"\\\/\b\f\n\r\t\u00e9\ud834\udd1e\ud834x"}`, map[string]string{"e": "\"\\/\b\f\n\r\t\u00e9\U0001d11e\ufffdx"}, true},
		{`null`, nil, true},
		{``, nil, false},
		{`{`, nil, false},
		{`{"a"}`, nil, false},
		{`{"a":1}`, nil, false},
		{`{"a":"b",}`, nil, false},
		{`{"a":"b"} x`, nil, false},
		{`{"a":"\x"}`, nil, false},
		{"{\"a\":\"\n\"}", nil, false},
		{`["a"]`, nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseObject([]byte(tt.in))
			if (err == nil) != tt.ok {
				t.Fatalf("ParseObject(%q) error = %v, want ok %v", tt.in, err, tt.ok)
			}
			if !maps.Equal(got, tt.want) || (got == nil) != (tt.want == nil) {
				t.Fatalf("ParseObject(%q) = %#v, want %#v", tt.in, got, tt.want)
			}
		})
	}
}

// checkString checks that AppendString writes what encoding/json reads back
// as the string encoding/json itself would write.
func checkString(t *testing.T, s string) {
	t.Helper()
	enc := AppendString(nil, s)
	var got string
	if err := json.Unmarshal(enc, &got); err != nil {
		t.Fatalf("AppendString(%q) = %s: not JSON: %v", s, enc, err)
	}
	ref, _ := json.Marshal(s)
	var want string
	_ = json.Unmarshal(ref, &want)
	if got != want {
		t.Fatalf("AppendString(%q) reads back as %q, want %q", s, got, want)
	}
}

func FuzzAppendString(f *testing.F) {
	f.Add("a\"b\\c\x00\xff☃")
	f.Fuzz(checkString)
}

// FuzzParseObject checks ParseObject against encoding/json: both accept the
// same objects of strings, with the same result, and ParseObject accepts
// nothing that encoding/json rejects.
func FuzzParseObject(f *testing.F) {
	for _, s := range []string{`{}`, `{"a":"b"}`, `{"a":["1","2"]}`, `{"\ud800":"\u00e9\\"}`, `null`, `{"a":1}`, " {\"x\" :\t\"\xff\" }"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		got, err := ParseObject(data)
		var ref map[string]any
		refErr := json.Unmarshal(data, &ref)
		if refErr != nil {
			if err == nil {
				t.Fatalf("ParseObject(%q) = %v, encoding/json rejects it: %v", data, got, refErr)
			}
			return
		}
		want, onlyStrings := flatten(ref)
		if !onlyStrings {
			if err == nil {
				t.Fatalf("ParseObject(%q) = %v, want an error for non-string values", data, got)
			}
			return
		}
		if err != nil {
			t.Fatalf("ParseObject(%q) error %v, encoding/json reads %v", data, err, ref)
		}
		if !maps.Equal(got, want) || (got == nil) != (want == nil) {
			t.Fatalf("ParseObject(%q) = %#v, encoding/json reads %#v", data, got, want)
		}
	})
}

// flatten turns an object decoded by encoding/json into ParseObject's form,
// reporting false when a value is neither a string nor an array of strings.
func flatten(m map[string]any) (map[string]string, bool) {
	if m == nil {
		return nil, true
	}
	out := make(map[string]string, len(m))
	for k, v := range m {
		switch v := v.(type) {
		case string:
			out[k] = v
		case []any:
			parts := make([]string, len(v))
			for i, e := range v {
				s, ok := e.(string)
				if !ok {
					return nil, false
				}
				parts[i] = s
			}
			out[k] = strings.Join(parts, ",")
		default:
			return nil, false
		}
	}
	return out, true
}
