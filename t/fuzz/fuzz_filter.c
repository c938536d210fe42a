/*
 * fuzz_filter - libFuzzer harness for the incremental input filter
 *
 * The first byte of the input chooses the settings (-i, a size limit)
 * and a chunk size; the rest is the message. It is filtered twice: in
 * one feed, and in chunks of the chosen size. Beyond "no crash, no leak"
 * it checks the filter's promises: both runs give the same result and
 * the same output, whatever the chunk boundaries; the output has no NUL
 * and no CR before an LF, ends with an LF unless empty, never exceeds
 * the limit, and a failure is EX_DATAERR with a reason. A broken
 * promise aborts.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "../unit/fixture.h"
#include "filter.h"
#include "str.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* run - filter in chunks of step bytes */
static int
run(const char *p, size_t len, size_t step, int dots, long long limit,
    struct str *out, struct str *err)
{
	struct filter f;
	size_t pos = 0, n;
	int rc = 0;

	filter_init(&f, dots, limit, fixture_collect, out);
	while (pos < len && rc == 0) {
		n = len - pos < step ? len - pos : step;
		rc = filter_feed(&f, p + pos, n, err);
		pos += n;
	}
	if (rc == 0)
		rc = filter_finish(&f, err);
	return rc == FILTER_DONE ? 0 : rc;
}

/* LLVMFuzzerTestOneInput - one message */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct str one = STR_INIT, many = STR_INIT, e1 = STR_INIT, e2 = STR_INIT;
	const char *p = (const char *)data + 1;
	long long limit;
	size_t len, step, i;
	int dots, r1, r2;

	if (size == 0)
		return 0;
	dots = data[0] & 1;
	limit = (data[0] & 2) ? (long long)(data[0] >> 2) * 4 : 0;
	step = (size_t)(data[0] >> 4) + 1;
	len = size - 1;

	r1 = run(p, len, len ? len : 1, dots, limit, &one, &e1);
	r2 = run(p, len, step, dots, limit, &many, &e2);
	if (r1 != r2)
		abort();
	if (r1 != 0) {
		if (r1 != EX_DATAERR || e1.len == 0 || e2.len == 0)
			abort();
	} else {
		if (one.len != many.len || memcmp(str_c(&one), str_c(&many), one.len) != 0)
			abort();
		if (memchr(str_c(&one), '\0', one.len) != NULL)
			abort();
		/* a CR in the output is one from the input (a lone CR) */
		if (memchr(p, '\r', len) == NULL && memchr(str_c(&one), '\r', one.len))
			abort();
		/* a NUL in the input is refused, unless a lone dot came first */
		for (i = 0; i < one.len; i++)
			if (one.s[i] == '\0')
				abort();
		if (one.len > 0 && one.s[one.len - 1] != '\n')
			abort();
		if (limit > 0 && (long long)one.len > limit)
			abort();
	}
	str_free(&one);
	str_free(&many);
	str_free(&e1);
	str_free(&e2);
	return 0;
}
