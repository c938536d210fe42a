/*
 * test_smtpd - Check suite for smtpd's policy helpers (lib/net/smtpd_policy.c)
 *
 * Tables of named cases: mynetworks entries that parse or not, client
 * addresses that match a fixed mynetworks or not (IPv4, IPv6, IPv4
 * mapped into IPv6, prefixes that end inside a byte), and passwords
 * checked against crypt(3) hashes.
 */
#include "config.h"

#include <check.h>
#include <crypt.h>
#include <stdlib.h>
#include <string.h>

#include "smtpd.h"
#include "unit.h"
#include "util.h"

static const struct parse_case {
	const char	*name;
	const char	*text;
	int		 ok;
	int		 prefix;
} parse_cases[] = {
	{ "IPv4 network", "192.0.2.0/24", 1, 24 },
	{ "IPv4 host", "192.0.2.7", 1, 32 },
	{ "IPv6 in brackets", "[2001:db8::]/32", 1, 32 },
	{ "IPv6 bare", "::1", 1, 128 },
	{ "prefix 0", "0.0.0.0/0", 1, 0 },
	{ "prefix too long (v4)", "192.0.2.0/33", 0, 0 },
	{ "prefix too long (v6)", "[::1]/129", 0, 0 },
	{ "negative prefix", "10.0.0.0/-1", 0, 0 },
	{ "a name", "localhost", 0, 0 },
	{ "empty", "", 0, 0 },
	{ "garbage prefix", "10.0.0.0/8x", 0, 0 },
	{ "over long", "1111111111111111111111111111111111111111111111111111111111111111"
	    "1111111111111111111111111111111111111111111111111111111111111111/8", 0, 0 },
};

START_TEST(test_parse)
{
	const struct parse_case *c = &parse_cases[_i];
	struct smtpd_net n;
	int r = smtpd_net_parse(c->text, &n);

	ck_assert_msg((r == 0) == c->ok, "%s: returned %d", c->name, r);
	if (c->ok)
		ck_assert_msg(n.prefix == c->prefix, "%s: prefix %d", c->name, n.prefix);
}
END_TEST

static const struct match_case {
	const char	*name;
	const char	*addr;
	int		 match;
} match_cases[] = {
	{ "loopback", "127.0.0.1", 1 },
	{ "loopback, other host", "127.255.0.9", 1 },
	{ "inside /20", "198.51.111.200", 1 },
	{ "just outside /20", "198.51.112.0", 0 },
	{ "host entry", "203.0.113.5", 1 },
	{ "next to the host entry", "203.0.113.6", 0 },
	{ "IPv6 loopback", "::1", 1 },
	{ "IPv6 ::2", "::2", 0 },
	{ "IPv6 network", "2001:db8:1:2::99", 1 },
	{ "IPv6 outside", "2001:db9::1", 0 },
	{ "IPv4-mapped IPv6", "::ffff:127.0.0.1", 1 },
	{ "IPv4-mapped outside", "::ffff:192.0.2.1", 0 },
	{ "unknown", "unknown", 0 },
	{ "empty", "", 0 },
};

START_TEST(test_match)
{
	const struct match_case *c = &match_cases[_i];
	static const char *nets[] = { "127.0.0.0/8", "198.51.96.0/20", "203.0.113.5",
	    "[::1]/128", "[2001:db8::]/32" };
	struct smtpd_net n[5];
	struct smtpd_conf conf;
	size_t i;

	memset(&conf, 0, sizeof(conf));
	for (i = 0; i < ARRAY_LEN(nets); i++)
		ck_assert(smtpd_net_parse(nets[i], &n[i]) == 0);
	conf.nets = n;
	conf.nnets = ARRAY_LEN(nets);
	ck_assert_msg(smtpd_net_match(&conf, c->addr) == c->match, "%s", c->name);
}
END_TEST

START_TEST(test_auth)
{
	struct crypt_data cd;
	struct smtpd_user u[2];
	struct smtpd_conf conf;
	const char *h;

	memset(&cd, 0, sizeof(cd));
	h = crypt_r("s3cret", "$6$saltsalt$", &cd);
	ck_assert(h != NULL && h[0] == '$');
	u[0].name = (char *)"alice";
	u[0].hash = xstrdup(h);
	u[1].name = (char *)"bob";
	u[1].hash = (char *)"";	/* no password: never matches */
	memset(&conf, 0, sizeof(conf));
	conf.users = u;
	conf.nusers = 2;
	ck_assert(smtpd_auth_check(&conf, "alice", "s3cret") == 1);
	ck_assert(smtpd_auth_check(&conf, "alice", "s3cret ") == 0);
	ck_assert(smtpd_auth_check(&conf, "alice", "") == 0);
	ck_assert(smtpd_auth_check(&conf, "Alice", "s3cret") == 0);
	ck_assert(smtpd_auth_check(&conf, "bob", "") == 0);
	ck_assert(smtpd_auth_check(&conf, "carol", "s3cret") == 0);
	free(u[0].hash);
}
END_TEST

/* smtpd_valid_helo: reject_invalid_helo_hostname's syntax */
START_TEST(test_helo)
{
	static const char *good[] = {
		"client.example", "localhost", "host_1.example.", "a-b.c-d.example",
		"[192.0.2.1]", "[IPv6:2001:db8::1]", "[ipv6:::1]", "192.0.2.1",
		"2001:db8::1", "x1.2.3",
	};
	static const char *bad[] = {
		"", "a!b.example", "-x.example", "x-.example", "x..example", ".x",
		"1.2.3", "123", "[1.2.3.999]", "[]", "[192.0.2.1", "[IPv6:192.0.2.1]",
		"[2001:db8::1]", "a b", "a.example..",
	};
	char big[300];
	size_t i;

	for (i = 0; i < ARRAY_LEN(good); i++)
		ck_assert_msg(smtpd_valid_helo(good[i]) == 1, "%s", good[i]);
	for (i = 0; i < ARRAY_LEN(bad); i++)
		ck_assert_msg(smtpd_valid_helo(bad[i]) == 0, "%s", bad[i]);
	memset(big, 'a', 64);
	strcpy(big + 64, ".example");
	ck_assert_int_eq(smtpd_valid_helo(big), 0);	/* a 64-byte label */
	memset(big, 'a', 63);
	strcpy(big + 63, ".example");
	ck_assert_int_eq(smtpd_valid_helo(big), 1);
}
END_TEST

/* smtpd_dnsbl_name: reversed octets, reversed nibbles */
START_TEST(test_dnsbl_name)
{
	struct str out = STR_INIT;

	ck_assert_int_eq(smtpd_dnsbl_name("192.0.2.1", "zen.test", &out), 0);
	ck_assert_str_eq(out.s, "1.2.0.192.zen.test");
	ck_assert_int_eq(smtpd_dnsbl_name("::ffff:127.0.0.2", "zen.test", &out), 0);
	ck_assert_str_eq(out.s, "2.0.0.127.zen.test");
	ck_assert_int_eq(smtpd_dnsbl_name("2001:db8::25", "bl.test", &out), 0);
	ck_assert_str_eq(out.s, "5.2.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0."
	    "8.b.d.0.1.0.0.2.bl.test");
	ck_assert_int_eq(smtpd_dnsbl_name("unknown", "zen.test", &out), -1);
	ck_assert_int_eq(smtpd_dnsbl_name("local", "zen.test", &out), -1);
	str_free(&out);
}
END_TEST

Suite *
smtpd_suite(void)
{
	Suite *s = suite_create("smtpd");
	TCase *tc = tcase_create("smtpd");

	tcase_add_loop_test(tc, test_parse, 0, (int)ARRAY_LEN(parse_cases));
	tcase_add_loop_test(tc, test_match, 0, (int)ARRAY_LEN(match_cases));
	tcase_add_test(tc, test_auth);
	tcase_add_test(tc, test_helo);
	tcase_add_test(tc, test_dnsbl_name);
	suite_add_tcase(s, tc);
	return s;
}
