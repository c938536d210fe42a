/*
 * test_bodyenc - Check suite for lib/net/bodyenc.c and bodyenc_mime.c
 *
 * A table of named cases (flags, input, the exact DATA content expected
 * or the failure), each encoded in one push, in pushes of one byte, and
 * split in two at every offset, which must all give the same bytes.
 * Every output is also checked for what the wire needs: CR LF line ends
 * only, no line over 998 bytes, no lone ".", and in 7-bit mode no byte
 * above 127. Then: a 10 MB line, a multi-megabyte quoted-printable body
 * through a counting sink (constant memory is the encoder's promise; the
 * sink keeps nothing), and a failing emit().
 */
#include "config.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "bodyenc.h"
#include "str.h"
#include "unit.h"
#include "util.h"

/* ---- helpers ------------------------------------------------------------ */

/* collect - emit() into a struct str */
static int
collect(void *arg, const char *p, size_t n)
{
	str_append(arg, p, n);
	return 0;
}

/*
 * encode - run the encoder over in, pushed in pieces of at most chunk
 * bytes, or split once at split (when chunk is 0); the output into out.
 * Returns 0, 1 (bodyenc_failed) or -1 (another error).
 */
static int
encode(int flags, const char *in, size_t len, size_t chunk, size_t split,
    struct str *out)
{
	struct bodyenc *be;
	size_t off = 0, n;
	int rc = 0;

	str_reset(out);
	str_append(out, "", 0);
	be = bodyenc_new(flags, collect, out);
	if (chunk == 0) {
		if (bodyenc_push(be, in, split) != 0 ||
		    bodyenc_push(be, in + split, len - split) != 0)
			rc = -1;
	} else {
		for (off = 0; off < len && rc == 0; off += n) {
			n = len - off < chunk ? len - off : chunk;
			if (bodyenc_push(be, in + off, n) != 0)
				rc = -1;
		}
	}
	if (rc == 0 && bodyenc_end(be) != 0)
		rc = -1;
	if (rc != 0) {
		ck_assert_ptr_nonnull(bodyenc_error(be));
		rc = bodyenc_failed(be) ? 1 : -1;
	} else
		ck_assert_ptr_null(bodyenc_error(be));
	bodyenc_free(be);
	return rc;
}

/* check_wire - CR LF only, lines of at most 998 bytes, no lone ".", 7 bit */
static void
check_wire(const char *name, const struct str *out, int seven)
{
	size_t i, col = 0;

	for (i = 0; i < out->len; i++) {
		unsigned char c = (unsigned char)out->s[i];

		if (c == '\r') {
			ck_assert_msg(i + 1 < out->len && out->s[i + 1] == '\n',
			    "%s: CR without LF at %zu", name, i);
			ck_assert_msg(!(col == 1 && out->s[i - 1] == '.'),
			    "%s: lone dot before %zu", name, i);
			i++;
			col = 0;
			continue;
		}
		ck_assert_msg(c != '\n', "%s: LF without CR at %zu", name, i);
		ck_assert_msg(!seven || c < 128, "%s: 8-bit byte at %zu", name, i);
		col++;
		ck_assert_msg(col <= 998, "%s: line over 998 bytes at %zu", name, i);
	}
	ck_assert_msg(out->len == 0 || (out->len >= 2 &&
	    memcmp(out->s + out->len - 2, "\r\n", 2) == 0), "%s: no final CR LF", name);
}

/* ---- the table ------------------------------------------------------------ */

#define MP_HEAD	"MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=\"b1\"\n\n"
#define QP_CTE	"Content-Transfer-Encoding: quoted-printable\r\n"

/* out: the expected output; NULL: the encoder must fail (bodyenc_failed) */
static const struct {
	const char	*name;
	int		 flags;
	const char	*in;
	const char	*out;
} cases[] = {
	{ "empty", 0, "", "" },
	{ "LF to CR LF", 0, "a\nb\n", "a\r\nb\r\n" },
	{ "CR LF kept", 0, "a\r\nb\r\n", "a\r\nb\r\n" },
	{ "bare CR ends a line", 0, "a\rb\r", "a\r\nb\r\n" },
	{ "CR CR LF", 0, "a\r\r\nb", "a\r\n\r\nb\r\n" },
	{ "LF CR", 0, "a\n\rb", "a\r\n\r\nb\r\n" },
	{ "no final line end", 0, "abc", "abc\r\n" },
	{ "empty lines", 0, "\n\n", "\r\n\r\n" },
	{ "8-bit passes", 0, "caf\xc3\xa9\n", "caf\xc3\xa9\r\n" },
	{ "dot alone", 0, ".\n", "..\r\n" },
	{ "dot lines", 0, "a\n.b\n..\n.", "a\r\n..b\r\n...\r\n..\r\n" },
	{ "dot after bare CR", 0, "a\r.\r", "a\r\n..\r\n" },
	{ "dot inside a line", 0, "a.b\n", "a.b\r\n" },
	{ "smuggling: LF.CR LF", 0, "a\n.\r\nb\n", "a\r\n..\r\nb\r\n" },
	{ "smuggling: CR.CR", 0, "a\r.\rb\n", "a\r\n..\r\nb\r\n" },

	{ "7bit: non-MIME 8-bit body", BODYENC_7BIT,
	  "Subject: x\n\nh\xe9llo =\nbye \n",
	  "Subject: x\r\nMIME-Version: 1.0\r\n"
	  "Content-Type: text/plain; charset=unknown-8bit\r\n" QP_CTE "\r\n"
	  "h=E9llo =3D\r\nbye=20\r\n" },
	{ "7bit: no header at all", BODYENC_7BIT, "\xe9t\xe9\n",
	  "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=unknown-8bit\r\n"
	  QP_CTE "\r\n=E9t=E9\r\n" },
	{ "7bit: single part 8bit", BODYENC_7BIT,
	  "MIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\n"
	  "Content-Transfer-Encoding: 8bit\nSubject: s\n\ncaf\xc3\xa9\t\n.\xc3\xa9\n",
	  "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nSubject: s\r\n"
	  QP_CTE "\r\ncaf=C3=A9=09\r\n..=C3=A9\r\n" },
	{ "7bit: folded CTE field dropped", BODYENC_7BIT,
	  "Content-Transfer-Encoding:\n  8bit\nContent-Type: text/plain\n\n\xff",
	  "Content-Type: text/plain\r\nMIME-Version: 1.0\r\n" QP_CTE "\r\n=FF\r\n" },
	{ "7bit: soft line breaks", BODYENC_7BIT,
	  "Content-Transfer-Encoding: 8bit\n\n"
	  "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\xe9zz\n",
	  "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=unknown-8bit\r\n" QP_CTE
	  "\r\naaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa=\r\n"
	  "=E9zz\r\n" },
	{ "7bit: encoded lines of 76 with the soft break", BODYENC_7BIT,
	  "Content-Transfer-Encoding: 8bit\n\naaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n",
	  "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=unknown-8bit\r\n" QP_CTE
	  "\r\naaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa=\r\naaaaa\r\n" },
	{ "7bit: multipart, 8-bit text and base64", BODYENC_7BIT,
	  MP_HEAD "preamble\n--b1\nContent-Type: text/plain; charset=utf-8\n"
	  "Content-Transfer-Encoding: 8bit\n\nr\xc3\xb8" "d\n--b1\n"
	  "Content-Type: image/png\nContent-Transfer-Encoding: base64\n\niVBORw0KGgo=\n"
	  "--b1--\nepilogue\n",
	  "MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n"
	  "preamble\r\n--b1\r\nContent-Type: text/plain; charset=utf-8\r\n" QP_CTE
	  "\r\nr=C3=B8d\r\n--b1\r\nContent-Type: image/png\r\n"
	  "Content-Transfer-Encoding: base64\r\n\r\niVBORw0KGgo=\r\n--b1--\r\nepilogue\r\n" },
	{ "7bit: nested multipart", BODYENC_7BIT,
	  MP_HEAD "--b1\nContent-Type: multipart/alternative; boundary=b2\n\n"
	  "--b2\nContent-Type: text/plain\n\n\xe9\n--b2\nContent-Type: text/html\n"
	  "Content-Transfer-Encoding: 7bit\n\n<p>x</p>\n--b2--\n--b1\n\n\xe8\n--b1--\n",
	  "MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n"
	  "--b1\r\nContent-Type: multipart/alternative; boundary=b2\r\n\r\n"
	  "--b2\r\nContent-Type: text/plain\r\n" QP_CTE "\r\n=E9\r\n--b2\r\n"
	  "Content-Type: text/html\r\nContent-Transfer-Encoding: 7bit\r\n\r\n<p>x</p>\r\n"
	  "--b2--\r\n--b1\r\nContent-Type: text/plain; charset=unknown-8bit\r\n" QP_CTE
	  "\r\n=E8\r\n--b1--\r\n" },
	{ "7bit: outer boundary ends the inner multipart", BODYENC_7BIT,
	  MP_HEAD "--b1\nContent-Type: multipart/mixed; boundary=b2\n\n--b2\n\n\xe9\n"
	  "--b1--\n",
	  "MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n"
	  "--b1\r\nContent-Type: multipart/mixed; boundary=b2\r\n\r\n--b2\r\n"
	  "Content-Type: text/plain; charset=unknown-8bit\r\n" QP_CTE "\r\n=E9\r\n"
	  "--b1--\r\n" },
	{ "7bit: message/rfc822 walked", BODYENC_7BIT,
	  MP_HEAD "--b1\nContent-Type: message/rfc822\nContent-Transfer-Encoding: 8bit\n\n"
	  "Subject: inner\n\n\xe9\n--b1--\n",
	  "MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n"
	  "--b1\r\nContent-Type: message/rfc822\r\nContent-Transfer-Encoding: 7bit\r\n\r\n"
	  "Subject: inner\r\nMIME-Version: 1.0\r\n"
	  "Content-Type: text/plain; charset=unknown-8bit\r\n" QP_CTE "\r\n=E9\r\n"
	  "--b1--\r\n" },
	{ "7bit: digest parts are messages", BODYENC_7BIT,
	  "Content-Type: multipart/digest; boundary=d\n\n--d\n\nSubject: a\n\n\xe9\n--d--\n",
	  "Content-Type: multipart/digest; boundary=d\r\n\r\n--d\r\n\r\nSubject: a\r\n"
	  "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=unknown-8bit\r\n" QP_CTE
	  "\r\n=E9\r\n--d--\r\n" },
	{ "7bit: signed part without encoding left alone", BODYENC_7BIT,
	  "Content-Type: multipart/signed; boundary=s\n\n--s\nContent-Type: text/plain\n\n"
	  "a =\n--s\nContent-Type: application/pgp-signature\n\nsig\n--s--\n",
	  "Content-Type: multipart/signed; boundary=s\r\n\r\n--s\r\n"
	  "Content-Type: text/plain\r\n\r\na =\r\n--s\r\n"
	  "Content-Type: application/pgp-signature\r\n\r\nsig\r\n--s--\r\n" },
	{ "7bit: 8-bit in a signed part fails", BODYENC_7BIT,
	  "Content-Type: multipart/signed; boundary=s\n\n--s\n\n\xe9\n--s--\n", NULL },
	{ "7bit: 7bit and base64 parts pass", BODYENC_7BIT,
	  "Content-Transfer-Encoding: base64\nContent-Type: text/plain\n\nAAAA\n",
	  "Content-Transfer-Encoding: base64\r\nContent-Type: text/plain\r\n\r\nAAAA\r\n" },
	{ "7bit: header only", BODYENC_7BIT, "Subject: x", "Subject: x\r\n" },
	{ "7bit: missing empty line", BODYENC_7BIT, "Subject: x\nh\xe9\n",
	  "Subject: x\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=unknown-8bit\r\n"
	  QP_CTE "\r\nh=E9\r\n" },
	{ "7bit: 8-bit header fails", BODYENC_7BIT, "Subject: caf\xc3\xa9\n\nbody\n", NULL },
	{ "7bit: 8-bit part header fails", BODYENC_7BIT,
	  MP_HEAD "--b1\nContent-Type: text/plain; name=\"\xe9\"\n\nx\n--b1--\n", NULL },
	{ "7bit: binary fails", BODYENC_7BIT,
	  "Content-Transfer-Encoding: binary\n\nabc\n", NULL },
	{ "7bit: false 7bit label fails", BODYENC_7BIT,
	  "MIME-Version: 1.0\nContent-Transfer-Encoding: 7bit\n\n\xe9\n", NULL },
	{ "7bit: 8-bit preamble fails", BODYENC_7BIT, MP_HEAD "\xe9\n--b1--\n", NULL },
	{ "7bit: 8-bit in message/partial fails", BODYENC_7BIT,
	  "Content-Type: message/partial; id=x\n\n\xe9\n", NULL },
};

START_TEST(test_case)
{
	struct str whole = STR_INIT, other = STR_INIT;
	const char *in = cases[_i].in, *name = CASE_NAME(cases, _i);
	size_t len = strlen(in), i;
	int rc, rc2;

	rc = encode(cases[_i].flags, in, len, len + 1, 0, &whole);
	if (cases[_i].out == NULL) {
		ck_assert_msg(rc == 1, "%s: rc %d, output \"%s\"", name, rc, str_c(&whole));
	} else {
		ck_assert_msg(rc == 0, "%s: rc %d", name, rc);
		ck_assert_msg(strcmp(str_c(&whole), cases[_i].out) == 0,
		    "%s: got \"%s\"", name, str_c(&whole));
		check_wire(name, &whole, cases[_i].flags & BODYENC_7BIT);
	}
	rc2 = encode(cases[_i].flags, in, len, 1, 0, &other);
	ck_assert_msg(rc2 == rc && (rc != 0 || strcmp(whole.s, other.s) == 0),
	    "%s: byte by byte differs", name);
	for (i = 0; i <= len; i++) {
		rc2 = encode(cases[_i].flags, in, len, 0, i, &other);
		ck_assert_msg(rc2 == rc && (rc != 0 || strcmp(whole.s, other.s) == 0),
		    "%s: split at %zu differs", name, i);
	}
	str_free(&whole);
	str_free(&other);
}
END_TEST

/* ---- long lines ------------------------------------------------------------ */

/* the expected wire form of one line of n bytes of c (n > 0) */
static void
long_line(struct str *want, size_t n, char c)
{
	size_t col = 0, i;

	for (i = 0; i < n; i++) {
		if (col == 0 && i == 0 && c == '.') {
			str_appendc(want, '.');
			col++;
		}
		if (col == 998) {
			str_appends(want, "\r\n ");
			col = 1;
		}
		str_appendc(want, c);
		col++;
	}
	str_appends(want, "\r\n");
}

static const struct {
	const char	*name;
	size_t		 n;
	char		 c;
	int		 flags;
} long_cases[] = {
	{ "998 bytes stay one line", 998, 'a', 0 },
	{ "999 bytes are broken once", 999, 'a', 0 },
	{ "1995 bytes", 1995, 'a', 0 },
	{ "1996 bytes", 1996, 'a', 0 },
	{ "dot line of 998: the stuffed dot counts", 998, '.', 0 },
	{ "long header line in 7-bit mode", 3000, 'h', BODYENC_7BIT },
};

START_TEST(test_long_line)
{
	struct str in = STR_INIT, want = STR_INIT, got = STR_INIT;
	size_t i;

	if (long_cases[_i].flags & BODYENC_7BIT) {
		/* a header field: passed, and broken as a continuation */
		str_set(&in, "X: ");
		for (i = 0; i < long_cases[_i].n; i++)
			str_appendc(&in, long_cases[_i].c);
		str_appends(&in, "\nContent-Transfer-Encoding: 7bit\n\nbody\n");
		long_line(&want, long_cases[_i].n + 3, 'h');
		memcpy(want.s, "X: ", 3);
		str_appends(&want, "Content-Transfer-Encoding: 7bit\r\n\r\nbody\r\n");
	} else {
		for (i = 0; i < long_cases[_i].n; i++)
			str_appendc(&in, long_cases[_i].c);
		str_appendc(&in, '\n');
		long_line(&want, long_cases[_i].n, long_cases[_i].c);
	}
	ck_assert_int_eq(encode(long_cases[_i].flags, in.s, in.len, 7, 0, &got), 0);
	ck_assert_msg(got.len == want.len && memcmp(got.s, want.s, got.len) == 0,
	    "%s: output differs (%zu bytes, want %zu)", CASE_NAME(long_cases, _i),
	    got.len, want.len);
	check_wire(CASE_NAME(long_cases, _i), &got, 0);
	str_free(&in);
	str_free(&want);
	str_free(&got);
}
END_TEST

/* A sink that keeps nothing: counts and checks the wire as it streams. */
struct sink {
	size_t	 total;
	size_t	 col;
	size_t	 lines;
	int	 bad;
	int	 cr;
};

/* sink_emit - check CR LF pairs and the line length, keep nothing */
static int
sink_emit(void *arg, const char *p, size_t n)
{
	struct sink *s = arg;
	size_t i;

	for (i = 0; i < n; i++) {
		s->total++;
		if (s->cr) {
			if (p[i] != '\n')
				s->bad = 1;
			s->cr = 0;
			s->col = 0;
			s->lines++;
		} else if (p[i] == '\r') {
			s->cr = 1;
		} else if (p[i] == '\n' || (unsigned char)p[i] >= 128 || ++s->col > 998) {
			s->bad = 1;
		}
	}
	return 0;
}

START_TEST(test_ten_megabytes)
{
	const size_t total = 10 * 1024 * 1024, chunk = 65536;
	struct sink s = { 0, 0, 0, 0, 0 };
	struct bodyenc *be;
	char *buf = xmalloc(chunk);
	size_t off, lines;

	memset(buf, 'x', chunk);
	be = bodyenc_new(0, sink_emit, &s);
	for (off = 0; off < total; off += chunk)
		ck_assert_int_eq(bodyenc_push(be, buf, chunk), 0);
	ck_assert_int_eq(bodyenc_end(be), 0);
	bodyenc_free(be);
	/* 998 bytes on the first wire line, " " and 997 on the others */
	lines = 1 + (total - 998 + 996) / 997;
	ck_assert_int_eq(s.bad, 0);
	ck_assert_uint_eq(s.lines, lines);
	ck_assert_uint_eq(s.total, total + 3 * (lines - 1) + 2);

	/* 7-bit mode: a 10 MB 8-bit line becomes quoted-printable lines */
	memset(&s, 0, sizeof(s));
	memset(buf, 0xe9, chunk);
	be = bodyenc_new(BODYENC_7BIT, sink_emit, &s);
	ck_assert_int_eq(bodyenc_push(be, "Subject: big\n\n", 14), 0);
	for (off = 0; off < total; off += chunk)
		ck_assert_int_eq(bodyenc_push(be, buf, chunk), 0);
	ck_assert_int_eq(bodyenc_end(be), 0);
	bodyenc_free(be);
	ck_assert_int_eq(s.bad, 0);
	ck_assert(s.total > 3 * total);
	free(buf);
}
END_TEST

/* failing_emit - an output error after the first call */
static int
failing_emit(void *arg, const char *p, size_t n)
{
	int *calls = arg;

	(void)p;
	(void)n;
	return (*calls)++ == 0 ? 0 : -1;
}

START_TEST(test_emit_error)
{
	struct bodyenc *be;
	char buf[4096];
	int calls = 0, rc = 0, i;

	memset(buf, 'a', sizeof(buf));
	be = bodyenc_new(0, failing_emit, &calls);
	for (i = 0; i < 100 && rc == 0; i++)
		rc = bodyenc_push(be, buf, sizeof(buf));
	ck_assert_int_eq(rc, -1);
	ck_assert_int_eq(bodyenc_failed(be), 0);
	ck_assert_str_eq(bodyenc_error(be), "write error");
	ck_assert_int_eq(bodyenc_push(be, "x", 1), -1);
	ck_assert_int_eq(bodyenc_end(be), -1);
	ck_assert_int_eq(calls, 2);
	bodyenc_free(be);
	bodyenc_free(NULL);
}
END_TEST

Suite *
bodyenc_suite(void)
{
	Suite *s = suite_create("bodyenc");
	TCase *tc = tcase_create("bodyenc");

	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, test_case, 0, ARRAY_LEN(cases));
	tcase_add_loop_test(tc, test_long_line, 0, ARRAY_LEN(long_cases));
	tcase_add_test(tc, test_ten_megabytes);
	tcase_add_test(tc, test_emit_error);
	suite_add_tcase(s, tc);
	return s;
}
