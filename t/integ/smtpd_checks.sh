#!/bin/bash
# smtpd_checks.sh - smtpd's client checks against a real unbound on
# loopback (dnsenv.sh), and sendmail -bs: the forward-confirmed client name in logs and
# Received:, DNSBL listings (smtpd_dnsbl_sites), the HELO syntax
# (smtpd_reject_invalid_helo_hostname), the sender's domain
# (smtpd_reject_unknown_sender_domain, unknown_address_reject_code) and
# mail loops (hopcount_limit); sendmail -bs adds Date: and Message-ID:
# and starts runq. The client address is set as tcpserver
# does (TCPREMOTEIP) on the socketpair of smtpdrive.py.
. "$SRCDIR/t/integ/lib.sh"
. "$SRCDIR/t/integ/dnsenv.sh"
dns_have || skip "$T: unbound not installed"

new_instance "smtpd_greet_pause = 0" "mynetworks = 127.0.0.1/32" \
	"dns_servers = 127.0.0.1:$PH_DNS_PORT"
trap 'dns_stop "$D/ns"; cleanup' EXIT
runq		# creates the spool
if [ "$(id -u)" = 0 ]; then
	id posthorn > /dev/null 2>&1 || skip "$T: user posthorn is missing"
	touch "$D/log"
	chown -R posthorn: "$D/spool" "$D/log"
fi
dns_start "$D/ns" || { fail "unbound starts"; finish; }
L=host.example.org

drive() { "$PY" "$SRCDIR/t/integ/smtpdrive.py" -s "$BUILD/smtpd" -c "${CONF:-$C}" "$@"; }
mkconf() { n=$1; shift; cp "$C" "$D/$n.conf"; for l in "$@"; do echo "$l" >> "$D/$n.conf"; done; }
# session NAME IP TEXT [drive options]: TEXT (printf %b) from client IP;
# the replies go to $D/out.NAME
session() {
	n=$1; ip=$2; t=$3; shift 3
	printf '%b' "$t" > "$D/in.$n"
	drive --env "TCPREMOTEIP=$ip" "$@" raw "$D/in.$n" > "$D/out.$n" 2>&1
}
has() { grep -q -- "$2" "$D/out.$1"; }
count() { grep -c -- "$2" "$D/out.$1"; }
queued_msgs() { find "$D/spool/queue" -name '*.msg' | wc -l; }
# rcpt1 NAME IP HELO SENDER: one transaction up to RCPT to a local user
rcpt1() { session "$1" "$2" "EHLO $3\r\nMAIL FROM:<$4>\r\nRCPT TO:<$ME@$L>\r\nQUIT\r\n" "${@:5}"; }
# msg HEADER SUBJECT: a session with one message, as escapes for session
msg() { printf 'EHLO client.example\\r\\nMAIL FROM:<s@example.test>\\r\\nRCPT TO:<%s@%s>\\r\\nDATA\\r\\n%sSubject: %s\\r\\n\\r\\nbody\\r\\n.\\r\\nQUIT\\r\\n' "$ME" "$L" "$1" "$2"; }

# --- the client name -------------------------------------------------------------
session name11 127.0.0.11 "$(msg '' name11)"
check "PTR name confirmed by its A record: name[addr] in the log" \
	grep -q "connect from mx1.example.test\[127.0.0.11\]" "$D/log"
check "confirmed name in Received:" sh -c "grep -l 'Subject: name11' $D/spool/queue/*/*.msg |
	xargs grep -q 'Received: from client.example (mx1.example.test \[127.0.0.11\])'"
session name12 127.0.0.12 "QUIT\r\n"
check "a second PTR name confirmed (127.0.0.12)" grep -q "connect from mx2.example.test\[127.0.0.12\]" "$D/log"
session name3 127.0.0.3 "$(msg '' name3)"
check "PTR name whose address differs: unknown[addr]" grep -q "connect from unknown\[127.0.0.3\]" "$D/log"
check "the mismatch is logged" grep -q "127.0.0.3: hostname mx2.example.test does not resolve to address 127.0.0.3" "$D/log"
check "unconfirmed name: unknown in Received:" sh -c "grep -l 'Subject: name3' $D/spool/queue/*/*.msg |
	xargs grep -q 'Received: from client.example (unknown \[127.0.0.3\])'"
session name4 127.0.0.4 "QUIT\r\n"
check "PTR name that does not exist: unknown" grep -q "connect from unknown\[127.0.0.4\]" "$D/log"
session name2 127.0.0.2 "QUIT\r\n"
check "no PTR record: unknown" grep -q "connect from unknown\[127.0.0.2\]" "$D/log"
session name6 2001:db8::25 "QUIT\r\n"
check "IPv6 PTR name without that address: unknown" grep -q "connect from unknown\[2001:db8::25\]" "$D/log"
s0=$(date +%s)
session name5 127.0.0.5 "NOOP\r\nQUIT\r\n"
el=$(($(date +%s) - s0))
check "PTR name whose lookup fails (SERVFAIL): unknown" grep -q "connect from unknown\[127.0.0.5\]" "$D/log"
check "a failing lookup delays the greeting by seconds only (${el}s)" [ "$el" -le 12 ]
check "the session goes on after a failed lookup" has name5 "^250 2.0.0 Ok"
mkconf nolookup "smtpd_peername_lookup = no"
CONF=$D/nolookup.conf session nolk 127.0.0.11 "QUIT\r\n"
check "smtpd_peername_lookup = no: no name" grep -q "connect from unknown\[127.0.0.11\]" "$D/log"

# --- DNSBL -------------------------------------------------------------------------
mkconf bl "smtpd_dnsbl_sites = zen.test"
CONF=$D/bl.conf rcpt1 bl2 127.0.0.2 client.example s@example.test
check "listed client refused at RCPT with the zone's text" \
	has bl2 "^554 5.7.1 Service unavailable; Client host \[127.0.0.2\] blocked using zen.test; listed: test entry"
check "listed client: rejection logged" \
	grep -q "NOQUEUE: reject: RCPT from unknown\[127.0.0.2\]: 554 5.7.1 Service unavailable; Client host \[127.0.0.2\] blocked using zen.test" "$D/log"
CONF=$D/bl.conf rcpt1 bl7 127.0.0.7 client.example s@example.test
check "listed without TXT: the reply ends with the zone" \
	grep -q "^554 5.7.1 Service unavailable; Client host \[127.0.0.7\] blocked using zen.test.$" "$D/out.bl7"
CONF=$D/bl.conf rcpt1 bl6 127.0.0.6 client.example s@example.test
check "a DNSBL error code (127.255.255.254) is no listing" has bl6 "^250 2.1.5"
CONF=$D/bl.conf rcpt1 bl12 127.0.0.12 client.example s@example.test
check "unlisted client accepted" has bl12 "^250 2.1.5"
CONF=$D/bl.conf rcpt1 bl61 ::1 client.example s@example.test
check "unlisted IPv6 client accepted (nibble query)" has bl61 "^250 2.1.5"
mkconf blnet "smtpd_dnsbl_sites = zen.test" "mynetworks = 127.0.0.2/32"
CONF=$D/blnet.conf rcpt1 blnet 127.0.0.2 client.example s@example.test
check "listed client in mynetworks is exempt" has blnet "^250 2.1.5"
mkconf blfail "smtpd_dnsbl_sites = broken.test, zen.test"
CONF=$D/blfail.conf rcpt1 blf 127.0.0.2 client.example s@example.test
check "a failing DNSBL does not hide the next one" has blf "^554 5.7.1 .*blocked using zen.test"
check "the failing DNSBL is logged" grep -q "DNSBL lookup of 2.0.0.127.broken.test failed" "$D/log"
mkconf blfail2 "smtpd_dnsbl_sites = broken.test"
CONF=$D/blfail2.conf rcpt1 blf2 127.0.0.2 client.example s@example.test
check "a DNSBL failure is not a listing" has blf2 "^250 2.1.5"
CONF=$D/bl.conf session blmany 127.0.0.2 "EHLO c.example\r\nMAIL FROM:<s@example.test>\r\nRCPT TO:<$ME@$L>\r\nRCPT TO:<$ME@$L>\r\nDATA\r\nQUIT\r\n"
check "every RCPT of a listed client refused, DATA without recipients" \
	[ "$(count blmany '^554 5.7.1 Service')" = 2 ] && has blmany "^554 5.5.1 Error: no valid recipients"

if command -v openssl > /dev/null &&
    "$SRCDIR/t/integ/mkcerts.sh" "$D/tls" host.example.org > /dev/null 2>&1; then
	chmod 600 "$D/tls/server-rsa.key"
	printf 'alice:%s\n' "$(openssl passwd -6 's3cret')" > "$D/users"
	chmod 600 "$D/users"
	mkconf blauth "smtpd_dnsbl_sites = zen.test" "smtpd_tls_cert_file = $D/tls/server-rsa.crt" \
		"smtpd_tls_key_file = $D/tls/server-rsa.key" \
		"smtpd_sasl_auth_enable = yes" "smtpd_sasl_password_file = $D/users"
	printf 'Subject: blauth\n\nx\n' | CONF=$D/blauth.conf drive --env TCPREMOTEIP=127.0.0.2 \
		send --tls "$D/tls/ca.crt" --auth alice:s3cret s@example.test "$ME@$L" > "$D/out.blauth" 2>&1
	check "listed client that authenticated is exempt" grep -q '^OK' "$D/out.blauth"
	printf 'Subject: blauth\n\nx\n' | CONF=$D/blauth.conf drive --env TCPREMOTEIP=127.0.0.2 \
		send --tls "$D/tls/ca.crt" s@example.test "$ME@$L" > "$D/out.blauth2" 2>&1
	check "the same client over TLS without AUTH is refused" grep -q '554.*blocked using zen.test' "$D/out.blauth2"
else
	skip_check "DNSBL and AUTH" "openssl is not installed"
fi

# --- HELO syntax -------------------------------------------------------------------
for h in 'a!b.example' '-x.example' 'x..example' '1.2.3' '[1.2.3.999]' 'under_score-.example'; do
	rcpt1 helo 127.0.0.2 "$h" s@example.test
	if grep -qF "501 5.5.2 <$h>: Helo command rejected: Invalid name" "$D/out.helo"; then
		pass "invalid HELO $h refused at RCPT (501 5.5.2)"
	else
		fail "invalid HELO $h: $(tr '\r\n' '  ' < "$D/out.helo")"
	fi
done
for h in client.example '[127.0.0.2]' '[IPv6:::1]' 127.0.0.2 host_1.example. localhost; do
	rcpt1 helo 127.0.0.2 "$h" s@example.test
	if has helo "^250 2.1.5"; then
		pass "valid HELO $h accepted"
	else
		fail "valid HELO $h: $(tr '\r\n' '  ' < "$D/out.helo")"
	fi
done
rcpt1 helonet 127.0.0.1 'a!b' s@example.test
check "invalid HELO from mynetworks accepted" has helonet "^250 2.1.5"
mkconf helono "smtpd_reject_invalid_helo_hostname = no"
CONF=$D/helono.conf rcpt1 helono 127.0.0.2 'a!b' s@example.test
check "smtpd_reject_invalid_helo_hostname = no accepts it" has helono "^250 2.1.5"

# --- the sender's domain ------------------------------------------------------------
mkconf sd "smtpd_reject_unknown_sender_domain = yes"
mkconf sd550 "smtpd_reject_unknown_sender_domain = yes" "unknown_address_reject_code = 550"
for s in s@example.test s@nomx.example.test s@v6only.example.test s@alias.example.test "" "s@$L"; do
	CONF=$D/sd.conf rcpt1 sd 127.0.0.2 client.example "$s"
	if has sd "^250 2.1.5"; then
		pass "sender <$s> accepted"
	else
		fail "sender <$s>: $(tr '\r\n' '  ' < "$D/out.sd")"
	fi
done
CONF=$D/sd.conf rcpt1 sdnx 127.0.0.2 client.example s@nosuch.example.test
check "sender domain NXDOMAIN: 450 4.1.8 (unknown_address_reject_code)" \
	has sdnx "^450 4.1.8 <s@nosuch.example.test>: Sender address rejected: Domain not found"
CONF=$D/sd.conf rcpt1 sdnd 127.0.0.2 client.example s@noaddr.example.test
check "sender domain without MX and address: 450 4.1.8" \
	has sdnd "^450 4.1.8 <s@noaddr.example.test>: Sender address rejected: Domain not found"
CONF=$D/sd550.conf rcpt1 sd5 127.0.0.2 client.example s@nosuch.example.test
check "unknown_address_reject_code = 550: 550 5.1.8" \
	has sd5 "^550 5.1.8 <s@nosuch.example.test>: Sender address rejected: Domain not found"
CONF=$D/sd550.conf rcpt1 sdtf 127.0.0.2 client.example s@x.broken.test
check "a DNS failure is always 450 4.1.8" has sdtf "^450 4.1.8 <s@x.broken.test>"
CONF=$D/sd.conf rcpt1 sdnull 127.0.0.2 client.example s@nullmx.example.test
check "sender domain with a null MX: 550 5.7.27" has sdnull "^550 5.7.27 <s@nullmx.example.test>"
CONF=$D/sd.conf rcpt1 sdnet 127.0.0.1 client.example s@nosuch.example.test
check "unknown sender domain from mynetworks accepted" has sdnet "^250 2.1.5"
rcpt1 sdoff 127.0.0.2 client.example s@nosuch.example.test
check "smtpd_reject_unknown_sender_domain is off by default" has sdoff "^250 2.1.5"

# --- mail loops ----------------------------------------------------------------------
# rx N: N Received: lines, as escapes
rx() { for _ in $(seq "$1"); do printf 'Received: from a by b; Mon, 30 Nov 2026 10:00:00 +0000\\r\\n'; done; }
before=$(queued_msgs)
session hops50 127.0.0.2 "$(msg "$(rx 50)" hops50)"
check "50 Received: lines (hopcount_limit): 554 5.4.6 Too many hops" has hops50 "^554 5.4.6 Too many hops"
check "the looping message is not queued" [ "$(queued_msgs)" = "$before" ]
check "the loop is logged" grep -q "NOQUEUE: reject: DATA from unknown\[127.0.0.2\]: 50 Received: header lines" "$D/log"
check "the session goes on after it" has hops50 "^221 "
session hops49 127.0.0.2 "$(msg "$(rx 49)" hops49)"
check "49 Received: lines accepted" has hops49 "^250 2.0.0 Ok: queued"
session hopsb 127.0.0.2 "EHLO c.example\r\nMAIL FROM:<s@example.test>\r\nRCPT TO:<$ME@$L>\r\nDATA\r\nSubject: b\r\n\r\n$(rx 60)\r\n.\r\nQUIT\r\n"
check "Received: lines in the body are not counted" has hopsb "^250 2.0.0 Ok: queued"
mkconf hop5 "hopcount_limit = 6"
CONF=$D/hop5.conf session hopsf 127.0.0.2 "EHLO c.example\r\nMAIL FROM:<s@example.test>\r\nRCPT TO:<$ME@$L>\r\nDATA\r\nSubject: f\r\n$(rx 3)X-Folded: a\r\n b\r\nreceived: x\r\n$(rx 2)\r\n$(rx 9)\r\n.\r\nQUIT\r\n"
check "hopcount_limit = 6: fields after a folded one counted, case-blind" has hopsf "^554 5.4.6"
CONF=$D/hop5.conf session hopsg 127.0.0.2 "EHLO c.example\r\nMAIL FROM:<s@example.test>\r\nRCPT TO:<$ME@$L>\r\nDATA\r\nSubject: g\r\n$(rx 5)\r\n$(rx 9)\r\n.\r\nQUIT\r\n"
check "hopcount_limit = 6: 5 accepted" has hopsg "^250 2.0.0 Ok: queued"

# --- sendmail -bs: header fields, runq afterwards -------------------------------------
MB=$D/mail/$ME
bs() { printf 'HELO local\r\nMAIL FROM:<%s>\r\nRCPT TO:<%s>\r\nDATA\r\n%bSubject: %s\r\n\r\nbody\r\n.\r\nQUIT\r\n' "$ME@$L" "$ME" "$1" "$2" |
	sm -bs "${@:3}" > "$D/out.bs" 2>&1; }
bs "" bs-queued -odq
check "sendmail -bs -odq: queued" grep -q '^250 2.0.0 Ok: queued' "$D/out.bs"
sleep 1
check "sendmail -bs -odq: runq not started (still in the maildrop)" 	[ "$(find "$D/spool/maildrop" -type f | wc -l)" = 1 ]
bs "Date: Mon, 30 Nov 2026 10:00:00 +0000\r\nMessage-ID: <own@client.example>\r\n" bs-own
# root or a private instance: runq in the background delivers both
for _ in $(seq 100); do
	grep -q 'Subject: bs-own' "$MB" 2> /dev/null && grep -q 'Subject: bs-queued' "$MB" && break
	sleep 0.1
done
check "sendmail -bs: runq started afterwards delivered the mail" grep -q 'Subject: bs-own' "$MB"
check "sendmail -bs: the maildrop is empty" [ "$(find "$D/spool/maildrop" -type f | wc -l)" = 0 ]
# the header of each message, as delivered
hdr() { awk -v s="Subject: $1" '/^From /{h=""; inh=1} inh{h=h $0 "\n"} /^$/{if (inh && index(h, s)) printf "%s", h; inh=0}' "$MB"; }
hdr bs-queued > "$D/h.queued"
hdr bs-own > "$D/h.own"
check "sendmail -bs: Message-ID: added" grep -Eq '^Message-ID: <[0-9A-F]+@host.example.org>' "$D/h.queued"
check "sendmail -bs: Date: added" grep -Eq '^Date: [A-Z][a-z][a-z], ' "$D/h.queued"
check "sendmail -bs: own Date: and Message-ID: kept, none added" \
	sh -c "[ \$(grep -c '^Date:' '$D/h.own') = 1 ] && [ \$(grep -c '^Message-ID:' '$D/h.own') = 1 ] && grep -q 'own@client.example' '$D/h.own'"
check "SMTP from the network gets no Message-ID: added" \
	sh -c "! grep -l 'Subject: name11' $D/spool/queue/*/*.msg | xargs grep -q '^Message-ID:'"
sleep 0.5	# the background runq is done once the mail is delivered
finish
