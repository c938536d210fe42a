/*
 * spawn - run a command many times with a file on its standard input and
 * report the median wall time and the largest peak RSS of the children.
 *
 * A small C launcher, so that the children's ru_maxrss reflects the
 * program measured and not a large parent copied at fork time.
 *
 *	spawn RUNS INPUT command [args...]
 */
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/wait.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static int
cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

int
main(int argc, char **argv)
{
	struct timespec t0, t1;
	struct rusage ru;
	double *t;
	long maxrss = 0;
	int runs, i, status, fd;
	pid_t pid;

	if (argc < 4)
		return 64;
	runs = atoi(argv[1]);
	if (runs < 1 || (t = calloc((size_t)runs, sizeof(*t))) == NULL)
		return 64;
	for (i = 0; i < runs; i++) {
		if ((fd = open(argv[2], O_RDONLY)) < 0)
			return 66;
		clock_gettime(CLOCK_MONOTONIC, &t0);
		if ((pid = fork()) == 0) {
			dup2(fd, 0);
			execv(argv[3], argv + 3);
			_exit(127);
		}
		close(fd);
		if (wait4(pid, &status, 0, &ru) < 0 || !WIFEXITED(status) ||
		    WEXITSTATUS(status) != 0) {
			fprintf(stderr, "spawn: %s failed (status %d)\n", argv[3], status);
			return 1;
		}
		clock_gettime(CLOCK_MONOTONIC, &t1);
		t[i] = (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
		if (ru.ru_maxrss > maxrss)
			maxrss = ru.ru_maxrss;
	}
	qsort(t, (size_t)runs, sizeof(*t), cmp);
	printf("%.6f %ld\n", t[runs / 2], maxrss);
	return 0;
}
