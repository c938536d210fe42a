/*
 * posthorn - what the commands of posthorn(8) share with its dispatcher
 *
 * main.c parses the options that come before the command (-C config)
 * and calls the command's function from its table with the rest of the
 * command line, argv[0] being the command's name. A command returns
 * its exit status (sysexits(3)); it may also exit through die().
 */
#ifndef PH_POSTHORN_H
#define PH_POSTHORN_H

/* the configuration file named with -C or POSTHORN_CONF, or NULL */
extern const char *posthorn_conf;

/* check.c: the configuration, the spool, the alias database, the links */
int	 cmd_check(int, char **);

/* queue.c: the queue operations (Postfix's postsuper -d, -h, -H, -r) */
int	 cmd_delete(int, char **);
int	 cmd_hold(int, char **);
int	 cmd_release(int, char **);
int	 cmd_requeue(int, char **);

#endif
