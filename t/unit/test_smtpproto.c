/*
 * test_smtpproto - Check suite for lib/net/smtpproto.c and base64.c
 *
 * Tables of named cases: replies fed line by line (code, enhanced code,
 * text, or the line that makes them malformed), EHLO replies and the
 * extensions found, MAIL/RCPT arguments with the address and parameters
 * or the reason they are refused, base64 and xtext in both directions,
 * and the SASL responses against vectors worked out by hand from their
 * RFCs.
 */
#include "config.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "smtpproto.h"
#include "str.h"
#include "unit.h"
#include "util.h"

/* ---- replies ------------------------------------------------------------ */

/*
 * lines: the reply lines separated by '|'. rc: what the last add returns
 * (earlier ones must return 0). For a complete reply: code, esc, text
 * (lines joined by '\n'), and fmt (smtp_reply_format).
 */
static const struct {
	const char	*name;
	const char	*lines;
	int		 rc;
	int		 code;
	const char	*esc;
	const char	*text;
	const char	*fmt;
} reply_cases[] = {
	{ "single line", "250 OK", 1, 250, "", "OK", "250 OK" },
	{ "code alone", "354", 1, 354, "", "", "354" },
	{ "CR LF stripped", "221 bye\r\n", 1, 221, "", "bye", "221 bye" },
	{ "multi-line", "250-mx.example.org|250-PIPELINING|250 SIZE 1000", 1, 250, "",
	  "mx.example.org\nPIPELINING\nSIZE 1000", "250 mx.example.org PIPELINING SIZE 1000" },
	{ "continuation pending", "250-first|250-second", 0, 0, NULL, NULL, NULL },
	{ "enhanced code", "550 5.1.1 <bob@example.org>: no such user", 1, 550, "5.1.1",
	  "<bob@example.org>: no such user", "550 5.1.1 <bob@example.org>: no such user" },
	{ "enhanced code on every line", "452-4.5.3 too many|452 4.5.3 recipients", 1, 452,
	  "4.5.3", "too many\nrecipients", "452 4.5.3 too many recipients" },
	{ "enhanced code alone", "250 2.0.0", 1, 250, "2.0.0", "", "250 2.0.0" },
	{ "enhanced code, wide fields", "451 4.123.456 later", 1, 451, "4.123.456", "later",
	  "451 4.123.456 later" },
	{ "class mismatch is text", "550 4.1.1 odd", 1, 550, "", "4.1.1 odd", "550 4.1.1 odd" },
	{ "four-digit subject is text", "550 5.1234.1 x", 1, 550, "", "5.1234.1 x",
	  "550 5.1234.1 x" },
	{ "esc glued to text is text", "550 5.1.1x", 1, 550, "", "5.1.1x", "550 5.1.1x" },
	{ "control characters cleaned", "550 a\001b\tc\x80", 1, 550, "", "a?b c?",
	  "550 a?b c?" },
	{ "mismatched codes", "250-a|251 b", -1, 0, NULL, NULL, NULL },
	{ "code 199", "199 x", -1, 0, NULL, NULL, NULL },
	{ "code 600", "600 x", -1, 0, NULL, NULL, NULL },
	{ "letters", "abc def", -1, 0, NULL, NULL, NULL },
	{ "short", "25", -1, 0, NULL, NULL, NULL },
	{ "bad separator", "250_OK", -1, 0, NULL, NULL, NULL },
	{ "empty line", "", -1, 0, NULL, NULL, NULL },
};

START_TEST(test_reply)
{
	struct smtp_reply r;
	struct str fmt = STR_INIT;
	const char *line, *bar, *err = NULL;
	int rc = 0;

	smtp_reply_init(&r);
	for (line = reply_cases[_i].lines; ; line = bar + 1) {
		bar = strchr(line, '|');
		rc = smtp_reply_add(&r, line, bar ? (size_t)(bar - line) : strlen(line), &err);
		if (bar == NULL || rc != 0)
			break;
	}
	ck_assert_msg(rc == reply_cases[_i].rc && (bar == NULL || rc == -1),
	    "%s: rc %d", CASE_NAME(reply_cases, _i), rc);
	if (rc == -1)
		ck_assert_msg(err != NULL && *err, "%s: no reason", CASE_NAME(reply_cases, _i));
	if (rc == 1) {
		ck_assert_int_eq(r.code, reply_cases[_i].code);
		ck_assert_str_eq(r.esc, reply_cases[_i].esc);
		ck_assert_str_eq(str_c(&r.text), reply_cases[_i].text);
		smtp_reply_format(&r, &fmt);
		ck_assert_str_eq(str_c(&fmt), reply_cases[_i].fmt);
	}
	str_free(&fmt);
	smtp_reply_free(&r);
	smtp_reply_free(&r);
}
END_TEST

START_TEST(test_reply_limits)
{
	struct smtp_reply r;
	struct str fmt = STR_INIT, line = STR_INIT;
	const char *err;
	int i, rc;

	/* exactly SMTP_REPLY_LINES_MAX lines is fine, one more is not */
	smtp_reply_init(&r);
	for (i = 0; i < SMTP_REPLY_LINES_MAX - 1; i++)
		ck_assert_int_eq(smtp_reply_add(&r, "250-x", 5, &err), 0);
	ck_assert_int_eq(smtp_reply_add(&r, "250 x", 5, &err), 1);
	smtp_reply_reset(&r);
	for (i = 0; i < SMTP_REPLY_LINES_MAX; i++)
		ck_assert_int_eq(smtp_reply_add(&r, "250-x", 5, &err), 0);
	ck_assert_int_eq(smtp_reply_add(&r, "250 x", 5, &err), -1);

	/* the text is bounded, and so is the formatted line */
	smtp_reply_reset(&r);
	str_set(&line, "550-");
	for (i = 0; i < 4000; i++)
		str_appendc(&line, 'a');
	for (i = 0, rc = 0; i < SMTP_REPLY_LINES_MAX - 1 && rc == 0; i++)
		rc = smtp_reply_add(&r, line.s, line.len, &err);
	ck_assert_int_eq(rc, -1);
	ck_assert(r.text.len <= 65536);
	smtp_reply_format(&r, &fmt);
	ck_assert(fmt.len <= 1004 && fmt.len >= 1000);
	str_free(&fmt);
	str_free(&line);
	smtp_reply_free(&r);
}
END_TEST

/* ---- EHLO --------------------------------------------------------------- */

static const struct {
	const char	*name;
	const char	*lines;
	unsigned	 flags;
	long long	 size;
	unsigned	 auth;
} ehlo_cases[] = {
	{ "greeting only", "250 mx.example.org hello", 0, 0, 0 },
	{ "the greeting is not a keyword", "250-PIPELINING|250 8BITMIME", EHLO_8BITMIME, 0, 0 },
	{ "Postfix", "250-mx.example.org|250-PIPELINING|250-SIZE 10240000|250-VRFY|"
	  "250-ETRN|250-STARTTLS|250-ENHANCEDSTATUSCODES|250-8BITMIME|250-DSN|"
	  "250-SMTPUTF8|250 CHUNKING",
	  EHLO_PIPELINING | EHLO_SIZE | EHLO_STARTTLS | EHLO_ENHANCEDSTATUSCODES |
	  EHLO_8BITMIME | EHLO_DSN | EHLO_SMTPUTF8 | EHLO_CHUNKING, 10240000, 0 },
	{ "case-insensitive", "250-x|250-pipelining|250 StartTLS", EHLO_PIPELINING |
	  EHLO_STARTTLS, 0, 0 },
	{ "SIZE without a number", "250-x|250 SIZE", EHLO_SIZE, 0, 0 },
	{ "SIZE with garbage", "250-x|250 SIZE 12k", EHLO_SIZE, 0, 0 },
	{ "SIZE too large", "250-x|250 SIZE 99999999999999999999", EHLO_SIZE, 0, 0 },
	{ "AUTH", "250-x|250 AUTH PLAIN LOGIN XOAUTH2 CRAM-MD5", EHLO_AUTH, 0,
	  SASL_PLAIN | SASL_LOGIN | SASL_XOAUTH2 },
	{ "AUTH= old form", "250-x|250-AUTH=PLAIN LOGIN|250 AUTH OAUTHBEARER", EHLO_AUTH, 0,
	  SASL_PLAIN | SASL_LOGIN | SASL_OAUTHBEARER },
	{ "AUTH lower case", "250-x|250 auth scram-sha-256", EHLO_AUTH, 0, SASL_SCRAM_SHA_256 },
	{ "prefix is not a keyword", "250-x|250-PIPELININGX|250 SIZEX 10", 0, 0, 0 },
	{ "not a 250", "502-x|502 PIPELINING", 0, 0, 0 },
};

START_TEST(test_ehlo)
{
	struct smtp_reply r;
	struct smtp_ehlo e;
	const char *line, *bar, *err;

	smtp_reply_init(&r);
	for (line = ehlo_cases[_i].lines; ; line = bar + 1) {
		bar = strchr(line, '|');
		smtp_reply_add(&r, line, bar ? (size_t)(bar - line) : strlen(line), &err);
		if (bar == NULL)
			break;
	}
	smtp_ehlo_parse(&e, &r);
	ck_assert_msg(e.flags == ehlo_cases[_i].flags, "%s: flags %#x",
	    CASE_NAME(ehlo_cases, _i), e.flags);
	ck_assert_int_eq(e.size, ehlo_cases[_i].size);
	ck_assert_msg(e.auth == ehlo_cases[_i].auth, "%s: auth %#x",
	    CASE_NAME(ehlo_cases, _i), e.auth);
	smtp_reply_free(&r);
}
END_TEST

/* ---- paths -------------------------------------------------------------- */

/*
 * addr: the address, or NULL when refused with a reason containing err.
 * params: "KEY=VALUE" or "KEY" joined by '|'.
 */
static const struct {
	const char	*name;
	const char	*arg;
	int		 utf8;
	const char	*addr;
	const char	*params;
	const char	*err;
} path_cases[] = {
	{ "simple", "<alice@example.org>", 0, "alice@example.org", "", NULL },
	{ "null path", "<>", 0, "", "", NULL },
	{ "leading space", " <alice@example.org>", 0, "alice@example.org", "", NULL },
	{ "source route dropped", "<@a.example,@b.example:bob@example.org>", 0,
	  "bob@example.org", "", NULL },
	{ "quoted local part kept", "<\"john doe\"@example.org>", 0,
	  "\"john doe\"@example.org", "", NULL },
	{ "quoted pair", "<\"a\\\"b\"@example.org>", 0, "\"a\\\"b\"@example.org", "", NULL },
	{ "dots and specials", "<a.b+c=d/e!f@sub.example-1.org>", 0,
	  "a.b+c=d/e!f@sub.example-1.org", "", NULL },
	{ "IPv4 literal", "<x@[192.0.2.1]>", 0, "x@[192.0.2.1]", "", NULL },
	{ "IPv6 literal", "<x@[IPv6:2001:db8::1]>", 0, "x@[IPv6:2001:db8::1]", "", NULL },
	{ "postmaster", "<Postmaster>", 0, "Postmaster", "", NULL },
	{ "params", "<a@example.org> SIZE=1000 BODY=8BITMIME", 0, "a@example.org",
	  "SIZE=1000|BODY=8BITMIME", NULL },
	{ "param without value, lower case", "<a@example.org> smtputf8", 1, "a@example.org",
	  "SMTPUTF8", NULL },
	{ "extra spaces between params", "<> RET=HDRS   ENVID=abc+2B ", 0, "",
	  "RET=HDRS|ENVID=abc+2B", NULL },
	{ "UTF-8 with SMTPUTF8", "<j\xc3\xb8rn@\xc3\xa6x.example>", 1,
	  "j\xc3\xb8rn@\xc3\xa6x.example", "", NULL },
	{ "UTF-8 without SMTPUTF8", "<j\xc3\xb8rn@example.org>", 0, NULL, NULL, "SMTPUTF8" },
	{ "UTF-8 domain without SMTPUTF8", "<a@\xc3\xa6x.example>", 0, NULL, NULL, "SMTPUTF8" },
	{ "bad UTF-8", "<j\xc3(rn@example.org>", 1, NULL, NULL, "UTF-8" },
	{ "overlong UTF-8", "<\xc0\xafx@example.org>", 1, NULL, NULL, "UTF-8" },
	{ "UTF-8 surrogate", "<\xed\xa0\x80@example.org>", 1, NULL, NULL, "UTF-8" },
	{ "missing brackets", "alice@example.org", 0, NULL, NULL, "<>" },
	{ "missing close bracket", "<alice@example.org", 0, NULL, NULL, "<>" },
	{ "empty", "", 0, NULL, NULL, "<>" },
	{ "no domain", "<alice>", 0, NULL, NULL, "domain" },
	{ "empty domain", "<alice@>", 0, NULL, NULL, "domain" },
	{ "double dot", "<a..b@example.org>", 0, NULL, NULL, "local part" },
	{ "leading dot", "<.a@example.org>", 0, NULL, NULL, "local part" },
	{ "unclosed quote", "<\"abc@example.org>", 0, NULL, NULL, "quoted" },
	{ "space in local part", "<a b@example.org>", 0, NULL, NULL, "syntax" },
	{ "domain trailing dot", "<a@example.org.>", 0, NULL, NULL, "domain" },
	{ "domain hyphen end", "<a@example-.org>", 0, NULL, NULL, "domain" },
	{ "domain underscore", "<a@ex_ample.org>", 0, NULL, NULL, "syntax" },
	{ "bad literal", "<a@[300.1.1.1]>", 0, NULL, NULL, "literal" },
	{ "bad IPv6 literal", "<a@[IPv6:zz::1]>", 0, NULL, NULL, "literal" },
	{ "bad source route", "<@a.example;b@example.org>", 0, NULL, NULL, "route" },
	{ "source route only", "<@a.example:>", 0, NULL, NULL, "route" },
	{ "garbage after path", "<a@example.org>x", 0, NULL, NULL, "syntax" },
	{ "duplicate param", "<a@example.org> SIZE=1 size=2", 0, NULL, NULL, "Duplicate" },
	{ "empty value", "<a@example.org> SIZE=", 0, NULL, NULL, "parameter" },
	{ "bad keyword", "<a@example.org> -X=1", 0, NULL, NULL, "parameter" },
	{ "'=' in value", "<a@example.org> X=a=b", 0, NULL, NULL, "parameter" },
	{ "control in value", "<a@example.org> X=a\001", 0, NULL, NULL, "parameter" },
	{ "8-bit value", "<a@example.org> X=\xc3\xa6", 0, NULL, NULL, "8-bit" },
	{ "label too long", "<a@aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.org>",
	  0, NULL, NULL, "domain" },
	{ "garbage", "<<>>", 0, NULL, NULL, "syntax" },
};

START_TEST(test_path)
{
	struct smtp_path p;
	struct str got = STR_INIT;
	const char *err = NULL;
	size_t i;
	int rc;

	smtp_path_init(&p);
	rc = smtp_parse_path(path_cases[_i].arg, path_cases[_i].utf8, &p, &err);
	if (path_cases[_i].addr == NULL) {
		ck_assert_msg(rc == -1, "%s: accepted", CASE_NAME(path_cases, _i));
		ck_assert_msg(err != NULL && strstr(err, path_cases[_i].err) != NULL,
		    "%s: reason \"%s\"", CASE_NAME(path_cases, _i), err ? err : "(null)");
		ck_assert(p.nparam == 0 && p.addr.len == 0);
	} else {
		ck_assert_msg(rc == 0, "%s: refused: %s", CASE_NAME(path_cases, _i), err);
		ck_assert_str_eq(str_c(&p.addr), path_cases[_i].addr);
		for (i = 0; i < p.nparam; i++) {
			if (i > 0)
				str_appendc(&got, '|');
			str_appends(&got, p.param[i].key);
			if (p.param[i].value)
				str_printf(&got, "=%s", p.param[i].value);
		}
		ck_assert_str_eq(str_c(&got), path_cases[_i].params);
	}
	str_free(&got);
	smtp_path_free(&p);
	smtp_path_free(&p);
}
END_TEST

START_TEST(test_path_lengths)
{
	struct smtp_path p;
	struct str a = STR_INIT;
	const char *err;
	int i;

	smtp_path_init(&p);
	/* 200-octet local part: beyond RFC 5321's 64, tolerated */
	str_appendc(&a, '<');
	for (i = 0; i < 200; i++)
		str_appendc(&a, 'l');
	str_appends(&a, "@example.org>");
	ck_assert_int_eq(smtp_parse_path(a.s, 0, &p, &err), 0);
	/* a 256-octet address is fine, 257 is not */
	str_set(&a, "<");
	for (i = 0; i < 256 - 12; i++)
		str_appendc(&a, 'l');
	str_appends(&a, "@example.org>");
	ck_assert_int_eq(smtp_parse_path(a.s, 0, &p, &err), 0);
	ck_assert_int_eq(p.addr.len, 256);
	str_set(&a, "<l");
	for (i = 0; i < 256 - 12; i++)
		str_appendc(&a, 'l');
	str_appends(&a, "@example.org>");
	ck_assert_int_eq(smtp_parse_path(a.s, 0, &p, &err), -1);
	ck_assert_str_eq(err, "Address too long");
	/* a domain over 255 octets */
	str_set(&a, "<a@");
	for (i = 0; i < 5; i++)
		str_appends(&a, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.");
	str_appends(&a, "org>");
	ck_assert_int_eq(smtp_parse_path(a.s, 0, &p, &err), -1);
	ck_assert_str_eq(err, "Domain name too long");
	/* SMTP_PARAMS_MAX parameters, then one more */
	str_set(&a, "<a@example.org>");
	for (i = 0; i < SMTP_PARAMS_MAX; i++)
		str_printf(&a, " X%d=%d", i, i);
	ck_assert_int_eq(smtp_parse_path(a.s, 0, &p, &err), 0);
	ck_assert_str_eq(smtp_path_param(&p, "x3"), "3");
	ck_assert_ptr_null(smtp_path_param(&p, "Y"));
	str_appends(&a, " Y");
	ck_assert_int_eq(smtp_parse_path(a.s, 0, &p, &err), -1);
	ck_assert_str_eq(err, "Too many parameters");
	/* a parameter without value reads as "" */
	ck_assert_int_eq(smtp_parse_path("<> SMTPUTF8", 0, &p, &err), 0);
	ck_assert_str_eq(smtp_path_param(&p, "smtputf8"), "");
	str_free(&a);
	smtp_path_free(&p);
}
END_TEST

/* ---- base64, xtext, SASL ------------------------------------------------- */

static const struct {
	const char	*name;
	const char	*plain;
	size_t		 len;
	const char	*b64;
} b64_cases[] = {	/* RFC 4648 10 */
	{ "empty", "", 0, "" },
	{ "f", "f", 1, "Zg==" },
	{ "fo", "fo", 2, "Zm8=" },
	{ "foo", "foo", 3, "Zm9v" },
	{ "foob", "foob", 4, "Zm9vYg==" },
	{ "fooba", "fooba", 5, "Zm9vYmE=" },
	{ "foobar", "foobar", 6, "Zm9vYmFy" },
	{ "binary", "\0\377\376", 3, "AP/+" },
};

START_TEST(test_base64)
{
	struct str s = STR_INIT, d = STR_INIT;

	base64_encode(&s, b64_cases[_i].plain, b64_cases[_i].len);
	ck_assert_str_eq(str_c(&s), b64_cases[_i].b64);
	str_set(&d, "x");
	ck_assert_int_eq(base64_decode(&d, s.s, s.len), 0);
	ck_assert_uint_eq(d.len, b64_cases[_i].len + 1);
	ck_assert(memcmp(d.s + 1, b64_cases[_i].plain, b64_cases[_i].len) == 0);
	str_free(&s);
	str_free(&d);
}
END_TEST

static const char *const b64_bad[] = {
	"Zg=", "Zg", "Z", "Zm9", "Zg=a", "Z===", "====", "Zm9v\n", " Zm9v", "Zm 9v",
	"Zh==", "Zm9=", "Zm9v*A==", "Zg==Zg==", "Zm=v",
};

START_TEST(test_base64_bad)
{
	struct str d = STR_INIT;

	str_set(&d, "keep");
	ck_assert_msg(base64_decode(&d, b64_bad[_i], strlen(b64_bad[_i])) == -1,
	    "accepted \"%s\"", b64_bad[_i]);
	ck_assert_str_eq(str_c(&d), "keep");
	str_free(&d);
}
END_TEST

static const struct {
	const char	*name;
	const char	*plain;
	const char	*xtext;
} xtext_cases[] = {
	{ "plain", "alice@example.org", "alice@example.org" },
	{ "plus and equals", "a+b=c", "a+2Bb+3Dc" },
	{ "space", "a b", "a+20b" },
	{ "8-bit", "\xc3\xa6", "+C3+A6" },
	{ "empty", "", "" },
};

START_TEST(test_xtext)
{
	struct str s = STR_INIT, d = STR_INIT;

	xtext_encode(&s, xtext_cases[_i].plain);
	ck_assert_str_eq(str_c(&s), xtext_cases[_i].xtext);
	ck_assert_int_eq(xtext_decode(&d, str_c(&s)), 0);
	ck_assert_str_eq(str_c(&d), xtext_cases[_i].plain);
	str_free(&s);
	str_free(&d);
}
END_TEST

static const char *const xtext_bad[] = {
	"a+2", "a+", "a+G1", "a=b", "a b", "a\xc3\xa6", "a+0A", "a+00", "a+7F", "+\t1",
};

START_TEST(test_xtext_bad)
{
	struct str d = STR_INIT;

	str_set(&d, "keep");
	ck_assert_msg(xtext_decode(&d, xtext_bad[_i]) == -1, "accepted \"%s\"",
	    xtext_bad[_i]);
	ck_assert_str_eq(str_c(&d), "keep");
	str_free(&d);
}
END_TEST

START_TEST(test_sasl)
{
	struct str s = STR_INIT;

	/* RFC 4616 without authzid; base64 of "\0alice\0secret" */
	sasl_plain(&s, NULL, "alice", "secret");
	ck_assert_str_eq(str_c(&s), "AGFsaWNlAHNlY3JldA==");
	str_reset(&s);
	sasl_plain(&s, "admin", "alice", "secret");
	ck_assert_str_eq(str_c(&s), "YWRtaW4AYWxpY2UAc2VjcmV0");	/* "admin\0alice\0secret" */
	/* appends */
	str_set(&s, "AUTH PLAIN ");
	sasl_plain(&s, "", "a", "b");
	ck_assert_str_eq(str_c(&s), "AUTH PLAIN AGEAYg==");
	/* "user=someuser@example.com\1auth=Bearer ya29.vF9dft4qmTc2Nvb3RlckBhdHRhdmlzdGEuY29tCg\1\1" */
	str_reset(&s);
	sasl_xoauth2(&s, "someuser@example.com", "ya29.vF9dft4qmTc2Nvb3RlckBhdHRhdmlzdGEuY29tCg");
	ck_assert_str_eq(str_c(&s),
	    "dXNlcj1zb21ldXNlckBleGFtcGxlLmNvbQFhdXRoPUJlYXJlciB5YTI5LnZGOWRmdDRxbVRjMk52"
	    "YjNSbGNrQmhkSFJoZG1semRHRXVZMjl0Q2cBAQ==");
	/* RFC 7628 3.2.1, with the user as authzid */
	str_reset(&s);
	sasl_oauthbearer(&s, "user@example.com", "server.example.com", 143,
	    "vF9dft4qmTc2Nvb3RlckBhbHRhdmlzdGEuY29tCg==");
	ck_assert_str_eq(str_c(&s),
	    "bixhPXVzZXJAZXhhbXBsZS5jb20sAWhvc3Q9c2VydmVyLmV4YW1wbGUuY29tAXBvcnQ9MTQzAWF1"
	    "dGg9QmVhcmVyIHZGOWRmdDRxbVRjMk52YjNSbGNrQmhiSFJoZG1semRHRXVZMjl0Q2c9PQEB");
	/* "," and "=" in the authzid: "n,a=a=2Cb=3Dc,\1host=h\1port=25\1auth=Bearer t\1\1" */
	str_reset(&s);
	sasl_oauthbearer(&s, "a,b=c", "h", 25, "t");
	ck_assert_str_eq(str_c(&s),
	    "bixhPWE9MkNiPTNEYywBaG9zdD1oAXBvcnQ9MjUBYXV0aD1CZWFyZXIgdAEB");
	str_free(&s);

	ck_assert_str_eq(sasl_mech_name(SASL_PLAIN), "PLAIN");
	ck_assert_str_eq(sasl_mech_name(SASL_SCRAM_SHA_256), "SCRAM-SHA-256");
	ck_assert_ptr_null(sasl_mech_name(SASL_PLAIN | SASL_LOGIN));
	ck_assert_uint_eq(sasl_mech_parse("login"), SASL_LOGIN);
	ck_assert_uint_eq(sasl_mech_parse("XOAUTH2"), SASL_XOAUTH2);
	ck_assert_uint_eq(sasl_mech_parse("OAUTHBEARER"), SASL_OAUTHBEARER);
	ck_assert_uint_eq(sasl_mech_parse("CRAM-MD5"), 0);
}
END_TEST

Suite *
smtpproto_suite(void)
{
	Suite *s = suite_create("smtpproto");
	TCase *tc = tcase_create("smtpproto");

	tcase_add_loop_test(tc, test_reply, 0, ARRAY_LEN(reply_cases));
	tcase_add_test(tc, test_reply_limits);
	tcase_add_loop_test(tc, test_ehlo, 0, ARRAY_LEN(ehlo_cases));
	tcase_add_loop_test(tc, test_path, 0, ARRAY_LEN(path_cases));
	tcase_add_test(tc, test_path_lengths);
	tcase_add_loop_test(tc, test_base64, 0, ARRAY_LEN(b64_cases));
	tcase_add_loop_test(tc, test_base64_bad, 0, ARRAY_LEN(b64_bad));
	tcase_add_loop_test(tc, test_xtext, 0, ARRAY_LEN(xtext_cases));
	tcase_add_loop_test(tc, test_xtext_bad, 0, ARRAY_LEN(xtext_bad));
	tcase_add_test(tc, test_sasl);
	suite_add_tcase(s, tc);
	return s;
}
