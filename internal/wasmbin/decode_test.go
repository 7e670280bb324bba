package wasmbin

import (
	"bytes"
	"errors"
	"testing"
)

// Tiny binary assembler for hand-made modules.

func cat(parts ...[]byte) []byte { return bytes.Join(parts, nil) }

func leb(v uint32) []byte { return appendU32(nil, v) }

// section frames content as section id.
func section(id byte, content ...[]byte) []byte {
	c := cat(content...)
	return cat([]byte{id}, leb(uint32(len(c))), c)
}

// vec prefixes the concatenated items with their count.
func vec(items ...[]byte) []byte { return cat(leb(uint32(len(items))), cat(items...)) }

// body frames a function body (locals and code) with its size.
func body(code ...[]byte) []byte {
	c := cat(code...)
	return cat(leb(uint32(len(c))), c)
}

func module(sections ...[]byte) []byte { return cat(wasmHeader, cat(sections...)) }

var (
	typeSec  = section(secType, vec([]byte{0x60, 0, 0})) // (func)
	funcSec1 = section(secFunction, vec([]byte{0}))
	noLocals = []byte{0}
	check0   = flagCheck(0)
	newTab0  = section(secTable, vec(yieldTable))
	newGlob0 = section(secGlobal, vec(newGlobal, newCountdown))
	newExp0  = section(secExport, vec(cat([]byte{byte(len(InterruptExport))}, []byte(InterruptExport), []byte{externGlobal, 0})))
)

// flagCheck is what ChecksInterruptOnly inserts: global.get flag; if; unreachable; end.
func flagCheck(flag uint32) []byte {
	return (&codegen{flag: flag}).appendFlagCheck(nil)
}

// instrumentLight instruments with ChecksInterruptOnly, whose output is
// easy to spell out byte for byte: a flag check at every function entry
// and loop header and after every imported call and bulk instruction.
func instrumentLight(in []byte) ([]byte, error) {
	m, err := InstrumentModule(in, Options{Checks: ChecksInterruptOnly})
	if err != nil {
		return nil, err
	}
	return m.Binary, nil
}

// TestImmediates places one instruction (with its own ends, if any)
// inside a loop and compares the whole output with the expected bytes.
// Immediates are full of 0x03 0x40 (loop, empty block type) bytes that a
// decoding slip would mistake for a loop.
func TestImmediates(t *testing.T) {
	b16 := bytes.Repeat([]byte{0x03, 0x40}, 8)
	tests := []struct {
		name  string
		instr []byte
		want  []byte // the instruction as instrumented, if it differs
	}{
		{"i32.const", []byte{0x41, 0x83, 0x03}, nil},
		{"i64.const 10 bytes", cat([]byte{0x42}, bytes.Repeat([]byte{0x83}, 9), []byte{0x00}), nil},
		{"f32.const", []byte{0x43, 0x03, 0x40, 0x03, 0x40}, nil},
		{"f64.const", []byte{0x44, 0x03, 0x40, 0x03, 0x40, 0x03, 0x40, 0x03, 0x40}, nil},
		{"br_table", []byte{0x0e, 0x03, 0x03, 0x40, 0x83, 0x00, 0x03}, nil},
		{"call_indirect", []byte{0x11, 0x03, 0x83, 0x00}, nil},
		{"return_call_indirect", []byte{0x13, 0x03, 0x03}, nil},
		{"return_call", []byte{0x12, 0x03}, nil},
		{"i32.load", []byte{0x28, 0x03, 0x03}, nil},
		{"i64.store multi-memory", []byte{0x37, 0x43, 0x03, 0x03}, nil},
		{"i32.load memory64 offset", cat([]byte{0x28, 0x02}, bytes.Repeat([]byte{0x83}, 9), []byte{0x01}), nil},
		{"memory.size/grow", []byte{0x3f, 0x00, 0x40, 0x00}, nil},
		{"local", []byte{0x20, 0x03, 0x21, 0x03, 0x22, 0x83, 0x03}, nil},
		{"select t", []byte{0x1c, 0x02, 0x7f, 0x63, 0x03}, nil},
		{"ref.null/is_null/func", []byte{0xd0, 0x70, 0xd0, 0x6f, 0xd0, 0x03, 0xd1, 0xd2, 0x03}, nil},
		{"table.get/set", []byte{0x25, 0x03, 0x26, 0x03}, nil},
		{"function references", []byte{0x14, 0x03, 0x15, 0x03, 0xd4, 0xd5, 0x03, 0xd6, 0x03}, nil},
		{"block with type index", []byte{0x02, 0x03, 0x0b, 0x04, 0x83, 0x00, 0x05, 0x0b}, nil},
		{"block with ref type", []byte{0x02, 0x63, 0x03, 0x0b, 0x02, 0x64, 0x70, 0x0b}, nil},
		{"try_table", []byte{0x1f, 0x40, 0x04, 0x00, 0x03, 0x03, 0x01, 0x03, 0x03, 0x02, 0x03, 0x03, 0x03, 0x0b, 0x0a}, nil},
		{"legacy try", []byte{0x06, 0x40, 0x08, 0x03, 0x07, 0x03, 0x09, 0x03, 0x19, 0x0b, 0x06, 0x03, 0x18, 0x03}, nil},
		{"0xfc trunc_sat", []byte{0xfc, 0x00, 0xfc, 0x07}, nil},
		{"0xfc bulk", []byte{0xfc, 0x08, 0x03, 0x00, 0xfc, 0x09, 0x03, 0xfc, 0x0a, 0x00, 0x00, 0xfc, 0x0b, 0x00},
			cat([]byte{0xfc, 0x08, 0x03, 0x00}, check0, []byte{0xfc, 0x09, 0x03, 0xfc, 0x0a, 0x00, 0x00}, check0, []byte{0xfc, 0x0b, 0x00}, check0)},
		{"0xfc table", []byte{0xfc, 0x0c, 0x03, 0x03, 0xfc, 0x0d, 0x03, 0xfc, 0x0e, 0x03, 0x03, 0xfc, 0x0f, 0x03, 0xfc, 0x10, 0x03, 0xfc, 0x11, 0x03},
			cat([]byte{0xfc, 0x0c, 0x03, 0x03}, check0, []byte{0xfc, 0x0d, 0x03, 0xfc, 0x0e, 0x03, 0x03}, check0,
				[]byte{0xfc, 0x0f, 0x03}, check0, []byte{0xfc, 0x10, 0x03, 0xfc, 0x11, 0x03}, check0)},
		{"0xfc non-minimal sub-opcode", []byte{0xfc, 0x90, 0x80, 0x80, 0x80, 0x00, 0x03}, nil},
		{"v128.load", []byte{0xfd, 0x00, 0x03, 0x03, 0xfd, 0x0b, 0x03, 0x03}, nil},
		{"v128.const", cat([]byte{0xfd, 0x0c}, b16), nil},
		{"i8x16.shuffle", cat([]byte{0xfd, 0x0d}, b16), nil},
		{"lane ops", []byte{0xfd, 0x15, 0x03, 0xfd, 0x22, 0x03, 0xfd, 0x0e, 0xfd, 0x14}, nil},
		{"load/store lane", []byte{0xfd, 0x54, 0x03, 0x03, 0x03, 0xfd, 0x5b, 0x43, 0x03, 0x03, 0x03}, nil},
		{"load zero", []byte{0xfd, 0x5c, 0x03, 0x03, 0xfd, 0x5d, 0x03, 0x03}, nil},
		{"two-byte simd opcodes", []byte{0xfd, 0x80, 0x01, 0xfd, 0xff, 0x01, 0xfd, 0x9b, 0x01}, nil},
		{"atomics", []byte{0xfe, 0x00, 0x02, 0x03, 0xfe, 0x02, 0x03, 0x03, 0xfe, 0x10, 0x02, 0x03, 0xfe, 0x4e, 0x03, 0x03}, nil},
		{"atomic.fence", []byte{0xfe, 0x03, 0x00}, nil},
		{"numeric", []byte{0x45, 0x6a, 0xbf, 0xc0, 0xc4, 0x1a, 0x1b, 0x01}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := module(typeSec, funcSec1, section(secCode, vec(body(noLocals,
				[]byte{0x03, 0x40}, tt.instr, []byte{0x0b, 0x0b}))))
			instr := tt.instr
			if tt.want != nil {
				instr = tt.want
			}
			want := module(typeSec, funcSec1, newTab0, newGlob0, newExp0, section(secCode, vec(body(noLocals,
				check0, []byte{0x03, 0x40}, check0, instr, []byte{0x0b, 0x0b}))))
			got, err := instrumentLight(in)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want) {
				t.Fatalf("got  %x\nwant %x", got, want)
			}
		})
	}
}

// Loops with every kind of block type, nested, with locals and with a
// large global index (multi-byte LEB128 in the check).
func TestLoops(t *testing.T) {
	// 200 imported globals: the interrupt global gets index 200 (c8 01).
	imp := make([][]byte, 200)
	for i := range imp {
		imp[i] = []byte{1, 'm', 1, 'g', externGlobal, typeI32, 0}
	}
	check := flagCheck(200)
	locals := []byte{2, 3, typeI32, 0x80, 0x01, typeV128}
	code := func(c []byte) []byte {
		return cat([]byte{0x03, 0x7f}, c, []byte{0x03, 0x80, 0x01}, c, []byte{0x03, 0x63, 0x70}, c,
			[]byte{0x03, 0x40}, c, []byte{0x03, 0x40}, c, []byte{0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b})
	}
	in := module(typeSec, section(secImport, vec(imp...)), funcSec1,
		section(secCode, vec(body(locals, code(nil)))))
	want := module(typeSec, section(secImport, vec(imp...)), funcSec1, newTab0,
		section(secGlobal, vec(newGlobal, newCountdown)),
		section(secExport, vec(cat([]byte{byte(len(InterruptExport))}, []byte(InterruptExport), []byte{externGlobal, 0xc8, 0x01}))),
		section(secCode, vec(body(locals, check, code(check)))))
	got, err := instrumentLight(in)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("got  %x\nwant %x", got, want)
	}
}

// Existing global and export sections are extended, and sections the
// instrumenter does not rewrite are kept byte for byte, custom sections
// included, wherever they are.
func TestSectionsPreserved(t *testing.T) {
	custom := func(name string) []byte {
		return section(secCustom, []byte{byte(len(name))}, []byte(name), []byte{1, 2, 3})
	}
	glob := []byte{typeI64, 0, 0x42, 0x03, 0x0b}
	exp := cat([]byte{1, 'f', externFunc, 0})
	tag := section(secTag, vec([]byte{0, 0}))
	start := section(secStart, []byte{0})
	elem := section(secElement, vec([]byte{1, 0x70, 0}))
	dcount := section(secDataCount, []byte{0})
	data := section(secData, vec())
	mem := section(secMemory, vec([]byte{0, 1}))
	in := module(custom("a"), typeSec, custom("b"), funcSec1, mem, tag, custom("c"),
		section(secGlobal, vec(glob)), section(secExport, vec(exp)), start, elem, dcount, custom("d"),
		section(secCode, vec(body(noLocals, []byte{0x0b}))), data, custom("e"))
	_ = start // the start section becomes an export
	want := module(custom("a"), typeSec, custom("b"), funcSec1, newTab0, mem, tag, custom("c"),
		section(secGlobal, vec(glob, newGlobal, newCountdown)),
		section(secExport, vec(exp, cat([]byte{byte(len(InterruptExport))}, []byte(InterruptExport), []byte{externGlobal, 1}),
			cat([]byte{byte(len(StartExport))}, []byte(StartExport), []byte{externFunc, 0}))),
		elem, dcount, custom("d"),
		section(secCode, vec(body(noLocals, flagCheck(1), []byte{0x0b}))), data, custom("e"))
	got, err := instrumentLight(in)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("got  %x\nwant %x", got, want)
	}
}

// The created sections go right before the first section that follows
// them in the section order.
func TestCreatedSectionPlacement(t *testing.T) {
	code := section(secCode, vec(body(noLocals, []byte{0x0b})))
	codeOut := section(secCode, vec(body(noLocals, check0, []byte{0x0b})))
	for _, tc := range []struct {
		name    string
		in, out []byte
	}{
		{"before start", module(typeSec, funcSec1, section(secStart, []byte{0}), code),
			module(typeSec, funcSec1, newTab0, newGlob0, section(secExport, vec(
				cat([]byte{byte(len(InterruptExport))}, []byte(InterruptExport), []byte{externGlobal, 0}),
				cat([]byte{byte(len(StartExport))}, []byte(StartExport), []byte{externFunc, 0}))), codeOut)},
		{"export exists", module(typeSec, funcSec1, section(secExport, vec()), code),
			module(typeSec, funcSec1, newTab0, newGlob0, newExp0, codeOut)},
		{"global exists", module(typeSec, funcSec1, section(secGlobal, vec()), code),
			module(typeSec, funcSec1, newTab0, newGlob0, newExp0, codeOut)},
		{"at the end", module(typeSec, section(secCustom, []byte{1, 'x'})),
			module(typeSec, section(secCustom, []byte{1, 'x'}), newTab0, newGlob0, newExp0)},
		{"after tag", module(section(secTag, vec()), section(secData, vec())),
			module(newTab0, section(secTag, vec()), newGlob0, newExp0, section(secData, vec()))},
	} {
		got, err := instrumentLight(tc.in)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if !bytes.Equal(got, tc.out) {
			t.Fatalf("%s:\ngot  %x\nwant %x", tc.name, got, tc.out)
		}
	}
}

func TestMalformed(t *testing.T) {
	code := func(c ...byte) []byte {
		return module(typeSec, funcSec1, section(secCode, vec(body(noLocals, c))))
	}
	withLocals := func(locals ...byte) []byte {
		return module(typeSec, funcSec1, section(secCode, vec(body(locals, []byte{0x0b}))))
	}
	tests := map[string][]byte{
		"empty":                 nil,
		"bad magic":             []byte("\x00asn\x01\x00\x00\x00"),
		"bad version":           []byte("\x00asm\x02\x00\x00\x00"),
		"section past end":      cat(wasmHeader, []byte{secType, 5, 0}),
		"section size overflow": cat(wasmHeader, []byte{secType, 0x80, 0x80, 0x80, 0x80, 0x10}),
		"truncated size":        cat(wasmHeader, []byte{secType, 0x80}),
		"unknown section":       module(section(14)),
		"out of order":          module(funcSec1, typeSec),
		"repeated":              module(typeSec, typeSec),
		"tag after global":      module(section(secGlobal, vec()), section(secTag, vec())),
		"datacount after code":  module(section(secCode, vec()), section(secDataCount, []byte{0})),
		"custom without name":   module(section(secCustom)),
		"custom name too long":  module(section(secCustom, []byte{5, 'a'})),
		"unknown opcode 0x27":   code(0x27, 0x0b),
		"unknown opcode 0xd3":   code(0xd3, 0x0b),
		"GC prefix 0xfb":        code(0xfb, 0x00, 0x0b),
		"unknown 0xfc":          code(0xfc, 0x12, 0x0b),
		"unknown 0xfd":          code(0xfd, 0x9a, 0x01, 0x0b),
		"0xfd above 255":        code(0xfd, 0x80, 0x02, 0x0b),
		"unknown 0xfe":          code(0xfe, 0x04, 0x0b),
		"padded 0xfd":           code(0xfd, 0x8e, 0x00, 0x0b),
		"padded 0xfd above 127": code(0xfd, 0x80, 0x81, 0x00, 0x0b),
		"padded 0xfe":           code(0xfe, 0x83, 0x00, 0x00, 0x0b),
		"fence byte":            code(0xfe, 0x03, 0x01, 0x0b),
		"catch kind":            code(0x1f, 0x40, 0x01, 0x04, 0x00, 0x0b, 0x0b),
		"truncated immediate":   code(0x41, 0x80),
		"long LEB128":           code(0x41, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00, 0x0b),
		"truncated f64":         code(0x44, 0, 0, 0, 0x0b),
		"no final end":          code(0x01, 0x01),
		"unclosed block":        code(0x02, 0x40, 0x0b),
		"bytes after end":       code(0x0b, 0x01),
		"delegate at top":       code(0x18, 0x00, 0x0b),
		"empty body":            module(typeSec, funcSec1, section(secCode, vec(body()))),
		"GC value type":         withLocals(1, 1, 0x6e),
		"bad local type":        withLocals(1, 1, 0x40),
		"too many locals":       withLocals(2, 0xff, 0xff, 0xff, 0xff, 0x0f, typeI32, 1, typeI32),
		"body past section":     module(typeSec, funcSec1, section(secCode, []byte{1, 9, 0, 0x0b})),
		"code count too big":    module(typeSec, funcSec1, section(secCode, []byte{2, 2, 0, 0x0b})),
		"code section trailing": module(typeSec, funcSec1, section(secCode, []byte{1, 2, 0, 0x0b, 0})),
		"global mutability":     module(section(secGlobal, vec([]byte{typeI32, 2, 0x41, 0, 0x0b}))),
		"global unterminated":   module(section(secGlobal, vec([]byte{typeI32, 0, 0x41, 0}))),
		"global trailing":       module(section(secGlobal, vec([]byte{typeI32, 0, 0x41, 0, 0x0b}), []byte{0})),
		"too many globals": module(section(secImport, vec([]byte{0, 0, externGlobal, typeI32, 0})),
			section(secGlobal, []byte{0xfe, 0xff, 0xff, 0xff, 0x0f})),
		"export kind":        module(section(secExport, vec([]byte{1, 'f', 5, 0}))),
		"export trailing":    module(section(secExport, vec([]byte{1, 'f', 0, 0}), []byte{0})),
		"import kind":        module(section(secImport, vec([]byte{0, 0, 5, 0}))),
		"import limits":      module(section(secImport, vec([]byte{0, 0, externMemory, 8, 0}))),
		"import tag attr":    module(section(secImport, vec([]byte{0, 0, externTag, 1, 0}))),
		"import table type":  module(section(secImport, vec([]byte{0, 0, externTable, 0x7f, 0, 0}))),
		"import name length": module(section(secImport, vec([]byte{9, 0, externFunc, 0}))),
		"import trailing":    module(section(secImport, vec([]byte{0, 0, externFunc, 0}), []byte{0})),
	}
	for name, in := range tests {
		out, err := Instrument(in)
		if !errors.Is(err, ErrMalformed) {
			t.Errorf("%s: got (%x, %v), want ErrMalformed", name, out, err)
		}
	}
}

func TestExportExistsByteLevel(t *testing.T) {
	name := cat([]byte{byte(len(InterruptExport))}, []byte(InterruptExport))
	in := module(typeSec, funcSec1, section(secExport, vec(cat([]byte{1, 'f', externFunc, 0}), cat(name, []byte{externFunc, 0}))),
		section(secCode, vec(body(noLocals, []byte{0x0b}))))
	if _, err := Instrument(in); !errors.Is(err, ErrExportExists) || errors.Is(err, ErrMalformed) {
		t.Fatalf("got %v, want ErrExportExists", err)
	}
}

// Every prefix of a valid module either instruments or fails with
// ErrMalformed; none panics.
func TestTruncated(t *testing.T) {
	bin := wat(t, "features")
	for n := 0; n < len(bin); n++ {
		if _, err := Instrument(bin[:n]); err != nil && !errors.Is(err, ErrMalformed) {
			t.Fatalf("prefix %d: %v", n, err)
		}
	}
}
