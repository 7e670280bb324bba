package wasmbin

// maxUnrollBody: a loop whose code is at most this many bytes, and that
// holds no other loop, call, bulk instruction, return or exception
// handling, is unrolled once (see unrollLoops).
const maxUnrollBody = 64

// copies is how many times a loop body of size bytes is copied: the
// smaller the body, the more the counter weighs on an iteration.
func copies(size int) int {
	if size <= maxUnrollBody/2 {
		return 4
	}
	return 2
}

// hasSmallLoop reports whether f has a loop that unrollLoops might copy:
// one whose code is at most maxUnrollBody bytes (the rest it checks).
func (f *funcScan) hasSmallLoop() bool {
	for _, l := range f.loops {
		// l.start is the loop instruction, l.end just past its end; the
		// block type takes a byte or more.
		if l.end-l.start-3 <= maxUnrollBody {
			return true
		}
	}
	return false
}

// unrolledLoop is a loop of a function body that unrollLoops copies.
type unrolledLoop struct {
	op, body, end int // the loop instruction, its first instruction, its end
	bt            []byte
}

// unrollLoops returns body (a function body: locals and code) with every
// small innermost loop run twice per check. The loop's counter then costs
// one add, compare and branch per two iterations, where it cost one per
// iteration: in the tightest loops (a byte scan is five or six
// instructions) that is most of what the checks cost. Each such loop
//
//	loop bt  BODY  end
//
// becomes
//
//	block $x bt
//	  loop $L bt
//	    block $c  BODY[$L -> $c]  br $x  end   ;; iteration 1: continuing goes on to
//	    BODY                                   ;; iteration 2: continuing goes to $L
//	  end
//	end
//
// with the branches in the copies that leave the loop re-targeted past the
// added labels, and loops charges the whole of $L at its header (no count
// point inside: an iteration runs at most all of it). It returns the
// positions of the unrolled loops' loop instructions in the result, or
// body itself and nil when no loop qualifies (or the body does not
// decode: the scan reports that).
func (m *moduleInfo) unrollLoops(body []byte) ([]byte, map[int]bool) {
	loops := m.unrollable(body)
	if len(loops) == 0 {
		return body, nil
	}
	out := make([]byte, 0, len(body)+len(loops)*(maxUnrollBody+8))
	simple := make(map[int]bool, len(loops))
	last := 0
	for _, l := range loops {
		out = append(out, body[last:l.op]...)
		out = append(append(out, 0x02), l.bt...) // block $x bt
		simple[len(out)] = true
		out = append(append(out, 0x03), l.bt...) // loop $L bt
		for range copies(l.end-l.body) - 1 {
			out = append(out, 0x02, blockEmpty) // block $c
			out = retargetCopy(out, body[l.body:l.end], 2)
			out = append(out, 0x0c, 0x02, 0x0b) // br $x; end $c
		}
		out = retargetCopy(out, body[l.body:l.end], 1)
		out = append(out, 0x0b, 0x0b) // end $L; end $x
		last = l.end + 1
	}
	return append(out, body[last:]...), simple
}

// unrollable returns the loops of body that unrollLoops copies, in order.
func (m *moduleInfo) unrollable(body []byte) []unrolledLoop {
	d := decoder{b: body}
	if _, err := skipLocals(&d); err != nil {
		return nil
	}
	type open struct {
		loop int // index in found, or -1
	}
	var (
		stack []open
		found []unrolledLoop
		ok    []bool
	)
	spoil := func() { // the open loops are not candidates
		for _, o := range stack {
			if o.loop >= 0 {
				ok[o.loop] = false
			}
		}
	}
	for d.pos < len(d.b) {
		p := d.pos
		op := d.b[p]
		switch op {
		case 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0f, 0x10, 0x11, 0x12, 0x13, 0x14, 0x15,
			0x18, 0x19, 0x1f, 0xd5, 0xd6, 0xfb, 0xfe:
			// exceptions, return, calls, br_on_*, GC and atomic prefixes
			spoil()
		case 0xfc:
			if sub, ok := fcSub(d.b[p+1:]); !ok || isBulk(sub) {
				spoil()
			}
		}
		kind, err := d.instr()
		if err != nil {
			return nil
		}
		switch kind {
		case kindBlock:
			stack = append(stack, open{loop: -1})
		case kindLoop:
			spoil()
			bt := d.b[p+1 : d.pos]
			stack = append(stack, open{loop: len(found)})
			found = append(found, unrolledLoop{op: p, body: d.pos, bt: bt})
			ok = append(ok, !m.blockParams(bt))
		case kindDelegate:
			if len(stack) == 0 {
				return nil
			}
			stack = stack[:len(stack)-1]
		case kindEnd:
			if len(stack) == 0 {
				if !d.done() {
					return nil
				}
				var loops []unrolledLoop
				for i, l := range found {
					if ok[i] {
						loops = append(loops, l)
					}
				}
				return loops
			}
			if k := stack[len(stack)-1].loop; k >= 0 {
				found[k].end = p
				ok[k] = ok[k] && p-found[k].body <= maxUnrollBody
			}
			stack = stack[:len(stack)-1]
		}
	}
	return nil
}

// retargetCopy appends code, the body of an unrolled loop (blocks,
// branches and plain instructions only), with every branch that leaves
// the loop deepened by extra labels.
func retargetCopy(out, code []byte, extra uint32) []byte {
	d := decoder{b: code}
	depth := uint32(0) // blocks open inside the loop
	last := 0
	retarget := func() {
		p := d.pos
		l, _ := d.u32()
		if l > depth {
			out = append(out, code[last:p]...)
			out = appendU32(out, l+extra)
			last = d.pos
		}
	}
	for d.pos < len(code) {
		switch code[d.pos] {
		case 0x0c, 0x0d: // br, br_if
			d.pos++
			retarget()
			continue
		case 0x0e: // br_table
			d.pos++
			n, _ := d.u32()
			for i := uint64(0); i <= uint64(n); i++ {
				retarget()
			}
			continue
		}
		kind, _ := d.instr()
		switch kind {
		case kindBlock:
			depth++
		case kindEnd:
			depth--
		}
	}
	return append(out, code[last:]...)
}
