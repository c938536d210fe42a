/*
 * pop3proto - the POP3 codec: what a server sends, parsed
 *
 * DESCRIPTION
 *	Pure functions over bytes the caller has bounded (pop3.h). Nothing
 *	here allocates more than what it appends to the caller's string,
 *	and nothing trusts a number the server sends: message numbers and
 *	sizes are range-checked, UIDs must be 1 to 70 printable characters
 *	(RFC 1939 7).
 *
 *	Bodies (RFC 1939 3): each line ends in CR LF, a line that starts
 *	with "." has one more "." in front, and a line of just "." ends the
 *	body. The message is stored with LF line ends; a bare LF from a
 *	careless server ends a line too, and a CR not followed by LF is kept
 *	as a byte of the line. Unstuffing looks only at the first byte of a
 *	line, also when the line arrives in several pieces.
 */
#include "config.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "pop3.h"
#include "util.h"

/* pop_status - +OK / -ERR */
int
pop_status(const char *line, size_t len, const char **text)
{
	size_t n;
	int ok;

	if (len >= 3 && memcmp(line, "+OK", 3) == 0) {
		ok = 1;
		n = 3;
	} else if (len >= 4 && memcmp(line, "-ERR", 4) == 0) {
		ok = 0;
		n = 4;
	} else
		return -1;
	if (n < len && line[n] != ' ')
		return -1;	/* "+OKAY" */
	while (n < len && line[n] == ' ')
		n++;
	if (text)
		*text = line + n;
	return ok;
}

/* word_is - does the line start with the word w, then space or its end? */
static int
word_is(const char *line, size_t len, const char *w)
{
	size_t n = strlen(w);

	return len >= n && strncasecmp(line, w, n) == 0 && (len == n || line[n] == ' ');
}

/* pop_capa_line - the capability one CAPA line names */
unsigned
pop_capa_line(const char *line, size_t len)
{
	size_t i;

	if (word_is(line, len, "TOP"))
		return POP_CAPA_TOP;
	if (word_is(line, len, "UIDL"))
		return POP_CAPA_UIDL;
	if (word_is(line, len, "USER"))
		return POP_CAPA_USER;
	if (word_is(line, len, "PIPELINING"))
		return POP_CAPA_PIPELINING;
	if (word_is(line, len, "STLS"))
		return POP_CAPA_STLS;
	if (word_is(line, len, "SASL")) {
		for (i = 4; i + 5 <= len; i++)
			if (line[i - 1] == ' ' && strncasecmp(line + i, "PLAIN", 5) == 0 &&
			    (i + 5 == len || line[i + 5] == ' '))
				return POP_CAPA_SASL_PLAIN;
	}
	return 0;
}

/* number - a decimal number of at most digits digits: 0 or -1 */
static int
number(const char **pp, const char *end, int digits, long long *out)
{
	const char *p = *pp;
	long long v = 0;
	int n = 0;

	while (p < end && *p >= '0' && *p <= '9') {
		if (++n > digits)
			return -1;
		v = v * 10 + (*p++ - '0');
	}
	if (n == 0)
		return -1;
	*pp = p;
	*out = v;
	return 0;
}

/* scan - "N REST": the message number and where the rest starts */
static int
scan(const char *line, size_t len, unsigned long *num, const char **rest)
{
	const char *p = line, *end = line + len;
	long long v;

	if (number(&p, end, 7, &v) < 0 || v < 1 || v > POP_MSGS_MAX)
		return -1;
	if (p == end || *p != ' ')
		return -1;
	while (p < end && *p == ' ')
		p++;
	*num = (unsigned long)v;
	*rest = p;
	return 0;
}

/* pop_parse_stat - what follows "+OK " in the answer to STAT: "N SIZE" */
int
pop_parse_stat(const char *text, size_t len, long long *count)
{
	const char *p = text, *end = text + len;
	long long v, size;

	if (number(&p, end, 7, &v) < 0 || v > POP_MSGS_MAX || p == end || *p != ' ')
		return -1;
	p++;
	if (number(&p, end, 15, &size) < 0 || (p < end && *p != ' '))
		return -1;
	*count = v;
	return 0;
}

/* pop_parse_list - "N SIZE" (RFC 1939 5, LIST); trailing text is allowed */
int
pop_parse_list(const char *line, size_t len, unsigned long *num, long long *size)
{
	const char *p, *end = line + len;
	unsigned long n;
	long long v;

	if (scan(line, len, &n, &p) < 0 || number(&p, end, 15, &v) < 0)
		return -1;
	if (p < end && *p != ' ')
		return -1;
	*num = n;
	*size = v;
	return 0;
}

/* pop_parse_uidl - "N UID" (RFC 1939 7, UIDL) */
int
pop_parse_uidl(const char *line, size_t len, unsigned long *num,
    char uid[POP_UID_MAX + 1])
{
	const char *p, *end = line + len;
	unsigned long n;
	size_t i;

	while (end > line && end[-1] == ' ')
		end--;
	if (scan(line, (size_t)(end - line), &n, &p) < 0)
		return -1;
	if (p == end || end - p > POP_UID_MAX)
		return -1;
	for (i = 0; p + i < end; i++) {
		if ((unsigned char)p[i] < 0x21 || (unsigned char)p[i] > 0x7e)
			return -1;
		uid[i] = p[i];
	}
	uid[i] = '\0';
	*num = n;
	return 0;
}

/* pop_apop_stamp - the "<...>" of the greeting (RFC 1939 7, APOP) */
int
pop_apop_stamp(const char *greeting, size_t len, struct str *stamp)
{
	const char *lt, *gt, *end = greeting + len;

	if ((lt = memchr(greeting, '<', len)) == NULL)
		return -1;
	if ((gt = memchr(lt, '>', (size_t)(end - lt))) == NULL)
		return -1;
	if (memchr(lt, '@', (size_t)(gt - lt)) == NULL || gt - lt > 256 ||
	    util_has_ctl(lt, (size_t)(gt - lt + 1)))
		return -1;
	str_reset(stamp);
	str_append(stamp, lt, (size_t)(gt - lt + 1));
	return 0;
}

void
pop_body_init(struct pop_body *b)
{
	memset(b, 0, sizeof(*b));
	b->bol = 1;
}

/* pop_body_piece - one piece of a body line: see pop3.h */
int
pop_body_piece(struct pop_body *b, const char *p, size_t n, int whole,
    struct str *out)
{
	if (b->bol && n > 0 && p[0] == '.') {
		if (n == 1 && whole)
			return 1;	/* the end */
		p++;			/* unstuff */
		n--;
	}
	str_append(out, p, n);
	b->bytes += (long long)n;
	if (whole) {
		str_appendc(out, '\n');
		b->bytes++;
		b->lines++;
	}
	b->bol = whole;
	return 0;
}
