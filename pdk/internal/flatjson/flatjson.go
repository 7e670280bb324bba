// Package flatjson writes and reads the small JSON objects of the Extism HTTP
// ABI without encoding/json, which would add half a megabyte to every
// plug-in: strings, and objects whose values are strings.
//
// It has no build tag so that its tests and fuzz tests run on the host.
package flatjson

import (
	"bytes"
	"errors"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// AppendString appends s to dst as a JSON string. Invalid UTF-8 bytes become
// U+FFFD, as encoding/json writes them.
func AppendString(dst []byte, s string) []byte {
	const hex = "0123456789abcdef"
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' && c < utf8.RuneSelf {
			i++
			continue
		}
		if c < utf8.RuneSelf {
			dst = append(dst, s[start:i]...)
			switch c {
			case '"', '\\':
				dst = append(dst, '\\', c)
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
			i++
			start = i
			continue
		}
		i += size
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

// ErrSyntax is returned for input that is not a JSON object of strings.
var ErrSyntax = errors.New("flatjson: not a JSON object of strings")

// ParseObject parses a JSON object whose values are strings, or arrays of
// strings, which are joined with ",". A repeated key keeps its last value;
// null is an empty object. Invalid UTF-8 in strings becomes U+FFFD.
func ParseObject(data []byte) (map[string]string, error) {
	p := parser{data: data}
	p.space()
	if p.literal("null") {
		p.space()
		if p.i != len(p.data) {
			return nil, p.fail()
		}
		return nil, nil
	}
	if !p.byte('{') {
		return nil, p.fail()
	}
	m := map[string]string{}
	p.space()
	if !p.byte('}') {
		for {
			p.space()
			k, ok := p.string()
			if !ok {
				return nil, p.fail()
			}
			p.space()
			if !p.byte(':') {
				return nil, p.fail()
			}
			p.space()
			v, ok := p.value()
			if !ok {
				return nil, p.fail()
			}
			m[k] = v
			p.space()
			if p.byte('}') {
				break
			}
			if !p.byte(',') {
				return nil, p.fail()
			}
		}
	}
	p.space()
	if p.i != len(p.data) {
		return nil, p.fail()
	}
	return m, nil
}

// parser reads data from offset i.
type parser struct {
	data []byte
	i    int
}

// fail returns ErrSyntax with the offset reached.
func (p *parser) fail() error {
	return errors.New(ErrSyntax.Error() + " (at byte " + strconv.Itoa(p.i) + ")")
}

// space skips JSON white space.
func (p *parser) space() {
	for p.i < len(p.data) {
		switch p.data[p.i] {
		case ' ', '\t', '\n', '\r':
			p.i++
		default:
			return
		}
	}
}

// byte consumes c if it is next.
func (p *parser) byte(c byte) bool {
	if p.i < len(p.data) && p.data[p.i] == c {
		p.i++
		return true
	}
	return false
}

// literal consumes s if it is next.
func (p *parser) literal(s string) bool {
	if bytes.HasPrefix(p.data[p.i:], []byte(s)) {
		p.i += len(s)
		return true
	}
	return false
}

// value reads a string or an array of strings, joined with ",".
func (p *parser) value() (string, bool) {
	if !p.byte('[') {
		return p.string()
	}
	var b strings.Builder
	p.space()
	if p.byte(']') {
		return "", true
	}
	for n := 0; ; n++ {
		p.space()
		s, ok := p.string()
		if !ok {
			return "", false
		}
		if n > 0 {
			b.WriteByte(',')
		}
		b.WriteString(s)
		p.space()
		if p.byte(']') {
			return b.String(), true
		}
		if !p.byte(',') {
			return "", false
		}
	}
}

// string reads a JSON string.
func (p *parser) string() (string, bool) {
	if !p.byte('"') {
		return "", false
	}
	var b []byte
	start := p.i
	for p.i < len(p.data) {
		c := p.data[p.i]
		switch {
		case c == '"':
			b = append(b, p.data[start:p.i]...)
			p.i++
			return string(b), true
		case c < 0x20:
			return "", false
		case c == '\\':
			b = append(b, p.data[start:p.i]...)
			p.i++
			var ok bool
			if b, ok = p.escape(b); !ok {
				return "", false
			}
			start = p.i
		case c < utf8.RuneSelf:
			p.i++
		default:
			r, size := utf8.DecodeRune(p.data[p.i:])
			if r == utf8.RuneError && size == 1 {
				b = append(b, p.data[start:p.i]...)
				b = utf8.AppendRune(b, utf8.RuneError)
				p.i++
				start = p.i
				continue
			}
			p.i += size
		}
	}
	return "", false
}

// escape decodes the escape sequence after a backslash and appends it to b.
func (p *parser) escape(b []byte) ([]byte, bool) {
	if p.i >= len(p.data) {
		return b, false
	}
	c := p.data[p.i]
	p.i++
	switch c {
	case '"', '\\', '/':
		return append(b, c), true
	case 'b':
		return append(b, '\b'), true
	case 'f':
		return append(b, '\f'), true
	case 'n':
		return append(b, '\n'), true
	case 'r':
		return append(b, '\r'), true
	case 't':
		return append(b, '\t'), true
	case 'u':
		r, ok := p.hex4()
		if !ok {
			return b, false
		}
		if utf16.IsSurrogate(r) {
			// A high surrogate pairs with a following \u low surrogate;
			// anything else is U+FFFD, as in encoding/json.
			save := p.i
			if p.literal(`\u`) {
				if r2, ok := p.hex4(); ok {
					if d := utf16.DecodeRune(r, r2); d != utf8.RuneError {
						return utf8.AppendRune(b, d), true
					}
				}
			}
			p.i = save
			r = utf8.RuneError
		}
		return utf8.AppendRune(b, r), true
	}
	return b, false
}

// hex4 reads four hexadecimal digits.
func (p *parser) hex4() (rune, bool) {
	if len(p.data)-p.i < 4 {
		return 0, false
	}
	var r rune
	for _, c := range p.data[p.i : p.i+4] {
		switch {
		case '0' <= c && c <= '9':
			c -= '0'
		case 'a' <= c && c <= 'f':
			c -= 'a' - 10
		case 'A' <= c && c <= 'F':
			c -= 'A' - 10
		default:
			return 0, false
		}
		r = r<<4 | rune(c)
	}
	p.i += 4
	return r, true
}
