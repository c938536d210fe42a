/*
 * conf - posthorn.conf, the one configuration file
 *
 * "name = value" lines, '#' comments, continuation lines start with white
 * space (as in Postfix's main.cf). Values may refer to other settings as
 * $name or ${name}; references are expanded when a value is read.
 *
 * Every setting any posthorn program reads is in one table in conf.c. A
 * mistake in the file must never stop mail from being accepted, so
 * conf_load reads past it: a name not in the table is a warning with
 * file:line and a "did you mean" (conf_suggest), as Postfix warns; a line
 * that is not "name = value", a value of the wrong type (time, size,
 * number, yes/no, one of a few words) and a value that does not expand
 * (an unknown $name, settings that refer to each other in a loop) are
 * errors: the line is ignored and the setting keeps its default
 * (conf_is_bad). conf_load returns -1 only when the file cannot be read,
 * 1 when it found errors (the first in err), 0 otherwise; conf_report
 * logs what it found and conf_diag lists it. conf_start is what the
 * programs call: conf_load, then the log set to maillog_file, then
 * conf_report. Each program decides what
 * errors mean: sendmail still queues when it can find the spool; runq
 * refuses to touch the queue. conf_set is strict: a bad value is refused
 * with -1 and the configuration stays as it was.
 * Either way every value in force has been checked, so the accessors
 * cannot meet a bad one: they panic on one, and on a name missing from
 * the table; that is a bug, not bad input.
 */
#ifndef PH_CONF_H
#define PH_CONF_H

#include <stdio.h>

#include "str.h"

#define CONF_MAX_LINE	4096

int	 conf_load(const char *, int, struct str *);
int	 conf_report(void);
int	 conf_start(const char *, int, struct str *);
const char *conf_diag(size_t, int *);
int	 conf_is_bad(const char *);
const char *conf_suggest(const char *);
int	 conf_set(const char *, const char *, struct str *);
const char *conf_path(void);
const char *conf_str(const char *);
long	 conf_time(const char *);
long long conf_size(const char *);
long	 conf_int(const char *);
int	 conf_bool(const char *);
char	**conf_list(const char *);
void	 conf_list_free(char **);
int	 conf_list_has(const char *, const char *);
int	 conf_print(FILE *, const char *, int);
const char *conf_default_path(void);
void	 conf_mailname_file(const char *);

#endif
