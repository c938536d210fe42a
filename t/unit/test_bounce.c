/*
 * test_bounce - Check suite for lib/deliver/bounce.c
 *
 * Recipient selection is a table of named cases (state, NOTIFY,
 * reported, warned against the count for each kind), and so are the
 * Status: rules. The other cases build notices from a message in a
 * temporary file and check their text: the header section, the
 * delivery-status fields, the returned part, the 998-byte line limit,
 * the boundary. The notices of eight of those cases are also parsed by
 * python3's email package (test_mime), so that the MIME structure is
 * checked by an implementation that is not ours; without python3 (or
 * the one PYTHON3 names) those eight are left out and the runner prints
 * a SKIP line for each.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/wait.h>

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bounce.h"
#include "conf.h"
#include "spool.h"
#include "str.h"
#include "util.h"

Suite	*bounce_suite(void);

#define HOST	"mx.example.net"
#define SENDER	"alice@example.org"
#define ORIG_ID	"6745A1B20000F00123401"
#define ARRIVAL	((time_t)1732537000)

static const char small_msg[] =
    "Received: by mx.example.net (posthorn); Mon, 25 Nov 2024 12:00:00 +0000\n"
    "From: Alice <alice@example.org>\n"
    "To: bob@example.com\n"
    "Subject: lunch\n"
    "  on friday\n"
    "\n"
    "See you at noon.\n"
    "-- \n"
    "Alice\n";

/* --- helpers ---------------------------------------------------------- */

/* new_env - an envelope from SENDER as runq would hold it */
static void
new_env(struct envelope *env)
{
	env_init(env);
	memcpy(env->id, ORIG_ID, sizeof(ORIG_ID));
	env->arrival = ARRIVAL;
	env->sender = xstrdup(SENDER);
	env->uid = 1000;
}

/* add - a recipient in a given state with a given result */
static struct rcpt *
add(struct envelope *env, const char *addr, char state, int notify,
    const char *dsn, const char *reason)
{
	struct rcpt *r = env_add_rcpt(env, addr, NULL, notify);

	r->state = state;
	env_set_reason(r, dsn, reason);
	return r;
}

/* msg_fd - the message in an unlinked temporary file, open for reading */
static int
msg_fd(const char *msg, size_t len)
{
	char path[] = "/tmp/test_bounce.XXXXXX";
	int wfd, fd;

	wfd = mkstemp(path);
	ck_assert_int_ge(wfd, 0);
	ck_assert_int_eq(util_write_all(wfd, msg, len), 0);
	fd = open(path, O_RDONLY);
	ck_assert_int_ge(fd, 0);
	unlink(path);
	close(wfd);
	/* the offset must not matter */
	lseek(fd, (off_t)(len / 2), SEEK_SET);
	return fd;
}

/* make - bounce_make on msg, which must succeed */
static void
make(const struct envelope *env, const char *msg, size_t len,
    enum bounce_kind kind, struct envelope *out_env, struct str *out)
{
	struct str err = STR_INIT;
	int fd = msg_fd(msg, len), rc;

	rc = bounce_make(env, fd, kind, HOST, NULL, out_env, out, &err);
	ck_assert_msg(rc == 0, "bounce_make: %s", str_c(&err));
	close(fd);
	str_free(&err);
}

/* has_line - does the text hold this exact line? */
static int
has_line(const struct str *s, const char *line)
{
	size_t n = strlen(line);
	const char *p = str_c(s), *end = p + s->len;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t l = nl ? (size_t)(nl - p) : (size_t)(end - p);

		if (l == n && memcmp(p, line, n) == 0)
			return 1;
		p += l + 1;
	}
	return 0;
}

/* count_prefix - how many lines start with this prefix? */
static int
count_prefix(const struct str *s, const char *prefix)
{
	size_t n = strlen(prefix);
	const char *p = str_c(s), *end = p + s->len;
	int c = 0;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t l = nl ? (size_t)(nl - p) : (size_t)(end - p);

		if (l >= n && memcmp(p, prefix, n) == 0)
			c++;
		p += l + 1;
	}
	return c;
}

/* check_lines - LF only, no NUL, no line over 998 bytes, ends in LF */
static void
check_lines(const struct str *s)
{
	size_t i, col = 0;

	ck_assert(s->len > 0 && s->s[s->len - 1] == '\n');
	/* ck_assert marks a point on every call: test first, it is faster */
	for (i = 0; i < s->len; i++) {
		if (s->s[i] == '\r' || s->s[i] == '\0')
			ck_abort_msg("CR or NUL at offset %zu", i);
		if (s->s[i] == '\n') {
			if (col > BOUNCE_LINE_MAX)
				ck_abort_msg("line of %zu bytes", col);
			col = 0;
		} else
			col++;
	}
}

/* boundary - the boundary the notice declares */
static void
boundary(const struct str *s, char *buf, size_t size)
{
	const char *p = strstr(str_c(s), "boundary=\""), *q;

	ck_assert_ptr_nonnull(p);
	p += strlen("boundary=\"");
	q = strchr(p, '"');
	ck_assert_ptr_nonnull(q);
	ck_assert_uint_lt((size_t)(q - p), size);
	memcpy(buf, p, (size_t)(q - p));
	buf[q - p] = '\0';
}

/*
 * The MIME check: python's email package parses the notice and prints
 * its structure, one "key=value" line each, which the cases compare.
 */
static const char py_script[] =
    "import sys, email\n"
    "m = email.message_from_binary_file(open(sys.argv[1], 'rb'))\n"
    "o = []\n"
    "o.append('type=' + m.get_content_type())\n"
    "o.append('report-type=' + str(m.get_param('report-type')))\n"
    "o.append('subject=' + str(m['Subject']))\n"
    "o.append('defects=%d' % len(m.defects))\n"
    "parts = m.get_payload()\n"
    "o.append('parts=%d' % len(parts))\n"
    "for p in parts:\n"
    "    o.append('part=' + p.get_content_type())\n"
    "    if p.defects: o.append('part-defects=%d' % len(p.defects))\n"
    "ds = [p for p in parts if p.get_content_type() == 'message/delivery-status']\n"
    "if ds:\n"
    "    groups = ds[0].get_payload()\n"
    "    o.append('mta=' + str(groups[0]['Reporting-MTA']))\n"
    "    for g in groups[1:]:\n"
    "        o.append('rcpt=%s|%s|%s' % (g['Final-Recipient'], g['Action'], g['Status']))\n"
    "rt = [p for p in parts if p.get_content_type() == 'message/rfc822']\n"
    "if rt:\n"
    "    inner = rt[0].get_payload()[0]\n"
    "    o.append('returned-subject=' + ' '.join(str(inner['Subject']).split()))\n"
    "    o.append('returned-body-len=%d' % len(inner.get_payload()))\n"
    "print('\\n'.join(o))\n";

/* python3 - the interpreter for the MIME checks */
static const char *
python3(void)
{
	const char *p = getenv("PYTHON3");

	return p && *p ? p : "/usr/bin/python3";
}

/* python_view - run the script on the notice */
static void
python_view(const struct str *msg, struct str *view)
{
	char path[] = "/tmp/test_bounce_py.XXXXXX";
	char buf[4096];
	int fd, pfd[2], status;
	ssize_t n;
	pid_t pid;

	fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(util_write_all(fd, msg->s, msg->len), 0);
	close(fd);
	ck_assert_int_eq(pipe(pfd), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		dup2(pfd[1], 1);
		close(pfd[0]);
		close(pfd[1]);
		execl(python3(), "python3", "-I", "-S", "-c", py_script, path, (char *)NULL);
		_exit(127);
	}
	close(pfd[1]);
	while ((n = read(pfd[0], buf, sizeof(buf))) > 0 || (n < 0 && errno == EINTR))
		if (n > 0)
			str_append(view, buf, (size_t)n);
	close(pfd[0]);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	unlink(path);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	    "python3 could not parse the notice");
}

/* check_common - what every notice has */
static void
check_common(const struct str *m, const struct envelope *out_env,
    const char *subject)
{
	static const char *const fields[] = { "From:", "To:", "Subject:",
	    "Date:", "Message-Id:", "Auto-Submitted:", "MIME-Version:",
	    "Content-Type: multipart/report; report-type=delivery-status;",
	    "Content-Transfer-Encoding:" };
	struct str top = STR_INIT;
	const char *hdr_end;
	char line[256];
	size_t i;

	check_lines(m);
	ck_assert(has_line(m, "From: MAILER-DAEMON@" HOST " (Mail Delivery System)"));
	ck_assert(has_line(m, "To: <" SENDER ">"));
	snprintf(line, sizeof(line), "Subject: %s", subject);
	ck_assert(has_line(m, line));
	snprintf(line, sizeof(line), "Message-Id: <%s@%s>", out_env->id, HOST);
	ck_assert(has_line(m, line));
	ck_assert(has_line(m, "Auto-Submitted: auto-replied"));
	ck_assert(has_line(m, "MIME-Version: 1.0"));
	ck_assert(has_line(m, "Reporting-MTA: dns; " HOST));
	ck_assert(has_line(m, "X-Posthorn-Queue-ID: " ORIG_ID));
	ck_assert(has_line(m, "X-Posthorn-Sender: rfc822; " SENDER));
	ck_assert(has_line(m, "This is the mail system at host " HOST "."));
	/* one header section, each field once */
	hdr_end = strstr(m->s, "\n\n");
	ck_assert_ptr_nonnull(hdr_end);
	str_append(&top, m->s, (size_t)(hdr_end - m->s) + 1);
	for (i = 0; i < ARRAY_LEN(fields); i++)
		ck_assert_msg(count_prefix(&top, fields[i]) == 1, "%s", fields[i]);
	str_free(&top);

	/* the notice's own envelope */
	ck_assert(spool_id_valid(out_env->id));
	ck_assert_str_ne(out_env->id, ORIG_ID);
	ck_assert_str_eq(out_env->sender, "");
	ck_assert_uint_eq(out_env->nrcpt, 1);
	ck_assert_str_eq(out_env->rcpt[0].addr, SENDER);
	ck_assert_int_eq(out_env->rcpt[0].notify, NOTIFY_NEVER);
	ck_assert_int_eq(out_env->rcpt[0].state, RCPT_PENDING);
	ck_assert_int_eq(out_env->ret, RET_DEFAULT);
	ck_assert_int_eq(out_env->size, (long long)m->len);
	ck_assert(out_env->arrival >= time(NULL) - 60);
}

/* --- selection --------------------------------------------------------- */

static const struct {
	const char	*name;
	char		 state;
	int		 notify;
	int		 reported;
	int		 warned;
	size_t		 failed, delayed, delivered;
} select_cases[] = {
	{ "failed, default notify", 'F', 0, 0, 0, 1, 0, 0 },
	{ "failed, FAILURE", 'F', NOTIFY_FAILURE, 0, 0, 1, 0, 0 },
	{ "failed, DELAY only", 'F', NOTIFY_DELAY, 0, 0, 0, 0, 0 },
	{ "failed, SUCCESS only", 'F', NOTIFY_SUCCESS, 0, 0, 0, 0, 0 },
	{ "failed, NEVER", 'F', NOTIFY_NEVER, 0, 0, 0, 0, 0 },
	{ "failed, NEVER mixed in wins", 'F', NOTIFY_NEVER | NOTIFY_FAILURE, 0, 0, 0, 0, 0 },
	{ "failed, already reported", 'F', 0, 1, 0, 0, 0, 0 },
	{ "pending, default notify", 'P', 0, 0, 0, 0, 1, 0 },
	{ "pending, DELAY", 'P', NOTIFY_DELAY, 0, 0, 0, 1, 0 },
	{ "pending, FAILURE only", 'P', NOTIFY_FAILURE, 0, 0, 0, 0, 0 },
	{ "pending, NEVER", 'P', NOTIFY_NEVER, 0, 0, 0, 0, 0 },
	{ "pending, already warned", 'P', 0, 0, 1, 0, 0, 0 },
	{ "sent, default notify", 'S', 0, 0, 0, 0, 0, 0 },
	{ "sent, SUCCESS", 'S', NOTIFY_SUCCESS, 0, 0, 0, 0, 1 },
	{ "sent, SUCCESS,FAILURE", 'S', NOTIFY_SUCCESS | NOTIFY_FAILURE, 0, 0, 0, 0, 1 },
	{ "sent, SUCCESS reported", 'S', NOTIFY_SUCCESS, 1, 0, 0, 0, 0 },
	{ "sent, NEVER", 'S', NOTIFY_NEVER, 0, 0, 0, 0, 0 },
};

START_TEST(test_select)
{
	struct envelope env;
	struct rcpt *r;

	new_env(&env);
	r = add(&env, "bob@example.com", select_cases[_i].state,
	    select_cases[_i].notify, "", NULL);
	r->reported = select_cases[_i].reported;
	env.warned = select_cases[_i].warned;
	ck_assert_msg(bounce_count(&env, BOUNCE_FAILED) == select_cases[_i].failed &&
	    bounce_count(&env, BOUNCE_DELAYED) == select_cases[_i].delayed &&
	    bounce_count(&env, BOUNCE_DELIVERED) == select_cases[_i].delivered,
	    "case \"%s\"", select_cases[_i].name);
	env_free(&env);
}
END_TEST

START_TEST(test_select_mixed)
{
	struct envelope env;

	new_env(&env);
	add(&env, "a@example.com", 'F', 0, "5.1.1", "unknown user");
	add(&env, "b@example.com", 'F', NOTIFY_NEVER, "5.1.1", "unknown user");
	add(&env, "c@example.com", 'S', NOTIFY_SUCCESS, "2.0.0", "delivered");
	add(&env, "d@example.com", 'P', 0, "4.4.1", "connection timed out");
	add(&env, "e@example.com", 'F', NOTIFY_FAILURE, "5.7.1", "relay denied");
	ck_assert_uint_eq(bounce_count(&env, BOUNCE_FAILED), 2);
	ck_assert_uint_eq(bounce_count(&env, BOUNCE_DELAYED), 1);
	ck_assert_uint_eq(bounce_count(&env, BOUNCE_DELIVERED), 1);
	env_free(&env);
}
END_TEST

/* --- the null sender ------------------------------------------------------ */

START_TEST(test_null_sender)
{
	struct envelope env, out_env;
	struct str out = STR_INIT, err = STR_INIT;
	int fd;

	new_env(&env);
	free(env.sender);
	env.sender = xstrdup("");
	add(&env, "bob@example.com", 'F', 0, "5.1.1", "unknown user");
	ck_assert_uint_eq(bounce_count(&env, BOUNCE_FAILED), 0);
	fd = msg_fd(small_msg, sizeof(small_msg) - 1);
	ck_assert_int_eq(bounce_make(&env, fd, BOUNCE_FAILED, HOST, NULL,
	    &out_env, &out, &err), -1);
	ck_assert_ptr_nonnull(strstr(str_c(&err), "null sender"));
	ck_assert_uint_eq(out.len, 0);
	ck_assert_uint_eq(out_env.nrcpt, 0);
	close(fd);
	env_free(&env);
	str_free(&out);
	str_free(&err);
}
END_TEST

/* --- the notices that several cases check -------------------------------- */
/*
 * Each build_ function sets up an envelope and a message and returns the
 * kind of notice to make of them: the cases below check the notice's
 * text, test_mime its MIME structure.
 */

/* build_failed_full - two failed, one sent; RET=FULL */
static enum bounce_kind
build_failed_full(struct envelope *env, struct str *msg)
{
	new_env(env);
	add(env, "bob@example.com", 'F', 0, "5.1.1",
	    "host mx.example.com[192.0.2.1] said: 550 5.1.1 <bob@example.com>: "
	    "Recipient address rejected: User unknown in virtual mailbox table "
	    "(in reply to RCPT TO command)");
	add(env, "carol@example.com", 'F', 0, "", NULL);
	add(env, "dave@example.com", 'S', 0, "2.0.0", "delivered");
	str_append(msg, small_msg, sizeof(small_msg) - 1);
	return BOUNCE_FAILED;
}

/* build_failed_hdrs - one failed; RET=HDRS */
static enum bounce_kind
build_failed_hdrs(struct envelope *env, struct str *msg)
{
	new_env(env);
	env->ret = RET_HDRS;
	add(env, "bob@example.com", 'F', 0, "5.1.1", "unknown user");
	str_append(msg, small_msg, sizeof(small_msg) - 1);
	return BOUNCE_FAILED;
}

/* build_delayed - pending recipients with and without NOTIFY=DELAY */
static enum bounce_kind
build_delayed(struct envelope *env, struct str *msg)
{
	struct str err = STR_INIT;

	ck_assert_int_eq(conf_set("maximal_queue_lifetime", "3d", &err), 0);
	ck_assert_int_eq(conf_set("delay_warning_time", "4h", &err), 0);
	str_free(&err);
	new_env(env);
	add(env, "bob@example.com", 'P', 0, "4.4.1",
	    "connect to mx.example.com[192.0.2.1]:25: Connection timed out");
	add(env, "carol@example.com", 'P', NOTIFY_FAILURE, "4.4.1", "timed out");
	add(env, "dave@example.com", 'P', NOTIFY_DELAY, "5.1.1", NULL);
	add(env, "erin@example.com", 'F', 0, "5.1.1", "unknown user");
	str_append(msg, small_msg, sizeof(small_msg) - 1);
	return BOUNCE_DELAYED;
}

/* build_delivered - sent recipients with and without NOTIFY=SUCCESS */
static enum bounce_kind
build_delivered(struct envelope *env, struct str *msg)
{
	new_env(env);
	add(env, "bob@example.com", 'S', NOTIFY_SUCCESS | NOTIFY_FAILURE, "2.0.0",
	    "delivered to mailbox");
	add(env, "carol@example.com", 'S', 0, "2.0.0", "delivered to mailbox");
	add(env, "dave@example.com", 'S', NOTIFY_SUCCESS, "5.0.0", NULL);
	str_append(msg, small_msg, sizeof(small_msg) - 1);
	return BOUNCE_DELIVERED;
}

/* build_injection - header and report fields in a reason, address, envid */
static enum bounce_kind
build_injection(struct envelope *env, struct str *msg)
{
	new_env(env);
	add(env, "bob@example.com", 'F', 0, "5.0.0", "x");
	/* env_set_reason cleans; set raw text as any other writer might */
	free(env->rcpt[0].reason);
	env->rcpt[0].reason = xstrdup("550 no\r\nSubject: evil\r\n\r\n"
	    "Final-Recipient: rfc822; mallory@example.com\n\nAction: delivered\x01\x7f");
	free(env->rcpt[0].addr);
	env->rcpt[0].addr = xstrdup("bob@example.com\nBcc: mallory@example.com");
	env->envid = xstrdup("E1\nX-Injected: yes");
	add(env, "carol@example.com", 'F', 0, "5.0.0", "fine");
	str_append(msg, small_msg, sizeof(small_msg) - 1);
	return BOUNCE_FAILED;
}

/* build_boundary_collision - a message holding the boundaries we would pick */
static enum bounce_kind
build_boundary_collision(struct envelope *env, struct str *msg)
{
	time_t now = time(NULL);
	int d;

	new_env(env);
	add(env, "bob@example.com", 'F', 0, "5.1.1", "unknown user");
	/* the boundaries this second and the next would give, and the
	 * first two alternatives of each */
	str_appends(msg, "From: alice@example.org\nSubject: tricky\n\n");
	for (d = 0; d < 3; d++) {
		str_printf(msg, "--%s.%lld/%s\n", ORIG_ID, (long long)(now + d), HOST);
		str_printf(msg, "--%s.%lld/%s.00000000\n", ORIG_ID, (long long)(now + d), HOST);
		str_printf(msg, "--%s.%lld/%s.00000001--\n", ORIG_ID, (long long)(now + d), HOST);
		str_printf(msg, "--%s.%lld/%s.0000000\n", ORIG_ID, (long long)(now + d), HOST);
	}
	str_appends(msg, "end\n");
	return BOUNCE_FAILED;
}

/* long_msg - a 2500-byte header line, a 3000-byte body line, no final LF */
static void
long_msg(struct str *msg)
{
	size_t i;

	str_appends(msg, "From: alice@example.org\nX-Long: ");
	for (i = 0; i < 2500; i++)
		str_appendc(msg, (char)('a' + i % 26));
	str_appends(msg, "\nSubject: long\n\nshort line\n");
	for (i = 0; i < 3000; i++)
		str_appendc(msg, (char)('0' + i % 10));
	str_appends(msg, "\nlast line without LF");
}

/* long_rcpt - make the first recipient's reason and address long */
static void
long_rcpt(struct envelope *env)
{
	free(env->rcpt[0].reason);
	env->rcpt[0].reason = xmalloc(3001);
	memset(env->rcpt[0].reason, 'r', 3000);
	env->rcpt[0].reason[3000] = '\0';
	free(env->rcpt[0].addr);
	env->rcpt[0].addr = xmalloc(2001);
	memset(env->rcpt[0].addr, 'b', 2000);
	env->rcpt[0].addr[2000] = '\0';
}

/* build_long_lines - long lines in the message, the reason and the address */
static enum bounce_kind
build_long_lines(struct envelope *env, struct str *msg)
{
	new_env(env);
	add(env, "bob@example.com", 'F', 0, "5.1.1", "unknown user");
	long_rcpt(env);
	long_msg(msg);
	return BOUNCE_FAILED;
}

/* build_no_header - a message without a header section; RET=HDRS */
static enum bounce_kind
build_no_header(struct envelope *env, struct str *msg)
{
	new_env(env);
	env->ret = RET_HDRS;
	add(env, "bob@example.com", 'F', 0, "5.1.1", "unknown user");
	str_appends(msg, "just a body line\nand another\n");
	return BOUNCE_FAILED;
}

/* --- failed, RET=FULL and RET=HDRS ------------------------------------------ */

START_TEST(test_failed_full)
{
	struct envelope env, out_env;
	struct str msg = STR_INIT, out = STR_INIT;
	char date[64], line[128];
	enum bounce_kind kind;

	kind = build_failed_full(&env, &msg);
	make(&env, msg.s, msg.len, kind, &out_env, &out);
	check_common(&out, &out_env, "Undelivered Mail Returned to Sender");

	ck_assert(has_line(&out, "I'm sorry to have to inform you that your message could not"));
	ck_assert(has_line(&out, "For further assistance, please send mail to <postmaster>"));
	ck_assert(has_line(&out, "<carol@example.com>: delivery failed"));
	ck_assert(has_line(&out, "Final-Recipient: rfc822; bob@example.com"));
	ck_assert(has_line(&out, "Final-Recipient: rfc822; carol@example.com"));
	ck_assert_int_eq(count_prefix(&out, "Final-Recipient:"), 2);
	ck_assert_int_eq(count_prefix(&out, "Action: failed"), 2);
	if (getenv("BOUNCE_DUMP"))
		fwrite(out.s, 1, out.len, stderr);
	ck_assert(has_line(&out, "Status: 5.1.1"));
	ck_assert(has_line(&out, "Status: 5.0.0"));
	/* the long diagnostic is folded, as Postfix's line_wrap does */
	ck_assert(has_line(&out,
	    "Diagnostic-Code: X-Posthorn; host mx.example.com[192.0.2.1] said: 550 5.1.1"));
	ck_assert_int_eq(count_prefix(&out, "Diagnostic-Code:"), 1);
	ck_assert_int_ge(util_rfc5322_date(date, sizeof(date), ARRIVAL), 0);
	snprintf(line, sizeof(line), "Arrival-Date: %s", date);
	ck_assert(has_line(&out, line));
	ck_assert_int_eq(count_prefix(&out, "Will-Retry-Until:"), 0);
	ck_assert_int_eq(count_prefix(&out, "Original-Envelope-Id:"), 0);
	ck_assert(has_line(&out, "Content-Description: Undelivered Message"));
	ck_assert(has_line(&out, "Content-Type: message/rfc822"));
	ck_assert_ptr_nonnull(strstr(out.s, small_msg));
	ck_assert(has_line(&out, "Content-Transfer-Encoding: 7bit"));
	env_free(&env);
	env_free(&out_env);
	str_free(&msg);
	str_free(&out);
}
END_TEST

START_TEST(test_failed_hdrs)
{
	struct envelope env, out_env;
	struct str msg = STR_INIT, out = STR_INIT;
	enum bounce_kind kind;

	kind = build_failed_hdrs(&env, &msg);
	make(&env, msg.s, msg.len, kind, &out_env, &out);
	check_common(&out, &out_env, "Undelivered Mail Returned to Sender");
	ck_assert(has_line(&out, "Content-Description: Undelivered Message Headers"));
	ck_assert(has_line(&out, "Content-Type: text/rfc822-headers"));
	ck_assert_ptr_nonnull(strstr(out.s, "To: bob@example.com\nSubject: lunch\n  on friday\n\n--"));
	ck_assert_ptr_null(strstr(out.s, "See you at noon."));
	env_free(&env);
	env_free(&out_env);
	str_free(&msg);
	str_free(&out);
}
END_TEST

/* --- bounce_size_limit ----------------------------------------------------- */

/* big_msg - small_msg's header, then a body making it exactly size bytes */
static char *
big_msg(size_t size)
{
	const char *hdr = "From: alice@example.org\nSubject: big\n\n";
	size_t i, h = strlen(hdr);
	char *m = xmalloc(size + 1);

	memcpy(m, hdr, h);
	for (i = h; i < size; i++)
		m[i] = (i - h) % 72 == 71 ? '\n' : 'x';
	m[size - 1] = '\n';
	m[size] = '\0';
	return m;
}

START_TEST(test_size_limit)
{
	struct envelope env, out_env;
	struct str out = STR_INIT;
	char *m;

	new_env(&env);
	env.ret = RET_FULL;
	add(&env, "bob@example.com", 'F', 0, "5.2.2", "mailbox full");

	m = big_msg(BOUNCE_SIZE_LIMIT);
	make(&env, m, BOUNCE_SIZE_LIMIT, BOUNCE_FAILED, &out_env, &out);
	ck_assert(has_line(&out, "Content-Type: message/rfc822"));
	ck_assert_ptr_nonnull(strstr(out.s, m));
	free(m);
	env_free(&out_env);

	m = big_msg(BOUNCE_SIZE_LIMIT + 1);
	make(&env, m, BOUNCE_SIZE_LIMIT + 1, BOUNCE_FAILED, &out_env, &out);
	check_common(&out, &out_env, "Undelivered Mail Returned to Sender");
	ck_assert(has_line(&out, "Content-Type: text/rfc822-headers"));
	ck_assert(has_line(&out, "Content-Description: Undelivered Message Headers"));
	ck_assert_ptr_null(strstr(out.s, "xxxxxxxxxx"));
	ck_assert_uint_lt(out.len, 4096);
	free(m);

	env_free(&env);
	env_free(&out_env);
	str_free(&out);
}
END_TEST

/* --- delayed and delivered --------------------------------------------------- */

START_TEST(test_delayed)
{
	struct envelope env, out_env;
	struct str msg = STR_INIT, out = STR_INIT, err = STR_INIT;
	char date[64], line[128];
	enum bounce_kind kind;

	kind = build_delayed(&env, &msg);
	make(&env, msg.s, msg.len, kind, &out_env, &out);
	check_common(&out, &out_env, "Delayed Mail (still being retried)");

	ck_assert(has_line(&out, "# THIS IS A WARNING ONLY.  YOU DO NOT NEED TO RESEND YOUR MESSAGE. #"));
	ck_assert(has_line(&out, "Your message could not be delivered for more than 4 hour(s)."));
	ck_assert(has_line(&out, "It will be retried until it is 3 day(s) old."));
	ck_assert(has_line(&out, "<dave@example.com>: delivery temporarily deferred"));
	ck_assert_int_eq(count_prefix(&out, "Final-Recipient:"), 2);
	ck_assert_int_eq(count_prefix(&out, "Action: delayed"), 2);
	ck_assert(has_line(&out, "Status: 4.4.1"));
	ck_assert(has_line(&out, "Status: 4.0.0"));	/* 5.1.1 is no delay */
	ck_assert(has_line(&out, "Diagnostic-Code: X-Posthorn; connect to mx.example.com[192.0.2.1]:25:"));
	ck_assert_int_ge(util_rfc5322_date(date, sizeof(date), ARRIVAL + 3 * 86400), 0);
	snprintf(line, sizeof(line), "Will-Retry-Until: %s", date);
	ck_assert(has_line(&out, line));
	ck_assert_int_eq(count_prefix(&out, "Will-Retry-Until:"), 2);
	ck_assert(has_line(&out, "Content-Description: Undelivered Message Headers"));
	ck_assert(has_line(&out, "Content-Type: text/rfc822-headers"));
	ck_assert_ptr_null(strstr(out.s, "See you at noon."));
	ck_assert_int_eq(conf_set("maximal_queue_lifetime", "5d", &err), 0);
	ck_assert_int_eq(conf_set("delay_warning_time", "0h", &err), 0);
	env_free(&env);
	env_free(&out_env);
	str_free(&msg);
	str_free(&out);
	str_free(&err);
}
END_TEST

START_TEST(test_delivered)
{
	struct envelope env, out_env;
	struct str msg = STR_INIT, out = STR_INIT;
	enum bounce_kind kind;

	kind = build_delivered(&env, &msg);
	make(&env, msg.s, msg.len, kind, &out_env, &out);
	check_common(&out, &out_env, "Successful Mail Delivery Report");
	ck_assert(has_line(&out, "Your message was successfully delivered to the destination(s)"));
	ck_assert(has_line(&out, "<bob@example.com>: delivered to mailbox"));
	ck_assert(has_line(&out, "<dave@example.com>: delivered"));
	ck_assert_int_eq(count_prefix(&out, "Final-Recipient:"), 2);
	ck_assert_int_eq(count_prefix(&out, "Action: delivered"), 2);
	ck_assert_int_eq(count_prefix(&out, "Status: 2.0.0"), 2);
	ck_assert_int_eq(count_prefix(&out, "For further assistance"), 0);
	ck_assert(has_line(&out, "Content-Description: Message Headers"));
	ck_assert(has_line(&out, "Content-Type: text/rfc822-headers"));
	env_free(&env);
	env_free(&out_env);
	str_free(&msg);
	str_free(&out);
}
END_TEST

/* --- envid and orcpt --------------------------------------------------------- */

START_TEST(test_envid_orcpt)
{
	struct envelope env, out_env;
	struct str out = STR_INIT;
	struct rcpt *r;

	new_env(&env);
	env.envid = xstrdup("QQ314159");
	r = add(&env, "bob@example.com", 'F', 0, "5.1.1", "unknown user");
	r->orcpt = xstrdup("rfc822;Bob@Example.COM");
	r = add(&env, "carol@example.com", 'F', 0, "5.1.1", "unknown user");
	r->orcpt = xstrdup("carol-alias@example.com");
	r = add(&env, "dave@example.com", 'F', 0, "5.1.1", "unknown user");
	r->orcpt = xstrdup("utf-8; d\xc3\xa4ve@example.com");
	make(&env, small_msg, sizeof(small_msg) - 1, BOUNCE_FAILED, &out_env, &out);
	check_common(&out, &out_env, "Undelivered Mail Returned to Sender");
	ck_assert(has_line(&out, "Original-Envelope-Id: QQ314159"));
	ck_assert(has_line(&out, "Original-Recipient: rfc822; Bob@Example.COM"));
	ck_assert(has_line(&out, "Original-Recipient: rfc822; carol-alias@example.com"));
	ck_assert(has_line(&out, "Original-Recipient: utf-8; d??ve@example.com"));
	ck_assert_int_eq(count_prefix(&out, "Original-Recipient:"), 3);
	/* RFC 3464: Original-Recipient comes before Action */
	ck_assert_ptr_nonnull(strstr(out.s, "Final-Recipient: rfc822; bob@example.com\n"
	    "Original-Recipient: rfc822; Bob@Example.COM\nAction: failed\n"));
	env_free(&env);
	env_free(&out_env);
	str_free(&out);
}
END_TEST

/* --- Status: rules --------------------------------------------------------- */

static const struct {
	const char	*name;
	enum bounce_kind kind;
	const char	*dsn;
	const char	*want;
} status_cases[] = {
	{ "failed kept", BOUNCE_FAILED, "5.1.1", "5.1.1" },
	{ "failed, three-digit parts", BOUNCE_FAILED, "5.123.456", "5.123.456" },
	{ "failed after expiry keeps 4.x.x", BOUNCE_FAILED, "4.4.1", "4.4.1" },
	{ "failed, empty", BOUNCE_FAILED, "", "5.0.0" },
	{ "failed, success class", BOUNCE_FAILED, "2.0.0", "5.0.0" },
	{ "failed, two parts", BOUNCE_FAILED, "5.1", "5.0.0" },
	{ "failed, four-digit part", BOUNCE_FAILED, "5.1.1000", "5.0.0" },
	{ "failed, trailing text", BOUNCE_FAILED, "5.1.1x", "5.0.0" },
	{ "failed, empty part", BOUNCE_FAILED, "5..1", "5.0.0" },
	{ "failed, no dots", BOUNCE_FAILED, "511", "5.0.0" },
	{ "delayed kept", BOUNCE_DELAYED, "4.7.0", "4.7.0" },
	{ "delayed, permanent class", BOUNCE_DELAYED, "5.1.1", "4.0.0" },
	{ "delivered kept", BOUNCE_DELIVERED, "2.1.5", "2.1.5" },
	{ "delivered, failure class", BOUNCE_DELIVERED, "5.0.0", "2.0.0" },
	{ "delivered, empty", BOUNCE_DELIVERED, "", "2.0.0" },
};

START_TEST(test_status)
{
	static const char state[] = { RCPT_FAILED, RCPT_PENDING, RCPT_SENT };
	struct envelope env, out_env;
	struct str out = STR_INIT;
	char line[64];

	new_env(&env);
	add(&env, "bob@example.com", state[status_cases[_i].kind], NOTIFY_SUCCESS |
	    NOTIFY_FAILURE | NOTIFY_DELAY, status_cases[_i].dsn, "why");
	make(&env, small_msg, sizeof(small_msg) - 1, status_cases[_i].kind,
	    &out_env, &out);
	snprintf(line, sizeof(line), "Status: %s", status_cases[_i].want);
	ck_assert_msg(has_line(&out, line), "case \"%s\"", status_cases[_i].name);
	env_free(&env);
	env_free(&out_env);
	str_free(&out);
}
END_TEST

/* --- injection ------------------------------------------------------------- */

START_TEST(test_injection)
{
	struct envelope env, out_env;
	struct str msg = STR_INIT, out = STR_INIT;
	char b[128], line[160];
	enum bounce_kind kind;

	kind = build_injection(&env, &msg);
	make(&env, msg.s, msg.len, kind, &out_env, &out);
	check_common(&out, &out_env, "Undelivered Mail Returned to Sender");
	ck_assert_int_eq(count_prefix(&out, "Subject:"), 2);	/* ours, lunch */
	ck_assert_int_eq(count_prefix(&out, "Bcc:"), 0);
	ck_assert_int_eq(count_prefix(&out, "X-Injected:"), 0);
	ck_assert_int_eq(count_prefix(&out, "Final-Recipient:"), 2);
	ck_assert_int_eq(count_prefix(&out, "Action:"), 2);
	ck_assert(has_line(&out, "Original-Envelope-Id: E1 X-Injected: yes"));
	ck_assert_ptr_null(memchr(out.s, '\x01', out.len));
	ck_assert_ptr_null(memchr(out.s, '\x7f', out.len));
	boundary(&out, b, sizeof(b));
	snprintf(line, sizeof(line), "--%s", b);
	ck_assert_int_eq(count_prefix(&out, line), 4);
	env_free(&env);
	env_free(&out_env);
	str_free(&msg);
	str_free(&out);
}
END_TEST

/* --- the boundary ---------------------------------------------------------- */

START_TEST(test_boundary_collision)
{
	struct envelope env, out_env;
	struct str msg = STR_INIT, out = STR_INIT;
	char b[128], line[160];
	enum bounce_kind kind;

	kind = build_boundary_collision(&env, &msg);
	make(&env, msg.s, msg.len, kind, &out_env, &out);
	check_common(&out, &out_env, "Undelivered Mail Returned to Sender");
	boundary(&out, b, sizeof(b));
	ck_assert_uint_le(strlen(b), 70);
	ck_assert_msg(strlen(b) > 9 && strcmp(b + strlen(b) - 9, ".00000002") == 0,
	    "boundary %s", b);
	snprintf(line, sizeof(line), "--%s", b);
	ck_assert_int_eq(count_prefix(&out, line), 4);
	ck_assert_ptr_nonnull(strstr(out.s, msg.s));
	env_free(&env);
	env_free(&out_env);
	str_free(&msg);
	str_free(&out);
}
END_TEST

START_TEST(test_boundary_plain)
{
	struct envelope env, out_env;
	struct str out = STR_INIT;
	char b[128], want[128];

	new_env(&env);
	add(&env, "bob@example.com", 'F', 0, "5.1.1", "unknown user");
	make(&env, small_msg, sizeof(small_msg) - 1, BOUNCE_FAILED, &out_env, &out);
	boundary(&out, b, sizeof(b));
	/* Postfix's shape: queueid.time/myhostname */
	snprintf(want, sizeof(want), "%s.", ORIG_ID);
	ck_assert_int_eq(strncmp(b, want, strlen(want)), 0);
	ck_assert_ptr_nonnull(strstr(b, "/" HOST));
	ck_assert_str_eq(strstr(b, "/" HOST), "/" HOST);
	env_free(&env);
	env_free(&out_env);
	str_free(&out);
}
END_TEST

/* --- long lines -------------------------------------------------------------- */

START_TEST(test_long_lines)
{
	struct envelope env, out_env;
	struct str msg = STR_INIT, out = STR_INIT, back = STR_INIT;
	const char *p, *start, *end, *nl;
	size_t prev;
	int folds = 0;

	new_env(&env);
	add(&env, "bob@example.com", 'F', 0, "5.1.1", "unknown user");
	long_msg(&msg);
	make(&env, msg.s, msg.len, BOUNCE_FAILED, &out_env, &out);
	check_lines(&out);

	/*
	 * Undoing the folding gives the message back, with a final LF: a
	 * line of 998 bytes followed by one that starts with a blank was
	 * one line (nothing else in this message looks like that).
	 */
	start = strstr(out.s, "Content-Type: message/rfc822\n");
	ck_assert_ptr_nonnull(start);
	start = strstr(start, "\n\n") + 2;
	end = strstr(start, "\n\n--");
	ck_assert_ptr_nonnull(end);
	for (p = start, prev = 0; p <= end; p = nl + 1) {
		nl = memchr(p, '\n', (size_t)(end - p) + 1);
		ck_assert_ptr_nonnull(nl);
		if (p > start && prev == BOUNCE_LINE_MAX && p[0] == ' ') {
			str_truncate(&back, back.len - 1);
			str_append(&back, p + 1, (size_t)(nl - p) - 1);
			folds++;
		} else
			str_append(&back, p, (size_t)(nl - p));
		str_appendc(&back, '\n');
		prev = (size_t)(nl - p);
	}
	ck_assert_int_eq(folds, 2 + 3);
	str_appendc(&msg, '\n');
	ck_assert_uint_eq(back.len, msg.len);
	ck_assert(memcmp(back.s, msg.s, msg.len) == 0);

	/* a long reason and a long address are wrapped and cut, too */
	long_rcpt(&env);
	env_free(&out_env);
	make(&env, msg.s, msg.len, BOUNCE_FAILED, &out_env, &out);
	check_lines(&out);
	env_free(&env);
	env_free(&out_env);
	str_free(&msg);
	str_free(&out);
	str_free(&back);
}
END_TEST

/* --- errors ------------------------------------------------------------------ */

START_TEST(test_errors)
{
	struct envelope env, out_env;
	struct str out = STR_INIT, err = STR_INIT;
	char path[] = "/tmp/test_bounce_err.XXXXXX";
	int fd, pfd[2];

	new_env(&env);
	add(&env, "bob@example.com", 'F', 0, "5.1.1", "unknown user");

	/* a descriptor that cannot be read */
	fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(util_write_all(fd, small_msg, sizeof(small_msg) - 1), 0);
	close(fd);
	fd = open(path, O_WRONLY);
	ck_assert_int_ge(fd, 0);
	unlink(path);
	ck_assert_int_eq(bounce_make(&env, fd, BOUNCE_FAILED, HOST, NULL,
	    &out_env, &out, &err), -1);
	ck_assert_ptr_nonnull(strstr(str_c(&err), "read"));
	ck_assert_uint_eq(out.len, 0);
	ck_assert_uint_eq(out_env.nrcpt, 0);
	close(fd);

	/* not a regular file */
	ck_assert_int_eq(pipe(pfd), 0);
	str_reset(&err);
	ck_assert_int_eq(bounce_make(&env, pfd[0], BOUNCE_FAILED, HOST, NULL,
	    &out_env, &out, &err), -1);
	close(pfd[0]);
	close(pfd[1]);

	/* a closed descriptor */
	str_reset(&err);
	ck_assert_int_eq(bounce_make(&env, pfd[0], BOUNCE_FAILED, HOST, NULL,
	    &out_env, &out, &err), -1);

	/* nobody needs this kind of notice */
	fd = msg_fd(small_msg, sizeof(small_msg) - 1);
	str_reset(&err);
	ck_assert_int_eq(bounce_make(&env, fd, BOUNCE_DELIVERED, HOST, NULL,
	    &out_env, &out, &err), -1);
	ck_assert_ptr_nonnull(strstr(str_c(&err), "no recipient"));

	/* a host name that would break the header */
	str_reset(&err);
	ck_assert_int_eq(bounce_make(&env, fd, BOUNCE_FAILED, "mx\nBcc: x", NULL,
	    &out_env, &out, &err), -1);
	str_reset(&err);
	ck_assert_int_eq(bounce_make(&env, fd, BOUNCE_FAILED, "", NULL,
	    &out_env, &out, &err), -1);

	/* a sender that would break the To: field */
	free(env.sender);
	env.sender = xstrdup("alice@example.org\nBcc: x@example.com");
	str_reset(&err);
	ck_assert_int_eq(bounce_make(&env, fd, BOUNCE_FAILED, HOST, NULL,
	    &out_env, &out, &err), -1);
	ck_assert_ptr_nonnull(strstr(str_c(&err), "sender"));
	free(env.sender);
	env.sender = xstrdup(SENDER);

	/* a postmaster address is used as given */
	str_reset(&err);
	ck_assert_int_eq(bounce_make(&env, fd, BOUNCE_FAILED, HOST,
	    "hostmaster@example.net", &out_env, &out, &err), 0);
	ck_assert(has_line(&out, "For further assistance, please send mail to <hostmaster@example.net>"));
	close(fd);
	env_free(&out_env);
	env_free(&env);
	str_free(&out);
	str_free(&err);
}
END_TEST

/* a message with no header section at all, and an empty one */
START_TEST(test_odd_messages)
{
	struct envelope env, out_env;
	struct str out = STR_INIT, big = STR_INIT;
	enum bounce_kind kind;
	size_t i;

	kind = build_no_header(&env, &big);
	make(&env, big.s, big.len, kind, &out_env, &out);
	check_lines(&out);
	ck_assert_ptr_null(strstr(out.s, "just a body line"));
	env_free(&out_env);

	make(&env, "", 0, BOUNCE_FAILED, &out_env, &out);
	check_lines(&out);
	env_free(&out_env);

	env.ret = RET_FULL;
	make(&env, "", 0, BOUNCE_FAILED, &out_env, &out);
	check_lines(&out);
	env_free(&out_env);

	/* a header section that spans several reads, then a body */
	env.ret = RET_HDRS;
	str_reset(&big);
	for (i = 0; i < 1000; i++)
		str_printf(&big, "X-Field-%04zu: value\n continued\n", i);
	str_appends(&big, "\nbody text\n");
	make(&env, big.s, big.len, BOUNCE_FAILED, &out_env, &out);
	ck_assert_ptr_nonnull(strstr(out.s, "X-Field-0999: value\n continued\n\n--"));
	ck_assert_ptr_null(strstr(out.s, "body text"));
	env_free(&out_env);

	/* one 4 MB line and no LF: read only up to header_size_limit
	 * (102400 by default), folded */
	str_reset(&big);
	str_appends(&big, "X-Huge: ");
	for (i = 0; i < 4 * 1024 * 1024; i++)
		str_appendc(&big, 'h');
	make(&env, big.s, big.len, BOUNCE_FAILED, &out_env, &out);
	check_lines(&out);
	ck_assert_uint_gt(out.len, 102400);
	ck_assert_uint_lt(out.len, 102400 + 16384);
	env_free(&out_env);
	env_free(&env);
	str_free(&big);
	str_free(&out);
}
END_TEST

/* --- MIME structure, by python3's email package ------------------------------ */

static const struct {
	const char	*name;
	enum bounce_kind (*build)(struct envelope *, struct str *);
	int		 nrcpt;		/* rcpt= lines in the view */
	const char	*want[16];	/* lines the view must hold */
} mime_cases[] = {
	{ "failed, RET=FULL", build_failed_full, 2, {
	    "type=multipart/report", "report-type=delivery-status",
	    "subject=Undelivered Mail Returned to Sender", "defects=0", "parts=3",
	    "part=text/plain", "part=message/delivery-status", "part=message/rfc822",
	    "mta=dns; " HOST, "rcpt=rfc822; bob@example.com|failed|5.1.1",
	    "rcpt=rfc822; carol@example.com|failed|5.0.0",
	    "returned-subject=lunch on friday", "returned-body-len=27" } },
	{ "failed, RET=HDRS", build_failed_hdrs, 1, {
	    "parts=3", "part=text/rfc822-headers",
	    "rcpt=rfc822; bob@example.com|failed|5.1.1" } },
	{ "delayed", build_delayed, 2, {
	    "type=multipart/report", "parts=3", "part=text/rfc822-headers",
	    "rcpt=rfc822; bob@example.com|delayed|4.4.1",
	    "rcpt=rfc822; dave@example.com|delayed|4.0.0" } },
	{ "delivered", build_delivered, 2, {
	    "parts=3", "rcpt=rfc822; bob@example.com|delivered|2.0.0" } },
	{ "injection", build_injection, 2, {
	    "subject=Undelivered Mail Returned to Sender", "parts=3",
	    "rcpt=rfc822; carol@example.com|failed|5.0.0" } },
	{ "boundary collision", build_boundary_collision, 1, {
	    "parts=3", "part=message/rfc822", "returned-subject=tricky" } },
	{ "long lines", build_long_lines, 1, {
	    "parts=3", "defects=0", "returned-subject=long" } },
	{ "no header section", build_no_header, 1, { "parts=3" } },
};

START_TEST(test_mime)
{
	struct envelope env, out_env;
	struct str msg = STR_INIT, out = STR_INIT, view = STR_INIT;
	enum bounce_kind kind;
	size_t i;

	kind = mime_cases[_i].build(&env, &msg);
	make(&env, msg.s, msg.len, kind, &out_env, &out);
	python_view(&out, &view);
	for (i = 0; i < ARRAY_LEN(mime_cases[_i].want) && mime_cases[_i].want[i]; i++)
		ck_assert_msg(has_line(&view, mime_cases[_i].want[i]),
		    "case \"%s\": no \"%s\" in:\n%s", mime_cases[_i].name,
		    mime_cases[_i].want[i], str_c(&view));
	ck_assert_msg(count_prefix(&view, "rcpt=") == mime_cases[_i].nrcpt,
	    "case \"%s\": %d recipients in:\n%s", mime_cases[_i].name,
	    count_prefix(&view, "rcpt="), str_c(&view));
	ck_assert_msg(count_prefix(&view, "part-defects") == 0,
	    "case \"%s\": defects in a part:\n%s", mime_cases[_i].name, str_c(&view));
	env_free(&env);
	env_free(&out_env);
	str_free(&msg);
	str_free(&out);
	str_free(&view);
}
END_TEST

/* bounce_suite - the cases above */
Suite *
bounce_suite(void)
{
	Suite *s = suite_create("bounce");
	TCase *tc = tcase_create("bounce");

	tcase_add_loop_test(tc, test_select, 0, (int)ARRAY_LEN(select_cases));
	tcase_add_test(tc, test_select_mixed);
	tcase_add_test(tc, test_null_sender);
	tcase_add_test(tc, test_failed_full);
	tcase_add_test(tc, test_failed_hdrs);
	tcase_add_test(tc, test_size_limit);
	tcase_add_test(tc, test_delayed);
	tcase_add_test(tc, test_delivered);
	tcase_add_test(tc, test_envid_orcpt);
	tcase_add_loop_test(tc, test_status, 0, (int)ARRAY_LEN(status_cases));
	tcase_add_test(tc, test_injection);
	tcase_add_test(tc, test_boundary_collision);
	tcase_add_test(tc, test_boundary_plain);
	tcase_add_test(tc, test_long_lines);
	tcase_add_test(tc, test_errors);
	tcase_add_test(tc, test_odd_messages);
	suite_add_tcase(s, tc);

	/* Check has no "skipped": the runner counts these SKIP lines instead */
	if (access(python3(), X_OK) == 0) {
		TCase *tm = tcase_create("bounce-mime");

		tcase_add_loop_test(tm, test_mime, 0, (int)ARRAY_LEN(mime_cases));
		suite_add_tcase(s, tm);
	} else {
		size_t i;

		for (i = 0; i < ARRAY_LEN(mime_cases); i++)
			printf("SKIP: unit: bounce: MIME structure, %s (no %s)\n",
			    mime_cases[i].name, python3());
		fflush(stdout);
	}
	return s;
}
