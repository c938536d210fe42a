/*
 * str - the one growable, binary-safe string
 *
 * See str.h. The invariant after every call: s is NULL and len == cap == 0,
 * or s[len] == '\0' and len < cap.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "str.h"
#include "util.h"

/* str_init - make an empty string */
void
str_init(struct str *sp)
{
	sp->s = NULL;
	sp->len = sp->cap = 0;
}

/* str_free - release the storage */
void
str_free(struct str *sp)
{
	free(sp->s);
	str_init(sp);
}

/* str_reset - empty the string, keeping the storage */
void
str_reset(struct str *sp)
{
	sp->len = 0;
	if (sp->s)
		sp->s[0] = '\0';
}

/* str_reserve - make room for n more bytes and the NUL */
void
str_reserve(struct str *sp, size_t n)
{
	size_t need, cap;

	if (n > SIZE_MAX - 1 - sp->len)
		panic("string length overflow");
	need = sp->len + n + 1;
	if (need <= sp->cap)
		return;
	cap = sp->cap ? sp->cap : 64;
	while (cap < need)
		cap = cap > SIZE_MAX / 2 ? need : cap * 2;
	sp->s = xreallocarray(sp->s, cap, 1);
	sp->cap = cap;
}

/* str_append - add n bytes */
void
str_append(struct str *sp, const void *p, size_t n)
{
	str_reserve(sp, n);
	if (n)
		memcpy(sp->s + sp->len, p, n);
	sp->len += n;
	sp->s[sp->len] = '\0';
}

/* str_appends - add a C string */
void
str_appends(struct str *sp, const char *p)
{
	str_append(sp, p, strlen(p));
}

/* str_appendc - add one byte */
void
str_appendc(struct str *sp, char c)
{
	str_append(sp, &c, 1);
}

/* str_vprintf - append formatted text */
void
str_vprintf(struct str *sp, const char *fmt, va_list ap)
{
	va_list ap2;
	int n;

	va_copy(ap2, ap);
	n = vsnprintf(NULL, 0, fmt, ap2);
	va_end(ap2);
	if (n < 0)
		panic("bad format string");
	str_reserve(sp, (size_t)n);
	vsnprintf(sp->s + sp->len, (size_t)n + 1, fmt, ap);
	sp->len += (size_t)n;
}

/* str_printf - append formatted text */
void
str_printf(struct str *sp, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	str_vprintf(sp, fmt, ap);
	va_end(ap);
}

/* str_set - replace the contents with a C string */
void
str_set(struct str *sp, const char *p)
{
	str_reset(sp);
	str_appends(sp, p);
}

/* str_truncate - shorten to n bytes */
void
str_truncate(struct str *sp, size_t n)
{
	if (n < sp->len) {
		sp->len = n;
		sp->s[n] = '\0';
	}
}

/* str_c - the contents as a C string, "" when empty */
const char *
str_c(const struct str *sp)
{
	return sp->s ? sp->s : "";
}

/* str_steal - hand the storage to the caller and empty the string */
char *
str_steal(struct str *sp)
{
	char *p = sp->s ? sp->s : xstrdup("");

	str_init(sp);
	return p;
}
