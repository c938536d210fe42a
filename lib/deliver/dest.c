/*
 * dest - what one queue run knows about remote destinations: see dest.h
 */
#include "config.h"

#include <sys/mman.h>

#include <ctype.h>
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <string.h>

#include "dest.h"
#include "util.h"

struct slot {
	char		 key[DEST_KEY_MAX];	/* lower case; "" = free */
	int		 active;		/* jobs in flight */
	int		 alive;			/* a job got through */
	int		 dead;			/* a job found it unreachable */
	char		 reason[DEST_REASON_MAX];
};

struct table {
	pthread_mutex_t	 lock;
	struct slot	 slot[DEST_SLOTS];
};

static struct table *tab;

/* dest_table_create - the pass's table, shared with the workers it forks */
int
dest_table_create(void)
{
	pthread_mutexattr_t a;

	if (tab != NULL)
		return 0;
	tab = mmap(NULL, sizeof(*tab), PROT_READ | PROT_WRITE,
	    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (tab == MAP_FAILED) {
		tab = NULL;
		return -1;
	}
	if (pthread_mutexattr_init(&a) != 0 ||
	    pthread_mutexattr_setpshared(&a, PTHREAD_PROCESS_SHARED) != 0 ||
	    pthread_mutexattr_setrobust(&a, PTHREAD_MUTEX_ROBUST) != 0 ||
	    pthread_mutex_init(&tab->lock, &a) != 0) {
		munmap(tab, sizeof(*tab));
		tab = NULL;
		return -1;
	}
	pthread_mutexattr_destroy(&a);
	return 0;
}

/* dest_table_destroy - at the end of the pass */
void
dest_table_destroy(void)
{
	if (tab == NULL)
		return;
	munmap(tab, sizeof(*tab));
	tab = NULL;
}

static int
lock(void)
{
	int rc = pthread_mutex_lock(&tab->lock);

	if (rc == EOWNERDEAD) {
		/* a worker died holding it: the table is still consistent,
		   every change under the lock is a few stores */
		pthread_mutex_consistent(&tab->lock);
		rc = 0;
	}
	return rc;
}

/* find - the slot of key (lower-cased into k), or a free one, or NULL */
static struct slot *
find(const char *key, char *k)
{
	uint64_t h = 1469598103934665603ULL;
	size_t i, n;

	for (n = 0; key[n] && n < DEST_KEY_MAX - 1; n++) {
		k[n] = (char)tolower((unsigned char)key[n]);
		h = (h ^ (unsigned char)k[n]) * 1099511628211ULL;
	}
	k[n] = '\0';
	for (i = 0; i < DEST_SLOTS; i++) {
		struct slot *s = &tab->slot[(h + i) % DEST_SLOTS];

		if (s->key[0] == '\0' || strcmp(s->key, k) == 0)
			return s;
	}
	return NULL;
}

/* limit_of - how many jobs a destination may have in flight */
static int
limit_of(const struct slot *s, long limit)
{
	return s->alive ? (limit > 0 ? (int)limit : 1) : 1;
}

/* dest_acquire - may a job for key start now? See dest.h */
enum dest_state
dest_acquire(const char *key, long limit, int force, char *reason, size_t len)
{
	char k[DEST_KEY_MAX];
	enum dest_state st = DEST_OK;
	struct slot *s;

	if (tab == NULL || lock() != 0)
		return DEST_OK;
	if ((s = find(key, k)) != NULL) {
		if (s->key[0] == '\0')
			memcpy(s->key, k, sizeof(s->key));
		if (s->dead) {
			util_strlcpy(reason, s->reason, len);
			st = DEST_DEAD;
		} else if (s->active >= limit_of(s, limit) && !force)
			st = DEST_BUSY;
		else
			s->active++;
	}
	pthread_mutex_unlock(&tab->lock);
	return st;
}

/* dest_busy - would dest_acquire say DEST_BUSY now? */
int
dest_busy(const char *key, long limit)
{
	char k[DEST_KEY_MAX];
	struct slot *s;
	int busy = 0;

	if (tab == NULL || lock() != 0)
		return 0;
	if ((s = find(key, k)) != NULL && s->key[0] != '\0')
		busy = !s->dead && s->active >= limit_of(s, limit);
	pthread_mutex_unlock(&tab->lock);
	return busy;
}

/* dest_release - a job for key ended, and what it learned */
void
dest_release(const char *key, enum dest_outcome o, const char *reason)
{
	char k[DEST_KEY_MAX];
	struct slot *s;

	if (tab == NULL || lock() != 0)
		return;
	if ((s = find(key, k)) != NULL && s->key[0] != '\0') {
		if (s->active > 0)
			s->active--;
		if (o == DEST_UNREACHABLE) {
			s->dead = 1;
			util_strlcpy(s->reason, reason ? reason : "", sizeof(s->reason));
		} else if (o == DEST_ALIVE)
			s->alive = 1;
	}
	pthread_mutex_unlock(&tab->lock);
}
