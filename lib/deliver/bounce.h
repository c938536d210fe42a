/*
 * bounce - delivery status notifications (RFC 3464, RFC 3461, RFC 3463)
 *
 * bounce_count() says how many recipients of an envelope need a notice of
 * a kind now; bounce_make() builds that notice as a new queue entry (an
 * envelope and a message) for the caller to commit with
 * spool_queue_commit() and then to mark the recipients reported (FAILED,
 * DELIVERED) or the envelope warned (DELAYED).
 *
 * The notice is a multipart/report in the shape of Postfix's bounce(8)
 * output: a text/plain explanation, a message/delivery-status part, and
 * the returned message (message/rfc822) or only its header section
 * (text/rfc822-headers).
 *
 * Error contract: bounce_make returns 0, or -1 with a human-readable
 * reason in err (out_env is then empty and out_msg reset). It never
 * exits, except through the x*alloc family on allocation failure and
 * through conf_time on a bad maximal_queue_lifetime or delay_warning_time
 * (configuration errors, as everywhere else).
 */
#ifndef PH_BOUNCE_H
#define PH_BOUNCE_H

#include <stddef.h>

struct envelope;
struct str;

/* Postfix's bounce_size_limit: larger messages come back as headers only */
#define BOUNCE_SIZE_LIMIT	50000

/* RFC 5322 2.1.1: no line may be longer than this, without its LF */
/*
 * A sent recipient's reason that starts with this went to a next hop
 * without DSN: its success notice says "Action: relayed" (RFC 3464 2.3.3)
 */
#define BOUNCE_RELAYED_MARK	"relayed to a host without DSN support: "

#define BOUNCE_LINE_MAX		998

enum bounce_kind {
	BOUNCE_FAILED,		/* "Undelivered Mail Returned to Sender" */
	BOUNCE_DELAYED,		/* "Delayed Mail (still being retried)" */
	BOUNCE_DELIVERED	/* "Successful Mail Delivery Report" */
};

/*
 * Which recipients need a notice of this kind now (RFC 3461 NOTIFY; a
 * notify of 0 means the default, FAILURE and DELAY; NEVER wins over any
 * other bit):
 *   FAILED     state F, not reported, notify 0 or FAILURE
 *   DELAYED    state P, notify 0 or DELAY, and the envelope not warned
 *   DELIVERED  state S, not reported, SUCCESS
 * Mail from the null sender never gets a notice: the count is then 0.
 */
size_t	 bounce_count(const struct envelope *, enum bounce_kind);

/*
 * Build the notice for those recipients. msg_fd is the queued message
 * (ID.msg) open for reading; it is read with pread, so its offset does not
 * matter and is not changed. myhostname names this host (From:,
 * Message-Id:, Reporting-MTA:); postmaster may be NULL ("postmaster").
 * out_env gets a new queue ID, arrival now, the null sender and one
 * recipient, the original sender, with NOTIFY NEVER; out_msg the whole
 * message with LF line ends. The Will-Retry-Until field and the delay
 * text read maximal_queue_lifetime and delay_warning_time from the
 * configuration. Fails for the null sender, when no recipient needs this
 * notice, and when the message file cannot be read.
 */
int	 bounce_make(const struct envelope *, int, enum bounce_kind,
	    const char *, const char *, struct envelope *, struct str *,
	    struct str *);

#endif
