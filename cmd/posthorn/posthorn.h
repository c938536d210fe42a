/*
 * posthorn - the administrator's program: one subcommand per file in
 * cmd/posthorn, dispatched by main.c. Each takes the subcommand's own
 * arguments (argv[0] is its name) and returns the exit status.
 */
#ifndef PH_POSTHORN_H
#define PH_POSTHORN_H

int	 cmd_check(int, char **);

#endif
