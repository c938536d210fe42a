/*
 * conf - posthorn.conf, the one configuration file
 *
 * "name = value" lines, '#' comments, continuation lines start with white
 * space (as in Postfix's main.cf). Values may refer to other settings as
 * $name or ${name}; references are expanded when a value is read.
 *
 * Every setting any posthorn program reads is in one table in conf.c; a
 * name not in the table is an error with file:line, and so is a value of
 * the wrong type (time, size, number, yes/no), and so is a value that does
 * not expand (an unknown $name, settings that refer to each other in a
 * loop). conf_load and conf_set check every value before they return 0,
 * or return -1 with the message in err and the configuration as it was.
 * So the accessors cannot meet a bad value: they panic on one, and on a
 * name missing from the table; that is a bug, not bad input.
 */
#ifndef PH_CONF_H
#define PH_CONF_H

#include <stdio.h>

#include "str.h"

#define CONF_MAX_LINE	4096

int	 conf_load(const char *, int, struct str *);
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
