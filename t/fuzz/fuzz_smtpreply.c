/*
 * fuzz_smtpreply - libFuzzer harness for the reply and EHLO parsers
 *
 * The input is a server's output: split at LF into lines, fed to
 * smtp_reply_add one reply after the other. Checked promises: a complete
 * reply has a code 200..599 and at most SMTP_REPLY_LINES_MAX lines, its
 * enhanced code (if any) has the reply's class, its text holds no
 * control character but the LF that joins lines and nothing above 126,
 * the formatted line is bounded and clean, and a malformed line comes
 * with a reason. Each complete reply also goes through smtp_ehlo_parse,
 * whose AUTH bits must be known mechanisms. A broken promise aborts.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../unit/fixture.h"
#include "smtpproto.h"
#include "str.h"

int	LLVMFuzzerInitialize(int *, char ***);
int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define SASL_ALL (SASL_PLAIN | SASL_LOGIN | SASL_XOAUTH2 | SASL_OAUTHBEARER | \
	SASL_SCRAM_SHA_256)

/* check_reply - what a complete reply promises */
static void
check_reply(const struct smtp_reply *r)
{
	struct str f = STR_INIT;
	struct smtp_ehlo e;
	size_t i;

	if (r->code < 200 || r->code > 599 || r->nlines < 1 ||
	    r->nlines > SMTP_REPLY_LINES_MAX || r->text.len > 65536)
		abort();
	if (r->esc[0] != '\0' && (r->esc[0] != '0' + r->code / 100 || r->esc[1] != '.'))
		abort();
	for (i = 0; i < r->text.len; i++) {
		unsigned char c = (unsigned char)r->text.s[i];

		if ((c < 32 && c != '\n') || c > 126)
			abort();
	}
	smtp_reply_format(r, &f);
	if (f.len < 3 || f.len > 1004)
		abort();
	for (i = 0; i < f.len; i++)
		if (f.s[i] < 32 || f.s[i] > 126)
			abort();
	str_free(&f);
	smtp_ehlo_parse(&e, r);
	if ((e.auth & ~(unsigned)SASL_ALL) != 0 || (e.auth && !(e.flags & EHLO_AUTH)) ||
	    e.size < 0 || (e.size && !(e.flags & EHLO_SIZE)))
		abort();
}

/* LLVMFuzzerInitialize - keep log lines out of syslog */
int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fixture_quiet("fuzz_smtpreply");
	return 0;
}

/* LLVMFuzzerTestOneInput - a server's output */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data, *end = p + size, *nl;
	struct smtp_reply r;
	const char *err;
	int rc;

	smtp_reply_init(&r);
	for (; p < end; p = nl + 1) {
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			nl = end;
		err = NULL;
		rc = smtp_reply_add(&r, p, (size_t)(nl - p) + (nl < end), &err);
		if (rc == -1) {
			if (err == NULL || *err == '\0')
				abort();
			smtp_reply_reset(&r);
		} else if (rc == 1) {
			check_reply(&r);
			smtp_reply_reset(&r);
		} else if (rc != 0)
			abort();
	}
	smtp_reply_free(&r);
	return 0;
}
