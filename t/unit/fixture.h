/*
 * fixture - set-up shared by the unit tests (t/unit) and the fuzz
 * harnesses (t/fuzz). Nothing here uses Check, so the fuzzers can link
 * it; failures to set up panic().
 */
#ifndef PH_FIXTURE_H
#define PH_FIXTURE_H

#include <stddef.h>

#include "str.h"

void	 fixture_quiet(const char *);
int	 fixture_collect(void *, const char *, size_t, struct str *);

#endif
