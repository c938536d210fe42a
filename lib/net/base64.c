/*
 * base64 - base64 (RFC 4648), xtext (RFC 3461 4) and SASL client responses
 *
 * See smtpproto.h. The encoders append to out. The decoders append the
 * decoded bytes to out and return 0, or leave out as it was and return -1
 * for input that is not in canonical form: they are strict because what
 * they read comes from the network, and a lenient decoder is one more
 * place where two programs can read different things into the same bytes.
 *
 * SASL responses (already base64-encoded, ready for an AUTH command):
 *	PLAIN		authzid NUL user NUL pass		(RFC 4616)
 *	XOAUTH2		"user=" U ^A "auth=Bearer " T ^A ^A	(Google)
 *	OAUTHBEARER	"n,a=" U "," ^A "host=" H ^A "port=" P ^A
 *			"auth=Bearer " T ^A ^A			(RFC 7628)
 * LOGIN is two plain base64 steps the caller makes with base64_encode.
 */
#include "config.h"

#include <string.h>
#include <strings.h>

#include "smtpproto.h"
#include "str.h"

static const char b64[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
static const char hexdig[] = "0123456789ABCDEF";

/* base64_encode - append the base64 form of in, padded */
void
base64_encode(struct str *out, const void *in, size_t len)
{
	const unsigned char *p = in;
	char q[4];
	size_t i;

	for (i = 0; i + 3 <= len; i += 3) {
		q[0] = b64[p[i] >> 2];
		q[1] = b64[((p[i] & 3) << 4) | (p[i + 1] >> 4)];
		q[2] = b64[((p[i + 1] & 15) << 2) | (p[i + 2] >> 6)];
		q[3] = b64[p[i + 2] & 63];
		str_append(out, q, 4);
	}
	if (len - i == 1) {
		q[0] = b64[p[i] >> 2];
		q[1] = b64[(p[i] & 3) << 4];
		q[2] = q[3] = '=';
		str_append(out, q, 4);
	} else if (len - i == 2) {
		q[0] = b64[p[i] >> 2];
		q[1] = b64[((p[i] & 3) << 4) | (p[i + 1] >> 4)];
		q[2] = b64[(p[i + 1] & 15) << 2];
		q[3] = '=';
		str_append(out, q, 4);
	}
	if (out->s == NULL)
		str_append(out, "", 0);
}

/* b64_value - the 6-bit value of a base64 character, or -1 */
static int
b64_value(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

/*
 * base64_decode - append the bytes of canonical base64 text
 *
 * Only complete quads; "=" only as the last one or two characters; no
 * white space; the unused bits before the padding must be zero.
 */
int
base64_decode(struct str *out, const char *in, size_t len)
{
	size_t i, start = out->len;
	int v[4], j, pad;
	char b[3];

	if (len % 4 != 0)
		return -1;
	for (i = 0; i < len; i += 4) {
		pad = 0;
		for (j = 0; j < 4; j++) {
			unsigned char c = (unsigned char)in[i + j];

			if (c == '=' && i + 4 == len && j >= 2) {
				v[j] = 0;
				pad++;
				continue;
			}
			if (pad > 0 || (v[j] = b64_value(c)) < 0)
				goto bad;
		}
		b[0] = (char)(v[0] << 2 | v[1] >> 4);
		b[1] = (char)((v[1] & 15) << 4 | v[2] >> 2);
		b[2] = (char)((v[2] & 3) << 6 | v[3]);
		if ((pad == 2 && (v[1] & 15) != 0) ||
		    (pad == 1 && (v[2] & 3) != 0))
			goto bad;	/* not canonical */
		str_append(out, b, (size_t)(3 - pad));
	}
	if (out->s == NULL)
		str_append(out, "", 0);
	return 0;
bad:
	str_truncate(out, start);
	return -1;
}

/* xtext_encode - append in as xtext: "+" "=" and non-graphic bytes as +HH */
void
xtext_encode(struct str *out, const char *in)
{
	const unsigned char *p;

	for (p = (const unsigned char *)in; *p; p++) {
		if (*p >= 33 && *p <= 126 && *p != '+' && *p != '=') {
			str_appendc(out, (char)*p);
		} else {
			str_appendc(out, '+');
			str_appendc(out, hexdig[*p >> 4]);
			str_appendc(out, hexdig[*p & 15]);
		}
	}
	if (out->s == NULL)
		str_append(out, "", 0);
}

/* hex_value - the value of a hex digit, or -1 */
static int
hex_value(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/*
 * xtext_decode - append the decoded form of xtext
 *
 * The input may hold only the characters 33..126 except "="; "+" must
 * be followed by two hex digits (RFC 3461 asks for upper case; lower
 * case is accepted). A decoded control character (below 32, or DEL) is
 * refused: the text ends up in DSNs and logs.
 */
int
xtext_decode(struct str *out, const char *in)
{
	const unsigned char *p;
	size_t start = out->len;
	int hi, lo, c;

	for (p = (const unsigned char *)in; *p; p++) {
		if (*p < 33 || *p > 126 || *p == '=')
			goto bad;
		if (*p != '+') {
			str_appendc(out, (char)*p);
			continue;
		}
		if ((hi = hex_value(p[1])) < 0 || (lo = hex_value(p[2])) < 0)
			goto bad;
		c = hi << 4 | lo;
		if (c < 32 || c == 127)
			goto bad;
		str_appendc(out, (char)c);
		p += 2;
	}
	if (out->s == NULL)
		str_append(out, "", 0);
	return 0;
bad:
	str_truncate(out, start);
	return -1;
}

/* sasl_plain - the PLAIN initial response: authzid NUL user NUL pass */
void
sasl_plain(struct str *out, const char *authzid, const char *user,
    const char *pass)
{
	struct str raw = STR_INIT;

	str_appends(&raw, authzid ? authzid : "");
	str_appendc(&raw, '\0');
	str_appends(&raw, user);
	str_appendc(&raw, '\0');
	str_appends(&raw, pass);
	base64_encode(out, raw.s, raw.len);
	explicit_bzero(raw.s, raw.len);
	str_free(&raw);
}

/* sasl_xoauth2 - the XOAUTH2 initial response */
void
sasl_xoauth2(struct str *out, const char *user, const char *token)
{
	struct str raw = STR_INIT;

	str_printf(&raw, "user=%s\001auth=Bearer %s\001\001", user, token);
	base64_encode(out, raw.s, raw.len);
	explicit_bzero(raw.s, raw.len);
	str_free(&raw);
}

/*
 * sasl_oauthbearer - the OAUTHBEARER initial response (RFC 7628 3.1)
 *
 * The user is the authzid of the GS2 header, where "," and "=" are
 * written "=2C" and "=3D" (RFC 5801 4).
 */
void
sasl_oauthbearer(struct str *out, const char *user, const char *host,
    unsigned port, const char *token)
{
	struct str raw = STR_INIT;
	const char *p;

	str_appends(&raw, "n,a=");
	for (p = user; *p; p++) {
		if (*p == ',')
			str_appends(&raw, "=2C");
		else if (*p == '=')
			str_appends(&raw, "=3D");
		else
			str_appendc(&raw, *p);
	}
	str_printf(&raw, ",\001host=%s\001port=%u\001auth=Bearer %s\001\001",
	    host, port, token);
	base64_encode(out, raw.s, raw.len);
	explicit_bzero(raw.s, raw.len);
	str_free(&raw);
}

static const struct {
	unsigned	 bit;
	const char	*name;
} mechs[] = {
	{ SASL_PLAIN, "PLAIN" },
	{ SASL_LOGIN, "LOGIN" },
	{ SASL_XOAUTH2, "XOAUTH2" },
	{ SASL_OAUTHBEARER, "OAUTHBEARER" },
	{ SASL_SCRAM_SHA_256, "SCRAM-SHA-256" },
};

/* sasl_mech_name - the AUTH name of one SASL_* bit, NULL if none */
const char *
sasl_mech_name(unsigned bit)
{
	size_t i;

	for (i = 0; i < sizeof(mechs) / sizeof(mechs[0]); i++)
		if (mechs[i].bit == bit)
			return mechs[i].name;
	return NULL;
}

/* sasl_mech_parse - the SASL_* bit of a mechanism name (any case), or 0 */
unsigned
sasl_mech_parse(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(mechs) / sizeof(mechs[0]); i++)
		if (strcasecmp(mechs[i].name, name) == 0)
			return mechs[i].bit;
	return 0;
}
