/*
 * test_filter - Check suite for lib/mail/filter.c, the incremental input filter
 *
 * One table of named cases (input, -i, message_size_limit, result or part
 * of the error), each run three ways: the whole input in one feed, one
 * byte per feed, and split in two feeds at every position, so that every
 * case is also a chunk-boundary case (a CR at the end of one feed and the
 * LF at the start of the next, a "." line or "From " split across feeds).
 * A second table names the boundaries that matter with explicit chunks.
 */
#include "config.h"

#include <check.h>
#include <string.h>
#include <sysexits.h>

#include "filter.h"
#include "fixture.h"
#include "str.h"
#include "unit.h"
#include "util.h"

static const struct {
	const char	*name;
	const char	*in;
	size_t		 len;	/* 0: strlen */
	int		 ignore_dots;
	long long	 limit;
	int		 rc;
	const char	*want;	/* message, or part of the error */
} cases[] = {
	{ "LF", "a\nb\n", 0, 0, 0, 0, "a\nb\n" },
	{ "CRLF", "a\r\nb\r\n", 0, 0, 0, 0, "a\nb\n" },
	{ "mixed line ends", "a\r\nb\nc\r\n", 0, 0, 0, 0, "a\nb\nc\n" },
	{ "lone CR kept", "a\rb\n", 0, 0, 0, 0, "a\rb\n" },
	{ "CR CR LF", "a\r\r\n", 0, 0, 0, 0, "a\r\n" },
	{ "CR at the end", "a\r", 0, 0, 0, 0, "a\r\n" },
	{ "CR alone", "\r", 0, 0, 0, 0, "\r\n" },
	{ "no final LF", "a\nb", 0, 0, 0, 0, "a\nb\n" },
	{ "empty", "", 0, 0, 0, 0, "" },
	{ "lone dot ends the message", "a\n.\nb\n", 0, 0, 0, 0, "a\n" },
	{ "lone dot with CRLF", "a\r\n.\r\nb\r\n", 0, 0, 0, 0, "a\n" },
	{ "lone dot at the end without LF", "a\n.", 0, 0, 0, 0, "a\n" },
	{ "dot CR at the end is not a lone dot", "a\n.\r", 0, 0, 0, 0, "a\n.\r\n" },
	{ "lone dot first", ".\nb\n", 0, 0, 0, 0, "" },
	{ "lone dot kept with -i", "a\n.\nb\n", 0, 1, 0, 0, "a\n.\nb\n" },
	{ "lone dot at the end kept with -i", "a\n.", 0, 1, 0, 0, "a\n.\n" },
	{ "two dots are not the end", "a\n..\nb\n", 0, 0, 0, 0, "a\n..\nb\n" },
	{ "dot and text are not the end", "a\n. \n.x\nb\n", 0, 0, 0, 0, "a\n. \n.x\nb\n" },
	{ "dot lone CR is not the end", "a\n.\rx\nb\n", 0, 0, 0, 0, "a\n.\rx\nb\n" },
	{ "mbox From line skipped", "From alice Tue Nov 14 22:13:20 2023\nSubject: x\n\nb\n",
	  0, 0, 0, 0, "Subject: x\n\nb\n" },
	{ "mbox From line with CRLF", "From alice\r\nSubject: x\r\n", 0, 0, 0, 0,
	  "Subject: x\n" },
	{ "mbox From line alone without LF", "From alice", 0, 0, 0, 0, "" },
	{ "\"From \" alone without LF", "From ", 0, 0, 0, 0, "" },
	{ "\"From\" without blank is kept", "From\nx\n", 0, 0, 0, 0, "From\nx\n" },
	{ "\"From\" at the end is kept", "Fro", 0, 0, 0, 0, "Fro\n" },
	{ "\"Frox\" is kept", "Frox\n", 0, 0, 0, 0, "Frox\n" },
	{ "From line only skipped first", "Subject: x\nFrom alice\n", 0, 0, 0, 0,
	  "Subject: x\nFrom alice\n" },
	{ "From: header is not a From line", "From: alice\n", 0, 0, 0, 0, "From: alice\n" },
	{ ">From is kept", ">From alice\n", 0, 0, 0, 0, ">From alice\n" },
	{ "dot after the From line", "From alice\n.\nb\n", 0, 0, 0, 0, "" },
	{ "NUL byte", "Subject: x\n\na\0b\n", 14, 0, 0, EX_DATAERR, "NUL byte" },
	{ "NUL byte in the From line", "From a\0b\nx\n", 10, 0, 0, EX_DATAERR, "NUL byte" },
	{ "NUL byte after a lone dot is not read", "a\n.\n\0", 5, 0, 0, 0, "a\n" },
	{ "NUL byte with -i", "a\n.\n\0", 5, 1, 0, EX_DATAERR, "NUL byte" },
	{ "over the size limit", "123456\n", 0, 0, 5, EX_DATAERR, "message_size_limit" },
	{ "over the limit without LF", "1234567", 0, 0, 5, EX_DATAERR, "message_size_limit" },
	{ "at the size limit", "1234\n", 0, 0, 5, 0, "1234\n" },
	{ "CRLF counts as LF", "123\r\n", 0, 0, 4, 0, "123\n" },
	{ "skipped From line does not count", "From x\n1234\n", 0, 0, 5, 0, "1234\n" },
	{ "limit 0 is no limit", "1234567890\n", 0, 0, 0, 0, "1234567890\n" },
};

/* run - filter in chunks of at most step bytes, the first one of first bytes */
static int
run(const char *in, size_t len, size_t first, size_t step, int ignore_dots,
    long long limit, struct str *out, struct str *err)
{
	struct filter f;
	size_t pos = 0, n;
	int rc = 0;

	filter_init(&f, ignore_dots, limit, fixture_collect, out);
	while (pos < len && rc == 0) {
		n = pos == 0 ? first : step;
		if (n > len - pos)
			n = len - pos;
		rc = filter_feed(&f, in + pos, n, err);
		pos += n;
	}
	if (rc == 0)
		rc = filter_finish(&f, err);
	return rc == FILTER_DONE ? 0 : rc;
}

/* check_one - one way of feeding one case */
static void
check_one(size_t i, size_t first, size_t step)
{
	struct str out = STR_INIT, err = STR_INIT;
	size_t len = cases[i].len ? cases[i].len : strlen(cases[i].in);
	int rc;

	rc = run(cases[i].in, len, first, step, cases[i].ignore_dots,
	    cases[i].limit, &out, &err);
	ck_assert_msg(rc == cases[i].rc, "%s (chunks %zu, %zu): rc %d (%s)",
	    cases[i].name, first, step, rc, str_c(&err));
	if (rc == 0)
		ck_assert_msg(out.len == strlen(cases[i].want) &&
		    memcmp(str_c(&out), cases[i].want, out.len) == 0,
		    "%s (chunks %zu, %zu): got \"%s\"", cases[i].name, first, step,
		    str_c(&out));
	else
		ck_assert_msg(strstr(str_c(&err), cases[i].want) != NULL,
		    "%s: error \"%s\"", cases[i].name, str_c(&err));
	str_free(&out);
	str_free(&err);
}

START_TEST(test_filter_cases)
{
	size_t len = cases[_i].len ? cases[_i].len : strlen(cases[_i].in), k;

	check_one(_i, len ? len : 1, len ? len : 1);	/* one feed */
	check_one(_i, 1, 1);				/* a byte at a time */
	for (k = 1; k < len; k++)
		check_one(_i, k, len);			/* two feeds, split at k */
}
END_TEST

/* named boundaries, as separate feeds */
static const struct {
	const char	*name;
	const char	*chunks[4];
	const char	*want;
} splits[] = {
	{ "CR ends one read, LF starts the next", { "a\r", "\nb\r", "\n" }, "a\nb\n" },
	{ "CR ends one read, text starts the next", { "a\r", "b\n" }, "a\rb\n" },
	{ "\".\" line split after the dot", { "a\n.", "\nb\n" }, "a\n" },
	{ "\".\" line split after the CR", { "a\n.\r", "\nb\n" }, "a\n" },
	{ "\".\" line split before the dot", { "a\n", ".\n", "b\n" }, "a\n" },
	{ "\"From \" split", { "Fr", "om a", "lice\nx\n" }, "x\n" },
	{ "\"From\" split, no blank", { "Fr", "om", "\nx\n" }, "From\nx\n" },
	{ "a long line across reads", { "abc", "def", "ghi\n" }, "abcdefghi\n" },
};

START_TEST(test_filter_splits)
{
	struct str out = STR_INIT, err = STR_INIT;
	struct filter f;
	size_t k;
	int rc = 0;

	filter_init(&f, 0, 0, fixture_collect, &out);
	for (k = 0; k < 4 && splits[_i].chunks[k] && rc == 0; k++)
		rc = filter_feed(&f, splits[_i].chunks[k], strlen(splits[_i].chunks[k]), &err);
	if (rc == 0)
		rc = filter_finish(&f, &err);
	ck_assert_msg(rc == 0 || rc == FILTER_DONE, "%s: rc %d", splits[_i].name, rc);
	ck_assert_msg(strcmp(str_c(&out), splits[_i].want) == 0, "%s: got \"%s\"",
	    splits[_i].name, str_c(&out));
	str_free(&out);
	str_free(&err);
}
END_TEST

/* a sink error stops the filter and comes back as is */
static int
refuse(void *arg, const char *p, size_t n, struct str *err)
{
	(void)arg;
	(void)p;
	(void)n;
	str_printf(err, "sink full");
	return EX_TEMPFAIL;
}

START_TEST(test_filter_sink_error)
{
	struct str err = STR_INIT;
	struct filter f;

	filter_init(&f, 0, 0, refuse, NULL);
	ck_assert_int_eq(filter_feed(&f, "abc\n", 4, &err), EX_TEMPFAIL);
	ck_assert_str_eq(str_c(&err), "sink full");
	str_free(&err);
}
END_TEST

/* a large input passes in bounded chunks, and over the limit stops early */
static size_t biggest;

static int
measure(void *arg, const char *p, size_t n, struct str *err)
{
	(void)p;
	(void)err;
	*(long long *)arg += (long long)n;
	if (n > biggest)
		biggest = n;
	return 0;
}

START_TEST(test_filter_large)
{
	struct str err = STR_INIT, in = STR_INIT;
	struct filter f;
	long long total = 0;
	size_t i;

	for (i = 0; i < 300000; i++)
		str_appendc(&in, 'y');	/* one long line */
	filter_init(&f, 0, 0, measure, &total);
	ck_assert_int_eq(filter_feed(&f, in.s, in.len, &err), 0);
	ck_assert_int_eq(filter_finish(&f, &err), 0);
	ck_assert_int_eq(total, 300001);
	ck_assert_uint_le(biggest, FILTER_BUF);
	total = 0;
	filter_init(&f, 0, 100000, measure, &total);
	ck_assert_int_eq(filter_feed(&f, in.s, in.len, &err), EX_DATAERR);
	ck_assert_int_le(total, 100000);
	str_free(&err);
	str_free(&in);
}
END_TEST

Suite *
filter_suite(void)
{
	Suite *s = suite_create("filter");
	TCase *tc;

	tc = tcase_create("filter");
	tcase_set_timeout(tc, 30);
	tcase_add_loop_test(tc, test_filter_cases, 0, ARRAY_LEN(cases));
	tcase_add_loop_test(tc, test_filter_splits, 0, ARRAY_LEN(splits));
	tcase_add_test(tc, test_filter_sink_error);
	tcase_add_test(tc, test_filter_large);
	suite_add_tcase(s, tc);
	return s;
}
