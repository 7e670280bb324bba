package wasmbin

import "fmt"

// StartExport is the export name under which Instrument re-exports a
// module's start function, after removing the start section: the host calls
// it after instantiation, with the interrupt armed.
const StartExport = "tendril.start"

// yieldEvery is how many checks (function entries and loop iterations) a
// guest runs between two visits to Go. Compiled wasm cannot be preempted by
// the Go scheduler, so a guest that never calls the host would stall every
// stop-the-world phase of the garbage collector (and with it the timer that
// should interrupt it); each visit is a safe point.
const yieldEvery = 1000

// Options tune Instrument.
type Options struct {
	// MaxTableElements caps the maximum size of every table the module
	// defines (table.grow fails past it); 0 means no cap.
	MaxTableElements uint32
}

// Module is an instrumented module and what a host must know about it
// before instantiating it.
type Module struct {
	Binary []byte
	// Imports lists every import, in order.
	Imports []Import
	// Memories and Tables are the limits of the memories and tables the
	// module defines (not imports), tables after capping.
	Memories []Limits
	Tables   []Limits
	// Start reports that the module had a start function, now exported as
	// StartExport.
	Start bool
}

// Import is one import of a module.
type Import struct {
	Module, Name string
	Kind         Kind
}

// Kind is what an import or export is.
type Kind byte

// The import and export kinds.
const (
	KindFunc   Kind = externFunc
	KindTable  Kind = externTable
	KindMemory Kind = externMemory
	KindGlobal Kind = externGlobal
	KindTag    Kind = externTag
)

func (k Kind) String() string {
	switch k {
	case KindFunc:
		return "function"
	case KindTable:
		return "table"
	case KindMemory:
		return "memory"
	case KindGlobal:
		return "global"
	case KindTag:
		return "tag"
	}
	return fmt.Sprintf("kind(%d)", byte(k))
}

// Limits are the bounds of a memory (in 64 KiB pages) or a table (in elements).
type Limits struct {
	Min    uint64
	Max    uint64
	HasMax bool
}

// readLimits decodes limits: flags (bit 0 has max, bit 1 shared, bit 2
// 64-bit) then min and maybe max.
func (d *decoder) readLimits() (Limits, byte, error) {
	flags, err := d.readByte()
	if err != nil {
		return Limits{}, 0, err
	}
	if flags > 0x07 {
		d.pos--
		return Limits{}, 0, d.failf("invalid limits flags 0x%02x", flags)
	}
	read := d.u64
	if flags&0x04 == 0 {
		read = func() (uint64, error) { v, err := d.u32(); return uint64(v), err }
	}
	var l Limits
	if l.Min, err = read(); err != nil {
		return Limits{}, 0, err
	}
	if flags&0x01 != 0 {
		l.HasMax = true
		if l.Max, err = read(); err != nil {
			return Limits{}, 0, err
		}
	}
	return l, flags, nil
}

// u64 decodes an unsigned LEB128 value of at most 64 bits.
func (d *decoder) u64() (uint64, error) {
	var v uint64
	for shift := uint(0); ; shift += 7 {
		if d.pos >= len(d.b) {
			return 0, d.fail("unexpected end in LEB128")
		}
		c := d.b[d.pos]
		d.pos++
		if shift == 63 && c > 0x01 {
			return 0, d.fail("LEB128 u64 overflow")
		}
		v |= uint64(c&0x7f) << shift
		if c < 0x80 {
			return v, nil
		}
	}
}

// readImports walks the import section, checking every descriptor.
func readImports(d decoder) ([]Import, error) {
	n, err := d.u32()
	if err != nil {
		return nil, err
	}
	imports := make([]Import, 0, min(n, 4096))
	for i := uint32(0); i < n; i++ {
		mod, err := d.name()
		if err != nil {
			return nil, err
		}
		name, err := d.name()
		if err != nil {
			return nil, err
		}
		kind, err := d.readByte()
		if err != nil {
			return nil, err
		}
		switch kind {
		case externFunc:
			err = d.skipLEB(5)
		case externTable:
			err = d.tableType()
		case externMemory:
			err = d.limits()
		case externGlobal:
			err = d.globalType()
		case externTag:
			err = d.tagType()
		default:
			d.pos--
			err = d.failf("unknown import kind 0x%02x", kind)
		}
		if err != nil {
			return nil, err
		}
		imports = append(imports, Import{Module: string(mod), Name: string(name), Kind: Kind(kind)})
	}
	if !d.done() {
		return nil, d.fail("import section size mismatch")
	}
	return imports, nil
}

func countImports(imports []Import, k Kind) uint32 {
	var n uint32
	for _, im := range imports {
		if im.Kind == k {
			n++
		}
	}
	return n
}

// readMemories decodes the memory section's limits.
func readMemories(d decoder) ([]Limits, error) {
	n, err := d.u32()
	if err != nil {
		return nil, err
	}
	var mems []Limits
	for i := uint32(0); i < n; i++ {
		l, _, err := d.readLimits()
		if err != nil {
			return nil, err
		}
		mems = append(mems, l)
	}
	if !d.done() {
		return nil, d.fail("memory section size mismatch")
	}
	return mems, nil
}

// yieldTable is the appended table that the yield point grows by 0:
// funcref, min 0, max 0.
var yieldTable = []byte{typeFuncref, 0x01, 0x00, 0x00}

// appendTableSection appends the table section (content in d, possibly
// nil) with every table's maximum capped at maxElems (when non-zero) and
// the yield table added at the end. It returns the tables' limits.
func appendTableSection(out []byte, d decoder, maxElems uint32) ([]byte, []Limits, error) {
	var n uint32
	if d.b != nil {
		var err error
		if n, err = d.u32(); err != nil {
			return nil, nil, err
		}
	}
	var tables []Limits
	out = append(out, secTable)
	out, start := reserveSize(out)
	out = appendU32(out, n+1)
	for i := uint32(0); i < n; i++ {
		from := d.pos
		withInit := d.pos+1 < len(d.b) && d.b[d.pos] == 0x40 && d.b[d.pos+1] == 0x00
		if withInit {
			d.pos += 2
		}
		if err := d.refType(); err != nil {
			return nil, nil, err
		}
		out = append(out, d.b[from:d.pos]...)
		limStart := d.pos
		l, flags, err := d.readLimits()
		if err != nil {
			return nil, nil, err
		}
		if maxElems == 0 || flags&0x04 != 0 { // no cap, or table64: as is
			out = append(out, d.b[limStart:d.pos]...)
		} else {
			if !l.HasMax || l.Max > uint64(maxElems) {
				l.HasMax, l.Max = true, max(uint64(maxElems), l.Min)
			}
			out = append(out, flags|0x01)
			out = appendU32(out, uint32(l.Min))
			out = appendU32(out, uint32(l.Max))
		}
		tables = append(tables, l)
		if withInit {
			from = d.pos
			if err := d.skipConstExpr(); err != nil {
				return nil, nil, err
			}
			out = append(out, d.b[from:d.pos]...)
		}
	}
	if !d.done() {
		return nil, nil, d.fail("table section size mismatch")
	}
	out = append(out, yieldTable...)
	out, err := patchSize(out, start)
	return out, tables, err
}
