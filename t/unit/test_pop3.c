/*
 * test_pop3 - Check suite for the POP3 codec (lib/net/pop3proto.c) and
 * the accounts file of popfetch (lib/net/popconf.c)
 *
 * Tables of named cases: status lines, CAPA lines, STAT, LIST and UIDL
 * lines (good, and each way they can be bad), APOP stamps, bodies cut in
 * pieces (unstuffing, the end line, a line in several pieces), and
 * accounts files with what they set or the file:line error they give.
 */
#include "config.h"

#include <sys/stat.h>

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pop3.h"
#include "popfetch.h"
#include "str.h"
#include "unit.h"
#include "util.h"

static const struct {
	const char	*name;
	const char	*line;
	int		 rc;
	const char	*text;
} status_cases[] = {
	{ "ok", "+OK ready", 1, "ready" },
	{ "ok alone", "+OK", 1, "" },
	{ "err", "-ERR [AUTH] no", 0, "[AUTH] no" },
	{ "spaces skipped", "+OK   x", 1, "x" },
	{ "lower case is not a status", "+ok x", -1, NULL },
	{ "glued word", "+OKAY", -1, NULL },
	{ "empty", "", -1, NULL },
	{ "continuation", "+ ", -1, NULL },
};

START_TEST(test_status)
{
	const char *text = NULL;
	int rc = pop_status(status_cases[_i].line, strlen(status_cases[_i].line), &text);

	ck_assert_msg(rc == status_cases[_i].rc, "%s: rc %d", status_cases[_i].name, rc);
	if (rc >= 0)
		ck_assert_str_eq(text, status_cases[_i].text);
}
END_TEST

static const struct {
	const char	*line;
	unsigned	 capa;
} capa_cases[] = {
	{ "TOP", POP_CAPA_TOP }, { "UIDL", POP_CAPA_UIDL }, { "USER", POP_CAPA_USER },
	{ "PIPELINING", POP_CAPA_PIPELINING }, { "STLS", POP_CAPA_STLS },
	{ "sasl plain login", POP_CAPA_SASL_PLAIN }, { "SASL LOGIN PLAIN", POP_CAPA_SASL_PLAIN },
	{ "SASL PLAINX", 0 }, { "SASL CRAM-MD5", 0 }, { "TOPS", 0 },
	{ "RESP-CODES", 0 }, { "IMPLEMENTATION Dovecot", 0 },
};

START_TEST(test_capa)
{
	ck_assert_msg(pop_capa_line(capa_cases[_i].line, strlen(capa_cases[_i].line)) ==
	    capa_cases[_i].capa, "%s", capa_cases[_i].line);
}
END_TEST

/* kind: 's' STAT text, 'l' LIST line, 'u' UIDL line */
static const struct {
	const char	*name;
	char		 kind;
	const char	*line;
	int		 rc;
	unsigned long	 num;
	long long	 size;
	const char	*uid;
} scan_cases[] = {
	{ "stat", 's', "2 320", 0, 2, 0, NULL },
	{ "stat empty mailbox", 's', "0 0", 0, 0, 0, NULL },
	{ "stat with text after", 's', "2 320 messages", 0, 2, 0, NULL },
	{ "stat without size", 's', "2", -1, 0, 0, NULL },
	{ "stat too many", 's', "1000001 5", -1, 0, 0, NULL },
	{ "stat negative", 's', "-1 5", -1, 0, 0, NULL },
	{ "list", 'l', "1 120", 0, 1, 120, NULL },
	{ "list, spaces", 'l', "7   4096", 0, 7, 4096, NULL },
	{ "list message 0", 'l', "0 120", -1, 0, 0, NULL },
	{ "list huge number", 'l', "99999999 1", -1, 0, 0, NULL },
	{ "list size overflow", 'l', "1 9999999999999999999", -1, 0, 0, NULL },
	{ "list letters", 'l', "1 12x", -1, 0, 0, NULL },
	{ "list one field", 'l', "1", -1, 0, 0, NULL },
	{ "uidl", 'u', "1 whqtswO00WBw418f9t5JxYwZ", 0, 1, 0, "whqtswO00WBw418f9t5JxYwZ" },
	{ "uidl trailing space", 'u', "3 abc ", 0, 3, 0, "abc" },
	{ "uidl 70 characters", 'u',
	  "2 0123456789012345678901234567890123456789012345678901234567890123456789", 0, 2, 0,
	  "0123456789012345678901234567890123456789012345678901234567890123456789" },
	{ "uidl 71 characters", 'u',
	  "2 01234567890123456789012345678901234567890123456789012345678901234567890", -1, 0, 0,
	  NULL },
	{ "uidl with a space inside", 'u', "1 a b", -1, 0, 0, NULL },
	{ "uidl with a control character", 'u', "1 a\001b", -1, 0, 0, NULL },
	{ "uidl with 8-bit", 'u', "1 a\xe9", -1, 0, 0, NULL },
	{ "uidl empty", 'u', "1 ", -1, 0, 0, NULL },
};

START_TEST(test_scan)
{
	const char *l = scan_cases[_i].line;
	char uid[POP_UID_MAX + 1] = "";
	unsigned long num = 0;
	long long size = 0, count = 0;
	int rc;

	switch (scan_cases[_i].kind) {
	case 's':
		rc = pop_parse_stat(l, strlen(l), &count);
		num = (unsigned long)count;
		break;
	case 'l':
		rc = pop_parse_list(l, strlen(l), &num, &size);
		break;
	default:
		rc = pop_parse_uidl(l, strlen(l), &num, uid);
		break;
	}
	ck_assert_msg(rc == scan_cases[_i].rc, "%s: rc %d", scan_cases[_i].name, rc);
	if (rc < 0)
		return;
	ck_assert_uint_eq(num, scan_cases[_i].num);
	if (scan_cases[_i].kind == 'l')
		ck_assert_int_eq(size, scan_cases[_i].size);
	if (scan_cases[_i].uid)
		ck_assert_str_eq(uid, scan_cases[_i].uid);
}
END_TEST

START_TEST(test_apop_stamp)
{
	struct str s = STR_INIT;
	const char *g = "POP3 server ready <1896.697170952@dbc.mtview.ca.us> x";

	ck_assert_int_eq(pop_apop_stamp(g, strlen(g), &s), 0);
	ck_assert_str_eq(s.s, "<1896.697170952@dbc.mtview.ca.us>");
	ck_assert_int_eq(pop_apop_stamp("Dovecot ready.", 14, &s), -1);
	ck_assert_int_eq(pop_apop_stamp("<no-at-sign>", 12, &s), -1);
	ck_assert_int_eq(pop_apop_stamp("<unclosed@x", 11, &s), -1);
	str_free(&s);
}
END_TEST

/*
 * bodies: pieces separated by '|'; a piece ending in '$' ends its line.
 * out: what the decoder appends; end: whether the "." line came.
 */
static const struct {
	const char	*name;
	const char	*pieces;
	const char	*out;
	int		 end;
} body_cases[] = {
	{ "plain lines", "a$|b$|.$", "a\nb\n", 1 },
	{ "stuffed dot", "..x$|.$", ".x\n", 1 },
	{ "a line of two dots", "..$|.$", ".\n", 1 },
	{ "dot later in a line stays", "a.b$|.$", "a.b\n", 1 },
	{ "a line in pieces", "ab|cd|e$|.$", "abcde\n", 1 },
	{ "a dot at a piece boundary is data", "ab|.c$|.$", "ab.c\n", 1 },
	{ "a stuffed line in pieces", ".|.x$|.$", ".x\n", 1 },
	{ "empty lines", "$|$|.$", "\n\n", 1 },
	{ "no end yet", "a$|b$", "a\nb\n", 0 },
	{ "a lone dot not at the start", "x|.$|.$", "x.\n", 1 },
};

START_TEST(test_body)
{
	struct pop_body b;
	struct str out = STR_INIT;
	char *copy = xstrdup(body_cases[_i].pieces), *p, *save = NULL;
	int end = 0;
	size_t n;

	pop_body_init(&b);
	for (p = strtok_r(copy, "|", &save); p && !end; p = strtok_r(NULL, "|", &save)) {
		n = strlen(p);
		end = pop_body_piece(&b, p, n - (n > 0 && p[n - 1] == '$'),
		    n > 0 && p[n - 1] == '$', &out);
	}
	ck_assert_msg(end == body_cases[_i].end, "%s: end %d", body_cases[_i].name, end);
	str_append(&out, "", 0);
	ck_assert_msg(strcmp(out.s, body_cases[_i].out) == 0, "%s: got \"%s\"",
	    body_cases[_i].name, out.s);
	ck_assert_int_eq(b.bytes, (long long)strlen(body_cases[_i].out));
	free(copy);
	str_free(&out);
}
END_TEST

/* accounts files: err NULL when it loads, else a part of the message */
static const struct {
	const char	*name;
	const char	*text;
	const char	*err;
} rc_cases[] = {
	{ "minimal", "account a\nhost h\nuser u\npassword p\n", NULL },
	{ "defaults and a base", "defaults\nhost h\n# c\naccount a\nuser u\npasswordeval "
	  "echo p\naccount b : a\nuser v\n", NULL },
	{ "quoted value", "account a\nhost h\nuser u\npassword \"p w \\\"q\\\"\"\n", NULL },
	{ "tls spelled out", "account a\nhost h\nuser u\npassword p\ntls none\n", NULL },
	{ "bad tls", "account a\nhost h\nuser u\npassword p\ntls off\n",
	  ":5: tls must be pop3s, stls or none" },
	{ "unknown key", "account a\nhost h\ncolour blue\n", ":3: colour is not a popfetch key" },
	{ "no host", "account a\nuser u\npassword p\n", ":1: account a has no host" },
	{ "no password", "account a\nhost h\nuser u\n", "neither password nor passwordeval" },
	{ "bad port", "account a\nport 70000\n", ":2: port must be a port number" },
	{ "bad keep", "account a\nkeep yes\n", ":2: keep must be on or off" },
	{ "bad size", "account a\nsize_limit lots\n", ":2: size_limit must be a size" },
	{ "twice", "account a\nhost h\nuser u\npassword p\naccount a\n", "defined twice" },
	{ "bad name", "account ../x\n", "bad account name" },
	{ "unknown base", "account b : a\n", "no account a before it" },
	{ "unbalanced quotes", "account a\nhost \"h\n", "unbalanced quotes" },
};

START_TEST(test_rcfile)
{
	char path[] = "/tmp/posthorn-unit-rc.XXXXXX";
	struct popf_conf c;
	struct str err = STR_INIT;
	int fd = mkstemp(path), rc;

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(util_write_all(fd, rc_cases[_i].text, strlen(rc_cases[_i].text)), 0);
	close(fd);
	rc = popf_conf_load(path, "me", &c, &err);
	if (rc_cases[_i].err == NULL)
		ck_assert_msg(rc == 0, "%s: %s", rc_cases[_i].name, str_c(&err));
	else
		ck_assert_msg(rc < 0 && strstr(str_c(&err), rc_cases[_i].err) != NULL,
		    "%s: rc %d: %s", rc_cases[_i].name, rc, str_c(&err));
	if (rc == 0 && strcmp(rc_cases[_i].name, "defaults and a base") == 0) {
		ck_assert_uint_eq(c.n, 2);
		ck_assert_str_eq(c.acct[1].host, "h");
		ck_assert_str_eq(c.acct[1].user, "v");
		ck_assert_str_eq(c.acct[1].passwordeval, "echo p");
		ck_assert_str_eq(c.acct[1].deliver_to, "me");
		ck_assert_int_eq(c.acct[1].tls, POP_TLS_POP3S);
		ck_assert_int_eq(c.acct[1].only_new, 1);
	}
	if (rc == 0 && strcmp(rc_cases[_i].name, "quoted value") == 0)
		ck_assert_str_eq(c.acct[0].password, "p w \"q\"");
	popf_conf_free(&c);
	unlink(path);
	str_free(&err);
}
END_TEST

START_TEST(test_rcfile_mode)
{
	char path[] = "/tmp/posthorn-unit-rc.XXXXXX";
	const char *t = "account a\nhost h\nuser u\npassword p\n";
	struct popf_conf c;
	struct str err = STR_INIT;
	int fd = mkstemp(path);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(util_write_all(fd, t, strlen(t)), 0);
	close(fd);
	ck_assert_int_eq(chmod(path, 0640), 0);
	ck_assert_int_eq(popf_conf_load(path, "me", &c, &err), POPF_EPERM);
	ck_assert_ptr_nonnull(strstr(err.s, "chmod 600"));
	popf_conf_free(&c);
	ck_assert_int_eq(chmod(path, 0600), 0);
	str_reset(&err);
	ck_assert_int_eq(popf_conf_load(path, "me", &c, &err), 0);
	popf_conf_free(&c);
	unlink(path);
	str_free(&err);
}
END_TEST

Suite *
pop3_suite(void)
{
	Suite *s = suite_create("pop3");
	TCase *tc = tcase_create("pop3");

	tcase_add_loop_test(tc, test_status, 0, ARRAY_LEN(status_cases));
	tcase_add_loop_test(tc, test_capa, 0, ARRAY_LEN(capa_cases));
	tcase_add_loop_test(tc, test_scan, 0, ARRAY_LEN(scan_cases));
	tcase_add_test(tc, test_apop_stamp);
	tcase_add_loop_test(tc, test_body, 0, ARRAY_LEN(body_cases));
	tcase_add_loop_test(tc, test_rcfile, 0, ARRAY_LEN(rc_cases));
	tcase_add_test(tc, test_rcfile_mode);
	suite_add_tcase(s, tc);
	return s;
}
