/*
 * log - the one logging module
 *
 * Severities: info, warning, error. Lines go to syslog (facility mail,
 * ident "posthorn/<program>") or, when maillog_file is set, appended to
 * that file with a timestamp. Interactive programs also copy warnings and
 * errors to stderr (log_open flag LOG_STDERR).
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
void	 log_set_die_hook(void (*)(void));
void	 log_info(const char *, ...) __attribute__((format(printf, 1, 2)));
void	 log_warning(const char *, ...) __attribute__((format(printf, 1, 2)));
void	 log_error(const char *, ...) __attribute__((format(printf, 1, 2)));
void	 die(int, const char *, ...)
	    __attribute__((format(printf, 2, 3), noreturn));
void	 panic(const char *, ...)
	    __attribute__((format(printf, 1, 2), noreturn));
const char *log_clean(char *, size_t, const char *, size_t);

#endif
