/*
 * result - the one shape of a delivery result
 *
 * See result.h.
 */
#include "config.h"

#include <string.h>

#include "result.h"
#include "util.h"

/* dresult_init - an empty result: OK, no code, no text */
void
dresult_init(struct dresult *r)
{
	r->status = DS_OK;
	r->dsn[0] = '\0';
	str_init(&r->text);
}

/* dresult_free - release the text; safe to call again */
void
dresult_free(struct dresult *r)
{
	str_free(&r->text);
	r->dsn[0] = '\0';
}

/* dresult_vset - set status, code and text; returns the status */
enum dstatus
dresult_vset(struct dresult *r, enum dstatus status, const char *dsn,
    const char *fmt, va_list ap)
{
	r->status = status;
	if (util_strlcpy(r->dsn, dsn ? dsn : "", sizeof(r->dsn)) < 0)
		r->dsn[0] = '\0';
	str_reset(&r->text);
	str_vprintf(&r->text, fmt, ap);
	return status;
}

/* dresult_set - dresult_vset with arguments */
enum dstatus
dresult_set(struct dresult *r, enum dstatus status, const char *dsn,
    const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	status = dresult_vset(r, status, dsn, fmt, ap);
	va_end(ap);
	return status;
}
