package wasmbin

import (
	"errors"
	"fmt"
	"math"
)

// InterruptExport is the export name of the appended global.
const InterruptExport = "tendril.interrupt"

var (
	// ErrMalformed is wrapped by every error caused by input that cannot
	// be decoded: bad framing, out-of-order sections, unknown opcodes.
	ErrMalformed = errors.New("wasmbin: malformed module")
	// ErrExportExists is wrapped by the error returned when the module
	// already exports InterruptExport, e.g. because it was instrumented.
	ErrExportExists = errors.New("wasmbin: interrupt export already exists")
)

// Ranks (see sectionRank) of the sections Instrument may have to create.
const (
	rankTable  = 4
	rankGlobal = 7
	rankExport = 8
)

// Instrument returns InstrumentModule(bin, Options{}).Binary.
func Instrument(bin []byte) ([]byte, error) {
	m, err := InstrumentModule(bin, Options{})
	if err != nil {
		return nil, err
	}
	return m.Binary, nil
}

// InstrumentModule returns a new binary equal to bin plus:
//   - two new mutable i32 globals appended after all existing globals (so
//     no existing global index changes): the interrupt flag, exported as
//     InterruptExport, and a countdown to the next yield;
//   - one new table (funcref, size 0) appended after all existing tables;
//   - at the start of every function body (after the local declarations)
//     and right after every loop instruction's block type, a check: it
//     traps with unreachable if the flag is set, and every yieldEvery checks
//     it grows the new table by 0 elements (which wazero does in Go, a
//     point where the Go scheduler and garbage collector can stop the
//     goroutine);
//   - the start function, if any, moved from the start section to an
//     export named StartExport, so that the host runs it under a deadline;
//   - every table's maximum capped at opts.MaxTableElements.
//
// Function body sizes and section sizes are re-encoded. All other sections
// are copied byte for byte and in order. A module that refers to a global
// that does not exist is rejected: after instrumentation it would reach
// the flag.
//
// InstrumentModule decodes every instruction but does not validate types.
// Errors wrap ErrMalformed, or ErrExportExists if bin already exports
// InterruptExport or StartExport. bin is not modified.
func InstrumentModule(bin []byte, opts Options) (*Module, error) {
	if !hasHeader(bin) {
		return nil, fmt.Errorf("%w: bad magic number or version", ErrMalformed)
	}
	start, hasStart, err := findStart(bin)
	if err != nil {
		return nil, err
	}
	m := &Module{Start: hasStart}
	// Code grows by a few bytes per function and per loop; the slack
	// makes reallocation rare.
	out := make([]byte, 0, len(bin)+len(bin)/4+128)
	out = append(out, wasmHeader...)

	d := decoder{b: bin, pos: len(wasmHeader)}
	var (
		lastRank   uint8
		ix         indexes
		tableDone  bool
		globalDone bool
		exportDone bool
		tables     uint32 // tables defined by the module
	)
	// Create the table, global and export sections when the input has
	// none and we are past their place.
	createMissing := func(rank uint8) error {
		var err error
		if !tableDone && rank > rankTable {
			ix.yieldTable = countImports(m.Imports, KindTable)
			out, _, err = appendTableSection(out, decoder{}, opts.MaxTableElements)
			tableDone = true
		}
		if err == nil && !globalDone && rank > rankGlobal {
			out, ix.flag, err = appendGlobalSection(out, decoder{}, countImports(m.Imports, KindGlobal))
			globalDone = true
		}
		if err == nil && !exportDone && rank > rankExport {
			out, err = appendExportSection(out, decoder{}, ix.flag, start, hasStart)
			exportDone = true
		}
		return err
	}
	for !d.done() {
		sectionStart := d.pos
		id, _ := d.readByte()
		var size uint32
		if size, err = d.u32(); err != nil {
			return nil, err
		}
		var sec decoder
		if sec, err = d.sub(size); err != nil {
			return nil, err
		}
		if id == secCustom {
			if err := checkCustom(sec); err != nil {
				return nil, err
			}
			out = append(out, bin[sectionStart:d.pos]...)
			continue
		}
		if int(id) >= len(sectionRank) || sectionRank[id] == 0 {
			return nil, fmt.Errorf("%w: unknown section id %d at offset %d", ErrMalformed, id, sectionStart)
		}
		rank := sectionRank[id]
		if rank <= lastRank {
			return nil, fmt.Errorf("%w: section id %d out of order or repeated at offset %d", ErrMalformed, id, sectionStart)
		}
		lastRank = rank
		if err := createMissing(rank); err != nil {
			return nil, err
		}

		switch id {
		case secImport:
			if m.Imports, err = readImports(sec); err != nil {
				return nil, err
			}
			out = append(out, bin[sectionStart:d.pos]...)
		case secTable:
			var defined []Limits
			if out, defined, err = appendTableSection(out, sec, opts.MaxTableElements); err != nil {
				return nil, err
			}
			m.Tables = defined
			tables = uint32(len(defined))
			ix.yieldTable = countImports(m.Imports, KindTable) + tables
			tableDone = true
		case secMemory:
			if m.Memories, err = readMemories(sec); err != nil {
				return nil, err
			}
			out = append(out, bin[sectionStart:d.pos]...)
		case secGlobal:
			if out, ix.flag, err = appendGlobalSection(out, sec, countImports(m.Imports, KindGlobal)); err != nil {
				return nil, err
			}
			globalDone = true
		case secExport:
			if out, err = appendExportSection(out, sec, ix.flag, start, hasStart); err != nil {
				return nil, err
			}
			exportDone = true
		case secStart:
			// Dropped: exported as StartExport instead.
		case secCode:
			if out, err = appendCodeSection(out, sec, ix); err != nil {
				return nil, err
			}
		default:
			out = append(out, bin[sectionStart:d.pos]...)
		}
	}
	if err := createMissing(rankExport + 1); err != nil {
		return nil, err
	}
	m.Binary = out
	return m, nil
}

// indexes are where the instrumentation lives in the output module. The
// countdown global is flag+1; flag is also the number of globals the input
// module has.
type indexes struct {
	flag       uint32
	yieldTable uint32
}

// findStart returns the start section's function index, if there is one.
func findStart(bin []byte) (uint32, bool, error) {
	d := decoder{b: bin, pos: len(wasmHeader)}
	for !d.done() {
		id, _ := d.readByte()
		size, err := d.u32()
		if err != nil {
			return 0, false, err
		}
		sec, err := d.sub(size)
		if err != nil {
			return 0, false, err
		}
		if id == secStart {
			idx, err := sec.u32()
			if err == nil && !sec.done() {
				err = sec.fail("start section size mismatch")
			}
			return idx, err == nil, err
		}
	}
	return 0, false, nil
}

// checkSeq is inserted at every function entry and loop header. With f the
// flag, c the countdown and t the yield table:
//
//	global.get f; if; unreachable; end               ;; interrupted?
//	global.get c; i32.eqz
//	if
//	  i32.const yieldEvery; global.set c
//	  ref.null func; i32.const 0; table.grow t; drop   ;; a visit to Go
//	else
//	  global.get c; i32.const 1; i32.sub; global.set c
//	end
func checkSeq(ix indexes) []byte {
	c := ix.flag + 1
	s := make([]byte, 0, 48)
	s = appendU32(append(s, 0x23), ix.flag)
	s = append(s, 0x04, blockEmpty, 0x00, 0x0b)
	s = appendU32(append(s, 0x23), c)
	s = append(s, 0x45, 0x04, blockEmpty)
	s = appendS32(append(s, 0x41), yieldEvery)
	s = appendU32(append(s, 0x24), c)
	s = append(s, 0xd0, typeFuncref, 0x41, 0x00, 0xfc)
	s = appendU32(s, 15) // table.grow
	s = appendU32(s, ix.yieldTable)
	s = append(s, 0x1a, 0x05)
	s = appendU32(append(s, 0x23), c)
	s = append(s, 0x41, 0x01, 0x6b)
	s = appendU32(append(s, 0x24), c)
	return append(s, 0x0b)
}

// appendS32 appends the signed LEB128 encoding of v.
func appendS32(out []byte, v int32) []byte {
	for {
		b := byte(v & 0x7f)
		v >>= 7
		if (v == 0 && b&0x40 == 0) || (v == -1 && b&0x40 != 0) {
			return append(out, b)
		}
		out = append(out, b|0x80)
	}
}

// appendCodeSection appends the code section in d with every function
// body instrumented.
func appendCodeSection(out []byte, d decoder, ix indexes) ([]byte, error) {
	seq := checkSeq(ix)

	n, err := d.u32()
	if err != nil {
		return nil, err
	}
	var secStart, bodyStart int
	out = append(out, secCode)
	out, secStart = reserveSize(out)
	out = appendU32(out, n)
	for i := uint32(0); i < n; i++ {
		size, err := d.u32()
		if err != nil {
			return nil, err
		}
		body, err := d.sub(size)
		if err != nil {
			return nil, err
		}
		out, bodyStart = reserveSize(out)
		body.globals, body.checkGlobals = ix.flag, true
		if out, err = appendBody(out, body, seq); err != nil {
			return nil, err
		}
		if out, err = patchSize(out, bodyStart); err != nil {
			return nil, err
		}
	}
	if !d.done() {
		return nil, d.fail("code section size mismatch")
	}
	return patchSize(out, secStart)
}

// appendBody appends one function body (local declarations and code),
// inserting seq after the local declarations and after every loop's
// block type.
func appendBody(out []byte, d decoder, seq []byte) ([]byte, error) {
	n, err := d.u32()
	if err != nil {
		return nil, err
	}
	var locals uint64
	for i := uint32(0); i < n; i++ {
		c, err := d.u32()
		if err != nil {
			return nil, err
		}
		locals += uint64(c)
		if err := d.valType(); err != nil {
			return nil, err
		}
	}
	if locals > math.MaxUint32 {
		return nil, d.fail("too many locals")
	}
	out = append(out, d.b[:d.pos]...)
	out = append(out, seq...)

	last, depth := d.pos, 0
	for d.pos < len(d.b) {
		kind, err := d.instr()
		if err != nil {
			return nil, err
		}
		switch kind {
		case kindBlock:
			depth++
		case kindLoop:
			depth++
			out = append(out, d.b[last:d.pos]...)
			out = append(out, seq...)
			last = d.pos
		case kindDelegate:
			if depth == 0 {
				return nil, d.fail("delegate outside try")
			}
			depth--
		case kindEnd:
			if depth > 0 {
				depth--
				continue
			}
			if !d.done() {
				return nil, d.fail("bytes after the end of a function body")
			}
			return append(out, d.b[last:]...), nil
		}
	}
	return nil, d.fail("function body does not end with end")
}
