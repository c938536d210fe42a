/*
 * test_addr - Check suite for lib/mail/addr.c
 *
 * Tables of named cases: address lists for addr_scan (the addr-specs found
 * and the input spans they came from), domains, qualification, IDN
 * conversion, masquerading and display-name quoting.
 */
#include "config.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "str.h"
#include "unit.h"
#include "util.h"

/*
 * addr_scan: want lists the addr-specs, spans the input text from start to
 * end of each, doms the input text from dom_start to end; all joined by
 * '|'. spans and doms may be NULL to skip that check.
 */
static const struct {
	const char	*name;
	const char	*in;
	const char	*want;
	const char	*spans;
	const char	*doms;
} scan_cases[] = {
	{ "bare address", "a@b.example", "a@b.example", "a@b.example", "b.example" },
	{ "two addresses", "a@b, c@d", "a@b|c@d", "a@b|c@d", "b|d" },
	{ "display name", "Joe Bloggs <joe@x.org>", "joe@x.org", "joe@x.org", "x.org" },
	{ "quoted display name with comma", "\"Bloggs, Joe\" <joe@x.org>, c@d",
	  "joe@x.org|c@d", "joe@x.org|c@d", NULL },
	{ "quoted display name with angle", "\"a <b@c>\" <d@e>", "d@e", "d@e", "e" },
	{ "comment after", "joe@x.org (Joe Bloggs)", "joe@x.org", "joe@x.org", "x.org" },
	{ "comment with specials", "joe@x.org (a, <b@c>; d:)", "joe@x.org", NULL, NULL },
	{ "nested comment", "a@b (x (y, z) w), c@d", "a@b|c@d", NULL, NULL },
	{ "comment with quoted paren", "a@b (x \\) y), c@d", "a@b|c@d", NULL, NULL },
	{ "comment inside the address", "joe(c)@x.org", "joe@x.org", "joe(c)@x.org", "x.org" },
	{ "unqualified", "joe", "joe", "joe", "" },
	{ "unqualified in angle brackets", "Joe <joe>", "joe", "joe", "" },
	{ "unqualified with comment", "joe (Joe B.)", "joe", "joe", "" },
	{ "group", "friends: a@b, c@d;, e@f", "a@b|c@d|e@f", "a@b|c@d|e@f", NULL },
	{ "empty group", "undisclosed-recipients:;", "", NULL, NULL },
	{ "group of angle addresses", "g: A <a@b>, C <c@d>;", "a@b|c@d", NULL, NULL },
	{ "source route", "<@r1.example,@r2.example:u@c.example>", "u@c.example",
	  "u@c.example", "c.example" },
	{ "folded list", "a@b,\n\tc@d,\r\n e@f", "a@b|c@d|e@f", NULL, NULL },
	{ "spaces around dot and at", "first . last @ x . org", "first.last@x.org",
	  "first . last @ x . org", "x . org" },
	{ "quoted local part", "\"john doe\"@x.org", "\"john doe\"@x.org", NULL, "x.org" },
	{ "quoted at sign", "\"a@b\"@c", "\"a@b\"@c", NULL, "c" },
	{ "domain literal", "u@[192.0.2.1]", "u@[192.0.2.1]", NULL, "[192.0.2.1]" },
	{ "empty angle brackets", "<>", "", NULL, NULL },
	{ "text after the angle address", "<a@b> trailing words", "a@b", NULL, NULL },
	{ "angle then bare", "Joe <j@x>, bob", "j@x|bob", "j@x|bob", NULL },
	{ "empty input", "", "", NULL, NULL },
	{ "only separators", " , ,, ; ", "", NULL, NULL },
	{ "unterminated angle", "Joe <joe@x", "joe@x", NULL, NULL },
	{ "unterminated comment", "a@b (never closed", "a@b", NULL, NULL },
	{ "unterminated quote", "\"abc", "\"abc", NULL, NULL },
	{ "stray closing parenthesis", "a@b)", "a@b)", NULL, NULL },
	{ "8-bit domain", "u@b\xc3\xbc" "cher.example", "u@b\xc3\xbc" "cher.example",
	  NULL, "b\xc3\xbc" "cher.example" },
};

/* join - the n strings of a scan result, as "a|b|c" */
static void
join_field(const char *in, const struct addr_list *l, int which, struct str *out)
{
	size_t i;

	for (i = 0; i < l->n; i++) {
		const struct addr_span *a = &l->v[i];

		if (i > 0)
			str_appendc(out, '|');
		switch (which) {
		case 0:
			str_appends(out, a->addr);
			break;
		case 1:
			str_append(out, in + a->start, a->end - a->start);
			break;
		default:
			str_append(out, in + a->dom_start, a->end - a->dom_start);
			break;
		}
	}
}

START_TEST(test_scan)
{
	struct addr_list l = { NULL, 0, 0 };
	struct str got = STR_INIT;
	const char *in = scan_cases[_i].in;
	size_t i, len = strlen(in);

	addr_scan(in, len, &l);
	for (i = 0; i < l.n; i++)
		ck_assert_msg(l.v[i].start <= l.v[i].dom_start &&
		    l.v[i].dom_start <= l.v[i].end && l.v[i].end <= len &&
		    (i == 0 || l.v[i - 1].end <= l.v[i].start),
		    "%s: bad span %zu", scan_cases[_i].name, i);
	join_field(in, &l, 0, &got);
	ck_assert_msg(strcmp(str_c(&got), scan_cases[_i].want) == 0,
	    "%s: got \"%s\"", scan_cases[_i].name, str_c(&got));
	if (scan_cases[_i].spans) {
		str_reset(&got);
		join_field(in, &l, 1, &got);
		ck_assert_msg(strcmp(str_c(&got), scan_cases[_i].spans) == 0,
		    "%s: spans \"%s\"", scan_cases[_i].name, str_c(&got));
	}
	if (scan_cases[_i].doms) {
		str_reset(&got);
		join_field(in, &l, 2, &got);
		ck_assert_msg(strcmp(str_c(&got), scan_cases[_i].doms) == 0,
		    "%s: domains \"%s\"", scan_cases[_i].name, str_c(&got));
	}
	addr_list_free(&l);
	ck_assert(l.v == NULL && l.n == 0);
	str_free(&got);
}
END_TEST

/* The scanner takes a length: nothing past it is read. */
START_TEST(test_scan_length_bound)
{
	struct addr_list l = { NULL, 0, 0 };
	char *buf = xstrdup("a@b, c@d");

	addr_scan(buf, 3, &l);
	ck_assert_uint_eq(l.n, 1);
	ck_assert_str_eq(l.v[0].addr, "a@b");
	addr_list_free(&l);
	addr_scan(buf, 0, &l);
	ck_assert_uint_eq(l.n, 0);
	addr_list_free(&l);
	free(buf);
}
END_TEST

static const struct {
	const char	*name;
	const char	*in;
	const char	*want;	/* NULL: no domain */
} domain_cases[] = {
	{ "plain", "a@b.example", "b.example" },
	{ "none", "alice", NULL },
	{ "quoted at sign", "\"a@b\"@c", "c" },
	{ "only a quoted at sign", "\"a@b\"", NULL },
	{ "escaped at sign", "a\\@b", NULL },
	{ "last at sign wins", "a@b@c", "c" },
	{ "empty domain", "a@", "" },
	{ "empty", "", NULL },
};

START_TEST(test_domain)
{
	const char *d = addr_domain(domain_cases[_i].in);

	if (domain_cases[_i].want == NULL)
		ck_assert_msg(d == NULL, "%s: got \"%s\"", domain_cases[_i].name, d);
	else
		ck_assert_msg(d != NULL && strcmp(d, domain_cases[_i].want) == 0,
		    "%s: got \"%s\"", domain_cases[_i].name, d ? d : "(null)");
}
END_TEST

static const struct {
	const char	*name;
	const char	*in;
	int		 rc;
	const char	*want;
} qualify_cases[] = {
	{ "unqualified", "joe", 1, "joe@example.org" },
	{ "qualified", "joe@x.example", 0, "joe@x.example" },
	{ "quoted at sign is not a domain", "\"a@b\"", 1, "\"a@b\"@example.org" },
	{ "empty stays empty", "", 0, "" },
};

START_TEST(test_qualify)
{
	struct str out = STR_INIT;
	int rc;

	str_appends(&out, "old");
	rc = addr_qualify(qualify_cases[_i].in, "example.org", &out);
	ck_assert_msg(rc == qualify_cases[_i].rc, "%s: rc %d", qualify_cases[_i].name, rc);
	ck_assert_msg(strcmp(str_c(&out), qualify_cases[_i].want) == 0,
	    "%s: got \"%s\"", qualify_cases[_i].name, str_c(&out));
	str_free(&out);
}
END_TEST

static const struct {
	const char	*name;
	const char	*in;
	int		 rc;
	const char	*want;	/* or, on error, a part of the message */
} ascii_cases[] = {
	{ "ASCII domain folded to lower case", "User@Example.COM", 0, "User@example.com" },
	{ "no domain", "joe", 0, "joe" },
	{ "U-label", "user@b\xc3\xbc" "cher.example", 0, "user@xn--bcher-kva.example" },
	{ "upper-case U-label", "user@B\xc3\x9c" "CHER.example", 0,
	  "user@xn--bcher-kva.example" },
	{ "decomposed input is normalised", "user@bu\xcc\x88" "cher.example", 0,
	  "user@xn--bcher-kva.example" },
	{ "8-bit local part is kept", "j\xc3\xb6rg@b\xc3\xbc" "cher.example", 0,
	  "j\xc3\xb6rg@xn--bcher-kva.example" },
	{ "8-bit local part, ASCII domain", "j\xc3\xb6rg@Example.org", 0,
	  "j\xc3\xb6rg@example.org" },
	{ "domain literal", "u@[192.0.2.1]", 0, "u@[192.0.2.1]" },
	{ "A-label is kept", "u@xn--bcher-kva.example", 0, "u@xn--bcher-kva.example" },
	{ "invalid UTF-8", "u@\xff\xfe.example", -1, "invalid internationalized domain" },
	{ "disallowed code point", "u@a\xe2\x98\x95.example", -1,
	  "invalid internationalized domain" },
	{ "leading combining mark", "u@\xcc\x88" "a.example", -1,
	  "invalid internationalized domain" },
	{ "hyphens in positions 3 and 4", "u@ab--c\xc3\xbc.example", -1,
	  "invalid internationalized domain" },
};

START_TEST(test_to_ascii)
{
	struct str out = STR_INIT, err = STR_INIT;
	int rc;

	rc = addr_to_ascii(ascii_cases[_i].in, &out, &err);
	ck_assert_msg(rc == ascii_cases[_i].rc, "%s: rc %d (%s) out \"%s\"",
	    ascii_cases[_i].name, rc, str_c(&err), str_c(&out));
	if (rc == 0)
		ck_assert_msg(strcmp(str_c(&out), ascii_cases[_i].want) == 0,
		    "%s: got \"%s\"", ascii_cases[_i].name, str_c(&out));
	else
		ck_assert_msg(strstr(str_c(&err), ascii_cases[_i].want) != NULL,
		    "%s: error \"%s\"", ascii_cases[_i].name, str_c(&err));
	str_free(&out);
	str_free(&err);
}
END_TEST

static char *const masq_plain[] = { "example.com", NULL };
static char *const masq_excl[] = { "!sub.example.com", "example.com", NULL };
static char *const masq_two[] = { "a.example.com", "example.com", NULL };
static char *const masq_except[] = { "root", "Postmaster", NULL };

static const struct {
	const char	*name;
	const char	*in;
	char *const	*domains;
	char *const	*except;
	int		 rc;
	const char	*want;
} masq_cases[] = {
	{ "host in domain", "u@host.example.com", masq_plain, NULL, 1, "u@example.com" },
	{ "deeper host", "u@a.b.example.com", masq_plain, NULL, 1, "u@example.com" },
	{ "the domain itself", "u@example.com", masq_plain, NULL, 0, "u@example.com" },
	{ "suffix but not a subdomain", "u@notexample.com", masq_plain, NULL, 0,
	  "u@notexample.com" },
	{ "other domain", "u@example.net", masq_plain, NULL, 0, "u@example.net" },
	{ "case-insensitive", "U@HOST.EXAMPLE.COM", masq_plain, NULL, 1, "U@example.com" },
	{ "no domain", "u", masq_plain, NULL, 0, "u" },
	{ "no list", "u@host.example.com", NULL, NULL, 0, "u@host.example.com" },
	{ "excepted user", "root@host.example.com", masq_plain, masq_except, 0,
	  "root@host.example.com" },
	{ "excepted user, other case", "postmaster@host.example.com", masq_plain,
	  masq_except, 0, "postmaster@host.example.com" },
	{ "user name prefix is not an exception", "rootkit@host.example.com",
	  masq_plain, masq_except, 1, "rootkit@example.com" },
	{ "excluded subdomain", "u@sub.example.com", masq_excl, NULL, 0,
	  "u@sub.example.com" },
	{ "below an excluded subdomain", "u@x.sub.example.com", masq_excl, NULL, 0,
	  "u@x.sub.example.com" },
	{ "beside an excluded subdomain", "u@other.example.com", masq_excl, NULL, 1,
	  "u@example.com" },
	{ "first listed domain wins", "u@h.a.example.com", masq_two, NULL, 1,
	  "u@a.example.com" },
	{ "listed domain itself stops the search", "u@a.example.com", masq_two, NULL, 0,
	  "u@a.example.com" },
	{ "quoted local part", "\"a@b\"@h.example.com", masq_plain, NULL, 1,
	  "\"a@b\"@example.com" },
};

START_TEST(test_masquerade)
{
	struct str out = STR_INIT;
	int rc;

	rc = addr_masquerade(masq_cases[_i].in, masq_cases[_i].domains,
	    masq_cases[_i].except, &out);
	ck_assert_msg(rc == masq_cases[_i].rc, "%s: rc %d", masq_cases[_i].name, rc);
	ck_assert_msg(strcmp(str_c(&out), masq_cases[_i].want) == 0,
	    "%s: got \"%s\"", masq_cases[_i].name, str_c(&out));
	str_free(&out);
}
END_TEST

static char *const dest_list[] = { "example.org", "Mail.Example.NET", NULL };

static const struct {
	const char	*name;
	const char	*domain;
	int		 want;
} domain_in_cases[] = {
	{ "listed", "example.org", 1 },
	{ "listed, other case", "mail.example.net", 1 },
	{ "not listed", "example.com", 0 },
	{ "longer name with a listed suffix only", "xexample.org", 0 },
	{ "no domain", NULL, 0 },
};

START_TEST(test_domain_in)
{
	ck_assert_msg(addr_domain_in(domain_in_cases[_i].domain, dest_list) ==
	    domain_in_cases[_i].want, "%s", domain_in_cases[_i].name);
	ck_assert_int_eq(addr_domain_in("example.org", NULL), 0);
}
END_TEST

static const struct {
	const char	*name;
	const char	*in;
	int		 quote;
	const char	*want;
} phrase_cases[] = {
	{ "plain name", "Joe Bloggs", 0, "Joe Bloggs" },
	{ "comma", "Bloggs, Joe", 1, "\"Bloggs, Joe\"" },
	{ "dot", "J. R. Bloggs", 1, "\"J. R. Bloggs\"" },
	{ "quote and backslash", "a\"b\\c", 1, "\"a\\\"b\\\\c\"" },
	{ "angle", "x <y>", 1, "\"x <y>\"" },
	{ "8-bit", "J\xc3\xb6rg", 0, "J\xc3\xb6rg" },
	{ "empty", "", 0, "" },
};

START_TEST(test_phrase)
{
	struct str out = STR_INIT;

	ck_assert_msg(addr_needs_quotes(phrase_cases[_i].in) == phrase_cases[_i].quote,
	    "%s: needs_quotes", phrase_cases[_i].name);
	str_appends(&out, "<");
	addr_quote_phrase(phrase_cases[_i].in, &out);
	ck_assert_msg(strcmp(str_c(&out) + 1, phrase_cases[_i].want) == 0,
	    "%s: got \"%s\"", phrase_cases[_i].name, str_c(&out) + 1);
	/* a quoted phrase scans back as a display name, not an address */
	str_appends(&out, " <x@y>");
	{
		struct addr_list l = { NULL, 0, 0 };

		addr_scan(out.s + 1, out.len - 1, &l);
		ck_assert_msg(l.n == 1 && strcmp(l.v[0].addr, "x@y") == 0,
		    "%s: phrase disturbs scanning", phrase_cases[_i].name);
		addr_list_free(&l);
	}
	str_free(&out);
}
END_TEST

Suite *
addr_suite(void)
{
	Suite *s = suite_create("addr");
	TCase *tc;

	tc = tcase_create("scan");
	tcase_add_loop_test(tc, test_scan, 0, ARRAY_LEN(scan_cases));
	tcase_add_test(tc, test_scan_length_bound);
	tcase_add_loop_test(tc, test_domain, 0, ARRAY_LEN(domain_cases));
	suite_add_tcase(s, tc);

	tc = tcase_create("rewrite");
	tcase_add_loop_test(tc, test_qualify, 0, ARRAY_LEN(qualify_cases));
	tcase_add_loop_test(tc, test_to_ascii, 0, ARRAY_LEN(ascii_cases));
	tcase_add_loop_test(tc, test_masquerade, 0, ARRAY_LEN(masq_cases));
	tcase_add_loop_test(tc, test_domain_in, 0, ARRAY_LEN(domain_in_cases));
	tcase_add_loop_test(tc, test_phrase, 0, ARRAY_LEN(phrase_cases));
	suite_add_tcase(s, tc);
	return s;
}
