package wasmbin

// Instruction kinds reported by decoder.instr, as far as block structure
// is concerned.
const (
	kindPlain    = iota
	kindBlock    // block, if, try, try_table: opens a block
	kindLoop     // loop: opens a block; the instrumentation point
	kindEnd      // end: closes a block or the whole expression
	kindDelegate // delegate (legacy exceptions): closes a try block
)

// Immediate layouts of the one-byte opcodes.
const (
	immInvalid  = iota
	immNone     // no immediate
	immBlock    // block type
	immLoop     // block type (loop)
	immEnd      // end
	immDelegate // delegate label
	immIdx      // one u32 LEB128
	immIdx2     // two u32 LEB128
	immBrTable  // vec(label) label
	immMemarg   // memarg
	immI32      // s32 LEB128
	immI64      // s64 LEB128
	immF32      // 4 bytes
	immF64      // 8 bytes
	immSelectT  // vec(valtype)
	immTryTable // block type, vec(catch clause)
	immHeapType // s33 heap type (ref.null)
	immPrefixFC // misc: saturating truncation, bulk memory, tables
	immPrefixFD // SIMD
	immPrefixFE // threads
)

// opImm maps each one-byte opcode to its immediate layout.
var opImm = func() (t [256]uint8) {
	set := func(imm uint8, ops ...byte) {
		for _, op := range ops {
			t[op] = imm
		}
	}
	setRange := func(imm uint8, lo, hi byte) {
		for op := int(lo); op <= int(hi); op++ {
			t[op] = imm
		}
	}
	set(immNone,
		0x00, 0x01, // unreachable, nop
		0x05,       // else
		0x0a,       // throw_ref
		0x0f,       // return
		0x19,       // catch_all (legacy)
		0x1a, 0x1b, // drop, select
		0xd1, // ref.is_null
		0xd4, // ref.as_non_null
	)
	set(immBlock, 0x02, 0x04, 0x06) // block, if, try (legacy)
	set(immLoop, 0x03)
	set(immEnd, 0x0b)
	set(immDelegate, 0x18)
	set(immIdx,
		0x07, 0x08, 0x09, // catch, throw, rethrow
		0x0c, 0x0d, // br, br_if
		0x10, 0x12, // call, return_call
		0x14, 0x15, // call_ref, return_call_ref
		0x20, 0x21, 0x22, 0x23, 0x24, // local.*, global.*
		0x25, 0x26, // table.get, table.set
		0x3f, 0x40, // memory.size, memory.grow (memory index)
		0xd2,       // ref.func
		0xd5, 0xd6, // br_on_null, br_on_non_null
	)
	set(immIdx2, 0x11, 0x13) // call_indirect, return_call_indirect
	set(immBrTable, 0x0e)
	setRange(immMemarg, 0x28, 0x3e) // loads and stores
	set(immI32, 0x41)
	set(immI64, 0x42)
	set(immF32, 0x43)
	set(immF64, 0x44)
	setRange(immNone, 0x45, 0xc4) // numeric, incl. sign extension
	set(immSelectT, 0x1c)
	set(immTryTable, 0x1f)
	set(immHeapType, 0xd0)
	set(immPrefixFC, 0xfc)
	set(immPrefixFD, 0xfd)
	set(immPrefixFE, 0xfe)
	return t
}()

// Immediate layouts of SIMD (0xFD) sub-opcodes.
const (
	simdInvalid = iota
	simdNone
	simdMemarg
	simdBytes16 // v128.const, i8x16.shuffle
	simdLane    // extract/replace lane
	simdMemLane // load/store lane: memarg + lane
)

var simdImm = func() (t [256]uint8) {
	for op := range t {
		switch {
		case op <= 0x0b, op == 0x5c, op == 0x5d:
			t[op] = simdMemarg
		case op == 0x0c, op == 0x0d:
			t[op] = simdBytes16
		case op >= 0x15 && op <= 0x22:
			t[op] = simdLane
		case op >= 0x54 && op <= 0x5b:
			t[op] = simdMemLane
		default:
			t[op] = simdNone
		}
	}
	// Opcodes left unassigned by the SIMD proposal.
	for _, op := range []byte{0x9a, 0xa2, 0xa5, 0xa6, 0xaf, 0xb0, 0xb2, 0xb3, 0xb4,
		0xbb, 0xc2, 0xc5, 0xc6, 0xcf, 0xd0, 0xd2, 0xd3, 0xd4, 0xe2, 0xee} {
		t[op] = simdInvalid
	}
	return t
}()

// instr decodes the instruction at d.pos, which must be in bounds, and
// advances past it and its immediates.
func (d *decoder) instr() (int, error) {
	op := d.b[d.pos]
	d.pos++
	switch opImm[op] {
	case immNone:
		return kindPlain, nil
	case immIdx:
		if d.checkGlobals && (op == 0x23 || op == 0x24) {
			idx, err := d.u32()
			if err == nil && idx >= d.globals {
				d.pos--
				err = d.failf("global index %d out of range (%d globals)", idx, d.globals)
			}
			return kindPlain, err
		}
		return kindPlain, d.skipLEB(5)
	case immMemarg:
		return kindPlain, d.memarg()
	case immI32:
		return kindPlain, d.skipLEB(5)
	case immBlock:
		return kindBlock, d.blockType()
	case immLoop:
		return kindLoop, d.blockType()
	case immEnd:
		return kindEnd, nil
	case immDelegate:
		return kindDelegate, d.skipLEB(5)
	case immIdx2:
		if err := d.skipLEB(5); err != nil {
			return 0, err
		}
		return kindPlain, d.skipLEB(5)
	case immBrTable:
		return kindPlain, d.brTable()
	case immI64:
		return kindPlain, d.skipLEB(10)
	case immF32:
		return kindPlain, d.skip(4)
	case immF64:
		return kindPlain, d.skip(8)
	case immSelectT:
		return kindPlain, d.selectTypes()
	case immTryTable:
		return kindBlock, d.tryTable()
	case immHeapType:
		return kindPlain, d.skipLEB(5)
	case immPrefixFC:
		return kindPlain, d.prefixFC()
	case immPrefixFD:
		return kindPlain, d.prefixFD()
	case immPrefixFE:
		return kindPlain, d.prefixFE()
	}
	d.pos--
	return 0, d.failf("unknown opcode 0x%02x", op)
}

// memarg skips align (with the multi-memory flag bit 6 announcing a
// memory index) and offset.
func (d *decoder) memarg() error {
	align, err := d.u32()
	if err != nil {
		return err
	}
	if align&0x40 != 0 {
		if err := d.skipLEB(5); err != nil {
			return err
		}
	}
	return d.skipLEB(10) // u64 offset under memory64
}

func (d *decoder) brTable() error {
	n, err := d.u32()
	if err != nil {
		return err
	}
	// Each label takes at least one byte, so the loop is bounded by the
	// input even for a bogus count.
	for i := uint64(0); i <= uint64(n); i++ {
		if err := d.skipLEB(5); err != nil {
			return err
		}
	}
	return nil
}

func (d *decoder) selectTypes() error {
	n, err := d.u32()
	if err != nil {
		return err
	}
	for i := uint32(0); i < n; i++ {
		if err := d.valType(); err != nil {
			return err
		}
	}
	return nil
}

func (d *decoder) tryTable() error {
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
		case 0x00, 0x01: // catch, catch_ref: tag index, label
			if err := d.skipLEB(5); err != nil {
				return err
			}
		case 0x02, 0x03: // catch_all, catch_all_ref: label
		default:
			d.pos--
			return d.failf("unknown catch clause kind 0x%02x", kind)
		}
		if err := d.skipLEB(5); err != nil {
			return err
		}
	}
	return nil
}

func (d *decoder) prefixFC() error {
	start := d.pos - 1
	sub, err := d.u32()
	if err != nil {
		return err
	}
	switch {
	case sub <= 0x07: // *.trunc_sat_*
		return nil
	case sub == 0x09 || sub == 0x0b || sub == 0x0d || sub >= 0x0f && sub <= 0x11:
		// data.drop, memory.fill, elem.drop, table.grow/size/fill
		return d.skipLEB(5)
	case sub <= 0x0e:
		// memory.init, memory.copy, table.init, table.copy
		if err := d.skipLEB(5); err != nil {
			return err
		}
		return d.skipLEB(5)
	}
	d.pos = start
	return d.failf("unknown opcode 0xfc %d", sub)
}

// wazero 1.12 reads the sub-opcodes of the 0xFD and 0xFE prefixes as
// single bytes rather than as LEB128 numbers. The two readings agree on
// every minimal encoding (0x80-0xFF take two bytes, the second 0x01, which
// wazero runs as a nop) but not on padded ones, after which wazero would
// see other instruction boundaries than we do. Such padding is legal but
// no toolchain emits it, so it is rejected.

func (d *decoder) prefixFD() error {
	start := d.pos - 1
	sub, err := d.u32()
	if err != nil {
		return err
	}
	imm := uint8(simdInvalid)
	if n := d.pos - start - 1; sub < 256 && n == lenU32(sub) {
		imm = simdImm[sub]
	}
	switch imm {
	case simdNone:
		return nil
	case simdMemarg:
		return d.memarg()
	case simdBytes16:
		return d.skip(16)
	case simdLane:
		return d.skip(1)
	case simdMemLane:
		if err := d.memarg(); err != nil {
			return err
		}
		return d.skip(1)
	}
	d.pos = start
	return d.failf("unknown opcode 0xfd %d", sub)
}

func (d *decoder) prefixFE() error {
	start := d.pos - 1
	sub, err := d.u32()
	if err != nil {
		return err
	}
	if d.pos-start-1 != lenU32(sub) {
		d.pos = start
		return d.failf("padded opcode 0xfe %d", sub)
	}
	switch {
	case sub == 0x03: // atomic.fence
		c, err := d.readByte()
		if err != nil {
			return err
		}
		if c != 0 {
			d.pos--
			return d.fail("atomic.fence reserved byte not zero")
		}
		return nil
	case sub <= 0x02 || sub >= 0x10 && sub <= 0x4e:
		return d.memarg()
	}
	d.pos = start
	return d.failf("unknown opcode 0xfe %d", sub)
}
