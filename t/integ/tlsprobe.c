/*
 * tlsprobe - drive lib/net's netio and tls against real TLS peers
 *
 * SYNOPSIS
 *	tlsprobe client [-f] [-s] [-v none|ca|dane] [-C cafile] [-P capath]
 *	    [-n name]... [-S sni] [-b tlsa-base] [-t "U S M hex"]...
 *	    [-w text]... [-r lines] [-T ms] [port]
 *	tlsprobe server -c chain -k key [-l port] [-s] [-r lines] [-T ms]
 *
 * DESCRIPTION
 *	client connects to 127.0.0.1:port (with -f it uses stdin/stdout
 *	instead), and with -s first reads one plain line, reports it and the
 *	input left unread, sends "STARTTLS" and reads one more line, like an
 *	SMTP client. Then it starts TLS with the verification given, writes
 *	each -w text as a line, reads -r lines and reports them, and closes
 *	with netio_shutdown.
 *
 *	server accepts one connection on 127.0.0.1:port (-l; it reports
 *	"ready" once it listens) or serves stdin/stdout, as under inetd.
 *	With -s it sends "220 go", reads one line (STARTTLS), reports it and
 *	the input left unread, and answers "220 ready". After the handshake
 *	it reads -r lines, reports each and answers "got: LINE".
 *
 *	Everything it reports goes to stderr, one line each:
 *	  tls: ok version=V cipher=C bits=N trust=T cn=CN
 *	  tls: failed (CODE): TEXT
 *	  prelude: LINE / pending: N / line: LINE / read: failed (CODE): TEXT
 *
 * EXIT STATUS
 *	0 when the handshake and every read succeeded, 1 otherwise, 2 for a
 *	usage error.
 */
#include "config.h"

#include <sys/socket.h>
#include <sys/types.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "netio.h"
#include "str.h"
#include "tls.h"
#include "util.h"

#define MAXLIST	16
#define MAXLINE	1000

static void __attribute__((noreturn))
usage(void)
{
	fprintf(stderr, "usage: tlsprobe client [-fs] [-v none|ca|dane] "
	    "[-C cafile] [-P capath] [-n name]... [-S sni] [-b base]\n"
	    "\t[-t \"U S M hex\"]... [-w text]... [-r lines] [-T ms] [port]\n"
	    "       tlsprobe server -c chain -k key [-l port] [-s] "
	    "[-r lines] [-T ms]\n");
	exit(2);
}

/* parse_tlsa - "U S M hex" into rr; -1 when malformed */
static int
parse_tlsa(const char *s, struct tlsa_rr *rr)
{
	unsigned u, sel, m;
	int off = 0;
	size_t i, n;
	const char *h;

	if (sscanf(s, "%u %u %u %n", &u, &sel, &m, &off) != 3 || off == 0 ||
	    u > 255 || sel > 255 || m > 255)
		return -1;
	h = s + off;
	n = strlen(h);
	if (n == 0 || n % 2 != 0)
		return -1;
	rr->usage = (uint8_t)u;
	rr->selector = (uint8_t)sel;
	rr->mtype = (uint8_t)m;
	rr->len = n / 2;
	rr->data = xmalloc(rr->len);
	for (i = 0; i < rr->len; i++) {
		unsigned b;

		if (sscanf(h + 2 * i, "%2x", &b) != 1)
			return -1;
		rr->data[i] = (unsigned char)b;
	}
	return 0;
}

/* report_line - a line read from the peer, made printable */
static void
report_line(const char *what, const struct str *line)
{
	size_t i;

	fprintf(stderr, "%s: ", what);
	for (i = 0; i < line->len; i++) {
		unsigned char c = (unsigned char)line->s[i];

		if (c < 32 || c == 127)
			fprintf(stderr, "\\x%02x", c);
		else
			fputc(c, stderr);
	}
	fputc('\n', stderr);
}

/* getline_report - read one line and report it; the netio code */
static int
getline_report(struct netio *nio, const char *what, struct str *line)
{
	int r, flags;

	if ((r = netio_getline(nio, line, MAXLINE, &flags)) != NETIO_OK) {
		fprintf(stderr, "read: failed (%d): %s\n", r,
		    netio_strerror(nio));
		return r;
	}
	report_line(what, line);
	return NETIO_OK;
}

/* report_tls - the outcome of a handshake */
static int
report_tls(struct netio *nio, int r)
{
	struct tls_info ti;

	if (r != NETIO_OK) {
		fprintf(stderr, "tls: failed (%d): %s\n", r, netio_strerror(nio));
		return -1;
	}
	netio_tls_info(nio, &ti);
	fprintf(stderr, "tls: ok version=%s cipher=%s bits=%d trust=%s cn=%s\n",
	    ti.version, ti.cipher, ti.bits, tls_info_verified_str(&ti),
	    ti.peer_cn);
	return 0;
}

/* tcp_port - a port number from the command line */
static unsigned short
tcp_port(const char *s)
{
	long v;

	if (util_parse_long(s, 1, 65535, &v) == -1)
		usage();
	return (unsigned short)v;
}

static int
client(int argc, char **argv)
{
	struct tls_client_conf tc;
	struct tlsa_rr rr[MAXLIST];
	const char *names[MAXLIST], *wr[MAXLIST];
	struct sockaddr_in sin;
	struct netio *nio;
	struct str line = STR_INIT;
	size_t nw = 0, i;
	long nread = 0, timeout = 10000;
	int ch, fd = -1, stdio = 0, prelude = 0, rc = 0, r;

	memset(&tc, 0, sizeof(tc));
	tc.names = names;
	tc.tlsa = rr;
	while ((ch = getopt(argc, argv, "b:C:fn:P:r:sS:t:T:v:w:")) != -1) {
		switch (ch) {
		case 'b': tc.tlsa_base = optarg; break;
		case 'C': tc.cafile = optarg; break;
		case 'f': stdio = 1; break;
		case 'P': tc.capath = optarg; break;
		case 's': prelude = 1; break;
		case 'S': tc.sni = optarg; break;
		case 'n':
			if (tc.nnames == MAXLIST)
				usage();
			names[tc.nnames++] = optarg;
			break;
		case 'r':
			if (util_parse_long(optarg, 0, 1000, &nread) == -1)
				usage();
			break;
		case 't':
			if (tc.ntlsa == MAXLIST ||
			    parse_tlsa(optarg, &rr[tc.ntlsa]) == -1)
				usage();
			tc.ntlsa++;
			break;
		case 'T':
			if (util_parse_long(optarg, 1, 600000, &timeout) == -1)
				usage();
			break;
		case 'v':
			if (strcmp(optarg, "none") == 0)
				tc.verify = TLS_VERIFY_NONE;
			else if (strcmp(optarg, "ca") == 0)
				tc.verify = TLS_VERIFY_CA;
			else if (strcmp(optarg, "dane") == 0)
				tc.verify = TLS_VERIFY_DANE;
			else
				usage();
			break;
		case 'w':
			if (nw == MAXLIST)
				usage();
			wr[nw++] = optarg;
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (stdio ? argc != 0 : argc != 1)
		usage();
	if (stdio)
		nio = netio_new(0, 1);
	else {
		memset(&sin, 0, sizeof(sin));
		sin.sin_family = AF_INET;
		sin.sin_port = htons(tcp_port(argv[0]));
		sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		if ((fd = socket(AF_INET, SOCK_STREAM, 0)) == -1 ||
		    connect(fd, (struct sockaddr *)&sin, sizeof(sin)) == -1) {
			fprintf(stderr, "connect: %s\n", strerror(errno));
			return 1;
		}
		nio = netio_new(fd, fd);
	}
	netio_set_timeout(nio, timeout);
	if (prelude) {
		if (getline_report(nio, "prelude", &line) != NETIO_OK)
			goto fail;
		fprintf(stderr, "pending: %zu\n", netio_pending(nio));
		if (netio_puts(nio, "STARTTLS\r\n") != NETIO_OK ||
		    netio_flush(nio) != NETIO_OK) {
			fprintf(stderr, "write: failed: %s\n", netio_strerror(nio));
			goto fail;
		}
		if (getline_report(nio, "prelude", &line) != NETIO_OK)
			goto fail;
		fprintf(stderr, "pending: %zu\n", netio_pending(nio));
	}
	if (report_tls(nio, netio_tls_client(nio, &tc)) == -1)
		goto fail;
	for (i = 0; i < nw; i++)
		if (netio_printf(nio, "%s\r\n", wr[i]) != NETIO_OK)
			break;
	if (netio_flush(nio) != NETIO_OK) {
		fprintf(stderr, "write: failed: %s\n", netio_strerror(nio));
		goto fail;
	}
	for (; nread > 0; nread--)
		if (getline_report(nio, "line", &line) != NETIO_OK)
			goto fail;
	if ((r = netio_shutdown(nio)) != NETIO_OK)
		fprintf(stderr, "shutdown: failed (%d): %s\n", r,
		    netio_strerror(nio));
	goto done;
fail:
	rc = 1;
done:
	fprintf(stderr, "bytes: in=%llu out=%llu\n", netio_bytes_in(nio),
	    netio_bytes_out(nio));
	netio_free(nio);
	if (fd != -1)
		close(fd);
	for (i = 0; i < tc.ntlsa; i++)
		free(rr[i].data);
	str_free(&line);
	return rc;
}

/* listen_one - accept one connection on 127.0.0.1:port */
static int
listen_one(unsigned short port)
{
	struct sockaddr_in sin;
	int s, fd, on = 1;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons(port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((s = socket(AF_INET, SOCK_STREAM, 0)) == -1 ||
	    setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)) == -1 ||
	    bind(s, (struct sockaddr *)&sin, sizeof(sin)) == -1 ||
	    listen(s, 1) == -1) {
		fprintf(stderr, "listen: %s\n", strerror(errno));
		return -1;
	}
	fprintf(stderr, "ready\n");
	fd = accept(s, NULL, NULL);
	if (fd == -1)
		fprintf(stderr, "accept: %s\n", strerror(errno));
	close(s);
	return fd;
}

static int
server(int argc, char **argv)
{
	struct tls_server *ts;
	struct netio *nio;
	struct str line = STR_INIT, err = STR_INIT;
	const char *cert = NULL, *key = NULL;
	long nread = 0, timeout = 10000;
	int ch, fd = -1, port = 0, prelude = 0, rc = 0, r;

	while ((ch = getopt(argc, argv, "c:k:l:r:sT:")) != -1) {
		switch (ch) {
		case 'c': cert = optarg; break;
		case 'k': key = optarg; break;
		case 'l': port = tcp_port(optarg); break;
		case 's': prelude = 1; break;
		case 'r':
			if (util_parse_long(optarg, 0, 1000, &nread) == -1)
				usage();
			break;
		case 'T':
			if (util_parse_long(optarg, 1, 600000, &timeout) == -1)
				usage();
			break;
		default:
			usage();
		}
	}
	if (cert == NULL || key == NULL || optind != argc)
		usage();
	if ((ts = tls_server_new(cert, key, &err)) == NULL) {
		fprintf(stderr, "tls_server_new: %s\n", err.s);
		str_free(&err);
		return 1;
	}
	if (port != 0) {
		if ((fd = listen_one((unsigned short)port)) == -1) {
			tls_server_free(ts);
			return 1;
		}
		nio = netio_new(fd, fd);
	} else
		nio = netio_new(0, 1);
	netio_set_timeout(nio, timeout);
	if (prelude) {
		if (netio_puts(nio, "220 go\r\n") != NETIO_OK ||
		    netio_flush(nio) != NETIO_OK ||
		    getline_report(nio, "prelude", &line) != NETIO_OK)
			goto fail;
		fprintf(stderr, "pending: %zu\n", netio_pending(nio));
		if (netio_puts(nio, "220 ready\r\n") != NETIO_OK)
			goto fail;
	}
	if (report_tls(nio, netio_tls_server(nio, ts)) == -1)
		goto fail;
	for (; nread > 0; nread--) {
		if (getline_report(nio, "line", &line) != NETIO_OK)
			goto fail;
		netio_puts(nio, "got: ");
		netio_write(nio, line.s, line.len);
		if (netio_puts(nio, "\r\n") != NETIO_OK ||
		    netio_flush(nio) != NETIO_OK) {
			fprintf(stderr, "write: failed: %s\n", netio_strerror(nio));
			goto fail;
		}
	}
	if ((r = netio_shutdown(nio)) != NETIO_OK)
		fprintf(stderr, "shutdown: failed (%d): %s\n", r,
		    netio_strerror(nio));
	goto done;
fail:
	rc = 1;
done:
	netio_free(nio);
	tls_server_free(ts);
	if (fd != -1)
		close(fd);
	str_free(&line);
	str_free(&err);
	return rc;
}

int
main(int argc, char **argv)
{
	setvbuf(stderr, NULL, _IOLBF, 0);
	signal(SIGPIPE, SIG_IGN);
	if (argc < 2)
		usage();
	if (strcmp(argv[1], "client") == 0)
		return client(argc - 1, argv + 1);
	if (strcmp(argv[1], "server") == 0)
		return server(argc - 1, argv + 1);
	usage();
}
