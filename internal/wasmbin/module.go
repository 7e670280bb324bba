package wasmbin

import (
	"fmt"
	"math"
	"sort"
)

// StartExport is the export name under which Instrument re-exports a
// module's start function, after removing the start section: the host calls
// it after instantiation, with the interrupt armed.
const StartExport = "tendril.start"

// Options tune Instrument. The zero value is fully safe.
type Options struct {
	// MaxTableElements caps the maxima of the tables the module defines,
	// all together (table.grow fails past a table's cap): each table gets
	// its minimum plus a fair share of what remains. 0 means no cap.
	MaxTableElements uint32
	// Checks chooses the instrumentation; the zero value is ChecksFull.
	Checks Checks
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
// nil) with the tables' maxima capped so that together they hold at most
// budget elements (when budget is non-zero), and the yield table added at
// the end. It returns the tables' limits, after capping.
func appendTableSection(out []byte, d decoder, budget uint32) ([]byte, []Limits, error) {
	var n uint32
	if d.b != nil {
		var err error
		if n, err = d.u32(); err != nil {
			return nil, nil, err
		}
	}
	type entry struct {
		typ, init []byte // type (with the 0x40 0x00 prefix), initializer
		lim       Limits
		flags     byte
	}
	entries := make([]entry, 0, min(n, 1024))
	for i := uint32(0); i < n; i++ {
		var e entry
		from := d.pos
		withInit := d.pos+1 < len(d.b) && d.b[d.pos] == 0x40 && d.b[d.pos+1] == 0x00
		if withInit {
			d.pos += 2
		}
		if err := d.refType(); err != nil {
			return nil, nil, err
		}
		e.typ = d.b[from:d.pos]
		var err error
		if e.lim, e.flags, err = d.readLimits(); err != nil {
			return nil, nil, err
		}
		if withInit {
			from = d.pos
			if err := d.skipConstExpr(); err != nil {
				return nil, nil, err
			}
			e.init = d.b[from:d.pos]
		}
		entries = append(entries, e)
	}
	if !d.done() {
		return nil, nil, d.fail("table section size mismatch")
	}
	lims := make([]Limits, len(entries))
	for i, e := range entries {
		lims[i] = e.lim
	}
	if budget != 0 {
		shareTables(lims, uint64(budget))
	}
	out = append(out, secTable)
	out, start := reserveSize(out)
	out = appendU32(out, n+1)
	for i, e := range entries {
		out = append(out, e.typ...)
		if budget == 0 || e.flags&0x04 != 0 { // no cap, or table64: as is
			lims[i] = e.lim
			out = append(out, e.flags)
			out = appendU32(out, uint32(e.lim.Min))
			if e.lim.HasMax {
				out = appendU32(out, uint32(e.lim.Max))
			}
		} else {
			out = append(out, e.flags|0x01)
			out = appendU32(out, uint32(lims[i].Min))
			out = appendU32(out, uint32(lims[i].Max))
		}
		out = append(out, e.init...)
	}
	out = append(out, yieldTable...)
	out, err := patchSize(out, start)
	return out, lims, err
}

// shareTables caps the maxima of tables so that their sum is at most
// budget: each table keeps its minimum, and what the minima leave is
// shared out evenly, a table that needs less than its share (its declared
// maximum is lower) leaving the rest to the others. If the minima alone
// exceed the budget, every maximum becomes its minimum (the host rejects
// such a module).
func shareTables(lims []Limits, budget uint64) {
	var mins uint64
	for _, l := range lims {
		mins += l.Min
	}
	left := uint64(0)
	if budget > mins {
		left = budget - mins
	}
	// Hand out the remainder in order of increasing headroom.
	order := make([]int, len(lims))
	for i := range order {
		order[i] = i
	}
	headroom := func(i int) uint64 {
		if lims[i].HasMax && lims[i].Max >= lims[i].Min {
			return lims[i].Max - lims[i].Min
		}
		if lims[i].HasMax {
			return 0
		}
		return math.MaxUint64
	}
	sort.SliceStable(order, func(a, b int) bool { return headroom(order[a]) < headroom(order[b]) })
	for k, i := range order {
		share := left / uint64(len(order)-k)
		give := min(share, headroom(i))
		left -= give
		lims[i].HasMax, lims[i].Max = true, min(lims[i].Min+give, math.MaxUint32)
	}
}
