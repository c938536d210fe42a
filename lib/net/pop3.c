/*
 * pop3 - the POP3 client engine
 *
 * DESCRIPTION
 *	One struct pop_session is one connection to one mailbox, driven by
 *	popfetch (lib/net/popfetch.c). The steps follow RFC 1939 with the
 *	extensions of RFC 2449 (CAPA, PIPELINING), RFC 2595 (STLS) and
 *	RFC 5034 (AUTH PLAIN):
 *
 *	  connect     every address of the host in turn; pop3s starts TLS
 *	              at once
 *	  greeting    "+OK", with the APOP time stamp when there is one
 *	  CAPA        what the server offers; a server without CAPA is
 *	              taken to offer USER, TOP and UIDL and no more
 *	  STLS        required with tls stls: a server that does not offer
 *	              it, or refuses it, fails the session (never a silent
 *	              fall back to plain text); CAPA again afterwards
 *	  login       AUTH PLAIN, USER/PASS or APOP: see login()
 *	  listing     STAT, LIST and UIDL (sent together when pipelining):
 *	              the counts must agree, each number once and in order,
 *	              each UID valid and unique
 *	  transfer    RETR (TOP for a header only), DELE, QUIT
 *
 *	TLS always verifies the certificate chain (tls_trust_file or the
 *	system's store) and the host name; a failure names the problem
 *	(tls.h). Every line read is bounded (POP_LINE_MAX for status and
 *	listing lines; bodies come in POP_PIECE pieces) and every wait ends
 *	at the account's timeout, so no server can make us hang or grow.
 *
 *	With -v the dialogue goes to stderr; what follows PASS, APOP and
 *	AUTH PLAIN is never shown.
 */
#include "config.h"

#include <sys/socket.h>
#include <sys/types.h>

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>

#include <openssl/evp.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "netio.h"
#include "pop3.h"
#include "smtpproto.h"
#include "tls.h"
#include "util.h"

#define CHUNK	65536	/* body bytes handed to the sink at once */

void
pop_init(struct pop_session *s)
{
	memset(s, 0, sizeof(*s));
	s->fd = -1;
	str_init(&s->stamp);
	str_init(&s->line);
	str_init(&s->why);
}

/* pop_close - drop the connection; no I/O; safe twice */
void
pop_close(struct pop_session *s)
{
	if (s->io != NULL)
		netio_free(s->io);
	s->io = NULL;
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
	str_free(&s->stamp);
	str_free(&s->line);
}

/*
 * pop_set_deadline - a limit for the whole of what follows, on top of
 * the timeout of each step: a server that sends a byte now and then
 * must not hold us for ever
 */
void
pop_set_deadline(struct pop_session *s, long long abs_ms)
{
	netio_set_deadline(s->io, abs_ms);
}

/* show - the dialogue, for -v */
static void
show(struct pop_session *s, const char *dir, const char *p, size_t n)
{
	char b[LOG_CLEAN_MAX + 1];

	if (s->verbose)
		fprintf(stderr, "popfetch: %s %s\n", dir, log_clean(b, sizeof(b), p, n));
}

/* fail - set why; returns rc */
static int __attribute__((format(printf, 3, 4)))
fail(struct pop_session *s, int rc, const char *fmt, ...)
{
	va_list ap;

	str_reset(&s->why);
	va_start(ap, fmt);
	str_vprintf(&s->why, fmt, ap);
	va_end(ap);
	return rc;
}

/* io_fail - a failed netio step: the network's reason */
static int
io_fail(struct pop_session *s, int r, const char *what)
{
	if (r == NETIO_TOOLONG)
		return fail(s, POP_EPROTO, "%s: line longer than %d bytes from the server",
		    what, POP_LINE_MAX);
	if (r == NETIO_EOF)
		return fail(s, POP_ETEMP, "%s: the server closed the connection", what);
	return fail(s, POP_ETEMP, "%s: %s", what, netio_strerror(s->io));
}

/* send - one command; secret: how many bytes of it to show (-1 all) */
static int
send_cmd(struct pop_session *s, const char *cmd, long shown)
{
	size_t n = strlen(cmd);

	if (shown < 0)
		show(s, "-->", cmd, n);
	else {
		char b[64];

		util_snprintf(b, sizeof(b), "%.*s <not shown>", (int)shown, cmd);
		show(s, "-->", b, strlen(b));
	}
	if (netio_write(s->io, cmd, n) < 0 || netio_write(s->io, "\r\n", 2) < 0)
		return io_fail(s, NETIO_ERR, "sending a command");
	return 0;
}

/* get_line - one status or listing line into s->line */
static int
get_line(struct pop_session *s, const char *what)
{
	int r, flags;

	if (netio_unflushed(s->io) > 0 && (r = netio_flush(s->io)) < 0)
		return io_fail(s, r, what);
	r = netio_getline(s->io, &s->line, POP_LINE_MAX, &flags);
	if (r == NETIO_OK && flags == 0)
		r = NETIO_EOF;		/* cut off before its line end */
	if (r != NETIO_OK)
		return io_fail(s, r, what);
	show(s, "<--", s->line.s, s->line.len);
	return 0;
}

/* status - read a status line: 0 +OK, POP_EERR, or an error */
static int
status(struct pop_session *s, const char *what)
{
	const char *text;
	char b[LOG_CLEAN_MAX + 1];
	int r;

	if ((r = get_line(s, what)) < 0)
		return r;
	switch (pop_status(s->line.s, s->line.len, &text)) {
	case 1:
		return 0;
	case 0:
		return fail(s, POP_EERR, "%s: the server said: -ERR %s", what,
		    log_clean(b, sizeof(b), text, strlen(text)));
	}
	return fail(s, POP_EPROTO, "%s: not a POP3 reply: %s", what,
	    log_clean(b, sizeof(b), s->line.s, s->line.len));
}

/* cmd - one command and its status */
static int
cmd(struct pop_session *s, const char *c, long shown, const char *what)
{
	int r;

	if ((r = send_cmd(s, c, shown)) < 0)
		return r;
	return status(s, what);
}

/* multi - the lines of a multi-line answer, each to fn, to "." */
static int
multi(struct pop_session *s, const char *what, int (*fn)(struct pop_session *, void *),
    void *arg)
{
	int r;

	for (;;) {
		if ((r = get_line(s, what)) < 0)
			return r;
		if (s->line.len == 1 && s->line.s[0] == '.')
			return 0;
		if (s->line.len > 0 && s->line.s[0] == '.') {
			memmove(s->line.s, s->line.s + 1, s->line.len);
			s->line.len--;
		}
		if ((r = fn(s, arg)) < 0)
			return r;
	}
}

static int
capa_line(struct pop_session *s, void *arg)
{
	(void)arg;
	s->capa |= pop_capa_line(s->line.s, s->line.len);
	return 0;
}

/* capa - CAPA; a server without it gets the RFC 1939 basics */
static int
capa(struct pop_session *s)
{
	int r;

	s->capa = 0;
	if ((r = cmd(s, "CAPA", -1, "CAPA")) == POP_EERR) {
		s->capa = POP_CAPA_USER | POP_CAPA_TOP | POP_CAPA_UIDL;
		return 0;
	}
	if (r < 0)
		return r;
	s->capa = POP_CAPA_SEEN;
	return multi(s, "CAPA", capa_line, NULL);
}

/* connect_host - a socket to host:port: 0 or an error */
static int
connect_host(struct pop_session *s, const struct pop_account *a, unsigned port)
{
	struct addrinfo hints, *res, *ai;
	struct sockaddr_storage ss;
	struct str why = STR_INIT;
	char relay[300];
	int e;

	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_ADDRCONFIG;
	if ((e = getaddrinfo(a->host, NULL, &hints, &res)) != 0)
		return fail(s, POP_ETEMP, "cannot find host %s: %s", a->host,
		    gai_strerror(e));
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		if (ai->ai_family != AF_INET && ai->ai_family != AF_INET6)
			continue;
		memset(&ss, 0, sizeof(ss));
		memcpy(&ss, ai->ai_addr, ai->ai_addrlen);
		if (getnameinfo(ai->ai_addr, ai->ai_addrlen, s->addr, sizeof(s->addr),
		    NULL, 0, NI_NUMERICHOST) != 0)
			util_strlcpy(s->addr, "?", sizeof(s->addr));
		util_snprintf(relay, sizeof(relay), "%s[%s]:%u", a->host, s->addr, port);
		str_reset(&why);
		s->fd = netio_connect(&ss, ai->ai_addrlen, port, relay,
		    util_now_ms() + 1000LL * a->timeout, &why);
		if (s->fd >= 0)
			break;
	}
	freeaddrinfo(res);
	if (s->fd < 0) {
		fail(s, POP_ETEMP, "%s", why.len ? why.s : "no address");
		str_free(&why);
		return POP_ETEMP;
	}
	str_free(&why);
	s->io = netio_new(s->fd, s->fd);
	netio_set_timeout(s->io, 1000L * a->timeout);
	return 0;
}

/* start_tls - the handshake, verified against the CA and the host name */
static int
start_tls(struct pop_session *s, const struct pop_account *a)
{
	struct tls_client_conf c;
	struct in6_addr in6;
	const char *names[1];
	struct str err = STR_INIT;

	if (tls_init(&err) < 0) {
		fail(s, POP_ETLS, "TLS: %s", err.s);
		str_free(&err);
		return POP_ETLS;
	}
	memset(&c, 0, sizeof(c));
	c.verify = TLS_VERIFY_CA;
	c.cafile = a->trust_file;
	names[0] = a->host;
	c.names = names;
	c.nnames = 1;
	if (inet_pton(AF_INET, a->host, &in6) != 1 && inet_pton(AF_INET6, a->host, &in6) != 1)
		c.sni = a->host;
	if (netio_tls_client(s->io, &c) != NETIO_OK)
		return fail(s, POP_ETLS, "TLS with %s[%s] failed: %s", a->host, s->addr,
		    netio_strerror(s->io));
	s->tls = 1;
	show(s, "===", "TLS on, certificate verified", 29);
	return 0;
}

/* apop - the APOP digest: MD5 of the stamp and the password, in hex */
static int
apop(struct pop_session *s, const struct pop_account *a)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0, i;
	EVP_MD_CTX *ctx;
	struct str c = STR_INIT;
	int r;

	if ((ctx = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestInit_ex(ctx, EVP_md5(), NULL) != 1 ||
	    EVP_DigestUpdate(ctx, s->stamp.s, s->stamp.len) != 1 ||
	    EVP_DigestUpdate(ctx, a->pass, strlen(a->pass)) != 1 ||
	    EVP_DigestFinal_ex(ctx, md, &mdlen) != 1) {
		EVP_MD_CTX_free(ctx);
		return fail(s, POP_EAUTH, "APOP: MD5 is not available");
	}
	EVP_MD_CTX_free(ctx);
	str_printf(&c, "APOP %s ", a->user);
	for (i = 0; i < mdlen; i++)
		str_printf(&c, "%02x", md[i]);
	r = cmd(s, c.s, (long)(strlen(a->user) + 5), "APOP");
	str_free(&c);
	return r;
}

/*
 * login - auth auto takes AUTH PLAIN when offered, else USER/PASS, and
 * APOP when the session is not encrypted and the greeting has a stamp
 * (so that no password crosses the network in clear text on its own
 * accord). A named method is used or the session fails.
 */
static int
login(struct pop_session *s, const struct pop_account *a)
{
	struct str c = STR_INIT, resp = STR_INIT;
	enum pop_auth m = a->auth;
	int r;

	if (m == POP_AUTH_AUTO) {
		if (!s->tls && s->stamp.len > 0)
			m = POP_AUTH_APOP;
		else if (s->capa & POP_CAPA_SASL_PLAIN)
			m = POP_AUTH_PLAIN;
		else
			m = POP_AUTH_USER;
	}
	switch (m) {
	case POP_AUTH_APOP:
		if (s->stamp.len == 0)
			return fail(s, POP_EAUTH, "auth apop: the server's greeting has no "
			    "APOP time stamp");
		r = apop(s, a);
		break;
	case POP_AUTH_PLAIN:
		sasl_plain(&resp, NULL, a->user, a->pass);
		str_printf(&c, "AUTH PLAIN %s", resp.s);
		r = cmd(s, c.s, 10, "AUTH PLAIN");
		break;
	default:
		str_printf(&c, "USER %s", a->user);
		if ((r = cmd(s, c.s, -1, "USER")) == 0) {
			str_reset(&c);
			str_printf(&c, "PASS %s", a->pass);
			r = cmd(s, c.s, 4, "PASS");
		}
		break;
	}
	str_free(&c);
	str_free(&resp);
	if (r == POP_EERR) {
		struct str w = STR_INIT;

		str_printf(&w, "login as %s refused: %s", a->user, s->why.s);
		str_reset(&s->why);
		str_append(&s->why, w.s, w.len);
		str_free(&w);
		return POP_EAUTH;
	}
	return r;
}

/* pop_open - connect, greeting, CAPA, STLS, login */
int
pop_open(struct pop_session *s, const struct pop_account *a)
{
	unsigned port = a->port ? a->port : a->tls == POP_TLS_POP3S ? 995 : 110;
	const char *text;
	int r;

	if ((r = connect_host(s, a, port)) < 0)
		return r;
	if (a->tls == POP_TLS_POP3S && (r = start_tls(s, a)) < 0)
		return r;
	if ((r = status(s, "greeting")) < 0)
		return r == POP_EERR ? POP_ETEMP : r;
	(void)pop_status(s->line.s, s->line.len, &text);
	if (pop_apop_stamp(text, strlen(text), &s->stamp) < 0)
		str_reset(&s->stamp);
	if ((r = capa(s)) < 0)
		return r;
	if (a->tls == POP_TLS_STLS) {
		if ((s->capa & POP_CAPA_SEEN) && !(s->capa & POP_CAPA_STLS))
			return fail(s, POP_ETLS, "%s[%s] does not offer STLS (tls stls); "
			    "tls none would send the password in clear text",
			    a->host, s->addr);
		if ((r = cmd(s, "STLS", -1, "STLS")) < 0)
			return r == POP_EERR ? fail(s, POP_ETLS, "%s", s->why.s) : r;
		if ((r = start_tls(s, a)) < 0 || (r = capa(s)) < 0)
			return r;
	}
	return login(s, a);
}

/* the listing being read */
struct listing {
	struct pop_msg	*m;
	size_t		 n, cap, uids;
};

static int
list_line(struct pop_session *s, void *arg)
{
	struct listing *l = arg;
	unsigned long num;
	long long size;
	char b[LOG_CLEAN_MAX + 1];

	if (pop_parse_list(s->line.s, s->line.len, &num, &size) < 0)
		return fail(s, POP_EPROTO, "LIST: bad line: %s",
		    log_clean(b, sizeof(b), s->line.s, s->line.len));
	if (l->n > 0 && num <= l->m[l->n - 1].num)
		return fail(s, POP_EPROTO, "LIST: message %lu out of order", num);
	if (l->n == l->cap) {
		l->cap = l->cap ? 2 * l->cap : 64;
		l->m = xreallocarray(l->m, l->cap, sizeof(*l->m));
	}
	l->m[l->n].num = num;
	l->m[l->n].size = size;
	l->m[l->n].uid = NULL;
	l->n++;
	return 0;
}

/* find - the listing entry of message num, by binary search */
static struct pop_msg *
find(struct listing *l, unsigned long num)
{
	size_t lo = 0, hi = l->n, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (l->m[mid].num == num)
			return &l->m[mid];
		if (l->m[mid].num < num)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

static int
uidl_line(struct pop_session *s, void *arg)
{
	struct listing *l = arg;
	struct pop_msg *m;
	unsigned long num;
	char uid[POP_UID_MAX + 1], b[LOG_CLEAN_MAX + 1];

	if (pop_parse_uidl(s->line.s, s->line.len, &num, uid) < 0)
		return fail(s, POP_EPROTO, "UIDL: bad line: %s",
		    log_clean(b, sizeof(b), s->line.s, s->line.len));
	if ((m = find(l, num)) == NULL)
		return fail(s, POP_EPROTO, "UIDL: message %lu is not in the LIST answer", num);
	if (m->uid != NULL)
		return fail(s, POP_EPROTO, "UIDL: message %lu listed twice", num);
	m->uid = xstrdup(uid);
	l->uids++;
	return 0;
}

static int
uidcmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* check_uids - every message has a UID, and no two the same */
static int
check_uids(struct pop_session *s, struct listing *l)
{
	char **v, b[LOG_CLEAN_MAX + 1];
	size_t i;
	int r = 0;

	if (l->uids != l->n)
		return fail(s, POP_EPROTO, "UIDL lists %zu messages, LIST %zu", l->uids, l->n);
	if (l->n < 2)
		return 0;
	v = xreallocarray(NULL, l->n, sizeof(*v));
	for (i = 0; i < l->n; i++)
		v[i] = l->m[i].uid;
	qsort(v, l->n, sizeof(*v), uidcmp);
	for (i = 1; i < l->n && r == 0; i++)
		if (strcmp(v[i - 1], v[i]) == 0)
			r = fail(s, POP_EPROTO, "UIDL: two messages have the UID %s",
			    log_clean(b, sizeof(b), v[i], strlen(v[i])));
	free(v);
	return r;
}

/*
 * pop_list - STAT, LIST and, with want_uidl, UIDL. A server whose
 * answers disagree is broken (POP_EPROTO). Without UIDL support (-ERR)
 * the UIDs stay NULL and s->capa loses POP_CAPA_UIDL.
 */
int
pop_list(struct pop_session *s, int want_uidl, struct pop_msg **out, size_t *nout)
{
	struct listing l;
	long long count = 0;
	const char *text;
	int pipe = s->capa & POP_CAPA_PIPELINING, r;

	memset(&l, 0, sizeof(l));
	if ((r = send_cmd(s, "STAT", -1)) < 0)
		goto out;
	if (pipe && ((r = send_cmd(s, "LIST", -1)) < 0 ||
	    (want_uidl && (r = send_cmd(s, "UIDL", -1)) < 0)))
		goto out;
	if ((r = status(s, "STAT")) < 0)
		goto out;
	(void)pop_status(s->line.s, s->line.len, &text);
	if (pop_parse_stat(text, strlen(text), &count) < 0) {
		r = fail(s, POP_EPROTO, "STAT: bad answer");
		goto out;
	}
	if ((!pipe && (r = send_cmd(s, "LIST", -1)) < 0) || (r = status(s, "LIST")) < 0 ||
	    (r = multi(s, "LIST", list_line, &l)) < 0)
		goto out;
	if ((long long)l.n != count) {
		r = fail(s, POP_EPROTO, "the server counts %lld messages (STAT) but "
		    "lists %zu (LIST)", count, l.n);
		goto out;
	}
	if (want_uidl) {
		if (!pipe && (r = send_cmd(s, "UIDL", -1)) < 0)
			goto out;
		if ((r = status(s, "UIDL")) == POP_EERR) {
			s->capa &= ~POP_CAPA_UIDL;
			r = 0;
		} else if (r < 0 || (r = multi(s, "UIDL", uidl_line, &l)) < 0 ||
		    (r = check_uids(s, &l)) < 0)
			goto out;
		else
			s->capa |= POP_CAPA_UIDL;
	}
	r = 0;
out:
	if (r < 0) {
		pop_list_free(l.m, l.n);
		return r == POP_EERR ? POP_EPROTO : r;
	}
	*out = l.m;
	*nout = l.n;
	return 0;
}

void
pop_list_free(struct pop_msg *m, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(m[i].uid);
	free(m);
}

/* pop_send_retr - queue RETR num (or TOP num lines); read with pop_read_body */
int
pop_send_retr(struct pop_session *s, unsigned long num, long top_lines)
{
	char c[64];

	if (top_lines >= 0)
		util_snprintf(c, sizeof(c), "TOP %lu %ld", num, top_lines);
	else
		util_snprintf(c, sizeof(c), "RETR %lu", num);
	return send_cmd(s, c, -1);
}

/*
 * pop_read_body - the answer to a RETR or TOP: the status, then the
 * body to its "." line, in chunks to fn. 0: all of it went to fn; 1: fn
 * refused a chunk, the rest was read and dropped; POP_EERR: -ERR (the
 * session goes on); otherwise the session is lost, and what fn got so
 * far is not a message.
 */
int
pop_read_body(struct pop_session *s, const char *what, pop_sink_fn fn, void *arg)
{
	struct pop_body b;
	struct str chunk = STR_INIT;
	int r, flags, refused = 0;

	if ((r = status(s, what)) < 0)
		return r;
	pop_body_init(&b);
	str_reserve(&chunk, CHUNK + POP_PIECE + 1);
	for (;;) {
		r = netio_getline(s->io, &s->line, POP_PIECE, &flags);
		if (r == NETIO_OK && flags == 0)
			r = NETIO_EOF;
		if (r != NETIO_OK && r != NETIO_TOOLONG) {
			r = fail(s, r == NETIO_TOOLONG ? POP_EPROTO : POP_ETEMP,
			    "%s: connection lost after %lld bytes of the message: %s", what,
			    b.bytes, r == NETIO_EOF ? "the server closed the connection" :
			    netio_strerror(s->io));
			break;
		}
		if (pop_body_piece(&b, s->line.s, s->line.len, r == NETIO_OK, &chunk)) {
			if (!refused && chunk.len > 0 && fn(arg, chunk.s, chunk.len) < 0)
				refused = 1;
			r = refused;
			break;
		}
		if (chunk.len >= CHUNK) {
			if (!refused && fn(arg, chunk.s, chunk.len) < 0)
				refused = 1;
			str_reset(&chunk);
		}
	}
	str_free(&chunk);
	if (r == 0 && s->verbose)
		fprintf(stderr, "popfetch: <-- (%lld bytes, %lld lines)\n", b.bytes, b.lines);
	return r;
}

/* pop_dele - DELE each message; pipelined when the server allows */
int
pop_dele(struct pop_session *s, const unsigned long *num, size_t n)
{
	char c[40];
	size_t i, sent = 0;
	int r, first = 0;

	for (i = 0; i < n; i++) {
		util_snprintf(c, sizeof(c), "DELE %lu", num[i]);
		if ((r = send_cmd(s, c, -1)) < 0)
			return r;
		sent++;
		if (!(s->capa & POP_CAPA_PIPELINING) || sent == n || sent % 64 == 0) {
			for (; sent > 0; sent--)
				if ((r = status(s, "DELE")) < 0) {
					if (r != POP_EERR)
						return r;
					if (first == 0)
						first = r;
				}
		}
	}
	return first;
}

/* pop_quit - QUIT: what commits the deletions (RFC 1939 6) */
int
pop_quit(struct pop_session *s)
{
	int r;

	r = cmd(s, "QUIT", -1, "QUIT");
	(void)netio_shutdown(s->io);
	return r;
}
