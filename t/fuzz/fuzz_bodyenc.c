/*
 * fuzz_bodyenc - libFuzzer harness for the DATA encoder
 *
 * The first byte chooses the mode (bit 0: BODYENC_7BIT) and seeds the
 * chunking; the rest is the message. It is encoded twice: in one push,
 * and in pushes of pseudo-random sizes (0 to 64 bytes). Checked promises:
 * both runs give the same bytes and the same verdict; the output has CR
 * LF line ends only, no line over 998 bytes, no line that is a lone "."
 * (every line starting with "." is stuffed); in 7-bit mode no byte above
 * 127 unless the encoder failed; an error has a reason; without 7-bit
 * mode the encoder never fails. A broken promise aborts.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../unit/fixture.h"
#include "bodyenc.h"
#include "str.h"

int	LLVMFuzzerInitialize(int *, char ***);
int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* collect - emit() into a struct str */
static int
collect(void *arg, const char *p, size_t n)
{
	str_append(arg, p, n);
	return 0;
}

/* run - encode in pushes of sizes from seed (0: one push); the verdict */
static int
run(int flags, const char *in, size_t len, unsigned seed, struct str *out)
{
	struct bodyenc *be = bodyenc_new(flags, collect, out);
	size_t off = 0, n;
	int rc = 0;

	while (off < len && rc == 0) {
		if (seed == 0)
			n = len;
		else {
			seed = seed * 1103515245u + 12345u;
			n = (seed >> 16) % 65;
			if (n > len - off)
				n = len - off;
		}
		rc = bodyenc_push(be, in + off, n);
		off += n;
	}
	if (rc == 0)
		rc = bodyenc_end(be);
	if ((rc != 0) != (bodyenc_error(be) != NULL))
		abort();
	if (rc != 0)
		rc = bodyenc_failed(be) ? 1 : 2;
	bodyenc_free(be);
	return rc;
}

/* check_wire - the output invariants */
static void
check_wire(const struct str *out, int seven)
{
	size_t i, col = 0;

	for (i = 0; i < out->len; i++) {
		unsigned char c = (unsigned char)out->s[i];

		if (c == '\r') {
			if (i + 1 >= out->len || out->s[i + 1] != '\n')
				abort();
			if (col == 1 && out->s[i - 1] == '.')
				abort();
			i++;
			col = 0;
			continue;
		}
		if (c == '\n' || (seven && c > 127) || ++col > 998)
			abort();
	}
	if (out->len > 0 && (out->len < 2 || out->s[out->len - 1] != '\n'))
		abort();
}

/* LLVMFuzzerInitialize - keep log lines out of syslog */
int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fixture_quiet("fuzz_bodyenc");
	return 0;
}

/* LLVMFuzzerTestOneInput - mode and seed byte, then the message */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct str a = STR_INIT, b = STR_INIT;
	int flags, rc1, rc2;

	if (size == 0)
		return 0;
	flags = (data[0] & 1) ? BODYENC_7BIT : 0;
	rc1 = run(flags, (const char *)data + 1, size - 1, 0, &a);
	rc2 = run(flags, (const char *)data + 1, size - 1, data[0] | 0x100u, &b);
	if (rc1 != rc2 || rc1 == 2 || (rc1 == 1 && flags == 0))
		abort();
	if (rc1 == 0) {
		if (a.len != b.len || (a.len && memcmp(a.s, b.s, a.len) != 0))
			abort();
		check_wire(&a, flags != 0);
	}
	str_free(&a);
	str_free(&b);
	return 0;
}
