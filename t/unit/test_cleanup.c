/*
 * test_cleanup - Check suite for lib/mail/cleanup.c
 *
 * The header fix-ups without a command line, as an SMTP server uses
 * them: the envelope already holds the sender and the recipients, and
 * cleanup_header() returns the fixed header section and where the body
 * starts. (sendmail's way through them is test_submit.c.) Queue ID,
 * arrival time and TZ=UTC are fixed, so added fields are known.
 */
#include "config.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cleanup.h"
#include "spool.h"
#include "str.h"
#include "unit.h"
#include "util.h"

#define CL_ID		"6553F1000ABCD00123400"
#define CL_DATE		"Date: Tue, 14 Nov 2023 22:13:20 +0000\n"
#define CL_MSGID	"Message-ID: <" CL_ID "@mail.example.org>\n"

#define X16	"0123456789abcdef"
#define X64	X16 X16 X16 X16

static const char *masq[] = { "example.org", NULL };

struct cl_case {
	const char	*name;
	const char	*sender;	/* envelope sender */
	const char	*rcpt;		/* already in the envelope, or NULL */
	int		 extract;
	const char	*in;
	int		 rc;
	enum cleanup_fail why;
	const char	*want_hdr;	/* fixed header section */
	const char	*want_body;	/* what follows it in the input */
	const char	*want_rcpts;	/* '|'-separated */
};

static const struct cl_case cl_cases[] = {
	{ "smtp: fields added from the envelope (sender as it is)",
	  "bob@host.example.org",
	  "carol@example.net", 0, "Subject: s\n\nbody\n", 0, CLEANUP_OK,
	  "Subject: s\nFrom: bob@host.example.org\n" CL_DATE CL_MSGID "\n",
	  "body\n", "carol@example.net" },
	{ "smtp: Bcc and Return-Path dropped, no recipients taken",
	  "bob@example.org", "carol@example.net", 0,
	  "Return-Path: <x@y>\nBcc: dan@example.net\nFrom: b\n"
	  "Date: d\nMessage-ID: <m@x>\n\n", 0, CLEANUP_OK,
	  "From: b@example.org\nDate: d\nMessage-ID: <m@x>\n\n", "",
	  "carol@example.net" },
	{ "resent mode adds the Resent- fields too", "bob@example.org",
	  NULL, 1, "From: a@x.example\nDate: d\nMessage-ID: <m@x>\n"
	  "Resent-To: eve@x.example\n\n", 0, CLEANUP_OK,
	  "From: a@x.example\nDate: d\nMessage-ID: <m@x>\n"
	  "Resent-To: eve@x.example\nResent-From: bob@example.org\n"
	  "Resent-" CL_DATE "Resent-" CL_MSGID "\n", "",
	  "eve@x.example" },
	{ "null sender and no login: MAILER-DAEMON", "", "carol@example.net",
	  0, "Date: d\nMessage-ID: <m@x>\n\n", 0, CLEANUP_OK,
	  "Date: d\nMessage-ID: <m@x>\nFrom: MAILER-DAEMON@example.org\n\n",
	  "", "carol@example.net" },
	{ "NUL byte", "bob@example.org", "carol@example.net", 0,
	  "Subject: a", -1, CLEANUP_HEADER, NULL, NULL, NULL },
	{ "header section over the limit", "bob@example.org",
	  "carol@example.net", 0,
	  "Subject: " X64 X64 X64 X64 "\n\n", -1, CLEANUP_HEADER, NULL, NULL, NULL },
	{ "bad recipient in the header", "bob@example.org", NULL, 1,
	  "To: u@a\xe2\x98\x95.example\n\n", -1, CLEANUP_RCPT, NULL, NULL,
	  NULL },
};

START_TEST(test_cleanup_header)
{
	const struct cl_case *t = &cl_cases[_i];
	struct cleanup c;
	struct envelope env;
	struct str out = STR_INIT, err = STR_INIT, rcpts = STR_INIT;
	enum cleanup_fail why;
	size_t body, i, len;
	int rc;

	setenv("TZ", "UTC", 1);
	tzset();
	memset(&c, 0, sizeof(c));
	c.myorigin = "host.example.org";
	c.myhostname = "mail.example.org";
	c.masq_domains = (char **)masq;
	c.header_limit = 256;
	c.extract = t->extract;
	env_init(&env);
	memcpy(env.id, CL_ID, sizeof(CL_ID));
	env.arrival = 1700000000;
	env.sender = xstrdup(t->sender);
	if (t->rcpt)
		env_add_rcpt(&env, t->rcpt, NULL, 0);
	/* "NUL byte": the terminating NUL counts as input */
	len = strlen(t->in) + (strcmp(t->name, "NUL byte") == 0);
	rc = cleanup_header(&c, t->in, len, &env, &out, &body, &why, &err);
	ck_assert_msg(rc == t->rc, "%s: rc %d (%s)", t->name, rc, str_c(&err));
	ck_assert_msg(why == t->why, "%s: why %d", t->name, (int)why);
	if (rc == 0) {
		ck_assert_msg(strcmp(str_c(&out), t->want_hdr) == 0,
		    "%s: header\n---\n%s---\nwant\n---\n%s---", t->name,
		    str_c(&out), t->want_hdr);
		ck_assert_msg(strcmp(t->in + body, t->want_body) == 0,
		    "%s: body \"%s\"", t->name, t->in + body);
		for (i = 0; i < env.nrcpt; i++) {
			if (i > 0)
				str_appendc(&rcpts, '|');
			str_appends(&rcpts, env.rcpt[i].addr);
		}
		ck_assert_msg(strcmp(str_c(&rcpts), t->want_rcpts) == 0,
		    "%s: recipients \"%s\"", t->name, str_c(&rcpts));
	} else
		ck_assert_msg(err.len > 0, "%s: no reason given", t->name);
	env_free(&env);
	str_free(&out);
	str_free(&err);
	str_free(&rcpts);
}
END_TEST

/* cleanup_sender: qualified, masqueraded; a bad one is refused */
START_TEST(test_cleanup_sender)
{
	struct cleanup c;
	struct str out = STR_INIT, err = STR_INIT;

	memset(&c, 0, sizeof(c));
	c.myorigin = "host.example.org";
	c.masq_domains = (char **)masq;
	ck_assert_int_eq(cleanup_sender(&c, "alice", &out, &err), 0);
	ck_assert_str_eq(str_c(&out), "alice@example.org");
	ck_assert_int_eq(cleanup_sender(&c, "", &out, &err), -1);
	ck_assert(err.len > 0);
	str_free(&out);
	str_free(&err);
}
END_TEST

Suite *
cleanup_suite(void)
{
	Suite *s = suite_create("cleanup");
	TCase *tc = tcase_create("cleanup");

	tcase_add_loop_test(tc, test_cleanup_header, 0, ARRAY_LEN(cl_cases));
	tcase_add_test(tc, test_cleanup_sender);
	suite_add_tcase(s, tc);
	return s;
}
