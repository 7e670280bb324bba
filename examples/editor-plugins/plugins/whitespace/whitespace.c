// whitespace is an editor plug-in written in C, in the format chain run on
// save (priority 10, before tables): it removes trailing spaces, tabs and
// carriage returns from every line, collapses runs of blank lines outside
// code fences into one, drops blank lines at the end and ends the text with
// exactly one newline. Text in, text out (codec "string").
//
// It uses no libc and no PDK: the Extism ABI functions it needs are declared
// below by hand. Build it with Debian's clang and lld (build.sh).

typedef unsigned char u8;
typedef unsigned int u32;
typedef unsigned long long u64;

#define ENV(name) __attribute__((import_module("extism:host/env"), import_name(name)))
#define EXPORT(name) __attribute__((export_name(name)))

ENV("input_length") u64 input_length(void);
ENV("input_load_u8") u32 input_load_u8(u64 offset);
ENV("input_load_u64") u64 input_load_u64(u64 offset);
ENV("alloc") u64 kernel_alloc(u64 n);
ENV("store_u8") void store_u8(u64 handle, u32 b);
ENV("store_u64") void store_u64(u64 handle, u64 v);
ENV("output_set") void output_set(u64 handle, u64 n);
ENV("error_set") void error_set(u64 handle);

// Declarations the host reads from export names, never calls.
EXPORT("tendril:codec/string") int declare_codec(void) { return 0; }
EXPORT("tendril:priority/10") int declare_priority(void) { return 0; }
EXPORT("tendril:description/Trims%20trailing%20space%2C%20blank%20lines%20and%20ends%20with%20a%20newline")
int declare_description(void) { return 0; }

extern u8 __heap_base;

// grow returns n bytes of linear memory after the data, growing it as
// needed; each call starts again at the heap's base (one buffer per call).
static u8 *grow(u64 n) {
	u64 base = (u64)(unsigned long)&__heap_base;
	u64 have = __builtin_wasm_memory_size(0) * 65536ull;
	if (base + n > have) {
		u64 pages = (base + n - have + 65535) / 65536;
		if (__builtin_wasm_memory_grow(0, (unsigned long)pages) == (unsigned long)-1) {
			return 0;
		}
	}
	return &__heap_base;
}

static int blank(const u8 *s, u64 n) { return n == 0; }

static int fence(const u8 *s, u64 n) { return n >= 3 && s[0] == '`' && s[1] == '`' && s[2] == '`'; }

EXPORT("format") int format(void) {
	u64 n = input_length();
	// The input, then room for the output, which is never longer than n+1.
	u8 *in = grow(2 * n + 16);
	if (!in) {
		static const char msg[] = "whitespace: out of memory";
		u64 h = kernel_alloc(sizeof msg - 1);
		for (u64 i = 0; i < sizeof msg - 1; i++) store_u8(h + i, (u8)msg[i]);
		error_set(h);
		return 1;
	}
	u8 *out = in + n + 8;
	u64 i = 0;
	for (; i + 8 <= n; i += 8) {
		u64 v = input_load_u64(i);
		for (int k = 0; k < 8; k++) in[i + k] = (u8)(v >> (8 * k));
	}
	for (; i < n; i++) in[i] = (u8)input_load_u8(i);

	u64 w = 0;              // output length
	u64 pendingBlank = 0;   // blank lines seen and not yet written
	int inFence = 0;
	for (u64 start = 0; start < n;) {
		u64 end = start;
		while (end < n && in[end] != '\n') end++;
		u64 len = end - start;
		while (len > 0 && (in[start + len - 1] == ' ' || in[start + len - 1] == '\t' || in[start + len - 1] == '\r')) len--;
		if (blank(in + start, len)) {
			pendingBlank++;
		} else {
			if (w > 0) {
				u64 keep = inFence ? pendingBlank : (pendingBlank > 0 ? 1 : 0);
				for (u64 k = 0; k < keep; k++) out[w++] = '\n';
			}
			pendingBlank = 0;
			for (u64 k = 0; k < len; k++) out[w++] = in[start + k];
			out[w++] = '\n';
			if (fence(in + start, len)) inFence = !inFence;
		}
		start = end + 1;
	}

	u64 h = kernel_alloc(w);
	if (w > 0 && !h) return 1;
	for (i = 0; i + 8 <= w; i += 8) {
		u64 v = 0;
		for (int k = 0; k < 8; k++) v |= (u64)out[i + k] << (8 * k);
		store_u64(h + i, v);
	}
	for (; i < w; i++) store_u8(h + i, out[i]);
	output_set(h, w);
	return 0;
}
