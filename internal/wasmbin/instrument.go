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
	rankGlobal = 7
	rankExport = 8
)

// Instrument returns a new binary equal to bin plus:
//   - one new mutable i32 global (initialised to i32.const 0) appended
//     after all existing globals, so no existing global index changes; its
//     index is the number of imported plus defined globals,
//   - an export of that global named InterruptExport,
//   - at the start of every function body (after the local declarations)
//     and right after every loop instruction's block type, the sequence
//     global.get $g; if (empty block type); unreachable; end.
//
// Function body sizes and the code section size are re-encoded. All other
// sections (custom sections, names, data, elements, start, tags, data
// count) are copied byte for byte and in order. Missing global and export
// sections are created at their place in the section order.
//
// Instrument decodes every instruction to find loops but does not
// validate types. Errors wrap ErrMalformed, or ErrExportExists if bin
// already exports InterruptExport. bin is not modified.
func Instrument(bin []byte) ([]byte, error) {
	if !hasHeader(bin) {
		return nil, fmt.Errorf("%w: bad magic number or version", ErrMalformed)
	}
	// Code grows by a few bytes per function and per loop; the slack
	// makes reallocation rare.
	out := make([]byte, 0, len(bin)+len(bin)/8+64)
	out = append(out, wasmHeader...)

	d := decoder{b: bin, pos: len(wasmHeader)}
	var (
		lastRank   uint8
		imported   uint32 // imported globals
		gidx       uint32 // index of the interrupt global
		globalDone bool
		exportDone bool
		err        error
	)
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

		// Create the global and export sections when the input has none
		// and we are past their place.
		if !globalDone && rank > rankGlobal {
			if out, gidx, err = appendGlobalSection(out, decoder{}, imported); err != nil {
				return nil, err
			}
			globalDone = true
		}
		if !exportDone && rank > rankExport {
			if out, err = appendExportSection(out, decoder{}, gidx); err != nil {
				return nil, err
			}
			exportDone = true
		}

		switch id {
		case secImport:
			if imported, err = importedGlobals(sec); err != nil {
				return nil, err
			}
			out = append(out, bin[sectionStart:d.pos]...)
		case secGlobal:
			if out, gidx, err = appendGlobalSection(out, sec, imported); err != nil {
				return nil, err
			}
			globalDone = true
		case secExport:
			if out, err = appendExportSection(out, sec, gidx); err != nil {
				return nil, err
			}
			exportDone = true
		case secCode:
			if out, err = appendCodeSection(out, sec, gidx); err != nil {
				return nil, err
			}
		default:
			out = append(out, bin[sectionStart:d.pos]...)
		}
	}
	if !globalDone {
		if out, gidx, err = appendGlobalSection(out, decoder{}, imported); err != nil {
			return nil, err
		}
	}
	if !exportDone {
		if out, err = appendExportSection(out, decoder{}, gidx); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// appendCodeSection appends the code section in d with every function
// body instrumented.
func appendCodeSection(out []byte, d decoder, gidx uint32) ([]byte, error) {
	var seqBuf [10]byte
	seq := append(seqBuf[:0], 0x23)
	seq = appendU32(seq, gidx)
	seq = append(seq, 0x04, blockEmpty, 0x00, 0x0b)

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
