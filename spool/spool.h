/*
 * spool - the queue: ids, the envelope format, commit, pickup, scan, locks
 *
 * On-disk layout (under spool_directory):
 *
 *   maildrop/ID         one file per submission: envelope records, an "M"
 *                       line, then the message. Written by sendmail, read
 *                       by runq's pickup as untrusted input.
 *   queue/H/ID.msg      the message as queued (Received: line first),
 *                       immutable once written. H is spool_hash(ID).
 *   queue/H/ID.env      the envelope, rewritten (temporary file, fsync,
 *                       rename) after every delivery attempt.
 *   hold/ID.env, ID.msg an entry on hold (posthorn hold): moved here from
 *                       queue/H by rename, never delivered until released
 *                       (admin.c).
 *   corrupt/ID          maildrop or queue files that failed validation.
 *   queue/maildrop.stamp its modification time is the maildrop's when a
 *                       pickup last found it empty (maildrop.c).
 *
 * Error contract: functions return 0 on success and -1 on failure with a
 * human-readable reason in the struct str they are given; they never exit.
 * Reading and locking functions say more through enum spool_rc: whether a
 * failure is the data's fault (SPOOL_BAD) or the system's (SPOOL_SYSERR),
 * or the entry is locked (SPOOL_BUSY) or gone (SPOOL_GONE). Every failure
 * is negative, so "< 0" means "failed"; a caller that needs to know why
 * compares against the names, never against numbers.
 * See envelope.c for the record format and maildrop.c for the layout of
 * a maildrop entry (envelope V2: 64-bit numbers, a fixed-width Z record
 * that sendmail fills in once the message is written, and the B and Y
 * records that say whether the message needs 8BITMIME or SMTPUTF8).
 *
 * Writing: every file goes through a struct spool_writer (writer.c):
 * created under a hidden temporary name, written in chunks or copied
 * from a descriptor through a fixed buffer, committed with fsync, rename
 * and a directory fsync. No message is ever held whole in memory.
 */
#ifndef PH_SPOOL_H
#define PH_SPOOL_H

#include <sys/types.h>

#include <stdint.h>
#include <time.h>

#include "str.h"

#define SPOOL_ID_LEN	21	/* 8 hex seconds, 5 hex usec, 6 hex pid, 2 hex counter */
#define SPOOL_ADDR_MAX	512	/* longest envelope address accepted */
#define SPOOL_FIELD_MAX	1024	/* longest other envelope field */
#define SPOOL_RCPT_MAX	10000	/* most recipients in one message */

/*
 * What spool functions return: SPOOL_OK, or a negative failure. The one
 * positive value, SPOOL_DONE, is a success that left nothing to do; only
 * spool_queue_begin returns it.
 */
enum spool_rc {
	SPOOL_DONE = 1,		/* spool_queue_begin: the entry exists whole */
	SPOOL_OK = 0,
	SPOOL_SYSERR = -1,	/* the system failed (I/O, space) */
	SPOOL_BAD = -2,		/* the data is malformed */
	SPOOL_BUSY = -3,	/* another process holds the lock */
	SPOOL_GONE = -4		/* the entry no longer exists */
};

/* DSN NOTIFY bits (RFC 3461); zero means the default, FAILURE and DELAY */
#define NOTIFY_NEVER	0x1
#define NOTIFY_SUCCESS	0x2
#define NOTIFY_FAILURE	0x4
#define NOTIFY_DELAY	0x8

/* DSN RET */
#define RET_DEFAULT	0
#define RET_FULL	1
#define RET_HDRS	2

/* recipient states */
#define RCPT_PENDING	'P'	/* not yet delivered; reason says why if tried */
#define RCPT_SENT	'S'	/* delivered */
#define RCPT_FAILED	'F'	/* failed for good */

struct rcpt {
	char	*addr;		/* envelope recipient, as qualified */
	char	*orcpt;		/* original recipient (DSN ORCPT) or NULL */
	char	 state;		/* RCPT_* */
	int	 notify;	/* NOTIFY_* bits */
	int	 reported;	/* a DSN covering the final state was queued */
	char	 dsn[16];	/* enhanced status code of the last result */
	char	*reason;	/* last result text or NULL */
};

/*
 * A member: one final target that local delivery reached by expanding a
 * recipient (an alias member, a line of a .forward or :include: file, a
 * forwarded address), once it has a final result. key is a 64-bit hash
 * of what the target is (kind, target, identity), so that the envelope
 * never holds the text of a user's file; a retry skips members that
 * have their copy (S) and repeats the verdict of those that failed (F).
 */
struct member {
	uint64_t key;
	char	 state;		/* RCPT_SENT or RCPT_FAILED */
	char	 dsn[16];
	char	*reason;	/* or NULL */
};

#define SPOOL_MEMBER_MAX 100000	/* most members recorded for one message */

struct envelope {
	char	 id[SPOOL_ID_LEN + 1];
	time_t	 arrival;
	long	 arrival_usec;
	char	*sender;	/* "" is the null sender */
	char	*fullname;	/* -F, or NULL */
	long	 uid;		/* submitting user */
	int	 ret;		/* RET_* */
	char	*envid;		/* DSN ENVID or NULL */
	long long size;		/* message bytes */
	int	 attempts;
	time_t	 next_attempt;
	time_t	 last_attempt;
	int	 warned;	/* a delay warning was sent */
	int	 body8bit;	/* the body has bytes over 127 (8BITMIME) */
	int	 smtputf8;	/* non-ASCII in the header or an address */
	struct rcpt *rcpt;
	size_t	 nrcpt;
	size_t	 rcpt_cap;
	struct member *member;	/* expanded targets done (queue files only) */
	size_t	 nmember;
	size_t	 member_cap;
};

/* a file being written: see writer.c */
struct spool_writer {
	int	 fd;
	int	 open;		/* the temporary exists */
	long long size;		/* bytes written */
	struct str dir;
	struct str tmp;
	struct str final;
};

#define SPOOL_NOSYNC	0x1	/* in a batch: spool_batch_end syncs */
#define SPOOL_NODIRSYNC	0x2	/* the next commit in this directory syncs it */

/* maildrop entries whose removal waits for one syncfs (pickup) */
struct spool_batch {
	char	**unlink;
	size_t	 n;
};

/* envelope.c */
void	 env_init(struct envelope *);
void	 env_free(struct envelope *);
struct rcpt *env_add_rcpt(struct envelope *, const char *, const char *, int);
void	 env_set_reason(struct rcpt *, const char *, const char *);
void	 env_format(const struct envelope *, struct str *);
int	 env_parse(const char *, size_t, struct envelope *, size_t *, struct str *);
int	 env_check_addr(const char *, struct str *);
int	 env_pending(const struct envelope *);
struct member *env_find_member(const struct envelope *, uint64_t);
struct member *env_set_member(struct envelope *, uint64_t, char, const char *,
	    const char *);
uint64_t env_member_key(const char *, const char *, long);

/* spool.c */
int	 spool_check_space(long long, long long, struct str *);
int	 spool_lock(int);
int	 spool_lock_held(int);
int	 spool_id_new(char *, size_t, time_t *, long *);
int	 spool_id_valid(const char *);
char	 spool_hash(const char *);
void	 spool_setup(const char *);
void	 spool_set_owner(uid_t, gid_t);
void	 spool_get_owner(uid_t *, gid_t *);
void	 spool_batch_init(struct spool_batch *);
void	 spool_batch_unlink(struct spool_batch *, const char *);
int	 spool_batch_end(struct spool_batch *, struct str *);
int	 spool_sync(struct str *);
const char *spool_dir(void);
int	 spool_path(struct str *, const char *, const char *, const char *);
int	 spool_create_tree(uid_t, gid_t, gid_t, int, struct str *);
int	 spool_check_tree(struct str *);
int	 spool_audit_tree(uid_t, uid_t, gid_t, gid_t,
	    void (*)(int, const char *, void *), void *);
struct stat;
int	 spool_stat_tree(struct stat *, struct str *);
int	 spool_ready(const struct stat *, struct str *);
int	 spool_write_file(const char *, const char *, const void *, size_t,
	    const void *, size_t, mode_t, int *, struct str *);

/* writer.c */
int	 spool_writer_open(struct spool_writer *, const char *, const char *,
	    mode_t, struct str *);
int	 spool_writer_write(struct spool_writer *, const void *, size_t,
	    struct str *);
int	 spool_writer_pwrite(struct spool_writer *, const void *, size_t, off_t,
	    struct str *);
int	 spool_writer_copy_fd(struct spool_writer *, int, off_t, long long,
	    struct str *);
int	 spool_writer_commit(struct spool_writer *, int, int *, struct str *);
void	 spool_writer_abort(struct spool_writer *);

/* maildrop.c */
int	 spool_maildrop_begin(struct spool_writer *, const struct envelope *,
	    off_t *, off_t *, struct str *);
int	 spool_maildrop_commit(struct spool_writer *, struct envelope *, off_t,
	    off_t, struct str *);
int	 spool_maildrop_parse(const char *, size_t, struct envelope *, size_t *, struct str *);
int	 spool_maildrop_read_env(int, struct envelope *, off_t *, struct str *);
int	 spool_maildrop_mark_empty(struct str *);
int	 spool_maildrop_waiting(void);

/* queue.c */
int	 spool_queue_begin(const char *, struct spool_writer *, struct str *);
int	 spool_queue_finish(struct spool_writer *, const struct envelope *,
	    struct spool_batch *, struct str *);
int	 spool_queue_env(const struct envelope *, int, struct str *);
int	 spool_queue_commit(const struct envelope *, const void *, size_t,
	    const void *, size_t, struct str *);
int	 spool_env_open(const char *, int, int *, struct envelope *, struct str *);
int	 spool_env_open_at(const char *, const char *, int, int *, struct envelope *,
	    struct str *);
int	 spool_env_lock_at(const char *, const char *, int, int *, struct str *);
int	 spool_env_update(int *, const struct envelope *, struct str *);
int	 spool_msg_open(const char *, struct str *);
int	 spool_read_fd(int, size_t, struct str *, struct str *);
int	 spool_remove(const char *, struct str *);
int	 spool_move_corrupt(const char *, const char *, struct str *);
int	 spool_pickup_one(const char *, long long, const char *,
	    struct spool_batch *, struct envelope *, struct str *);
int	 spool_list_dir(const char *, char ***, size_t *, struct str *);
void	 spool_list_free(char **, size_t);

int	 spool_scan_queue(char ***, size_t *, struct str *);

/* admin.c */
int	 spool_hold(const char *, struct str *);
int	 spool_release(const char *, struct str *);
int	 spool_requeue(const char *, time_t, struct str *);
int	 spool_delete(const char *, struct str *);
int	 spool_hold_repair(const char *, struct str *);
int	 spool_scan_hold(char ***, size_t *, struct str *);

#endif
