/*
 * bodyenc - a stored message as it goes on the wire after DATA
 *
 * See bodyenc.h; the stages are described in bodyenc_int.h. This file
 * holds the first and last stage: line ends in, the wire out.
 *
 * Line ends: LF, CR LF and a CR followed by anything else each end one
 * line; the CR of a CR LF pair split across two pushes is remembered in
 * cr, so chunk boundaries never change the output.
 *
 * The wire: every line end goes out as CR LF; a "." at the start of a
 * line is doubled; when BODYENC_LINE_MAX bytes (dot included) are on a
 * line and more follow, CR LF SP is inserted, which starts a new line with
 * a space: a folded header continues, and no "." can start it.
 *
 * Error contract: bodyenc_push and bodyenc_end return -1 when emit()
 * failed (bodyenc_failed() is 0) or when the message cannot be converted
 * to 7 bit (bodyenc_failed() is 1); bodyenc_error() then says why, and
 * is NULL while all is well. After an error nothing more is emitted.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "bodyenc.h"
#include "bodyenc_int.h"
#include "util.h"

/* bodyenc_new - an encoder that writes through emit(arg, ...) */
struct bodyenc *
bodyenc_new(int flags, int (*emit)(void *, const char *, size_t), void *arg)
{
	struct bodyenc *be = xcalloc(1, sizeof(*be));

	be->flags = flags;
	be->emit = emit;
	be->arg = arg;
	be->line_max = BODYENC_LINE_MAX;
	if (flags & BODYENC_7BIT)
		bodyenc_mime_init(be);
	return be;
}

/*
 * bodyenc_set_line_max - fold lines after n bytes (smtp_line_length_limit);
 * 0 or more than 998 (RFC 5321 4.5.3.1.6) mean 998, and fewer than 2
 * means 2, so that a folded line always carries a byte
 */
void
bodyenc_set_line_max(struct bodyenc *be, size_t n)
{
	be->line_max = n == 0 || n > BODYENC_LINE_MAX ? BODYENC_LINE_MAX : n < 2 ? 2 : n;
}

/* bodyenc_free - release the encoder (NULL is fine) */
void
bodyenc_free(struct bodyenc *be)
{
	if (be == NULL)
		return;
	bodyenc_mime_free(be);
	free(be);
}

/* bodyenc_failed - 1: the message could not be converted to 7 bit */
int
bodyenc_failed(const struct bodyenc *be)
{
	return be->failed;
}

/* bodyenc_error - why the encoder stopped, NULL if it did not */
const char *
bodyenc_error(const struct bodyenc *be)
{
	return be->err;
}

/* bodyenc_stopped - did a conversion or output error stop the encoder? */
int
bodyenc_stopped(const struct bodyenc *be)
{
	return be->failed || be->ioerr;
}

/* bodyenc_fail - the message cannot be converted: stop */
void
bodyenc_fail(struct bodyenc *be, const char *why)
{
	if (bodyenc_stopped(be))
		return;
	be->failed = 1;
	be->err = why;
}

/* flush - hand the buffered output to emit() */
static void
flush(struct bodyenc *be)
{
	if (be->outlen == 0 || bodyenc_stopped(be))
		return;
	if (be->emit(be->arg, be->out, be->outlen) != 0) {
		be->ioerr = 1;
		be->err = "write error";
	}
	be->outlen = 0;
}

/* put - buffer output bytes */
static void
put(struct bodyenc *be, const char *p, size_t n)
{
	size_t k;

	while (n > 0 && !bodyenc_stopped(be)) {
		if (be->outlen == OUT_BUF)
			flush(be);
		k = OUT_BUF - be->outlen;
		if (k > n)
			k = n;
		memcpy(be->out + be->outlen, p, k);
		be->outlen += k;
		p += k;
		n -= k;
	}
}

/* bodyenc_wire_write - bytes of the current line (no CR or LF in them) */
void
bodyenc_wire_write(struct bodyenc *be, const char *p, size_t n)
{
	size_t k;

	while (n > 0 && !bodyenc_stopped(be)) {
		if (be->col == 0 && p[0] == '.') {
			put(be, ".", 1);
			be->col = 1;
		}
		if (be->col >= be->line_max) {
			put(be, "\r\n ", 3);
			be->col = 1;
		}
		k = be->line_max - be->col;
		if (k > n)
			k = n;
		put(be, p, k);
		be->col += k;
		p += k;
		n -= k;
	}
}

/* bodyenc_wire_eol - end the current line */
void
bodyenc_wire_eol(struct bodyenc *be)
{
	put(be, "\r\n", 2);
	be->col = 0;
}

/* data - bytes of a line, to the walker or straight to the wire */
static void
data(struct bodyenc *be, const char *p, size_t n)
{
	if (be->flags & BODYENC_7BIT)
		bodyenc_mime_data(be, p, n);
	else
		bodyenc_wire_write(be, p, n);
}

/* eol - a line end, to the walker or straight to the wire */
static void
eol(struct bodyenc *be)
{
	if (be->flags & BODYENC_7BIT)
		bodyenc_mime_eol(be);
	else
		bodyenc_wire_eol(be);
}

/* bodyenc_push - encode the next len bytes of the message */
int
bodyenc_push(struct bodyenc *be, const char *p, size_t len)
{
	size_t k;

	while (len > 0 && !bodyenc_stopped(be)) {
		if (be->cr) {
			/* the line ended with a CR: with its LF if one follows */
			be->cr = 0;
			if (*p == '\n') {
				p++;
				len--;
			}
			eol(be);
			continue;
		}
		for (k = 0; k < len && p[k] != '\n' && p[k] != '\r'; k++)
			;
		if (k > 0)
			data(be, p, k);
		if (k < len) {
			if (p[k] == '\r')
				be->cr = 1;
			else
				eol(be);
			k++;
		}
		p += k;
		len -= k;
	}
	return bodyenc_stopped(be) ? -1 : 0;
}

/* bodyenc_end - the message is complete: end its last line, flush */
int
bodyenc_end(struct bodyenc *be)
{
	if (be->cr) {
		be->cr = 0;
		eol(be);
	}
	if (be->flags & BODYENC_7BIT)
		bodyenc_mime_end(be);
	if (be->col > 0)
		bodyenc_wire_eol(be);
	flush(be);
	return bodyenc_stopped(be) ? -1 : 0;
}
