#!/bin/bash
# linkrule.sh - the link rule of the layout, checked on the source tree and
# on the built programs:
#
#  - only lib/net includes OpenSSL (<openssl/...>) or getdns (<getdns/...>);
#  - sendmail, mailq and newaliases link neither libssl, libcrypto nor
#    libgetdns (they start on every message: see README, "Layout");
#  - mailq and sendmail link neither libcdb nor liblockfile either;
#  - smtpd, which sendmail -bs runs, links the network layer.
#
# Prints PASS/FAIL lines as the integration tests do (t/integ/lib.sh).
. "$(dirname "$0")/integ/lib.sh"

# 1. includes: the source folders only, not build trees inside the source
hits=$(cd "$SRCDIR" && find cmd lib spool t -path lib/net -prune -o \
	\( -name '*.c' -o -name '*.h' \) -type f -print 2>/dev/null |
	xargs -r grep -nE '^[[:space:]]*#[[:space:]]*include[[:space:]]*[<"](openssl|getdns)/' /dev/null)
if [ -z "$hits" ]; then
	pass "no OpenSSL or getdns include outside lib/net"
else
	fail "OpenSSL or getdns included outside lib/net:"
	echo "$hits" | sed 's/^/    /'
fi

# 2. what the fast programs link
# forbid PROGRAM LIBRARY...: fail if ldd lists one of the libraries
forbid() {
	prog=$1; shift
	if [ ! -x "$BUILD/$prog" ]; then
		fail "$prog: not built"
		return
	fi
	libs=$(ldd "$BUILD/$prog" 2>/dev/null | awk '{print $1}')
	if [ -z "$libs" ]; then
		skip_check "$prog links none of: $*" "ldd lists nothing (static?)"
		return
	fi
	bad=
	for l in "$@"; do
		if echo "$libs" | grep -q "^$l\.so"; then bad="$bad $l"; fi
	done
	if [ -z "$bad" ]; then
		pass "$prog links none of: $*"
	else
		fail "$prog links$bad"
	fi
}
if ! command -v ldd > /dev/null 2>&1; then
	skip_check "sendmail, mailq, newaliases link neither OpenSSL nor getdns" "no ldd"
else
	forbid sendmail libssl libcrypto libgetdns libcdb liblockfile
	forbid mailq libssl libcrypto libgetdns libcdb liblockfile
	forbid newaliases libssl libcrypto libgetdns
	# smtpd is the network program sendmail -bs runs instead
	if ldd "$BUILD/smtpd" 2>/dev/null | grep -q '^[[:space:]]*libssl\.so'; then
		pass "smtpd links the network layer (libssl)"
	else
		fail "smtpd does not link libssl"
	fi
fi
finish
