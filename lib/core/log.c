/*
 * log - the one logging module
 *
 * See log.h. The file target is opened once, with O_APPEND, and each
 * line is one write(), so that several processes (runq and its delivery
 * children) interleave whole lines, as syslog would. The host name in
 * file lines is the system's, cut at the first dot, as syslog daemons
 * write it.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

static char progname[64] = "posthorn";
static char ident[80] = "posthorn";
static char hostname[64];	/* for file lines, looked up at the first */
static char *logfile;
static int logfd = -1;		/* logfile, opened at the first line */
static int flags;
static int syslog_open;
static void (*die_hook)(void);

/* log_open - name the program and choose where copies go */
void
log_open(const char *name, int fl)
{
	const char *base;

	base = strrchr(name, '/');
	base = base ? base + 1 : name;
	snprintf(progname, sizeof(progname), "%s", base);
	snprintf(ident, sizeof(ident), "posthorn/%s", progname);
	flags = fl;
}

/* log_set_file - send log lines to a file instead of syslog */
void
log_set_file(const char *path)
{
	free(logfile);
	logfile = (path && *path) ? strdup(path) : NULL;
	if (logfd >= 0) {
		close(logfd);
		logfd = -1;
	}
}

/* log_set_flags - change the stderr copies */
void
log_set_flags(int fl)
{
	flags = fl;
}

/* log_progname - the program name given to log_open */
const char *
log_progname(void)
{
	return progname;
}

/* log_set_service - log the next lines under this step's name */
void
log_set_service(const char *name)
{
	char next[sizeof(ident)];

	snprintf(next, sizeof(next), "posthorn/%s", name ? name : progname);
	if (strcmp(next, ident) == 0)
		return;
	memcpy(ident, next, sizeof(ident));
	/* syslog keeps the ident it was opened with: open it again */
	syslog_open = 0;
}

/* host_name - the short host name for file lines */
static const char *
host_name(void)
{
	char *dot;

	if (hostname[0] == '\0') {
		if (gethostname(hostname, sizeof(hostname)) < 0 || hostname[0] == '\0')
			snprintf(hostname, sizeof(hostname), "localhost");
		hostname[sizeof(hostname) - 1] = '\0';
		if ((dot = strchr(hostname, '.')) != NULL && dot != hostname)
			*dot = '\0';
	}
	return hostname;
}

/* log_set_die_hook - run a cleanup once before die() exits */
void
log_set_die_hook(void (*fn)(void))
{
	die_hook = fn;
}

/* log_clean - copy untrusted text for a log line: capped, no controls */
const char *
log_clean(char *dst, size_t size, const char *src, size_t len)
{
	size_t i, o = 0;
	unsigned char c;

	if (size == 0)
		return "";
	for (i = 0; i < len && o + 1 < size && o < LOG_CLEAN_MAX; i++) {
		c = (unsigned char)src[i];
		dst[o++] = (c < 32 || c == 127) ? '?' : (char)c;
	}
	if (i < len && o >= 3) {
		dst[o - 1] = dst[o - 2] = dst[o - 3] = '.';
	}
	dst[o] = '\0';
	return dst;
}

/* vlog - format one line and send it where it belongs */
static void
vlog(int pri, const char *fmt, va_list ap)
{
	char line[2048], stamp[64];
	const char *label;
	struct tm tm;
	time_t now;
	va_list ap2;
	int fd, n, saved = errno;

	va_copy(ap2, ap);
	vsnprintf(line, sizeof(line), fmt, ap2);
	va_end(ap2);
	switch (pri) {
	case LOG_ERR: label = "error: "; break;
	case LOG_WARNING: label = "warning: "; break;
	default: label = ""; break;
	}
	if ((pri != LOG_INFO && (flags & LOG_STDERR)) || (flags & LOG_VERBOSE))
		fprintf(stderr, "%s: %s%s\n", progname, label, line);
	if (logfile && logfd < 0)
		logfd = open(logfile, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0640);
	fd = logfd;
	if (fd >= 0) {
		now = time(NULL);
		localtime_r(&now, &tm);
		strftime(stamp, sizeof(stamp), "%b %e %H:%M:%S", &tm);
		{
			char out[2300];

			n = snprintf(out, sizeof(out), "%s %s %s[%ld]: %s%s\n",
			    stamp, host_name(), ident, (long)getpid(), label, line);
			if (n > 0) {
				if ((size_t)n >= sizeof(out)) {
					n = sizeof(out) - 1;
					out[n - 1] = '\n';
				}
				if (write(fd, out, (size_t)n) < 0) {
					/* nowhere better to report it */
				}
			}
		}
	} else {
		if (!syslog_open) {
			openlog(ident, LOG_PID | LOG_NDELAY, LOG_MAIL);
			syslog_open = 1;
		}
		syslog(pri, "%s%s", label, line);
	}
	errno = saved;
}

/*
 * log_prepare_close - before a process closes descriptors it did not
 * open itself (a worker about to drop its rights): open the log file now,
 * with the rights still held, and let syslog forget its socket (it opens
 * a new one at the next line). Returns the log file's descriptor, which
 * the caller must keep open, or -1.
 */
int
log_prepare_close(void)
{
	if (logfile && logfd < 0)
		logfd = open(logfile, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0640);
	if (syslog_open) {
		closelog();
		syslog_open = 0;
	}
	return logfd;
}

/* log_info - an ordinary event */
void
log_info(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_INFO, fmt, ap);
	va_end(ap);
}

/* log_warning - something went wrong, but work goes on */
void
log_warning(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_WARNING, fmt, ap);
	va_end(ap);
}

/* log_error - something failed */
void
log_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_ERR, fmt, ap);
	va_end(ap);
}

/* die - log a fatal error and exit with a sysexits code */
void
die(int status, const char *fmt, ...)
{
	void (*hook)(void) = die_hook;
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_ERR, fmt, ap);
	va_end(ap);
	die_hook = NULL;
	if (hook)
		hook();
	exit(status);
}

/* panic - a bug: log and exit EX_SOFTWARE */
void
panic(const char *fmt, ...)
{
	void (*hook)(void) = die_hook;
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_ERR, fmt, ap);
	va_end(ap);
	die_hook = NULL;
	if (hook)
		hook();
	exit(EX_SOFTWARE);
}
