/*
 * fuzz_maildrop - libFuzzer harness for the maildrop and envelope parsers
 *
 * The input is a maildrop file for spool_maildrop_parse and an envelope
 * for env_parse: both untrusted (any local user can write the maildrop).
 * Beyond "no crash, no leak" it checks that whatever parses can be written
 * back: env_format of a parsed envelope parses again, and formatting that
 * gives the same text (format and parse agree), and that a successful
 * maildrop parse accounts for exactly the message bytes. A broken promise
 * aborts.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../unit/fixture.h"
#include "spool.h"
#include "str.h"
#include "util.h"

int	LLVMFuzzerInitialize(int *, char ***);
int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* round_trip - format, parse, format again: the texts must agree */
static void
round_trip(const struct envelope *env)
{
	struct envelope again;
	struct str one = STR_INIT, two = STR_INIT, err = STR_INIT;
	size_t used;

	env_format(env, &one);
	str_appends(&one, ".\n");
	if (env_parse(one.s, one.len, &again, &used, &err) != 0 || used != one.len)
		abort();
	env_format(&again, &two);
	str_appends(&two, ".\n");
	if (one.len != two.len || memcmp(one.s, two.s, one.len) != 0)
		abort();
	env_free(&again);
	str_free(&one);
	str_free(&two);
	str_free(&err);
}

/* LLVMFuzzerInitialize - keep log lines out of syslog */
int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fixture_quiet("fuzz_maildrop");
	return 0;
}

/* LLVMFuzzerTestOneInput - one file, both parsers */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *buf = (const char *)data;
	struct envelope env;
	struct str err = STR_INIT;
	size_t off = 0, used = 0;

	if (spool_maildrop_parse(buf, size, &env, &off, &err) == 0) {
		if (off > size || (unsigned long long)env.size != size - off ||
		    !spool_id_valid(env.id) || env.nrcpt == 0 || env.sender == NULL)
			abort();
		round_trip(&env);
		env_free(&env);
	} else if (err.len == 0 || env.rcpt != NULL || env.sender != NULL)
		abort();
	str_reset(&err);

	if (env_parse(buf, size, &env, &used, &err) == 0) {
		if (used < 2 || used > size || (buf[used - 2] != '.' && buf[used - 2] != 'M'))
			abort();
		/* a queue file always names its ID; only those are written back */
		if (env.id[0] != '\0')
			round_trip(&env);
		env_free(&env);
	} else if (err.len == 0 || env.rcpt != NULL)
		abort();
	str_free(&err);
	return 0;
}
