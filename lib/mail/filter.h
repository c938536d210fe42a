/*
 * filter - the incremental input filter for a submitted message
 *
 * A push filter: the caller feeds bytes as they arrive, in chunks of any
 * size and split anywhere, and the filter passes the message on to a
 * sink callback in chunks of its own. It does what sendmail(8) promises
 * for its input, whatever the chunk boundaries:
 *
 *   CRLF and LF          both become LF (a CR at the end of one chunk and
 *                        the LF at the start of the next are one CRLF)
 *   lone CR              kept as it is
 *   a line "."           ends the message, unless ignore_dots (-i); what
 *                        follows is not read (filter_feed returns
 *                        FILTER_DONE)
 *   a first line "From " skipped (an mbox From_ line)
 *   NUL byte             EX_DATAERR
 *   more than limit      EX_DATAERR as soon as the output passes limit
 *   bytes of output      (0: no limit)
 *   long lines           kept intact
 *   a last line without  completed with LF by filter_finish
 *   LF
 *
 * Error contract: filter_feed and filter_finish return 0, FILTER_DONE,
 * EX_DATAERR with the reason in err, or whatever non-zero code the sink
 * returned (the sink writes its reason into the same err). After an
 * error the filter must not be fed again.
 */
#ifndef PH_FILTER_H
#define PH_FILTER_H

#include <stddef.h>

#include "str.h"

#define FILTER_DONE	1	/* a lone "." ended the message */
#define FILTER_BUF	32768	/* output is passed on in chunks of this size */

/* the sink: 0, or a non-zero code that the filter returns */
typedef int (*filter_sink)(void *, const char *, size_t, struct str *);

struct filter {
	/* settings (filter_init) */
	int		 ignore_dots;
	long long	 limit;
	filter_sink	 sink;
	void		*arg;
	/* state */
	long long	 total;		/* bytes passed on or waiting in out */
	int		 bol;		/* at the beginning of a line */
	int		 cr;		/* a CR waits for the next byte */
	int		 first;		/* still in the first line */
	int		 skip;		/* dropping the first line (From_) */
	int		 done;		/* a lone dot was seen */
	char		 hold[5];	/* start of a line that may be "." or "From " */
	size_t		 nhold;
	size_t		 nout;
	char		 out[FILTER_BUF];
};

void	 filter_init(struct filter *, int, long long, filter_sink, void *);
int	 filter_feed(struct filter *, const char *, size_t, struct str *);
int	 filter_finish(struct filter *, struct str *);

#endif
