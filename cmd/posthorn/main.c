/*
 * posthorn - the administrator's program
 *
 * SUMMARY
 *	posthorn command [arguments]
 *
 * DESCRIPTION
 *	Runs one subcommand from the table below; each lives in its own
 *	file of cmd/posthorn and parses its own options (see posthorn(8)).
 *
 * SECURITY
 *	Not installed set-id: a subcommand can do what its caller may.
 *
 * DIAGNOSTICS
 *	The subcommand's exit status; EX_USAGE for an unknown one.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <sysexits.h>

#include "log.h"
#include "posthorn.h"
#include "util.h"

static const struct {
	const char	*name;
	int		(*run)(int, char **);
} commands[] = {
	{ "check", cmd_check },
};

/* usage - the one usage message */
static int
usage(void)
{
	size_t i;

	fprintf(stderr, "usage: posthorn command [arguments]\ncommands:");
	for (i = 0; i < ARRAY_LEN(commands); i++)
		fprintf(stderr, " %s", commands[i].name);
	fprintf(stderr, "\n");
	return EX_USAGE;
}

int
main(int argc, char **argv)
{
	size_t i;

	log_open("posthorn", LOG_STDERR);
	if (argc < 2)
		return usage();
	for (i = 0; i < ARRAY_LEN(commands); i++)
		if (strcmp(argv[1], commands[i].name) == 0)
			return commands[i].run(argc - 1, argv + 1);
	fprintf(stderr, "posthorn: unknown command \"%s\"\n", argv[1]);
	return usage();
}
