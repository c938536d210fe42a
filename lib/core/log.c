/*
 * log - the one logging module
 *
 * See log.h. The file target is opened once, with O_APPEND, and each
 * line is one write(), so that several processes (runq and its delivery
 * children) interleave whole lines, as syslog would. The host name in
 * file lines is the system's, cut at the first dot, as syslog daemons
 * write it.
 *
 * SECURITY
 *	sendmail (setgid phdrop) and mailq (setgid posthorn) open
 *	maillog_file with their set-id group; the path comes from the
 *	system's configuration only (a user who names another loses the
 *	privilege first). So that the group cannot be turned against other
 *	files, a set-id process (unless its effective uid is root's) never
 *	creates the file, and every process
 *	opens it with O_APPEND|O_NOFOLLOW|O_NOCTTY|O_NONBLOCK (no symbolic
 *	link, no terminal, no FIFO that blocks) and refuses what is not a
 *	regular file with one name (a hard link to another file). The file
 *	is meant to be the spool owner's, group phdrop, mode 0620: the
 *	owner's processes and set-id sendmail append, nobody else may read
 *	or write; when root creates it, it is given that owner and mode
 *	(make install and the Debian package create it too). mailq's group
 *	is not phdrop: for an ordinary user its lines go to syslog instead.
 *
 * DIAGNOSTICS
 *	A program that cannot log (the file cannot be opened, or there is
 *	no file and no syslog socket at _PATH_LOG) says so once on stderr,
 *	when it copies messages to stderr at all (LOG_STDERR), and only at a
 *	terminal or with a warning or an error: the info lines of a runq
 *	started by cron must not make cron mail every minute.
 */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "dirs.h"
#include "log.h"

static char progname[64] = "posthorn";
static char ident[80] = "posthorn";
static char hostname[64];	/* for file lines, looked up at the first */
static char *logfile;
static int logfd = -1;		/* logfile, opened at the first line */
static int logfile_failed;	/* it could not be: syslog instead */
static int told;		/* "cannot log" was said on stderr */
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
	logfile_failed = 0;
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

/*
 * give_away - a file root just created goes to the spool owner, group of
 * the set-id sendmail, mode 0620, so that sendmail can append to it
 * (see SECURITY above); without those accounts it stays root's.
 */
static void
give_away(int fd)
{
	struct passwd *pw = getpwnam(DEF_MAIL_OWNER);
	struct group *gr = getgrnam(DEF_SETGID_GROUP);

	if (pw != NULL && gr != NULL && fchown(fd, pw->pw_uid, gr->gr_gid) == 0)
		(void)fchmod(fd, 0620);
}

/*
 * open_logfile - maillog_file for appending, or -1 with *why: see
 * SECURITY above.
 */
static int
open_logfile(const char **why)
{
	struct stat st;
	int fd, created = 0;
	int fl = O_WRONLY | O_APPEND | O_NOFOLLOW | O_NOCTTY | O_NONBLOCK | O_CLOEXEC;
	/* set-id, unless root (through the set-id sendmail): root is not misled */
	int setid = (getuid() != geteuid() || getgid() != getegid()) && geteuid() != 0;

	if ((fd = open(logfile, fl)) < 0 && errno == ENOENT && !setid) {
		if ((fd = open(logfile, fl | O_CREAT | O_EXCL, 0600)) >= 0)
			created = 1;
		else if (errno == EEXIST)
			fd = open(logfile, fl);
	}
	if (fd < 0) {
		*why = errno == ENOENT && setid ? "it does not exist" :
		    errno == ELOOP ? "it is a symbolic link" : strerror(errno);
		return -1;
	}
	if (fstat(fd, &st) < 0) {
		*why = strerror(errno);
		close(fd);
		return -1;
	}
	if (!S_ISREG(st.st_mode) || st.st_nlink != 1) {
		*why = !S_ISREG(st.st_mode) ? "not a regular file" : "it has more than one name";
		close(fd);
		return -1;
	}
	if (created && geteuid() == 0)
		give_away(fd);
	return fd;
}

static void cannot_log(int, const char *, ...)
    __attribute__((format(printf, 2, 3)));

/*
 * cannot_log - say once on stderr that lines are lost or go elsewhere,
 * under the conditions in DIAGNOSTICS above
 */
static void
cannot_log(int pri, const char *fmt, ...)
{
	va_list ap;

	if (told || !(flags & LOG_STDERR) || (pri == LOG_INFO && !isatty(2)))
		return;
	told = 1;
	fprintf(stderr, "%s: warning: cannot log", progname);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* syslog_reachable - is there a syslog socket to send to? */
static int
syslog_reachable(void)
{
	struct stat st;

	return stat(_PATH_LOG, &st) == 0 && S_ISSOCK(st.st_mode);
}

/* vlog - format one line and send it where it belongs */
static void
vlog(int pri, const char *fmt, va_list ap)
{
	char line[2048], stamp[64];
	const char *label, *why = NULL;
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
	if (logfile && logfd < 0 && !logfile_failed) {
		if ((logfd = open_logfile(&why)) < 0) {
			logfile_failed = 1;
			if (syslog_reachable())
				cannot_log(pri, " to %s: %s (logging to syslog)", logfile, why);
			else
				cannot_log(pri, " to %s: %s, and no syslog at %s", logfile, why,
				    _PATH_LOG);
		}
	}
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
		if (!logfile && !told && !syslog_reachable())
			cannot_log(pri, ": no syslog at %s and no maillog_file", _PATH_LOG);
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
	const char *why;

	if (logfile && logfd < 0 && !logfile_failed && (logfd = open_logfile(&why)) < 0)
		logfile_failed = 1;
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
