package wasmbin

import (
	"fmt"
	"math"
)

// decoder reads a WebAssembly binary (or a slice of one) front to back.
// Every read is bounds-checked against b, so a decoder created over a
// sub-slice (a section, a function body) can never read past it.
type decoder struct {
	b    []byte
	pos  int
	base int // offset of b[0] in the whole module, for error messages

	// With checkGlobals, global.get and global.set must name one of the
	// module's own globals (index < globals).
	globals      uint32
	checkGlobals bool
}

// fail returns an ErrMalformed error that reports the current offset.
func (d *decoder) fail(what string) error {
	return fmt.Errorf("%w: %s at offset %d", ErrMalformed, what, d.base+d.pos)
}

func (d *decoder) failf(format string, args ...any) error {
	return d.fail(fmt.Sprintf(format, args...))
}

// sub returns a decoder over the next n bytes and advances d past them.
func (d *decoder) sub(n uint32) (decoder, error) {
	if uint64(n) > uint64(len(d.b)-d.pos) {
		return decoder{}, d.fail("length out of bounds")
	}
	s := decoder{b: d.b[d.pos : d.pos+int(n)], base: d.base + d.pos}
	d.pos += int(n)
	return s, nil
}

func (d *decoder) done() bool { return d.pos >= len(d.b) }

func (d *decoder) readByte() (byte, error) {
	if d.pos >= len(d.b) {
		return 0, d.fail("unexpected end")
	}
	c := d.b[d.pos]
	d.pos++
	return c, nil
}

// skip advances over n raw bytes.
func (d *decoder) skip(n int) error {
	if n > len(d.b)-d.pos {
		return d.fail("unexpected end")
	}
	d.pos += n
	return nil
}

// u32 decodes an unsigned LEB128 value of at most 32 bits.
func (d *decoder) u32() (uint32, error) {
	var v uint32
	for shift := uint(0); ; shift += 7 {
		if d.pos >= len(d.b) {
			return 0, d.fail("unexpected end in LEB128")
		}
		c := d.b[d.pos]
		d.pos++
		if shift == 28 && c > 0x0f {
			return 0, d.fail("LEB128 u32 overflow")
		}
		v |= uint32(c&0x7f) << shift
		if c < 0x80 {
			return v, nil
		}
	}
}

// skipLEB advances over a LEB128 number of at most maxLen bytes (5 for
// 32/33-bit, 10 for 64-bit values) without decoding it.
func (d *decoder) skipLEB(maxLen int) error {
	end := d.pos + maxLen
	for ; d.pos < len(d.b); d.pos++ {
		if d.pos == end {
			return d.fail("LEB128 too long")
		}
		if d.b[d.pos] < 0x80 {
			d.pos++
			return nil
		}
	}
	return d.fail("unexpected end in LEB128")
}

// name skips a length-prefixed byte string and returns it.
func (d *decoder) name() ([]byte, error) {
	n, err := d.u32()
	if err != nil {
		return nil, err
	}
	if uint64(n) > uint64(len(d.b)-d.pos) {
		return nil, d.fail("name out of bounds")
	}
	s := d.b[d.pos : d.pos+int(n)]
	d.pos += int(n)
	return s, nil
}

// Single-byte value type encodings.
const (
	typeI32       = 0x7f
	typeI64       = 0x7e
	typeF32       = 0x7d
	typeF64       = 0x7c
	typeV128      = 0x7b
	typeFuncref   = 0x70
	typeExternref = 0x6f
	typeExnref    = 0x69
	typeRefNull   = 0x63 // (ref null ht), typed function references
	typeRef       = 0x64 // (ref ht), typed function references
	blockEmpty    = 0x40
)

// valType skips a value type: a number, vector or reference type. The
// typed-function-references forms (ref null ht) and (ref ht) are accepted
// because wazero accepts them; any other multi-byte (GC) type is rejected.
func (d *decoder) valType() error {
	c, err := d.readByte()
	if err != nil {
		return err
	}
	switch c {
	case typeI32, typeI64, typeF32, typeF64, typeV128, typeFuncref, typeExternref, typeExnref:
		return nil
	case typeRefNull, typeRef:
		return d.skipLEB(5) // heap type, s33
	}
	d.pos--
	return d.failf("unknown value type 0x%02x", c)
}

// refType skips a reference type.
func (d *decoder) refType() error {
	if d.pos < len(d.b) {
		switch d.b[d.pos] {
		case typeFuncref, typeExternref, typeExnref, typeRefNull, typeRef:
			return d.valType()
		}
	}
	return d.fail("invalid reference type")
}

// blockType skips a block type: 0x40 (empty), a value type, or a
// non-negative s33 type index.
func (d *decoder) blockType() error {
	if d.pos >= len(d.b) {
		return d.fail("unexpected end in block type")
	}
	c := d.b[d.pos]
	switch {
	case c == blockEmpty:
		d.pos++
		return nil
	case c&0xc0 == 0x40: // one-byte negative s33: must be a value type
		return d.valType()
	}
	return d.skipLEB(5)
}

// limits skips table or memory limits. Flags: bit 0 = has max, bit 1 =
// shared (threads), bit 2 = 64-bit (memory64/table64).
func (d *decoder) limits() error {
	flags, err := d.readByte()
	if err != nil {
		return err
	}
	if flags > 0x07 {
		d.pos--
		return d.failf("invalid limits flags 0x%02x", flags)
	}
	maxLen := 5
	if flags&0x04 != 0 {
		maxLen = 10
	}
	if err := d.skipLEB(maxLen); err != nil {
		return err
	}
	if flags&0x01 != 0 {
		return d.skipLEB(maxLen)
	}
	return nil
}

// skipConstExpr skips an expression up to and including its final end.
// It decodes real instructions, so the expression may be anything the
// instruction decoder understands; validation is left to the runtime.
func (d *decoder) skipConstExpr() error {
	depth := 0
	for {
		if d.pos >= len(d.b) {
			return d.fail("unterminated expression")
		}
		k, err := d.instr()
		if err != nil {
			return err
		}
		switch k {
		case kindBlock, kindLoop:
			depth++
		case kindDelegate:
			if depth == 0 {
				return d.fail("delegate outside try")
			}
			depth--
		case kindEnd:
			if depth == 0 {
				return nil
			}
			depth--
		}
	}
}

// appendU32 appends the minimal unsigned LEB128 encoding of v.
func appendU32(out []byte, v uint32) []byte {
	for v >= 0x80 {
		out = append(out, byte(v)|0x80)
		v >>= 7
	}
	return append(out, byte(v))
}

// lenU32 is the length of the minimal unsigned LEB128 encoding of v.
func lenU32(v uint32) int {
	n := 1
	for v >= 0x80 {
		v >>= 7
		n++
	}
	return n
}

// sizeSlot is the number of bytes reserved for a size that is only known
// after its content has been written (the maximum length of a u32 LEB128).
const sizeSlot = 5

// reserveSize appends a placeholder for a size prefix and returns the
// offset where the sized content starts.
func reserveSize(out []byte) ([]byte, int) {
	out = append(out, 0, 0, 0, 0, 0)
	return out, len(out)
}

// patchSize writes the minimal LEB128 encoding of len(out)-start into the
// placeholder that precedes start and closes the unused part of the
// placeholder by moving the content down.
func patchSize(out []byte, start int) ([]byte, error) {
	n := len(out) - start
	if uint64(n) > math.MaxUint32 {
		return nil, fmt.Errorf("%w: rewritten size %d exceeds 4 GiB", ErrMalformed, n)
	}
	slot := out[start-sizeSlot : start-sizeSlot : start]
	l := len(appendU32(slot, uint32(n)))
	if l < sizeSlot {
		copy(out[start-sizeSlot+l:], out[start:])
		out = out[:len(out)-(sizeSlot-l)]
	}
	return out, nil
}
