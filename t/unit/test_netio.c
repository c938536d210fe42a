/*
 * test_netio - Check suite for lib/net/netio.c (plain I/O) and the parts
 * of lib/net/tls.c that need no peer certificate
 *
 * The peer is the other end of a socketpair or a pipe: a forked child
 * that writes a script of bytes (with a pause at a chosen point, so that
 * a line end can fall between two reads) and exits, or a descriptor the
 * test keeps open and never reads or writes, for the timeouts. Line
 * reading is a table of named cases; timeouts are measured against the
 * clock with a margin for a loaded machine. TLS against real peers is in
 * t/integ/tls.sh.
 */
#include "config.h"

#include <sys/socket.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <check.h>
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "netio.h"
#include "str.h"
#include "tls.h"
#include "unit.h"
#include "util.h"

#define MS(x)	((long long)(x))

/* --- helpers ---------------------------------------------------------- */

/* pause_ms - sleep without signals */
static void
pause_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

/*
 * peer_script - fork a child that writes in[0..split), pauses 60 ms,
 * writes the rest and exits (closing its end); split 0: all at once
 */
static pid_t
peer_script(int fd, int other, const char *in, size_t len, size_t split)
{
	pid_t pid;

	pid = fork();
	ck_assert_int_ne(pid, -1);
	if (pid == 0) {
		close(other);
		if (split > 0 && split < len) {
			if (util_write_all(fd, in, split) == -1)
				_exit(1);
			pause_ms(60);
			in += split;
			len -= split;
		}
		_exit(util_write_all(fd, in, len) == -1 ? 1 : 0);
	}
	close(fd);
	return pid;
}

/* reap - the child exited 0 */
static void
reap(pid_t pid)
{
	int st;

	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0,
	    "peer failed (status %d)", st);
}

static void
mkpair(int sv[2])
{
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
}

/* --- lines ------------------------------------------------------------ */

struct want {
	int		 r;
	const char	*s;
	size_t		 len;
	int		 flags;
};

#define W(r, s, f)	{ r, s, sizeof(s) - 1, f }
#define WEOF		{ NETIO_EOF, "", 0, 0 }

static const struct line_case {
	const char	*name;
	const char	*in;
	size_t		 len;
	size_t		 split;
	size_t		 max;
	struct want	 want[6];
} line_cases[] = {
#define IN(s)	s, sizeof(s) - 1
	{ "crlf and bare lf", IN("a\r\nb\nc\r\n"), 0, 100,
	    { W(NETIO_OK, "a", NETIO_LINE_CRLF), W(NETIO_OK, "b", NETIO_LINE_BARELF),
	      W(NETIO_OK, "c", NETIO_LINE_CRLF), WEOF } },
	{ "bare cr inside", IN("c\rd\r\n"), 0, 100,
	    { W(NETIO_OK, "c\rd", NETIO_LINE_BARECR | NETIO_LINE_CRLF), WEOF } },
	{ "nul inside", IN("e\0f\r\ng\n"), 0, 100,
	    { W(NETIO_OK, "e\0f", NETIO_LINE_NUL | NETIO_LINE_CRLF),
	      W(NETIO_OK, "g", NETIO_LINE_BARELF), WEOF } },
	{ "empty lines", IN("\r\n\n"), 0, 100,
	    { W(NETIO_OK, "", NETIO_LINE_CRLF), W(NETIO_OK, "", NETIO_LINE_BARELF),
	      WEOF } },
	{ "cr lf split between reads", IN("xy\r\nz\r\n"), 3, 100,
	    { W(NETIO_OK, "xy", NETIO_LINE_CRLF), W(NETIO_OK, "z", NETIO_LINE_CRLF),
	      WEOF } },
	{ "line split between reads", IN("hello world\r\n"), 5, 100,
	    { W(NETIO_OK, "hello world", NETIO_LINE_CRLF), WEOF } },
	{ "cr then pause then text", IN("ab\rcd\n"), 3, 100,
	    { W(NETIO_OK, "ab\rcd", NETIO_LINE_BARECR | NETIO_LINE_BARELF), WEOF } },
	{ "partial line at eof", IN("one\r\nabc"), 0, 100,
	    { W(NETIO_OK, "one", NETIO_LINE_CRLF), W(NETIO_OK, "abc", 0), WEOF } },
	{ "cr last at eof", IN("abc\r"), 0, 100,
	    { W(NETIO_OK, "abc\r", NETIO_LINE_BARECR), WEOF } },
	{ "nothing at all", IN(""), 0, 100, { WEOF } },
	{ "too long, rest readable", IN("abcdefghij\r\nk\r\n"), 0, 4,
	    { W(NETIO_TOOLONG, "abcd", 0), W(NETIO_TOOLONG, "efgh", 0),
	      W(NETIO_OK, "ij", NETIO_LINE_CRLF), W(NETIO_OK, "k", NETIO_LINE_CRLF),
	      WEOF } },
	{ "exactly max is not too long", IN("abcd\r\nabcd\n"), 0, 4,
	    { W(NETIO_OK, "abcd", NETIO_LINE_CRLF), W(NETIO_OK, "abcd", NETIO_LINE_BARELF),
	      WEOF } },
	{ "cr after max bytes is content", IN("abcd\rx\r\n"), 0, 4,
	    { W(NETIO_TOOLONG, "abcd", 0),
	      W(NETIO_OK, "\rx", NETIO_LINE_BARECR | NETIO_LINE_CRLF), WEOF } },
	{ "too long split across reads", IN("abcdefgh\r\n"), 6, 4,
	    { W(NETIO_TOOLONG, "abcd", 0), W(NETIO_OK, "efgh", NETIO_LINE_CRLF),
	      WEOF } },
#undef IN
};

START_TEST(test_lines)
{
	const struct line_case *c = &line_cases[_i];
	struct netio *nio;
	struct str line = STR_INIT;
	int sv[2], flags, r;
	size_t k;
	pid_t pid;

	mkpair(sv);
	pid = peer_script(sv[1], sv[0], c->in, c->len, c->split);
	nio = netio_new(sv[0], sv[0]);
	netio_set_timeout(nio, 3000);
	for (k = 0; k < ARRAY_LEN(c->want); k++) {
		const struct want *w = &c->want[k];

		r = netio_getline(nio, &line, c->max, &flags);
		ck_assert_msg(r == w->r, "%s: line %zu: got %d, want %d (%s)",
		    c->name, k, r, w->r, netio_strerror(nio));
		if (r == NETIO_EOF)
			break;
		ck_assert_msg(line.len == w->len && memcmp(line.s, w->s, w->len) == 0,
		    "%s: line %zu: got \"%s\" (%zu bytes)", c->name, k, line.s,
		    line.len);
		ck_assert_msg(flags == w->flags, "%s: line %zu: flags %#x, want %#x",
		    c->name, k, flags, w->flags);
	}
	/* EOF stays EOF */
	ck_assert_int_eq(netio_getline(nio, &line, c->max, &flags), NETIO_EOF);
	ck_assert_uint_eq(netio_bytes_in(nio), c->len);
	reap(pid);
	str_free(&line);
	netio_free(nio);
	close(sv[0]);
}
END_TEST

START_TEST(test_skipline)
{
	static const char in[] = "a very long line of garbage\nnext\r\nlast";
	struct netio *nio;
	struct str line = STR_INIT;
	int sv[2], flags;
	pid_t pid;

	mkpair(sv);
	pid = peer_script(sv[1], sv[0], in, sizeof(in) - 1, 10);
	nio = netio_new(sv[0], sv[0]);
	ck_assert_int_eq(netio_getline(nio, &line, 6, &flags), NETIO_TOOLONG);
	ck_assert_str_eq(line.s, "a very");
	ck_assert_int_eq(netio_skipline(nio), NETIO_OK);
	ck_assert_int_eq(netio_getline(nio, &line, 6, &flags), NETIO_OK);
	ck_assert_str_eq(line.s, "next");
	/* skipping the unterminated last line: OK, then EOF */
	ck_assert_int_eq(netio_skipline(nio), NETIO_OK);
	ck_assert_int_eq(netio_skipline(nio), NETIO_EOF);
	ck_assert_int_eq(netio_getline(nio, &line, 6, &flags), NETIO_EOF);
	reap(pid);
	str_free(&line);
	netio_free(nio);
	close(sv[0]);
}
END_TEST

/* --- timeouts --------------------------------------------------------- */

static const struct wait_case {
	const char	*name;
	long		 timeout;
	long		 deadline;	/* from now; 0: none */
	long		 want_ms;
	const char	*want_err;
} wait_cases[] = {
	{ "timeout alone", 200, 0, 200, "timeout" },
	{ "timeout before the deadline", 200, 5000, 200, "timeout" },
	{ "deadline before the timeout", 5000, 250, 250, "session deadline passed" },
	{ "deadline already passed", 5000, -10, 0, "session deadline passed" },
};

/* check_elapsed - a wait of want ms took about that long */
static void
check_elapsed(const char *name, long long t0, long want)
{
	long long took = util_now_ms() - t0;

	ck_assert_msg(took >= want - 5 && took < want + 1500,
	    "%s: took %lld ms, want about %ld", name, took, want);
}

START_TEST(test_read_timeout)
{
	const struct wait_case *c = &wait_cases[_i];
	struct netio *nio;
	struct str line = STR_INIT;
	long long t0;
	int sv[2], flags;

	mkpair(sv);	/* sv[1] stays open and silent */
	nio = netio_new(sv[0], sv[0]);
	netio_set_timeout(nio, c->timeout);
	t0 = util_now_ms();
	if (c->deadline != 0)
		netio_set_deadline(nio, t0 + c->deadline);
	ck_assert_int_eq(netio_getline(nio, &line, 100, &flags), NETIO_TIMEOUT);
	check_elapsed(c->name, t0, c->want_ms);
	ck_assert_str_eq(netio_strerror(nio), c->want_err);
	str_free(&line);
	netio_free(nio);
	close(sv[0]);
	close(sv[1]);
}
END_TEST

/* the peer never reads: the socket buffers fill and the flush times out */
START_TEST(test_write_timeout)
{
	struct netio *nio;
	char *buf;
	size_t total = 0, chunk = 64 * 1024;
	long long t0;
	int sv[2], r = NETIO_OK;

	mkpair(sv);
	buf = xcalloc(1, chunk);
	nio = netio_new(sv[0], sv[0]);
	netio_set_timeout(nio, 200);
	t0 = util_now_ms();
	while (total < 64 * 1024 * 1024 &&
	    (r = netio_write(nio, buf, chunk)) == NETIO_OK)
		total += chunk;
	if (r == NETIO_OK)
		r = netio_flush(nio);
	ck_assert_int_eq(r, NETIO_TIMEOUT);
	check_elapsed("write timeout", t0, 200);
	ck_assert_str_eq(netio_strerror(nio), "timeout");
	ck_assert_uint_gt(netio_unflushed(nio), 0);
	/* the same with a deadline shorter than the timeout */
	netio_set_timeout(nio, 10000);
	t0 = util_now_ms();
	netio_set_deadline(nio, t0 + 150);
	ck_assert_int_eq(netio_flush(nio), NETIO_TIMEOUT);
	check_elapsed("write deadline", t0, 150);
	ck_assert_str_eq(netio_strerror(nio), "session deadline passed");
	free(buf);
	netio_free(nio);
	close(sv[0]);
	close(sv[1]);
}
END_TEST

/* --- pending, input_ready, drop_input ---------------------------------- */

START_TEST(test_pending)
{
	struct netio *nio;
	struct str line = STR_INIT;
	int sv[2], flags;

	mkpair(sv);
	nio = netio_new(sv[0], sv[0]);
	netio_set_timeout(nio, 2000);
	ck_assert_int_eq(netio_input_ready(nio), 0);
	ck_assert_uint_eq(netio_pending(nio), 0);
	ck_assert_int_eq(util_write_all(sv[1], "one\r\ntwo\r\n", 10), 0);
	ck_assert_int_eq(netio_input_ready(nio), 1);
	ck_assert_uint_eq(netio_pending(nio), 0);	/* not read yet */
	ck_assert_int_eq(netio_getline(nio, &line, 100, &flags), NETIO_OK);
	ck_assert_str_eq(line.s, "one");
	ck_assert_uint_eq(netio_pending(nio), 5);
	ck_assert_int_eq(netio_input_ready(nio), 1);
	netio_drop_input(nio);
	ck_assert_uint_eq(netio_pending(nio), 0);
	ck_assert_int_eq(netio_input_ready(nio), 0);
	ck_assert_int_eq(util_write_all(sv[1], "three\r\n", 7), 0);
	ck_assert_int_eq(netio_getline(nio, &line, 100, &flags), NETIO_OK);
	ck_assert_str_eq(line.s, "three");
	/* netio_read gives what is buffered first */
	ck_assert_int_eq(util_write_all(sv[1], "4\r\nrest", 7), 0);
	ck_assert_int_eq(netio_getline(nio, &line, 100, &flags), NETIO_OK);
	ck_assert_str_eq(line.s, "4");
	{
		char b[16];
		ssize_t n = netio_read(nio, b, sizeof(b));

		ck_assert_int_eq(n, 4);
		ck_assert_int_eq(memcmp(b, "rest", 4), 0);
	}
	/* a closed peer: input is "ready" (a read ends at once) */
	close(sv[1]);
	ck_assert_int_eq(netio_input_ready(nio), 1);
	ck_assert_int_eq(netio_getline(nio, &line, 100, &flags), NETIO_EOF);
	str_free(&line);
	netio_free(nio);
	close(sv[0]);
}
END_TEST

/* --- writes ----------------------------------------------------------- */

START_TEST(test_write_buffered)
{
	struct netio *nio;
	char buf[64];
	ssize_t n;
	int sv[2];

	mkpair(sv);
	nio = netio_new(sv[0], sv[0]);
	ck_assert_int_eq(netio_puts(nio, "250 "), NETIO_OK);
	ck_assert_int_eq(netio_printf(nio, "%s %d\r\n", "ok", 42), NETIO_OK);
	ck_assert_uint_eq(netio_unflushed(nio), 11);
	ck_assert_uint_eq(netio_bytes_out(nio), 0);
	ck_assert_int_eq(netio_flush(nio), NETIO_OK);
	ck_assert_uint_eq(netio_unflushed(nio), 0);
	ck_assert_uint_eq(netio_bytes_out(nio), 11);
	n = read(sv[1], buf, sizeof(buf));
	ck_assert_int_eq(n, 11);
	ck_assert_int_eq(memcmp(buf, "250 ok 42\r\n", 11), 0);
	netio_free(nio);
	close(sv[0]);
	close(sv[1]);
}
END_TEST

/* a closed socket peer: NETIO_ERR with a reason, and no SIGPIPE */
START_TEST(test_write_closed_socket)
{
	struct netio *nio;
	char buf[4096];
	int sv[2], r = NETIO_OK, i;

	signal(SIGPIPE, SIG_DFL);	/* send(MSG_NOSIGNAL) must not raise it */
	mkpair(sv);
	close(sv[1]);
	memset(buf, 'x', sizeof(buf));
	nio = netio_new(sv[0], sv[0]);
	for (i = 0; i < 10 && r == NETIO_OK; i++)
		if ((r = netio_write(nio, buf, sizeof(buf))) == NETIO_OK)
			r = netio_flush(nio);
	ck_assert_int_eq(r, NETIO_ERR);
	ck_assert_msg(strstr(netio_strerror(nio), "closed by peer") != NULL ||
	    strstr(netio_strerror(nio), "reset by peer") != NULL,
	    "error text: %s", netio_strerror(nio));
	/* unusable afterwards */
	ck_assert_int_eq(netio_puts(nio, "x"), NETIO_ERR);
	netio_free(nio);
	close(sv[0]);
}
END_TEST

/* a closed pipe: EPIPE (the caller ignores SIGPIPE) */
START_TEST(test_write_closed_pipe)
{
	struct netio *nio;
	int p[2];

	signal(SIGPIPE, SIG_IGN);
	ck_assert_int_eq(pipe(p), 0);
	close(p[0]);
	nio = netio_new(p[1], p[1]);
	ck_assert_int_eq(netio_puts(nio, "hello\r\n"), NETIO_OK);
	ck_assert_int_eq(netio_flush(nio), NETIO_ERR);
	ck_assert_str_eq(netio_strerror(nio), "connection closed by peer (broken pipe)");
	netio_free(nio);
	close(p[1]);
}
END_TEST

/* --- a large transfer, both ways -------------------------------------- */

#define BIG	(6 * 1024 * 1024 + 123)

/* pattern - byte i of the test stream: lines of varying length */
static char
pattern(size_t i)
{
	uint32_t x = (uint32_t)(i / 977) * 2654435761u;

	return (i % 977 == 976) ? '\n' : (char)('a' + ((x >> 7) + i) % 26);
}

/*
 * Over two pipes (rfd != wfd, write() path): the child reads what we
 * write with plain read() and checks it, and writes the stream back, which
 * we read with netio_getline and netio_read.
 */
START_TEST(test_large)
{
	struct netio *nio;
	struct str line = STR_INIT;
	size_t i, got, k;
	int to[2], from[2], flags, r;
	char *buf;
	pid_t pid;

	ck_assert_int_eq(pipe(to), 0);
	ck_assert_int_eq(pipe(from), 0);
	pid = fork();
	ck_assert_int_ne(pid, -1);
	if (pid == 0) {
		char b[8192];
		ssize_t n;
		size_t off = 0, j;

		close(to[1]);
		close(from[0]);
		while ((n = read(to[0], b, sizeof(b))) > 0) {
			for (j = 0; j < (size_t)n; j++)
				if (b[j] != pattern(off + j))
					_exit(2);
			off += (size_t)n;
		}
		if (n < 0 || off != BIG)
			_exit(3);
		for (off = 0; off < BIG; off += j) {
			for (j = 0; j < sizeof(b) && off + j < BIG; j++)
				b[j] = pattern(off + j);
			if (util_write_all(from[1], b, j) == -1)
				_exit(4);
		}
		_exit(0);
	}
	close(to[0]);
	close(from[1]);
	nio = netio_new(from[0], to[1]);
	netio_set_timeout(nio, 10000);
	buf = xmalloc(BIG);
	for (i = 0; i < BIG; i++)
		buf[i] = pattern(i);
	/* odd-sized writes across the buffer boundary */
	for (i = 0; i < BIG; i += k) {
		k = BIG - i < 40000 ? BIG - i : 40000;
		ck_assert_int_eq(netio_write(nio, buf + i, k), NETIO_OK);
	}
	ck_assert_int_eq(netio_flush(nio), NETIO_OK);
	close(to[1]);
	ck_assert_uint_eq(netio_bytes_out(nio), BIG);
	/* read back: first half as lines, the rest with netio_read */
	for (got = 0; got < BIG / 2;) {
		r = netio_getline(nio, &line, 2000, &flags);
		ck_assert_int_eq(r, NETIO_OK);
		ck_assert_int_eq(flags, NETIO_LINE_BARELF);
		ck_assert_int_eq(memcmp(line.s, buf + got, line.len), 0);
		got += line.len + 1;
	}
	while (got < BIG) {
		char b[5000];
		ssize_t n = netio_read(nio, b, sizeof(b));

		ck_assert_int_gt(n, 0);
		ck_assert_int_eq(memcmp(b, buf + got, (size_t)n), 0);
		got += (size_t)n;
	}
	ck_assert_uint_eq(got, BIG);
	ck_assert_int_eq(netio_read(nio, buf, 1), NETIO_EOF);
	reap(pid);
	free(buf);
	str_free(&line);
	netio_free(nio);
	close(from[0]);
}
END_TEST

/* --- TLS without a peer certificate ------------------------------------ */

/* a silent peer: the handshake ends at the timeout */
START_TEST(test_tls_handshake_timeout)
{
	struct tls_client_conf tc;
	struct netio *nio;
	struct str err = STR_INIT;
	long long t0;
	int sv[2];
	char b[16];

	ck_assert_int_eq(tls_init(&err), 0);
	mkpair(sv);
	memset(&tc, 0, sizeof(tc));
	tc.verify = TLS_VERIFY_NONE;
	nio = netio_new(sv[0], sv[0]);
	netio_set_timeout(nio, 200);
	t0 = util_now_ms();
	ck_assert_int_eq(netio_tls_client(nio, &tc), NETIO_TIMEOUT);
	check_elapsed("TLS handshake timeout", t0, 200);
	ck_assert_str_eq(netio_strerror(nio), "timeout in the TLS handshake");
	/* the ClientHello went out */
	ck_assert_int_gt(read(sv[1], b, sizeof(b)), 0);
	ck_assert_int_eq(b[0], 0x16);	/* TLS handshake record */
	netio_free(nio);
	str_free(&err);
	close(sv[0]);
	close(sv[1]);
}
END_TEST

/* a peer that closes: an error, not a hang (OpenSSL writes: no SIGPIPE) */
START_TEST(test_tls_peer_closes)
{
	struct tls_client_conf tc;
	struct netio *nio;
	int sv[2];

	signal(SIGPIPE, SIG_IGN);
	mkpair(sv);
	close(sv[1]);
	memset(&tc, 0, sizeof(tc));
	nio = netio_new(sv[0], sv[0]);
	netio_set_timeout(nio, 2000);
	ck_assert_int_eq(netio_tls_client(nio, &tc), NETIO_ERR);
	ck_assert_msg(strlen(netio_strerror(nio)) > 0, "no error text");
	ck_assert_int_eq(netio_tls_active(nio), 0);
	netio_free(nio);
	close(sv[0]);
}
END_TEST

/* DANE with only PKIX usages (0, 1): nothing usable, no handshake */
START_TEST(test_tls_no_usable_tlsa)
{
	static unsigned char hash[32];
	struct tlsa_rr rr[2] = {
		{ 0, 1, 1, hash, sizeof(hash) },
		{ 1, 1, 1, hash, sizeof(hash) },
	};
	struct tls_client_conf tc;
	struct netio *nio;
	int sv[2];
	char b[16];

	mkpair(sv);
	memset(&tc, 0, sizeof(tc));
	tc.verify = TLS_VERIFY_DANE;
	tc.tlsa = rr;
	tc.ntlsa = 2;
	tc.tlsa_base = "mx.example.test";
	nio = netio_new(sv[0], sv[0]);
	ck_assert_int_eq(netio_tls_client(nio, &tc), NETIO_ERR);
	ck_assert_str_eq(netio_strerror(nio), "no usable TLSA records");
	ck_assert_int_eq(recv(sv[1], b, sizeof(b), MSG_DONTWAIT), -1);
	netio_free(nio);
	close(sv[0]);
	close(sv[1]);
}
END_TEST

/* TLS_VERIFY_CA with a CA file that does not exist */
START_TEST(test_tls_bad_cafile)
{
	struct tls_client_conf tc;
	struct netio *nio;
	const char *name = "mx.example.test";
	int sv[2];

	mkpair(sv);
	memset(&tc, 0, sizeof(tc));
	tc.verify = TLS_VERIFY_CA;
	tc.cafile = "/nonexistent/ca.pem";
	tc.names = &name;
	tc.nnames = 1;
	nio = netio_new(sv[0], sv[0]);
	ck_assert_int_eq(netio_tls_client(nio, &tc), NETIO_ERR);
	ck_assert_msg(strstr(netio_strerror(nio), "cannot load CA /nonexistent/ca.pem") != NULL,
	    "error text: %s", netio_strerror(nio));
	netio_free(nio);
	close(sv[0]);
	close(sv[1]);
}
END_TEST

static const struct vstr_case {
	const char	*name;
	struct tls_info	 ti;
	const char	*want;
} vstr_cases[] = {
	{ "no certificate", { "", "", 0, 0, 0, 0, "" }, "Anonymous" },
	{ "unverified", { "", "", 0, 0, 0, 1, "" }, "Untrusted" },
	{ "verified", { "", "", 0, 1, 0, 1, "" }, "Verified" },
	{ "dane", { "", "", 0, 1, 1, 1, "" }, "Trusted" },
};

START_TEST(test_verified_str)
{
	const struct vstr_case *c = &vstr_cases[_i];

	ck_assert_msg(strcmp(tls_info_verified_str(&c->ti), c->want) == 0,
	    "%s: got %s", c->name, tls_info_verified_str(&c->ti));
}
END_TEST

START_TEST(test_server_bad_files)
{
	struct str err = STR_INIT;

	ck_assert_ptr_null(tls_server_new("/nonexistent/cert.pem",
	    "/nonexistent/key.pem", &err));
	ck_assert_msg(strstr(err.s, "cannot load certificate /nonexistent/cert.pem") != NULL,
	    "error text: %s", err.s);
	str_free(&err);
}
END_TEST

Suite *
netio_suite(void)
{
	Suite *s = suite_create("netio");
	TCase *tc = tcase_create("netio");

	tcase_set_timeout(tc, 20);
	tcase_add_loop_test(tc, test_lines, 0, (int)ARRAY_LEN(line_cases));
	tcase_add_test(tc, test_skipline);
	tcase_add_loop_test(tc, test_read_timeout, 0, (int)ARRAY_LEN(wait_cases));
	tcase_add_test(tc, test_write_timeout);
	tcase_add_test(tc, test_pending);
	tcase_add_test(tc, test_write_buffered);
	tcase_add_test(tc, test_write_closed_socket);
	tcase_add_test(tc, test_write_closed_pipe);
	tcase_add_test(tc, test_large);
	tcase_add_test(tc, test_tls_handshake_timeout);
	tcase_add_test(tc, test_tls_peer_closes);
	tcase_add_test(tc, test_tls_no_usable_tlsa);
	tcase_add_test(tc, test_tls_bad_cafile);
	tcase_add_loop_test(tc, test_verified_str, 0, (int)ARRAY_LEN(vstr_cases));
	tcase_add_test(tc, test_server_bad_files);
	suite_add_tcase(s, tc);
	return s;
}
