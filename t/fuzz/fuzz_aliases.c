/*
 * fuzz_aliases - libFuzzer harness for the aliases parser and splitter
 *
 * The input is fed to aliases_parse() as an aliases file and, up to its
 * first NUL, to aliases_split() as a .forward file. Beyond "no crash, no
 * leak" it checks the contract between the two: every value the parser
 * produces must split without error into at least one target, and must
 * come back unchanged when parsed again as "x: VALUE" (normalising is
 * idempotent). A broken promise aborts, which libFuzzer reports.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../unit/fixture.h"
#include "aliases.h"
#include "str.h"
#include "util.h"

int	LLVMFuzzerInitialize(int *, char ***);
int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* same_value - the parser callback of the second pass */
static int
same_value(const char *name, const char *value, int lineno, void *arg)
{
	(void)name;
	(void)lineno;
	if (strcmp(value, arg) != 0)
		abort();
	return 0;
}

/* check_value - the parser callback of the first pass */
static int
check_value(const char *name, const char *value, int lineno, void *arg)
{
	struct str err = STR_INIT, again = STR_INIT;
	char **targets;

	(void)name;
	(void)lineno;
	(void)arg;
	if (aliases_split(value, &targets, &err) < 1)
		abort();
	aliases_free(targets);
	str_appends(&again, "x: ");
	str_appends(&again, value);
	/* Joined continuation lines may make a value too long for one line. */
	if (again.len <= ALIASES_MAX_LINE && aliases_parse(again.s, again.len,
	    "again", same_value, (void *)value, &err) < 0)
		abort();
	str_free(&again);
	str_free(&err);
	return 0;
}

/* LLVMFuzzerInitialize - keep duplicate warnings out of syslog */
int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fixture_quiet("fuzz_aliases");
	return 0;
}

/* LLVMFuzzerTestOneInput - one input, both entry points */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct str err = STR_INIT;
	char **targets;
	char *text;
	int i, n;

	aliases_parse((const char *)data, size, "fuzz", check_value, NULL,
	    &err);
	str_reset(&err);

	text = xstrndup((const char *)data, size);
	if ((n = aliases_split(text, &targets, &err)) >= 0) {
		for (i = 0; i < n; i++)
			if (targets[i] == NULL || targets[i][0] == '\0')
				abort();
		if (targets[n] != NULL)
			abort();
		aliases_free(targets);
	} else if (targets != NULL || err.len == 0)
		abort();
	free(text);
	str_free(&err);
	return 0;
}
