/*
 * fuzz_smtppath - libFuzzer harness for smtp_parse_path, xtext and base64
 *
 * The first byte chooses SMTPUTF8 (bit 0); the rest, up to a NUL, is the
 * argument of MAIL FROM: / RCPT TO:. Checked promises for an accepted
 * path: the address is at most 256 bytes with no control character or
 * space outside quotes, ASCII unless SMTPUTF8, and it parses again as
 * "<address>" to itself; parameters are at most SMTP_PARAMS_MAX with
 * upper-case keys of letters, digits and "-", values without "=" or
 * controls, no key twice. A refusal has a reason. The same bytes go
 * through the decoders: base64 that decodes re-encodes to itself (the
 * decoder takes canonical text only), and xtext_decode(xtext_encode(x))
 * is x. A broken promise aborts.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../unit/fixture.h"
#include "smtpproto.h"
#include "str.h"
#include "util.h"

int	LLVMFuzzerInitialize(int *, char ***);
int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* check_path - what an accepted path promises */
static void
check_path(const struct smtp_path *p, int utf8)
{
	struct smtp_path again;
	struct str arg = STR_INIT;
	const char *err;
	size_t i, j;
	int quoted = 0;

	if (p->addr.len > 256 || p->nparam > SMTP_PARAMS_MAX)
		abort();
	for (i = 0; i < p->addr.len; i++) {
		unsigned char c = (unsigned char)p->addr.s[i];

		if (c == '"' && (i == 0 || p->addr.s[i - 1] != '\\'))
			quoted = !quoted;
		if (c < 32 || c == 127 || (c == ' ' && !quoted) || (c > 127 && !utf8))
			abort();
	}
	for (i = 0; i < p->nparam; i++) {
		const char *k = p->param[i].key, *v = p->param[i].value;

		if (*k == '\0' || *k == '-')
			abort();
		for (; *k; k++)
			if (!((*k >= 'A' && *k <= 'Z') || (*k >= '0' && *k <= '9') || *k == '-'))
				abort();
		for (; v && *v; v++)
			if (*v == '=' || (unsigned char)*v <= 32 || *v == 127)
				abort();
		if (v && v == p->param[i].value)
			abort();	/* "KEY=" has no value */
		for (j = 0; j < i; j++)
			if (strcasecmp(p->param[i].key, p->param[j].key) == 0)
				abort();
	}
	smtp_path_init(&again);
	str_printf(&arg, "<%s>", str_c(&p->addr));
	if (smtp_parse_path(arg.s, utf8, &again, &err) != 0 ||
	    strcmp(str_c(&again.addr), str_c(&p->addr)) != 0)
		abort();
	smtp_path_free(&again);
	str_free(&arg);
}

/* check_codecs - the decoders and encoders agree */
static void
check_codecs(const char *s, size_t len)
{
	struct str a = STR_INIT, b = STR_INIT, c = STR_INIT;

	if (base64_decode(&a, s, len) == 0) {
		base64_encode(&b, a.s, a.len);
		if (b.len != len || memcmp(b.s, s, len) != 0)
			abort();
	}
	str_reset(&a);
	str_reset(&b);
	base64_encode(&a, s, len);
	if (base64_decode(&b, a.s, a.len) != 0 || b.len != len || memcmp(b.s, s, len) != 0)
		abort();

	str_reset(&a);
	str_reset(&b);
	if (xtext_decode(&a, s) == 0) {
		for (size_t i = 0; i < a.len; i++)
			if ((unsigned char)a.s[i] < 32 || a.s[i] == 127)
				abort();
		xtext_encode(&b, a.s);
		if (xtext_decode(&c, b.s) != 0 || strcmp(str_c(&c), a.s) != 0)
			abort();
	}
	str_free(&a);
	str_free(&b);
	str_free(&c);
}

/* LLVMFuzzerInitialize - keep log lines out of syslog */
int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fixture_quiet("fuzz_smtppath");
	return 0;
}

/* LLVMFuzzerTestOneInput - flags byte, then a path argument */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct smtp_path p;
	const char *err = NULL;
	char *arg;
	int utf8;

	if (size == 0)
		return 0;
	utf8 = data[0] & 1;
	arg = xstrndup((const char *)data + 1, size - 1);
	smtp_path_init(&p);
	if (smtp_parse_path(arg, utf8, &p, &err) == 0)
		check_path(&p, utf8);
	else if (err == NULL || *err == '\0' || p.nparam != 0 || p.addr.len != 0)
		abort();
	smtp_path_free(&p);
	check_codecs(arg, strlen(arg));
	free(arg);
	return 0;
}
