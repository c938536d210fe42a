/*
 * dnsq - drive lib/net/dns.c for the integration tests
 *
 * SYNOPSIS
 *	dnsq -C config [-s] [-4 | -6] [-n count] command arg [self ...]
 *
 * DESCRIPTION
 *	Opens the resolver from the settings of config (dns_servers,
 *	dnssec_trust_anchors, smtp_tls_security_level) and runs one of
 *	  mx DOMAIN            dns_mx
 *	  route DOMAIN [SELF]  mx_route with SELF... as this host's names
 *	  addr NAME            dns_addrs (both families; -4 or -6 for one)
 *	  tlsa NAME            dns_tlsa (always asks for the DNSSEC status)
 *	  ptr IP               dns_ptr
 *	  txt NAME             dns_txt
 *	count times (-n, default 1). -s asks for the DNSSEC status with mx
 *	and addr. Output, one block per run, in a stable order (records
 *	sorted, except route hosts, which keep the route's order):
 *	  status=FOUND sec=SECURE          (route=OK sec=... for route)
 *	  mx 10 mx1.example.test
 *	  host 10 mx1.example.test         (route; "implicit" appended)
 *	  addr 127.0.0.11
 *	  tlsa 3 1 1 0011...
 *	  ptr mx1.example.test
 *	  txt listed: test entry
 *	  err=<text>                       (when the lookup gave a reason)
 *	sec is one of UNKNOWN, INSECURE, SECURE, BOGUS.
 *
 * DIAGNOSTICS
 *	0 when the lookups ran (whatever they found), 2 for a usage or
 *	configuration error.
 */
#include "config.h"

#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf.h"
#include "dns.h"
#include "log.h"
#include "str.h"
#include "util.h"

/* sec_str - an enum dns_sec as printed */
static const char *
sec_str(enum dns_sec s)
{
	switch (s) {
	case DNS_SEC_UNKNOWN:	return "UNKNOWN";
	case DNS_INSECURE:	return "INSECURE";
	case DNS_SECURE:	return "SECURE";
	case DNS_BOGUS:		return "BOGUS";
	}
	return "?";
}

/* route_str - an enum route_status as printed */
static const char *
route_str(int rc)
{
	switch (rc) {
	case ROUTE_OK:		return "OK";
	case ROUTE_NULLMX:	return "NULLMX";
	case ROUTE_LOOP:	return "LOOP";
	case ROUTE_NOHOST:	return "NOHOST";
	case ROUTE_TEMPFAIL:	return "TEMPFAIL";
	}
	return "?";
}

/* cmp_str - qsort order of output lines */
static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* cmp_mx - qsort order of MX records: preference, then name */
static int
cmp_mx(const void *a, const void *b)
{
	const struct dns_mx *x = a, *y = b;

	if (x->pref != y->pref)
		return x->pref < y->pref ? -1 : 1;
	return strcmp(x->host, y->host);
}

/* print_sorted - the lines, sorted, then freed */
static void
print_sorted(char **lines, size_t n)
{
	size_t i;

	qsort(lines, n, sizeof(*lines), cmp_str);
	for (i = 0; i < n; i++) {
		printf("%s\n", lines[i]);
		free(lines[i]);
	}
	free(lines);
}

/* print_status - the first line of a lookup's output, and its reason */
static void
print_status(int st, enum dns_sec sec, const struct str *err)
{
	printf("status=%s sec=%s\n", dns_status_str(st), sec_str(sec));
	if (err->len > 0)
		printf("err=%s\n", err->s);
}

/* run - one command, its output on stdout */
static void
run(struct dns_ctx *d, const char *cmd, const char *arg, const char *const *self,
    int want_sec, int family)
{
	struct str err = STR_INIT;
	enum dns_sec sec = DNS_SEC_UNKNOWN;
	char **lines = NULL, **strs = NULL, ip[INET6_ADDRSTRLEN];
	struct dns_mx *mx = NULL;
	struct dns_addr *a = NULL;
	struct tlsa_rr *t = NULL;
	struct route r;
	struct sockaddr_storage ss;
	struct str hex = STR_INIT;
	size_t n = 0, i, j;
	int st;

	if (strcmp(cmd, "mx") == 0) {
		st = dns_mx(d, arg, &mx, &n, want_sec ? &sec : NULL, &err);
		print_status(st, sec, &err);
		if (n > 0)
			qsort(mx, n, sizeof(*mx), cmp_mx);
		for (i = 0; i < n; i++)
			printf("mx %u %s\n", mx[i].pref, mx[i].host[0] ? mx[i].host : ".");
		dns_free_mx(mx, n);
	} else if (strcmp(cmd, "route") == 0) {
		st = mx_route(d, arg, self, &r, &err);
		printf("route=%s sec=%s\n", route_str(st), sec_str(r.mx_sec));
		if (err.len > 0)
			printf("err=%s\n", err.s);
		for (i = 0; i < r.n; i++)
			printf("host %u %s%s\n", r.hosts[i].pref, r.hosts[i].name,
			    r.hosts[i].implicit ? " implicit" : "");
		route_free(&r);
	} else if (strcmp(cmd, "addr") == 0) {
		st = dns_addrs(d, arg, family, &a, &n, want_sec ? &sec : NULL, &err);
		print_status(st, sec, &err);
		lines = xcalloc(n + 1, sizeof(*lines));
		for (i = 0; i < n; i++) {
			if (a[i].sa.ss_family == AF_INET)
				inet_ntop(AF_INET, &((struct sockaddr_in *)&a[i].sa)->sin_addr,
				    ip, sizeof(ip));
			else
				inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&a[i].sa)->sin6_addr,
				    ip, sizeof(ip));
			lines[i] = xasprintf("addr %s", ip);
		}
		print_sorted(lines, n);
		free(a);
	} else if (strcmp(cmd, "tlsa") == 0) {
		st = dns_tlsa(d, arg, &t, &n, &sec, &err);
		print_status(st, sec, &err);
		lines = xcalloc(n + 1, sizeof(*lines));
		for (i = 0; i < n; i++) {
			str_reset(&hex);
			for (j = 0; j < t[i].len; j++)
				str_printf(&hex, "%02x", t[i].data[j]);
			lines[i] = xasprintf("tlsa %u %u %u %s", t[i].usage,
			    t[i].selector, t[i].mtype, hex.s);
		}
		print_sorted(lines, n);
		dns_free_tlsa(t, n);
	} else if (strcmp(cmd, "ptr") == 0 || strcmp(cmd, "txt") == 0) {
		if (cmd[0] == 'p') {
			memset(&ss, 0, sizeof(ss));
			if (inet_pton(AF_INET, arg, &((struct sockaddr_in *)&ss)->sin_addr) == 1) {
				ss.ss_family = AF_INET;
			} else if (inet_pton(AF_INET6, arg,
			    &((struct sockaddr_in6 *)&ss)->sin6_addr) == 1) {
				ss.ss_family = AF_INET6;
			} else {
				fprintf(stderr, "dnsq: not an address: %s\n", arg);
				exit(2);
			}
			st = dns_ptr(d, (struct sockaddr *)&ss, &strs, &n, &err);
		} else {
			st = dns_txt(d, arg, &strs, &n, &err);
		}
		print_status(st, sec, &err);
		lines = xcalloc(n + 1, sizeof(*lines));
		for (i = 0; i < n; i++)
			lines[i] = xasprintf("%s %s", cmd, strs[i]);
		print_sorted(lines, n);
		dns_free_strings(strs, n);
	} else {
		fprintf(stderr, "dnsq: unknown command %s\n", cmd);
		exit(2);
	}
	str_free(&hex);
	str_free(&err);
}

int
main(int argc, char **argv)
{
	struct str err = STR_INIT;
	struct dns_ctx *d;
	const char *conf = NULL;
	long count = 1, k;
	int ch, want_sec = 0, family = AF_UNSPEC;

	log_open("dnsq", LOG_STDERR);
	while ((ch = getopt(argc, argv, "46C:n:s")) != -1) {
		switch (ch) {
		case '4': family = AF_INET; break;
		case '6': family = AF_INET6; break;
		case 'C': conf = optarg; break;
		case 'n':
			if (util_parse_long(optarg, 1, 10000, &count) < 0)
				goto usage;
			break;
		case 's': want_sec = 1; break;
		default: goto usage;
		}
	}
	argc -= optind;
	argv += optind;
	if (conf == NULL || argc < 2)
		goto usage;
	if (conf_load(conf, 1, &err) < 0) {
		fprintf(stderr, "dnsq: %s\n", err.s);
		return 2;
	}
	if ((d = dns_open(&err)) == NULL) {
		fprintf(stderr, "dnsq: %s\n", err.s);
		return 2;
	}
	for (k = 0; k < count; k++)
		run(d, argv[0], argv[1], (const char *const *)argv + 2, want_sec, family);
	dns_close(d);
	str_free(&err);
	return 0;
usage:
	fprintf(stderr, "usage: dnsq -C config [-s] [-4 | -6] [-n count] "
	    "mx|route|addr|tlsa|ptr|txt arg [self ...]\n");
	return 2;
}
