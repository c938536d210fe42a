/*
 * mailq - list the queue in the layout of Postfix's mailq / postqueue -p,
 * or as postqueue -j JSON lines
 *
 * mailq_print() walks the maildrop (when the caller may list it) and the
 * queue of the spool set up with spool_setup(), in queue ID order, and
 * writes the listing to fp. It only ever reads envelopes: ID.env files of
 * the queue and maildrop entries; never ID.msg files.
 *
 * Error contract: it returns 0, or a sysexits code with the reason in err:
 * EX_TEMPFAIL when the spool cannot be read (the message names the
 * directory and the system's reason), EX_IOERR when the output cannot be
 * written. A reader that went away (EPIPE) is not an error. A malformed
 * entry is skipped with a warning (log_warning: stderr and the log) and
 * never ends the listing.
 */
#ifndef PH_MAILQ_H
#define PH_MAILQ_H

#include <stdio.h>

#include "str.h"

struct mailq_opts {
	int		 json;		/* postqueue -j lines, not the listing */
	int		 verbose;	/* notes on stderr (skipped maildrop...) */
};

int	 mailq_print(FILE *, const struct mailq_opts *, struct str *);

/* the two encoders, exposed for tests */
void	 mailq_printable(struct str *, const char *);
void	 mailq_json_quote(struct str *, const char *);

#endif
