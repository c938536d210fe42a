/*
 * test_core - Check suite for lib/core/str.c, util.c, log.c, conf.c
 *
 * Tables of named cases for the string type, the number parsers, the
 * bounded formatting helpers, log_clean and the configuration loader.
 * Configuration files are written into a private mkdtemp directory that
 * is removed afterwards; every test runs in its own process (Check's fork
 * mode), so settings loaded by one test do not leak into the next.
 */
#include "config.h"

#include <sys/stat.h>
#include <sys/wait.h>

#include <check.h>
#include <errno.h>
#include <regex.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "conf.h"
#include "log.h"
#include "str.h"
#include "unit.h"
#include "util.h"

/* ---- str ------------------------------------------------------------- */

/* Each case builds a string; want/want_len is what it must hold. */
static void
build_append(struct str *sp)
{
	str_append(sp, "ab", 2);
	str_append(sp, "cd", 2);
}

static void
build_binary(struct str *sp)
{
	str_append(sp, "a\0b", 3);
}

static void
build_appendc_grow(struct str *sp)
{
	int i;

	for (i = 0; i < 1000; i++)
		str_appendc(sp, (char)('a' + i % 26));
	str_truncate(sp, 3);
}

static void
build_printf(struct str *sp)
{
	str_appends(sp, "x=");
	str_printf(sp, "%d-%s-%05.1f", 42, "y", 1.5);
}

static void
build_printf_long(struct str *sp)
{
	str_printf(sp, "%0300d", 7);
	str_truncate(sp, 2);
	str_appends(sp, "|");
	str_truncate(sp, 1000);	/* longer than the data: no change */
}

static void
build_set(struct str *sp)
{
	str_appends(sp, "old contents");
	str_set(sp, "new");
}

static void
build_reset(struct str *sp)
{
	str_appends(sp, "gone");
	str_reset(sp);
	str_appends(sp, "kept");
}

static void
build_nothing(struct str *sp)
{
	(void)sp;
}

static void
build_empty_append(struct str *sp)
{
	str_append(sp, NULL, 0);
}

static const struct {
	const char	*name;
	void		(*build)(struct str *);
	const char	*want;
	size_t		 want_len;
} str_cases[] = {
	{ "append twice", build_append, "abcd", 4 },
	{ "binary-safe append", build_binary, "a\0b", 3 },
	{ "appendc grows past the first allocation", build_appendc_grow, "abc", 3 },
	{ "printf appends", build_printf, "x=42-y-001.5", 12 },
	{ "printf longer than the first allocation", build_printf_long, "00|", 3 },
	{ "set replaces", build_set, "new", 3 },
	{ "reset empties", build_reset, "kept", 4 },
	{ "untouched string is empty", build_nothing, "", 0 },
	{ "appending nothing", build_empty_append, "", 0 },
};

START_TEST(test_str_cases)
{
	struct str s = STR_INIT;
	char *stolen;

	str_cases[_i].build(&s);
	ck_assert_msg(s.len == str_cases[_i].want_len, "%s: length %zu, want %zu",
	    str_cases[_i].name, s.len, str_cases[_i].want_len);
	ck_assert_msg(memcmp(str_c(&s), str_cases[_i].want, s.len) == 0,
	    "%s: got \"%s\"", str_cases[_i].name, str_c(&s));
	/* the invariant of str.c */
	if (s.s != NULL)
		ck_assert_msg(s.len < s.cap && s.s[s.len] == '\0',
		    "%s: no NUL after the data", str_cases[_i].name);
	else
		ck_assert_msg(s.len == 0 && s.cap == 0, "%s: NULL with length",
		    str_cases[_i].name);
	stolen = str_steal(&s);
	ck_assert_msg(stolen != NULL && memcmp(stolen, str_cases[_i].want,
	    str_cases[_i].want_len + 1) == 0, "%s: steal", str_cases[_i].name);
	ck_assert_msg(s.s == NULL && s.len == 0 && s.cap == 0,
	    "%s: steal did not empty the string", str_cases[_i].name);
	free(stolen);
	str_free(&s);
}
END_TEST

START_TEST(test_str_reserve_overflow)
{
	struct str s = STR_INIT;

	str_appends(&s, "x");
	str_reserve(&s, SIZE_MAX);	/* must die, not wrap around */
}
END_TEST

/* ---- util: number parsers ---------------------------------------------- */

static const struct {
	const char	*name;
	const char	*in;
	long		 min, max;
	int		 rc;
	long		 want;
} long_cases[] = {
	{ "zero", "0", 0, 10, 0, 0 },
	{ "in range", "42", 0, 100, 0, 42 },
	{ "negative", "-5", -10, 10, 0, -5 },
	{ "at max", "100", 0, 100, 0, 100 },
	{ "over max", "101", 0, 100, -1, 0 },
	{ "under min", "-1", 0, 100, -1, 0 },
	{ "empty", "", 0, 100, -1, 0 },
	{ "leading space", " 5", 0, 100, -1, 0 },
	{ "trailing space", "5 ", 0, 100, -1, 0 },
	{ "trailing garbage", "5x", 0, 100, -1, 0 },
	{ "not a number", "abc", 0, 100, -1, 0 },
	{ "overflow", "99999999999999999999999", LONG_MIN, LONG_MAX, -1, 0 },
	{ "long max", "9223372036854775807", 0, LONG_MAX, 0, LONG_MAX },
	{ "hex is not accepted", "0x10", 0, 100, -1, 0 },
};

START_TEST(test_parse_long)
{
	long out = -12345;
	int rc;

	rc = util_parse_long(long_cases[_i].in, long_cases[_i].min,
	    long_cases[_i].max, &out);
	ck_assert_msg(rc == long_cases[_i].rc, "%s: rc %d", long_cases[_i].name, rc);
	if (rc == 0)
		ck_assert_msg(out == long_cases[_i].want, "%s: got %ld",
		    long_cases[_i].name, out);
	else
		ck_assert_msg(out == -12345, "%s: out touched on error",
		    long_cases[_i].name);
}
END_TEST

START_TEST(test_parse_long_null)
{
	long out = 7;

	ck_assert_int_eq(util_parse_long(NULL, 0, 10, &out), -1);
	ck_assert_int_eq(out, 7);
}
END_TEST

static const struct {
	const char	*name;
	const char	*in;
	int		 rc;
	long long	 want;
} size_cases[] = {
	{ "bytes", "102400", 0, 102400 },
	{ "zero means no limit", "0", 0, 0 },
	{ "kilobytes", "10k", 0, 10240 },
	{ "megabytes upper case", "10M", 0, 10485760 },
	{ "gigabytes", "2g", 0, 2147483648LL },
	{ "unknown suffix", "10x", -1, 0 },
	{ "two suffixes", "10kk", -1, 0 },
	{ "suffix and text", "10kb", -1, 0 },
	{ "negative", "-1", -1, 0 },
	{ "empty", "", -1, 0 },
	{ "leading space", " 1", -1, 0 },
	{ "overflow by suffix", "9223372036854775807k", -1, 0 },
	{ "overflow", "99999999999999999999", -1, 0 },
};

START_TEST(test_parse_size)
{
	long long out = -7;
	int rc;

	rc = util_parse_size(size_cases[_i].in, &out);
	ck_assert_msg(rc == size_cases[_i].rc, "%s: rc %d", size_cases[_i].name, rc);
	if (rc == 0)
		ck_assert_msg(out == size_cases[_i].want, "%s: got %lld",
		    size_cases[_i].name, out);
	else
		ck_assert_msg(out == -7, "%s: out touched", size_cases[_i].name);
}
END_TEST

static const struct {
	const char	*name;
	const char	*in;
	char		 defunit;
	int		 rc;
	long		 want;
} time_cases[] = {
	{ "bare number takes seconds", "300", 's', 0, 300 },
	{ "bare number takes default unit", "5", 'd', 0, 432000 },
	{ "seconds", "30s", 'd', 0, 30 },
	{ "minutes", "30m", 's', 0, 1800 },
	{ "hours", "2h", 's', 0, 7200 },
	{ "days", "5d", 's', 0, 432000 },
	{ "weeks", "1w", 's', 0, 604800 },
	{ "zero", "0h", 's', 0, 0 },
	{ "unknown unit", "5x", 's', -1, 0 },
	{ "upper-case unit", "5D", 's', -1, 0 },
	{ "two units", "5dh", 's', -1, 0 },
	{ "negative", "-5s", 's', -1, 0 },
	{ "empty", "", 's', -1, 0 },
	{ "overflow by unit", "9223372036854775807w", 's', -1, 0 },
	{ "bad default unit", "5", 'q', -1, 0 },
};

START_TEST(test_parse_time)
{
	long out = -7;
	int rc;

	rc = util_parse_time(time_cases[_i].in, time_cases[_i].defunit, &out);
	ck_assert_msg(rc == time_cases[_i].rc, "%s: rc %d", time_cases[_i].name, rc);
	if (rc == 0)
		ck_assert_msg(out == time_cases[_i].want, "%s: got %ld",
		    time_cases[_i].name, out);
	else
		ck_assert_msg(out == -7, "%s: out touched", time_cases[_i].name);
}
END_TEST

/* ---- util: bounded formatting and small helpers --------------------------- */

static const struct {
	const char	*name;
	size_t		 size;
	const char	*in;
	int		 rc;	/* of util_strlcpy; util_snprintf returns length */
	const char	*want;
} copy_cases[] = {
	{ "fits", 8, "abc", 0, "abc" },
	{ "fits exactly", 4, "abc", 0, "abc" },
	{ "one too long", 3, "abc", -1, NULL },
	{ "empty into one byte", 1, "", 0, "" },
	{ "zero-size buffer", 0, "", -1, NULL },
};

START_TEST(test_strlcpy_snprintf)
{
	char buf[16];
	int rc;

	memset(buf, 'Z', sizeof(buf));
	rc = util_strlcpy(buf, copy_cases[_i].in, copy_cases[_i].size);
	ck_assert_msg(rc == copy_cases[_i].rc, "%s: strlcpy rc %d",
	    copy_cases[_i].name, rc);
	if (rc == 0)
		ck_assert_str_eq(buf, copy_cases[_i].want);

	memset(buf, 'Z', sizeof(buf));
	rc = util_snprintf(buf, copy_cases[_i].size, "%s", copy_cases[_i].in);
	if (copy_cases[_i].rc == 0) {
		ck_assert_msg(rc == (int)strlen(copy_cases[_i].in),
		    "%s: snprintf rc %d", copy_cases[_i].name, rc);
		ck_assert_str_eq(buf, copy_cases[_i].want);
	} else
		ck_assert_msg(rc == -1, "%s: snprintf truncation not reported",
		    copy_cases[_i].name);
	/* never writes past size */
	ck_assert_msg(buf[copy_cases[_i].size] == 'Z' || copy_cases[_i].size >=
	    sizeof(buf), "%s: wrote past the buffer", copy_cases[_i].name);
}
END_TEST

static const struct {
	const char	*name;
	const char	*in;
	size_t		 len;
	int		 want;
} ctl_cases[] = {
	{ "plain", "hello world", 11, 0 },
	{ "tab is allowed", "a\tb", 3, 0 },
	{ "LF", "a\nb", 3, 1 },
	{ "CR", "a\rb", 3, 1 },
	{ "NUL inside the length", "a\0b", 3, 1 },
	{ "NUL just past the length", "ab", 2, 0 },
	{ "empty", "", 0, 0 },
	{ "8-bit", "\xc3\xbc", 2, 0 },
};

START_TEST(test_has_ctl)
{
	ck_assert_msg(util_has_ctl(ctl_cases[_i].in, ctl_cases[_i].len) ==
	    ctl_cases[_i].want, "%s", ctl_cases[_i].name);
}
END_TEST

START_TEST(test_lowercase)
{
	char s[] = "MiXeD.Example.COM-123\xc3\x9c";

	ck_assert_ptr_eq(util_lowercase(s), s);
	ck_assert_str_eq(s, "mixed.example.com-123\xc3\x9c");
}
END_TEST

START_TEST(test_xalloc)
{
	char *p;

	p = xstrndup("abcdef", 3);
	ck_assert_str_eq(p, "abc");
	free(p);
	p = xstrndup("ab", 10);
	ck_assert_str_eq(p, "ab");
	free(p);
	p = xasprintf("%s-%d", "x", 5);
	ck_assert_str_eq(p, "x-5");
	free(p);
	p = xcalloc(0, 0);
	ck_assert_ptr_nonnull(p);
	free(p);
	p = xmalloc(0);
	ck_assert_ptr_nonnull(p);
	free(p);
}
END_TEST

START_TEST(test_xreallocarray_overflow)
{
	(void)xreallocarray(NULL, SIZE_MAX / 2, 3);
}
END_TEST

START_TEST(test_write_all_and_fsync_dir)
{
	char dir[] = "/tmp/ph-unit-XXXXXX", buf[64];
	struct str path = STR_INIT;
	int fd;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	str_printf(&path, "%s/f", dir);
	fd = open(path.s, O_RDWR | O_CREAT | O_EXCL, 0600);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(util_write_all(fd, "hello", 5), 0);
	ck_assert_int_eq(util_write_all(fd, "", 0), 0);
	ck_assert_int_eq(pread(fd, buf, sizeof(buf), 0), 5);
	ck_assert_int_eq(memcmp(buf, "hello", 5), 0);
	close(fd);
	ck_assert_int_eq(util_write_all(-1, "x", 1), -1);
	ck_assert_int_eq(util_fsync_dir(dir), 0);
	ck_assert_int_eq(util_fsync_dir(path.s), -1);	/* not a directory */
	unlink(path.s);
	str_reset(&path);
	str_printf(&path, "%s/a/b/c", dir);
	ck_assert_int_eq(util_mkdir_p(path.s, 0700), 0);
	ck_assert_int_eq(util_mkdir_p(path.s, 0700), 0);	/* exists: fine */
	ck_assert_int_eq(util_fsync_dir(path.s), 0);
	rmdir(path.s);
	str_reset(&path);
	str_printf(&path, "%s/a/b", dir);
	rmdir(path.s);
	str_reset(&path);
	str_printf(&path, "%s/a", dir);
	rmdir(path.s);
	ck_assert_int_eq(rmdir(dir), 0);
	ck_assert_int_eq(util_fsync_dir(dir), -1);	/* gone */
	str_free(&path);
}
END_TEST

static const struct {
	const char	*name;
	const char	*tz;
	time_t		 t;
	const char	*want;
} date_cases[] = {
	{ "epoch in UTC", "UTC0", 0, "Thu, 1 Jan 1970 00:00:00 +0000" },
	{ "UTC", "UTC0", 1700000000, "Tue, 14 Nov 2023 22:13:20 +0000" },
	{ "west of UTC", "EST5", 1700000000, "Tue, 14 Nov 2023 17:13:20 -0500" },
	{ "east with half hour", "IST-5:30", 1700000000, "Wed, 15 Nov 2023 03:43:20 +0530" },
};

START_TEST(test_rfc5322_date)
{
	char buf[64];

	setenv("TZ", date_cases[_i].tz, 1);
	tzset();
	ck_assert_msg(util_rfc5322_date(buf, sizeof(buf), date_cases[_i].t) > 0,
	    "%s: failed", date_cases[_i].name);
	ck_assert_msg(strcmp(buf, date_cases[_i].want) == 0, "%s: got \"%s\"",
	    date_cases[_i].name, buf);
	ck_assert_int_eq(util_rfc5322_date(buf, 10, date_cases[_i].t), -1);
}
END_TEST

/* ---- log ---------------------------------------------------------------- */

static const struct {
	const char	*name;
	const char	*in;
	size_t		 len;
	size_t		 size;
	const char	*want;
} clean_cases[] = {
	{ "plain", "hello", 5, 64, "hello" },
	{ "controls replaced", "a\r\nb\tc\x7f", 7, 64, "a??b?c?" },
	{ "NUL replaced", "a\0b", 3, 64, "a?b" },
	{ "8-bit kept", "\xc3\xbc", 2, 64, "\xc3\xbc" },
	{ "cut by buffer", "abcdefghij", 10, 8, "abcd..." },
	{ "fits buffer exactly", "abcdefg", 7, 8, "abcdefg" },
	{ "only part of the input", "abcdef", 3, 64, "abc" },
	{ "empty", "", 0, 64, "" },
};

START_TEST(test_log_clean)
{
	char buf[64];

	memset(buf, 'Z', sizeof(buf));
	log_clean(buf, clean_cases[_i].size, clean_cases[_i].in,
	    clean_cases[_i].len);
	ck_assert_msg(strcmp(buf, clean_cases[_i].want) == 0, "%s: got \"%s\"",
	    clean_cases[_i].name, buf);
}
END_TEST

START_TEST(test_log_clean_cap)
{
	char in[1000], buf[1000];

	memset(in, 'x', sizeof(in));
	log_clean(buf, sizeof(buf), in, sizeof(in));
	ck_assert_uint_eq(strlen(buf), LOG_CLEAN_MAX);
	ck_assert_str_eq(buf + LOG_CLEAN_MAX - 3, "...");
	ck_assert_str_eq(log_clean(buf, 0, in, 5), "");
}
END_TEST

static char log_path[64];

static void
die_hook_mark(void)
{
	FILE *fp = fopen(log_path, "a");

	if (fp) {
		fputs("HOOK\n", fp);
		fclose(fp);
	}
}

START_TEST(test_log_file_contents)
{
	char dir[] = "/tmp/ph-unit-XXXXXX", want[128], line[512], host[64], re[256];
	struct str all = STR_INIT;
	regex_t rx;
	pid_t pid;
	int status;
	FILE *fp;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	ck_assert_int_ge(util_snprintf(log_path, sizeof(log_path), "%s/log", dir), 0);
	if ((pid = fork()) == 0) {
		log_open("testprog", 0);
		log_set_file(log_path);
		log_info("first %d", 1);
		log_warning("second");
		log_set_service("qmgr");
		log_info("third");
		log_set_service(NULL);
		log_set_die_hook(die_hook_mark);
		die(EX_TEMPFAIL, "the end");
	}
	ck_assert_int_gt(pid, 0);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == EX_TEMPFAIL);
	fp = fopen(log_path, "r");
	ck_assert_ptr_nonnull(fp);
	while (fgets(line, sizeof(line), fp))
		str_appends(&all, line);
	fclose(fp);
	ck_assert_int_ge(util_snprintf(want, sizeof(want),
	    " posthorn/testprog[%ld]: first 1\n", (long)pid), 0);
	ck_assert_msg(strstr(all.s, want) != NULL, "no info line in:\n%s", all.s);
	ck_assert_msg(strstr(all.s, "]: warning: second\n") != NULL, "%s", all.s);
	ck_assert_msg(strstr(all.s, "]: error: the end\nHOOK\n") != NULL, "%s", all.s);

	/* syslog's shape: time stamp, short host name, service[pid] */
	ck_assert_int_eq(gethostname(host, sizeof(host)), 0);
	host[sizeof(host) - 1] = '\0';
	if (strchr(host + 1, '.'))
		*strchr(host + 1, '.') = '\0';
	ck_assert_int_ge(util_snprintf(re, sizeof(re),
	    "^[A-Z][a-z]{2} [ 123][0-9] [0-2][0-9]:[0-5][0-9]:[0-6][0-9] %s "
	    "posthorn/testprog\\[%ld\\]: first 1\n"
	    "[^\n]* %s posthorn/testprog\\[%ld\\]: warning: second\n"
	    "[^\n]* %s posthorn/qmgr\\[%ld\\]: third\n"
	    "[^\n]* %s posthorn/testprog\\[%ld\\]: error: the end\n",
	    host, (long)pid, host, (long)pid, host, (long)pid, host, (long)pid), 0);
	ck_assert_int_eq(regcomp(&rx, re, REG_EXTENDED | REG_NOSUB), 0);
	ck_assert_msg(regexec(&rx, all.s, 0, NULL, 0) == 0, "not in syslog's shape:\n%s", all.s);
	regfree(&rx);
	unlink(log_path);
	rmdir(dir);
	str_free(&all);
}
END_TEST

/* ---- conf --------------------------------------------------------------- */

static char conf_dir[64];
static char conf_file[96];

static void
conf_setup(void)
{
	ck_assert_int_ge(util_snprintf(conf_dir, sizeof(conf_dir),
	    "/tmp/ph-unit-XXXXXX"), 0);
	ck_assert_ptr_nonnull(mkdtemp(conf_dir));
	ck_assert_int_ge(util_snprintf(conf_file, sizeof(conf_file),
	    "%s/posthorn.conf", conf_dir), 0);
	/* the defaults below do not depend on the host's /etc/mailname */
	conf_mailname_file(NULL);
}

static void
conf_teardown(void)
{
	char path[128];

	if (util_snprintf(path, sizeof(path), "%s/mailname", conf_dir) >= 0)
		unlink(path);
	unlink(conf_file);
	rmdir(conf_dir);
}

/* write_conf - put text (len bytes) into the test's configuration file */
static void
write_conf(const char *text, size_t len)
{
	int fd;

	fd = open(conf_file, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(util_write_all(fd, text, len), 0);
	close(fd);
}

/* Files that load; then setting "key" must expand to "want". */
static const struct {
	const char	*name;
	const char	*text;
	const char	*key;
	const char	*want;
} conf_ok[] = {
	{ "empty file keeps the default", "", "message_size_limit", "10240000" },
	{ "simple", "myhostname = mail.example.org\n", "myhostname", "mail.example.org" },
	{ "no spaces", "myhostname=h.example\n", "myhostname", "h.example" },
	{ "comments and blank lines",
	  "# comment\n\n   \n\t# indented comment\nmyorigin = example.org # not a comment\n",
	  "myorigin", "example.org # not a comment" },
	{ "no final newline", "myorigin = example.org", "myorigin", "example.org" },
	{ "CRLF line ends", "myorigin = example.org\r\n", "myorigin", "example.org" },
	{ "continuation lines",
	  "mydestination = a.example,\n  b.example\n\tc.example\n",
	  "mydestination", "a.example, b.example c.example" },
	{ "comment inside a continuation",
	  "mydestination = a.example,\n# gone\n  b.example\n",
	  "mydestination", "a.example, b.example" },
	{ "$name expands", "myhostname = h.example.org\nmyorigin = $myhostname\n",
	  "myorigin", "h.example.org" },
	{ "${name} expands",
	  "myhostname = h.example.org\nmasquerade_domains = x${myhostname}y\n",
	  "masquerade_domains", "xh.example.orgy" },
	{ "later setting seen by earlier reference",
	  "myorigin = $mydomain\nmyhostname = mail.example.net\n",
	  "myorigin", "example.net" },
	{ "default refers to myhostname",
	  "myhostname = mx.example.com\n", "myorigin", "mx.example.com" },
	{ "mydomain from myhostname", "myhostname = mx.sub.example.com\n",
	  "mydomain", "sub.example.com" },
	{ "mydomain of a single label", "myhostname = box\n", "mydomain",
	  "localdomain" },
	{ "mydestination default", "myhostname = mx.example.com\n",
	  "mydestination", "mx.example.com, localhost.example.com, localhost" },
	{ "$$ is a dollar", "home_mailbox = a$$b\n", "home_mailbox", "a$b" },
	{ "last one wins", "myorigin = a\nmyorigin = b\n", "myorigin", "b" },
	{ "empty value", "recipient_delimiter =\n", "recipient_delimiter", "" },
	{ "time value", "maximal_queue_lifetime = 2d\n", "maximal_queue_lifetime", "2d" },
	{ "size value", "message_size_limit = 0\n", "message_size_limit", "0" },
	{ "line of exactly the maximum length",
	  NULL /* built in the test */, "home_mailbox", NULL },
};

START_TEST(test_conf_ok)
{
	struct str err = STR_INIT, text = STR_INIT;
	const char *want = conf_ok[_i].want;
	char *big = NULL;

	if (conf_ok[_i].text) {
		str_appends(&text, conf_ok[_i].text);
	} else {
		/* "home_mailbox = " and a value to make CONF_MAX_LINE bytes */
		size_t n = CONF_MAX_LINE - strlen("home_mailbox = ");

		big = xmalloc(n + 1);
		memset(big, 'm', n);
		big[n] = '\0';
		str_printf(&text, "home_mailbox = %s\n", big);
		want = big;
	}
	write_conf(text.s ? text.s : "", text.len);
	ck_assert_msg(conf_load(conf_file, 1, &err) == 0, "%s: %s",
	    conf_ok[_i].name, str_c(&err));
	ck_assert_msg(strcmp(conf_str(conf_ok[_i].key), want) == 0,
	    "%s: got \"%s\"", conf_ok[_i].name, conf_str(conf_ok[_i].key));
	ck_assert_str_eq(conf_path(), conf_file);
	free(big);
	str_free(&err);
	str_free(&text);
}
END_TEST

/*
 * Files with mistakes: they load (a mistake must not stop mail), the bad
 * lines ignored. rc 0: warnings only (unknown names); rc 1: errors, the
 * first in err. want is the start of the first finding, after "<file>";
 * a bad setting keeps its default (def).
 */
static const struct {
	const char	*name;
	const char	*text;
	size_t		 len;	/* 0: strlen(text) */
	int		 rc;
	const char	*want;	/* after "<file>" */
	const char	*bad;	/* a setting that must have its default, or NULL */
	const char	*def;
} conf_bad[] = {
	{ "unknown setting: a warning, did you mean", "# x\nmyhostname = a\nmessage_size_limt = 1\n", 0, 0,
	  ":3: unknown setting \"message_size_limt\" (did you mean \"message_size_limit\"?): ignored", NULL, NULL },
	{ "unknown setting far from any: no suggestion", "no_such_thing = 1\n", 0, 0,
	  ":1: unknown setting \"no_such_thing\": ignored", NULL, NULL },
	{ "swapped letters: did you mean", "myhsotname = a\n", 0, 0,
	  ":1: unknown setting \"myhsotname\" (did you mean \"myhostname\"?)", NULL, NULL },
	{ "no equals sign", "myhostname\n", 0, 1, ":1: expected \"name = value\": line ignored", NULL, NULL },
	{ "continuation without a setting", "  myhostname = a\n", 0, 1,
	  ":1: continuation line without a setting", NULL, NULL },
	{ "warning names the first line of a continued setting",
	  "myorigin = a\nbogus = b,\n  c\n", 0, 0, ":2: unknown setting \"bogus\"", NULL, NULL },
	{ "bad time, with its line", "# c\nmaximal_queue_lifetime = 5 days\n", 0, 1,
	  ":2: maximal_queue_lifetime: bad time value", "maximal_queue_lifetime", "5d" },
	{ "bad size, with its line", "message_size_limit = lots\n", 0, 1,
	  ":1: message_size_limit: bad size", "message_size_limit", "10240000" },
	{ "bad size through a reference", "myorigin = x\nmessage_size_limit = $myorigin\n", 0, 1,
	  ":2: message_size_limit: bad size", "message_size_limit", "10240000" },
	{ "max_use below 1", "max_use = 0\n", 0, 1,
	  ":1: max_use: must be at least 1", "max_use", "100" },
	{ "smtpd_process_limit out of range", "smtpd_process_limit = 1001\n", 0, 1,
	  ":1: smtpd_process_limit: 1001 is not between 1 and 1000", "smtpd_process_limit", "100" },
	{ "unknown reference", "myhostname = h.example\nmyorigin = $nothere\n", 0, 1,
	  ":2: myorigin: unknown setting $nothere", "myorigin", "h.example" },
	{ "reference loop", "myorigin = $myhostname\nmyhostname = $myorigin\n", 0, 1,
	  ":2: myhostname: settings refer to each other in a loop", NULL, NULL },
	{ "loop through the computed mydomain", "myhostname = $mydomain\n", 0, 1,
	  ":1: myhostname: settings refer to each other in a loop", NULL, NULL },
	{ "unterminated ${", "myorigin = ${myhostname\n", 0, 1,
	  ":1: myorigin: unterminated ${", NULL, NULL },
	{ "NUL byte in a line", "myorigin = a\0b\n", 15, 1, ":1: NUL byte in line", NULL, NULL },
	{ "line too long", NULL, 0, 1, ":1: line too long", NULL, NULL },
	{ "a bad line spares the rest", "myorigin = a\0b\nmyhostname = kept.example\n", 41, 1,
	  ":1: NUL byte in line", "myhostname", "kept.example" },
};

START_TEST(test_conf_bad)
{
	struct str err = STR_INIT, text = STR_INIT, want = STR_INIT;
	const char *first;
	size_t i;
	int error;

	if (conf_bad[_i].text) {
		str_append(&text, conf_bad[_i].text, conf_bad[_i].len ?
		    conf_bad[_i].len : strlen(conf_bad[_i].text));
	} else {
		str_appends(&text, "home_mailbox = ");
		for (i = 0; i < CONF_MAX_LINE; i++)
			str_appendc(&text, 'x');
		str_appends(&text, "\n");
	}
	write_conf(text.s, text.len);
	str_printf(&want, "%s%s", conf_file, conf_bad[_i].want);
	ck_assert_msg(conf_load(conf_file, 1, &err) == conf_bad[_i].rc, "%s: rc",
	    conf_bad[_i].name);
	first = conf_diag(0, &error);
	ck_assert_msg(first != NULL, "%s: no finding", conf_bad[_i].name);
	ck_assert_int_eq(error, conf_bad[_i].rc);
	ck_assert_msg(strncmp(first, want.s, want.len) == 0,
	    "%s: got \"%s\", want \"%s...\"", conf_bad[_i].name, first, want.s);
	if (conf_bad[_i].rc)
		ck_assert_str_eq(str_c(&err), first);
	else
		ck_assert_uint_eq(err.len, 0);
	if (conf_bad[_i].bad != NULL) {
		ck_assert_str_eq(conf_str(conf_bad[_i].bad), conf_bad[_i].def);
		ck_assert_int_eq(conf_is_bad(conf_bad[_i].bad), !!strcmp(conf_bad[_i].def, "kept.example"));
	}
	str_free(&err);
	str_free(&text);
	str_free(&want);
}
END_TEST

/* The nearest setting to a misspelt name, or none. */
START_TEST(test_conf_suggest)
{
	ck_assert_str_eq(conf_suggest("message_size_limt"), "message_size_limit");
	ck_assert_str_eq(conf_suggest("mesage_size_limit"), "message_size_limit");
	ck_assert_str_eq(conf_suggest("relay_host"), "relayhost");
	ck_assert_str_eq(conf_suggest("smtp_tls_security_levle"), "smtp_tls_security_level");
	ck_assert_ptr_null(conf_suggest("no_such_thing"));
	ck_assert_ptr_null(conf_suggest(""));
	ck_assert_ptr_null(conf_suggest("x"));
}
END_TEST

START_TEST(test_conf_missing_file)
{
	struct str err = STR_INIT, path = STR_INIT;

	str_printf(&path, "%s/none.conf", conf_dir);
	ck_assert_int_eq(conf_load(path.s, 0, &err), 0);
	ck_assert_str_eq(conf_str("message_size_limit"), "10240000");
	ck_assert_int_eq(conf_load(path.s, 1, &err), -1);
	ck_assert_msg(strstr(str_c(&err), "cannot open") != NULL, "%s", str_c(&err));
	str_free(&err);
	str_free(&path);
}
END_TEST

START_TEST(test_conf_typed)
{
	static const char text[] =
	    "maximal_queue_lifetime = 2d\n"
	    "message_size_limit = 10k\n"
	    "masquerade_domains = a.example, B.example\tc.example,,\n";
	struct str err = STR_INIT;
	char **list;
	size_t n;

	write_conf(text, sizeof(text) - 1);
	ck_assert_int_eq(conf_load(conf_file, 1, &err), 0);
	ck_assert_int_eq(conf_time("maximal_queue_lifetime"), 172800);
	ck_assert_int_eq(conf_time("minimal_backoff_time"), 300);
	ck_assert_int_eq(conf_size("message_size_limit"), 10240);
	list = conf_list("masquerade_domains");
	for (n = 0; list[n]; n++)
		;
	ck_assert_uint_eq(n, 3);
	ck_assert_str_eq(list[0], "a.example");
	ck_assert_str_eq(list[1], "B.example");
	ck_assert_str_eq(list[2], "c.example");
	conf_list_free(list);
	list = conf_list("masquerade_exceptions");
	ck_assert_ptr_null(list[0]);
	conf_list_free(list);
	conf_list_free(NULL);
	ck_assert_int_eq(conf_list_has("masquerade_domains", "b.EXAMPLE"), 1);
	ck_assert_int_eq(conf_list_has("masquerade_domains", "example"), 0);
	str_free(&err);
}
END_TEST

START_TEST(test_conf_set_and_print)
{
	struct str err = STR_INIT;
	char buf[512];
	FILE *fp;

	ck_assert_int_eq(conf_set("myhostname", "one.example.org", &err), 0);
	ck_assert_str_eq(conf_str("mydomain"), "example.org");
	/* changing myhostname recomputes mydomain */
	ck_assert_int_eq(conf_set("myhostname", "two.example.net", &err), 0);
	ck_assert_str_eq(conf_str("mydomain"), "example.net");
	ck_assert_int_eq(conf_set("no_such_thing", "x", &err), -1);
	ck_assert_msg(strstr(str_c(&err), "unknown setting") != NULL, "%s", str_c(&err));
	str_reset(&err);
	ck_assert_int_eq(conf_set("myhostnme", "x", &err), -1);
	ck_assert_str_eq(str_c(&err), "unknown setting \"myhostnme\" (did you mean \"myhostname\"?)");

	fp = fmemopen(buf, sizeof(buf), "w");
	ck_assert_ptr_nonnull(fp);
	ck_assert_int_eq(conf_print(fp, "myorigin", 0), 0);
	ck_assert_int_eq(conf_print(fp, "myorigin", 1), 0);
	ck_assert_int_eq(conf_print(fp, "no_such_thing", 0), -1);
	fclose(fp);
	ck_assert_str_eq(buf, "myorigin = two.example.net\nmyorigin = $myhostname\n");
	str_free(&err);
}
END_TEST

/*
 * Values are checked when they are set, so that the accessors never meet
 * a bad one (they panic: a bug); a bad value, or a file with one, leaves
 * the configuration as it was.
 */
START_TEST(test_conf_set_checked)
{
	static const char bad[] =
	    "myhostname = changed.example\n"
	    "myorigin = $nothere\n";
	struct str err = STR_INIT;

	ck_assert_int_eq(conf_set("myhostname", "kept.example.org", &err), 0);
	ck_assert_int_eq(conf_set("message_size_limit", "lots", &err), -1);
	ck_assert_msg(strstr(str_c(&err), "message_size_limit: bad size") != NULL,
	    "%s", str_c(&err));
	ck_assert_int_eq(conf_size("message_size_limit"), 10240000);
	str_reset(&err);
	ck_assert_int_eq(conf_set("myorigin", "$nothere", &err), -1);
	ck_assert_msg(strstr(str_c(&err), "unknown setting $nothere") != NULL,
	    "%s", str_c(&err));
	ck_assert_str_eq(conf_str("myorigin"), "kept.example.org");
	/* a value that makes another one loop is refused as well */
	str_reset(&err);
	ck_assert_int_eq(conf_set("myhostname", "$myorigin", &err), -1);
	ck_assert_str_eq(conf_str("myhostname"), "kept.example.org");
	/* a file's bad value is ignored, its good ones are taken */
	write_conf(bad, sizeof(bad) - 1);
	str_reset(&err);
	ck_assert_int_eq(conf_load(conf_file, 1, &err), 1);
	ck_assert_str_eq(conf_str("myhostname"), "changed.example");
	ck_assert_str_eq(conf_str("myorigin"), "changed.example");
	ck_assert_int_eq(conf_is_bad("myorigin"), 1);
	ck_assert_int_eq(conf_is_bad("myhostname"), 0);
	str_free(&err);
}
END_TEST

/*
 * configure --with-mailname (Debian: /etc/mailname): the first word of
 * the file's first line, in lower case, is myorigin's default; a missing
 * file, an empty line or one with a "$" leaves $myhostname. The name is
 * in mydestination's default too. A value set in posthorn.conf wins.
 */
START_TEST(test_conf_mailname)
{
	static const struct {
		const char	*text;	/* NULL: no file */
		const char	*want;
	} c[] = {
		{ "Mail.Example.ORG\n", "mail.example.org" },
		{ "  mail.example.org  trailing words\nsecond.example\n", "mail.example.org" },
		{ "mail.example.org", "mail.example.org" },
		{ NULL, "h.example.net" },
		{ "\n", "h.example.net" },
		{ "$myhostname.evil\n", "h.example.net" },
	};
	struct str err = STR_INIT;
	char path[128], dest[256];
	size_t i;
	int fd;

	ck_assert_int_ge(util_snprintf(path, sizeof(path), "%s/mailname",
	    conf_dir), 0);
	ck_assert_int_eq(conf_set("myhostname", "h.example.net", &err), 0);
	for (i = 0; i < ARRAY_LEN(c); i++) {
		unlink(path);
		if (c[i].text) {
			fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
			ck_assert_int_ge(fd, 0);
			ck_assert_int_eq(util_write_all(fd, c[i].text,
			    strlen(c[i].text)), 0);
			close(fd);
		}
		conf_mailname_file(path);
		ck_assert_msg(strcmp(conf_str("myorigin"), c[i].want) == 0,
		    "case %zu: myorigin %s, want %s", i, conf_str("myorigin"),
		    c[i].want);
		/* the mail name is a local domain too */
		if (strcmp(c[i].want, "h.example.net") == 0)
			ck_assert_int_ge(util_snprintf(dest, sizeof(dest),
			    "h.example.net, localhost.example.net, localhost"), 0);
		else
			ck_assert_int_ge(util_snprintf(dest, sizeof(dest),
			    "h.example.net, %s, localhost.example.net, localhost",
			    c[i].want), 0);
		ck_assert_msg(strcmp(conf_str("mydestination"), dest) == 0,
		    "case %zu: mydestination %s, want %s", i,
		    conf_str("mydestination"), dest);
	}
	ck_assert_int_eq(conf_set("mydestination", "$myhostname", &err), 0);
	ck_assert_str_eq(conf_str("mydestination"), "h.example.net");
	ck_assert_int_eq(conf_set("myorigin", "set.example", &err), 0);
	ck_assert_str_eq(conf_str("myorigin"), "set.example");
	str_free(&err);
}
END_TEST

/*
 * conf.h: "callers may keep the pointer for the program's life". Asking
 * for the same setting again, or for another that refers to it, must not
 * pull the string out from under an earlier caller.
 */
START_TEST(test_conf_str_pointer_stays_valid)
{
	struct str err = STR_INIT;
	const char *origin, *host;
	char *junk[64];
	size_t i;

	ck_assert_int_eq(conf_set("myhostname", "keep.example.org", &err), 0);
	origin = conf_str("myorigin");
	host = conf_str("myhostname");
	for (i = 0; i < 4; i++) {
		(void)conf_str("myorigin");
		(void)conf_str("myhostname");
		(void)conf_str("mydestination");
	}
	/* reuse any freed memory */
	for (i = 0; i < ARRAY_LEN(junk); i++) {
		junk[i] = xmalloc(32);
		memset(junk[i], '#', 31);
		junk[i][31] = '\0';
	}
	ck_assert_str_eq(origin, "keep.example.org");
	ck_assert_str_eq(host, "keep.example.org");
	for (i = 0; i < ARRAY_LEN(junk); i++)
		free(junk[i]);
	str_free(&err);
}
END_TEST

START_TEST(test_conf_accessor_unknown_name)
{
	(void)conf_str("no_such_setting");	/* a bug: panic, EX_SOFTWARE */
}
END_TEST

Suite *
core_suite(void)
{
	Suite *s = suite_create("core");
	TCase *tc;

	tc = tcase_create("str");
	tcase_add_loop_test(tc, test_str_cases, 0, ARRAY_LEN(str_cases));
	tcase_add_exit_test(tc, test_str_reserve_overflow, EX_SOFTWARE);
	suite_add_tcase(s, tc);

	tc = tcase_create("util");
	tcase_add_loop_test(tc, test_parse_long, 0, ARRAY_LEN(long_cases));
	tcase_add_test(tc, test_parse_long_null);
	tcase_add_loop_test(tc, test_parse_size, 0, ARRAY_LEN(size_cases));
	tcase_add_loop_test(tc, test_parse_time, 0, ARRAY_LEN(time_cases));
	tcase_add_loop_test(tc, test_strlcpy_snprintf, 0, ARRAY_LEN(copy_cases));
	tcase_add_loop_test(tc, test_has_ctl, 0, ARRAY_LEN(ctl_cases));
	tcase_add_test(tc, test_lowercase);
	tcase_add_test(tc, test_xalloc);
	tcase_add_exit_test(tc, test_xreallocarray_overflow, EX_SOFTWARE);
	tcase_add_test(tc, test_write_all_and_fsync_dir);
	tcase_add_loop_test(tc, test_rfc5322_date, 0, ARRAY_LEN(date_cases));
	suite_add_tcase(s, tc);

	tc = tcase_create("log");
	tcase_add_loop_test(tc, test_log_clean, 0, ARRAY_LEN(clean_cases));
	tcase_add_test(tc, test_log_clean_cap);
	tcase_add_test(tc, test_log_file_contents);
	suite_add_tcase(s, tc);

	tc = tcase_create("conf");
	tcase_add_checked_fixture(tc, conf_setup, conf_teardown);
	tcase_add_loop_test(tc, test_conf_ok, 0, ARRAY_LEN(conf_ok));
	tcase_add_loop_test(tc, test_conf_bad, 0, ARRAY_LEN(conf_bad));
	tcase_add_test(tc, test_conf_suggest);
	tcase_add_test(tc, test_conf_missing_file);
	tcase_add_test(tc, test_conf_typed);
	tcase_add_test(tc, test_conf_set_and_print);
	tcase_add_test(tc, test_conf_set_checked);
	tcase_add_test(tc, test_conf_str_pointer_stays_valid);
	tcase_add_test(tc, test_conf_mailname);
	suite_add_tcase(s, tc);

	/* no fixture: the process exits before a teardown could run */
	tc = tcase_create("conf-panic");
	tcase_add_exit_test(tc, test_conf_accessor_unknown_name, EX_SOFTWARE);
	suite_add_tcase(s, tc);
	return s;
}
