/*
 * bodyencf - encode standard input with bodyenc, for t/integ/bodyenc.sh
 *
 * SYNOPSIS
 *	bodyencf [-7] [-c chunk] < message > data
 *
 * DESCRIPTION
 *	Reads the message from standard input in pushes of chunk bytes
 *	(default 4096) and writes what bodyenc makes of it, the DATA content
 *	without the final ".". -7 asks for the 7-bit conversion. Exits 0, 1
 *	when bodyenc_failed() (the reason on standard error), 2 on a read or
 *	write error or bad usage.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bodyenc.h"
#include "util.h"

/* out - emit() to standard output */
static int
out(void *arg, const char *p, size_t n)
{
	(void)arg;
	return util_write_all(STDOUT_FILENO, p, n) == 0 ? 0 : -1;
}

int
main(int argc, char **argv)
{
	struct bodyenc *be;
	long chunk = 4096;
	char *buf;
	ssize_t n;
	int c, flags = 0, rc = 0;

	while ((c = getopt(argc, argv, "7c:")) != -1) {
		switch (c) {
		case '7':
			flags |= BODYENC_7BIT;
			break;
		case 'c':
			if (util_parse_long(optarg, 1, 1 << 24, &chunk) != 0)
				return 2;
			break;
		default:
			fprintf(stderr, "usage: bodyencf [-7] [-c chunk]\n");
			return 2;
		}
	}
	buf = xmalloc((size_t)chunk);
	be = bodyenc_new(flags, out, NULL);
	while ((n = read(STDIN_FILENO, buf, (size_t)chunk)) > 0)
		if (bodyenc_push(be, buf, (size_t)n) != 0)
			break;
	if (n < 0)
		rc = 2;
	else if (!bodyenc_failed(be) && bodyenc_error(be) == NULL)
		bodyenc_end(be);
	if (bodyenc_error(be) != NULL) {
		fprintf(stderr, "bodyencf: %s\n", bodyenc_error(be));
		rc = bodyenc_failed(be) ? 1 : 2;
	}
	bodyenc_free(be);
	free(buf);
	return rc;
}
