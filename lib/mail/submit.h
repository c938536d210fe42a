/*
 * submit - turn what a program hands to sendmail into an envelope and a
 * message ready for the maildrop
 *
 * submit_store() reads the message from a descriptor through the input
 * filter (filter.h: CRLF and LF line ends both become LF, a lone "." line
 * ends input unless ignore_dots, a leading mbox "From " line is skipped),
 * holds the header section in memory up to header_limit, fixes it up with
 * submit_prepare(), and streams the body into a new maildrop entry, which
 * it commits. submit_prepare() checks what the command line gave (sender,
 * -F, -V, recipient arguments), sets up the envelope and hands the header
 * section to cleanup_header() (cleanup.h), which extracts recipients (-t),
 * drops Bcc, Resent-Bcc, Return-Path and Content-Length, qualifies and
 * masquerades addresses, converts IDN domains of envelope addresses, and
 * adds From:, Date: and Message-ID: when they are missing.
 *
 * Both return 0, or a sysexits code with the reason in err:
 * EX_DATAERR for a bad message (NUL byte, too large, endless header
 * section, bad address), EX_USAGE for no recipients or bad options,
 * EX_IOERR for read errors, EX_TEMPFAIL when the maildrop entry cannot
 * be written (the reason starts "cannot queue the message: "). Nothing is
 * left in the maildrop unless submit_store returns 0.
 */
#ifndef PH_SUBMIT_H
#define PH_SUBMIT_H

#include <sys/types.h>

#include "spool.h"
#include "str.h"

struct submit {
	/* from the command line */
	int	 extract;	/* -t */
	int	 ignore_dots;	/* -i, -oi */
	const char *sender;	/* -f / -r; NULL: the login name */
	const char *fullname;	/* -F */
	int	 notify;	/* -N, NOTIFY_* bits */
	int	 ret;		/* -R, RET_* */
	const char *envid;	/* -V */
	char	**args;		/* recipient arguments */
	size_t	 nargs;
	/* who is submitting */
	const char *login;
	const char *gecos;
	uid_t	 uid;
	/* settings */
	const char *myorigin;
	const char *myhostname;
	char	**masq_domains;
	char	**masq_except;
	size_t	 header_limit;
	/* results */
	struct envelope env;
	struct str msg;
};

void	 submit_init(struct submit *);
void	 submit_free(struct submit *);
int	 submit_store(struct submit *, int, long long, struct str *);
int	 submit_prepare(struct submit *, const char *, size_t, struct str *);
int	 submit_parse_notify(const char *, int *);
int	 submit_sender(struct submit *, const char *, struct str *, struct str *);

#endif
