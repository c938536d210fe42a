/*
 * test_spool - Check suite for spool/: queue IDs, the envelope format,
 * maildrop entries, spool_write_file, queue entries and pickup
 *
 * Tables of named cases: envelopes that must survive env_format and
 * env_parse unchanged, malformed envelope texts with the reason given,
 * bad maildrop entries, and bad maildrop files for pickup. Everything
 * that touches files runs in a private spool made with mkdtemp and
 * spool_create_tree, removed again by the fixture.
 */
#include "config.h"

#include <sys/file.h>
#include <sys/stat.h>

#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "spool.h"
#include "str.h"
#include "unit.h"
#include "util.h"

#define ID1	"65A1B2C30ABCD00123400"	/* hashes to D */
#define ID2	"65A1B2C30ABC100123401"	/* hashes to 1 */
#define ID3	"65A1B2C40000000123402"	/* hashes to 0 */

static char spool[64];

/* rm_one - nftw callback: remove whatever is there */
static int
rm_one(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	if (type == FTW_DP)
		return rmdir(path);
	return unlink(path);
}

static void
spool_fixture_setup(void)
{
	struct str err = STR_INIT;

	ck_assert_int_ge(util_snprintf(spool, sizeof(spool), "/tmp/ph-unit-XXXXXX"), 0);
	ck_assert_ptr_nonnull(mkdtemp(spool));
	spool_setup(spool);
	ck_assert_msg(spool_create_tree(getuid(), getgid(), getgid(), 0, &err) == 0,
	    "%s", str_c(&err));
	ck_assert_int_eq(spool_check_tree(&err), 0);
	str_free(&err);
}

static void
spool_fixture_teardown(void)
{
	nftw(spool, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* read_file - the whole contents of a file, or -1 */
static int
read_file(const char *path, struct str *out)
{
	char buf[65536];
	ssize_t n;
	int fd;

	str_reset(out);
	if ((fd = open(path, O_RDONLY)) < 0)
		return -1;
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		str_append(out, buf, (size_t)n);
	close(fd);
	return n < 0 ? -1 : 0;
}

/* write_file - create path with the given contents */
static void
write_file(const char *path, const char *data, size_t len)
{
	int fd;

	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	ck_assert_msg(fd >= 0, "create %s: %s", path, strerror(errno));
	ck_assert_int_eq(util_write_all(fd, data, len), 0);
	close(fd);
}

/* spool_file - "<spool>/<sub>/<name>" */
static const char *
spool_file(struct str *p, const char *sub, const char *name)
{
	str_reset(p);
	str_printf(p, "%s/%s/%s", spool, sub, name);
	return p->s;
}

/* count_hidden - temporary files ("."-names) left in a spool directory */
static int
count_hidden(const char *sub)
{
	struct str path = STR_INIT;
	struct dirent *de;
	DIR *d;
	int hidden = 0;

	str_printf(&path, "%s/%s", spool, sub);
	d = opendir(path.s);
	ck_assert_ptr_nonnull(d);
	while ((de = readdir(d)) != NULL)
		if (de->d_name[0] == '.' && strcmp(de->d_name, ".") != 0 &&
		    strcmp(de->d_name, "..") != 0)
			hidden++;
	closedir(d);
	str_free(&path);
	return hidden;
}

/* fill_env - a typical envelope */
static void
fill_env(struct envelope *env, const char *id)
{
	struct rcpt *r;

	env_init(env);
	memcpy(env->id, id, SPOOL_ID_LEN + 1);
	env->arrival = 1700000000;
	env->arrival_usec = 123456;
	env->sender = xstrdup("alice@example.org");
	env->uid = 1000;
	r = env_add_rcpt(env, "bob@example.net", NULL, 0);
	(void)r;
}

/* env_same - compare two envelopes field by field */
static void
env_same(const char *name, const struct envelope *a, const struct envelope *b)
{
	size_t i;

#define SAME_STR(x, y) ((x) == NULL ? ((y) == NULL || *(y) == '\0') : \
	    ((y) != NULL && strcmp((x), (y)) == 0) || (*(x) == '\0' && (y) == NULL))
	ck_assert_msg(strcmp(a->id, b->id) == 0, "%s: id", name);
	ck_assert_msg(a->arrival == b->arrival && a->arrival_usec == b->arrival_usec,
	    "%s: arrival", name);
	ck_assert_msg(SAME_STR(a->sender, b->sender), "%s: sender \"%s\"", name,
	    b->sender ? b->sender : "(null)");
	ck_assert_msg((a->fullname == NULL) == (b->fullname == NULL) &&
	    SAME_STR(a->fullname, b->fullname), "%s: fullname \"%s\"", name,
	    b->fullname ? b->fullname : "(null)");
	ck_assert_msg(a->uid == b->uid && a->ret == b->ret, "%s: uid/ret", name);
	ck_assert_msg(SAME_STR(a->envid, b->envid), "%s: envid \"%s\"", name,
	    b->envid ? b->envid : "(null)");
	ck_assert_msg(a->size == b->size && a->attempts == b->attempts &&
	    a->next_attempt == b->next_attempt && a->last_attempt == b->last_attempt &&
	    a->warned == b->warned, "%s: counters", name);
	ck_assert_msg(a->body8bit == b->body8bit && a->smtputf8 == b->smtputf8,
	    "%s: 8-bit / SMTPUTF8 flags", name);
	ck_assert_msg(a->nrcpt == b->nrcpt, "%s: %zu recipients, want %zu", name,
	    b->nrcpt, a->nrcpt);
	for (i = 0; i < a->nrcpt; i++) {
		const struct rcpt *x = &a->rcpt[i], *y = &b->rcpt[i];

		ck_assert_msg(strcmp(x->addr, y->addr) == 0, "%s: rcpt %zu addr", name, i);
		ck_assert_msg(SAME_STR(x->orcpt, y->orcpt), "%s: rcpt %zu orcpt", name, i);
		ck_assert_msg(x->state == y->state && x->notify == y->notify &&
		    x->reported == y->reported, "%s: rcpt %zu flags", name, i);
		ck_assert_msg(strcmp(x->dsn, y->dsn) == 0, "%s: rcpt %zu dsn", name, i);
		ck_assert_msg(SAME_STR(x->reason, y->reason), "%s: rcpt %zu reason \"%s\"",
		    name, i, y->reason ? y->reason : "(null)");
	}
#undef SAME_STR
}

/* ---- queue IDs ------------------------------------------------------------ */

START_TEST(test_id_new)
{
	char prev[SPOOL_ID_LEN + 1] = "", id[SPOOL_ID_LEN + 1];
	time_t sec;
	long usec;
	int i;

	for (i = 0; i < 1000; i++) {
		ck_assert_int_eq(spool_id_new(id, sizeof(id), &sec, &usec), 0);
		ck_assert_msg(spool_id_valid(id), "invalid new ID %s", id);
		ck_assert_msg(strcmp(prev, id) < 0, "IDs not increasing: %s then %s", prev, id);
		ck_assert(usec >= 0 && usec < 1000000);
		memcpy(prev, id, sizeof(id));
	}
	ck_assert_int_eq(spool_id_new(id, SPOOL_ID_LEN, NULL, NULL), -1);
}
END_TEST

static const struct {
	const char	*name;
	const char	*id;
	int		 want;
} id_cases[] = {
	{ "valid", ID1, 1 },
	{ "all digits", "012345678901234567890", 1 },
	{ "lower-case hex", "65a1b2c30abcd00123400", 0 },
	{ "too short", "65A1B2C30ABCD0012340", 0 },
	{ "too long", "65A1B2C30ABCD001234000", 0 },
	{ "with suffix", ID1 ".env", 0 },
	{ "not hex", "65A1B2C30ABCD0012340G", 0 },
	{ "path", "../../../../etc/passwd", 0 },
	{ "empty", "", 0 },
};

START_TEST(test_id_valid)
{
	ck_assert_msg(spool_id_valid(id_cases[_i].id) == id_cases[_i].want, "%s",
	    id_cases[_i].name);
}
END_TEST

START_TEST(test_path)
{
	struct str p = STR_INIT;

	spool_setup("/sp");
	ck_assert_int_eq(spool_path(&p, "queue", ID1, ".env"), 0);
	ck_assert_str_eq(p.s, "/sp/queue/D/" ID1 ".env");
	ck_assert_int_eq(spool_path(&p, "maildrop", ID1, NULL), 0);
	ck_assert_str_eq(p.s, "/sp/maildrop/" ID1);
	ck_assert_int_eq(spool_path(&p, "corrupt", NULL, NULL), 0);
	ck_assert_str_eq(p.s, "/sp/corrupt");
	ck_assert_int_eq(spool_path(&p, "queue", "../x", ".env"), -1);
	ck_assert_int_eq(spool_hash(ID2), '1');
	str_free(&p);
}
END_TEST

/* ---- envelope format -------------------------------------------------------- */

/* Each case fills in (what is formatted) and want (what must parse back). */
static void
rt_minimal(struct envelope *in, struct envelope *want)
{
	fill_env(in, ID1);
	fill_env(want, ID1);
}

static void
rt_null_sender(struct envelope *in, struct envelope *want)
{
	fill_env(in, ID1);
	free(in->sender);
	in->sender = xstrdup("");
	fill_env(want, ID1);
	free(want->sender);
	want->sender = xstrdup("");
}

static void
rt_all_fields(struct envelope *in, struct envelope *want)
{
	struct envelope *e[2] = { in, want };
	struct rcpt *r;
	int i;

	for (i = 0; i < 2; i++) {
		fill_env(e[i], ID2);
		e[i]->fullname = xstrdup("Alice \xc3\x84xample, Room 1");
		e[i]->envid = xstrdup("QQ314159+2B");
		e[i]->ret = RET_HDRS;
		e[i]->size = 123456;
		e[i]->attempts = 3;
		e[i]->next_attempt = 1700003600;
		e[i]->last_attempt = 1700000600;
		e[i]->warned = 1;
		r = env_add_rcpt(e[i], "carol@example.com", "rfc822;Carol@Example.COM",
		    NOTIFY_SUCCESS | NOTIFY_FAILURE | NOTIFY_DELAY);
		r->state = RCPT_SENT;
		r->reported = 1;
		env_set_reason(r, "2.0.0", "250 2.0.0 Ok: queued as 12345");
		r = env_add_rcpt(e[i], "dave@example.com", NULL, NOTIFY_NEVER);
		r->state = RCPT_FAILED;
		env_set_reason(r, "5.1.1", "550 5.1.1 <dave@example.com>: no such user");
		r = env_add_rcpt(e[i], "erin@example.com", NULL, 0xf);
		env_set_reason(r, "4.4.1", "connect to mx.example.com[192.0.2.1]:25: timed out");
	}
}

/* 64-bit numbers: times after January 2038, sizes over 2 GiB, a uid over
 * 2^31; and the 8BITMIME / SMTPUTF8 flags */
static void
rt_wide_numbers(struct envelope *in, struct envelope *want)
{
	struct envelope *e[2] = { in, want };
	int i;

	for (i = 0; i < 2; i++) {
		fill_env(e[i], ID2);
		e[i]->arrival = (time_t)4102444800LL;		/* 2100-01-01 */
		e[i]->next_attempt = (time_t)2147483648LL;	/* 2038-01-19 03:14:08 */
		e[i]->last_attempt = (time_t)253402300799LL;	/* 9999-12-31 */
		e[i]->size = 5LL * 1024 * 1024 * 1024;		/* 5 GiB */
		e[i]->uid = 4000000000L;
		e[i]->body8bit = 1;
		e[i]->smtputf8 = 1;
	}
}

static void
rt_many_recipients(struct envelope *in, struct envelope *want)
{
	struct envelope *e[2] = { in, want };
	char addr[64];
	int i, j;

	for (i = 0; i < 2; i++) {
		fill_env(e[i], ID1);
		for (j = 0; j < 500; j++) {
			ck_assert_int_ge(util_snprintf(addr, sizeof(addr), "user%d@example.com", j), 0);
			env_add_rcpt(e[i], addr, NULL, j & 0xf);
		}
	}
}

static void
rt_reason_controls(struct envelope *in, struct envelope *want)
{
	fill_env(in, ID1);
	env_set_reason(&in->rcpt[0], "4.0.0", "line one\r\nline\ttwo\x7f");
	fill_env(want, ID1);
	env_set_reason(&want->rcpt[0], "4.0.0", "line one  line two ");
}

static void
rt_long_reason(struct envelope *in, struct envelope *want)
{
	char big[3000];

	memset(big, 'r', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	fill_env(in, ID1);
	env_set_reason(&in->rcpt[0], "4.0.0", big);
	big[SPOOL_FIELD_MAX] = '\0';
	fill_env(want, ID1);
	env_set_reason(&want->rcpt[0], "4.0.0", big);
}

static void
rt_bad_dsn(struct envelope *in, struct envelope *want)
{
	fill_env(in, ID1);
	env_set_reason(&in->rcpt[0], "5.1.1.1.1.1.1.1.1", "x");
	fill_env(want, ID1);
	env_set_reason(&want->rcpt[0], "", "x");
}

/* Text from -F and -V must not break the record format. */
static void
rt_fullname_newline(struct envelope *in, struct envelope *want)
{
	fill_env(in, ID1);
	in->fullname = xstrdup("Mallory\nRP00\tevil@example.com\t\t\t");
	in->envid = xstrdup("id\nRP00\tevil2@example.com\t\t\t");
	fill_env(want, ID1);
	want->fullname = xstrdup("Mallory RP00 evil@example.com   ");
	want->envid = xstrdup("id RP00 evil2@example.com   ");
}

static void
rt_empty_fullname(struct envelope *in, struct envelope *want)
{
	fill_env(in, ID1);
	in->fullname = xstrdup("");
	fill_env(want, ID1);
	want->fullname = xstrdup("");
}

/* env_init's defaults (no uid: -1, no arrival time) survive too */
static void
rt_defaults(struct envelope *in, struct envelope *want)
{
	struct envelope *e[2] = { in, want };
	int i;

	for (i = 0; i < 2; i++) {
		env_init(e[i]);
		memcpy(e[i]->id, ID3, sizeof(ID3));
		e[i]->sender = xstrdup("");
		env_add_rcpt(e[i], "postmaster", NULL, 0);
	}
}

static const struct {
	const char	*name;
	void		(*build)(struct envelope *, struct envelope *);
} rt_cases[] = {
	{ "defaults of env_init", rt_defaults },
	{ "minimal", rt_minimal },
	{ "null sender", rt_null_sender },
	{ "all fields", rt_all_fields },
	{ "64-bit times and sizes, 8-bit flags", rt_wide_numbers },
	{ "many recipients", rt_many_recipients },
	{ "reason with control characters", rt_reason_controls },
	{ "reason capped", rt_long_reason },
	{ "status code too long is dropped", rt_bad_dsn },
	{ "full name and ENVID with newlines and tabs", rt_fullname_newline },
	{ "empty full name", rt_empty_fullname },
};

START_TEST(test_env_round_trip)
{
	struct envelope in, want, got;
	struct str text = STR_INIT, err = STR_INIT;
	size_t used = 0;
	int rc;

	rt_cases[_i].build(&in, &want);
	env_format(&in, &text);
	str_appends(&text, ".\n");
	str_appends(&text, "trailing data");
	rc = env_parse(text.s, text.len, &got, &used, &err);
	ck_assert_msg(rc == 0, "%s: %s\n%s", rt_cases[_i].name, str_c(&err), text.s);
	ck_assert_msg(used == text.len - strlen("trailing data"), "%s: used %zu",
	    rt_cases[_i].name, used);
	env_same(rt_cases[_i].name, &want, &got);
	ck_assert_int_eq(env_pending(&got), (int)env_pending(&want));
	env_free(&in);
	env_free(&want);
	env_free(&got);
	str_free(&text);
	str_free(&err);
}
END_TEST

#define REC_HEAD	"V1\nI" ID1 "\nT1700000000 5\n"
#define REC_SENDER	"Salice@example.org\n"
#define REC_RCPT	"RP00\tbob@example.net\t\t\t\n"
#define X10	"xxxxxxxxxx"
#define X100	X10 X10 X10 X10 X10 X10 X10 X10 X10 X10
#define X500	X100 X100 X100 X100 X100

static const struct {
	const char	*name;
	const char	*text;
	size_t		 len;	/* 0: strlen */
	const char	*want;
} bad_env[] = {
	{ "empty", "", 0, "ends early" },
	{ "no V1", "I" ID1 "\n" REC_SENDER REC_RCPT ".\n", 0, "no V1 or V2 record" },
	{ "other version", "V3\n" REC_SENDER REC_RCPT ".\n", 0, "no V1 or V2 record" },
	{ "size over 2^63", "V2\nZ9223372036854775808\n" REC_SENDER REC_RCPT ".\n", 0, "(Z)" },
	{ "negative size", "V2\nZ-1\n" REC_SENDER REC_RCPT ".\n", 0, "(Z)" },
	{ "size with a sign", "V2\nZ+1\n" REC_SENDER REC_RCPT ".\n", 0, "(Z)" },
	{ "time after 9999", "V2\nW253402300800\n" REC_SENDER REC_RCPT ".\n", 0, "(W)" },
	{ "bad B record", "V2\nB9\n" REC_SENDER REC_RCPT ".\n", 0, "(B)" },
	{ "bad Y record", "V2\nY2\n" REC_SENDER REC_RCPT ".\n", 0, "(Y)" },
	{ "duplicate V", REC_HEAD "V1\n" REC_SENDER REC_RCPT ".\n", 0, "duplicate V" },
	{ "no final LF", REC_HEAD REC_SENDER REC_RCPT ".", 0, "no end of line" },
	{ "bad queue ID", "V1\nIxyz\n" REC_SENDER REC_RCPT ".\n", 0, "bad queue ID" },
	{ "queue ID as a path", "V1\nI../../../etc/passwd\n" REC_SENDER REC_RCPT ".\n", 0,
	  "bad queue ID" },
	{ "time without microseconds", "V1\nT1700000000\n" REC_SENDER REC_RCPT ".\n", 0,
	  "(T) is malformed" },
	{ "microseconds out of range", "V1\nT1 1000000\n" REC_SENDER REC_RCPT ".\n", 0,
	  "(T) is malformed" },
	{ "negative time", "V1\nT-1 0\n" REC_SENDER REC_RCPT ".\n", 0, "(T) is malformed" },
	{ "uid not a number", REC_HEAD "Uroot\n" REC_SENDER REC_RCPT ".\n", 0,
	  "(U) is malformed" },
	{ "RET out of range", REC_HEAD "N3\n" REC_SENDER REC_RCPT ".\n", 0,
	  "(N) is malformed" },
	{ "negative size", REC_HEAD "Z-1\n" REC_SENDER REC_RCPT ".\n", 0, "(Z) is malformed" },
	{ "attempts out of range", REC_HEAD "A1000001\n" REC_SENDER REC_RCPT ".\n", 0,
	  "(A) is malformed" },
	{ "next attempt not a number", REC_HEAD "W12x\n" REC_SENDER REC_RCPT ".\n", 0,
	  "(W) is malformed" },
	{ "last attempt empty", REC_HEAD "L\n" REC_SENDER REC_RCPT ".\n", 0,
	  "(L) is malformed" },
	{ "warned flag 2", REC_HEAD "D2\n" REC_SENDER REC_RCPT ".\n", 0, "(D) is malformed" },
	{ "unknown record", REC_HEAD "Qx\n" REC_SENDER REC_RCPT ".\n", 0, "(Q) is malformed" },
	{ "empty record", REC_HEAD "\n" REC_SENDER REC_RCPT ".\n", 0, "(?) is malformed" },
	{ "NUL in a record", REC_HEAD "Sa\0b@x\n" REC_RCPT ".\n",
	  sizeof(REC_HEAD "Sa\0b@x\n" REC_RCPT ".\n") - 1,
	  "NUL or CR" },
	{ "CR in a record", REC_HEAD "Sa@x\r\n" REC_RCPT ".\n", 0, "NUL or CR" },
	{ "record too long", REC_HEAD "F" X500 X500 X500 X500 X500 X500 X500 X500 X500 "\n"
	  REC_SENDER REC_RCPT ".\n", 0, "too long" },
	{ "control character in sender", REC_HEAD "Sa\x01@x\n" REC_RCPT ".\n", 0,
	  "control character" },
	{ "sender too long", REC_HEAD "S" X500 X100 "@x.example\n" REC_RCPT ".\n", 0,
	  "address longer than" },
	{ "full name too long", REC_HEAD "F" X500 X500 X100 "\n" REC_SENDER REC_RCPT ".\n", 0,
	  "full name too long" },
	{ "ENVID too long", REC_HEAD "E" X100 "x\n" REC_SENDER REC_RCPT ".\n", 0,
	  "ENVID too long" },
	{ "recipient state unknown", REC_HEAD REC_SENDER "RX00\tb@y\t\t\t\n.\n", 0,
	  "malformed recipient" },
	{ "recipient notify not hex", REC_HEAD REC_SENDER "RPg0\tb@y\t\t\t\n.\n", 0,
	  "malformed recipient" },
	{ "recipient reported 2", REC_HEAD REC_SENDER "RP02\tb@y\t\t\t\n.\n", 0,
	  "malformed recipient" },
	{ "recipient without TAB", REC_HEAD REC_SENDER "RP00b@y\t\t\t\n.\n", 0,
	  "malformed recipient" },
	{ "recipient record too short", REC_HEAD REC_SENDER "RP0\n.\n", 0,
	  "malformed recipient" },
	{ "recipient with too few fields", REC_HEAD REC_SENDER "RP00\tb@y\t\t\n.\n", 0,
	  "malformed recipient" },
	{ "recipient with too many fields", REC_HEAD REC_SENDER "RP00\tb@y\t\t\tr\tx\n.\n", 0,
	  "malformed recipient" },
	{ "empty recipient", REC_HEAD REC_SENDER "RP00\t\t\t\t\n.\n", 0, "empty recipient" },
	{ "control character in recipient", REC_HEAD REC_SENDER "RP00\tb\x01@y\t\t\t\n.\n", 0,
	  "control character" },
	{ "control character in ORCPT", REC_HEAD REC_SENDER "RP00\tb@y\tx\x7f\t\t\n.\n", 0,
	  "control character" },
	{ "recipient too long", REC_HEAD REC_SENDER "RP00\t" X500 X100 "@x.example\t\t\t\n.\n", 0,
	  "address longer than" },
	{ "status code too long", REC_HEAD REC_SENDER "RF00\tb@y\t\t5.1.1.1.1.1.1.1.1\tr\n.\n", 0,
	  "malformed status code" },
	{ "no sender", REC_HEAD REC_RCPT ".\n", 0, "envelope without sender" },
	{ "no recipients", REC_HEAD REC_SENDER ".\n", 0, "envelope without recipients" },
	{ "terminator with text", REC_HEAD REC_SENDER REC_RCPT ".x\n", 0, "(.) is malformed" },
	{ "message marker with text", REC_HEAD REC_SENDER REC_RCPT "Mx\n", 0,
	  "(M) is malformed" },
	{ "no terminator", REC_HEAD REC_SENDER REC_RCPT, 0, "ends early" },
};

START_TEST(test_env_bad)
{
	struct envelope env;
	struct str err = STR_INIT;
	size_t used = 12345, len;
	int rc;

	len = bad_env[_i].len ? bad_env[_i].len : strlen(bad_env[_i].text);
	memset(&env, 0x5a, sizeof(env));
	rc = env_parse(bad_env[_i].text, len, &env, &used, &err);
	ck_assert_msg(rc == SPOOL_BAD, "%s: rc %d", bad_env[_i].name, rc);
	ck_assert_msg(strstr(str_c(&err), bad_env[_i].want) != NULL,
	    "%s: error \"%s\"", bad_env[_i].name, str_c(&err));
	ck_assert_msg(env.nrcpt == 0 && env.rcpt == NULL && env.sender == NULL &&
	    env.fullname == NULL && env.envid == NULL, "%s: envelope not emptied",
	    bad_env[_i].name);
	ck_assert_msg(used == 12345, "%s: used set on error", bad_env[_i].name);
	str_free(&err);
}
END_TEST

START_TEST(test_env_too_many_recipients)
{
	struct envelope env;
	struct str text = STR_INIT, err = STR_INIT;
	size_t used, i;

	str_appends(&text, REC_HEAD REC_SENDER);
	for (i = 0; i <= SPOOL_RCPT_MAX; i++)
		str_printf(&text, "RP00\tu%zu@example.com\t\t\t\n", i);
	str_appends(&text, ".\n");
	ck_assert_int_eq(env_parse(text.s, text.len, &env, &used, &err), SPOOL_BAD);
	ck_assert_msg(strstr(str_c(&err), "more than 10000 recipients") != NULL, "%s",
	    str_c(&err));
	str_free(&text);
	str_free(&err);
}
END_TEST

START_TEST(test_env_records_any_order)
{
	static const char text[] =
	    "V1\nRS10\tb@y\t\t2.0.0\tok\nZ7\nSa@x\nI" ID1 "\nM\nmessage";
	struct envelope env;
	struct str err = STR_INIT;
	size_t used;

	ck_assert_int_eq(env_parse(text, sizeof(text) - 1, &env, &used, &err), 0);
	ck_assert_str_eq(text + used, "message");
	ck_assert_str_eq(env.sender, "a@x");
	ck_assert_uint_eq(env.nrcpt, 1);
	ck_assert_int_eq(env.rcpt[0].state, RCPT_SENT);
	ck_assert_int_eq(env.rcpt[0].notify, 1);
	ck_assert_str_eq(env.rcpt[0].reason, "ok");
	ck_assert_int_eq(env_pending(&env), 0);
	ck_assert_int_eq(env.uid, -1);	/* no U record */
	env_free(&env);
	str_free(&err);
}
END_TEST

/* ---- maildrop ------------------------------------------------------------ */

/* md_write - a maildrop entry written as sendmail writes it: streamed */
static int
md_write(struct envelope *env, const struct str *msg, struct str *err)
{
	struct spool_writer w;
	off_t zoff, msgoff;

	if (spool_maildrop_begin(&w, env, &zoff, &msgoff, err) < 0 ||
	    spool_writer_write(&w, msg->s, msg->len, err) < 0)
		return -1;
	return spool_maildrop_commit(&w, env, zoff, msgoff, err);
}

static const char maildrop_msg[] = "Subject: test\n\nhello\n";

START_TEST(test_maildrop_write_parse)
{
	struct envelope env, got;
	struct str msg = STR_INIT, err = STR_INIT, p = STR_INIT, data = STR_INIT;
	struct stat st;
	size_t off;

	fill_env(&env, ID1);
	str_appends(&msg, maildrop_msg);
	env.size = (long long)msg.len;
	ck_assert_msg(md_write(&env, &msg, &err) == 0, "%s", str_c(&err));
	spool_file(&p, "maildrop", ID1);
	ck_assert_int_eq(stat(p.s, &st), 0);
	ck_assert_int_eq(st.st_mode & 07777, 0444);
	ck_assert_int_eq(count_hidden("maildrop"), 0);
	ck_assert_int_eq(read_file(p.s, &data), 0);
	ck_assert_msg(spool_maildrop_parse(data.s, data.len, &got, &off, &err) == 0,
	    "%s", str_c(&err));
	env_same("maildrop", &env, &got);
	ck_assert_uint_eq(data.len - off, msg.len);
	ck_assert_int_eq(memcmp(data.s + off, msg.s, msg.len), 0);
	env_free(&env);
	env_free(&got);
	str_free(&msg);
	str_free(&err);
	str_free(&p);
	str_free(&data);
}
END_TEST

#define MD_HEAD		REC_HEAD REC_SENDER REC_RCPT

static const struct {
	const char	*name;
	const char	*text;
	int		 rc;
	const char	*want;	/* error, or the message on success */
} md_cases[] = {
	{ "good", MD_HEAD "Z5\nM\nhello", 0, "hello" },
	{ "empty message", MD_HEAD "Z0\nM\n", 0, "" },
	{ "padded", MD_HEAD "Z5\nM\nhello!", SPOOL_BAD, "does not match" },
	{ "truncated", MD_HEAD "Z5\nM\nhell", SPOOL_BAD, "does not match" },
	{ "no size record", MD_HEAD "M\nhello", SPOOL_BAD, "does not match" },
	{ "queue terminator", MD_HEAD "Z5\n.\nhello", SPOOL_BAD, "without a message" },
	{ "no queue ID", "V1\n" REC_SENDER REC_RCPT "Z5\nM\nhello", SPOOL_BAD,
	  "without a queue ID" },
	{ "bad envelope", "V1\nQ\n", SPOOL_BAD, "malformed" },
};

START_TEST(test_maildrop_parse)
{
	struct envelope env;
	struct str err = STR_INIT;
	const char *text = md_cases[_i].text;
	size_t off = 999;
	int rc;

	rc = spool_maildrop_parse(text, strlen(text), &env, &off, &err);
	ck_assert_msg(rc == md_cases[_i].rc, "%s: rc %d (%s)", md_cases[_i].name, rc,
	    str_c(&err));
	if (rc == 0) {
		ck_assert_msg(strcmp(text + off, md_cases[_i].want) == 0, "%s: message",
		    md_cases[_i].name);
		env_free(&env);
	} else {
		ck_assert_msg(strstr(str_c(&err), md_cases[_i].want) != NULL,
		    "%s: error \"%s\"", md_cases[_i].name, str_c(&err));
		ck_assert_msg(env.rcpt == NULL && env.sender == NULL,
		    "%s: envelope not freed", md_cases[_i].name);
	}
	str_free(&err);
}
END_TEST

/* ---- spool_write_file ------------------------------------------------------ */

START_TEST(test_write_file)
{
	struct str p = STR_INIT, err = STR_INIT, data = STR_INIT, dir = STR_INIT;
	struct stat st;

	str_printf(&dir, "%s/corrupt", spool);
	ck_assert_msg(spool_write_file(dir.s, "f1", "head:", 5, "body", 4, 0640,
	    NULL, &err) == 0, "%s", str_c(&err));
	ck_assert_int_eq(read_file(spool_file(&p, "corrupt", "f1"), &data), 0);
	ck_assert_str_eq(data.s, "head:body");
	ck_assert_int_eq(stat(p.s, &st), 0);
	ck_assert_int_eq(st.st_mode & 07777, 0640);
	/* empty head and body */
	ck_assert_int_eq(spool_write_file(dir.s, "f2", NULL, 0, NULL, 0, 0600, NULL, &err), 0);
	ck_assert_int_eq(stat(spool_file(&p, "corrupt", "f2"), &st), 0);
	ck_assert_int_eq(st.st_size, 0);
	ck_assert_int_eq(count_hidden("corrupt"), 0);
	str_free(&p);
	str_free(&err);
	str_free(&data);
	str_free(&dir);
}
END_TEST

/* A temporary left by a killed process with our pid, or a link planted
 * under that name, is removed; the link's target is not touched. */
START_TEST(test_write_file_stale_temporary)
{
	struct str p = STR_INIT, err = STR_INIT, data = STR_INIT, dir = STR_INIT,
	    tmpname = STR_INIT, target = STR_INIT;

	str_printf(&dir, "%s/corrupt", spool);
	str_printf(&tmpname, ".f.%ld", (long)getpid());
	write_file(spool_file(&p, "corrupt", tmpname.s), "stale", 5);
	ck_assert_int_eq(spool_write_file(dir.s, "f", "new", 3, NULL, 0, 0600, NULL, &err), 0);
	ck_assert_int_eq(read_file(spool_file(&p, "corrupt", "f"), &data), 0);
	ck_assert_str_eq(data.s, "new");

	str_printf(&target, "%s/target", spool);
	write_file(target.s, "precious", 8);
	ck_assert_int_eq(symlink(target.s, spool_file(&p, "corrupt", tmpname.s)), 0);
	ck_assert_int_eq(spool_write_file(dir.s, "f", "newer", 5, NULL, 0, 0600, NULL, &err), 0);
	ck_assert_int_eq(read_file(target.s, &data), 0);
	ck_assert_str_eq(data.s, "precious");
	ck_assert_int_eq(read_file(spool_file(&p, "corrupt", "f"), &data), 0);
	ck_assert_str_eq(data.s, "newer");
	ck_assert_int_eq(count_hidden("corrupt"), 0);
	str_free(&p);
	str_free(&err);
	str_free(&data);
	str_free(&dir);
	str_free(&tmpname);
	str_free(&target);
}
END_TEST

START_TEST(test_write_file_fails_cleanly)
{
	struct str err = STR_INIT, dir = STR_INIT;
	int fd = -7;

	str_printf(&dir, "%s/no-such-dir", spool);
	ck_assert_int_eq(spool_write_file(dir.s, "f", "x", 1, NULL, 0, 0600, &fd, &err), -1);
	ck_assert_msg(strncmp(str_c(&err), "create ", 7) == 0, "%s", str_c(&err));
	ck_assert_int_eq(fd, -7);
	str_free(&err);
	str_free(&dir);
}
END_TEST

START_TEST(test_write_file_locked)
{
	struct str p = STR_INIT, err = STR_INIT, dir = STR_INIT;
	int fd = -1, other;

	str_printf(&dir, "%s/corrupt", spool);
	ck_assert_int_eq(spool_write_file(dir.s, "f", "x", 1, NULL, 0, 0600, &fd, &err), 0);
	ck_assert_int_ge(fd, 0);
	other = open(spool_file(&p, "corrupt", "f"), O_RDWR);
	ck_assert_int_ge(other, 0);
	ck_assert_int_eq(spool_lock_held(other), 1);
	ck_assert_int_eq(spool_lock(other), SPOOL_BUSY);
	close(fd);
	ck_assert_int_eq(spool_lock_held(other), 0);
	ck_assert_int_eq(spool_lock(other), 0);
	close(other);
	str_free(&p);
	str_free(&err);
	str_free(&dir);
}
END_TEST

/* ---- queue entries -------------------------------------------------------- */

static const char pre[] = "Received: by test\n";
static const char body[] = "Subject: x\n\nbody\n";

/* commit - a queue entry for id with the typical envelope */
static void
commit(const char *id, struct envelope *env)
{
	struct str err = STR_INIT;

	fill_env(env, id);
	env->size = (long long)(sizeof(pre) - 1 + sizeof(body) - 1);
	ck_assert_msg(spool_queue_commit(env, pre, sizeof(pre) - 1, body,
	    sizeof(body) - 1, &err) == 0, "%s", str_c(&err));
	str_free(&err);
}

START_TEST(test_queue_commit)
{
	struct envelope env, got;
	struct str p = STR_INIT, err = STR_INIT, data = STR_INIT;
	struct stat st;
	char buf[128];
	ssize_t n;
	int fd = -1;

	commit(ID1, &env);
	ck_assert_int_eq(stat(spool_file(&p, "queue/D", ID1 ".msg"), &st), 0);
	ck_assert_int_eq(st.st_mode & 07777, 0600);
	ck_assert_int_eq(read_file(p.s, &data), 0);
	ck_assert_str_eq(data.s, "Received: by test\nSubject: x\n\nbody\n");
	ck_assert_int_eq(stat(spool_file(&p, "queue/D", ID1 ".env"), &st), 0);
	ck_assert_int_eq(st.st_mode & 07777, 0640);
	ck_assert_int_eq(count_hidden("queue/D"), 0);

	ck_assert_msg(spool_env_open(ID1, 0, &fd, &got, &err) == 0, "%s", str_c(&err));
	ck_assert_int_ge(fd, 0);
	close(fd);
	env_same("committed", &env, &got);
	env_free(&got);

	fd = spool_msg_open(ID1, &err);
	ck_assert_int_ge(fd, 0);
	n = read(fd, buf, sizeof(buf));
	ck_assert_int_eq(n, (ssize_t)data.len);
	close(fd);
	ck_assert_int_eq(spool_msg_open("nonsense", &err), -1);

	/* committed already (a pickup that died before unlinking): untouched */
	ck_assert_int_eq(spool_queue_commit(&env, "X", 1, "Y", 1, &err), 0);
	ck_assert_int_eq(read_file(spool_file(&p, "queue/D", ID1 ".msg"), &data), 0);
	ck_assert_str_eq(data.s, "Received: by test\nSubject: x\n\nbody\n");

	/* torn by a crash inside a pickup batch (empty envelope): rewritten */
	{
		int tfd = open(spool_file(&p, "queue/D", ID1 ".env"), O_WRONLY | O_TRUNC);

		ck_assert_int_ge(tfd, 0);
		close(tfd);
	}
	env.size = 2;
	ck_assert_int_eq(spool_queue_commit(&env, "X", 1, "Y", 1, &err), 0);
	ck_assert_int_eq(read_file(spool_file(&p, "queue/D", ID1 ".msg"), &data), 0);
	ck_assert_str_eq(data.s, "XY");
	ck_assert_msg(spool_env_open(ID1, 0, &fd, &got, &err) == 0, "%s", str_c(&err));
	close(fd);
	env_free(&got);
	env_free(&env);
	str_free(&p);
	str_free(&err);
	str_free(&data);
}
END_TEST

START_TEST(test_queue_commit_invalid_id)
{
	struct envelope env;
	struct str err = STR_INIT;

	fill_env(&env, ID1);
	memcpy(env.id, "../../x", 8);
	ck_assert_int_eq(spool_queue_commit(&env, "a", 1, "b", 1, &err), -1);
	env.id[0] = '\0';
	ck_assert_int_eq(spool_queue_commit(&env, "a", 1, "b", 1, &err), -1);
	env_free(&env);
	str_free(&err);
}
END_TEST

START_TEST(test_queue_lock_update_remove)
{
	struct envelope env, got;
	struct str err = STR_INIT, p = STR_INIT;
	int fd = -1, fd2 = -1, oldfd;

	commit(ID2, &env);
	ck_assert_msg(spool_env_open(ID2, 1, &fd, &got, &err) == 0, "%s", str_c(&err));
	env_free(&got);
	/* a second runner skips it */
	str_reset(&err);
	ck_assert_int_eq(spool_env_open(ID2, 1, &fd2, &got, &err), SPOOL_BUSY);
	ck_assert_int_eq(fd2, -1);
	/* reading without the lock works (mailq) */
	ck_assert_int_eq(spool_env_open(ID2, 0, &fd2, &got, &err), 0);
	close(fd2);
	env_free(&got);

	/* update: the new file is locked as it appears */
	env.attempts = 1;
	env.next_attempt = 1700000300;
	env.rcpt[0].state = RCPT_PENDING;
	env_set_reason(&env.rcpt[0], "4.4.1", "connection timed out");
	oldfd = fd;
	ck_assert_msg(spool_env_update(&fd, &env, &err) == 0, "%s", str_c(&err));
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(count_hidden("queue/1"), 0);
	ck_assert_int_eq(spool_env_open(ID2, 1, &fd2, &got, &err), SPOOL_BUSY);
	ck_assert_int_eq(spool_env_open(ID2, 0, &fd2, &got, &err), 0);
	close(fd2);
	env_same("updated", &env, &got);
	env_free(&got);
	(void)oldfd;
	close(fd);
	ck_assert_int_eq(spool_env_open(ID2, 1, &fd, &got, &err), 0);
	env_free(&got);

	ck_assert_int_eq(spool_remove(ID2, &err), 0);
	close(fd);
	ck_assert_int_eq(access(spool_file(&p, "queue/1", ID2 ".env"), F_OK), -1);
	ck_assert_int_eq(access(spool_file(&p, "queue/1", ID2 ".msg"), F_OK), -1);
	ck_assert_int_eq(spool_env_open(ID2, 1, &fd, &got, &err), SPOOL_GONE);
	ck_assert_int_eq(spool_env_open(ID2, 0, &fd, &got, &err), SPOOL_GONE);
	ck_assert_int_eq(spool_remove(ID2, &err), 0);	/* gone already: fine */
	env_free(&env);
	str_free(&err);
	str_free(&p);
}
END_TEST

START_TEST(test_queue_invalid_ids)
{
	struct envelope got;
	struct str err = STR_INIT, p = STR_INIT;
	int fd = -1;

	ck_assert_int_eq(spool_env_open("../../etc/passwd", 0, &fd, &got, &err), SPOOL_BAD);
	ck_assert_int_eq(spool_env_open("", 1, &fd, &got, &err), SPOOL_BAD);
	/* nothing may be removed or moved for a name that is not an ID */
	ck_assert_int_eq(spool_remove("x", &err), -1);
	ck_assert_int_eq(spool_remove("../../etc/passwd", &err), -1);
	ck_assert_int_eq(spool_move_corrupt("maildrop", "x", &err), -1);
	ck_assert_int_eq(spool_move_corrupt("queue", "", &err), -1);
	ck_assert_int_eq(access(spool_file(&p, "maildrop", ""), F_OK), 0);
	ck_assert_int_eq(access(spool_file(&p, "corrupt", ""), F_OK), 0);
	ck_assert_int_eq(spool_check_tree(&err), 0);
	str_free(&err);
	str_free(&p);
}
END_TEST

static const struct {
	const char	*name;
	const char	*text;
	int		 rc;
} bad_env_file[] = {
	{ "garbage", "hello world\n", SPOOL_BAD },
	{ "empty file", "", SPOOL_BAD },
	{ "maildrop marker", MD_HEAD "M\n", SPOOL_BAD },
	{ "data after the terminator", MD_HEAD ".\nmore\n", SPOOL_BAD },
	{ "names another ID", "V1\nI" ID2 "\n" REC_SENDER REC_RCPT ".\n", SPOOL_BAD },
	{ "no ID record", "V1\n" REC_SENDER REC_RCPT ".\n", SPOOL_BAD },
	{ "good", MD_HEAD ".\n", 0 },
};

START_TEST(test_queue_bad_env_file)
{
	struct envelope got;
	struct str err = STR_INIT, p = STR_INIT;
	int fd = -1, rc;

	memset(&got, 0, sizeof(got));
	write_file(spool_file(&p, "queue/D", ID1 ".env"), bad_env_file[_i].text,
	    strlen(bad_env_file[_i].text));
	rc = spool_env_open(ID1, 1, &fd, &got, &err);
	ck_assert_msg(rc == bad_env_file[_i].rc, "%s: rc %d (%s)", bad_env_file[_i].name,
	    rc, str_c(&err));
	if (rc == 0) {
		close(fd);
		env_free(&got);
	} else {
		ck_assert_msg(got.rcpt == NULL && got.sender == NULL, "%s: not freed",
		    bad_env_file[_i].name);
		/* the lock was released with the descriptor */
		ck_assert_int_eq(spool_env_open(ID1, 1, &fd, &got, &err), rc);
	}
	str_free(&err);
	str_free(&p);
}
END_TEST

START_TEST(test_queue_scan_and_corrupt)
{
	struct envelope e1, e2, e3;
	struct str err = STR_INIT, p = STR_INIT;
	char **ids;
	size_t n;

	commit(ID3, &e3);
	commit(ID1, &e1);
	commit(ID2, &e2);
	/* debris and strangers are not listed */
	write_file(spool_file(&p, "queue/5", "65A1B2C30ABC500123401.msg"), "x", 1);
	write_file(spool_file(&p, "queue/5", "README"), "x", 1);
	write_file(spool_file(&p, "queue/5", "65a1b2c30abc500123401.env"), "x", 1);
	write_file(spool_file(&p, "queue/5", ".65A1B2C30ABC500123409.env.123"), "x", 1);
	ck_assert_int_eq(spool_scan_queue(&ids, &n, &err), 0);
	ck_assert_uint_eq(n, 3);
	ck_assert_str_eq(ids[0], ID2);
	ck_assert_str_eq(ids[1], ID1);
	ck_assert_str_eq(ids[2], ID3);
	spool_list_free(ids, n);

	ck_assert_int_eq(spool_move_corrupt("queue", ID1, &err), 0);
	ck_assert_int_eq(access(spool_file(&p, "corrupt", ID1 ".env"), F_OK), 0);
	ck_assert_int_eq(access(spool_file(&p, "corrupt", ID1 ".msg"), F_OK), 0);
	ck_assert_int_eq(spool_scan_queue(&ids, &n, &err), 0);
	ck_assert_uint_eq(n, 2);
	spool_list_free(ids, n);
	env_free(&e1);
	env_free(&e2);
	env_free(&e3);
	str_free(&err);
	str_free(&p);
}
END_TEST

/* ---- pickup ----------------------------------------------------------- */

/* drop - a maildrop entry as sendmail writes it, with U record 4242 */
static void
drop(const char *id, const char *msgtext, size_t msglen)
{
	struct envelope env;
	struct str msg = STR_INIT, err = STR_INIT;

	fill_env(&env, id);
	env.uid = 4242;
	str_append(&msg, msgtext, msglen);
	env.size = (long long)msg.len;
	ck_assert_msg(md_write(&env, &msg, &err) == 0, "%s", str_c(&err));
	env_free(&env);
	str_free(&msg);
	str_free(&err);
}

/* A batch: nothing synced per file; the maildrop files go at the end. */
START_TEST(test_pickup_batch)
{
	struct str err = STR_INIT, p = STR_INIT;
	struct envelope env;
	struct spool_batch batch;

	drop(ID1, maildrop_msg, sizeof(maildrop_msg) - 1);
	spool_batch_init(&batch);
	ck_assert_msg(spool_pickup_one(ID1, 0, "h", &batch, &env, &err) == 0, "%s", str_c(&err));
	env_free(&env);
	ck_assert_msg(access(spool_file(&p, "maildrop", ID1), F_OK) == 0,
	    "maildrop file removed before the batch was durable");
	ck_assert_msg(spool_batch_end(&batch, &err) == 0, "%s", str_c(&err));
	ck_assert_msg(access(spool_file(&p, "maildrop", ID1), F_OK) < 0,
	    "maildrop file still there after the batch");
	ck_assert_msg(access(spool_file(&p, "queue/D", ID1 ".env"), F_OK) == 0,
	    "no queue entry");
	str_free(&err);
	str_free(&p);
}
END_TEST

START_TEST(test_pickup_good)
{
	struct envelope env, queued;
	struct str err = STR_INIT, p = STR_INIT, data = STR_INIT, want = STR_INIT;
	struct stat st;
	int fd;

	setenv("TZ", "UTC0", 1);
	tzset();
	drop(ID1, maildrop_msg, sizeof(maildrop_msg) - 1);
	ck_assert_msg(spool_pickup_one(ID1, 10240000, "mail.example.org", NULL, &env, &err) == 0,
	    "%s", str_c(&err));
	ck_assert_int_eq(access(spool_file(&p, "maildrop", ID1), F_OK), -1);
	/* the uid is the file owner's, not the U record's */
	ck_assert_int_eq(env.uid, (long)getuid());
	ck_assert_int_eq(read_file(spool_file(&p, "queue/D", ID1 ".msg"), &data), 0);
	str_printf(&want, "Received: by mail.example.org (posthorn, from userid %ld)\n"
	    "\tid %s; Tue, 14 Nov 2023 22:13:20 +0000\n%s", (long)getuid(), ID1,
	    maildrop_msg);
	ck_assert_str_eq(data.s, want.s);
	ck_assert_int_eq(env.size, (long long)data.len);
	ck_assert_int_eq(spool_env_open(ID1, 0, &fd, &queued, &err), 0);
	close(fd);
	env_same("picked up", &env, &queued);
	ck_assert_int_eq(stat(spool_file(&p, "queue/D", ID1 ".env"), &st), 0);
	env_free(&env);
	env_free(&queued);

	/* again: nothing there any more */
	ck_assert_int_eq(spool_pickup_one(ID1, 10240000, "h", NULL, &env, &err), SPOOL_GONE);
	str_free(&err);
	str_free(&p);
	str_free(&data);
	str_free(&want);
}
END_TEST

/* A pickup that died after the commit, before the unlink, is finished. */
START_TEST(test_pickup_repeated)
{
	struct envelope env;
	struct str err = STR_INIT, p = STR_INIT, before = STR_INIT, after = STR_INIT;

	drop(ID1, maildrop_msg, sizeof(maildrop_msg) - 1);
	ck_assert_int_eq(spool_pickup_one(ID1, 0, "h", NULL, &env, &err), 0);
	env_free(&env);
	ck_assert_int_eq(read_file(spool_file(&p, "queue/D", ID1 ".msg"), &before), 0);
	drop(ID1, "other\n", 6);
	ck_assert_int_eq(spool_pickup_one(ID1, 0, "h", NULL, &env, &err), 0);
	env_free(&env);
	ck_assert_int_eq(access(spool_file(&p, "maildrop", ID1), F_OK), -1);
	ck_assert_int_eq(read_file(spool_file(&p, "queue/D", ID1 ".msg"), &after), 0);
	ck_assert_str_eq(before.s, after.s);
	str_free(&err);
	str_free(&p);
	str_free(&before);
	str_free(&after);
}
END_TEST

/* message_size_limit = 0 means no limit, also for pickup */
START_TEST(test_pickup_no_limit)
{
	struct envelope env;
	struct str err = STR_INIT, big = STR_INIT;
	size_t i;

	for (i = 0; i < 100000; i++)
		str_appends(&big, "0123456789012345678901234567890123456789012345678901234567890123456789\n");
	drop(ID1, big.s, big.len);
	ck_assert_msg(spool_pickup_one(ID1, 0, "h", NULL, &env, &err) == 0, "%s", str_c(&err));
	ck_assert_int_gt(env.size, (long long)big.len);
	env_free(&env);
	str_free(&err);
	str_free(&big);
}
END_TEST

/* setups for bad maildrop files, each makes maildrop/ID1 */
static void
bad_garbage(const char *path)
{
	write_file(path, "garbage\n", 8);
}

static void
bad_empty(const char *path)
{
	write_file(path, "", 0);
}

static void
bad_other_id(const char *path)
{
	struct str p = STR_INIT;

	drop(ID2, maildrop_msg, sizeof(maildrop_msg) - 1);
	ck_assert_int_eq(rename(spool_file(&p, "maildrop", ID2), path), 0);
	str_free(&p);
}

static void
bad_truncated(const char *path)
{
	drop(ID1, maildrop_msg, sizeof(maildrop_msg) - 1);
	ck_assert_int_eq(truncate(path, 100), 0);
}

static void
bad_symlink(const char *path)
{
	struct str p = STR_INIT;

	drop(ID2, maildrop_msg, sizeof(maildrop_msg) - 1);
	ck_assert_int_eq(symlink(spool_file(&p, "maildrop", ID2), path), 0);
	str_free(&p);
}

static void
bad_hardlink(const char *path)
{
	struct str p = STR_INIT;

	drop(ID1, maildrop_msg, sizeof(maildrop_msg) - 1);
	str_printf(&p, "%s/second-name", spool);
	ck_assert_int_eq(link(path, p.s), 0);
	str_free(&p);
}

static void
bad_fifo(const char *path)
{
	ck_assert_int_eq(mkfifo(path, 0644), 0);
}

static void
bad_directory(const char *path)
{
	ck_assert_int_eq(mkdir(path, 0755), 0);
}

static void
bad_too_large(const char *path)
{
	(void)path;
	drop(ID1, "0123456789\n", 11);
}

static const struct {
	const char	*name;
	void		(*setup)(const char *);
	long long	 max;
	int		 rc;
} bad_pickup[] = {
	{ "garbage", bad_garbage, 0, SPOOL_BAD },
	{ "empty file", bad_empty, 0, SPOOL_BAD },
	{ "names another queue ID", bad_other_id, 0, SPOOL_BAD },
	{ "truncated", bad_truncated, 0, SPOOL_BAD },
	{ "symbolic link", bad_symlink, 0, SPOOL_BAD },
	{ "hard link", bad_hardlink, 0, SPOOL_BAD },
	{ "FIFO", bad_fifo, 0, SPOOL_BAD },
	{ "directory", bad_directory, 0, SPOOL_BAD },
	{ "over message_size_limit", bad_too_large, 10, SPOOL_BAD },
	{ "missing", NULL, 0, SPOOL_GONE },
};

START_TEST(test_pickup_bad)
{
	struct envelope env;
	struct str err = STR_INIT, p = STR_INIT, q = STR_INIT;
	char **ids;
	size_t n;
	int rc;

	memset(&env, 0, sizeof(env));
	spool_file(&p, "maildrop", ID1);
	if (bad_pickup[_i].setup)
		bad_pickup[_i].setup(p.s);
	rc = spool_pickup_one(ID1, bad_pickup[_i].max, "h", NULL, &env, &err);
	ck_assert_msg(rc == bad_pickup[_i].rc, "%s: rc %d (%s)", bad_pickup[_i].name,
	    rc, str_c(&err));
	ck_assert_msg(err.len > 0, "%s: no reason", bad_pickup[_i].name);
	ck_assert_msg(env.rcpt == NULL && env.sender == NULL, "%s: envelope kept",
	    bad_pickup[_i].name);
	/* nothing was queued */
	ck_assert_int_eq(spool_scan_queue(&ids, &n, &err), 0);
	ck_assert_msg(n == 0, "%s: queued", bad_pickup[_i].name);
	spool_list_free(ids, n);
	ck_assert_int_eq(access(spool_file(&q, "queue/D", ID1 ".msg"), F_OK), -1);
	if (rc == SPOOL_BAD) {
		/* the entry is still there for the caller to move aside */
		ck_assert_int_eq(spool_move_corrupt("maildrop", ID1, &err), 0);
		ck_assert_int_eq(access(spool_file(&q, "corrupt", ID1), F_OK), 0);
	}
	str_free(&err);
	str_free(&p);
	str_free(&q);
}
END_TEST

START_TEST(test_pickup_invalid_id)
{
	struct envelope env;
	struct str err = STR_INIT;

	ck_assert_int_eq(spool_pickup_one("../queue/x", 0, "h", NULL, &env, &err), SPOOL_BAD);
	str_free(&err);
}
END_TEST

/* exists_at - does <spool>/<sub>/<name> exist? */
static int
exists_at(const char *sub, const char *name)
{
	struct str p = STR_INIT;
	int r = access(spool_file(&p, sub, name), F_OK) == 0;

	str_free(&p);
	return r;
}

START_TEST(test_admin_hold_release)
{
	struct envelope env, got;
	struct str err = STR_INIT;
	char **ids;
	size_t n;
	int fd = -1;

	commit(ID1, &env);
	ck_assert_msg(spool_hold(ID1, &err) == 0, "%s", str_c(&err));
	ck_assert(exists_at("hold", ID1 ".env") && exists_at("hold", ID1 ".msg"));
	ck_assert(!exists_at("queue/D", ID1 ".env") && !exists_at("queue/D", ID1 ".msg"));
	/* runq no longer sees it; mailq reads it in hold/ */
	ck_assert_int_eq(spool_env_open(ID1, 1, &fd, &got, &err), SPOOL_GONE);
	ck_assert_int_eq(spool_env_open_at("hold", ID1, 0, &fd, &got, &err), 0);
	close(fd);
	env_same("held", &env, &got);
	env_free(&got);
	ck_assert_int_eq(spool_scan_hold(&ids, &n, &err), 0);
	ck_assert_int_eq(n, 1);
	ck_assert_str_eq(ids[0], ID1);
	spool_list_free(ids, n);
	/* a pickup of the same ID (a crash before its maildrop copy went) */
	ck_assert_int_eq(spool_queue_commit(&env, "X", 1, "Y", 1, &err), 0);
	ck_assert(!exists_at("queue/D", ID1 ".env"));
	/* the state asked for already: nothing to do */
	ck_assert_int_eq(spool_hold(ID1, &err), SPOOL_DONE);
	ck_assert_msg(spool_release(ID1, &err) == 0, "%s", str_c(&err));
	ck_assert(exists_at("queue/D", ID1 ".env") && exists_at("queue/D", ID1 ".msg"));
	ck_assert(!exists_at("hold", ID1 ".env") && !exists_at("hold", ID1 ".msg"));
	ck_assert_int_eq(spool_release(ID1, &err), SPOOL_DONE);
	/* unknown and invalid IDs */
	ck_assert_int_eq(spool_hold(ID3, &err), SPOOL_GONE);
	ck_assert_int_eq(spool_release(ID3, &err), SPOOL_GONE);
	ck_assert_int_eq(spool_hold("../../x", &err), SPOOL_BAD);
	ck_assert_int_eq(spool_delete("../../x", &err), SPOOL_BAD);
	env_free(&env);
	str_free(&err);
}
END_TEST

/* a crash between hold's (or release's) two renames, and the repair */
START_TEST(test_admin_hold_repair)
{
	struct envelope env;
	struct str err = STR_INIT, a = STR_INIT, b = STR_INIT;

	commit(ID1, &env);
	ck_assert_int_eq(spool_hold_repair(ID1, &err), SPOOL_DONE);	/* whole */
	ck_assert_int_eq(rename(spool_file(&a, "queue/D", ID1 ".env"),
	    spool_file(&b, "hold", ID1 ".env")), 0);
	ck_assert_msg(spool_hold_repair(ID1, &err) == 0, "%s", str_c(&err));
	ck_assert(exists_at("hold", ID1 ".msg") && !exists_at("queue/D", ID1 ".msg"));
	ck_assert_int_eq(spool_hold_repair(ID1, &err), SPOOL_DONE);
	/* release finishes from the same state */
	ck_assert_int_eq(rename(spool_file(&a, "hold", ID1 ".msg"),
	    spool_file(&b, "queue/D", ID1 ".msg")), 0);
	ck_assert_msg(spool_release(ID1, &err) == 0, "%s", str_c(&err));
	ck_assert(exists_at("queue/D", ID1 ".env") && exists_at("queue/D", ID1 ".msg"));
	env_free(&env);
	str_free(&err);
	str_free(&a);
	str_free(&b);
}
END_TEST

/* an entry runq is delivering (locked) is neither moved nor removed */
START_TEST(test_admin_busy)
{
	struct envelope env, got;
	struct str err = STR_INIT;
	int fd = -1;

	commit(ID2, &env);
	ck_assert_int_eq(spool_env_open(ID2, 1, &fd, &got, &err), 0);
	env_free(&got);
	ck_assert_int_eq(spool_hold(ID2, &err), SPOOL_BUSY);
	ck_assert_int_eq(spool_delete(ID2, &err), SPOOL_BUSY);
	ck_assert_int_eq(spool_requeue(ID2, 1700000000, &err), SPOOL_BUSY);
	ck_assert(exists_at("queue/1", ID2 ".env") && exists_at("queue/1", ID2 ".msg"));
	close(fd);
	ck_assert_int_eq(spool_delete(ID2, &err), 0);
	ck_assert(!exists_at("queue/1", ID2 ".env") && !exists_at("queue/1", ID2 ".msg"));
	ck_assert_int_eq(spool_delete(ID2, &err), SPOOL_GONE);
	env_free(&env);
	str_free(&err);
}
END_TEST

/* delete: the queue, hold/ and a maildrop copy of the same ID */
START_TEST(test_admin_delete)
{
	struct envelope env;
	struct str err = STR_INIT;

	commit(ID1, &env);
	env_free(&env);
	commit(ID3, &env);
	ck_assert_int_eq(spool_hold(ID3, &err), 0);
	drop(ID1, maildrop_msg, sizeof(maildrop_msg) - 1);
	ck_assert(exists_at("maildrop", ID1));
	ck_assert_msg(spool_delete(ID1, &err) == 0, "%s", str_c(&err));
	ck_assert(!exists_at("queue/D", ID1 ".env") && !exists_at("queue/D", ID1 ".msg"));
	ck_assert(!exists_at("maildrop", ID1));
	ck_assert_msg(spool_delete(ID3, &err) == 0, "%s", str_c(&err));
	ck_assert(!exists_at("hold", ID3 ".env") && !exists_at("hold", ID3 ".msg"));
	/* only in the maildrop */
	drop(ID2, maildrop_msg, sizeof(maildrop_msg) - 1);
	ck_assert_int_eq(spool_delete(ID2, &err), 0);
	ck_assert(!exists_at("maildrop", ID2));
	env_free(&env);
	str_free(&err);
}
END_TEST

START_TEST(test_admin_requeue)
{
	struct envelope env, got;
	struct str err = STR_INIT;
	int fd = -1;

	commit(ID1, &env);
	env_free(&env);
	ck_assert_int_eq(spool_env_open(ID1, 1, &fd, &env, &err), 0);
	env.attempts = 7;
	env.next_attempt = 1900000000;
	env.warned = 1;
	ck_assert_int_eq(spool_env_update(&fd, &env, &err), 0);
	close(fd);
	ck_assert_msg(spool_requeue(ID1, 1800000000, &err) == 0, "%s", str_c(&err));
	ck_assert_int_eq(spool_env_open(ID1, 0, &fd, &got, &err), 0);
	close(fd);
	ck_assert_int_eq(got.attempts, 0);
	ck_assert_int_eq(got.next_attempt, 0);
	ck_assert_int_eq(got.warned, 0);
	ck_assert_int_eq(got.arrival, 1800000000);
	ck_assert_int_eq(got.nrcpt, env.nrcpt);
	ck_assert_str_eq(got.rcpt[0].addr, env.rcpt[0].addr);
	env_free(&got);
	env_free(&env);
	ck_assert_int_eq(spool_requeue(ID3, 1800000000, &err), SPOOL_GONE);
	str_free(&err);
}
END_TEST

/* set_mtime - give a spool directory an old modification time */
static void
set_mtime(const char *sub, time_t t)
{
	struct str p = STR_INIT;
	struct timespec ts[2] = { { 0, UTIME_OMIT }, { t, 0 } };

	str_printf(&p, "%s/%s", spool, sub);
	ck_assert_int_eq(utimensat(AT_FDCWD, p.s, ts, 0), 0);
	str_free(&p);
}

START_TEST(test_maildrop_stamp)
{
	struct str err = STR_INIT;

	ck_assert_int_eq(spool_maildrop_waiting(), -1);	/* no stamp yet */
	/* changed in this tick of the file clock: not stamped yet */
	ck_assert_int_eq(spool_maildrop_mark_empty(&err), 0);
	set_mtime("maildrop", time(NULL) - 60);
	ck_assert_msg(spool_maildrop_mark_empty(&err) == 0, "%s", str_c(&err));
	ck_assert_int_eq(spool_maildrop_waiting(), 0);
	drop(ID1, maildrop_msg, sizeof(maildrop_msg) - 1);
	ck_assert_int_eq(spool_maildrop_waiting(), 1);
	/* not empty: the stamp stays as it was */
	set_mtime("maildrop", time(NULL) - 30);
	ck_assert_int_eq(spool_maildrop_mark_empty(&err), 0);
	ck_assert_int_eq(spool_maildrop_waiting(), 1);
	str_free(&err);
}
END_TEST

Suite *
spool_suite(void)
{
	Suite *s = suite_create("spool");
	TCase *tc;

	tc = tcase_create("format");
	tcase_add_test(tc, test_id_new);
	tcase_add_loop_test(tc, test_id_valid, 0, ARRAY_LEN(id_cases));
	tcase_add_test(tc, test_path);
	tcase_add_loop_test(tc, test_env_round_trip, 0, ARRAY_LEN(rt_cases));
	tcase_add_loop_test(tc, test_env_bad, 0, ARRAY_LEN(bad_env));
	tcase_add_test(tc, test_env_too_many_recipients);
	tcase_add_test(tc, test_env_records_any_order);
	tcase_add_loop_test(tc, test_maildrop_parse, 0, ARRAY_LEN(md_cases));
	suite_add_tcase(s, tc);

	tc = tcase_create("files");
	tcase_add_checked_fixture(tc, spool_fixture_setup, spool_fixture_teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_maildrop_write_parse);
	tcase_add_test(tc, test_write_file);
	tcase_add_test(tc, test_write_file_stale_temporary);
	tcase_add_test(tc, test_write_file_fails_cleanly);
	tcase_add_test(tc, test_write_file_locked);
	tcase_add_test(tc, test_queue_commit);
	tcase_add_test(tc, test_queue_commit_invalid_id);
	tcase_add_test(tc, test_queue_lock_update_remove);
	tcase_add_test(tc, test_queue_invalid_ids);
	tcase_add_loop_test(tc, test_queue_bad_env_file, 0, ARRAY_LEN(bad_env_file));
	tcase_add_test(tc, test_queue_scan_and_corrupt);
	tcase_add_test(tc, test_pickup_good);
	tcase_add_test(tc, test_pickup_batch);
	tcase_add_test(tc, test_pickup_repeated);
	tcase_add_test(tc, test_pickup_no_limit);
	tcase_add_loop_test(tc, test_pickup_bad, 0, ARRAY_LEN(bad_pickup));
	tcase_add_test(tc, test_pickup_invalid_id);
	tcase_add_test(tc, test_admin_hold_release);
	tcase_add_test(tc, test_admin_hold_repair);
	tcase_add_test(tc, test_admin_busy);
	tcase_add_test(tc, test_admin_delete);
	tcase_add_test(tc, test_admin_requeue);
	tcase_add_test(tc, test_maildrop_stamp);
	suite_add_tcase(s, tc);
	return s;
}
