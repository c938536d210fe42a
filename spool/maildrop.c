/*
 * maildrop - submission entries: envelope records, "M", the message
 *
 * sendmail writes an entry with spool_maildrop_write; runq's pickup reads
 * it back with spool_maildrop_parse as untrusted input: the records are
 * bounded and checked (see envelope.c), the message size must match the Z
 * record exactly, so a truncated or padded file is refused, and the queue
 * ID record must name the file.
 *
 * SECURITY: the maildrop is writable by group phdrop, so any local user
 * can put any bytes here. Nothing in an entry is trusted for privilege:
 * the submitting uid is the file's owner (pickup), not the U record.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "spool.h"
#include "util.h"

/* spool_maildrop_write - commit a submission into the maildrop */
int
spool_maildrop_write(const struct envelope *env, const struct str *msg,
    struct str *err)
{
	struct str head = STR_INIT, dir = STR_INIT;
	int rc;

	env_format(env, &head);
	str_appends(&head, "M\n");
	spool_path(&dir, "maildrop", NULL, NULL);
	/* 0444, as Postfix's postdrop: the directory keeps others out */
	rc = spool_write_file(dir.s, env->id, head.s, head.len, msg->s, msg->len,
	    0444, NULL, err);
	str_free(&head);
	str_free(&dir);
	return rc;
}

/*
 * spool_maildrop_parse - read an entry held in memory. *msg_off gets the
 * offset of the message. Returns 0 or SPOOL_BAD.
 */
int
spool_maildrop_parse(const char *buf, size_t len, struct envelope *env,
    size_t *msg_off, struct str *err)
{
	size_t used = 0;

	if (env_parse(buf, len, env, &used, err) < 0)
		return SPOOL_BAD;
	if (used < 2 || buf[used - 2] != 'M') {
		str_printf(err, "maildrop entry without a message");
		goto bad;
	}
	if (env->id[0] == '\0') {
		str_printf(err, "maildrop entry without a queue ID");
		goto bad;
	}
	if (env->size < 0 || (unsigned long long)env->size != (unsigned long long)(len - used)) {
		str_printf(err, "message size %zu does not match the envelope's %lld",
		    len - used, env->size);
		goto bad;
	}
	*msg_off = used;
	return 0;
bad:
	env_free(env);
	return SPOOL_BAD;
}
