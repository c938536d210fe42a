/*
 * fuzz_submit - libFuzzer harness for submit_prepare
 *
 * The input is a message as sendmail would have read it (NUL bytes
 * included: submit_prepare must not trust submit_read to have refused
 * them). Settings are fixed: -t with one recipient argument, myorigin and
 * masquerading set, a header size limit. Beyond "no crash, no leak" it
 * checks submit.h's contract: the result is 0, EX_DATAERR or EX_USAGE
 * with a reason; on success the envelope has recipients that pass
 * env_check_addr, no duplicates, and a size equal to the message; the
 * message has no Bcc, Return-Path or Content-Length field and ends its
 * header section with an empty line; and the envelope survives the
 * maildrop format. A broken promise aborts.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sysexits.h>

#include "../unit/fixture.h"
#include "header.h"
#include "spool.h"
#include "str.h"
#include "submit.h"
#include "util.h"

int	LLVMFuzzerInitialize(int *, char ***);
int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static char *const masq_domains[] = { "example.org", NULL };
static char *const masq_except[] = { "root", NULL };
static char arg0[] = "Fixed <fixed@example.net>";
static char *args[] = { arg0, NULL };

/* check_result - what a successful submit_prepare promises */
static void
check_result(struct submit *s)
{
	struct headers h;
	struct envelope back;
	struct str err = STR_INIT, text = STR_INIT;
	size_t i, j, used;

	if (s->env.nrcpt == 0 || s->env.sender == NULL ||
	    s->env.size != (long long)s->msg.len)
		abort();
	for (i = 0; i < s->env.nrcpt; i++) {
		if (s->env.rcpt[i].addr[0] == '\0' ||
		    env_check_addr(s->env.rcpt[i].addr, &err) != 0)
			abort();
		for (j = 0; j < i; j++)
			if (strcasecmp(s->env.rcpt[i].addr, s->env.rcpt[j].addr) == 0)
				abort();
	}
	if (hdr_parse(s->msg.s, s->msg.len, 0, &h, &err) != 0 || h.need_blank)
		abort();
	if (hdr_find(s->msg.s, &h, "Bcc") || hdr_find(s->msg.s, &h, "Return-Path") ||
	    hdr_find(s->msg.s, &h, "Content-Length") ||
	    hdr_find(s->msg.s, &h, "Resent-Bcc") ||
	    !hdr_find(s->msg.s, &h, "From") || !hdr_find(s->msg.s, &h, "Date") ||
	    !hdr_find(s->msg.s, &h, "Message-ID"))
		abort();
	hdr_free(&h);

	env_format(&s->env, &text);
	str_appends(&text, "M\n");
	if (env_parse(text.s, text.len, &back, &used, &err) != 0 ||
	    back.nrcpt != s->env.nrcpt)
		abort();
	env_free(&back);
	str_free(&text);
	str_free(&err);
}

/* LLVMFuzzerInitialize - fixed time zone, log lines out of syslog */
int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	setenv("TZ", "UTC0", 1);
	fixture_quiet("fuzz_submit");
	return 0;
}

/* LLVMFuzzerTestOneInput - one message */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct submit s;
	struct str err = STR_INIT;
	int rc;

	submit_init(&s);
	s.extract = 1;
	s.args = args;
	s.nargs = 1;
	s.login = "alice";
	s.gecos = "Alice Example,,,";
	s.uid = 1000;
	s.myorigin = "ws1.example.org";
	s.myhostname = "mail.example.org";
	s.masq_domains = (char **)masq_domains;
	s.masq_except = (char **)masq_except;
	s.header_limit = 4096;
	memcpy(s.env.id, "6553F1000ABCD00123400", SPOOL_ID_LEN + 1);
	s.env.arrival = 1700000000;

	rc = submit_prepare(&s, (const char *)data, size, &err);
	if (rc == 0)
		check_result(&s);
	else if ((rc != EX_DATAERR && rc != EX_USAGE) || err.len == 0)
		abort();
	submit_free(&s);
	str_free(&err);
	return 0;
}
