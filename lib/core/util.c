/*
 * util - allocation that cannot fail, bounded formatting, number parsing
 *
 * See util.h for the error contract.
 */
#include "config.h"

#include <sys/stat.h>

#include <ctype.h>
#include <errno.h>
#include <poll.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "util.h"

/* xmalloc - allocate or die */
void *
xmalloc(size_t n)
{
	void *p;

	if ((p = malloc(n ? n : 1)) == NULL)
		die(EX_TEMPFAIL, "out of memory allocating %zu bytes", n);
	return p;
}

/* xcalloc - allocate zeroed memory or die */
void *
xcalloc(size_t n, size_t size)
{
	void *p;

	if ((p = calloc(n ? n : 1, size ? size : 1)) == NULL)
		die(EX_TEMPFAIL, "out of memory allocating %zu objects", n);
	return p;
}

/* xreallocarray - resize an array, checking n * size for overflow */
void *
xreallocarray(void *old, size_t n, size_t size)
{
	void *p;

	if (size != 0 && n > SIZE_MAX / size)
		die(EX_SOFTWARE, "allocation size overflow");
	if ((p = realloc(old, n * size != 0 ? n * size : 1)) == NULL)
		die(EX_TEMPFAIL, "out of memory allocating %zu bytes", n * size);
	return p;
}

/* xstrdup - copy a string or die */
char *
xstrdup(const char *s)
{
	return xstrndup(s, strlen(s));
}

/* xstrndup - copy at most n bytes of a string or die */
char *
xstrndup(const char *s, size_t n)
{
	char *p;
	size_t len;

	len = strnlen(s, n);
	if (len == SIZE_MAX)
		die(EX_SOFTWARE, "string too long");
	p = xmalloc(len + 1);
	memcpy(p, s, len);
	p[len] = '\0';
	return p;
}

/* xasprintf - format into a freshly allocated string */
char *
xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *p;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&p, fmt, ap);
	va_end(ap);
	if (n < 0)
		die(EX_TEMPFAIL, "out of memory formatting a string");
	return p;
}

/* util_snprintf - snprintf that reports truncation as -1 */
int
util_snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= size)
		return -1;
	return n;
}

/* util_strlcpy - copy with truncation reported as -1 */
int
util_strlcpy(char *dst, const char *src, size_t size)
{
	size_t len = strlen(src);

	if (size == 0 || len >= size)
		return -1;
	memcpy(dst, src, len + 1);
	return 0;
}

/* util_parse_long - strtol with full-string and range checks */
int
util_parse_long(const char *s, long min, long max, long *out)
{
	char *end;
	long v;

	if (s == NULL || *s == '\0' || isspace((unsigned char)*s))
		return -1;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

/*
 * util_parse_size - a byte count, optionally with a k, m or g suffix
 * (powers of 1024). Zero is allowed and means "no limit" to callers that
 * say so.
 */
int
util_parse_size(const char *s, long long *out)
{
	char *end;
	long long v, mult = 1;

	if (s == NULL || !isdigit((unsigned char)*s))
		return -1;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0)
		return -1;
	switch (tolower((unsigned char)*end)) {
	case '\0':
		break;
	case 'k':
		mult = 1024LL;
		end++;
		break;
	case 'm':
		mult = 1024LL * 1024;
		end++;
		break;
	case 'g':
		mult = 1024LL * 1024 * 1024;
		end++;
		break;
	default:
		return -1;
	}
	if (*end != '\0' || v > LLONG_MAX / mult)
		return -1;
	*out = v * mult;
	return 0;
}

/*
 * util_parse_time - a duration as Postfix writes it: a number with an
 * optional unit s, m, h, d or w. A bare number takes the default unit.
 */
int
util_parse_time(const char *s, char defunit, long *out)
{
	char *end;
	long v, mult;
	char unit;

	if (s == NULL || !isdigit((unsigned char)*s))
		return -1;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0)
		return -1;
	unit = *end ? *end++ : defunit;
	if (*end != '\0')
		return -1;
	switch (unit) {
	case 's': mult = 1; break;
	case 'm': mult = 60; break;
	case 'h': mult = 3600; break;
	case 'd': mult = 86400; break;
	case 'w': mult = 7 * 86400; break;
	default: return -1;
	}
	if (v > LONG_MAX / mult)
		return -1;
	*out = v * mult;
	return 0;
}

/* util_write_all - write everything, retrying short writes and EINTR */
int
util_write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;
	ssize_t n;

	while (len > 0) {
		n = write(fd, p, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* util_fsync_dir - make a rename or unlink in a directory durable */
int
util_fsync_dir(const char *dir)
{
	int fd, rc, saved;

	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		return -1;
	rc = fsync(fd);
	saved = errno;
	close(fd);
	errno = saved;
	return rc;
}

/* util_lowercase - fold ASCII letters in place */
char *
util_lowercase(char *s)
{
	char *p;

	for (p = s; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	return s;
}

/* util_has_ctl - does the data hold CR, LF or NUL? */
int
util_has_ctl(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (s[i] == '\r' || s[i] == '\n' || s[i] == '\0')
			return 1;
	return 0;
}

/*
 * util_detach - in a child about to start a background program: stdio
 * on /dev/null, a session of its own, and a second fork so that the
 * caller's wait returns at once (the grandchild returns; the first child
 * exits here)
 */
void
util_detach(void)
{
	int fd;

	if ((fd = open("/dev/null", O_RDWR)) >= 0) {
		dup2(fd, 0);
		dup2(fd, 1);
		dup2(fd, 2);
		if (fd > 2)
			close(fd);
	}
	setsid();
	if (fork() != 0)
		_exit(0);
}

/* util_mkdir_p - create a directory and its parents */
int
util_mkdir_p(const char *path, mode_t mode)
{
	char *copy, *p;
	int rc = 0;

	copy = xstrdup(path);
	for (p = copy + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(copy, 0755) < 0 && errno != EEXIST) {
			rc = -1;
			break;
		}
		*p = '/';
	}
	if (rc == 0 && mkdir(copy, mode) < 0 && errno != EEXIST)
		rc = -1;
	free(copy);
	return rc;
}

/* util_rfc5322_date - "Wed, 25 Nov 2026 12:55:08 +0000" in local time */
int
util_rfc5322_date(char *buf, size_t size, time_t t)
{
	struct tm tm;
	long off;
	char sign = '+';

	if (localtime_r(&t, &tm) == NULL)
		return -1;
	off = tm.tm_gmtoff / 60;
	if (off < 0) {
		sign = '-';
		off = -off;
	}
	/* strftime's %a and %b follow the locale: spell them out */
	static const char days[7][4] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };
	static const char months[12][4] = { "Jan", "Feb", "Mar", "Apr", "May",
	    "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	return util_snprintf(buf, size, "%s, %d %s %d %02d:%02d:%02d %c%02ld%02ld",
	    days[tm.tm_wday % 7], tm.tm_mday, months[tm.tm_mon % 12],
	    tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec, sign,
	    off / 60, off % 60);
}

/* util_is_ascii - is the string plain ASCII (no byte over 127)? */
int
util_is_ascii(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s >= 128)
			return 0;
	return 1;
}

/* util_now_ms - a monotonic clock in milliseconds, for deadlines */
long long
util_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * util_read_until - read fd (a pipe from a child) to its end, keeping at
 * most max bytes in out (the rest is read and dropped), until the
 * deadline (util_now_ms). Returns 1 at the end of file, 0 when the
 * deadline passed first, -1 on a read or poll error. No signal needed.
 */
int
util_read_until(int fd, struct str *out, size_t max, long long deadline)
{
	struct pollfd pfd;
	char buf[8192];
	ssize_t n;

	pfd.fd = fd;
	pfd.events = POLLIN;
	for (;;) {
		long long left = deadline - util_now_ms();

		if (left <= 0)
			return 0;
		if (poll(&pfd, 1, (int)(left > 60000 ? 60000 : left)) < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (pfd.revents == 0)
			continue;
		n = read(fd, buf, sizeof(buf));
		if (n > 0) {
			if (out->len < max)
				str_append(out, buf, (size_t)n > max - out->len ?
				    max - out->len : (size_t)n);
			continue;
		}
		if (n == 0)
			return 1;
		if (errno != EINTR && errno != EAGAIN)
			return -1;
	}
}
