/*
 * smtpproto - the SMTP codec shared by the client (runq) and smtpd
 *
 * Pure functions over strings: no I/O. Every input is untrusted and
 * bounded by the caller (a line is at most SMTP_LINE_MAX bytes).
 *
 * Replies (RFC 5321 4.2, RFC 2034): smtp_reply_add() takes one line at a
 * time ("250-..." continues, "250 ..." ends); all lines must carry the
 * same code. The enhanced status code (x.y.z), when the first line has
 * one and the class digit agrees with the reply code, is kept apart and
 * stripped from the text of each line.
 *
 * EHLO keywords (smtp_ehlo_parse): PIPELINING, SIZE [n], 8BITMIME,
 * SMTPUTF8, DSN, ENHANCEDSTATUSCODES, STARTTLS, CHUNKING, AUTH mechs.
 *
 * Paths (RFC 5321 4.1.2, RFC 6531): smtp_parse_path() parses the
 * argument of MAIL FROM: / RCPT TO: into the address (source route
 * dropped, quoted local part kept as sent) and its ESMTP parameters.
 *
 * xtext (RFC 3461 4), base64 (RFC 4648), and the SASL client responses
 * PLAIN (RFC 4616), LOGIN, XOAUTH2 and OAUTHBEARER (RFC 7628).
 */
#ifndef PH_SMTPPROTO_H
#define PH_SMTPPROTO_H

#include <stddef.h>

#include "str.h"

#define SMTP_LINE_MAX	4096	/* bytes of one reply or command line we read */
#define SMTP_REPLY_LINES_MAX 100

struct smtp_reply {
	int		 code;		/* 200..599, 0 while empty */
	char		 esc[16];	/* "2.1.5" or "" */
	struct str	 text;		/* lines joined with "\n", codes stripped */
	int		 nlines;
};

void	 smtp_reply_init(struct smtp_reply *);
void	 smtp_reply_reset(struct smtp_reply *);
void	 smtp_reply_free(struct smtp_reply *);
/* 1: the reply is complete; 0: more lines follow; -1: malformed (err) */
int	 smtp_reply_add(struct smtp_reply *, const char *line, size_t len,
	    const char **err);
/* one line for logs and DSN texts: "550 5.1.1 text text", bounded, cleaned */
void	 smtp_reply_format(const struct smtp_reply *, struct str *out);

#define EHLO_PIPELINING		0x0001
#define EHLO_SIZE		0x0002
#define EHLO_8BITMIME		0x0004
#define EHLO_SMTPUTF8		0x0008
#define EHLO_DSN		0x0010
#define EHLO_ENHANCEDSTATUSCODES 0x0020
#define EHLO_STARTTLS		0x0040
#define EHLO_CHUNKING		0x0080
#define EHLO_AUTH		0x0100

#define SASL_PLAIN		0x01
#define SASL_LOGIN		0x02
#define SASL_XOAUTH2		0x04
#define SASL_OAUTHBEARER	0x08
#define SASL_SCRAM_SHA_256	0x10

struct smtp_ehlo {
	unsigned	 flags;		/* EHLO_* */
	long long	 size;		/* SIZE limit, 0 = none given */
	unsigned	 auth;		/* SASL_* offered */
};

void	 smtp_ehlo_parse(struct smtp_ehlo *, const struct smtp_reply *);

#define SMTP_PARAMS_MAX	16

struct smtp_param {
	char	*key;		/* upper-cased */
	char	*value;		/* NULL when the parameter has no "=" */
};

struct smtp_path {
	struct str		 addr;	/* "" for <> */
	struct smtp_param	 param[SMTP_PARAMS_MAX];
	size_t			 nparam;
};

void	 smtp_path_init(struct smtp_path *);
void	 smtp_path_free(struct smtp_path *);
/*
 * smtp_parse_path - arg is what follows "MAIL FROM:" / "RCPT TO:"
 * (leading spaces allowed). utf8: SMTPUTF8 was given, so UTF-8 is
 * allowed in the address. 0 or -1 with a short reason in *err (for a
 * 501 reply).
 */
int	 smtp_parse_path(const char *arg, int utf8, struct smtp_path *, const char **err);
const char *smtp_path_param(const struct smtp_path *, const char *key);

void	 xtext_encode(struct str *out, const char *in);
int	 xtext_decode(struct str *out, const char *in);	/* 0 or -1 */
void	 base64_encode(struct str *out, const void *in, size_t len);
int	 base64_decode(struct str *out, const char *in, size_t len); /* 0 or -1 */

void	 sasl_plain(struct str *out, const char *authzid, const char *user, const char *pass);
void	 sasl_xoauth2(struct str *out, const char *user, const char *token);
void	 sasl_oauthbearer(struct str *out, const char *user, const char *host,
	    unsigned port, const char *token);
/* the names for AUTH, e.g. "PLAIN"; sasl_mech_parse gives the SASL_* bit or 0 */
const char *sasl_mech_name(unsigned);
unsigned sasl_mech_parse(const char *);

#endif
