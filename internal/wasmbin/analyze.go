package wasmbin

import (
	"slices"
)

// moduleInfo is what the rewrite needs to know about the whole module
// before it touches a function body: which functions are leaves (and so
// need no check of their own), how much work each loop and call stands
// for, and where imported functions may be reached indirectly.
type moduleInfo struct {
	types       []funcType // by type index
	funcTypes   []uint32   // type index of each defined function
	importFuncs uint32     // imported functions come first in the index space
	exported    map[uint32]bool
	addrTaken   map[uint32]bool // named in an element segment or by ref.func
	// importsEscape: an imported function may be called through a table or
	// a reference (it is in an element segment or taken by ref.func, or the
	// module imports a table that another module may have filled).
	importsEscape bool
	funcs         []funcScan // by defined function
	leaf          []bool     // by defined function
	treeWeight    []uint32   // a leaf's weight (see leafWeight), by defined function
	entryW        []uint32   // see entryWeight, by defined function
	// byCallers: the function is entered only by direct calls from the
	// module's own code (not exported, not the start function, not
	// reachable through a table or reference), so its callers charge its
	// entry weight instead of its entry (see charges).
	byCallers []bool // by defined function
	start     uint32 // the start function, if hasStart
	hasStart  bool
	tags      bool     // the module defines or imports exception tags
	unroll    bool     // unroll small loops (ChecksFull)
	scratch   [][]byte // types of the scratch globals, after the counter
}

type funcType struct {
	params, results uint32
	paramTypes      [][]byte // encodings
	result          []byte   // encoding of the result, if there is one
}

// block returns the block type of a block with the function type's
// results; only for at most one result.
func (t funcType) block() []byte {
	if t.results == 0 {
		return []byte{blockEmpty}
	}
	return t.result
}

// funcScan is what a first pass over one function body finds.
type funcScan struct {
	size     int    // bytes of the body (locals and code)
	body     []byte // the body with its small loops unrolled, if any were
	hasLoop  bool
	callsOwn bool // calls a defined function directly, or anything indirectly
	indirect bool // calls anything indirectly
	legacyEH bool // legacy exception handling (try, catch, delegate, rethrow)
	throws   bool // throw, throw_ref or try_table
	// flush: the function loops, and charges what its loops counted when
	// it returns (a count above its entry charge), so that they may count
	// up to flushBudget: it returns one value at most (its body can be
	// wrapped in a block of its type) and the module handles no
	// exceptions (an exception unwinds a function without its return).
	flush     bool
	needsTemp bool // has a bulk instruction: needs the length local
	calls     []callSite
	charges   []chargeSite // in order; set by analyze
	loops     []loopSpan   // in order of their loop instruction
	locals    []localGroup
	points    []countPoint // in order
}

// countPoint is a place inside a loop where the loop counter is charged
// with the weight of the code that follows, up to the next count point or
// the end of the loop: every loop header, every place a branch can land
// (after an end or an else) that code follows, and every segmentBytes of
// straight code. Execution enters such a segment only at its start, so the
// counter is charged at least the bytes run, however few of a long loop
// body's bytes an iteration runs.
type countPoint struct {
	pos    int
	w      uint32 // weight of the segment; 0 while its end is unknown
	header bool   // a loop header: charged by the loop check itself
}

// segmentBytes is the longest segment of straight code between two count
// points.
const segmentBytes = 1024

// localGroup is one local declaration: count locals of type typ.
type localGroup struct {
	count uint32
	typ   []byte
}

type callSite struct {
	pos    int
	callee uint32 // defined-function index, or importCallee
	region int    // straight-code region: no block boundary between two calls of one region
}

// chargeSite is where a function charges the module's counter, and
// checks it, for the calls of a region to functions charged by their
// callers: before the first of them, with the sum of their entry weights.
type chargeSite struct {
	pos int
	w   uint32
}

// importCallee marks a call to an imported function.
const importCallee = ^uint32(0)

type loopSpan struct {
	start, end int
	params     bool     // the loop has parameters: not rewritten
	locals     []uint32 // locals the loop body reads or writes, sorted
	saves      bool     // the slow path saves the locals (see scratchPlan)
	save       []savedLocal
}

// weight of a leaf: what one call of it runs without a check, at most: the
// bytes of its body and of the leaves it calls (the functions it calls
// that are not leaves check themselves, or it checks before calling them).
func (m *moduleInfo) leafWeight(callee uint32) uint32 {
	if callee == importCallee {
		return importWeight
	}
	if int(callee) >= len(m.leaf) || !m.leaf[callee] {
		return 0
	}
	return m.treeWeight[callee]
}

// analyze decides which defined functions are leaves. A leaf has no loop
// and no indirect call, is neither exported nor reachable through a table
// or reference, is small with the leaves it calls (at most maxLeafSize),
// and is on no cycle of calls between leaves: the work one call of it runs
// without passing a check is bounded by its weight, and its callers count
// that weight. Leaves may call functions that are not: those are checked.
// Small helpers and wrappers (an allocator's entry point that calls the
// allocator, say) thus cost no check of their own.
func (m *moduleInfo) analyze() {
	m.leaf = make([]bool, len(m.funcs))
	m.treeWeight = make([]uint32, len(m.funcs))
	m.byCallers = make([]bool, len(m.funcs))
	inner := func(i int) bool {
		idx := m.importFuncs + uint32(i)
		return !m.exported[idx] && !m.addrTaken[idx] && !(m.hasStart && m.start == idx)
	}
	// A depth-first walk of the calls (with a stack of its own: a chain of
	// calls may be as long as the module has functions): a call back to a
	// function still being weighed closes a cycle, and makes the caller a
	// function with a check, so that every cycle holds one.
	type frame struct {
		fn, next int // function; index in its calls of the next to weigh
		w        uint64
		ok       bool
	}
	state := make([]uint8, len(m.funcs)) // 0 unseen, 1 being weighed, 2 weighed
	var stack []frame
	push := func(i int) {
		state[i] = 1
		f := &m.funcs[i]
		stack = append(stack, frame{fn: i, w: uint64(f.size),
			ok: inner(i) && !f.hasLoop && !f.indirect && f.size <= maxLeafSize})
	}
	for root := range m.funcs {
		if state[root] != 0 {
			continue
		}
		push(root)
		for len(stack) > 0 {
			top := &stack[len(stack)-1]
			calls := m.funcs[top.fn].calls
			if top.ok && top.next < len(calls) {
				c := calls[top.next]
				switch {
				case c.callee == importCallee:
					top.w += importWeight
				case int(c.callee) >= len(m.funcs):
					top.ok = false
				case state[c.callee] == 0:
					push(int(c.callee)) // comes back to this call once weighed
					continue
				case state[c.callee] == 1:
					top.ok = false // a cycle
				case m.leaf[c.callee]:
					top.w += uint64(m.treeWeight[c.callee])
				}
				top.ok = top.ok && top.w <= maxLeafSize
				top.next++
				continue
			}
			m.leaf[top.fn] = top.ok
			m.treeWeight[top.fn] = uint32(min(top.w, maxWeight))
			state[top.fn] = 2
			stack = stack[:len(stack)-1]
		}
	}
	m.entryW = make([]uint32, len(m.funcs))
	for i := range m.funcs {
		m.byCallers[i] = inner(i) && !m.leaf[i]
		m.entryW[i] = m.weighEntry(i)
	}
	// A function called from many places keeps its entry check: one check
	// compiled per calling region instead of one per function would cost
	// more to compile than it saves at run time.
	// A callee is counted once per (caller, region); regions only grow
	// along a body, so the last one seen per callee is enough.
	regions := make([]int, len(m.funcs))
	lastCaller, lastRegion := make([]int, len(m.funcs)), make([]int, len(m.funcs))
	for i := range m.funcs {
		for _, c := range m.funcs[i].calls {
			if c.callee == importCallee || int(c.callee) >= len(regions) {
				continue
			}
			if lastCaller[c.callee] != i+1 || lastRegion[c.callee] != c.region {
				regions[c.callee]++
				lastCaller[c.callee], lastRegion[c.callee] = i+1, c.region
			}
		}
	}
	for i, n := range regions {
		m.byCallers[i] = m.byCallers[i] && n <= maxCallerRegions
	}
	exceptions := m.tags
	for _, f := range m.funcs {
		exceptions = exceptions || f.legacyEH || f.throws
	}
	for i := range m.funcs {
		f := &m.funcs[i]
		f.charges = m.chargeSites(i)
		f.flush = f.hasLoop && !exceptions && i < len(m.funcTypes) &&
			int(m.funcTypes[i]) < len(m.types) && m.types[m.funcTypes[i]].results <= 1
	}
}

// chargeSites returns where function i charges for the functions it calls
// that are charged by their callers: one charge per region that calls any,
// before the first such call, of the sum of their entry weights. Every
// call of such a function is thus preceded by a charge and a check that
// covers it, with only straight code (and calls, charged themselves) in
// between; a region's later calls may not run (a branch can leave it),
// which only charges more than was run.
//
// Compared with a check at the callee's entry this saves the checks of
// calls that share a region (a recursive function that calls itself twice
// charges once) and keeps the check, and its call of the slow path, out of
// paths that call nothing (a recursion's base case).
func (m *moduleInfo) chargeSites(i int) []chargeSite {
	var out []chargeSite
	region := -1
	for _, c := range m.funcs[i].calls {
		if c.callee == importCallee || int(c.callee) >= len(m.byCallers) || !m.byCallers[c.callee] {
			continue
		}
		w := m.entryWeight(int(c.callee))
		if c.region == region {
			last := &out[len(out)-1]
			last.w = clampWeight(uint64(last.w) + uint64(w))
			continue
		}
		region = c.region
		out = append(out, chargeSite{pos: c.pos, w: w})
	}
	return out
}

// pointWeights returns the weight of each count point of function i: the
// bytes of its segment plus the weight of the leaves and imports it calls,
// at most localBudget/2 (calls in a row beyond that are charged to the
// module's counter directly: see rewriter.count).
func (m *moduleInfo) pointWeights(i int) []uint32 {
	f := &m.funcs[i]
	w := make([]uint32, len(f.points))
	j := 0
	for k, p := range f.points {
		end := p.pos + int(p.w)
		for j < len(f.calls) && f.calls[j].pos < p.pos {
			j++
		}
		sum := uint64(p.w)
		for c := j; c < len(f.calls) && f.calls[c].pos < end; c++ {
			sum += uint64(m.leafWeight(f.calls[c].callee))
		}
		w[k] = uint32(min(max(sum, 1), localBudget/2))
	}
	return w
}

// entryWeight is what one call of function i charges to the module's work
// counter: its size, plus the weight of the leaves it calls outside its
// loops (each runs at most once per call; a loop counts the leaves it
// calls in its own weight), and at least a share of the local budget its
// loops may run through without charging it (so that calling a looping
// function over and over reaches a visit to Go after a bounded amount of
// work).
func (m *moduleInfo) entryWeight(i int) uint32 { return m.entryW[i] }

// weighEntry computes entryWeight(i), once the leaves are known.
func (m *moduleInfo) weighEntry(i int) uint32 {
	f := &m.funcs[i]
	w := uint64(f.size)
	// Calls and loops are in order; the outermost loops do not overlap.
	l, end := 0, -1 // next loop; end of the outermost loop around the call
	for _, c := range f.calls {
		for l < len(f.loops) && f.loops[l].start < c.pos {
			end = max(end, f.loops[l].end)
			l++
		}
		if c.callee != importCallee && c.pos >= end {
			w += uint64(m.leafWeight(c.callee))
		}
	}
	if f.hasLoop {
		w = max(w, loopEntryShare)
	}
	return clampWeight(w)
}

func clampWeight(w uint64) uint32 { return uint32(min(max(w, 1), maxWeight)) }

// blockParams reports whether a block type has parameters (only a type
// index can give it some).
func (m *moduleInfo) blockParams(bt []byte) bool {
	if len(bt) == 0 || bt[0] == blockEmpty || bt[0]&0xc0 == 0x40 {
		return false
	}
	d := decoder{b: bt}
	idx, err := d.s33()
	if err != nil || idx < 0 || idx >= int64(len(m.types)) {
		return true // unknown: treat as having parameters (no rewrite)
	}
	return m.types[idx].params > 0
}

// s33 decodes a signed 33-bit LEB128 value.
func (d *decoder) s33() (int64, error) {
	var v int64
	var shift uint
	for {
		c, err := d.readByte()
		if err != nil {
			return 0, err
		}
		v |= int64(c&0x7f) << shift
		shift += 7
		if c < 0x80 {
			if shift < 64 && c&0x40 != 0 {
				v |= -1 << shift
			}
			return v, nil
		}
		if shift >= 35 {
			return 0, d.fail("s33 too long")
		}
	}
}

// readTypes decodes the type section: function types only.
func readTypes(d decoder) ([]funcType, error) {
	n, err := d.u32()
	if err != nil {
		return nil, err
	}
	types := make([]funcType, 0, min(n, 4096))
	for i := uint32(0); i < n; i++ {
		form, err := d.readByte()
		if err != nil {
			return nil, err
		}
		if form != 0x60 {
			d.pos--
			return nil, d.failf("unsupported type form 0x%02x", form)
		}
		var t funcType
		for k, p := range []*uint32{&t.params, &t.results} {
			c, err := d.u32()
			if err != nil {
				return nil, err
			}
			for j := uint32(0); j < c; j++ {
				from := d.pos
				if err := d.valType(); err != nil {
					return nil, err
				}
				if k == 0 && j < 1<<16 {
					t.paramTypes = append(t.paramTypes, d.b[from:d.pos])
				}
				if k == 1 && j == 0 {
					t.result = d.b[from:d.pos]
				}
			}
			*p = c
		}
		types = append(types, t)
	}
	if !d.done() {
		return nil, d.fail("type section size mismatch")
	}
	return types, nil
}

// readFunctions decodes the function section.
func readFunctions(d decoder) ([]uint32, error) {
	n, err := d.u32()
	if err != nil {
		return nil, err
	}
	fs := make([]uint32, 0, min(n, 1<<16))
	for i := uint32(0); i < n; i++ {
		t, err := d.u32()
		if err != nil {
			return nil, err
		}
		fs = append(fs, t)
	}
	if !d.done() {
		return nil, d.fail("function section size mismatch")
	}
	return fs, nil
}

// readExportedFuncs returns the indexes of exported functions. Errors are
// reported by appendExportSection.
func readExportedFuncs(d decoder) map[uint32]bool {
	ex := map[uint32]bool{}
	n, err := d.u32()
	for i := uint32(0); err == nil && i < n; i++ {
		if _, err = d.name(); err != nil {
			break
		}
		var kind byte
		if kind, err = d.readByte(); err != nil {
			break
		}
		var idx uint32
		if idx, err = d.u32(); err == nil && kind == externFunc {
			ex[idx] = true
		}
	}
	return ex
}

// readElements adds every function an element segment names to taken.
func readElements(d decoder, taken map[uint32]bool) error {
	n, err := d.u32()
	if err != nil {
		return err
	}
	for i := uint32(0); i < n; i++ {
		flags, err := d.u32()
		if err != nil {
			return err
		}
		if flags > 7 {
			return d.failf("invalid element segment flags %d", flags)
		}
		if flags&0x02 != 0 && flags&0x01 == 0 { // explicit table index
			if err := d.skipLEB(5); err != nil {
				return err
			}
		}
		if flags&0x01 == 0 { // active: offset expression
			if err := d.scanExpr(taken); err != nil {
				return err
			}
		}
		if flags&0x03 != 0 { // elemkind or reftype
			if flags&0x04 != 0 {
				err = d.refType()
			} else {
				_, err = d.readByte()
			}
			if err != nil {
				return err
			}
		}
		c, err := d.u32()
		if err != nil {
			return err
		}
		for j := uint32(0); j < c; j++ {
			if flags&0x04 != 0 {
				err = d.scanExpr(taken)
			} else {
				var idx uint32
				if idx, err = d.u32(); err == nil {
					taken[idx] = true
				}
			}
			if err != nil {
				return err
			}
		}
	}
	if !d.done() {
		return d.fail("element section size mismatch")
	}
	return nil
}

// readGlobalRefs adds every function a global's initializer takes by
// ref.func to taken.
func readGlobalRefs(d decoder, taken map[uint32]bool) error {
	n, err := d.u32()
	if err != nil {
		return err
	}
	for i := uint32(0); i < n; i++ {
		if err := d.globalType(); err != nil {
			return err
		}
		if err := d.scanExpr(taken); err != nil {
			return err
		}
	}
	return nil
}

// scanExpr skips a constant expression like skipConstExpr, adding the
// functions it takes by ref.func to taken.
func (d *decoder) scanExpr(taken map[uint32]bool) error {
	depth := 0
	for {
		if d.pos >= len(d.b) {
			return d.fail("unterminated expression")
		}
		if d.b[d.pos] == 0xd2 { // ref.func
			d.pos++
			idx, err := d.u32()
			if err != nil {
				return err
			}
			taken[idx] = true
			continue
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

// scanBody is the first pass over a function body (locals and code).
//
// The loops at the positions in simple (see unrollLoops) are charged their
// whole size at their header, with no count point inside.
func (m *moduleInfo) scanBody(d decoder, taken map[uint32]bool, simple map[int]bool) (funcScan, error) {
	f := funcScan{size: len(d.b)}
	groups, err := d.u32()
	if err != nil {
		return f, err
	}
	var locals uint64
	for i := uint32(0); i < groups; i++ {
		c, err := d.u32()
		if err != nil {
			return f, err
		}
		from := d.pos
		if err := d.valType(); err != nil {
			return f, err
		}
		if locals += uint64(c); locals > 1<<32-1-extraLocals {
			return f, d.fail("too many locals")
		}
		f.locals = append(f.locals, localGroup{count: c, typ: d.b[from:d.pos]})
	}
	var (
		open      []int // index of each open loop; -1 for other blocks
		loops     int   // open loops
		landing   bool  // a branch can land here
		inSmall   = -1  // open index of the unrolled loop being scanned
		loopStack []int // indexes in f.loops of the open loops
		region    int   // see callSite
	)
	addPoint := func(pos int, header bool) {
		if n := len(f.points); n > 0 && f.points[n-1].w == 0 {
			f.points[n-1].w = uint32(pos - f.points[n-1].pos)
		}
		f.points = append(f.points, countPoint{pos: pos, header: header})
	}
	for d.pos < len(d.b) {
		p := d.pos
		op := d.b[p]
		if loops > 0 && op != 0x0b && op != 0x05 && inSmall < 0 {
			if landing || p-f.points[len(f.points)-1].pos >= segmentBytes {
				addPoint(p, false)
			}
		}
		landing = loops > 0 && (op == 0x0b || op == 0x05 || op == 0x07 || op == 0x19)
		if isControl(op) {
			region++
		}
		switch op {
		case 0x10, 0x12: // call, return_call
			d.pos++
			idx, err := d.u32()
			if err != nil {
				return f, err
			}
			if idx >= m.importFuncs {
				f.callsOwn = true
				f.calls = append(f.calls, callSite{pos: p, callee: idx - m.importFuncs, region: region})
			} else {
				f.calls = append(f.calls, callSite{pos: p, callee: importCallee, region: region})
			}
			continue
		case 0xd2: // ref.func
			d.pos++
			idx, err := d.u32()
			if err != nil {
				return f, err
			}
			taken[idx] = true
			continue
		case 0x20, 0x21, 0x22: // local.get, local.set, local.tee
			d.pos++
			idx, err := d.u32()
			if err != nil {
				return f, err
			}
			if n := len(loopStack); n > 0 {
				// The enclosing loops get it when this one ends.
				k := loopStack[n-1]
				f.loops[k].locals = append(f.loops[k].locals, idx)
			}
			continue
		case 0x11, 0x13, 0x14, 0x15: // call_indirect, return_call_indirect, call_ref, return_call_ref
			f.callsOwn = true
			f.indirect = true
		case 0x06, 0x07, 0x09, 0x18, 0x19: // legacy exception handling
			f.legacyEH = true
		case 0x08, 0x0a, 0x1f: // throw, throw_ref, try_table
			f.throws = true
		case 0xfc:
			if sub, ok := fcSub(d.b[p+1:]); ok && isBulk(sub) {
				f.needsTemp = true
			}
		}
		kind, err := d.instr()
		if err != nil {
			return f, err
		}
		switch kind {
		case kindBlock:
			open = append(open, -1)
		case kindLoop:
			f.hasLoop = true
			open = append(open, len(f.loops))
			loopStack = append(loopStack, len(f.loops))
			f.loops = append(f.loops, loopSpan{start: p, params: m.blockParams(d.b[p+1 : d.pos])})
			loops++
			addPoint(d.pos, true)
			if simple[p] {
				inSmall = len(open) - 1
			}
		case kindDelegate:
			if len(open) == 0 {
				return f, d.fail("delegate outside try")
			}
			open = open[:len(open)-1]
		case kindEnd:
			if len(open) == 0 {
				if !d.done() {
					return f, d.fail("bytes after the end of a function body")
				}
				return f, nil
			}
			if inSmall == len(open)-1 {
				inSmall = -1
			}
			if k := open[len(open)-1]; k >= 0 {
				l := &f.loops[k]
				l.end = d.pos
				loops--
				if n := len(f.points); f.points[n-1].w == 0 {
					f.points[n-1].w = uint32(max(p-f.points[n-1].pos, 1))
				}
				slices.Sort(l.locals)
				l.locals = slices.Compact(l.locals)
				loopStack = loopStack[:len(loopStack)-1]
				if n := len(loopStack); n > 0 {
					outer := &f.loops[loopStack[n-1]]
					outer.locals = append(outer.locals, l.locals...)
				}
			}
			open = open[:len(open)-1]
		}
	}
	return f, d.fail("function body does not end with end")
}

// isControl reports whether op begins or ends a block or an arm (block,
// loop, if, else, try, catch, end, delegate, catch_all, try_table):
// control can enter or leave there.
func isControl(op byte) bool {
	switch op {
	case 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x0b, 0x18, 0x19, 0x1f:
		return true
	}
	return false
}

// skipLocals skips the local declarations and returns how many locals
// they declare.
func skipLocals(d *decoder) (uint32, error) {
	n, err := d.u32()
	if err != nil {
		return 0, err
	}
	var locals uint64
	for i := uint32(0); i < n; i++ {
		c, err := d.u32()
		if err != nil {
			return 0, err
		}
		locals += uint64(c)
		if err := d.valType(); err != nil {
			return 0, err
		}
	}
	if locals > 1<<32-1-extraLocals {
		return 0, d.fail("too many locals")
	}
	return uint32(locals), nil
}

// fcSub decodes the sub-opcode after a 0xFC prefix.
func fcSub(b []byte) (uint32, bool) {
	d := decoder{b: b}
	sub, err := d.u32()
	return sub, err == nil
}

// isBulk reports whether 0xFC sub-opcode sub moves or fills a number of
// bytes or elements taken from the top of the stack: memory.init,
// memory.copy, memory.fill, table.init, table.copy, table.grow, table.fill.
func isBulk(sub uint32) bool {
	switch sub {
	case 8, 10, 11, 12, 14, 15, 17:
		return true
	}
	return false
}

// maxSaved caps the locals a loop's slow path saves in globals around its
// call (beyond it, the loop runs with its values spilled around the call).
const maxSaved = 8

// savedLocal is a local that a rewritten loop's slow path saves to a
// scratch global before its call and restores after it.
type savedLocal struct {
	local uint32
	slot  uint32 // scratch global, counted from the first scratch global
}

// scratchPlan decides which locals each rewritten loop saves around its
// slow-path call, and the scratch globals that takes: per value type, as
// many as the loop that needs the most. A local kept in a register across
// a call costs wazero a spill in the loop itself; saved to a global, it is
// not live across the call, and only the slow path pays.
func (m *moduleInfo) scratchPlan() {
	need := map[string]uint32{}
	perLoop := make([][][]savedLocal, len(m.funcs))
	keysOf := make([][][]string, len(m.funcs))
	for fn := range m.funcs {
		f := &m.funcs[fn]
		if f.legacyEH {
			continue
		}
		perLoop[fn] = make([][]savedLocal, len(f.loops))
		keysOf[fn] = make([][]string, len(f.loops))
		for k, l := range f.loops {
			if l.params || len(l.locals) > maxSaved {
				continue
			}
			count := map[string]uint32{}
			var save []savedLocal
			var keys []string
			ok := true
			for _, idx := range l.locals {
				typ := m.localType(fn, idx)
				if typ == nil || typ[0] == typeRef { // not defaultable: no global can hold it
					ok = false
					break
				}
				key := string(typ)
				save = append(save, savedLocal{local: idx, slot: count[key]})
				keys = append(keys, key)
				count[key]++
			}
			if !ok {
				continue
			}
			for key, c := range count {
				need[key] = max(need[key], c)
			}
			perLoop[fn][k], keysOf[fn][k] = save, keys
		}
	}
	types := make([]string, 0, len(need))
	for key := range need {
		types = append(types, key)
	}
	slices.Sort(types)
	offset := map[string]uint32{}
	for _, key := range types {
		offset[key] = uint32(len(m.scratch))
		for range need[key] {
			m.scratch = append(m.scratch, []byte(key))
		}
	}
	for fn := range perLoop {
		for k, save := range perLoop[fn] {
			for j := range save {
				save[j].slot += offset[keysOf[fn][k][j]]
			}
			if save != nil {
				m.funcs[fn].loops[k].save = save
				m.funcs[fn].loops[k].saves = true
			} else if len(m.funcs[fn].loops[k].locals) == 0 && !m.funcs[fn].loops[k].params {
				m.funcs[fn].loops[k].saves = true // nothing to save
			}
		}
	}
}

// localType returns the encoding of function fn's local idx, or nil.
func (m *moduleInfo) localType(fn int, idx uint32) []byte {
	if fn < len(m.funcTypes) && int(m.funcTypes[fn]) < len(m.types) {
		pt := m.types[m.funcTypes[fn]].paramTypes
		if uint64(idx) < uint64(len(pt)) {
			return pt[idx]
		}
		if uint64(idx) < uint64(m.types[m.funcTypes[fn]].params) {
			return nil
		}
		idx -= m.types[m.funcTypes[fn]].params
	} else {
		return nil
	}
	for _, g := range m.funcs[fn].locals {
		if idx < g.count {
			return g.typ
		}
		idx -= g.count
	}
	return nil
}

// zeroInit is a constant expression for the zero (or null) value of typ.
func zeroInit(typ []byte) []byte {
	switch typ[0] {
	case typeI32:
		return []byte{0x41, 0, 0x0b}
	case typeI64:
		return []byte{0x42, 0, 0x0b}
	case typeF32:
		return []byte{0x43, 0, 0, 0, 0, 0x0b}
	case typeF64:
		return []byte{0x44, 0, 0, 0, 0, 0, 0, 0, 0, 0x0b}
	case typeV128:
		return append(append([]byte{0xfd, 0x0c}, make([]byte, 16)...), 0x0b)
	case typeRefNull: // (ref null ht): ref.null ht
		return append(append([]byte{0xd0}, typ[1:]...), 0x0b)
	}
	return []byte{0xd0, typ[0], 0x0b} // funcref, externref, exnref: ref.null of their heap type
}
