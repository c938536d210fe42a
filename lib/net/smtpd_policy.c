/*
 * smtpd_policy - what smtpd accepts: settings, mynetworks, relaying,
 * local recipients, AUTH
 *
 * DESCRIPTION
 *	smtpd_conf_load reads the smtpd settings of posthorn.conf into a
 *	struct smtpd_conf once per session. mynetworks is a list of
 *	networks in CIDR notation, IPv4 and IPv6 ("192.0.2.0/24",
 *	"[2001:db8::]/32", a bare address is one host). The password file
 *	for AUTH holds "name:hash" lines, hash as crypt(3) makes it
 *	("$y$...", "$6$..."), '#' comments; it is read whole into memory
 *	(bounded) by smtpd_load_users before smtpd gives up root.
 *
 *	The relay decision itself is in smtpd.c (rcpt_policy): local
 *	domains take local users and aliases (local_rcpt_known, the
 *	look-ups local delivery makes), relay_domains anything, other
 *	domains only from mynetworks, an authenticated client or a local
 *	caller.
 *
 * SECURITY
 *	Everything here runs as the spool owner, except smtpd_load_users,
 *	which the main calls as root before dropping privileges when the
 *	file is root's. A password never reaches a log line.
 */
#include "config.h"

#include <sys/socket.h>
#include <sys/stat.h>

#include <arpa/inet.h>
#include <crypt.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "aliases.h"
#include "conf.h"
#include "log.h"
#include "smtpd.h"
#include "util.h"

#define USERS_FILE_MAX	(1024 * 1024)

/*
 * smtpd_net_parse - one mynetworks entry: "addr", "addr/len",
 * "[v6addr]/len". 0 or -1 when malformed.
 */
int
smtpd_net_parse(const char *text, struct smtpd_net *net)
{
	char buf[128], *slash, *a = buf;
	long len;
	size_t n;

	if (util_strlcpy(buf, text, sizeof(buf)) < 0)
		return -1;
	memset(net, 0, sizeof(*net));
	if ((slash = strchr(buf, '/')) != NULL)
		*slash++ = '\0';
	n = strlen(a);
	if (n >= 2 && a[0] == '[' && a[n - 1] == ']') {
		a[n - 1] = '\0';
		a++;
	}
	if (inet_pton(AF_INET, a, net->addr) == 1) {
		net->family = AF_INET;
		net->prefix = 32;
	} else if (inet_pton(AF_INET6, a, net->addr) == 1) {
		net->family = AF_INET6;
		net->prefix = 128;
	} else
		return -1;
	if (slash != NULL) {
		if (util_parse_long(slash, 0, net->prefix, &len) < 0)
			return -1;
		net->prefix = (int)len;
	}
	return 0;
}

/* prefix_match - do the first bits of a and b agree? */
static int
prefix_match(const unsigned char *a, const unsigned char *b, int bits)
{
	int full = bits / 8, rest = bits % 8;
	unsigned char mask;

	if (memcmp(a, b, (size_t)full) != 0)
		return 0;
	if (rest == 0)
		return 1;
	mask = (unsigned char)(0xff << (8 - rest));
	return (a[full] & mask) == (b[full] & mask);
}

/*
 * smtpd_net_match - is the client address in mynetworks? An IPv4
 * address mapped into IPv6 (::ffff:192.0.2.1) is matched as IPv4.
 */
int
smtpd_net_match(const struct smtpd_conf *c, const char *addr)
{
	unsigned char a[16];
	size_t i;
	int family;

	if (inet_pton(AF_INET, addr, a) == 1)
		family = AF_INET;
	else if (inet_pton(AF_INET6, addr, a) == 1) {
		family = AF_INET6;
		if (memcmp(a, "\0\0\0\0\0\0\0\0\0\0\xff\xff", 12) == 0) {
			memmove(a, a + 12, 4);
			family = AF_INET;
		}
	} else
		return 0;
	for (i = 0; i < c->nnets; i++)
		if (c->nets[i].family == family &&
		    prefix_match(a, c->nets[i].addr, c->nets[i].prefix))
			return 1;
	return 0;
}

/*
 * smtpd_load_users - read the password file: "name:hash" lines. 0, or
 * -1 with the reason in err. The file must not be readable by others.
 */
int
smtpd_load_users(struct smtpd_conf *c, const char *path, struct str *err)
{
	struct str data = STR_INIT;
	struct stat st;
	char *line, *next, *colon;
	int fd, rc = -1;

	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) < 0) {
		str_printf(err, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		str_printf(err, "%s: not a regular file", path);
		goto out;
	}
	if (st.st_mode & S_IROTH) {
		str_printf(err, "%s: readable by others: refusing to use it", path);
		goto out;
	}
	if (util_read_until(fd, &data, USERS_FILE_MAX, util_now_ms() + 10000) != 1 ||
	    data.len >= USERS_FILE_MAX) {
		str_printf(err, "%s: unreadable or larger than %d bytes", path,
		    USERS_FILE_MAX);
		goto out;
	}
	for (line = data.s; line && *line; line = next) {
		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		if (*line == '#' || *line == '\0')
			continue;
		if ((colon = strchr(line, ':')) == NULL || colon == line)
			continue;
		*colon = '\0';
		/* "name:hash[:anything]", as /etc/shadow and htpasswd */
		if (strchr(colon + 1, ':'))
			*strchr(colon + 1, ':') = '\0';
		c->users = xreallocarray(c->users, c->nusers + 1, sizeof(*c->users));
		c->users[c->nusers].name = xstrdup(line);
		c->users[c->nusers].hash = xstrdup(colon + 1);
		c->nusers++;
	}
	rc = 0;
out:
	if (data.s)
		explicit_bzero(data.s, data.len);
	str_free(&data);
	close(fd);
	return rc;
}

/* same - compare two strings in time that depends on their lengths only */
static int
same(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), i;
	unsigned char d = la != lb;

	for (i = 0; i < la && i < lb; i++)
		d |= (unsigned char)(a[i] ^ b[i]);
	return d == 0;
}

/*
 * smtpd_auth_check - does the password match the user's hash? 1 yes,
 * 0 no (unknown user, wrong password, a hash crypt cannot take).
 */
int
smtpd_auth_check(const struct smtpd_conf *c, const char *user, const char *pass)
{
	struct crypt_data *cd;
	const char *h;
	size_t i;
	int ok = 0;

	for (i = 0; i < c->nusers; i++)
		if (strcmp(c->users[i].name, user) == 0)
			break;
	if (i == c->nusers || c->users[i].hash[0] == '\0')
		return 0;
	cd = xcalloc(1, sizeof(*cd));
	h = crypt_r(pass, c->users[i].hash, cd);
	if (h != NULL && h[0] != '*')
		ok = same(h, c->users[i].hash);
	explicit_bzero(cd, sizeof(*cd));
	free(cd);
	return ok;
}

/*
 * smtpd_conf_load - the settings of one session. local: sendmail -bs.
 * The TLS server and the users are the caller's to add. 0, or -1 with
 * the reason in err.
 */
int
smtpd_conf_load(struct smtpd_conf *c, int local, struct str *err)
{
	struct str path = STR_INIT;
	char **nets;
	size_t i;
	int r;

	memset(c, 0, sizeof(*c));
	c->local = local;
	c->myhostname = conf_str("myhostname");
	c->myorigin = conf_str("myorigin");
	c->mydest = conf_list("mydestination");
	c->relay_domains = conf_list("relay_domains");
	nets = conf_list("mynetworks");
	for (i = 0; nets[i]; i++) {
		c->nets = xreallocarray(c->nets, c->nnets + 1, sizeof(*c->nets));
		if (smtpd_net_parse(nets[i], &c->nets[c->nnets]) < 0)
			log_warning("mynetworks: ignoring \"%s\": not an address or network",
			    nets[i]);
		else
			c->nnets++;
	}
	conf_list_free(nets);
	if ((r = aliases_map_path(conf_str("alias_maps"), &path, err)) < 0) {
		str_free(&path);
		return -1;
	}
	c->alias_db = r > 0 ? xasprintf("%s.cdb", path.s) : NULL;
	str_free(&path);
	c->size_limit = conf_size("message_size_limit");
	c->rcpt_limit = conf_int("smtpd_recipient_limit");
	c->error_limit = conf_int("smtpd_hard_error_limit");
	c->timeout_ms = conf_time("smtpd_timeout") * 1000L;
	c->session_ms = conf_time("smtpd_session_time_limit") * 1000L;
	c->greet_pause_ms = local ? 0 : conf_time("smtpd_greet_pause") * 1000L;
	c->helo_required = conf_bool("smtpd_helo_required");
	c->bare_newline = strcmp(conf_str("smtpd_forbid_bare_newline"),
	    "normalize") == 0 ? SMTPD_BARE_NORMALIZE : SMTPD_BARE_REJECT;
	c->auth = !local && conf_bool("smtpd_sasl_auth_enable");
	return 0;
}

/* smtpd_conf_free - release what smtpd_conf_load and the main added */
void
smtpd_conf_free(struct smtpd_conf *c)
{
	size_t i;

	conf_list_free(c->mydest);
	conf_list_free(c->relay_domains);
	c->mydest = c->relay_domains = NULL;
	free(c->nets);
	c->nets = NULL;
	c->nnets = 0;
	free(c->alias_db);
	c->alias_db = NULL;
	for (i = 0; i < c->nusers; i++) {
		free(c->users[i].name);
		explicit_bzero(c->users[i].hash, strlen(c->users[i].hash));
		free(c->users[i].hash);
	}
	free(c->users);
	c->users = NULL;
	c->nusers = 0;
}
