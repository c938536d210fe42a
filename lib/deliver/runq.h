/*
 * runq - the queue runner: pickup, scan, deliver, retry, bounce, expire
 *
 * runq_run() does one pass: it moves maildrop entries into the queue
 * (bad ones to corrupt/), removes crash debris, and delivers every queue
 * entry that is due (or every entry with flush), skipping entries another
 * runner holds locked. Selection by queue ID, recipient domain or sender
 * narrows the pass (sendmail -qI, -qR, -qS: case-insensitive substrings;
 * each may be given several times, and an entry is selected when it
 * matches one value of each kind given). A queue ID given whole with -I
 * is attempted whatever its retry time; one that is on hold is not
 * delivered, and a warning says so.
 *
 * runq_verify() reports where each address's mail would go (sendmail
 * -bv) and delivers nothing.
 *
 * Error contract: both return 0 with an outcome in *out, or -1 with the
 * reason in err (the caller owns it) and the class of failure in *out.
 * runq_run's outcome is RUNQ_DONE when the pass ran; with only_id naming
 * exactly one message (one -I, a whole queue ID), it is that message's outcome instead (what
 * sendmail -odi reports). runq_verify's is RUNQ_DONE or
 * RUNQ_UNDELIVERABLE. Failed deliveries are not errors: they are retried
 * or bounced. The callers map outcomes to exit codes (cmd/runq).
 */
#ifndef PH_RUNQ_H
#define PH_RUNQ_H

#include <stdio.h>

#include "str.h"

#define RUNQ_SELECT_MAX	16	/* values of one selection option */

/* -I, -R or -S given n times: an entry matching any value is selected */
struct runq_select {
	const char	*v[RUNQ_SELECT_MAX];
	size_t		 n;
};

struct runq_opts {
	int		 flush;		/* -q: everything now */
	struct runq_select only_id;	/* -I: queue IDs or parts of them */
	struct runq_select rcpt_match;	/* -R */
	struct runq_select sender_match; /* -S */
	FILE		*failures;	/* with only_id: each recipient of that
					   message that fails for good in this
					   attempt, one line (sendmail -odi) */
};

int	 runq_select_add(struct runq_select *, const char *);

enum runq_outcome {
	RUNQ_DONE,		/* the pass ran; the message was delivered,
				   queued for a retry, is held by another
				   runner or no longer exists */
	RUNQ_BOUNCED_UNKNOWN_USER, /* a recipient bounced as an unknown user */
	RUNQ_BOUNCED,		/* a recipient bounced for another reason */
	RUNQ_MALFORMED,		/* the entry was moved to corrupt/ */
	RUNQ_UNREADABLE,	/* the entry could not be read (the system) */
	RUNQ_UNDELIVERABLE,	/* runq_verify: an address is undeliverable */
	/* with -1 only: */
	RUNQ_FAIL_CONFIG,	/* the settings are unusable */
	RUNQ_FAIL_SPOOL		/* the queue cannot be read or worked on */
};

int	 runq_run(const struct runq_opts *, enum runq_outcome *, struct str *);
int	 runq_verify(char **, size_t, FILE *, enum runq_outcome *, struct str *);

#endif
