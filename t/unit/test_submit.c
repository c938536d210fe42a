/*
 * test_submit - Check suite for lib/submit.c
 *
 * Tables of named cases: messages with command-line settings for
 * submit_prepare, each with the exit code,
 * envelope sender, recipients and the exact message that must result.
 * Settings are fixed (login alice, myorigin example.org, queue ID and
 * arrival time), and TZ is UTC, so added Date: and Message-ID: fields are
 * known in advance.
 */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "spool.h"
#include "str.h"
#include "submit.h"
#include "unit.h"
#include "util.h"

#define SUB_ID		"6553F1000ABCD00123400"
#define DATE		"Tue, 14 Nov 2023 22:13:20 +0000"
#define ADD_DATE	"Date: " DATE "\n"
#define ADD_MSGID	"Message-ID: <" SUB_ID "@mail.example.org>\n"
#define ADD_FROM	"From: Alice Example <alice@example.org>\n"
#define ADDED		ADD_FROM ADD_DATE ADD_MSGID

/* ---- submit_store ---------------------------------------------------------- */
/* (its input filter has its own suite, test_filter.c; the streaming into
 * the maildrop is tested end to end by t/integ/submit.sh and bigmsg.sh) */

START_TEST(test_store_read_error)
{
	struct submit s;
	struct str err = STR_INIT;

	submit_init(&s);
	ck_assert_int_eq(submit_store(&s, -1, 0, &err), EX_IOERR);
	ck_assert_msg(strstr(str_c(&err), "error reading") != NULL, "%s", str_c(&err));
	submit_free(&s);
	str_free(&err);
}
END_TEST

/* ---- submit_prepare --------------------------------------------------------- */

static char *const masq_example[] = { "example.org", NULL };
static char *const except_root[] = { "root", NULL };

#define X100	"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx" \
		"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"

static const struct prep_case {
	const char	*name;
	const char	*args;		/* '|'-separated recipient arguments */
	int		 extract;	/* -t */
	const char	*sender;	/* -f */
	const char	*fullname;	/* -F */
	const char	*gecos;		/* NULL: "Alice Example,Room 1,," */
	const char	*myorigin;	/* NULL: example.org */
	char *const	*masq;
	char *const	*except;
	size_t		 header_limit;
	const char	*in;
	int		 rc;
	const char	*want_sender;
	const char	*want_rcpts;	/* '|'-separated */
	const char	*want_msg;	/* exact; NULL: not checked */
} prep_cases[] = {
	{ "minimal", "bob@example.net", 0, NULL, NULL, NULL, NULL, NULL, NULL, 0,
	  "Subject: hi\n\nbody\n", 0, "alice@example.org", "bob@example.net",
	  "Subject: hi\n" ADDED "\nbody\n" },
	{ "From, Date and Message-ID kept", "bob@example.net", 0, NULL, NULL, NULL, NULL,
	  NULL, NULL, 0,
	  "From: x@y.example\nDate: Mon, 1 Jan 2024 00:00:00 +0000\nMessage-ID: <a@b>\n"
	  "Subject: s\n\nbody\n", 0, "alice@example.org", "bob@example.net",
	  "From: x@y.example\nDate: Mon, 1 Jan 2024 00:00:00 +0000\nMessage-ID: <a@b>\n"
	  "Subject: s\n\nbody\n" },
	{ "only Date added", "bob@example.net", 0, NULL, NULL, NULL, NULL, NULL, NULL, 0,
	  "From: x@y.example\nMessage-ID: <a@b>\n\nbody\n", 0, "alice@example.org",
	  "bob@example.net", "From: x@y.example\nMessage-ID: <a@b>\n" ADD_DATE "\nbody\n" },
	{ "field names in any case", "bob@example.net", 0, NULL, NULL, NULL, NULL, NULL,
	  NULL, 0, "FROM: x@y.example\nmessage-id: <a@b>\nDATE: d\n\n", 0,
	  "alice@example.org", "bob@example.net",
	  "FROM: x@y.example\nmessage-id: <a@b>\nDATE: d\n\n" },
	{ "Bcc removed with its continuation", "bob@example.net", 0, NULL, NULL, NULL,
	  NULL, NULL, NULL, 0,
	  "To: bob@example.net\nBcc: secret@example.net,\n\tother@example.net\nSubject: s\n\nb\n",
	  0, "alice@example.org", "bob@example.net",
	  "To: bob@example.net\nSubject: s\n" ADDED "\nb\n" },
	{ "Return-Path and Content-Length removed", "bob@example.net", 0, NULL, NULL,
	  NULL, NULL, NULL, NULL, 0,
	  "Return-Path: <x@y.example>\nContent-Length: 5\nbcc: z@y.example\nSubject: s\n\nb\n",
	  0, "alice@example.org", "bob@example.net", "Subject: s\n" ADDED "\nb\n" },
	{ "-t: To, Cc and Bcc", NULL, 1, NULL, NULL, NULL, NULL, NULL, NULL, 0,
	  "To: a@x.example, B <b@x.example>\nCc: c@x.example\nBcc: d@x.example\n"
	  "Subject: s\n\n", 0, "alice@example.org",
	  "a@x.example|b@x.example|c@x.example|d@x.example",
	  "To: a@x.example, B <b@x.example>\nCc: c@x.example\nSubject: s\n" ADDED "\n" },
	{ "-t: arguments first", "z@x.example", 1, NULL, NULL, NULL, NULL, NULL, NULL, 0,
	  "To: a@x.example\n\n", 0, "alice@example.org", "z@x.example|a@x.example", NULL },
	{ "-t: From, Reply-To and Resent-To ignored", NULL, 1, NULL, NULL, NULL, NULL, NULL,
	  NULL, 0, "From: f@x.example\nReply-To: r@x.example\nTo: t@x.example\n"
	  "X-Resent-To: q@x.example\n\n", 0, "alice@example.org", "t@x.example", NULL },
	{ "-t: Resent- fields win", NULL, 1, NULL, NULL, NULL, NULL, NULL, NULL, 0,
	  "Resent-To: r@x.example\nResent-Cc: rc@x.example\nResent-Bcc: rb@x.example\n"
	  "To: t@x.example\nFrom: f@x.example\nDate: D\nMessage-ID: <m@x>\n\nb\n", 0,
	  "alice@example.org", "r@x.example|rc@x.example|rb@x.example",
	  "Resent-To: r@x.example\nResent-Cc: rc@x.example\n"
	  "To: t@x.example\nFrom: f@x.example\nDate: D\nMessage-ID: <m@x>\n"
	  "Resent-From: Alice Example <alice@example.org>\nResent-Date: " DATE "\n"
	  "Resent-Message-ID: <" SUB_ID "@mail.example.org>\n\nb\n" },
	{ "Resent- fields added only when missing", "bob@example.net", 0, NULL, NULL,
	  NULL, NULL, NULL, NULL, 0, "Resent-From: r@x.example\nResent-To: t@y.example\n\n",
	  0, "alice@example.org", "bob@example.net",
	  "Resent-From: r@x.example\nResent-To: t@y.example\n" ADDED
	  "Resent-Date: " DATE "\nResent-Message-ID: <" SUB_ID "@mail.example.org>\n\n" },
	{ "-t: Resent- mode without Resent-To", NULL, 1, NULL, NULL, NULL, NULL, NULL,
	  NULL, 0, "Resent-Date: D\nTo: t@x.example\n\n", EX_USAGE, NULL, NULL, NULL },
	{ "-t: no recipients", NULL, 1, NULL, NULL, NULL, NULL, NULL, NULL, 0,
	  "Subject: s\nTo: undisclosed-recipients:;\n\n", EX_USAGE, NULL, NULL, NULL },
	{ "no recipients", NULL, 0, NULL, NULL, NULL, NULL, NULL, NULL, 0,
	  "To: t@x.example\n\n", EX_USAGE, NULL, NULL, NULL },
	{ "unqualified To qualified", NULL, 1, NULL, NULL, NULL, NULL, NULL, NULL, 0,
	  "To: bob\n\n", 0, "alice@example.org", "bob@example.org",
	  "To: bob@example.org\n" ADDED "\n" },
	{ "qualifying keeps display names and comments", NULL, 1, NULL, NULL, NULL, NULL,
	  NULL, NULL, 0,
	  "To: Bob Smith <bob>, carol (Carol C.), \"Dan, D\" <dan>\n"
	  "Cc: Eve <eve@x.example> (ok), \"frank\" (F)\n\n", 0, "alice@example.org",
	  "bob@example.org|carol@example.org|dan@example.org|eve@x.example|\"frank\"@example.org",
	  "To: Bob Smith <bob@example.org>, carol@example.org (Carol C.), "
	  "\"Dan, D\" <dan@example.org>\n"
	  "Cc: Eve <eve@x.example> (ok), \"frank\"@example.org (F)\n" ADDED "\n" },
	{ "qualifying a folded field", NULL, 1, NULL, NULL, NULL, NULL, NULL, NULL, 0,
	  "To: a,\n\tb\n\n", 0, "alice@example.org", "a@example.org|b@example.org",
	  "To: a@example.org,\n\tb@example.org\n" ADDED "\n" },
	{ "qualifying a group", NULL, 1, NULL, NULL, NULL, NULL, NULL, NULL, 0,
	  "To: team: a, b;\n\n", 0, "alice@example.org", "a@example.org|b@example.org",
	  "To: team: a@example.org, b@example.org;\n" ADDED "\n" },
	{ "qualifying From and Reply-To", "bob@example.net", 0, NULL, NULL, NULL, NULL,
	  NULL, NULL, 0, "From: root (Cron Daemon)\nReply-To: <admin>\n\n", 0,
	  "alice@example.org", "bob@example.net",
	  "From: root@example.org (Cron Daemon)\nReply-To: <admin@example.org>\n"
	  ADD_DATE ADD_MSGID "\n" },
	{ "other fields not rewritten", "bob@example.net", 0, NULL, NULL, NULL, NULL,
	  NULL, NULL, 0, "Subject: joe\nX-To: joe\nIn-Reply-To: <a@b>\n\n", 0,
	  "alice@example.org", "bob@example.net",
	  "Subject: joe\nX-To: joe\nIn-Reply-To: <a@b>\n" ADDED "\n" },
	{ "masquerading", "bob@example.net", 0, NULL, NULL, NULL, "ws1.example.org",
	  masq_example, NULL, 0,
	  "From: alice\nSender: alice@ws1.example.org\n"
	  "To: bob@ws2.example.org, Carol <carol>\nCc: d@other.example\n\n", 0,
	  "alice@example.org", "bob@example.net",
	  "From: alice@example.org\nSender: alice@example.org\n"
	  "To: bob@example.org, Carol <carol@example.org>\nCc: d@other.example\n"
	  ADD_DATE ADD_MSGID "\n" },
	{ "masquerading keeps a comment before the domain", "bob@example.net", 0, NULL,
	  NULL, NULL, "ws1.example.org", masq_example, NULL, 0,
	  "Sender: a@ (c) ws1.example.org\n\n", 0, "alice@example.org", "bob@example.net",
	  "Sender: a@ (c) example.org\n" ADDED "\n" },
	{ "masquerading of the added From", "bob@example.net", 0, NULL, NULL, NULL,
	  "ws1.example.org", masq_example, NULL, 0, "Subject: s\n\n", 0,
	  "alice@example.org", "bob@example.net", "Subject: s\n" ADDED "\n" },
	{ "masquerade exception", "bob@example.net", 0, "root", NULL, NULL,
	  "ws1.example.org", masq_example, except_root, 0, "From: root\n\n", 0,
	  "root@ws1.example.org", "bob@example.net",
	  "From: root@ws1.example.org\n" ADD_DATE ADD_MSGID "\n" },
	{ "IDN recipient", "user@b\xc3\xbc" "cher.example", 0, NULL, NULL, NULL, NULL,
	  NULL, NULL, 0, "Subject: s\n\n", 0, "alice@example.org",
	  "user@xn--bcher-kva.example", NULL },
	{ "IDN in a header with -t", NULL, 1, NULL, NULL, NULL, NULL, NULL, NULL, 0,
	  "To: J\xc3\xb6rg <j@B\xc3\x9c" "cher.example>\n\n", 0, "alice@example.org",
	  "j@xn--bcher-kva.example",
	  "To: J\xc3\xb6rg <j@B\xc3\x9c" "cher.example>\n" ADDED "\n" },
	{ "IDN sender", "bob@example.net", 0, "\xc3\xbc@b\xc3\xbc" "cher.example", NULL,
	  NULL, NULL, NULL, NULL, 0, "Subject: s\n\n", 0,
	  "\xc3\xbc@xn--bcher-kva.example", "bob@example.net", NULL },
	{ "invalid IDN recipient", "u@\xff\xfe.example", 0, NULL, NULL, NULL, NULL, NULL,
	  NULL, 0, "Subject: s\n\n", EX_DATAERR, NULL, NULL, NULL },
	{ "invalid IDN in a header with -t", NULL, 1, NULL, NULL, NULL, NULL, NULL, NULL, 0,
	  "To: u@a\xe2\x98\x95.example\n\n", EX_DATAERR, NULL, NULL, NULL },
	{ "invalid IDN sender", "bob@example.net", 0, "u@ab--c\xc3\xbc.example", NULL,
	  NULL, NULL, NULL, NULL, 0, "Subject: s\n\n", EX_DATAERR, NULL, NULL, NULL },
	{ "duplicates removed", "a@x.example|A@X.EXAMPLE|a@x.example", 1, NULL, NULL, NULL,
	  NULL, NULL, NULL, 0, "To: a@x.example\nCc: <a@X.example>, A@x.example\n\n", 0,
	  "alice@example.org", "a@x.example", NULL },
	{ "duplicate after qualifying", "bob|bob@example.org|Bob <bob>", 0, NULL, NULL,
	  NULL, NULL, NULL, NULL, 0, "\n", 0, "alice@example.org", "bob@example.org", NULL },
	{ "duplicate after IDN conversion", "u@b\xc3\xbc" "cher.example|u@xn--bcher-kva.example",
	  0, NULL, NULL, NULL, NULL, NULL, NULL, 0, "\n", 0, "alice@example.org",
	  "u@xn--bcher-kva.example", NULL },
	{ "missing empty line inserted", "bob@example.net", 0, NULL, NULL, NULL, NULL,
	  NULL, NULL, 0, "Subject: x\nbody line\nmore\n", 0, "alice@example.org",
	  "bob@example.net", "Subject: x\n" ADDED "\nbody line\nmore\n" },
	{ "no header at all", "bob@example.net", 0, NULL, NULL, NULL, NULL, NULL, NULL, 0,
	  "just text\n", 0, "alice@example.org", "bob@example.net",
	  ADDED "\njust text\n" },
	{ "unqualified address with an unclosed quote", NULL, 1, NULL, NULL, NULL, NULL,
	  NULL, NULL, 0, "To: a\"b\n\n", 0, "alice@example.org", "a\"b@example.org",
	  "To: a\"b@example.org\n" ADDED "\n" },
	{ "last header line without LF", "bob@example.net", 0, NULL, NULL, NULL, NULL,
	  NULL, NULL, 0, "Subject: s", 0, "alice@example.org", "bob@example.net",
	  "Subject: s\n" ADDED "\n" },
	{ "last address header line without LF", NULL, 1, NULL, NULL, NULL, NULL,
	  NULL, NULL, 0, "To: bob", 0, "alice@example.org", "bob@example.org",
	  "To: bob@example.org\n" ADDED "\n" },
	{ "empty message", "bob@example.net", 0, NULL, NULL, NULL, NULL, NULL, NULL, 0,
	  "", 0, "alice@example.org", "bob@example.net", ADDED "\n" },
	{ "body kept as it is", "bob@example.net", 0, NULL, NULL, NULL, NULL, NULL, NULL, 0,
	  "Subject: s\n\nTo: nobody\n\n.\nBcc: x\n", 0, "alice@example.org",
	  "bob@example.net", "Subject: s\n" ADDED "\nTo: nobody\n\n.\nBcc: x\n" },
	{ "over header_size_limit", "bob@example.net", 0, NULL, NULL, NULL, NULL, NULL,
	  NULL, 20, "Subject: 0123456789012345678901234567890\n\nb\n", EX_DATAERR, NULL,
	  NULL, NULL },
	{ "header_size_limit ignores the body", "bob@example.net", 0, NULL, NULL, NULL,
	  NULL, NULL, NULL, 20, "Subject: s\n\n" X100 "\n", 0, "alice@example.org",
	  "bob@example.net", "Subject: s\n" ADDED "\n" X100 "\n" },
	{ "header_size_limit and a missing empty line", "bob@example.net", 0, NULL, NULL,
	  NULL, NULL, NULL, NULL, 20, "Subject: s\n" X100 "\n", 0, "alice@example.org",
	  "bob@example.net", "Subject: s\n" ADDED "\n" X100 "\n" },
	{ "null sender", "bob@example.net", 0, "<>", NULL, NULL, NULL, NULL, NULL, 0,
	  "\n", 0, "", "bob@example.net", ADDED "\n" },
	{ "empty -f is the null sender", "bob@example.net", 0, "", NULL, NULL, NULL, NULL,
	  NULL, 0, "\n", 0, "", "bob@example.net", NULL },
	{ "-f with a display name", "bob@example.net", 0, "Postmaster <pm@Example.ORG>",
	  NULL, NULL, NULL, NULL, NULL, 0, "\n", 0, "pm@example.org", "bob@example.net",
	  "From: Alice Example <pm@example.org>\n" ADD_DATE ADD_MSGID "\n" },
	{ "-f unqualified", "bob@example.net", 0, "bob", NULL, NULL, NULL, NULL, NULL, 0,
	  "\n", 0, "bob@example.org", "bob@example.net", NULL },
	{ "-f with two addresses", "bob@example.net", 0, "a@x.example, b@x.example", NULL,
	  NULL, NULL, NULL, NULL, 0, "\n", EX_DATAERR, NULL, NULL, NULL },
	{ "-F full name", "bob@example.net", 0, NULL, "Robert \"Bob\" Smith", NULL, NULL,
	  NULL, NULL, 0, "\n", 0, "alice@example.org", "bob@example.net",
	  "From: \"Robert \\\"Bob\\\" Smith\" <alice@example.org>\n" ADD_DATE ADD_MSGID "\n" },
	{ "-F with a newline is refused", "bob@example.net", 0, NULL, "Evil\nBcc: x",
	  NULL, NULL, NULL, NULL, 0, "\n", EX_USAGE, NULL, NULL, NULL },
	{ "GECOS with &", "bob@example.net", 0, NULL, NULL, "& Example, Room 2", NULL,
	  NULL, NULL, 0, "\n", 0, "alice@example.org", "bob@example.net",
	  "From: Alice Example <alice@example.org>\n" ADD_DATE ADD_MSGID "\n" },
	{ "GECOS needing quotes", "bob@example.net", 0, NULL, NULL, "A. Example", NULL,
	  NULL, NULL, 0, "\n", 0, "alice@example.org", "bob@example.net",
	  "From: \"A. Example\" <alice@example.org>\n" ADD_DATE ADD_MSGID "\n" },
	{ "no GECOS", "bob@example.net", 0, NULL, NULL, "", NULL, NULL, NULL, 0, "\n", 0,
	  "alice@example.org", "bob@example.net",
	  "From: alice@example.org\n" ADD_DATE ADD_MSGID "\n" },
	{ "control character in a recipient", NULL, 1, NULL, NULL, NULL, NULL, NULL, NULL,
	  0, "To: a\x01" "b@x.example\n\n", EX_DATAERR, NULL, NULL, NULL },
	{ "recipient too long", X100 X100 X100 X100 X100 X100 "@x.example", 0, NULL, NULL,
	  NULL, NULL, NULL, NULL, 0, "\n", EX_DATAERR, NULL, NULL, NULL },
	{ "empty recipient argument skipped", "|bob@example.net", 0, NULL, NULL, NULL,
	  NULL, NULL, NULL, 0, "\n", 0, "alice@example.org", "bob@example.net", NULL },
	{ "recipient argument with a list", "a@x.example, Bee <b@x.example>", 0, NULL, NULL,
	  NULL, NULL, NULL, NULL, 0, "\n", 0, "alice@example.org",
	  "a@x.example|b@x.example", NULL },
};

/* split_args - the '|'-separated arguments of a case */
static char **
split_args(const char *args, size_t *n)
{
	char **v, *copy, *p, *bar;
	size_t cap = 1;

	*n = 0;
	if (args == NULL)
		return xcalloc(1, sizeof(char *));
	for (p = (char *)args; *p; p++)
		cap += *p == '|';
	v = xcalloc(cap + 1, sizeof(char *));
	copy = xstrdup(args);
	for (p = copy; ; p = bar + 1) {
		bar = strchr(p, '|');
		if (bar)
			*bar = '\0';
		v[(*n)++] = xstrdup(p);
		if (bar == NULL)
			break;
	}
	free(copy);
	return v;
}

/* prep_setup - the fixed settings, then the case's */
static void
prep_setup(struct submit *s, const struct prep_case *c)
{
	setenv("TZ", "UTC0", 1);
	tzset();
	submit_init(s);
	s->login = "alice";
	s->gecos = c->gecos ? c->gecos : "Alice Example,Room 1,,";
	s->uid = 1000;
	s->myorigin = c->myorigin ? c->myorigin : "example.org";
	s->myhostname = "mail.example.org";
	s->masq_domains = (char **)c->masq;
	s->masq_except = (char **)c->except;
	s->header_limit = c->header_limit;
	s->extract = c->extract;
	s->sender = c->sender;
	s->fullname = c->fullname;
	memcpy(s->env.id, SUB_ID, sizeof(SUB_ID));
	s->env.arrival = 1700000000;
	s->args = split_args(c->args, &s->nargs);
}

/* prep_cleanup - free what prep_setup allocated */
static void
prep_cleanup(struct submit *s)
{
	size_t i;

	for (i = 0; i < s->nargs; i++)
		free(s->args[i]);
	free(s->args);
	submit_free(s);
}

START_TEST(test_prepare)
{
	const struct prep_case *c = &prep_cases[_i];
	struct submit s;
	struct str err = STR_INIT, rcpts = STR_INIT;
	size_t i;
	int rc;

	prep_setup(&s, c);
	rc = submit_prepare(&s, c->in, strlen(c->in), &err);
	ck_assert_msg(rc == c->rc, "%s: rc %d (%s)", c->name, rc, str_c(&err));
	if (rc != 0) {
		ck_assert_msg(err.len > 0, "%s: no reason given", c->name);
		prep_cleanup(&s);
		str_free(&err);
		return;
	}
	ck_assert_msg(s.env.sender && strcmp(s.env.sender, c->want_sender) == 0,
	    "%s: sender \"%s\"", c->name, s.env.sender ? s.env.sender : "(null)");
	for (i = 0; i < s.env.nrcpt; i++) {
		if (i > 0)
			str_appendc(&rcpts, '|');
		str_appends(&rcpts, s.env.rcpt[i].addr);
		ck_assert_msg(s.env.rcpt[i].state == RCPT_PENDING, "%s: state", c->name);
	}
	ck_assert_msg(strcmp(str_c(&rcpts), c->want_rcpts) == 0, "%s: recipients \"%s\"",
	    c->name, str_c(&rcpts));
	if (c->want_msg)
		ck_assert_msg(strcmp(str_c(&s.msg), c->want_msg) == 0,
		    "%s: message\n---\n%s---\nwant\n---\n%s---", c->name, str_c(&s.msg),
		    c->want_msg);
	ck_assert_msg(s.env.size == (long long)s.msg.len, "%s: size", c->name);
	ck_assert_msg(strcmp(s.env.id, SUB_ID) == 0, "%s: id changed", c->name);
	prep_cleanup(&s);
	str_free(&err);
	str_free(&rcpts);
}
END_TEST

/* The DSN settings and the submitter reach the envelope, which the
 * maildrop format can carry. */
START_TEST(test_prepare_envelope_fields)
{
	static const struct prep_case c = { "dsn", "a@x.example|b@x.example", 0, NULL,
	    "Alice\tTab", NULL, NULL, NULL, NULL, 0, "\n", 0, NULL, NULL, NULL };
	struct submit s;
	struct envelope back;
	struct str err = STR_INIT, text = STR_INIT;
	size_t used;

	prep_setup(&s, &c);
	s.notify = NOTIFY_SUCCESS | NOTIFY_FAILURE;
	s.ret = RET_HDRS;
	s.envid = "QQ314159";
	ck_assert_int_eq(submit_prepare(&s, c.in, strlen(c.in), &err), 0);
	ck_assert_int_eq(s.env.ret, RET_HDRS);
	ck_assert_int_eq(s.env.uid, 1000);
	ck_assert_str_eq(s.env.envid, "QQ314159");
	ck_assert_str_eq(s.env.fullname, "Alice\tTab");
	ck_assert_uint_eq(s.env.nrcpt, 2);
	ck_assert_int_eq(s.env.rcpt[1].notify, NOTIFY_SUCCESS | NOTIFY_FAILURE);
	env_format(&s.env, &text);
	str_appends(&text, "M\n");
	ck_assert_msg(env_parse(text.s, text.len, &back, &used, &err) == 0, "%s",
	    str_c(&err));
	ck_assert_uint_eq(back.nrcpt, 2);
	ck_assert_str_eq(back.envid, "QQ314159");
	env_free(&back);
	prep_cleanup(&s);
	str_free(&err);
	str_free(&text);
}
END_TEST

/* -V: RFC 3461 allows at most 100 printable ASCII characters */
static const struct {
	const char	*name;
	const char	*envid;
	int		 rc;
} envid_cases[] = {
	{ "plain", "QQ314159", 0 },
	{ "100 characters", X100, 0 },
	{ "101 characters", X100 "x", EX_USAGE },
	{ "newline", "a\nRP00\tevil@x.example\t\t\t", EX_USAGE },
	{ "8-bit", "\xc3\xbc", EX_USAGE },
};

START_TEST(test_prepare_envid)
{
	static const struct prep_case c = { "envid", "a@x.example", 0, NULL, NULL, NULL,
	    NULL, NULL, NULL, 0, "\n", 0, NULL, NULL, NULL };
	struct submit s;
	struct str err = STR_INIT;
	int rc;

	prep_setup(&s, &c);
	s.envid = envid_cases[_i].envid;
	rc = submit_prepare(&s, c.in, strlen(c.in), &err);
	ck_assert_msg(rc == envid_cases[_i].rc, "%s: rc %d (%s)", envid_cases[_i].name,
	    rc, str_c(&err));
	prep_cleanup(&s);
	str_free(&err);
}
END_TEST

/* submit_prepare keeps submit.h's promise for NUL bytes by itself */
START_TEST(test_prepare_nul)
{
	static const char in[] = "To: joe\0@evil.example\n\nbody\n";
	static const struct prep_case c = { "nul", NULL, 1, NULL, NULL, NULL, NULL,
	    NULL, NULL, 0, "", 0, NULL, NULL, NULL };
	struct submit s;
	struct str err = STR_INIT;

	prep_setup(&s, &c);
	ck_assert_int_eq(submit_prepare(&s, in, sizeof(in) - 1, &err), EX_DATAERR);
	ck_assert_msg(strstr(str_c(&err), "NUL byte") != NULL, "%s", str_c(&err));
	ck_assert_uint_eq(s.env.nrcpt, 0);
	prep_cleanup(&s);
	str_free(&err);
}
END_TEST

START_TEST(test_prepare_too_many_recipients)
{
	static const struct prep_case c = { "many", NULL, 0, NULL, NULL, NULL, NULL,
	    NULL, NULL, 0, "\n", 0, NULL, NULL, NULL };
	struct submit s;
	struct str err = STR_INIT, list = STR_INIT;
	char *arg[1];
	size_t i;

	for (i = 0; i <= SPOOL_RCPT_MAX; i++)
		str_printf(&list, "%su%zu@x.example", i ? "," : "", i);
	prep_setup(&s, &c);
	arg[0] = list.s;
	free(s.args);
	s.args = arg;
	s.nargs = 1;
	ck_assert_int_eq(submit_prepare(&s, c.in, strlen(c.in), &err), EX_DATAERR);
	ck_assert_msg(strstr(str_c(&err), "too many recipients") != NULL, "%s", str_c(&err));
	s.args = NULL;
	s.nargs = 0;
	prep_cleanup(&s);
	str_free(&err);
	str_free(&list);
}
END_TEST

static const struct {
	const char	*name;
	const char	*in;
	int		 rc;
	int		 want;
} notify_cases[] = {
	{ "never", "never", 0, NOTIFY_NEVER },
	{ "all three", "success,failure,delay", 0,
	  NOTIFY_SUCCESS | NOTIFY_FAILURE | NOTIFY_DELAY },
	{ "case and spaces", "Success, DELAY", 0, NOTIFY_SUCCESS | NOTIFY_DELAY },
	{ "never with another", "never,success", -1, 0 },
	{ "unknown word", "sometimes", -1, 0 },
	{ "empty", "", -1, 0 },
	{ "only commas", ",,", -1, 0 },
};

START_TEST(test_parse_notify)
{
	int out = 12345, rc;

	rc = submit_parse_notify(notify_cases[_i].in, &out);
	ck_assert_msg(rc == notify_cases[_i].rc, "%s: rc %d", notify_cases[_i].name, rc);
	ck_assert_msg(out == (rc == 0 ? notify_cases[_i].want : 12345), "%s: got %d",
	    notify_cases[_i].name, out);
}
END_TEST

Suite *
submit_suite(void)
{
	Suite *s = suite_create("submit");
	TCase *tc;

	tc = tcase_create("store");
	tcase_add_test(tc, test_store_read_error);
	suite_add_tcase(s, tc);

	tc = tcase_create("prepare");
	tcase_set_timeout(tc, 30);
	tcase_add_loop_test(tc, test_prepare, 0, ARRAY_LEN(prep_cases));
	tcase_add_test(tc, test_prepare_envelope_fields);
	tcase_add_loop_test(tc, test_prepare_envid, 0, ARRAY_LEN(envid_cases));
	tcase_add_test(tc, test_prepare_nul);
	tcase_add_test(tc, test_prepare_too_many_recipients);
	tcase_add_loop_test(tc, test_parse_notify, 0, ARRAY_LEN(notify_cases));
	suite_add_tcase(s, tc);
	return s;
}
