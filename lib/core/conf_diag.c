/*
 * conf_diag - what the last conf_load found in the file: warnings
 * (unknown names) and errors (bad lines and values, which were ignored),
 * kept for conf_report and conf_diag; and the edit distance behind the
 * "did you mean" of conf_suggest. See conf.h.
 */
#include "config.h"

#include <sys/param.h>

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "conf_int.h"
#include "log.h"
#include "util.h"

/*
 * What the last conf_load found: warnings (unknown names) and errors (bad
 * lines and values, which were ignored), for conf_report and conf_diag.
 */
struct conf_diag {
	int	 error;
	char	*text;
};
static struct conf_diag *diags;
static size_t ndiags;

/* conf_diag_clear - forget what the last conf_load found */
void
conf_diag_clear(void)
{
	size_t i;

	for (i = 0; i < ndiags; i++)
		free(diags[i].text);
	free(diags);
	diags = NULL;
	ndiags = 0;
}

/* conf_diag_add - remember a warning (error 0) or an error found in the file */
void
conf_diag_add(int error, const char *fmt, ...)
{
	struct str t = STR_INIT;
	va_list ap;

	va_start(ap, fmt);
	str_vprintf(&t, fmt, ap);
	va_end(ap);
	diags = xreallocarray(diags, ndiags + 1, sizeof(*diags));
	diags[ndiags].error = error;
	diags[ndiags].text = str_steal(&t);
	ndiags++;
}

/*
 * conf_distance - the optimal string alignment distance of a and b (edits:
 * insert, delete, replace, swap two neighbours), at most 99
 */
int
conf_distance(const char *a, const char *b)
{
	int rows[3][65], *prev2 = rows[0], *prev = rows[1], *cur = rows[2], *t;
	size_t la = strlen(a), lb = strlen(b), i, j;
	int c;

	if (la > 64 || lb > 64)
		return 99;
	for (j = 0; j <= lb; j++)
		prev[j] = (int)j;
	for (i = 1; i <= la; i++) {
		cur[0] = (int)i;
		for (j = 1; j <= lb; j++) {
			c = a[i - 1] != b[j - 1];
			cur[j] = MIN(MIN(prev[j] + 1, cur[j - 1] + 1), prev[j - 1] + c);
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
				cur[j] = MIN(cur[j], prev2[j - 2] + 1);
		}
		t = prev2; prev2 = prev; prev = cur; cur = t;
	}
	return prev[lb];
}

/* conf_diag_first_error - the text of the first error found, or NULL */
const char *
conf_diag_first_error(void)
{
	size_t i;

	for (i = 0; i < ndiags; i++)
		if (diags[i].error)
			return diags[i].text;
	return NULL;
}

/*
 * conf_report - log what the last conf_load found: unknown names as
 * warnings, bad lines and values as errors. Returns the number of errors.
 */
int
conf_report(void)
{
	size_t i;
	int n = 0;

	for (i = 0; i < ndiags; i++) {
		if (diags[i].error) {
			log_error("%s", diags[i].text);
			n++;
		} else
			log_warning("%s", diags[i].text);
	}
	return n;
}

/* conf_diag - the i-th finding of the last conf_load, or NULL past the end */
const char *
conf_diag(size_t i, int *error)
{
	if (i >= ndiags)
		return NULL;
	*error = diags[i].error;
	return diags[i].text;
}
