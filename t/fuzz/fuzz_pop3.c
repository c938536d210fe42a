/*
 * fuzz_pop3 - libFuzzer harness for the POP3 codec (lib/net/pop3proto.c)
 *
 * The input is a server's output. Every line goes through each parser of
 * status, CAPA, STAT, LIST and UIDL lines and the APOP time stamp, whose
 * promises are checked: numbers in range, UIDs of 1 to 70 printable
 * characters, a stamp "<...@...>". Then the whole input is decoded as a
 * multi-line body, cut into pieces as netio_getline cuts a line (the
 * first byte picks the piece size), and the result must equal what a
 * plain reference decoder makes of the same lines: LF line ends, one
 * leading dot removed, the end at a line of just ".". A broken promise
 * aborts.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../unit/fixture.h"
#include "pop3.h"
#include "str.h"

int	LLVMFuzzerInitialize(int *, char ***);
int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define CAPA_ALL (POP_CAPA_TOP | POP_CAPA_UIDL | POP_CAPA_USER | \
	POP_CAPA_PIPELINING | POP_CAPA_STLS | POP_CAPA_SASL_PLAIN)

/* one_line - the line parsers and their promises */
static void
one_line(const char *p, size_t n)
{
	const char *text;
	char uid[POP_UID_MAX + 1];
	unsigned long num;
	long long size, count;
	unsigned c;
	struct str st = STR_INIT;
	size_t i;
	int r;

	r = pop_status(p, n, &text);
	if (r < -1 || r > 1 || (r >= 0 && (text < p || text > p + n)))
		abort();
	c = pop_capa_line(p, n);
	if ((c & ~(unsigned)CAPA_ALL) != 0 || (c & (c - 1)) != 0)
		abort();
	if (pop_parse_stat(p, n, &count) == 0 && (count < 0 || count > POP_MSGS_MAX))
		abort();
	if (pop_parse_list(p, n, &num, &size) == 0 &&
	    (num < 1 || num > POP_MSGS_MAX || size < 0))
		abort();
	if (pop_parse_uidl(p, n, &num, uid) == 0) {
		if (num < 1 || num > POP_MSGS_MAX || uid[0] == '\0' ||
		    strlen(uid) > POP_UID_MAX)
			abort();
		for (i = 0; uid[i]; i++)
			if ((unsigned char)uid[i] < 0x21 || (unsigned char)uid[i] > 0x7e)
				abort();
	}
	if (pop_apop_stamp(p, n, &st) == 0 && (st.len < 3 || st.s[0] != '<' ||
	    st.s[st.len - 1] != '>' || memchr(st.s, '@', st.len) == NULL || st.len > 257))
		abort();
	str_free(&st);
}

/*
 * reference - the body as a plain decoder sees it: *ended says whether
 * the "." line came
 */
static void
reference(const char *p, size_t size, struct str *out, int *ended)
{
	const char *end = p + size, *nl;
	size_t n;

	*ended = 0;
	for (; p < end; p = nl + 1) {
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			return;		/* no line end: not a line (netio: EOF) */
		n = (size_t)(nl - p);
		if (n > 0 && p[n - 1] == '\r')
			n--;
		if (n == 1 && p[0] == '.') {
			*ended = 1;
			return;
		}
		if (n > 0 && p[0] == '.') {
			p++;
			n--;
		}
		str_append(out, p, n);
		str_appendc(out, '\n');
	}
}

/* pieces - the same lines cut as netio_getline would cut them at max */
static void
pieces(const char *p, size_t size, size_t max, struct str *out, int *ended)
{
	const char *end = p + size, *nl;
	struct pop_body b;
	size_t n, off, k;

	pop_body_init(&b);
	*ended = 0;
	for (; p < end; p = nl + 1) {
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			return;
		n = (size_t)(nl - p);
		if (n > 0 && p[n - 1] == '\r')
			n--;
		off = 0;
		do {
			k = n - off > max ? max : n - off;
			if (pop_body_piece(&b, p + off, k, off + k == n, out)) {
				if (off + k != n)
					abort();
				*ended = 1;
				return;
			}
			off += k;
		} while (off < n);
	}
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fixture_quiet("fuzz_pop3");
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data, *end = p + size, *nl;
	struct str a = STR_INIT, b = STR_INIT;
	int ea, eb;
	size_t max;

	for (; p < end; p = nl + 1) {
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			nl = end;
		if ((size_t)(nl - p) <= POP_LINE_MAX)
			one_line(p, (size_t)(nl - p) - (nl > p && nl[-1] == '\r'));
	}
	if (size == 0)
		return 0;
	max = 1 + data[0] % 16;
	reference((const char *)data + 1, size - 1, &a, &ea);
	pieces((const char *)data + 1, size - 1, max, &b, &eb);
	if (ea != eb || a.len != b.len || memcmp(a.s, b.s, a.len) != 0)
		abort();
	str_free(&a);
	str_free(&b);
	return 0;
}
