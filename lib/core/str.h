/*
 * str - the one growable, binary-safe string
 *
 * A struct str holds len bytes at s, always followed by a NUL that is not
 * counted, so s can be handed to C string functions when the data is known
 * to hold no NUL. Growth checks for size_t overflow before it allocates;
 * allocation failure exits through xreallocarray (see util.h), so no
 * function here returns an error.
 */
#ifndef PH_STR_H
#define PH_STR_H

#include <stdarg.h>
#include <stddef.h>

struct str {
	char	*s;
	size_t	 len;
	size_t	 cap;
};

#define STR_INIT { NULL, 0, 0 }

void	 str_init(struct str *);
void	 str_free(struct str *);
void	 str_reset(struct str *);
void	 str_reserve(struct str *, size_t);
void	 str_append(struct str *, const void *, size_t);
void	 str_appends(struct str *, const char *);
void	 str_appendc(struct str *, char);
void	 str_printf(struct str *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));
void	 str_vprintf(struct str *, const char *, va_list)
	    __attribute__((format(printf, 2, 0)));
void	 str_set(struct str *, const char *);
void	 str_truncate(struct str *, size_t);
const char *str_c(const struct str *);
char	*str_steal(struct str *);

#endif
