/*
 * runq - the queue runner: pickup, scan, deliver, retry, bounce, expire
 *
 * runq_run() does one pass: it moves maildrop entries into the queue
 * (bad ones to corrupt/), removes crash debris, and delivers every queue
 * entry that is due (or every entry with flush), skipping entries another
 * runner holds locked. Selection by queue ID, recipient domain or sender
 * narrows the pass (sendmail -qI, -qR, -qS: case-insensitive substrings).
 *
 * Returns 0 when the pass ran. With only_id naming exactly one message, it
 * returns that message's outcome instead: 0 delivered or queued for a
 * retry, EX_NOUSER / EX_UNAVAILABLE some bounced (sendmail -odi).
 * Errors that stop the pass: EX_TEMPFAIL / EX_CONFIG with the reason in
 * err.
 */
#ifndef PH_RUNQ_H
#define PH_RUNQ_H

#include <stdio.h>

#include "str.h"

struct runq_opts {
	int		 flush;		/* -q: everything now */
	const char	*only_id;	/* -I */
	const char	*rcpt_match;	/* -R */
	const char	*sender_match;	/* -S */
};

int	 runq_run(const struct runq_opts *, struct str *);
int	 runq_verify(char **, size_t, FILE *);

#endif
