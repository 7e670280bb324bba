package wasmbin

import (
	"errors"
	"fmt"
	"math"
	"strings"
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
//     InterruptExport, and a work counter;
//   - one new table (funcref, size 0) appended after all existing tables;
//   - with ChecksFull (the default), one new function appended after all
//     others, the slow path: it traps if the flag is set and, once the
//     work counter reaches its budget, resets it and grows the new table
//     by 0 elements (which wazero does in Go, a point where the Go
//     scheduler and garbage collector can stop the goroutine);
//   - checks, which charge the work counter and take the slow path when
//     it is due: at the entry of every function but leaves (see analyze)
//     and functions charged by their callers (see chargeSites); at every
//     loop header, where a local counter is charged and, every localBudget
//     or flushBudget units, the loop is left for the slow path and
//     re-entered (the "exit-loop" shape: the loop body holds no call;
//     small innermost loops are unrolled first, see unrollLoops); after
//     every call to an imported function and every bulk memory or table
//     instruction, which also test the flag. See Checks for the lighter
//     modes;
//   - the start function, if any, moved from the start section to an
//     export named StartExport, so that the host runs it under a deadline;
//   - the tables' maxima capped so that all tables together hold at most
//     opts.MaxTableElements elements.
//
// DWARF custom sections (".debug_*"), which the rewrite makes stale, are
// dropped; other custom sections, the name section included, are kept.
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
	secs, err := splitSections(bin)
	if err != nil {
		return nil, err
	}
	info, start, hasStart, err := scanModule(bin, secs, opts.Checks == ChecksFull)
	if err != nil {
		return nil, err
	}
	m := &Module{Start: hasStart, Imports: info.imports}
	g := &codegen{checks: opts.Checks, info: &info.moduleInfo}
	needSlow := opts.Checks == ChecksFull && len(info.funcs) > 0
	if needSlow {
		info.scratchPlan()
	}
	if needSlow {
		g.slow = info.importFuncs + uint32(len(info.funcs))
	}
	// The code grows by a few bytes per function and per loop; the slack
	// makes reallocation rare.
	size := len(bin)
	for _, s := range secs {
		if s.id == secCustom && isDebugSection(decoder{b: bin[s.start:s.end], pos: s.content - s.start}) {
			size -= s.end - s.start
		}
	}
	out := make([]byte, 0, size+size/4+128)
	out = append(out, wasmHeader...)

	var (
		flag       uint32
		tableDone  bool
		globalDone bool
		exportDone bool
	)
	// Create the table, global and export sections when the input has
	// none and we are past their place.
	createMissing := func(rank uint8) error {
		var err error
		if !tableDone && rank > rankTable {
			g.yieldTable = countImports(m.Imports, KindTable)
			out, _, err = appendTableSection(out, decoder{}, opts.MaxTableElements)
			tableDone = true
		}
		if err == nil && !globalDone && rank > rankGlobal {
			out, flag, err = appendGlobalSection(out, decoder{}, countImports(m.Imports, KindGlobal), info.scratch)
			g.flag, g.counter = flag, flag+1
			globalDone = true
		}
		if err == nil && !exportDone && rank > rankExport {
			out, err = appendExportSection(out, decoder{}, flag, start, hasStart)
			exportDone = true
		}
		return err
	}
	for _, s := range secs {
		sec := decoder{b: bin[s.start:s.end], pos: s.content - s.start, base: s.start}
		if s.id == secCustom {
			if !isDebugSection(sec) {
				out = append(out, bin[s.start:s.end]...)
			}
			continue
		}
		if err := createMissing(sectionRank[s.id]); err != nil {
			return nil, err
		}
		switch s.id {
		case secType:
			if needSlow {
				out, err = appendVecSection(out, secType, sec, []byte{0x60, 1, typeI32, 0})
			} else {
				out = append(out, bin[s.start:s.end]...)
			}
		case secFunction:
			if needSlow {
				out, err = appendVecSection(out, secFunction, sec, appendU32(nil, uint32(len(info.types))))
			} else {
				out = append(out, bin[s.start:s.end]...)
			}
		case secTable:
			var defined []Limits
			if out, defined, err = appendTableSection(out, sec, opts.MaxTableElements); err != nil {
				return nil, err
			}
			m.Tables = defined
			g.yieldTable = countImports(m.Imports, KindTable) + uint32(len(defined))
			tableDone = true
		case secMemory:
			m.Memories, err = readMemories(sec)
			out = append(out, bin[s.start:s.end]...)
		case secGlobal:
			out, flag, err = appendGlobalSection(out, sec, countImports(m.Imports, KindGlobal), info.scratch)
			g.flag, g.counter = flag, flag+1
			globalDone = true
		case secExport:
			out, err = appendExportSection(out, sec, flag, start, hasStart)
			exportDone = true
		case secStart:
			// Dropped: exported as StartExport instead.
		case secCode:
			out, err = g.appendCodeSection(out, sec, needSlow)
		default:
			out = append(out, bin[s.start:s.end]...)
		}
		if err != nil {
			return nil, err
		}
	}
	if err := createMissing(rankExport + 1); err != nil {
		return nil, err
	}
	m.Binary = out
	return m, nil
}

// sectionSpan is where one section of the input lies.
type sectionSpan struct {
	id                  byte
	start, content, end int // id byte, content, end
}

// splitSections frames the sections and checks their order.
func splitSections(bin []byte) ([]sectionSpan, error) {
	var secs []sectionSpan
	var lastRank uint8
	d := decoder{b: bin, pos: len(wasmHeader)}
	for !d.done() {
		start := d.pos
		id, _ := d.readByte()
		size, err := d.u32()
		if err != nil {
			return nil, err
		}
		content := d.pos
		sec, err := d.sub(size)
		if err != nil {
			return nil, err
		}
		if id == secCustom {
			if err := checkCustom(sec); err != nil {
				return nil, err
			}
		} else {
			if int(id) >= len(sectionRank) || sectionRank[id] == 0 {
				return nil, fmt.Errorf("%w: unknown section id %d at offset %d", ErrMalformed, id, start)
			}
			rank := sectionRank[id]
			if rank <= lastRank {
				return nil, fmt.Errorf("%w: section id %d out of order or repeated at offset %d", ErrMalformed, id, start)
			}
			lastRank = rank
		}
		secs = append(secs, sectionSpan{id: id, start: start, content: content, end: d.pos})
	}
	return secs, nil
}

type scannedModule struct {
	moduleInfo
	imports []Import
}

// scanModule is the first pass: types, imports, functions, exports,
// element segments, global initializers and function bodies.
func scanModule(bin []byte, secs []sectionSpan, unroll bool) (*scannedModule, uint32, bool, error) {
	m := &scannedModule{}
	m.unroll = unroll
	m.exported = map[uint32]bool{}
	m.addrTaken = map[uint32]bool{}
	var (
		start    uint32
		hasStart bool
		err      error
	)
	for _, s := range secs {
		d := decoder{b: bin[:s.end], pos: s.content}
		switch s.id {
		case secType:
			m.types, err = readTypes(d)
		case secImport:
			if m.imports, err = readImports(d); err == nil {
				m.importFuncs = countImports(m.imports, KindFunc)
				m.importsEscape = countImports(m.imports, KindTable) > 0
			}
		case secFunction:
			m.funcTypes, err = readFunctions(d)
		case secGlobal:
			err = readGlobalRefs(d, m.addrTaken)
		case secExport:
			m.exported = readExportedFuncs(d)
		case secTag:
			m.tags = true
		case secStart:
			start, err = d.u32()
			if err == nil && !d.done() {
				err = d.fail("start section size mismatch")
			}
			hasStart = err == nil
		case secElement:
			err = readElements(d, m.addrTaken)
		case secCode:
			err = m.scanCode(d)
		}
		if err != nil {
			return nil, 0, false, err
		}
	}
	m.start, m.hasStart = start, hasStart
	m.tags = m.tags || countImports(m.imports, KindTag) > 0
	for idx := range m.addrTaken {
		if idx < m.importFuncs {
			m.importsEscape = true
		}
	}
	m.analyze()
	return m, start, hasStart, nil
}

func (m *scannedModule) scanCode(d decoder) error {
	n, err := d.u32()
	if err != nil {
		return err
	}
	m.funcs = make([]funcScan, 0, min(n, 1<<16))
	for i := uint32(0); i < n; i++ {
		size, err := d.u32()
		if err != nil {
			return err
		}
		body, err := d.sub(size)
		if err != nil {
			return err
		}
		f, err := m.scanBody(body, m.addrTaken, nil)
		if err != nil {
			return err
		}
		if m.unroll && f.hasSmallLoop() {
			if code, simple := m.unrollLoops(body.b); simple != nil {
				if f, err = m.scanBody(decoder{b: code, base: body.base}, m.addrTaken, simple); err != nil {
					return err
				}
				f.body = code
			}
		}
		m.funcs = append(m.funcs, f)
	}
	if !d.done() {
		return d.fail("code section size mismatch")
	}
	return nil
}

// isDebugSection reports whether a custom section holds DWARF.
func isDebugSection(d decoder) bool {
	name, err := d.name()
	return err == nil && strings.HasPrefix(string(name), ".debug_")
}

// appendVecSection appends the section (a vector, content in d) with one
// more item at the end.
func appendVecSection(out []byte, id byte, d decoder, item []byte) ([]byte, error) {
	n, err := d.u32()
	if err != nil {
		return nil, err
	}
	if n == math.MaxUint32 {
		return nil, d.fail("vector too long")
	}
	out = append(out, id)
	out, start := reserveSize(out)
	out = appendU32(out, n+1)
	out = append(out, d.b[d.pos:]...)
	out = append(out, item...)
	return patchSize(out, start)
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
// body instrumented and, with withSlow, the slow-path function's body.
func (g *codegen) appendCodeSection(out []byte, d decoder, withSlow bool) ([]byte, error) {
	n, err := d.u32()
	if err != nil {
		return nil, err
	}
	total := n
	if withSlow {
		total++
	}
	var secStart, bodyStart int
	out = append(out, secCode)
	out, secStart = reserveSize(out)
	out = appendU32(out, total)
	for i := uint32(0); i < n; i++ {
		size, err := d.u32()
		if err != nil {
			return nil, err
		}
		body, err := d.sub(size)
		if err != nil {
			return nil, err
		}
		if int(i) < len(g.info.funcs) && g.info.funcs[i].body != nil {
			body = decoder{b: g.info.funcs[i].body, base: body.base}
		}
		out, bodyStart = reserveSize(out)
		body.globals, body.checkGlobals = g.flag, true
		if out, err = g.appendBody(out, body, int(i)); err != nil {
			return nil, err
		}
		if out, err = patchSize(out, bodyStart); err != nil {
			return nil, err
		}
	}
	if !d.done() {
		return nil, d.fail("code section size mismatch")
	}
	if withSlow {
		b := g.slowBody()
		out = appendU32(out, uint32(len(b)))
		out = append(out, b...)
	}
	return patchSize(out, secStart)
}
