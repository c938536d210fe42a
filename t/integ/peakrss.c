/*
 * peakrss - run one command and report its peak resident set size
 *
 * SUMMARY
 *	peakrss OUTFILE command [args...]
 *
 * DESCRIPTION
 *	Runs the command with this program's standard input and output,
 *	waits for it, and writes its peak RSS in KiB (ru_maxrss from
 *	wait4, which covers the command and the children it waited for) to
 *	OUTFILE. Exits with the command's exit status.
 *
 *	A small C launcher, so that the figure is the command's own: a
 *	child forked from a large parent (a Python interpreter) starts with
 *	the parent's pages counted and would hide a small program's peak.
 */
#include <sys/resource.h>
#include <sys/wait.h>

#include <stdio.h>
#include <unistd.h>

int
main(int argc, char **argv)
{
	struct rusage ru;
	FILE *fp;
	pid_t pid;
	int status;

	if (argc < 3) {
		fprintf(stderr, "usage: peakrss outfile command [args...]\n");
		return 64;
	}
	if ((pid = fork()) < 0) {
		perror("peakrss: fork");
		return 71;
	}
	if (pid == 0) {
		execv(argv[2], argv + 2);
		perror("peakrss: exec");
		_exit(127);
	}
	if (wait4(pid, &status, 0, &ru) < 0) {
		perror("peakrss: wait4");
		return 71;
	}
	if ((fp = fopen(argv[1], "w")) == NULL ||
	    fprintf(fp, "%ld\n", ru.ru_maxrss) < 0 || fclose(fp) != 0) {
		perror("peakrss: write");
		return 74;
	}
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}
