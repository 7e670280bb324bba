package wasmbin

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"math"
)

// Section ids.
const (
	secCustom    = 0
	secType      = 1
	secImport    = 2
	secFunction  = 3
	secTable     = 4
	secMemory    = 5
	secGlobal    = 6
	secExport    = 7
	secStart     = 8
	secElement   = 9
	secCode      = 10
	secData      = 11
	secDataCount = 12
	secTag       = 13
)

// sectionRank gives each known non-custom section its position in the
// required order: type import function table memory tag global export
// start element datacount code data.
var sectionRank = [...]uint8{
	secType: 1, secImport: 2, secFunction: 3, secTable: 4, secMemory: 5,
	secTag: 6, secGlobal: 7, secExport: 8, secStart: 9, secElement: 10,
	secDataCount: 11, secCode: 12, secData: 13,
}

// Import and export kinds.
const (
	externFunc   = 0x00
	externTable  = 0x01
	externMemory = 0x02
	externGlobal = 0x03
	externTag    = 0x04
)

// tableType skips a table type. wazero also accepts, and so do we, the
// "0x40 0x00 tabletype expr" form that carries an initializer.
func (d *decoder) tableType() error {
	withInit := d.pos+1 < len(d.b) && d.b[d.pos] == 0x40 && d.b[d.pos+1] == 0x00
	if withInit {
		d.pos += 2
	}
	if err := d.refType(); err != nil {
		return err
	}
	if err := d.limits(); err != nil {
		return err
	}
	if withInit {
		return d.skipConstExpr()
	}
	return nil
}

func (d *decoder) globalType() error {
	if err := d.valType(); err != nil {
		return err
	}
	mut, err := d.readByte()
	if err != nil {
		return err
	}
	if mut > 1 {
		d.pos--
		return d.failf("invalid global mutability 0x%02x", mut)
	}
	return nil
}

func (d *decoder) tagType() error {
	attr, err := d.readByte()
	if err != nil {
		return err
	}
	if attr != 0 {
		d.pos--
		return d.failf("invalid tag attribute 0x%02x", attr)
	}
	return d.skipLEB(5)
}

// newGlobal is the appended flag: (mut i32) initialised to i32.const 0.
var newGlobal = []byte{typeI32, 0x01, 0x41, 0x00, 0x0b}

// newCountdown is the appended work counter: (mut i32) initialised to
// i32.const 0.
var newCountdown = []byte{typeI32, 0x01, 0x41, 0x00, 0x0b}

// appendGlobalSection appends the global section: the existing one
// (content in d, possibly nil) with the interrupt global added at the end.
// It returns the index of the new global.
func appendGlobalSection(out []byte, d decoder, imported uint32, scratch [][]byte) ([]byte, uint32, error) {
	var n uint32
	if d.b != nil {
		var err error
		if n, err = d.u32(); err != nil {
			return nil, 0, err
		}
	}
	entries := d.pos
	for i := uint32(0); i < n; i++ {
		if err := d.globalType(); err != nil {
			return nil, 0, err
		}
		if err := d.skipConstExpr(); err != nil {
			return nil, 0, err
		}
	}
	if !d.done() {
		return nil, 0, d.fail("global section size mismatch")
	}
	total := uint64(imported) + uint64(n)
	if total >= math.MaxUint32 {
		return nil, 0, d.fail("too many globals")
	}
	rest := d.b[entries:]
	added := uint64(2 + len(scratch))
	if total+added >= math.MaxUint32 {
		return nil, 0, d.fail("global section too large")
	}
	out = append(out, secGlobal)
	out, start := reserveSize(out)
	out = appendU32(out, n+uint32(added))
	out = append(out, rest...)
	out = append(out, newGlobal...)
	out = append(out, newCountdown...)
	for _, typ := range scratch { // mutable, zero
		out = append(out, typ...)
		out = append(out, 0x01)
		out = append(out, zeroInit(typ)...)
	}
	out, err := patchSize(out, start)
	return out, uint32(total), err
}

// appendExportSection appends the export section: the existing one
// (content in d, possibly nil) with an export of global gidx named
// InterruptExport added at the end.
func appendExportSection(out []byte, d decoder, gidx, start uint32, hasStart bool) ([]byte, error) {
	var n uint32
	if d.b != nil {
		var err error
		if n, err = d.u32(); err != nil {
			return nil, err
		}
	}
	entries := d.pos
	for i := uint32(0); i < n; i++ {
		name, err := d.name()
		if err != nil {
			return nil, err
		}
		if string(name) == InterruptExport || string(name) == StartExport {
			return nil, fmt.Errorf("%w: %q", ErrExportExists, name)
		}
		kind, err := d.readByte()
		if err != nil {
			return nil, err
		}
		if kind > externTag {
			d.pos--
			return nil, d.failf("unknown export kind 0x%02x", kind)
		}
		idx, err := d.u32()
		if err != nil {
			return nil, err
		}
		if kind == externGlobal && idx >= gidx {
			return nil, d.failf("export of global %d out of range (%d globals)", idx, gidx)
		}
	}
	if !d.done() {
		return nil, d.fail("export section size mismatch")
	}
	added := uint32(1)
	if hasStart {
		added++
	}
	if n > math.MaxUint32-added {
		return nil, d.fail("too many exports")
	}
	out = append(out, secExport)
	out, secStart := reserveSize(out)
	out = appendU32(out, n+added)
	out = append(out, d.b[entries:]...)
	out = append(out, byte(len(InterruptExport))) // names fit one byte
	out = append(out, InterruptExport...)
	out = append(out, externGlobal)
	out = appendU32(out, gidx)
	if hasStart {
		out = append(out, byte(len(StartExport)))
		out = append(out, StartExport...)
		out = append(out, externFunc)
		out = appendU32(out, start)
	}
	return patchSize(out, secStart)
}

// checkCustom checks that a custom section starts with a name that fits.
func checkCustom(d decoder) error {
	_, err := d.name()
	return err
}

var wasmHeader = []byte{0x00, 'a', 's', 'm', 0x01, 0x00, 0x00, 0x00}

func hasHeader(bin []byte) bool {
	return len(bin) >= len(wasmHeader) && bytes.Equal(bin[:len(wasmHeader)], wasmHeader)
}

// ContentSum returns the SHA-256 of bin without its DWARF custom sections
// (".debug_*"), which InstrumentModule drops: two modules that differ only
// there instrument to the same binary, and a module's debug sections are
// often most of its bytes. A binary whose sections cannot be framed is
// hashed whole.
func ContentSum(bin []byte) [sha256.Size]byte {
	if !hasHeader(bin) {
		return sha256.Sum256(bin)
	}
	secs, err := splitSections(bin)
	if err != nil {
		return sha256.Sum256(bin)
	}
	h := sha256.New()
	h.Write(bin[:len(wasmHeader)])
	for _, s := range secs {
		if s.id == secCustom && isDebugSection(decoder{b: bin[s.start:s.end], pos: s.content - s.start}) {
			continue
		}
		h.Write(bin[s.start:s.end])
	}
	var sum [sha256.Size]byte
	h.Sum(sum[:0])
	return sum
}
