/*
 * netio - buffered I/O over a pair of descriptors, with deadlines and,
 * once started, TLS underneath
 *
 * One struct netio serves one connection: a socket (rfd == wfd) for the
 * SMTP client and popfetch, stdin/stdout for smtpd under inetd. Every
 * blocking step (filling the input buffer, flushing output, a TLS
 * handshake) waits with poll() until the earlier of now + the timeout
 * (netio_set_timeout) and the session deadline (netio_set_deadline);
 * nothing here uses alarm() or signals. Descriptors are put in
 * non-blocking mode and never closed here.
 *
 * Reading is by line, bounded: netio_getline() returns at most max bytes
 * of a line and leaves the rest unread, so no peer can make us buffer
 * more than the input buffer and the caller's max. Writes are buffered
 * until netio_flush() or until the buffer is full.
 *
 * TLS (OpenSSL, see tls.h) is slotted in under the buffer by
 * netio_tls_client() / netio_tls_server(): after STARTTLS, or at once for
 * implicit TLS. Input that was buffered before the handshake is dropped
 * (STARTTLS injection), and the caller learns of it from the return of
 * netio_pending() before it starts TLS.
 *
 * Error contract: functions that can fail return NETIO_OK (0) or one of
 * the negative NETIO_* codes; netio_strerror() then describes the last
 * failure ("timeout", "connection reset by peer", a TLS error, ...).
 * After NETIO_TIMEOUT, NETIO_EOF or NETIO_ERR the connection is unusable
 * except for netio_free().
 */
#ifndef PH_NETIO_H
#define PH_NETIO_H

#include <stddef.h>
#include <sys/socket.h>
#include <sys/types.h>

#include "str.h"

#define NETIO_OK	0
#define NETIO_EOF	(-1)	/* the peer closed the connection */
#define NETIO_TIMEOUT	(-2)	/* the deadline passed */
#define NETIO_TOOLONG	(-3)	/* line longer than max: see netio_getline */
#define NETIO_ERR	(-4)	/* I/O or TLS error: netio_strerror */

/* flags set by netio_getline for the line it returned */
#define NETIO_LINE_CRLF		0x01	/* ended in CR LF */
#define NETIO_LINE_BARELF	0x02	/* ended in LF without CR */
#define NETIO_LINE_BARECR	0x04	/* holds a CR not followed by LF */
#define NETIO_LINE_NUL		0x08	/* holds a NUL byte */

struct netio;
struct tls_client_conf;
struct tls_server;
struct tls_info;

struct netio *netio_new(int rfd, int wfd);
int	 netio_connect(const struct sockaddr_storage *, socklen_t, unsigned port,
	    const char *name, long long deadline, struct str *why);
void	 netio_free(struct netio *);	/* no I/O; closes no descriptor */

void	 netio_set_timeout(struct netio *, long ms);	/* per step; default 300 s */
void	 netio_set_deadline(struct netio *, long long abs_ms);	/* util_now_ms() clock; 0 = none */

/*
 * netio_getline - the next line, without its line end, into out (reset
 * first). NETIO_OK: a whole line; *flags says how it ended. NETIO_TOOLONG:
 * out holds the first max bytes, the rest of the line is still unread
 * (netio_getline again for the next piece, or netio_skipline). At end of
 * input after some bytes with no LF, those bytes are returned as a line
 * with flags 0; the next call returns NETIO_EOF.
 */
int	 netio_getline(struct netio *, struct str *out, size_t max, int *flags);
int	 netio_skipline(struct netio *);	/* discard through the next LF */
ssize_t	 netio_read(struct netio *, void *, size_t);	/* > 0 bytes, or NETIO_* */

size_t	 netio_pending(struct netio *);	/* input already received, unread */
int	 netio_input_ready(struct netio *);	/* 1 when a read would not block now */
void	 netio_drop_input(struct netio *);

int	 netio_write(struct netio *, const void *, size_t);
int	 netio_puts(struct netio *, const char *);
int	 netio_printf(struct netio *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));
int	 netio_flush(struct netio *);
size_t	 netio_unflushed(struct netio *);

/* TLS: see tls.h. Both drop unread input first and run the handshake. */
int	 netio_tls_client(struct netio *, const struct tls_client_conf *);
int	 netio_tls_server(struct netio *, struct tls_server *);
int	 netio_tls_active(struct netio *);
void	 netio_tls_info(struct netio *, struct tls_info *);
int	 netio_shutdown(struct netio *);	/* TLS close_notify, then shutdown(SHUT_WR) */

const char *netio_strerror(struct netio *);
unsigned long long netio_bytes_in(struct netio *);
unsigned long long netio_bytes_out(struct netio *);

#endif
