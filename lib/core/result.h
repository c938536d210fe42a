/*
 * result - the one shape of a delivery result
 *
 * Every delivery step (a mailbox, a file, a command, a whole local
 * recipient, and later an SMTP transaction or a POP3 download) reports
 * what it did as a struct dresult: the status, an RFC 3463 enhanced
 * status code, and a human-readable text. DS_DEFER is worth retrying;
 * DS_BOUNCE is final. Library functions return the status and fill in
 * the rest; sysexits codes appear only where a main maps results to an
 * exit status.
 */
#ifndef PH_RESULT_H
#define PH_RESULT_H

#include <stdarg.h>

#include "str.h"

enum dstatus {
	DS_OK = 0,		/* delivered */
	DS_DEFER = 1,		/* not now: try again later */
	DS_BOUNCE = 2		/* failed for good */
};

#define DSN_MAX	16		/* "5.123.456" and its NUL, with room */

struct dresult {
	enum dstatus	 status;
	char		 dsn[DSN_MAX];
	struct str	 text;
};

void	 dresult_init(struct dresult *);
void	 dresult_free(struct dresult *);
enum dstatus dresult_set(struct dresult *, enum dstatus, const char *,
	    const char *, ...) __attribute__((format(printf, 4, 5)));
enum dstatus dresult_vset(struct dresult *, enum dstatus, const char *,
	    const char *, va_list) __attribute__((format(printf, 4, 0)));

#endif
