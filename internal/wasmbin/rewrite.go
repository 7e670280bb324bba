package wasmbin

// Budgets of the work counters, in work units: about one byte of function
// code run, or four bytes moved by a bulk instruction.
const (
	// globalBudget is the work between two visits to Go: the module's
	// counter global reaches it, the slow path resets it and grows the
	// yield table by zero elements.
	globalBudget = 1 << 21
	// localBudget is the work a function's loops do between two charges
	// of the module's counter (and flag checks): the loops count in a
	// local, which costs next to nothing. Leaving the loop for the slow
	// path costs a few mispredicted branches, so the budget is as large as
	// the function allows: flushBudget when the function charges what its
	// loops counted when it returns (see funcScan.flush), localBudget when
	// it cannot.
	localBudget = 1 << 12
	flushBudget = 1 << 15
	// loopEntryShare: calling a function that loops charges at least this
	// much, for the work its loops may count without charging it: up to
	// localBudget, or, in a function that flushes, up to loopEntryShare
	// (it flushes a count above that). So at most localBudget/
	// loopEntryShare times (or twice) what was charged runs between visits.
	loopEntryShare = localBudget / 8
	// maxWeight caps every static weight (so counters never overflow).
	maxWeight = globalBudget
	// maxCallerRegions: a function that only the module calls is charged
	// by its callers (see chargeSites) when they call it from at most this
	// many regions; otherwise it checks at its entry.
	maxCallerRegions = 8
	// maxLeafSize: bigger loop-free functions get their own entry check.
	maxLeafSize = 4096
	// importWeight is what a call to an imported function counts for (in
	// its loop's weight, or its function's); the check after the call only
	// tests the flag.
	importWeight = 64
	// bulkVisit: a bulk instruction that moves this many bytes or elements
	// or more is followed by a visit to Go; smaller ones charge what they
	// moved.
	bulkVisit = 1 << 16
	// midBudget: leaf calls in a row charge the counter once their weight
	// passes this.
	midBudget = 1 << 13
	// extraLocals are the i32 locals added to a function: the loop
	// counter and the length of the last bulk instruction.
	extraLocals = 2
)

// Checks selects how much instrumentation Instrument inserts.
type Checks uint8

const (
	// ChecksFull (the default): the guest can be interrupted at any
	// moment, and it visits Go regularly so that it never holds up the
	// garbage collector.
	ChecksFull Checks = iota
	// ChecksInterruptOnly: the interrupt flag is checked at every function
	// entry, loop header, imported call and bulk instruction, but the
	// guest never visits Go on its own: a guest that computes for a long
	// time without calling the host holds up every stop-the-world phase
	// of the garbage collector (and so the whole process) until it returns
	// or is interrupted.
	ChecksInterruptOnly
	// ChecksNone inserts no check at all: the guest runs until it returns
	// on its own; deadlines are only seen when it calls the host.
	ChecksNone
)

// codegen holds the indexes the inserted code refers to.
type codegen struct {
	flag, counter uint32 // globals
	yieldTable    uint32
	slow          uint32 // the slow-path function (ChecksFull)
	checks        Checks
	info          *moduleInfo
}

// Byte sequences. F is the flag global, B the counter global, c and n the
// added locals, $slow the added function, which traps if F is set, adds
// its argument to B and, once B reaches globalBudget, resets it and
// visits Go.

// chargeSeq charges w to B and takes the slow path when B is due or the
// flag is set:
//
//	global.get B; i32.const w; i32.add; global.tee B
//	i32.const globalBudget; i32.ge_u; [global.get F; i32.or]
//	if; i32.const 0; call $slow; end
func (g *codegen) appendCharge(out []byte, w uint32, withFlag bool) []byte {
	out = appendU32(append(out, 0x23), g.counter)
	out = appendS32(append(out, 0x41), int32(w))
	out = append(out, 0x6a)
	out = appendU32(append(out, 0x24), g.counter) // global.set
	out = appendU32(append(out, 0x23), g.counter) // global.get
	out = appendS32(append(out, 0x41), globalBudget)
	out = append(out, 0x4f) // i32.ge_u
	if withFlag {
		out = appendU32(append(out, 0x23), g.flag)
		out = append(out, 0x72) // i32.or
	}
	out = append(out, 0x04, blockEmpty, 0x41, 0x00, 0x10)
	out = appendU32(out, g.slow)
	return append(out, 0x0b)
}

// appendFlagCheck: global.get F; if; unreachable; end.
func (g *codegen) appendFlagCheck(out []byte) []byte {
	out = appendU32(append(out, 0x23), g.flag)
	return append(out, 0x04, blockEmpty, 0x00, 0x0b)
}

// appendAddLocal adds local l to the counter: global.get B; local.get l;
// i32.add; global.set B.
func (g *codegen) appendAddLocal(out []byte, l uint32) []byte {
	out = appendU32(append(out, 0x23), g.counter)
	out = appendU32(append(out, 0x20), l)
	out = append(out, 0x6a)
	return appendU32(append(out, 0x24), g.counter)
}

// appendBulkCharge charges local n (the bytes or elements the instruction
// moved), and takes the slow path, with a visit to Go, when the counter is
// due, the flag is set or the instruction moved bulkVisit or more (filling
// fresh pages costs page faults: big instructions visit Go at once):
//
//	global.get B; local.get n; i32.add; global.set B
//	global.get B; i32.const globalBudget; i32.ge_u
//	local.get n; i32.const bulkVisit; i32.ge_u; i32.or
//	global.get F; i32.or
//	if; i32.const globalBudget; call $slow; end
//
// The sum may wrap only when n is at least bulkVisit, which visits anyway.
func (g *codegen) appendBulkCharge(out []byte, n uint32) []byte {
	out = g.appendAddLocal(out, n)
	out = appendU32(append(out, 0x23), g.counter)
	out = appendS32(append(out, 0x41), globalBudget)
	out = append(out, 0x4f)
	out = appendU32(append(out, 0x20), n)
	out = appendS32(append(out, 0x41), bulkVisit)
	out = append(out, 0x4f, 0x72)
	out = appendU32(append(out, 0x23), g.flag)
	out = append(out, 0x72, 0x04, blockEmpty)
	out = appendS32(append(out, 0x41), globalBudget)
	out = appendU32(append(out, 0x10), g.slow)
	return append(out, 0x0b)
}

// appendLoopCount counts the iteration's weight w in local c and leaves on
// the stack whether the function's local budget is used up:
//
//	local.get c; i32.const w; i32.add; local.tee c; i32.const budget; i32.ge_u
//
// A weight is at most localBudget/2 (see pointWeights), so the iteration
// after the slow path, which resets c, always runs.
func appendLoopCountCheck(out []byte, c, w, budget uint32) []byte {
	out = appendU32(append(out, 0x20), c)
	out = appendS32(append(out, 0x41), int32(w))
	out = append(out, 0x6a)
	out = appendU32(append(out, 0x22), c)
	out = appendS32(append(out, 0x41), int32(budget))
	return append(out, 0x4f)
}

// appendFlush charges the module's counter with what the function's loops
// counted since their last slow path, when that is more than its entry
// charge paid for (loopEntryShare); the next check sees it:
//
//	local.get c; i32.const loopEntryShare; i32.gt_u
//	if; global.get B; local.get c; i32.add; global.set B; end
func (g *codegen) appendFlush(out []byte, c uint32) []byte {
	out = appendU32(append(out, 0x20), c)
	out = appendS32(append(out, 0x41), loopEntryShare)
	out = append(out, 0x4b, 0x04, blockEmpty) // i32.gt_u; if
	out = g.appendAddLocal(out, c)
	return append(out, 0x0b)
}

// appendLoopCount counts a segment's weight: local.get c; i32.const w; i32.add; local.set c.
func appendLoopCount(out []byte, c, w uint32) []byte {
	out = appendU32(append(out, 0x20), c)
	out = appendS32(append(out, 0x41), int32(w))
	out = append(out, 0x6a)
	return appendU32(append(out, 0x21), c)
}

// appendSlowLocal charges the local count: local.get c; call $slow; i32.const 0; local.set c.
func (g *codegen) appendSlowLocal(out []byte, c uint32) []byte {
	out = appendU32(append(out, 0x20), c)
	out = appendU32(append(out, 0x10), g.slow)
	out = append(out, 0x41, 0x00)
	return appendU32(append(out, 0x21), c)
}

// appendLoopSlow is the slow path of a loop in the exit-loop shape: it
// charges the local count to the module's counter and resets it, and only
// when a visit is due or the flag is set calls $slow (which traps on the
// flag and visits Go), with the locals in save parked in scratch globals
// around that call:
//
//	global.get B; local.get c; i32.add; global.set B
//	i32.const 0; local.set c
//	global.get B; i32.const globalBudget; i32.ge_u; global.get F; i32.or
//	if
//	  (local.get l; global.set S)...
//	  i32.const 0; call $slow
//	  (global.get S; local.set l)...
//	end
//
// Most slow paths thus run a few instructions and no call.
func (g *codegen) appendLoopSlow(out []byte, c uint32, save []savedLocal) []byte {
	out = g.appendAddLocal(out, c)
	out = appendU32(append(out, 0x41, 0x00, 0x21), c)
	out = appendU32(append(out, 0x23), g.counter)
	out = appendS32(append(out, 0x41), globalBudget)
	out = append(out, 0x4f)
	out = appendU32(append(out, 0x23), g.flag)
	out = append(out, 0x72, 0x04, blockEmpty)
	for _, s := range save {
		out = appendU32(append(out, 0x20), s.local)
		out = appendU32(append(out, 0x24), g.flag+2+s.slot)
	}
	out = appendU32(append(out, 0x41, 0x00, 0x10), g.slow)
	for _, s := range save {
		out = appendU32(append(out, 0x23), g.flag+2+s.slot)
		out = appendU32(append(out, 0x21), s.local)
	}
	return append(out, 0x0b)
}

// slowBody is the added function's body: (param $amount i32)
//
//	global.get F; if; unreachable; end
//	global.get B; local.get 0; i32.add; global.tee B
//	i32.const globalBudget; i32.ge_u
//	if
//	  i32.const 0; global.set B
//	  ref.null func; i32.const 0; table.grow $yield; drop   ;; a visit to Go
//	end
func (g *codegen) slowBody() []byte {
	b := []byte{0} // no locals
	b = g.appendFlagCheck(b)
	b = g.appendAddLocal(b, 0)
	b = appendU32(append(b, 0x23), g.counter)
	b = appendS32(append(b, 0x41), globalBudget)
	b = append(b, 0x4f, 0x04, blockEmpty, 0x41, 0x00)
	b = appendU32(append(b, 0x24), g.counter)
	b = append(b, 0xd0, typeFuncref, 0x41, 0x00, 0xfc)
	b = appendU32(b, 15) // table.grow
	b = appendU32(b, g.yieldTable)
	return append(b, 0x1a, 0x0b, 0x0b)
}

// label is an open block of the function being rewritten.
type label struct {
	loop  bool   // rewritten into the exit-loop shape
	index int    // the loop's index in funcScan.loops, if loop
	below uint32 // labels inserted outside this one, up to the function's
}

// rewriter rewrites one function body.
type rewriter struct {
	g       *codegen
	d       decoder
	out     []byte
	last    int // d.b[last:] is not yet copied
	labels  []label
	fn      int // defined-function index
	scan    *funcScan
	pointW  []uint32 // weight of each count point, in order
	pointI  int
	chargeI int    // next of scan.charges
	budget  uint32 // of the loop counter: localBudget or flushBudget
	loopI   int
	c, n    uint32 // the added locals
	acc     uint64 // weight of leaf calls since the last charge
}

func (r *rewriter) flush(to int) {
	r.out = append(r.out, r.d.b[r.last:to]...)
	r.last = to
}

// extra is how many labels were inserted between the innermost open block
// and the block a branch of relative depth depth targets.
func (r *rewriter) extra(depth uint32) uint32 {
	top := len(r.labels) - 1
	if uint64(depth) > uint64(top) {
		return 0 // invalid branch: left for the runtime to reject
	}
	return r.labels[top].below - r.labels[top-int(depth)].below
}

func (r *rewriter) push(rewritten bool) {
	below := r.labels[len(r.labels)-1].below
	if rewritten {
		below += 3
	}
	r.labels = append(r.labels, label{loop: rewritten, below: below, index: r.loopI - 1})
}

// retarget rewrites the label immediate at d.pos (a u32) and advances.
func (r *rewriter) retarget() error {
	p := r.d.pos
	depth, err := r.d.u32()
	if err != nil {
		return err
	}
	if e := r.extra(depth); e != 0 {
		r.flush(p)
		r.out = appendU32(r.out, depth+e)
		r.last = r.d.pos
	}
	return nil
}

// appendBody appends function fn's body, instrumented.
func (g *codegen) appendBody(out []byte, d decoder, fn int) ([]byte, error) {
	info := g.info
	scan := &info.funcs[fn]
	r := &rewriter{g: g, d: d, fn: fn, scan: scan}
	groups, err := r.d.u32()
	if err != nil {
		return nil, err
	}
	declStart := r.d.pos
	locals, err := skipLocals(&decoder{b: d.b}) // validates and counts
	if err != nil {
		return nil, err
	}
	for i := uint32(0); i < groups; i++ { // advance past the declarations
		if _, err := r.d.u32(); err != nil {
			return nil, err
		}
		if err := r.d.valType(); err != nil {
			return nil, err
		}
	}
	full := g.checks == ChecksFull
	addLocals := full && (scan.hasLoop || scan.needsTemp)
	if addLocals {
		var params uint32
		if fn < len(info.funcTypes) && int(info.funcTypes[fn]) < len(info.types) {
			params = info.types[info.funcTypes[fn]].params
		}
		r.c = params + locals
		r.n = r.c + 1
		r.out = appendU32(out, groups+1)
		r.out = append(r.out, d.b[declStart:r.d.pos]...)
		r.out = append(r.out, extraLocals, typeI32)
	} else {
		r.out = append(out, d.b[:r.d.pos]...)
	}
	r.last = r.d.pos
	switch {
	case full && !info.leaf[fn] && !info.byCallers[fn]:
		r.out = g.appendCharge(r.out, info.entryWeight(fn), false)
	case g.checks == ChecksInterruptOnly:
		r.out = g.appendFlagCheck(r.out)
	}
	if full {
		r.pointW = info.pointWeights(fn)
	}
	r.budget = localBudget
	if full && scan.flush {
		// block $body bt: branches to the function's label land at its
		// end, where the count is flushed, as it is before every return.
		r.budget = flushBudget
		r.out = append(r.out, 0x02)
		r.out = append(r.out, info.types[info.funcTypes[fn]].block()...)
	}
	r.labels = append(r.labels, label{})
	if err := r.run(); err != nil {
		return nil, err
	}
	return r.out, nil
}

func (r *rewriter) run() error {
	g, info, d := r.g, r.g.info, &r.d
	full := g.checks == ChecksFull
	for d.pos < len(d.b) {
		p := d.pos
		op := d.b[p]
		if full && r.pointI < len(r.pointW) && r.scan.points[r.pointI].pos == p {
			r.flush(p)
			r.out = appendLoopCount(r.out, r.c, r.pointW[r.pointI])
			r.pointI++
		}
		switch op {
		case 0x03: // loop
			d.pos++
			btStart := d.pos
			if err := d.blockType(); err != nil {
				return err
			}
			bt := d.b[btStart:d.pos]
			switch {
			case g.checks == ChecksInterruptOnly:
				r.flush(d.pos)
				r.out = g.appendFlagCheck(r.out)
				r.push(false)
			case full:
				w := uint32(1)
				if r.pointI < len(r.pointW) && r.scan.points[r.pointI].pos == d.pos {
					w = r.pointW[r.pointI]
					r.pointI++
				}
				r.loopI++
				r.flush(p)
				if r.scan.legacyEH || info.blockParams(bt) {
					// Today's shape: the check inside the loop.
					r.out = append(r.out, 0x03)
					r.out = append(r.out, bt...)
					r.out = appendLoopCountCheck(r.out, r.c, w, r.budget)
					r.out = append(r.out, 0x04, blockEmpty)
					r.out = g.appendSlowLocal(r.out, r.c)
					r.out = append(r.out, 0x0b)
					r.push(false)
				} else {
					// block $done bt; loop $outer; block $slow; loop bt
					//   count; br_if $slow
					r.out = append(r.out, 0x02)
					r.out = append(r.out, bt...)
					r.out = append(r.out, 0x03, blockEmpty, 0x02, blockEmpty, 0x03)
					r.out = append(r.out, bt...)
					r.out = appendLoopCountCheck(r.out, r.c, w, r.budget)
					r.out = append(r.out, 0x0d, 0x01)
					r.push(true)
				}
				r.last = d.pos
			default:
				r.push(false)
			}
			continue
		case 0x02, 0x04, 0x06: // block, if, try
			if _, err := d.instr(); err != nil {
				return err
			}
			r.push(false)
			continue
		case 0x1f: // try_table
			if err := r.tryTable(); err != nil {
				return err
			}
			r.push(false)
			continue
		case 0x0c, 0x0d, 0xd5, 0xd6: // br, br_if, br_on_null, br_on_non_null
			d.pos++
			if err := r.retarget(); err != nil {
				return err
			}
			continue
		case 0x0e: // br_table
			d.pos++
			n, err := d.u32()
			if err != nil {
				return err
			}
			for i := uint64(0); i <= uint64(n); i++ {
				if err := r.retarget(); err != nil {
					return err
				}
			}
			continue
		case 0x0b, 0x18: // end, delegate
			if _, err := d.instr(); err != nil {
				return err
			}
			top := r.labels[len(r.labels)-1]
			r.labels = r.labels[:len(r.labels)-1]
			if len(r.labels) == 0 {
				if op != 0x0b {
					return d.fail("delegate outside try")
				}
				if !d.done() {
					return d.fail("bytes after the end of a function body")
				}
				if full && r.scan.flush {
					r.flush(p)
					r.out = g.appendFlush(append(r.out, 0x0b), r.c) // end $body
				}
				r.flush(d.pos)
				return nil
			}
			if top.loop {
				// end $L; br $done; end $slow; slow path; br $outer; end $outer; unreachable; end $done
				r.flush(d.pos)
				r.out = append(r.out, 0x0c, 0x02, 0x0b)
				var save []savedLocal
				if top.index >= 0 && top.index < len(r.scan.loops) {
					save = r.scan.loops[top.index].save
				}
				r.out = g.appendLoopSlow(r.out, r.c, save)
				r.out = append(r.out, 0x0c, 0x00, 0x0b, 0x00, 0x0b)
			}
			continue
		case 0x10, 0x12: // call, return_call
			d.pos++
			idx, err := d.u32()
			if err != nil {
				return err
			}
			if g.checks == ChecksNone {
				continue
			}
			if op == 0x12 {
				r.flushBeforeReturn(p)
			}
			if full && r.chargeI < len(r.scan.charges) && r.scan.charges[r.chargeI].pos == p {
				r.flush(p)
				r.out = g.appendCharge(r.out, r.scan.charges[r.chargeI].w, false)
				r.chargeI++
			}
			if idx < info.importFuncs {
				r.afterCall(p, idx, op == 0x12, 0x10, nil)
			} else if full {
				r.leafCall(p, idx-info.importFuncs)
			}
			continue
		case 0x0f: // return
			r.flushBeforeReturn(p)
		case 0x11, 0x13, 0x14, 0x15: // call_indirect, return_call_indirect, call_ref, return_call_ref
			if op == 0x13 || op == 0x15 {
				r.flushBeforeReturn(p)
			}
			if _, err := d.instr(); err != nil {
				return err
			}
			if g.checks != ChecksNone && info.importsEscape {
				imm := d.b[p+1 : d.pos]
				base := op
				if op == 0x13 || op == 0x15 {
					base = op - 2
				}
				r.afterCall(p, 0, op == 0x13 || op == 0x15, base, imm)
			}
			continue
		case 0xfc:
			sub, ok := fcSub(d.b[p+1:])
			if _, err := d.instr(); err != nil {
				return err
			}
			if ok && isBulk(sub) && g.checks != ChecksNone {
				r.flush(p)
				if full {
					r.out = appendU32(append(r.out, 0x22), r.n) // local.tee n
					r.flush(d.pos)
					r.out = g.appendBulkCharge(r.out, r.n)
				} else {
					r.flush(d.pos)
					r.out = g.appendFlagCheck(r.out)
				}
			}
			continue
		}
		if _, err := d.instr(); err != nil {
			return err
		}
	}
	return d.fail("function body does not end with end")
}

// flushBeforeReturn flushes the loop count before the return or tail call
// at p, in a function that flushes.
func (r *rewriter) flushBeforeReturn(p int) {
	if r.g.checks == ChecksFull && r.scan.flush {
		r.flush(p)
		r.out = r.g.appendFlush(r.out, r.c)
	}
}

// afterCall puts a check after the call at p, which ends at d.pos. A tail
// call is turned into a call, the check and a return, so that the check
// runs. For direct calls base is call (0x10) and idx the callee; for
// indirect ones base is the non-tail opcode and imm its immediates.
func (r *rewriter) afterCall(p int, idx uint32, tail bool, base byte, imm []byte) {
	g := r.g
	if tail {
		r.flush(p)
		r.out = append(r.out, base)
		if imm != nil {
			r.out = append(r.out, imm...)
		} else {
			r.out = appendU32(r.out, idx)
		}
		r.last = r.d.pos
	} else {
		r.flush(r.d.pos)
	}
	r.out = g.appendFlagCheck(r.out)
	if g.checks == ChecksFull {
		r.count(importWeight)
	}
	if tail {
		r.out = append(r.out, 0x0f) // return
	}
}

// leafCall accounts for a direct call of a defined function: a leaf has
// no check of its own, so its weight is charged here once leaf calls in a
// row add up to midBudget.
func (r *rewriter) leafCall(p int, callee uint32) {
	w := r.g.info.leafWeight(callee)
	if w == 0 {
		return
	}
	r.flush(p)
	r.count(w)
}

// count adds w to the weight of calls since the last charge, and charges
// it (at the end of the output so far) once it reaches midBudget. Loops
// count the same calls again in their own weight.
func (r *rewriter) count(w uint32) {
	r.acc += uint64(w)
	if r.acc < midBudget {
		return
	}
	r.out = r.g.appendCharge(r.out, clampWeight(r.acc), false)
	r.acc = 0
}

// tryTable copies a try_table instruction, retargeting its catch labels
// (relative to the block around the try_table).
func (r *rewriter) tryTable() error {
	d := &r.d
	d.pos++
	if err := d.blockType(); err != nil {
		return err
	}
	n, err := d.u32()
	if err != nil {
		return err
	}
	for i := uint32(0); i < n; i++ {
		kind, err := d.readByte()
		if err != nil {
			return err
		}
		switch kind {
		case 0x00, 0x01:
			if err := d.skipLEB(5); err != nil {
				return err
			}
		case 0x02, 0x03:
		default:
			d.pos--
			return d.failf("unknown catch clause kind 0x%02x", kind)
		}
		if err := r.retarget(); err != nil {
			return err
		}
	}
	return nil
}
