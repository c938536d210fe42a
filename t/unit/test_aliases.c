/*
 * test_aliases - Check suite for lib/deliver/aliases.c and aliases_parse.c
 *
 * Tables of named cases: files that parse (with their normalised
 * values), files that do not (with "file:line: message"), .forward-style
 * text for aliases_split, and alias_maps settings. Compilation and lookup
 * run in a private mkdtemp directory that is removed afterwards.
 */
#include "config.h"

#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "aliases.h"
#include "fixture.h"
#include "log.h"
#include "str.h"
#include "unit.h"
#include "util.h"

/* Files that parse: every alias as "LINE:name=value\n", in order. */
static const struct {
	const char	*name;
	const char	*in;
	const char	*want;
} parse_ok[] = {
	{ "simple", "root: bob\n", "1:root=bob\n" },
	{ "no final newline", "root: bob", "1:root=bob\n" },
	{ "several targets", "staff: alice, bob ,carol\n",
	  "1:staff=alice, bob, carol\n" },
	{ "tab after colon", "root:\tbob\n", "1:root=bob\n" },
	{ "space before colon", "root : bob\n", "1:root=bob\n" },
	{ "continuation", "staff: alice,\n  bob\n\tcarol\nroot: x\n",
	  "1:staff=alice, bob, carol\n4:root=x\n" },
	{ "continuation without commas", "staff: alice\n bob\n",
	  "1:staff=alice, bob\n" },
	{ "comment inside continuation", "staff: alice\n# gone\n  bob\n",
	  "1:staff=alice, bob\n" },
	{ "comments", "# header\n\n \t \n  # indented\nroot: bob\n#end",
	  "5:root=bob\n" },
	{ "names are case-insensitive", "Root: Bob\n", "1:root=Bob\n" },
	{ "quoted name", "\"Foo Bar\": x\n", "1:foo bar=x\n" },
	{ "quoted name with colon", "\"a:b\" : x\n", "1:a:b=x\n" },
	{ "quoted command", "prog: \"|/usr/bin/prog arg, x\"\n",
	  "1:prog=\"|/usr/bin/prog arg, x\"\n" },
	{ "unquoted command with blanks", "v: |/usr/bin/vacation bob\n",
	  "1:v=\"|/usr/bin/vacation bob\"\n" },
	{ "command", "p: |/bin/true, bob\n", "1:p=|/bin/true, bob\n" },
	{ "file", "log: /var/log/mail.archive\n",
	  "1:log=/var/log/mail.archive\n" },
	{ "quoted file with blank", "log: \"/var/log/my file\"\n",
	  "1:log=\"/var/log/my file\"\n" },
	{ "include", "list: :include:/etc/mail/list\n",
	  "1:list=:include:/etc/mail/list\n" },
	{ "include spelled loosely", "list: :INCLUDE: /etc/mail/list\n",
	  "1:list=:include:/etc/mail/list\n" },
	{ "backslash user", "bob: \\bob, bob@example.org\n",
	  "1:bob=\\bob, bob@example.org\n" },
	{ "quoted backslash user", "bob: \"\\bob\"\n", "1:bob=\\bob\n" },
	{ "owner list", "staff: alice, bob\nowner-staff: carol\n",
	  "1:staff=alice, bob\n2:owner-staff=carol\n" },
	{ "CRLF", "root: bob\r\nstaff: a,\r\n b\r\n",
	  "1:root=bob\n2:staff=a, b\n" },
	{ "CR at end of file", "root: bob\r", "1:root=bob\n" },
	{ "duplicates reach the callback", "root: a\nroot: b\n",
	  "1:root=a\n2:root=b\n" },
	{ "escaped quote", "q: \"a\\\"b\", \"c\\\\d\"\n",
	  "1:q=\"a\\\"b\", c\\d\n" },
	{ "empty targets skipped", "x: a,,b, ,\n", "1:x=a, b\n" },
	{ "hash target is quoted", "x: \"#foo\"\n", "1:x=\"#foo\"\n" },
	{ "eight-bit name", "j\xc3\xb6rg: bob\n", "1:j\xc3\xb6rg=bob\n" },
	{ "empty file", "", "" },
};

/* Files that do not parse, and the start of the message. */
static const struct {
	const char	*name;
	const char	*in;
	size_t		 len;		/* 0: strlen(in) */
	const char	*want;
} parse_err[] = {
	{ "missing colon", "root: bob\nfoo\n", 0, "f:2: missing colon" },
	{ "missing colon after quoted name", "\"a\" b: c\n", 0,
	  "f:1: missing colon" },
	{ "empty name", "root: bob\n: bob\n", 0, "f:2: empty alias name" },
	{ "empty quoted name", "\"\": bob\n", 0, "f:1: empty alias name" },
	{ "empty value", "root:\n", 0, "f:1: no targets for alias \"root\"" },
	{ "only commas", "a: b\nroot: ,\n , \nx: y\n", 0, "f:2: no targets" },
	{ "empty value at end", "a: b\n\nroot:\n# x\n", 0, "f:3: no targets" },
	{ "unterminated quote", "a: b\nroot: \"|prog\n", 0,
	  "f:2: unterminated quote" },
	{ "unterminated quote on continuation", "a: b,\n  \"c\n", 0,
	  "f:2: unterminated quote" },
	{ "unterminated quote in name", "\"root: x\n", 0,
	  "f:1: unterminated quote in alias name" },
	{ "NUL byte", "a: b\nro\0ot: x\n", 15, "f:2: NUL byte" },
	{ "NUL in comment", "a: b\n# \0\n", 9, "f:2: NUL byte" },
	{ "white space in name", "foo bar: x\n", 0,
	  "f:1: white space in alias name" },
	{ "white space in address", "a: b\nc: alice bob\n", 0,
	  "f:2: white space in an address" },
	{ "trailing comment", "root: bob # admin\n", 0,
	  "f:1: white space in an address" },
	{ "white space in file", "a: /tmp/x y\n", 0,
	  "f:1: white space in a file name" },
	{ "continuation first", " bob\n", 0,
	  "f:1: continuation line without an alias" },
	{ "control character", "a: b\x01" "c\n", 0,
	  "f:1: control character in target" },
	{ "lone CR", "a: b\rc\n", 0, "f:1: control character" },
	{ "control in name", "a\x02: b\n", 0,
	  "f:1: control character in alias name" },
	{ "relative include", "a: :include:list\n", 0,
	  "f:1: :include: needs an absolute path" },
	{ "include without file", "a: :include:\n", 0,
	  "f:1: :include: without a file name" },
	{ "empty command", "a: |\n", 0, "f:1: empty command" },
	{ "unknown colon form", "a: :foo\n", 0, "f:1: unknown target form" },
	{ "lone backslash", "a: \\\n", 0, "f:1: empty user name" },
	{ "malformed address", "a: bob@\n", 0, "f:1: malformed address" },
};

/* .forward and :include: text, and normalised values, split up. */
static const struct {
	const char	*name;
	const char	*in;
	int		 count;		/* -1: error */
	const char	*want;		/* targets joined by '|', or error */
} split_cases[] = {
	{ "normalised value", "alice, \"|/usr/bin/prog arg, x\", \\bob", 3,
	  "alice||/usr/bin/prog arg, x|\\bob" },
	{ "forward file",
	  "# my .forward\n\\bob\n\"|/usr/bin/vacation bob\"\n"
	  "alice@example.com, carol\n", 4,
	  "\\bob||/usr/bin/vacation bob|alice@example.com|carol" },
	{ "forward with CRLF", "\\bob\r\nalice\r\n", 2, "\\bob|alice" },
	{ "include file", "bob\n\n  # c\n carol ,dave\n", 3,
	  "bob|carol|dave" },
	{ "escapes", "\"a\\\"b\", \"c\\\\d\"", 2, "a\"b|c\\d" },
	{ "include target", ":include:/etc/list, /var/log/x", 2,
	  ":include:/etc/list|/var/log/x" },
	{ "empty", "", 0, "" },
	{ "comments only", "# nothing\n  # here\n\n", 0, "" },
	{ "unterminated", "\"unterminated", -1, "line 1: unterminated quote" },
	{ "blank inside address", "a\n b c\n", -1, "line 2: white space" },
	{ "control character", "a\x01", -1, "line 1: control character" },
};

/* alias_maps settings and the source path they name. */
static const struct {
	const char	*name;
	const char	*in;
	int		 rc;
	const char	*want;
} map_cases[] = {
	{ "plain path", "/etc/aliases", 1, "/etc/aliases" },
	{ "hash prefix", "hash:/etc/aliases", 1, "/etc/aliases" },
	{ "cdb prefix", " cdb:/etc/mail/aliases ", 1, "/etc/mail/aliases" },
	{ "empty", "", 0, "" },
	{ "blank", "  ", 0, "" },
	{ "other type", "nis:mail.aliases", -1, "unsupported map type" },
	{ "relative", "aliases", -1, "not an absolute path" },
	{ "two maps", "hash:/etc/aliases, hash:/etc/more", -1,
	  "only one aliases file" },
};

/* collect_cb - record every alias the parser hands over */
static int
collect_cb(const char *name, const char *value, int lineno, void *arg)
{
	str_printf(arg, "%d:%s=%s\n", lineno, name, value);
	return 0;
}

/* refuse_cb - fail on the alias named "b" */
static int
refuse_cb(const char *name, const char *value, int lineno, void *arg)
{
	(void)value;
	(void)lineno;
	(*(int *)arg)++;
	return strcmp(name, "b") == 0 ? -1 : 0;
}

/* quiet - no syslog traffic from the tests */
static void
quiet(void)
{
	fixture_quiet("test_aliases");
}

/* write_file - create or replace a small file */
static void
write_file(const char *path, const char *data, size_t len)
{
	int fd;

	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	ck_assert_msg(fd >= 0, "open %s: %s", path, strerror(errno));
	ck_assert_int_eq(util_write_all(fd, data, len), 0);
	ck_assert_int_eq(close(fd), 0);
}

/* make_dir - a private scratch directory */
static char *
make_dir(void)
{
	const char *tmp = getenv("TMPDIR");
	char *dir;

	dir = xasprintf("%s/test_aliases.XXXXXX", tmp && *tmp ? tmp : "/tmp");
	ck_assert_msg(mkdtemp(dir) != NULL, "mkdtemp: %s", strerror(errno));
	return dir;
}

/* count_entries - files in a directory, and remove them if asked */
static int
count_entries(const char *dir, int remove)
{
	DIR *d;
	struct dirent *de;
	char *p;
	int n = 0;

	ck_assert((d = opendir(dir)) != NULL);
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		n++;
		if (remove) {
			p = xasprintf("%s/%s", dir, de->d_name);
			if (unlink(p) < 0)
				rmdir(p);
			free(p);
		}
	}
	closedir(d);
	if (remove)
		rmdir(dir);
	return n;
}

/* test_parse_ok - each good file, its values split and reparse unchanged */
START_TEST(test_parse_ok)
{
	struct str got = STR_INIT, err = STR_INIT, again = STR_INIT;
	struct str line = STR_INIT;
	const char *p, *eq, *nl;
	char **v;
	int rc;

	rc = aliases_parse(parse_ok[_i].in, strlen(parse_ok[_i].in), "f",
	    collect_cb, &got, &err);
	ck_assert_msg(rc == 0, "%s: %s", parse_ok[_i].name, str_c(&err));
	ck_assert_msg(strcmp(str_c(&got), parse_ok[_i].want) == 0,
	    "%s: got \"%s\" want \"%s\"", parse_ok[_i].name, str_c(&got),
	    parse_ok[_i].want);

	/* Every value splits, and parsing it again changes nothing. */
	for (p = str_c(&got); (eq = strchr(p, '=')) != NULL; p = nl + 1) {
		nl = strchr(eq, '\n');
		str_reset(&line);
		str_appends(&line, "x: ");
		str_append(&line, eq + 1, (size_t)(nl - eq - 1));
		ck_assert_msg(aliases_split(line.s + 3, &v, &err) > 0,
		    "%s: split: %s", parse_ok[_i].name, str_c(&err));
		aliases_free(v);
		str_reset(&again);
		ck_assert_int_eq(aliases_parse(line.s, line.len, "f",
		    collect_cb, &again, &err), 0);
		ck_assert_msg(strncmp(again.s + 4, line.s + 3,
		    line.len - 3) == 0, "%s: not idempotent: %s",
		    parse_ok[_i].name, again.s);
	}
	str_free(&got);
	str_free(&err);
	str_free(&again);
	str_free(&line);
}
END_TEST

/* test_parse_err - each bad file fails with "f:LINE: message" */
START_TEST(test_parse_err)
{
	struct str got = STR_INIT, err = STR_INIT;
	size_t len = parse_err[_i].len ? parse_err[_i].len :
	    strlen(parse_err[_i].in);
	size_t wl = strlen(parse_err[_i].want);

	ck_assert_msg(aliases_parse(parse_err[_i].in, len, "f", collect_cb,
	    &got, &err) == -1, "%s: parsed", parse_err[_i].name);
	ck_assert_msg(strncmp(str_c(&err), parse_err[_i].want, wl) == 0,
	    "%s: got \"%s\" want \"%s\"", parse_err[_i].name, str_c(&err),
	    parse_err[_i].want);
	str_free(&got);
	str_free(&err);
}
END_TEST

/* test_split - .forward-style text and normalised values */
START_TEST(test_split)
{
	struct str got = STR_INIT, err = STR_INIT;
	char **v = NULL;
	int i, n;

	n = aliases_split(split_cases[_i].in, &v, &err);
	ck_assert_msg(n == split_cases[_i].count, "%s: count %d want %d (%s)",
	    split_cases[_i].name, n, split_cases[_i].count, str_c(&err));
	if (n < 0) {
		ck_assert(v == NULL);
		ck_assert_msg(strncmp(str_c(&err), split_cases[_i].want,
		    strlen(split_cases[_i].want)) == 0, "%s: got \"%s\"",
		    split_cases[_i].name, str_c(&err));
	} else {
		for (i = 0; i < n; i++)
			str_printf(&got, "%s%s", i ? "|" : "", v[i]);
		ck_assert(v[n] == NULL);
		ck_assert_msg(strcmp(str_c(&got), split_cases[_i].want) == 0,
		    "%s: got \"%s\"", split_cases[_i].name, str_c(&got));
		aliases_free(v);
	}
	str_free(&got);
	str_free(&err);
}
END_TEST

/*
 * split_file_cases - a user's file: each target's line, and errors that
 * name the line but never quote the file's text.
 */
static const struct {
	const char *name, *in, *want;	/* want: "target@line|..." or the error */
	int count;
} split_file_cases[] = {
	{ "lines", "# c\nalice, bob\n\n  \\carol\n|cmd x\n", "alice@2|bob@2|\\carol@4||cmd x@5", 4 },
	{ "crlf", "a\r\nb\r\n", "a@1|b@2", 2 },
	{ "empty", "", "", 0 },
	{ "bad target not quoted", "ok\nsecret words here\n",
	    "line 2: white space", -1 },
	{ "unclosed quote", "x\n\"secret\n", "line 2: unterminated quote", -1 },
};

/* test_split_file - aliases_split_file */
START_TEST(test_split_file)
{
	struct str got = STR_INIT, err = STR_INIT;
	char **v = NULL;
	int *lines = NULL, i, n;

	n = aliases_split_file(split_file_cases[_i].in, &v, &lines, &err);
	ck_assert_msg(n == split_file_cases[_i].count, "%s: count %d (%s)",
	    split_file_cases[_i].name, n, str_c(&err));
	if (n < 0) {
		ck_assert(v == NULL && lines == NULL);
		ck_assert_msg(strncmp(str_c(&err), split_file_cases[_i].want,
		    strlen(split_file_cases[_i].want)) == 0, "%s: got \"%s\"",
		    split_file_cases[_i].name, str_c(&err));
		ck_assert_msg(strstr(str_c(&err), "secret") == NULL,
		    "%s: the error quotes the file: %s", split_file_cases[_i].name,
		    str_c(&err));
	} else {
		for (i = 0; i < n; i++)
			str_printf(&got, "%s%s@%d", i ? "|" : "", v[i], lines[i]);
		ck_assert_msg(strcmp(str_c(&got), split_file_cases[_i].want) == 0,
		    "%s: got \"%s\"", split_file_cases[_i].name, str_c(&got));
		aliases_free(v);
		free(lines);
	}
	str_free(&got);
	str_free(&err);
}
END_TEST

/* test_map_path - the alias_maps setting to a source path */
START_TEST(test_map_path)
{
	struct str path = STR_INIT, err = STR_INIT;
	int rc;

	rc = aliases_map_path(map_cases[_i].in, &path, &err);
	ck_assert_msg(rc == map_cases[_i].rc, "%s: rc %d", map_cases[_i].name,
	    rc);
	if (rc > 0)
		ck_assert_str_eq(str_c(&path), map_cases[_i].want);
	else if (rc < 0)
		ck_assert_msg(strstr(str_c(&err), map_cases[_i].want) != NULL,
		    "%s: got \"%s\"", map_cases[_i].name, str_c(&err));
	str_free(&path);
	str_free(&err);
}
END_TEST

/* test_duplicate_warning - duplicates are logged with file:line */
START_TEST(test_duplicate_warning)
{
	struct str got = STR_INIT, err = STR_INIT;
	char *dir = make_dir(), *log = xasprintf("%s/log", dir);
	char buf[4096];
	ssize_t n;
	int fd;

	log_set_file(log);
	ck_assert_int_eq(aliases_parse("root: a\nx: y\nROOT: b\n", 21, "f",
	    collect_cb, &got, &err), 0);
	log_set_file("/dev/null");
	ck_assert((fd = open(log, O_RDONLY)) >= 0);
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	ck_assert(n > 0);
	buf[n] = '\0';
	ck_assert_msg(strstr(buf, "warning: f:3: duplicate alias name \"root\""
	    " (also on line 1)") != NULL, "log: %s", buf);
	count_entries(dir, 1);
	free(log);
	free(dir);
	str_free(&got);
	str_free(&err);
}
END_TEST

/* test_callback_aborts - a callback returning -1 stops the parse */
START_TEST(test_callback_aborts)
{
	struct str err = STR_INIT;
	int calls = 0;

	ck_assert_int_eq(aliases_parse("a: x\nb: y\nc: z\n", 15, "f",
	    refuse_cb, &calls, &err), -1);
	ck_assert_int_eq(calls, 2);
	ck_assert_str_eq(str_c(&err), "f:2: alias \"b\" rejected");
	str_free(&err);
}
END_TEST

/* test_limits - line and name lengths at and over the limits */
START_TEST(test_limits)
{
	struct str in = STR_INIT, err = STR_INIT;
	size_t i;

	/* A line of exactly ALIASES_MAX_LINE bytes (CRLF not counted). */
	str_appends(&in, "a: ");
	for (i = 3; i < ALIASES_MAX_LINE; i++)
		str_appendc(&in, 'b');
	str_appends(&in, "\r\n");
	ck_assert_int_eq(aliases_parse(in.s, in.len, "f", NULL, NULL, &err),
	    0);
	str_truncate(&in, in.len - 2);
	str_appends(&in, "b\n");
	ck_assert_int_eq(aliases_parse(in.s, in.len, "f", NULL, NULL, &err),
	    -1);
	ck_assert_str_eq(str_c(&err), "f:1: line longer than 65536 bytes");

	/* A 1 MB line of nothing but a comment, after a good line. */
	str_set(&in, "a: b\n#");
	for (i = 0; i < 1024 * 1024; i++)
		str_appendc(&in, 'x');
	str_reset(&err);
	ck_assert_int_eq(aliases_parse(in.s, in.len, "f", NULL, NULL, &err),
	    -1);
	ck_assert_str_eq(str_c(&err), "f:2: line longer than 65536 bytes");

	/* Names of 256 bytes are fine, 257 are not. */
	str_reset(&in);
	for (i = 0; i < ALIASES_MAX_NAME; i++)
		str_appendc(&in, 'n');
	str_appends(&in, ": x\n");
	str_reset(&err);
	ck_assert_int_eq(aliases_parse(in.s, in.len, "f", NULL, NULL, &err),
	    0);
	str_set(&in, "n");
	for (i = 0; i < ALIASES_MAX_NAME; i++)
		str_appendc(&in, 'n');
	str_appends(&in, ": x\n");
	ck_assert_int_eq(aliases_parse(in.s, in.len, "f", NULL, NULL, &err),
	    -1);
	ck_assert_str_eq(str_c(&err), "f:1: alias name longer than 256 bytes");
	str_free(&in);
	str_free(&err);
}
END_TEST

/* test_compile_lookup - newaliases and delivery lookups, round trip */
START_TEST(test_compile_lookup)
{
	static const char text[] =
	    "# test aliases\n"
	    "postmaster: root\n"
	    "Root: \\root, admin@example.org\n"
	    "staff: alice,\n"
	    "\tbob, \"|/usr/bin/archive staff\"\n"
	    "owner-staff: alice\n"
	    "list: :include:/etc/mail/list\n"
	    "root: \\root\n";
	struct aliases_stats st;
	enum aliases_fail why;
	struct str err = STR_INIT, val = STR_INIT;
	char *dir = make_dir(), *src, *cdb;
	struct stat sb;
	long long total;

	src = xasprintf("%s/aliases", dir);
	cdb = xasprintf("%s/aliases.cdb", dir);
	write_file(src, text, sizeof(text) - 1);

	/* Before newaliases: the source exists, the database does not. */
	ck_assert_int_eq(aliases_lookup(cdb, "root", &val, &err), -1);
	ck_assert_msg(strstr(str_c(&err), "run newaliases") != NULL, "%s",
	    str_c(&err));
	str_reset(&err);

	ck_assert_msg(aliases_compile(src, &st, &why, &err) == 0, "%s",
	    str_c(&err));
	ck_assert_int_eq(st.entries, 5);
	ck_assert_int_eq(st.longest,
	    (long)strlen("alice, bob, \"|/usr/bin/archive staff\""));
	total = strlen("postmaster" "root") + strlen("root" "\\root") +
	    strlen("staff" "alice, bob, \"|/usr/bin/archive staff\"") +
	    strlen("owner-staff" "alice") +
	    strlen("list" ":include:/etc/mail/list");
	ck_assert_int_eq(st.total, total);
	ck_assert_int_eq(stat(cdb, &sb), 0);
	ck_assert_int_eq(sb.st_mode & 07777, 0644);
	ck_assert_int_eq(count_entries(dir, 0), 2);	/* no temporaries */

	ck_assert_int_eq(aliases_lookup(cdb, "ROOT", &val, &err), 1);
	ck_assert_str_eq(str_c(&val), "\\root");	/* the last one */
	ck_assert_int_eq(aliases_lookup(cdb, "staff", &val, &err), 1);
	ck_assert_str_eq(str_c(&val),
	    "alice, bob, \"|/usr/bin/archive staff\"");
	ck_assert_int_eq(aliases_lookup(cdb, "owner-staff", &val, &err), 1);
	ck_assert_str_eq(str_c(&val), "alice");
	ck_assert_int_eq(aliases_lookup(cdb, "nobody", &val, &err), 0);
	ck_assert_int_eq(aliases_lookup(cdb, "", &val, &err), 0);

	/* A database that is not one is an error, not "absent". */
	write_file(cdb, "garbage", 7);
	ck_assert_int_eq(aliases_lookup(cdb, "root", &val, &err), -1);

	/* Neither file: no aliases at all. */
	count_entries(dir, 1);
	str_reset(&err);
	ck_assert_int_eq(aliases_lookup(cdb, "root", &val, &err), 0);
	ck_assert_int_eq(aliases_compile(src, &st, &why, &err), -1);
	ck_assert_int_eq(why, ALIASES_NOINPUT);
	free(src);
	free(cdb);
	free(dir);
	str_free(&err);
	str_free(&val);
}
END_TEST

/* test_atomic_replace - failures keep the old database, leave no debris */
START_TEST(test_atomic_replace)
{
	struct aliases_stats st;
	enum aliases_fail why;
	struct str err = STR_INIT, val = STR_INIT;
	char *dir = make_dir(), *src, *cdb, *keep;
	struct stat before, after;

	src = xasprintf("%s/aliases", dir);
	cdb = xasprintf("%s/aliases.cdb", dir);
	write_file(src, "root: old\n", 10);
	ck_assert_int_eq(aliases_compile(src, &st, &why, &err), 0);
	ck_assert_int_eq(stat(cdb, &before), 0);

	/* A syntax error keeps the old database and leaves no debris. */
	write_file(src, "root: new\nbroken\n", 17);
	ck_assert_int_eq(aliases_compile(src, &st, &why, &err), -1);
	ck_assert_int_eq(why, ALIASES_BADINPUT);
	ck_assert_msg(strstr(str_c(&err), "/aliases:2: missing colon") != NULL,
	    "%s", str_c(&err));
	ck_assert_int_eq(stat(cdb, &after), 0);
	ck_assert(before.st_ino == after.st_ino);
	ck_assert_int_eq(aliases_lookup(cdb, "root", &val, &err), 1);
	ck_assert_str_eq(str_c(&val), "old");
	ck_assert_int_eq(count_entries(dir, 0), 2);

	/* A good file replaces it with a new inode. */
	write_file(src, "root: new\n", 10);
	ck_assert_int_eq(aliases_compile(src, &st, &why, &err), 0);
	ck_assert_int_eq(aliases_lookup(cdb, "root", &val, &err), 1);
	ck_assert_str_eq(str_c(&val), "new");

	/* The rename fails: the temporary goes away again. */
	ck_assert_int_eq(unlink(cdb), 0);
	ck_assert_int_eq(mkdir(cdb, 0755), 0);
	keep = xasprintf("%s/keep", cdb);
	write_file(keep, "", 0);
	free(keep);
	str_reset(&err);
	ck_assert_int_eq(aliases_compile(src, &st, &why, &err), -1);
	ck_assert_int_eq(why, ALIASES_CANTCREATE);
	ck_assert_int_eq(count_entries(dir, 0), 2);

	/* Not a regular file; a file over the limit (sparse). */
	ck_assert_int_eq(aliases_compile(dir, &st, &why, &err), -1);
	ck_assert_int_eq(why, ALIASES_BADINPUT);
	ck_assert_int_eq(truncate(src, ALIASES_MAX_FILE + 1), 0);
	str_reset(&err);
	ck_assert_int_eq(aliases_compile(src, &st, &why, &err), -1);
	ck_assert_int_eq(why, ALIASES_BADINPUT);
	ck_assert_msg(strstr(str_c(&err), "larger than") != NULL, "%s",
	    str_c(&err));
	count_entries(cdb, 1);
	count_entries(dir, 1);
	free(src);
	free(cdb);
	free(dir);
	str_free(&err);
	str_free(&val);
}
END_TEST

/* aliases_suite - everything above */
Suite *
aliases_suite(void)
{
	Suite *s = suite_create("aliases");
	TCase *tc;

	tc = tcase_create("parse");
	tcase_add_checked_fixture(tc, quiet, NULL);
	tcase_add_loop_test(tc, test_parse_ok, 0, (int)ARRAY_LEN(parse_ok));
	tcase_add_loop_test(tc, test_parse_err, 0, (int)ARRAY_LEN(parse_err));
	tcase_add_test(tc, test_duplicate_warning);
	tcase_add_test(tc, test_callback_aborts);
	tcase_add_test(tc, test_limits);
	suite_add_tcase(s, tc);

	tc = tcase_create("split");
	tcase_add_checked_fixture(tc, quiet, NULL);
	tcase_add_loop_test(tc, test_split_file, 0, (int)ARRAY_LEN(split_file_cases));
	tcase_add_loop_test(tc, test_split, 0, (int)ARRAY_LEN(split_cases));
	tcase_add_loop_test(tc, test_map_path, 0, (int)ARRAY_LEN(map_cases));
	suite_add_tcase(s, tc);

	tc = tcase_create("cdb");
	tcase_add_checked_fixture(tc, quiet, NULL);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_compile_lookup);
	tcase_add_test(tc, test_atomic_replace);
	suite_add_tcase(s, tc);
	return s;
}
