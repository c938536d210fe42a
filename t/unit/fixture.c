/*
 * fixture - set-up shared by the unit tests and the fuzz harnesses
 */
#include "config.h"

#include "fixture.h"
#include "log.h"
#include "str.h"

/* fixture_quiet - log as name, into /dev/null: no syslog traffic */
void
fixture_quiet(const char *name)
{
	log_open(name, 0);
	log_set_file("/dev/null");
}

/* fixture_collect - a filter sink (filter.h) that appends to a struct str */
int
fixture_collect(void *arg, const char *p, size_t n, struct str *err)
{
	(void)err;
	str_append(arg, p, n);
	return 0;
}
