/*
 * posthorn - the administrator's command: one program, several commands
 *
 * SUMMARY
 *	posthorn [-C config] command [argument ...]
 *
 * DESCRIPTION
 *	Looks the command up in a table and runs its function (see
 *	posthorn.h); the commands are documented in posthorn(8). This file
 *	only dispatches: each command lives in its own file.
 *
 * SECURITY
 *	Not set-id. Each command checks who runs it (the queue commands:
 *	root or the owner of the spool, see queue.c); check reads what its
 *	caller may read and changes nothing (check.c).
 *
 * DIAGNOSTICS
 *	EX_USAGE for a missing or unknown command; otherwise the command's
 *	own exit status.
 */
#include "config.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "log.h"
#include "posthorn.h"

const char *posthorn_conf;

static const struct command {
	const char	*name;
	int		(*fn)(int, char **);
} commands[] = {
	{ "check", cmd_check },
	{ "delete", cmd_delete },
	{ "hold", cmd_hold },
	{ "release", cmd_release },
	{ "requeue", cmd_requeue },
};

/* usage - the one usage message, with the list of commands */
static void __attribute__((noreturn))
usage(const char *why)
{
	size_t i;

	fprintf(stderr, "posthorn: %s\nusage: posthorn [-C config] command [argument ...]\n"
	    "commands:", why);
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(stderr, " %s", commands[i].name);
	fprintf(stderr, " (see posthorn(8))\n");
	exit(EX_USAGE);
}

int
main(int argc, char **argv)
{
	size_t i;
	int c;

	log_open("posthorn", LOG_STDERR);
	signal(SIGPIPE, SIG_IGN);
	posthorn_conf = getenv("POSTHORN_CONF");
	opterr = 0;
	while ((c = getopt(argc, argv, "+C:")) != -1) {
		switch (c) {
		case 'C':
			posthorn_conf = optarg;
			break;
		default:
			usage(optopt == 'C' ? "option -C needs an argument" : "unknown option");
		}
	}
	if (optind >= argc)
		usage("no command given");
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(argv[optind], commands[i].name) == 0) {
			argc -= optind;
			argv += optind;
			optind = 0;	/* the command parses its own options */
			return commands[i].fn(argc, argv);
		}
	usage("unknown command");
}
