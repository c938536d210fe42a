/*
 * cleanup - the header fix-ups every way into the queue applies
 *
 * cleanup_header() takes the header section of a message held in memory
 * (it may be followed by the body) and the envelope of the message, and
 * writes the fixed header section, the empty line that ends it included:
 *
 *  - recipients: the address lists in c->rcpts, then, with c->extract,
 *    the addresses of To:, Cc: and Bcc: (Resent-To:, Resent-Cc: and
 *    Resent-Bcc: when the message has any Resent- field) are added to the
 *    envelope, qualified with myorigin, their domains converted to
 *    A-labels, duplicates dropped;
 *  - Bcc:, Resent-Bcc:, Return-Path: and Content-Length: are dropped;
 *  - unqualified addresses in address fields (From:, To:, Cc: ...) are
 *    qualified with myorigin; domains are masqueraded (masquerade_domains,
 *    masquerade_exceptions); names, comments and folding stay as they were;
 *  - From:, Date: and Message-ID: are added when missing, and in Resent-
 *    mode Resent-From:, Resent-Date: and Resent-Message-ID: too. Date: is
 *    the envelope's arrival time, Message-ID: is <queue ID@myhostname>, an
 *    added From: is "fullname <sender>" (fullname, else the first field
 *    of gecos; the sender is the envelope's, else login@myorigin).
 *
 * Nothing here knows about a command line: sendmail (submit.c) and an
 * SMTP server fill in struct cleanup from what they have.
 *
 * Error contract: cleanup_header, cleanup_addr and cleanup_sender return
 * 0, or -1 with a human-readable reason appended to err (never freed
 * here). cleanup_header says in *why what was wrong (enum cleanup_fail);
 * recipients added before the failure stay in the envelope.
 */
#ifndef PH_CLEANUP_H
#define PH_CLEANUP_H

#include <stddef.h>

#include "spool.h"
#include "str.h"

struct cleanup {
	/* settings */
	const char *myorigin;
	const char *myhostname;
	char	**masq_domains;
	char	**masq_except;
	size_t	 header_limit;	/* header_size_limit; 0: none */
	/* what the message alone does not say */
	int	 extract;	/* recipients from the header (sendmail -t) */
	int	 notify;	/* NOTIFY_* bits of added recipients */
	char	**rcpts;	/* address lists to add first, or NULL */
	size_t	 nrcpts;
	const char *fullname;	/* for an added From:, or NULL */
	const char *gecos;	/* the submitter's, or NULL */
	const char *login;	/* the submitter's login name; NULL (no
				   local submitter): MAILER-DAEMON */
};

/* What cleanup_header found wrong. */
enum cleanup_fail {
	CLEANUP_OK = 0,
	CLEANUP_HEADER,		/* NUL byte, header section too large or bad */
	CLEANUP_RCPT		/* a bad recipient address, too many of them */
};

int	 cleanup_header(const struct cleanup *, const char *, size_t,
	    struct envelope *, struct str *, size_t *, enum cleanup_fail *,
	    struct str *);
int	 cleanup_addr(const struct cleanup *, const char *, struct str *,
	    struct str *);
int	 cleanup_sender(const struct cleanup *, const char *, struct str *,
	    struct str *);

#endif
