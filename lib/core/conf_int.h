/*
 * conf_int - what the parts of the configuration module share (conf.c,
 * conf_check.c, conf_diag.c); nothing outside lib/core/conf*.c includes it.
 */
#ifndef PH_CONF_INT_H
#define PH_CONF_INT_H

#include <stddef.h>

#include "str.h"

enum conf_type { T_STR, T_LIST, T_TIME, T_SIZE, T_INT, T_BOOL };

/* conf_check.c: 0, or -1 with the reason (starting with the name) in err */
int	 conf_check_value(const char *, enum conf_type, const char *, struct str *);

/* conf_diag.c */
void	 conf_diag_clear(void);
void	 conf_diag_add(int, const char *, ...)
	    __attribute__((format(printf, 2, 3)));
const char *conf_diag_first_error(void);
int	 conf_distance(const char *, const char *);

#endif
