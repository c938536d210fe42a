/*
 * envelope - the envelope record format shared by maildrop and queue files
 *
 * An envelope is a sequence of LF-terminated records, each a one-letter
 * type followed by its value. Numbers are decimal, 64-bit (times in
 * seconds since the epoch, so they go past 2038; sizes past 2 GiB):
 *
 *   V2                 format version (first record); V1 files (the
 *                      same records, without B and Y) are still read
 *   I<id>              queue ID
 *   T<sec> <usec>      arrival time
 *   S<sender>          envelope sender; empty for the null sender <>
 *   F<full name>       from sendmail -F (optional)
 *   U<uid>             submitting user (in the maildrop, informational:
 *                      pickup trusts the file owner instead)
 *   N<ret>             DSN RET: 0 default, 1 FULL, 2 HDRS
 *   E<envid>           DSN ENVID (optional)
 *   Z<size>            message size in bytes; written with 19 digits
 *                      (zero-padded) so that sendmail can fill it in
 *                      once the message is written (maildrop.c)
 *   B<7|8>             8: the body has bytes over 127 (needs 8BITMIME)
 *   Y<0|1>             1: the header section or an envelope address is
 *                      not ASCII (needs SMTPUTF8); B and Y are recorded
 *                      as the message is written, carried from maildrop
 *                      to queue entry, so an SMTP client needs no second
 *                      pass over the message. Z, B and Y are always
 *                      written together, in that order
 *   A<attempts>        delivery attempts so far
 *   W<time>            next attempt, seconds since the epoch
 *   L<time>            last attempt
 *   D<0|1>             a delay warning was sent
 *   R<state><notify><reported> TAB addr TAB orcpt TAB dsn TAB reason
 *                      one per recipient; state P, S or F; notify one hex
 *                      digit of NOTIFY_* bits; reported 0 or 1
 *   X<state><key> TAB dsn TAB reason
 *                      a member (queue files only, after the R records):
 *                      a target an expansion reached that has its final
 *                      result, state S or F, key 16 hex digits (see
 *                      struct member); a retry delivers only the others
 *   .                  end of the envelope (queue files) or
 *   M                  end of the envelope, message follows (maildrop)
 *
 * Values never hold CR, LF, NUL or TAB: env_check_addr and the writer
 * refuse or replace them. Every record is bounded (ENV_LINE_MAX).
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "spool.h"
#include "util.h"

#define ENV_LINE_MAX	4096
#define TIME_MAX	253402300799LL	/* 9999-12-31 23:59:59 UTC */
#define SIZE_MAX_LL	0x7fffffffffffffffLL
#define UID_MAX_LL	0xfffffffeLL	/* uid_t; (uid_t)-1 is no uid */

/* env_init - an empty envelope */
void
env_init(struct envelope *env)
{
	memset(env, 0, sizeof(*env));
	env->uid = -1;
}

/* env_free - release everything the envelope holds */
void
env_free(struct envelope *env)
{
	size_t i;

	for (i = 0; i < env->nrcpt; i++) {
		free(env->rcpt[i].addr);
		free(env->rcpt[i].orcpt);
		free(env->rcpt[i].reason);
	}
	free(env->rcpt);
	for (i = 0; i < env->nmember; i++)
		free(env->member[i].reason);
	free(env->member);
	free(env->sender);
	free(env->fullname);
	free(env->envid);
	env_init(env);
}

/* env_add_rcpt - add a pending recipient */
struct rcpt *
env_add_rcpt(struct envelope *env, const char *addr, const char *orcpt,
    int notify)
{
	struct rcpt *r;

	if (env->nrcpt == env->rcpt_cap) {
		env->rcpt_cap = env->rcpt_cap ? env->rcpt_cap * 2 : 4;
		env->rcpt = xreallocarray(env->rcpt, env->rcpt_cap, sizeof(*r));
	}
	r = &env->rcpt[env->nrcpt++];
	memset(r, 0, sizeof(*r));
	r->addr = xstrdup(addr);
	r->orcpt = orcpt && *orcpt ? xstrdup(orcpt) : NULL;
	r->state = RCPT_PENDING;
	r->notify = notify;
	return r;
}

/* clean_copy - copy text for a record: controls and TAB become spaces */
static char *
clean_copy(const char *s)
{
	char *p, *copy;
	size_t n = strlen(s);

	if (n > SPOOL_FIELD_MAX)
		n = SPOOL_FIELD_MAX;
	copy = xstrndup(s, n);
	for (p = copy; *p; p++)
		if ((unsigned char)*p < 32 || *p == 127)
			*p = ' ';
	return copy;
}

/* env_set_reason - record a result for a recipient */
void
env_set_reason(struct rcpt *r, const char *dsn, const char *reason)
{
	free(r->reason);
	r->reason = reason ? clean_copy(reason) : NULL;
	if (dsn == NULL || strlen(dsn) >= sizeof(r->dsn))
		dsn = "";
	memcpy(r->dsn, dsn, strlen(dsn) + 1);
}

/* env_check_addr - may this text be an envelope address? */
int
env_check_addr(const char *addr, struct str *err)
{
	const unsigned char *p;
	size_t n = strlen(addr);

	if (n > SPOOL_ADDR_MAX) {
		str_printf(err, "address longer than %d bytes", SPOOL_ADDR_MAX);
		return -1;
	}
	for (p = (const unsigned char *)addr; *p; p++) {
		if (*p < 32 || *p == 127) {
			str_printf(err, "control character in address");
			return -1;
		}
	}
	return 0;
}

/* env_pending - how many recipients still wait for delivery */
int
env_pending(const struct envelope *env)
{
	size_t i;
	int n = 0;

	for (i = 0; i < env->nrcpt; i++)
		if (env->rcpt[i].state == RCPT_PENDING)
			n++;
	return n;
}

/*
 * put_text - a free-text record (F, E): controls and TAB become spaces, as
 * in clean_copy, so that text from -F or -V cannot end the record early
 * and forge others.
 */
static void
put_text(struct str *out, char type, const char *text)
{
	char *clean = clean_copy(text);

	str_printf(out, "%c%s\n", type, clean);
	free(clean);
}

/* env_format - the envelope as records, ending with "." */
void
env_format(const struct envelope *env, struct str *out)
{
	size_t i;

	str_printf(out, "V2\nI%s\nT%lld %ld\nS%s\n", env->id,
	    (long long)env->arrival, env->arrival_usec, env->sender ? env->sender : "");
	if (env->fullname)
		put_text(out, 'F', env->fullname);
	/* no U record for an unknown uid (-1, env_init's): env_parse refuses
	 * negative numbers, and leaves uid at -1 without the record */
	if (env->uid >= 0)
		str_printf(out, "U%ld\n", env->uid);
	str_printf(out, "N%d\n", env->ret);
	if (env->envid)
		put_text(out, 'E', env->envid);
	/* fixed width, Z B Y together: see maildrop.c */
	str_printf(out, "Z%019lld\nB%c\nY%c\n", env->size < 0 ? 0 : env->size,
	    env->body8bit ? '8' : '7', env->smtputf8 ? '1' : '0');
	str_printf(out, "A%d\nW%lld\nL%lld\nD%d\n", env->attempts, (long long)env->next_attempt,
	    (long long)env->last_attempt, env->warned ? 1 : 0);
	for (i = 0; i < env->nrcpt; i++) {
		const struct rcpt *r = &env->rcpt[i];

		str_printf(out, "R%c%x%d\t%s\t%s\t%s\t%s\n", r->state,
		    r->notify & 0xf, r->reported ? 1 : 0, r->addr,
		    r->orcpt ? r->orcpt : "", r->dsn, r->reason ? r->reason : "");
	}
	for (i = 0; i < env->nmember; i++) {
		const struct member *m = &env->member[i];

		str_printf(out, "X%c%016llx\t%s\t%s\n", m->state,
		    (unsigned long long)m->key, m->dsn, m->reason ? m->reason : "");
	}
}

/*
 * env_member_key - the key of a member: FNV-1a, 64 bits, over its kind,
 * target and identity. Collisions inside one message are not a practical
 * concern (2^-64 a pair).
 */
uint64_t
env_member_key(const char *kind, const char *target, long uid)
{
	uint64_t h = 14695981039346656037ULL;
	char num[32];
	const char *parts[4];
	size_t i;
	const unsigned char *p;

	(void)util_snprintf(num, sizeof(num), "%ld", uid);
	parts[0] = kind;
	parts[1] = target;
	parts[2] = num;
	parts[3] = NULL;
	for (i = 0; parts[i]; i++) {
		for (p = (const unsigned char *)parts[i]; *p; p++) {
			h ^= *p;
			h *= 1099511628211ULL;
		}
		h ^= 0xff;	/* separator: no byte of text */
		h *= 1099511628211ULL;
	}
	return h;
}

/* env_find_member - the member with this key, or NULL */
struct member *
env_find_member(const struct envelope *env, uint64_t key)
{
	size_t i;

	for (i = 0; i < env->nmember; i++)
		if (env->member[i].key == key)
			return &env->member[i];
	return NULL;
}

/* env_set_member - record (or update) a member's final result */
struct member *
env_set_member(struct envelope *env, uint64_t key, char state,
    const char *dsn, const char *reason)
{
	struct member *m = env_find_member(env, key);

	if (m == NULL) {
		if (env->nmember == env->member_cap) {
			env->member_cap = env->member_cap ? env->member_cap * 2 : 8;
			env->member = xreallocarray(env->member, env->member_cap,
			    sizeof(*m));
		}
		m = &env->member[env->nmember++];
		memset(m, 0, sizeof(*m));
		m->key = key;
	}
	m->state = state;
	free(m->reason);
	m->reason = reason && *reason ? clean_copy(reason) : NULL;
	if (dsn == NULL || strlen(dsn) >= sizeof(m->dsn))
		dsn = "";
	memcpy(m->dsn, dsn, strlen(dsn) + 1);
	return m;
}

/* parse_member - one X record: state, key, then dsn TAB reason */
static int
parse_member(struct envelope *env, char *v, struct str *err)
{
	char *tab, *end;
	unsigned long long key;
	size_t i;

	if ((v[0] != RCPT_SENT && v[0] != RCPT_FAILED) || strlen(v) < 18 ||
	    v[17] != '\t') {
		str_printf(err, "malformed member record");
		return -1;
	}
	for (i = 1; i < 17; i++)
		if (!isxdigit((unsigned char)v[i]) || isupper((unsigned char)v[i])) {
			str_printf(err, "malformed member record");
			return -1;
		}
	v[17] = '\0';
	key = strtoull(v + 1, &end, 16);
	if ((tab = strchr(v + 18, '\t')) == NULL || strchr(tab + 1, '\t') != NULL ||
	    (size_t)(tab - (v + 18)) >= sizeof(env->member[0].dsn)) {
		str_printf(err, "malformed member record");
		return -1;
	}
	*tab = '\0';
	if (env->nmember >= SPOOL_MEMBER_MAX) {
		str_printf(err, "more than %d members", SPOOL_MEMBER_MAX);
		return -1;
	}
	if (env_find_member(env, key) != NULL) {
		str_printf(err, "duplicate member record");
		return -1;
	}
	env_set_member(env, key, v[0], v + 18, tab + 1);
	return 0;
}

/* parse_num - a decimal number from 0 to max, 64-bit */
static int
parse_num(const char *s, long long max, long long *out)
{
	char *end;
	long long v;

	if (!isdigit((unsigned char)*s))
		return -1;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < 0 || v > max)
		return -1;
	*out = v;
	return 0;
}

/* take - copy a checked text field */
static int
take(char **dst, const char *v, size_t max, struct str *err, const char *what)
{
	if (strlen(v) > max) {
		str_printf(err, "%s too long", what);
		return -1;
	}
	free(*dst);
	*dst = xstrdup(v);
	return 0;
}

/* parse_rcpt - one R record: state, notify, reported, then 4 TAB fields */
static int
parse_rcpt(struct envelope *env, char *v, struct str *err)
{
	char *fields[4], *p;
	struct rcpt *r;
	int i, notify;

	if (strlen(v) < 4 || (v[0] != RCPT_PENDING && v[0] != RCPT_SENT &&
	    v[0] != RCPT_FAILED) || !isxdigit((unsigned char)v[1]) ||
	    (v[2] != '0' && v[2] != '1') || v[3] != '\t') {
		str_printf(err, "malformed recipient record");
		return -1;
	}
	p = v + 4;
	for (i = 0; i < 4; i++) {
		fields[i] = p;
		p += strcspn(p, "\t");
		if (i < 3) {
			if (*p != '\t') {
				str_printf(err, "malformed recipient record");
				return -1;
			}
			*p++ = '\0';
		}
	}
	if (*p != '\0') {
		str_printf(err, "malformed recipient record");
		return -1;
	}
	if (fields[0][0] == '\0') {
		str_printf(err, "empty recipient");
		return -1;
	}
	if (env_check_addr(fields[0], err) < 0 || env_check_addr(fields[1], err) < 0)
		return -1;
	if (strlen(fields[2]) >= sizeof(r->dsn)) {
		str_printf(err, "malformed status code");
		return -1;
	}
	if (env->nrcpt >= SPOOL_RCPT_MAX) {
		str_printf(err, "more than %d recipients", SPOOL_RCPT_MAX);
		return -1;
	}
	notify = isdigit((unsigned char)v[1]) ? v[1] - '0' :
	    tolower((unsigned char)v[1]) - 'a' + 10;
	r = env_add_rcpt(env, fields[0], fields[1], notify);
	r->state = v[0];
	r->reported = v[2] == '1';
	env_set_reason(r, fields[2], *fields[3] ? fields[3] : NULL);
	return 0;
}

/*
 * env_parse - read records up to "." or "M". *used gets the offset just
 * past the terminating record; the return value is 0, or SPOOL_BAD with
 * the reason in err. The terminator found is reported through the last
 * byte: *used points past "M\n" or ".\n"; the caller checks which.
 */
int
env_parse(const char *buf, size_t len, struct envelope *env, size_t *used,
    struct str *err)
{
	char line[ENV_LINE_MAX + 1];
	size_t pos = 0, n;
	long long num;
	int lineno = 0, seen_v = 0, seen_s = 0;

	env_init(env);
	while (pos < len) {
		const char *nl = memchr(buf + pos, '\n', len - pos);

		lineno++;
		if (nl == NULL) {
			str_printf(err, "envelope record %d: no end of line", lineno);
			goto bad;
		}
		n = (size_t)(nl - (buf + pos));
		if (n > ENV_LINE_MAX) {
			str_printf(err, "envelope record %d: too long", lineno);
			goto bad;
		}
		if (memchr(buf + pos, '\0', n) || memchr(buf + pos, '\r', n)) {
			str_printf(err, "envelope record %d: NUL or CR", lineno);
			goto bad;
		}
		memcpy(line, buf + pos, n);
		line[n] = '\0';
		pos += n + 1;
		if (!seen_v && strcmp(line, "V1") != 0 && strcmp(line, "V2") != 0) {
			str_printf(err, "not an envelope (no V1 or V2 record)");
			goto bad;
		}
		switch (line[0]) {
		case 'V':
			if (seen_v++) {
				str_printf(err, "duplicate V record");
				goto bad;
			}
			break;
		case 'I':
			if (!spool_id_valid(line + 1)) {
				str_printf(err, "bad queue ID record");
				goto bad;
			}
			memcpy(env->id, line + 1, SPOOL_ID_LEN + 1);
			break;
		case 'T': {
			char *sp = strchr(line + 1, ' ');
			long long usec;

			if (sp == NULL)
				goto badrec;
			*sp = '\0';
			if (parse_num(line + 1, TIME_MAX, &num) < 0 ||
			    parse_num(sp + 1, 999999, &usec) < 0)
				goto badrec;
			env->arrival = (time_t)num;
			env->arrival_usec = (long)usec;
			break;
		}
		case 'S':
			if (env_check_addr(line + 1, err) < 0 ||
			    take(&env->sender, line + 1, SPOOL_ADDR_MAX, err, "sender") < 0)
				goto bad;
			seen_s = 1;
			break;
		case 'F':
			if (take(&env->fullname, line + 1, SPOOL_FIELD_MAX, err, "full name") < 0)
				goto bad;
			break;
		case 'U':
			if (parse_num(line + 1, UID_MAX_LL, &num) < 0)
				goto badrec;
			env->uid = (long)num;
			break;
		case 'N':
			if (parse_num(line + 1, 2, &num) < 0)
				goto badrec;
			env->ret = (int)num;
			break;
		case 'E':
			if (take(&env->envid, line + 1, 100, err, "ENVID") < 0)
				goto bad;
			break;
		case 'Z':
			if (parse_num(line + 1, SIZE_MAX_LL, &num) < 0)
				goto badrec;
			env->size = num;
			break;
		case 'B':
			if (strcmp(line + 1, "7") != 0 && strcmp(line + 1, "8") != 0)
				goto badrec;
			env->body8bit = line[1] == '8';
			break;
		case 'Y':
			if (parse_num(line + 1, 1, &num) < 0)
				goto badrec;
			env->smtputf8 = (int)num;
			break;
		case 'A':
			if (parse_num(line + 1, 1000000, &num) < 0)
				goto badrec;
			env->attempts = (int)num;
			break;
		case 'W':
			if (parse_num(line + 1, TIME_MAX, &num) < 0)
				goto badrec;
			env->next_attempt = (time_t)num;
			break;
		case 'L':
			if (parse_num(line + 1, TIME_MAX, &num) < 0)
				goto badrec;
			env->last_attempt = (time_t)num;
			break;
		case 'D':
			if (parse_num(line + 1, 1, &num) < 0)
				goto badrec;
			env->warned = (int)num;
			break;
		case 'R':
			if (env->nmember > 0) {
				str_printf(err, "recipient record after member records");
				goto bad;
			}
			if (parse_rcpt(env, line + 1, err) < 0)
				goto bad;
			break;
		case 'X':
			if (parse_member(env, line + 1, err) < 0)
				goto bad;
			break;
		case '.':
		case 'M':
			if (line[1] != '\0')
				goto badrec;
			if (!seen_s || env->nrcpt == 0) {
				str_printf(err, "envelope without %s", seen_s ? "recipients" : "sender");
				goto bad;
			}
			*used = pos;
			return 0;
		default:
			goto badrec;
		}
	}
	str_printf(err, "envelope ends early (truncated file)");
	goto bad;
badrec:
	str_printf(err, "envelope record %d (%c) is malformed", lineno, line[0] ? line[0] : '?');
bad:
	env_free(env);
	return SPOOL_BAD;
}
