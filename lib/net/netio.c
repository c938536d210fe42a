/*
 * netio - buffered, deadline-bound I/O over a pair of descriptors, with
 * TLS underneath once started
 *
 * NAME
 *	netio_new, netio_getline, netio_write, netio_flush,
 *	netio_tls_client, netio_tls_server, netio_shutdown, ...
 *
 * DESCRIPTION
 *	See netio.h for the contract. A struct netio holds a fixed input
 *	buffer and a fixed output buffer (IBUF_SIZE, OBUF_SIZE); nothing
 *	else grows but the caller's line, which netio_getline bounds by max.
 *	Both descriptors are made non-blocking; every wait is one poll()
 *	until the end of the current step: the earlier of now + timeout and
 *	the session deadline, taken when the step (fill the input buffer,
 *	flush the output buffer, a TLS handshake) begins. EINTR restarts the
 *	poll or the call, never the step.
 *
 *	Output goes through send(MSG_NOSIGNAL) when wfd is a socket and
 *	write() otherwise (a pipe under a test or a wrapper); a closed peer
 *	is then EPIPE, and the caller is expected to ignore SIGPIPE for the
 *	pipe case and for OpenSSL's own writes.
 *
 *	With TLS the SSL reads and writes the descriptors itself
 *	(SSL_set_rfd, SSL_set_wfd), so stdin/stdout under inetd work as a
 *	socket does. Input buffered before the handshake is dropped: bytes a
 *	man in the middle sent before the TLS started must never be read as
 *	if they came through it.
 *
 * DIAGNOSTICS
 *	The text of the last failure is kept in the struct (netio_strerror).
 */
#include "config.h"

#include <sys/socket.h>
#include <sys/types.h>

#include <netinet/in.h>
#include <netinet/tcp.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "netio.h"
#include "str.h"
#include "tls.h"
#include "tls_int.h"
#include "util.h"

#define IBUF_SIZE	16384
#define OBUF_SIZE	16384
#define DEFAULT_TIMEOUT	300000L		/* ms */

struct netio {
	int		 rfd, wfd;
	int		 wsock;		/* wfd is a socket: send() */
	long		 timeout;	/* ms per step */
	long long	 deadline;	/* util_now_ms(); 0: none */
	int		 eof;		/* the peer closed: reads end */
	int		 dead;		/* an I/O or TLS error: no more I/O */
	SSL		*ssl;
	int		 ssl_fatal;	/* fatal TLS error: no SSL_shutdown */
	size_t		 ipos, ilen;	/* unread input: ibuf[ipos..ilen) */
	size_t		 olen;		/* unflushed output: obuf[0..olen) */
	unsigned long long nin, nout;
	struct str	 err;
	char		 ibuf[IBUF_SIZE];
	char		 obuf[OBUF_SIZE];
};

/* set_nonblock - put a descriptor in non-blocking mode */
static void
set_nonblock(int fd)
{
	int fl;

	if ((fl = fcntl(fd, F_GETFL)) != -1 && !(fl & O_NONBLOCK))
		(void)fcntl(fd, F_SETFL, fl | O_NONBLOCK);
}

/* netio_new - a connection over rfd and wfd (the same socket, or two) */
struct netio *
netio_new(int rfd, int wfd)
{
	struct netio *nio;
	int type;
	socklen_t len = sizeof(type);

	nio = xcalloc(1, sizeof(*nio));
	nio->rfd = rfd;
	nio->wfd = wfd;
	nio->wsock = getsockopt(wfd, SOL_SOCKET, SO_TYPE, &type, &len) == 0;
	nio->timeout = DEFAULT_TIMEOUT;
	str_init(&nio->err);
	set_nonblock(rfd);
	if (wfd != rfd)
		set_nonblock(wfd);
	return nio;
}

/* netio_free - free the connection and its SSL; closes no descriptor */
void
netio_free(struct netio *nio)
{
	if (nio == NULL)
		return;
	SSL_free(nio->ssl);
	nio->ssl = NULL;
	str_free(&nio->err);
	/* what passed through the buffers is nobody else's business: a
	 * process that serves another client next must not keep it */
	explicit_bzero(nio, sizeof(*nio));
	free(nio);
}

/* netio_set_timeout - how long one step may wait */
void
netio_set_timeout(struct netio *nio, long ms)
{
	nio->timeout = ms > 0 ? ms : 0;
}

/* netio_set_deadline - when the whole session must be over (0: never) */
void
netio_set_deadline(struct netio *nio, long long abs_ms)
{
	nio->deadline = abs_ms > 0 ? abs_ms : 0;
}

/* set_err - the text netio_strerror gives */
static void __attribute__((format(printf, 2, 3)))
set_err(struct netio *nio, const char *fmt, ...)
{
	va_list ap;

	str_reset(&nio->err);
	va_start(ap, fmt);
	str_vprintf(&nio->err, fmt, ap);
	va_end(ap);
}

/* io_error - an I/O error ends the connection */
static int
io_error(struct netio *nio, const char *op, int e)
{
	if (e == ECONNRESET)
		set_err(nio, "connection reset by peer");
	else if (e == EPIPE)
		set_err(nio, "connection closed by peer (broken pipe)");
	else
		set_err(nio, "%s: %s", op, strerror(e));
	nio->dead = 1;
	nio->ssl_fatal = 1;
	return NETIO_ERR;
}

/* step_end - when the step that begins now must be over */
static long long
step_end(struct netio *nio)
{
	long long end;

	end = util_now_ms() + nio->timeout;
	if (nio->deadline != 0 && nio->deadline < end)
		end = nio->deadline;
	return end;
}

/* wait_fd - wait until fd is ready for events, or the step's end */
static int
wait_fd(struct netio *nio, int fd, short events, long long end)
{
	struct pollfd pfd;
	long long now;
	int n;

	for (;;) {
		now = util_now_ms();
		if (now >= end) {
			if (nio->deadline != 0 && end >= nio->deadline)
				set_err(nio, "session deadline passed");
			else
				set_err(nio, "timeout");
			return NETIO_TIMEOUT;
		}
		pfd.fd = fd;
		pfd.events = events;
		pfd.revents = 0;
		n = poll(&pfd, 1,
		    end - now > INT_MAX ? INT_MAX : (int)(end - now));
		if (n > 0)
			return NETIO_OK;	/* the I/O call tells errors */
		if (n < 0 && errno != EINTR)
			return io_error(nio, "poll", errno);
	}
}

/*
 * ssl_wait - after an SSL call returned ret: wait as OpenSSL asks and
 * return NETIO_OK to call again, or end with EOF or an error
 */
static int
ssl_wait(struct netio *nio, int ret, int syserr, long long end,
    const char *op)
{
	switch (SSL_get_error(nio->ssl, ret)) {
	case SSL_ERROR_WANT_READ:
		return wait_fd(nio, nio->rfd, POLLIN, end);
	case SSL_ERROR_WANT_WRITE:
		return wait_fd(nio, nio->wfd, POLLOUT, end);
	case SSL_ERROR_ZERO_RETURN:
		ERR_clear_error();
		set_err(nio, "connection closed by peer");
		nio->eof = 1;
		return NETIO_EOF;
	case SSL_ERROR_SYSCALL:
		if (ERR_peek_error() == 0) {
			if (syserr == 0 || syserr == EAGAIN) {
				set_err(nio, "connection closed by peer");
				nio->eof = 1;
				return NETIO_EOF;
			}
			return io_error(nio, op, syserr);
		}
		/* FALLTHROUGH */
	default:
		str_reset(&nio->err);
		tls_error_text(&nio->err, op, syserr);
		nio->dead = 1;
		nio->ssl_fatal = 1;
		return NETIO_ERR;
	}
}

/* fill - read what is there into the input buffer, waiting for some */
static int
fill(struct netio *nio)
{
	long long end;
	ssize_t n;
	size_t space;
	int r, e;

	if (nio->dead)
		return NETIO_ERR;
	if (nio->eof)
		return NETIO_EOF;
	if (nio->ipos > 0) {
		memmove(nio->ibuf, nio->ibuf + nio->ipos,
		    nio->ilen - nio->ipos);
		nio->ilen -= nio->ipos;
		nio->ipos = 0;
	}
	space = IBUF_SIZE - nio->ilen;
	end = step_end(nio);
	for (;;) {
		if (nio->ssl != NULL) {
			ERR_clear_error();
			errno = 0;
			n = SSL_read(nio->ssl, nio->ibuf + nio->ilen,
			    space > INT_MAX ? INT_MAX : (int)space);
			e = errno;
			if (n <= 0) {
				if ((r = ssl_wait(nio, (int)n, e, end,
				    "TLS read")) != NETIO_OK)
					return r;
				continue;
			}
		} else {
			n = read(nio->rfd, nio->ibuf + nio->ilen, space);
			if (n == 0) {
				set_err(nio, "connection closed by peer");
				nio->eof = 1;
				return NETIO_EOF;
			}
			if (n < 0) {
				if (errno == EINTR)
					continue;
				if (errno != EAGAIN && errno != EWOULDBLOCK)
					return io_error(nio, "read", errno);
				if ((r = wait_fd(nio, nio->rfd, POLLIN,
				    end)) != NETIO_OK)
					return r;
				continue;
			}
		}
		nio->ilen += (size_t)n;
		nio->nin += (unsigned long long)n;
		return NETIO_OK;
	}
}

/*
 * netio_getline - the next line, at most max bytes of it (netio.h).
 * A CR is only known to be a line end when the next byte is there, so a
 * CR last in the buffer waits for one more read.
 */
int
netio_getline(struct netio *nio, struct str *out, size_t max, int *flags)
{
	size_t i;
	char c;
	int r;

	str_reset(out);
	str_append(out, "", 0);		/* out->s is "" for an empty line */
	*flags = 0;
	for (;;) {
		if (nio->ipos == nio->ilen || (nio->ibuf[nio->ipos] == '\r' &&
		    nio->ipos + 1 == nio->ilen)) {
			if ((r = fill(nio)) == NETIO_OK)
				continue;
			if (r != NETIO_EOF)
				return r;
			if (nio->ipos < nio->ilen) {	/* a CR, last of all */
				if (out->len >= max)
					return NETIO_TOOLONG;
				str_appendc(out, '\r');
				*flags |= NETIO_LINE_BARECR;
				nio->ipos++;
			}
			return out->len > 0 ? NETIO_OK : NETIO_EOF;
		}
		c = nio->ibuf[nio->ipos];
		if (c == '\n') {
			nio->ipos++;
			*flags |= NETIO_LINE_BARELF;
			return NETIO_OK;
		}
		if (c == '\r' && nio->ibuf[nio->ipos + 1] == '\n') {
			nio->ipos += 2;
			*flags |= NETIO_LINE_CRLF;
			return NETIO_OK;
		}
		if (out->len >= max)
			return NETIO_TOOLONG;
		if (c == '\r') {		/* not followed by LF */
			str_appendc(out, '\r');
			*flags |= NETIO_LINE_BARECR;
			nio->ipos++;
			continue;
		}
		/* a run of bytes that end no line, up to max */
		for (i = nio->ipos; i < nio->ilen &&
		    i - nio->ipos < max - out->len; i++) {
			c = nio->ibuf[i];
			if (c == '\n' || c == '\r')
				break;
			if (c == '\0')
				*flags |= NETIO_LINE_NUL;
		}
		str_append(out, nio->ibuf + nio->ipos, i - nio->ipos);
		nio->ipos = i;
	}
}

/* netio_skipline - discard input through the next LF (or to the end) */
int
netio_skipline(struct netio *nio)
{
	const char *lf;
	int r, some = 0;

	for (;;) {
		if (nio->ipos < nio->ilen) {
			lf = memchr(nio->ibuf + nio->ipos, '\n',
			    nio->ilen - nio->ipos);
			if (lf != NULL) {
				nio->ipos = (size_t)(lf - nio->ibuf) + 1;
				return NETIO_OK;
			}
			nio->ipos = nio->ilen;
			some = 1;
		}
		if ((r = fill(nio)) == NETIO_EOF && some)
			return NETIO_OK;
		if (r != NETIO_OK)
			return r;
	}
}

/* netio_read - up to n bytes: what is buffered, or one read's worth */
ssize_t
netio_read(struct netio *nio, void *buf, size_t n)
{
	size_t have;
	int r;

	if (n == 0)
		return 0;
	if (nio->ipos == nio->ilen && (r = fill(nio)) != NETIO_OK)
		return r;
	have = nio->ilen - nio->ipos;
	if (n > have)
		n = have;
	if (n > SSIZE_MAX)
		n = SSIZE_MAX;
	memcpy(buf, nio->ibuf + nio->ipos, n);
	nio->ipos += n;
	return (ssize_t)n;
}

/* netio_pending - input received and not yet read, TLS's own included */
size_t
netio_pending(struct netio *nio)
{
	size_t n = nio->ilen - nio->ipos;
	int p;

	if (nio->ssl != NULL && !nio->ssl_fatal &&
	    (p = SSL_pending(nio->ssl)) > 0)
		n += (size_t)p;
	return n;
}

/* netio_input_ready - 1 when a read would not block now */
int
netio_input_ready(struct netio *nio)
{
	struct pollfd pfd;
	int n;

	if (nio->ipos < nio->ilen || nio->eof || nio->dead)
		return 1;
	if (nio->ssl != NULL && !nio->ssl_fatal && SSL_has_pending(nio->ssl))
		return 1;
	pfd.fd = nio->rfd;
	pfd.events = POLLIN;
	pfd.revents = 0;
	do
		n = poll(&pfd, 1, 0);
	while (n < 0 && errno == EINTR);
	return n != 0;
}

/* netio_drop_input - forget input received and not yet read */
void
netio_drop_input(struct netio *nio)
{
	nio->ipos = nio->ilen = 0;
	if (nio->ssl == NULL || nio->ssl_fatal)
		return;
	while (SSL_pending(nio->ssl) > 0)
		if (SSL_read(nio->ssl, nio->ibuf, IBUF_SIZE) <= 0)
			break;
	ERR_clear_error();
	nio->ipos = nio->ilen = 0;
}

/* flush - write out the output buffer, the whole of it, in one step */
static int
flush(struct netio *nio)
{
	long long end;
	size_t off = 0;
	ssize_t n;
	int r = NETIO_OK, e;

	if (nio->dead)
		return NETIO_ERR;
	end = step_end(nio);
	while (off < nio->olen) {
		if (nio->ssl != NULL) {
			/* the same buffer and length until it is all gone */
			ERR_clear_error();
			errno = 0;
			n = SSL_write(nio->ssl, nio->obuf, (int)nio->olen);
			e = errno;
			if (n <= 0) {
				if ((r = ssl_wait(nio, (int)n, e, end,
				    "TLS write")) != NETIO_OK)
					break;
				continue;
			}
		} else {
			if (nio->wsock)
				n = send(nio->wfd, nio->obuf + off,
				    nio->olen - off, MSG_NOSIGNAL);
			else
				n = write(nio->wfd, nio->obuf + off,
				    nio->olen - off);
			if (n < 0) {
				if (errno == EINTR)
					continue;
				if (errno != EAGAIN && errno != EWOULDBLOCK) {
					r = io_error(nio, "write", errno);
					break;
				}
				if ((r = wait_fd(nio, nio->wfd, POLLOUT,
				    end)) != NETIO_OK)
					break;
				continue;
			}
		}
		off += (size_t)n;
		nio->nout += (unsigned long long)n;
	}
	if (r == NETIO_EOF) {	/* the peer closed while we wrote */
		nio->dead = 1;
		r = NETIO_ERR;
	}
	if (off > 0) {
		memmove(nio->obuf, nio->obuf + off, nio->olen - off);
		nio->olen -= off;
	}
	return r;
}

/* netio_write - buffer len bytes, flushing whenever the buffer fills */
int
netio_write(struct netio *nio, const void *buf, size_t len)
{
	const char *p = buf;
	size_t n;
	int r;

	if (nio->dead)
		return NETIO_ERR;
	while (len > 0) {
		if (nio->olen == OBUF_SIZE && (r = flush(nio)) != NETIO_OK)
			return r;
		n = OBUF_SIZE - nio->olen;
		if (n > len)
			n = len;
		memcpy(nio->obuf + nio->olen, p, n);
		nio->olen += n;
		p += n;
		len -= n;
	}
	return NETIO_OK;
}

/* netio_puts - buffer a C string */
int
netio_puts(struct netio *nio, const char *s)
{
	return netio_write(nio, s, strlen(s));
}

/* netio_printf - buffer formatted text */
int
netio_printf(struct netio *nio, const char *fmt, ...)
{
	struct str s = STR_INIT;
	va_list ap;
	int r;

	va_start(ap, fmt);
	str_vprintf(&s, fmt, ap);
	va_end(ap);
	r = netio_write(nio, s.s, s.len);
	str_free(&s);
	return r;
}

/* netio_flush - write out what is buffered */
int
netio_flush(struct netio *nio)
{
	if (nio->dead)
		return NETIO_ERR;
	return nio->olen > 0 ? flush(nio) : NETIO_OK;
}

/* netio_unflushed - bytes buffered and not yet written */
size_t
netio_unflushed(struct netio *nio)
{
	return nio->olen;
}

/* handshake - run the TLS handshake of nio->ssl to its end */
static int
handshake(struct netio *nio)
{
	long long end;
	int n, e, r;

	end = step_end(nio);
	for (;;) {
		ERR_clear_error();
		errno = 0;
		if ((n = SSL_do_handshake(nio->ssl)) == 1)
			return NETIO_OK;
		e = errno;
		switch (SSL_get_error(nio->ssl, n)) {
		case SSL_ERROR_WANT_READ:
			r = wait_fd(nio, nio->rfd, POLLIN, end);
			break;
		case SSL_ERROR_WANT_WRITE:
			r = wait_fd(nio, nio->wfd, POLLOUT, end);
			break;
		case SSL_ERROR_SYSCALL:
			if (ERR_peek_error() == 0) {
				r = e == 0 || e == EAGAIN ? NETIO_EOF :
				    io_error(nio, "TLS handshake", e);
				break;
			}
			/* FALLTHROUGH */
		default:
			str_reset(&nio->err);
			tls_handshake_error(nio->ssl, &nio->err);
			r = NETIO_ERR;
			break;
		}
		if (r == NETIO_OK)
			continue;
		if (r == NETIO_EOF)
			set_err(nio, "connection closed by peer during the TLS "
			    "handshake");
		else if (r == NETIO_TIMEOUT) {
			str_appends(&nio->err, " in the TLS handshake");
			return r;
		}
		nio->dead = 1;
		nio->ssl_fatal = 1;
		return NETIO_ERR;
	}
}

/* start_tls - drop buffered input, put ssl under the buffer, handshake */
static int
start_tls(struct netio *nio, SSL *ssl, int client)
{
	int r;

	nio->ssl = ssl;
	if (!SSL_set_rfd(ssl, nio->rfd) || !SSL_set_wfd(ssl, nio->wfd)) {
		str_reset(&nio->err);
		tls_error_text(&nio->err, "TLS setup", 0);
		nio->dead = 1;
		nio->ssl_fatal = 1;
		return NETIO_ERR;
	}
	if (client)
		SSL_set_connect_state(ssl);
	else
		SSL_set_accept_state(ssl);
	/* a half-done handshake leaves nothing to talk over */
	if ((r = handshake(nio)) != NETIO_OK) {
		nio->ssl_fatal = 1;
		nio->dead = 1;
	}
	return r;
}

/* tls_precheck - what both sides do before a handshake */
static int
tls_precheck(struct netio *nio)
{
	int r;

	if (nio->dead)
		return NETIO_ERR;
	if (nio->ssl != NULL) {
		set_err(nio, "TLS is already active");
		return NETIO_ERR;
	}
	/* what was written before belongs to the plain text part */
	if ((r = netio_flush(nio)) != NETIO_OK)
		return r;
	netio_drop_input(nio);
	return NETIO_OK;
}

/* netio_tls_client - start TLS as the client, verifying as c says */
int
netio_tls_client(struct netio *nio, const struct tls_client_conf *c)
{
	SSL *ssl;
	int r;

	if ((r = tls_precheck(nio)) != NETIO_OK)
		return r;
	str_reset(&nio->err);
	if ((ssl = tls_client_ssl(c, &nio->err)) == NULL) {
		nio->dead = 1;
		return NETIO_ERR;
	}
	return start_tls(nio, ssl, 1);
}

/* netio_tls_server - start TLS as the server */
int
netio_tls_server(struct netio *nio, struct tls_server *ts)
{
	SSL *ssl;
	int r;

	if ((r = tls_precheck(nio)) != NETIO_OK)
		return r;
	str_reset(&nio->err);
	if ((ssl = tls_server_ssl(ts, &nio->err)) == NULL) {
		nio->dead = 1;
		return NETIO_ERR;
	}
	return start_tls(nio, ssl, 0);
}

/* netio_tls_active - TLS is up and usable */
int
netio_tls_active(struct netio *nio)
{
	return nio->ssl != NULL && !nio->ssl_fatal;
}

/* netio_tls_info - the TLS parameters for the log; zeros without TLS */
void
netio_tls_info(struct netio *nio, struct tls_info *ti)
{
	if (nio->ssl != NULL && !nio->ssl_fatal)
		tls_get_info(nio->ssl, ti);
	else
		memset(ti, 0, sizeof(*ti));
}

/*
 * netio_shutdown - flush, send TLS close_notify (without waiting for the
 * peer's), then shut down the writing side of a socket
 */
int
netio_shutdown(struct netio *nio)
{
	long long end;
	int n, r, e;

	if ((r = netio_flush(nio)) != NETIO_OK)
		return r;
	if (nio->ssl != NULL && !nio->ssl_fatal) {
		end = step_end(nio);
		for (;;) {
			ERR_clear_error();
			errno = 0;
			if ((n = SSL_shutdown(nio->ssl)) >= 0)
				break;
			e = errno;
			if (SSL_get_error(nio->ssl, n) == SSL_ERROR_WANT_READ)
				break;	/* ours is sent; theirs may not come */
			if ((r = ssl_wait(nio, n, e, end, "TLS shutdown"))
			    != NETIO_OK)
				return r == NETIO_EOF ? NETIO_OK : r;
		}
	}
	if (shutdown(nio->wfd, SHUT_WR) == -1 && errno != ENOTSOCK &&
	    errno != ENOTCONN)
		return io_error(nio, "shutdown", errno);
	return NETIO_OK;
}

/* netio_strerror - the text of the last failure */
const char *
netio_strerror(struct netio *nio)
{
	return nio->err.len > 0 ? nio->err.s : "no error";
}

/* netio_bytes_in, netio_bytes_out - payload bytes (TLS: plain text) */
unsigned long long
netio_bytes_in(struct netio *nio)
{
	return nio->nin;
}

unsigned long long
netio_bytes_out(struct netio *nio)
{
	return nio->nout;
}

/*
 * netio_connect - a TCP connection to sa (its port set to port) by the
 * deadline (util_now_ms clock): a non-blocking descriptor, or -1 with
 * "connect to NAME: reason" in why
 */
int
netio_connect(const struct sockaddr_storage *sa, socklen_t salen, unsigned port,
    const char *relay, long long deadline, struct str *why)
{
	struct sockaddr_storage ss = *sa;
	struct pollfd pfd;
	socklen_t len = sizeof(int);
	int fd, err = 0, one = 1;

	if (ss.ss_family == AF_INET)
		((struct sockaddr_in *)&ss)->sin_port = htons((uint16_t)port);
	else
		((struct sockaddr_in6 *)&ss)->sin6_port = htons((uint16_t)port);
	if ((fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0)) < 0) {
		str_printf(why, "connect to %s: %s", relay, strerror(errno));
		return -1;
	}
	(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (connect(fd, (struct sockaddr *)&ss, salen) < 0) {
		if (errno != EINPROGRESS) {
			str_printf(why, "connect to %s: %s", relay, strerror(errno));
			close(fd);
			return -1;
		}
		for (;;) {
			long long left = deadline - util_now_ms();
			int n;

			if (left <= 0) {
				str_printf(why, "connect to %s: Connection timed out", relay);
				close(fd);
				return -1;
			}
			pfd.fd = fd;
			pfd.events = POLLOUT;
			if ((n = poll(&pfd, 1, (int)left)) < 0 && errno != EINTR) {
				str_printf(why, "connect to %s: %s", relay, strerror(errno));
				close(fd);
				return -1;
			}
			if (n > 0)
				break;
		}
		if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0 || err != 0) {
			str_printf(why, "connect to %s: %s", relay, strerror(err ? err : errno));
			close(fd);
			return -1;
		}
	}
	return fd;
}
