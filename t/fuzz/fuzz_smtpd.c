/*
 * fuzz_smtpd - libFuzzer harness for the SMTP server engine: the command
 * parser, the policy checks and the DATA reader
 *
 * The first byte chooses the session: bit 0 a client in mynetworks, bit 1
 * smtpd_forbid_bare_newline = normalize, bit 2 local mode (sendmail -bs,
 * maildrop entries). The rest is what the client sends, read by the
 * engine from a memory file through netio; the replies go to another.
 * Accepted messages are written into a scratch spool under /tmp that is
 * emptied after each input. Checked promises: every reply line is a
 * three-digit code and a space or '-'; the session ends with nothing
 * half-written (no temporary file) and exactly as many spool entries as
 * "queued as" replies; each queue entry's envelope parses and names its
 * recipients. A broken promise aborts.
 */
#include "config.h"

#include <sys/mman.h>
#include <sys/stat.h>

#include <dirent.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../unit/fixture.h"
#include "conf.h"
#include "netio.h"
#include "smtpd.h"
#include "spool.h"
#include "str.h"
#include "util.h"

int	LLVMFuzzerInitialize(int *, char ***);
int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static char spool[64];

/* set - one setting, or die: the harness is broken */
static void
set(const char *name, const char *value)
{
	struct str err = STR_INIT;

	if (conf_set(name, value, &err) < 0) {
		fprintf(stderr, "fuzz_smtpd: %s\n", err.s);
		abort();
	}
	str_free(&err);
}

/* remove_spool - at exit: the scratch spool, emptied after each input */
static void
remove_spool(void)
{
	static const char *sub[] = { "maildrop", "corrupt", "queue" };
	const char *hex = "0123456789ABCDEF";
	char dir[128];
	size_t i;

	for (i = 0; i < 16; i++) {
		util_snprintf(dir, sizeof(dir), "%s/queue/%c", spool, hex[i]);
		(void)rmdir(dir);
	}
	for (i = 0; i < ARRAY_LEN(sub); i++) {
		util_snprintf(dir, sizeof(dir), "%s/%s", spool, sub[i]);
		(void)rmdir(dir);
	}
	(void)rmdir(spool);
}

/* LLVMFuzzerInitialize - a scratch spool and fixed settings */
int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct str err = STR_INIT;

	(void)argc;
	(void)argv;
	setenv("TZ", "UTC0", 1);
	fixture_quiet("fuzz_smtpd");
	util_strlcpy(spool, "/tmp/fuzz_smtpd.XXXXXX", sizeof(spool));
	if (mkdtemp(spool) == NULL)
		abort();
	set("spool_directory", spool);
	set("myhostname", "mail.example.org");
	set("mydestination", "example.org, mail.example.org");
	set("relay_domains", "relay.example");
	set("mynetworks", "127.0.0.0/8, [::1]/128");
	set("alias_maps", "");
	set("recipient_delimiter", "+");
	set("message_size_limit", "20000");
	set("smtpd_recipient_limit", "5");
	set("smtpd_hard_error_limit", "30");
	set("smtpd_greet_pause", "0");
	spool_setup(spool);
	if (spool_create_tree(getuid(), getgid(), getgid(), 0, &err) < 0)
		abort();
	atexit(remove_spool);
	str_free(&err);
	return 0;
}

/* sweep - count and remove the files of one directory; temporaries abort */
static int
sweep(const char *dir, const char *suffix)
{
	DIR *d;
	struct dirent *e;
	struct str path = STR_INIT, data = STR_INIT, err = STR_INIT;
	struct envelope env;
	size_t used;
	int n = 0, fd;

	if ((d = opendir(dir)) == NULL)
		abort();
	while ((e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		if (e->d_name[0] == '.')
			abort();	/* a temporary left behind */
		str_reset(&path);
		str_printf(&path, "%s/%s", dir, e->d_name);
		if (suffix && strstr(e->d_name, suffix) != NULL) {
			n++;
			str_reset(&data);
			if ((fd = open(path.s, O_RDONLY)) < 0 ||
			    spool_read_fd(fd, 1 << 20, &data, &err) < 0)
				abort();
			close(fd);
			if (env_parse(data.s, data.len, &env, &used, &err) != 0 ||
			    env.nrcpt == 0 || env.sender == NULL)
				abort();
			env_free(&env);
		} else if (suffix == NULL)
			n++;
		if (unlink(path.s) < 0)
			abort();
	}
	closedir(d);
	str_free(&path);
	str_free(&data);
	str_free(&err);
	return n;
}

/* entries - spool entries the session left, removed */
static int
entries(void)
{
	char dir[128];
	const char *hex = "0123456789ABCDEF";
	int n = 0, i;

	for (i = 0; i < 16; i++) {
		util_snprintf(dir, sizeof(dir), "%s/queue/%c", spool, hex[i]);
		n += sweep(dir, ".env");
	}
	util_snprintf(dir, sizeof(dir), "%s/maildrop", spool);
	return n + sweep(dir, NULL);
}

/* check_replies - every line a reply line; returns the "queued as" count */
static int
check_replies(const char *p, size_t n)
{
	const char *end = p + n, *nl;
	int queued = 0;

	while (p < end) {
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			abort();
		if (nl - p < 5 || nl[-1] != '\r' || p[0] < '2' || p[0] > '5' ||
		    p[1] < '0' || p[1] > '9' || p[2] < '0' || p[2] > '9' ||
		    (p[3] != ' ' && p[3] != '-'))
			abort();
		if (nl - p > 30 && memcmp(p, "250 2.0.0 Ok: queued as ", 24) == 0)
			queued++;
		p = nl + 1;
	}
	return queued;
}

/* LLVMFuzzerTestOneInput - one session */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct smtpd_conf c;
	struct smtpd_client cl;
	struct str err = STR_INIT, out = STR_INIT;
	struct netio *nio;
	int in, outfd, queued;
	unsigned mode;

	if (size < 1)
		return 0;
	mode = data[0];
	data++;
	size--;
	set("smtpd_forbid_bare_newline", mode & 2 ? "normalize" : "yes");
	if (smtpd_conf_load(&c, (mode & 4) != 0, &err) < 0)
		abort();
	memset(&cl, 0, sizeof(cl));
	cl.rfd = -1;
	cl.uid = (long)getuid();
	util_strlcpy(cl.addr, mode & 1 ? "127.0.0.1" : "192.0.2.1", sizeof(cl.addr));
	util_strlcpy(cl.name, "unknown", sizeof(cl.name));
	if ((in = memfd_create("in", 0)) < 0 || (outfd = memfd_create("out", 0)) < 0)
		abort();
	if (util_write_all(in, data, size) < 0 || lseek(in, 0, SEEK_SET) != 0)
		abort();
	nio = netio_new(in, outfd);
	smtpd_session(nio, &c, &cl);
	netio_free(nio);
	if (lseek(outfd, 0, SEEK_SET) != 0 ||
	    util_read_until(outfd, &out, 1 << 24, util_now_ms() + 10000) != 1)
		abort();
	queued = check_replies(out.s ? out.s : "", out.len);
	if (entries() != queued)
		abort();
	close(in);
	close(outfd);
	smtpd_conf_free(&c);
	str_free(&err);
	str_free(&out);
	return 0;
}
