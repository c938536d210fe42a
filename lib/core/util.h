/*
 * util - allocation that cannot fail, bounded formatting, number parsing
 *
 * Error contract: the x*alloc family never returns NULL; on allocation
 * failure it exits through die() with EX_TEMPFAIL (the message is still in
 * the caller's hands, so retrying later is right). util_strlcpy and
 * util_snprintf return -1 on truncation instead of silently cutting text.
 * util_parse_* return 0 on success and -1 on a malformed or out-of-range
 * value, leaving *out untouched.
 */
#ifndef PH_UTIL_H
#define PH_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

void	*xmalloc(size_t);
void	*xcalloc(size_t, size_t);
void	*xreallocarray(void *, size_t, size_t);
char	*xstrdup(const char *);
char	*xstrndup(const char *, size_t);
char	*xasprintf(const char *, ...) __attribute__((format(printf, 1, 2)));

int	 util_snprintf(char *, size_t, const char *, ...)
	    __attribute__((format(printf, 3, 4)));
int	 util_strlcpy(char *, const char *, size_t);

int	 util_parse_long(const char *, long, long, long *);
int	 util_parse_size(const char *, long long *);
int	 util_parse_time(const char *, char, long *);

int	 util_write_all(int, const void *, size_t);
int	 util_fsync_dir(const char *);
char	*util_lowercase(char *);
int	 util_has_ctl(const char *, size_t);
int	 util_is_ascii(const char *);
int	 util_mkdir_p(const char *, mode_t);
void	 util_detach(void);
long long util_now_ms(void);

#endif

#ifndef PH_UTIL_DATE
#define PH_UTIL_DATE
#include <time.h>
int	 util_rfc5322_date(char *, size_t, time_t);
#endif

#ifndef PH_UTIL_READ
#define PH_UTIL_READ
#include "str.h"
int	 util_read_until(int, struct str *, size_t, long long);
#endif
