/*
 * filter - the incremental input filter for a submitted message
 *
 * See filter.h for what it does. How: bytes are normalised one line end
 * at a time (a CR waits in cr until the next byte says whether it ends a
 * line), and the start of a line that could still turn out to be a lone
 * "." or the first line's "From " waits in hold until it is decided.
 * Everything else is copied in runs to the output buffer, which goes to
 * the sink when it is full and at the end of every filter_feed, so the
 * memory used is the size of struct filter, whatever the message.
 */
#include "config.h"

#include <string.h>
#include <sysexits.h>

#include "filter.h"

static const char from_[] = "From ";

/* filter_init - a filter at the start of a message */
void
filter_init(struct filter *f, int ignore_dots, long long limit,
    filter_sink sink, void *arg)
{
	memset(f, 0, sizeof(*f));
	f->ignore_dots = ignore_dots;
	f->limit = limit;
	f->sink = sink;
	f->arg = arg;
	f->bol = 1;
	f->first = 1;
}

/* flush - pass the output buffer to the sink */
static int
flush(struct filter *f, struct str *err)
{
	int rc;

	if (f->nout == 0)
		return 0;
	rc = f->sink(f->arg, f->out, f->nout, err);
	f->nout = 0;
	return rc;
}

/* emit - output n bytes, checking the limit */
static int
emit(struct filter *f, const char *p, size_t n, struct str *err)
{
	size_t k;
	int rc;

	f->total += (long long)n;
	if (f->limit > 0 && f->total > f->limit) {
		str_printf(err, "message exceeds message_size_limit (%lld bytes)", f->limit);
		return EX_DATAERR;
	}
	while (n > 0) {
		if (f->nout == sizeof(f->out) && (rc = flush(f, err)) != 0)
			return rc;
		k = sizeof(f->out) - f->nout;
		if (k > n)
			k = n;
		memcpy(f->out + f->nout, p, k);
		f->nout += k;
		p += k;
		n -= k;
	}
	return 0;
}

/* release - the held start of a line turned out to be ordinary text */
static int
release(struct filter *f, struct str *err)
{
	size_t n = f->nhold;

	f->nhold = 0;
	return n ? emit(f, f->hold, n, err) : 0;
}

/* end_line - an LF arrives */
static int
end_line(struct filter *f, struct str *err)
{
	int rc = 0;

	if (f->skip) {
		f->skip = 0;		/* the From_ line is gone, LF and all */
	} else if (!f->ignore_dots && f->nhold == 1 && f->hold[0] == '.') {
		f->nhold = 0;
		f->done = 1;
		return FILTER_DONE;
	} else if ((rc = release(f, err)) == 0)
		rc = emit(f, "\n", 1, err);
	f->first = 0;
	f->bol = 1;
	return rc;
}

/* put - one byte of a line other than LF (a lone CR among them) */
static int
put(struct filter *f, char c, struct str *err)
{
	int rc;

	if (f->skip)
		return 0;
	if (f->bol) {
		f->bol = 0;
		if ((c == '.' && !f->ignore_dots) || (c == 'F' && f->first)) {
			f->hold[f->nhold++] = c;
			return 0;
		}
		return emit(f, &c, 1, err);
	}
	if (f->nhold > 0) {
		/* only a "From " prefix can still grow */
		if (f->hold[0] == 'F' && f->first && c == from_[f->nhold]) {
			f->hold[f->nhold++] = c;
			if (f->nhold == 5) {
				f->nhold = 0;
				f->skip = 1;
			}
			return 0;
		}
		if ((rc = release(f, err)) != 0)
			return rc;
	}
	return emit(f, &c, 1, err);
}

/* filter_feed - filter len more bytes; see filter.h */
int
filter_feed(struct filter *f, const char *p, size_t len, struct str *err)
{
	size_t i = 0, run;
	int rc = 0, frc;

	if (f->done)
		return FILTER_DONE;
	while (i < len && rc == 0) {
		char c = p[i];

		/*
		 * The common case: ordinary lines after the first, nothing
		 * waiting. They go on as one span, up to a CR, a NUL, or a
		 * line that starts with a dot, which the byte-wise path below
		 * looks at.
		 */
		if (!f->cr && f->nhold == 0 && !f->skip && !f->first) {
			int bol = f->bol;

			for (run = i; run < len; run++) {
				c = p[run];
				if (c == '\r' || c == '\0' ||
				    (bol && c == '.' && !f->ignore_dots))
					break;
				bol = c == '\n';
			}
			if (run > i) {
				rc = emit(f, p + i, run - i, err);
				f->bol = bol;
				i = run;
				continue;
			}
			c = p[i];
		}
		i++;
		if (c == '\0') {
			str_printf(err, "message contains a NUL byte (binary data must be MIME-encoded)");
			return EX_DATAERR;
		}
		if (f->cr) {
			f->cr = 0;
			if (c == '\n') {
				rc = end_line(f, err);
				continue;
			}
			if ((rc = put(f, '\r', err)) != 0)	/* lone CR: keep */
				break;
		}
		if (c == '\r')
			f->cr = 1;
		else if (c == '\n')
			rc = end_line(f, err);
		else
			rc = put(f, c, err);
	}
	if (rc != 0 && rc != FILTER_DONE)
		return rc;
	/* the output so far goes now: the sink sees data as it arrives */
	if ((frc = flush(f, err)) != 0)
		return frc;
	return rc;
}

/*
 * filter_finish - the input has ended: a CR still waiting is kept, a last
 * line without LF gets one (unless it is a lone "." or the first line's
 * "From "), and the rest of the output goes to the sink.
 */
int
filter_finish(struct filter *f, struct str *err)
{
	int rc;

	if (f->done)
		return 0;
	if (f->cr) {
		f->cr = 0;
		if ((rc = put(f, '\r', err)) != 0)
			return rc;
	}
	if (!f->bol) {
		if (f->skip)
			f->skip = 0;
		else if (!f->ignore_dots && f->nhold == 1 && f->hold[0] == '.')
			f->nhold = 0;
		else if ((rc = release(f, err)) != 0 ||
		    (rc = emit(f, "\n", 1, err)) != 0)
			return rc;
		f->bol = 1;
	}
	return flush(f, err);
}
