/*
 * mailq - list the queue in the layout of Postfix's mailq / postqueue -p,
 * or as postqueue -j JSON lines
 *
 * mailq_print() walks the maildrop (when the caller may list it) and the
 * queue of the spool set up with spool_setup(), in queue ID order, and
 * writes the listing to fp. It only ever reads envelopes: ID.env files of
 * the queue and maildrop entries; never ID.msg files.
 *
 * Error contract: it returns 0, or -1 with the reason in err and what
 * failed in res->fail: MAILQ_FAIL_SPOOL when the spool cannot be read (the
 * message names the directory and the system's reason), MAILQ_FAIL_OUTPUT
 * when the output cannot be written; res->fail is meaningful only after
 * -1. res->maildrop_unlisted says that the maildrop could not be listed
 * with the caller's rights (the normal case for an ordinary user).
 * A reader that went away (EPIPE) is not an error. A malformed entry is
 * skipped with a warning (log_warning: stderr and the log) and never ends
 * the listing. The caller owns err.
 */
#ifndef PH_MAILQ_H
#define PH_MAILQ_H

#include <stdio.h>

#include "str.h"

struct mailq_opts {
	int		 json;		/* postqueue -j lines, not the listing */
	int		 verbose;	/* notes on stderr (skipped maildrop...) */
};

/* what made mailq_print fail */
enum mailq_fail {
	MAILQ_FAIL_SPOOL,	/* the spool cannot be read */
	MAILQ_FAIL_OUTPUT	/* the listing cannot be written */
};

/* what mailq_print found besides the listing */
struct mailq_result {
	enum mailq_fail	 fail;		/* after -1: what failed */
	int		 maildrop_unlisted; /* the caller may not list the
					   maildrop: entries not yet picked
					   up are not in the listing */
	int		 maildrop_waiting; /* then: 1 something is waiting there,
					   0 nothing, -1 unknown (see
					   spool_maildrop_waiting) */
};

int	 mailq_print(FILE *, const struct mailq_opts *, struct mailq_result *,
	    struct str *);

/* the two encoders, exposed for tests */
void	 mailq_printable(struct str *, const char *);
void	 mailq_json_quote(struct str *, const char *);

#endif
