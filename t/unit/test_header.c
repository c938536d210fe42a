/*
 * test_header - Check suite for lib/mail/header.c
 *
 * Tables of named cases: header sections with the fields found (name and
 * value), where the body starts, whether a separating empty line is
 * missing, and header_size_limit; lines that do or do not start a field.
 */
#include "config.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "header.h"
#include "str.h"
#include "unit.h"
#include "util.h"

/*
 * fields: "name=value" for each field, joined by '|' (value as hdr_value
 * gives it, continuation lines included). body: the text from h.body on.
 */
static const struct {
	const char	*name;
	const char	*msg;
	size_t		 limit;
	int		 rc;
	const char	*fields;
	const char	*body;
	int		 need_blank;
} parse_cases[] = {
	{ "simple", "A: 1\nB: 2\n\nbody\n", 0, 0, "A= 1|B= 2", "body\n", 0 },
	{ "continuation lines", "Subject: a\n b\n\tc\nTo: x\n\nbody", 0, 0,
	  "Subject= a\n b\n\tc|To= x", "body", 0 },
	{ "headers only", "A: 1\n", 0, 0, "A= 1", "", 0 },
	{ "headers only, no final LF", "A: 1", 0, 0, "A= 1", "", 0 },
	{ "empty message", "", 0, 0, "", "", 0 },
	{ "body only, after an empty line", "\nbody\n", 0, 0, "", "body\n", 0 },
	{ "empty value", "X-Empty:\n\n", 0, 0, "X-Empty=", "", 0 },
	{ "no space after colon", "A:1\n\n", 0, 0, "A=1", "", 0 },
	{ "white space before the colon", "Subject \t: x\n\n", 0, 0, "Subject= x", "", 0 },
	{ "colon in the value", "X: a:b\n\n", 0, 0, "X= a:b", "", 0 },
	{ "missing empty line", "A: 1\nThis is the body\n", 0, 0, "A= 1",
	  "This is the body\n", 1 },
	{ "no headers at all", "Hello there\nA: 1\n", 0, 0, "", "Hello there\nA: 1\n", 1 },
	{ "continuation without a field", " x\nA: 1\n", 0, 0, "", " x\nA: 1\n", 1 },
	{ "empty name", ": x\n", 0, 0, "", ": x\n", 1 },
	{ "8-bit name", "S\xc3\xbc" "bject: x\n\n", 0, 0, "", "S\xc3\xbc" "bject: x\n\n", 1 },
	{ "space inside the name", "Sub ject: x\n\n", 0, 0, "", "Sub ject: x\n\n", 1 },
	{ "mbox From line", "From alice Mon Jan 1\nA: 1\n\n", 0, 0, "",
	  "From alice Mon Jan 1\nA: 1\n\n", 1 },
	{ "CR is part of the value", "A: 1\r\n\r\nbody", 0, 0, "A= 1\r", "\r\nbody", 1 },
	{ "only the first empty line ends the header", "A: 1\n\nB: 2\n\n", 0, 0,
	  "A= 1", "B: 2\n\n", 0 },
	{ "header over the limit", "A: 1234567890\n\nbody\n", 5, -1, NULL, NULL, 0 },
	{ "endless header over the limit", "A: 1\nB: 2\nC: 3\nD: 4\n", 12, -1, NULL, NULL, 0 },
	{ "continuation over the limit", "A: 1\n 234567890\n\n", 8, -1, NULL, NULL, 0 },
	{ "header exactly at the limit", "A: 1\n\nbody\n", 5, 0, "A= 1", "body\n", 0 },
	{ "body does not count", "A: 1\n\nlong body line\n", 5, 0, "A= 1",
	  "long body line\n", 0 },
	{ "body without empty line does not count",
	  "A: 1\nthis long line is the body, not a header\n", 10, 0, "A= 1",
	  "this long line is the body, not a header\n", 1 },
	{ "no headers, long first line",
	  "a message with no header at all and a long first line\n", 10, 0, "",
	  "a message with no header at all and a long first line\n", 1 },
	{ "zero means no limit", "A: 1234567890\n\n", 0, 0, "A= 1234567890", "", 0 },
};

START_TEST(test_parse)
{
	struct headers h;
	struct str err = STR_INIT, got = STR_INIT;
	const char *msg = parse_cases[_i].msg, *v;
	size_t len = strlen(msg), i, vlen;
	int rc;

	rc = hdr_parse(msg, len, parse_cases[_i].limit, &h, &err);
	ck_assert_msg(rc == parse_cases[_i].rc, "%s: rc %d (%s)",
	    parse_cases[_i].name, rc, str_c(&err));
	if (rc < 0) {
		ck_assert_msg(strstr(str_c(&err), "header_size_limit") != NULL,
		    "%s: error \"%s\"", parse_cases[_i].name, str_c(&err));
		ck_assert_msg(h.v == NULL && h.n == 0, "%s: index kept",
		    parse_cases[_i].name);
		str_free(&err);
		return;
	}
	for (i = 0; i < h.n; i++) {
		if (i > 0)
			str_appendc(&got, '|');
		str_append(&got, msg + h.v[i].start, h.v[i].name_len);
		str_appendc(&got, '=');
		hdr_value(msg, &h.v[i], &v, &vlen);
		str_append(&got, v, vlen);
		ck_assert_msg(h.v[i].drop == 0, "%s: drop set", parse_cases[_i].name);
		ck_assert_msg(h.v[i].start + h.v[i].len <= h.body,
		    "%s: field runs into the body", parse_cases[_i].name);
	}
	ck_assert_msg(strcmp(str_c(&got), parse_cases[_i].fields) == 0,
	    "%s: fields \"%s\"", parse_cases[_i].name, str_c(&got));
	ck_assert_msg(h.body <= len && strcmp(msg + h.body, parse_cases[_i].body) == 0,
	    "%s: body \"%s\"", parse_cases[_i].name, msg + h.body);
	ck_assert_msg(h.need_blank == parse_cases[_i].need_blank,
	    "%s: need_blank %d", parse_cases[_i].name, h.need_blank);
	hdr_free(&h);
	ck_assert(h.v == NULL && h.n == 0);
	str_free(&got);
	str_free(&err);
}
END_TEST

START_TEST(test_many_fields)
{
	struct headers h;
	struct str msg = STR_INIT, err = STR_INIT;
	size_t i;

	for (i = 0; i < 1000; i++)
		str_printf(&msg, "X-N%zu: %zu\n", i, i);
	str_appends(&msg, "\nbody\n");
	ck_assert_int_eq(hdr_parse(msg.s, msg.len, 0, &h, &err), 0);
	ck_assert_uint_eq(h.n, 1000);
	ck_assert_str_eq(msg.s + h.body, "body\n");
	ck_assert(hdr_is(msg.s, &h.v[999], "x-n999"));
	hdr_free(&h);
	str_free(&msg);
	str_free(&err);
}
END_TEST

START_TEST(test_lookup)
{
	static const char msg[] =
	    "Resent-To: r@x\nTO : t@x\nCc: c@x\nResent: not a prefix match\n"
	    "To: second@x\n\n";
	struct headers h;
	struct str err = STR_INIT;
	struct hfield *f;
	const char *v;
	size_t vlen;

	ck_assert_int_eq(hdr_parse(msg, sizeof(msg) - 1, 0, &h, &err), 0);
	ck_assert_uint_eq(h.n, 5);
	ck_assert(hdr_is(msg, &h.v[1], "to"));
	ck_assert(!hdr_is(msg, &h.v[1], "t"));
	ck_assert(!hdr_is(msg, &h.v[0], "To"));
	ck_assert(hdr_is_prefix(msg, &h.v[0], "resent-"));
	ck_assert(!hdr_is_prefix(msg, &h.v[3], "Resent-"));
	ck_assert(!hdr_is_prefix(msg, &h.v[1], "Resent-"));
	f = hdr_find(msg, &h, "To");
	ck_assert_ptr_eq(f, &h.v[1]);
	hdr_value(msg, f, &v, &vlen);
	ck_assert_int_eq((int)vlen, 4);
	ck_assert_int_eq(memcmp(v, " t@x", 4), 0);
	f->drop = 1;
	ck_assert_ptr_eq(hdr_find(msg, &h, "to"), &h.v[4]);
	h.v[4].drop = 1;
	ck_assert_ptr_null(hdr_find(msg, &h, "To"));
	ck_assert_ptr_null(hdr_find(msg, &h, "Bcc"));
	hdr_free(&h);
	str_free(&err);
}
END_TEST

static const struct {
	const char	*name;
	const char	*line;
	int		 want;
} field_cases[] = {
	{ "field", "Subject: x\n", 1 },
	{ "field without value", "X:\n", 1 },
	{ "space before colon", "Subject : x\n", 1 },
	{ "tab before colon", "Subject\t: x\n", 1 },
	{ "no colon", "Subject x\n", 0 },
	{ "empty name", ": x\n", 0 },
	{ "starts with space", " Subject: x\n", 0 },
	{ "empty line", "\n", 0 },
	{ "space inside the name", "Sub ject: x\n", 0 },
	{ "8-bit name", "\xc3\xbc: x\n", 0 },
	{ "control character in the name", "Sub\x01ject: x\n", 0 },
	{ "mbox From line", "From alice@x Mon Jan  1 00:00:00 2024\n", 0 },
	{ "name only, no colon before the end", "Subject", 0 },
};

START_TEST(test_line_is_field)
{
	ck_assert_msg(hdr_line_is_field(field_cases[_i].line,
	    strlen(field_cases[_i].line)) == field_cases[_i].want, "%s",
	    field_cases[_i].name);
}
END_TEST

/* The length bounds what is read: "Subject" then ": x" past the end. */
START_TEST(test_line_is_field_bound)
{
	ck_assert_int_eq(hdr_line_is_field("Subject: x", 7), 0);
	ck_assert_int_eq(hdr_line_is_field("Subject : x", 8), 0);
	ck_assert_int_eq(hdr_line_is_field("Subject: x", 8), 1);
}
END_TEST

Suite *
header_suite(void)
{
	Suite *s = suite_create("header");
	TCase *tc;

	tc = tcase_create("parse");
	tcase_add_loop_test(tc, test_parse, 0, ARRAY_LEN(parse_cases));
	tcase_add_test(tc, test_many_fields);
	tcase_add_test(tc, test_lookup);
	tcase_add_loop_test(tc, test_line_is_field, 0, ARRAY_LEN(field_cases));
	tcase_add_test(tc, test_line_is_field_bound);
	suite_add_tcase(s, tc);
	return s;
}
