/*
 * pop3 - the POP3 client: codec (pure functions) and engine (netio)
 *
 * The codec (pop3proto.c) parses what a server sends and is what the
 * fuzzer drives: status lines (RFC 1939 3: "+OK" / "-ERR", RFC 2449
 * response codes in brackets kept in the text), CAPA lines (RFC 2449),
 * LIST and UIDL scan lines, the APOP time stamp of the greeting, and the
 * multi-line body of RETR and TOP: dot-unstuffing, CR LF to LF, the
 * terminating "." line. Every input is bounded by the caller: a status
 * or listing line is at most POP_LINE_MAX bytes, a body arrives in
 * pieces of at most POP_PIECE bytes.
 *
 * The engine (pop3.c) is a session over netio: connect, greeting, CAPA,
 * STLS (RFC 2595) or implicit TLS (always verified: the CA store or
 * tls_trust_file, and the host name), USER/PASS, APOP or AUTH PLAIN
 * (RFC 5034), the scan listing, RETR/TOP streamed to a callback,
 * pipelined when the server offers PIPELINING, DELE, QUIT.
 *
 * Error contract: engine functions return 0, or a negative POP_E* code
 * with the reason in the session's why (struct pop_session.why): which
 * step failed and what the server or the system said. POP_ETEMP (the
 * network, a timeout) and POP_EPROTO (the server broke the protocol)
 * end the session: only pop_close() is left. POP_EAUTH is a refused
 * login, POP_ETLS a TLS failure (verification included), POP_EERR a
 * "-ERR" to a command after which the session goes on.
 */
#ifndef PH_POP3_H
#define PH_POP3_H

#include <stddef.h>

#include "str.h"

#define POP_LINE_MAX	1024	/* a status or listing line; RFC 2449 says 512 */
#define POP_PIECE	8192	/* a message line is read in pieces of this */
#define POP_UID_MAX	70	/* RFC 1939 7: 1 to 70 characters 0x21..0x7e */
#define POP_MSGS_MAX	1000000	/* most messages in a listing we accept */

#define POP_EERR	(-1)	/* -ERR to a command */
#define POP_ETEMP	(-2)	/* network, timeout: try again later */
#define POP_EPROTO	(-3)	/* the server broke the protocol */
#define POP_EAUTH	(-4)	/* login refused */
#define POP_ETLS	(-5)	/* TLS unavailable or unverifiable */

/* CAPA (RFC 2449, 2595, 5034) */
#define POP_CAPA_TOP		0x01
#define POP_CAPA_UIDL		0x02
#define POP_CAPA_USER		0x04
#define POP_CAPA_PIPELINING	0x08
#define POP_CAPA_STLS		0x10
#define POP_CAPA_SASL_PLAIN	0x20
#define POP_CAPA_SEEN		0x80	/* CAPA answered +OK */

enum pop_tls { POP_TLS_POP3S, POP_TLS_STLS, POP_TLS_NONE };
enum pop_auth { POP_AUTH_AUTO, POP_AUTH_USER, POP_AUTH_APOP, POP_AUTH_PLAIN };

/* --- codec (pop3proto.c) --- */

/* 1: +OK, 0: -ERR, -1: neither; *text is what follows, spaces skipped */
int	 pop_status(const char *line, size_t len, const char **text);
/* one CAPA line: the POP_CAPA_* bit it adds (0 for others) */
unsigned pop_capa_line(const char *line, size_t len);
/* the text after "+OK" of STAT, "N SIZE": 0 or -1 */
int	 pop_parse_stat(const char *text, size_t len, long long *count);
/* "N SIZE" / "N UID": 0 or -1 (malformed, out of range, bad UID) */
int	 pop_parse_list(const char *line, size_t len, unsigned long *num, long long *size);
int	 pop_parse_uidl(const char *line, size_t len, unsigned long *num,
	    char uid[POP_UID_MAX + 1]);
/* the greeting's "<...@...>" for APOP: 0, or -1 when it has none */
int	 pop_apop_stamp(const char *greeting, size_t len, struct str *stamp);

/*
 * A multi-line body being decoded. pop_body_piece takes what
 * netio_getline returned (whole: the piece ends its line; crlf: that
 * line end was CR LF) and appends the message bytes to out, LF line
 * ends. 1: the terminating "." line was read (nothing appended); 0: go on.
 */
struct pop_body {
	int	 bol;		/* the next piece starts a line */
	long long bytes;	/* message bytes appended so far */
	long long lines;
};

void	 pop_body_init(struct pop_body *);
int	 pop_body_piece(struct pop_body *, const char *p, size_t n, int whole,
	    struct str *out);

/* --- engine (pop3.c) --- */

struct pop_account {
	const char	*name;
	const char	*host;
	unsigned	 port;		/* 0: 995 for pop3s, else 110 */
	enum pop_tls	 tls;
	const char	*trust_file;	/* NULL: the system's CA store */
	const char	*user;
	const char	*pass;
	enum pop_auth	 auth;
	long		 timeout;	/* seconds per step */
};

struct netio;

struct pop_session {
	struct netio	*io;
	int		 fd;
	unsigned	 capa;		/* POP_CAPA_* */
	int		 tls;		/* TLS is on */
	int		 verbose;	/* the dialogue on stderr, no secrets */
	char		 addr[64];	/* the server's address, for Received: */
	struct str	 stamp;		/* APOP time stamp */
	struct str	 line;
	struct str	 why;
};

/* one message of the scan listing */
struct pop_msg {
	unsigned long	 num;
	long long	 size;
	char		*uid;		/* NULL without UIDL */
};

/* called with each piece of a message body (LF line ends); 0 or -1 to stop */
typedef int (*pop_sink_fn)(void *, const char *, size_t);

void	 pop_init(struct pop_session *);
int	 pop_open(struct pop_session *, const struct pop_account *);
int	 pop_list(struct pop_session *, int want_uidl, struct pop_msg **, size_t *);
void	 pop_list_free(struct pop_msg *, size_t);
int	 pop_send_retr(struct pop_session *, unsigned long num, long top_lines);
int	 pop_read_body(struct pop_session *, const char *what, pop_sink_fn, void *);
int	 pop_dele(struct pop_session *, const unsigned long *, size_t);
int	 pop_quit(struct pop_session *);
void	 pop_close(struct pop_session *);	/* no I/O; safe twice */
/* by when the next answer must be read whole (util_now_ms clock; 0: none) */
void	 pop_set_deadline(struct pop_session *, long long);

#endif
