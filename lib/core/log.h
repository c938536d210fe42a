/*
 * log - the one logging module
 *
 * Severities: info, warning, error. Lines go to syslog (facility mail,
 * ident "posthorn/<service>") or, when maillog_file is set, are appended
 * to that file in syslog's own shape ("Nov 30 16:25:19 host
 * posthorn/qmgr[123]: ..."), so that the same log tools read both.
 * Interactive programs also copy warnings and errors to stderr (log_open
 * flag LOG_STDERR).
 *
 * The service is the program name until log_set_service() names the step
 * under way with Postfix's name for it (pickup, qmgr, local, bounce, ...):
 * log analysers such as pflogsumm count messages by the service that logs
 * a line. NULL goes back to the program name.
 *
 * die() logs and exits with a sysexits code; panic() is for bugs and exits
 * EX_SOFTWARE. A die hook, when set, runs once before the exit (the
 * submission program removes its half-written file there).
 *
 * Text that came from outside must pass through log_clean() first: it is
 * capped in length and control characters are replaced.
 */
#ifndef PH_LOG_H
#define PH_LOG_H

#include <stddef.h>

#define LOG_STDERR	0x1	/* copy warnings and errors to stderr */
#define LOG_VERBOSE	0x2	/* copy info lines to stderr too */
#define LOG_CLEAN_MAX	200

void	 log_open(const char *, int);
void	 log_set_file(const char *);
void	 log_set_flags(int);
const char *log_progname(void);
void	 log_set_service(const char *);
void	 log_set_die_hook(void (*)(void));
int	 log_prepare_close(void);
void	 log_info(const char *, ...) __attribute__((format(printf, 1, 2)));
void	 log_warning(const char *, ...) __attribute__((format(printf, 1, 2)));
void	 log_error(const char *, ...) __attribute__((format(printf, 1, 2)));
void	 die(int, const char *, ...)
	    __attribute__((format(printf, 2, 3), noreturn));
void	 panic(const char *, ...)
	    __attribute__((format(printf, 1, 2), noreturn));
const char *log_clean(char *, size_t, const char *, size_t);

#endif
