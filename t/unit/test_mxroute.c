/*
 * test_mxroute - Check suite for mx_select (lib/net/mxroute.c)
 *
 * A table of named cases: MX records as looked up, this host's names,
 * the route status wanted, the hosts wanted in order ("pref:name ...")
 * and a piece of the reason. Ties are checked apart: every host of a
 * tie is kept, the tie stays behind the better preference, and over
 * many runs each host of the tie comes first at least once.
 */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dns.h"
#include "str.h"
#include "unit.h"
#include "util.h"

#define MAXMX	6

static const struct select_case {
	const char	*name;
	size_t		 n;
	struct { unsigned pref; const char *host; } mx[MAXMX];
	const char	*self[3];
	int		 want;
	const char	*hosts;		/* "pref:name ..." in order */
	const char	*reason;	/* part of err */
} select_cases[] = {
	{ "preference order", 2, { { 20, "mx2.example.test" }, { 10, "mx1.example.test" } },
	    { NULL }, ROUTE_OK, "10:mx1.example.test 20:mx2.example.test", NULL },
	{ "large preferences", 3, { { 65535, "c" }, { 0, "a" }, { 300, "b" } },
	    { NULL }, ROUTE_OK, "0:a 300:b 65535:c", NULL },
	{ "empty list", 0, { { 0, NULL } },
	    { NULL }, ROUTE_NOHOST, "", "No MX host for name=d.test" },
	{ "null MX", 1, { { 0, "" } },
	    { NULL }, ROUTE_NULLMX, "", "Domain d.test does not accept mail (null MX)" },
	{ "null MX among others", 2, { { 10, "mx1.example.test" }, { 0, "" } },
	    { NULL }, ROUTE_NULLMX, "", "null MX" },
	{ "null MX with a worse preference", 2, { { 10, "mx1.example.test" }, { 50, "" } },
	    { NULL }, ROUTE_NULLMX, "", "null MX" },
	{ "lowest is self", 2, { { 10, "me.example.test" }, { 20, "mx2.example.test" } },
	    { "me.example.test", NULL }, ROUTE_LOOP, "",
	    "mail for d.test loops back to myself" },
	{ "only self", 1, { { 10, "me.example.test" } },
	    { "other.example.test", "me.example.test", NULL }, ROUTE_LOOP, "", "loops back" },
	{ "self in the middle", 3, { { 10, "mx1.example.test" }, { 20, "me.example.test" },
	    { 30, "mx2.example.test" } },
	    { "me.example.test", NULL }, ROUTE_OK, "10:mx1.example.test", NULL },
	{ "self: case and trailing dot ignored", 3, { { 30, "mx2.example.test" },
	    { 10, "mx1.example.test" }, { 20, "ME.Example.TEST" } },
	    { "me.example.test.", NULL }, ROUTE_OK, "10:mx1.example.test", NULL },
	{ "self ties with the lowest: loop", 3, { { 10, "mx1.example.test" },
	    { 10, "me.example.test" }, { 20, "mx2.example.test" } },
	    { "me.example.test", NULL }, ROUTE_LOOP, "", "loops back" },
	{ "self twice: its lowest preference counts", 4, { { 30, "me" }, { 10, "mx1" },
	    { 20, "me" }, { 15, "mx2" } },
	    { "me", NULL }, ROUTE_OK, "10:mx1 15:mx2", NULL },
	{ "self not in the list", 2, { { 20, "mx2" }, { 10, "mx1" } },
	    { "me", "mx", NULL }, ROUTE_OK, "10:mx1 20:mx2", NULL },
	{ "a prefix of a name is not the name", 2, { { 10, "me.example.test" }, { 20, "mx2" } },
	    { "me.example", NULL }, ROUTE_OK, "10:me.example.test 20:mx2", NULL },
	{ "a host named twice is kept once", 3, { { 20, "a" }, { 10, "a" }, { 30, "b" } },
	    { NULL }, ROUTE_OK, "10:a 30:b", NULL },
};

/* joined - route hosts as "pref:name ..." */
static void
joined(const struct route *r, struct str *out)
{
	size_t i;

	for (i = 0; i < r->n; i++)
		str_printf(out, "%s%u:%s", i ? " " : "", r->hosts[i].pref, r->hosts[i].name);
	if (out->s == NULL)
		str_appends(out, "");
}

START_TEST(test_select)
{
	const struct select_case *c = &select_cases[_i];
	struct dns_mx mx[MAXMX];
	struct route r;
	struct str err = STR_INIT, got = STR_INIT;
	size_t i;
	int rc;

	for (i = 0; i < c->n; i++) {
		mx[i].pref = c->mx[i].pref;
		mx[i].host = xstrdup(c->mx[i].host);
	}
	rc = mx_select(mx, c->n, c->self, "d.test", &r, &err);
	joined(&r, &got);
	ck_assert_msg(rc == c->want, "%s: status %d, want %d (%s)", c->name, rc, c->want,
	    str_c(&err));
	ck_assert_msg(strcmp(got.s, c->hosts) == 0, "%s: hosts \"%s\", want \"%s\"",
	    c->name, got.s, c->hosts);
	if (c->reason != NULL)
		ck_assert_msg(err.s != NULL && strstr(err.s, c->reason) != NULL,
		    "%s: reason \"%s\", want \"%s\"", c->name, str_c(&err), c->reason);
	else
		ck_assert_msg(err.len == 0, "%s: unexpected reason \"%s\"", c->name, err.s);
	for (i = 0; i < r.n; i++)
		ck_assert_msg(r.hosts[i].implicit == 0, "%s: implicit set", c->name);
	route_free(&r);
	route_free(&r);		/* safe twice */
	ck_assert(r.hosts == NULL && r.n == 0);
	for (i = 0; i < c->n; i++)
		free(mx[i].host);
	str_free(&err);
	str_free(&got);
}
END_TEST

/* equal preferences: all kept, after the better one, order varies */
START_TEST(test_ties)
{
	static const char *const names[] = { "a", "b", "c" };
	struct dns_mx mx[5] = {
		{ 20, NULL }, { 10, NULL }, { 20, NULL }, { 5, NULL }, { 20, NULL }
	};
	struct route r;
	struct str err = STR_INIT;
	int first[3] = { 0, 0, 0 }, run, seen;
	size_t i, j;

	mx[0].host = xstrdup("a");
	mx[1].host = xstrdup("ten");
	mx[2].host = xstrdup("b");
	mx[3].host = xstrdup("five");
	mx[4].host = xstrdup("c");
	for (run = 0; run < 300; run++) {
		ck_assert_int_eq(mx_select(mx, 5, NULL, "d.test", &r, &err), ROUTE_OK);
		ck_assert_uint_eq(r.n, 5);
		ck_assert_str_eq(r.hosts[0].name, "five");
		ck_assert_str_eq(r.hosts[1].name, "ten");
		seen = 0;
		for (i = 2; i < 5; i++) {
			ck_assert_uint_eq(r.hosts[i].pref, 20);
			for (j = 0; j < 3; j++)
				if (strcmp(r.hosts[i].name, names[j]) == 0)
					seen |= 1 << j;
		}
		ck_assert_int_eq(seen, 7);
		for (j = 0; j < 3; j++)
			if (strcmp(r.hosts[2].name, names[j]) == 0)
				first[j]++;
		route_free(&r);
	}
	for (j = 0; j < 3; j++)
		ck_assert_msg(first[j] > 0, "host %s never came first in 300 runs", names[j]);
	for (i = 0; i < 5; i++)
		free(mx[i].host);
	str_free(&err);
}
END_TEST

Suite *
mxroute_suite(void)
{
	Suite *s = suite_create("mxroute");
	TCase *tc = tcase_create("mxroute");

	tcase_add_loop_test(tc, test_select, 0, (int)ARRAY_LEN(select_cases));
	tcase_add_test(tc, test_ties);
	suite_add_tcase(s, tc);
	return s;
}
