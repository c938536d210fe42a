/*
 * fuzz_header - libFuzzer harness for hdr_parse and addr_scan
 *
 * The input is a message: hdr_parse indexes its header section (once
 * without a limit, once with a limit taken from the first byte), and
 * addr_scan reads every field value as an address list. Beyond "no crash,
 * no leak" it checks what header.h and addr.h promise: fields lie in order
 * inside the header section, the body offset is inside the input, every
 * field is a field by hdr_line_is_field, a limited parse only fails with a
 * message, and every reported address span lies inside its value with the
 * domain offset between start and end. A broken promise aborts.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../unit/fixture.h"
#include "addr.h"
#include "header.h"
#include "str.h"
#include "util.h"

int	LLVMFuzzerInitialize(int *, char ***);
int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* check_value - scan one field value as an address list */
static void
check_value(const char *v, size_t vlen)
{
	struct addr_list l = { NULL, 0, 0 };
	size_t i, prev_end = 0;

	addr_scan(v, vlen, &l);
	for (i = 0; i < l.n; i++) {
		const struct addr_span *a = &l.v[i];

		if (a->addr == NULL || a->start > a->dom_start ||
		    a->dom_start > a->end || a->end > vlen || a->start < prev_end ||
		    a->start == a->end)
			abort();
		prev_end = a->end;
	}
	addr_list_free(&l);
}

/* check_headers - the index must describe the message */
static void
check_headers(const char *msg, size_t len, const struct headers *h)
{
	size_t i, prev = 0;
	const char *v;
	size_t vlen;

	if (h->body > len)
		abort();
	for (i = 0; i < h->n; i++) {
		const struct hfield *f = &h->v[i];

		if (f->start < prev || f->len == 0 || f->start + f->len > h->body ||
		    f->name_len == 0 || f->value <= f->start ||
		    f->value > f->start + f->len ||
		    !hdr_line_is_field(msg + f->start, f->len))
			abort();
		prev = f->start + f->len;
		hdr_value(msg, f, &v, &vlen);
		if (v < msg || v + vlen > msg + len)
			abort();
		check_value(v, vlen);
	}
}

/* LLVMFuzzerInitialize - keep log lines out of syslog */
int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fixture_quiet("fuzz_header");
	return 0;
}

/* LLVMFuzzerTestOneInput - one message */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *msg = (const char *)data;
	struct headers h;
	struct str err = STR_INIT;
	size_t limit;

	if (hdr_parse(msg, size, 0, &h, &err) != 0)
		abort();		/* no limit: never fails */
	check_headers(msg, size, &h);
	hdr_free(&h);

	limit = size ? (size_t)data[0] : 0;
	if (hdr_parse(msg, size, limit, &h, &err) == 0)
		check_headers(msg, size, &h);
	else if (err.len == 0 || h.v != NULL)
		abort();
	hdr_free(&h);
	str_free(&err);
	return 0;
}
