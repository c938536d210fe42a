#!/bin/bash
# smtp.sh - remote delivery: runq's SMTP client against real receivers on
# loopback (aiosmtpd, and a scripted server for what a well-behaved one
# never does), routed by unbound serving a test zone: MX order and
# fallback, implicit MX, null MX, loops back to myself, unknown domains,
# per-recipient replies, relayhost, STARTTLS policies, AUTH, 8-bit to a
# 7-bit server, SMTPUTF8, SIZE, a dropped connection in DATA, a server
# that hangs, HELO fallback, DSN passed on or relayed, connection reuse,
# IDN, dot-stuffing and line ends on the wire, expiry.
# ports: 22025-22026 (receivers), 22053-22054 (unbound, and a dead one)
P=${PH_SMTP_PORT:-22025}
DNSP=${PH_SMTP_DNS_PORT:-22053}
export PH_DNS_PORT=$DNSP
. "$SRCDIR/t/integ/lib.sh"
. "$SRCDIR/t/integ/dnsenv.sh"
. "$SRCDIR/t/integ/smtpenv.sh"
smtp_need_tools
dns_have || skip "$T: unbound is not installed"

new_instance "dns_servers = 127.0.0.1:$DNSP" "smtp_port = $P" \
	"smtp_helo_timeout = 5s" "smtp_connect_timeout = 5s" "minimal_backoff_time = 0s" \
	"smtp_tls_security_level = none"
sed -i '/^relayhost/d' "$C"
S=$D/sinks
mkdir -p "$S"
"$SRCDIR/t/integ/mkcerts.sh" "$D/tls" mx1.example.test > "$D/tls.out" 2>&1 ||
	{ fail "test certificates"; finish; }
TLSA_CERT=$D/tls/server-rsa.crt dns_start "$D/dns" > /dev/null || { fail "unbound starts"; finish; }
trap 'smtp_stop_all; dns_stop "$D/dns"; cleanup' EXIT
F=$ME@host.example.org
MB=$D/mail/$ME

# flush: deliver now, whatever the back-off says
flush() { runq -q; }
# jq-less look at the sink's envelopes: field of the last one
last_env() { "$PY" -c 'import json,sys; e=[json.loads(l) for l in open(sys.argv[1])][-1]; print(e[sys.argv[2]])' "$1/envelopes.jsonl" "$2"; }
nenv() { [ -f "$1/envelopes.jsonl" ] && wc -l < "$1/envelopes.jsonl" || echo 0; }

# --- MX order, fallback -------------------------------------------------------
sink_start mx "$S/mx" --listen 127.0.0.11:$P --listen 127.0.0.12:$P --pipelining
printf 'Subject: mx order\n\nhello\n' | sm -odq -f "$F" user@example.test
flush
check "MX: delivered" [ "$(nenv "$S/mx")" = 1 ]
check "MX: the lowest preference (mx1) took it" [ "$(last_env "$S/mx" listen)" = "127.0.0.11:$P" ]
check "MX: log names the relay" grep -q "to=<user@example.test>, relay=mx1.example.test\[127.0.0.11\]:$P, .*status=sent (250 2.0.0" "$D/log"
check "MX: the queue is empty" [ "$(queued)" = 0 ]
check "MX: EHLO name is myhostname" [ "$(last_env "$S/mx" helo)" = host.example.org ]
check "the Received: line of pickup went along" grep -q "^Received: by host.example.org (posthorn, from userid" "$S/mx/msg-1.eml"
sink_stop mx

sink_start mx2 "$S/mx2" --listen 127.0.0.12:$P
printf 'Subject: mx fallback\n\nhello\n' | sm -odq -f "$F" user@example.test
flush
check "MX fallback: mx1 refuses connections, mx2 took it" [ "$(nenv "$S/mx2")" = 1 ]
sink_stop mx2

printf 'Subject: all down\n\nhello\n' | sm -odq -f "$F" user@example.test
flush
check "all MX hosts down: deferred, still queued" [ "$(queued)" = 1 ]
check "all MX hosts down: mailq shows the last reason" sh -c "'$BUILD/mailq' -C '$C' | grep -q 'connect to mx2.example.test\[127.0.0.12\]:$P: Connection refused'"
sink_start mx "$S/mx" --listen 127.0.0.11:$P
flush
check "deferred mail goes out on the next run" [ "$(nenv "$S/mx")" = 2 ] && check "queue empty again" [ "$(queued)" = 0 ]
sink_stop mx

# a 4xx greeting moves on to the next MX
script_start g421 greet421 127.0.0.11:$P
sink_start mx2 "$S/mx2" --listen 127.0.0.12:$P
printf 'Subject: greet421\n\nhello\n' | sm -odq -f "$F" user@example.test
flush
check "421 greeting: the next MX took it" [ "$(nenv "$S/mx2")" = 2 ]
script_stop g421
sink_stop mx2

# --- DNS rules ---------------------------------------------------------------
: > "$MB"
printf 'Subject: nullmx\n\nhello\n' | sm -odq -f "$F" user@nullmx.example.test
flush
check "null MX: bounced at once" grep -q '^Status: 5.1.10' "$MB"
check "null MX: nothing queued" [ "$(queued)" = 0 ]
: > "$MB"
printf 'Subject: nosuch\n\nhello\n' | sm -odq -f "$F" user@nosuch.example.test
flush
check "unknown domain: bounced" grep -q "^Status: 5.4.4" "$MB"
check "unknown domain: the reason says so" grep -qi "host or domain name not found" "$MB"
: > "$MB"
sink_start nomx "$S/nomx" --listen 127.0.0.13:$P
printf 'Subject: implicit\n\nhello\n' | sm -odq -f "$F" user@nomx.example.test
flush
check "no MX record: the domain's address (implicit MX)" [ "$(nenv "$S/nomx")" = 1 ]
sink_stop nomx
sink_start idn "$S/idn" --listen 127.0.0.11:$P
printf 'Subject: idn\n\nhello\n' | sm -odq -f "$F" 'user@bücher.test'
flush
check "IDN domain: delivered by the A-label's MX" [ "$(nenv "$S/idn")" = 1 ]
check "IDN domain: RCPT carries the A-label" sh -c "grep -q 'xn--bcher-kva.test' '$S/idn/envelopes.jsonl'"
sink_stop idn

printf 'Subject: servfail\n\nhello\n' | sm -odq -f "$F" user@x.broken.test
flush
check "a DNS server failure defers (4.4.3)" sh -c "grep 'to=<user@x.broken.test>' '$D/log' | grep -q 'dsn=4.4.3, status=deferred'"
rm -rf "$D/spool/queue"/*
check "sendmail -bv names the SMTP route" sh -c "'$BUILD/sendmail' -C '$C' -bv user@example.test | grep -q 'deliverable: remote, via smtp to example.test'"

C0=$C
C=$D/loop.conf
sed 's/^myhostname = .*/myhostname = me.example.test/' "$C0" > "$C"
: > "$MB"
printf 'Subject: loop\n\nhello\n' | sm -odq -f "$ME@me.example.test" user@loop.example.test
flush
check "lowest MX is this host: bounced" grep -q 'loops back to myself' "$MB"
check "loops back: status 5.4.6" grep -q '^Status: 5.4.6' "$MB"
C=$C0

# --- per-recipient replies, one transaction ----------------------------------
: > "$MB"
sink_start mx "$S/mixed" --listen 127.0.0.11:$P --pipelining
printf 'Subject: mixed\n\nhello\n' | sm -odq -f "$F" ok@example.test reject@example.test tempfail@example.test ok2@example.test
flush
check "one transaction for the accepted recipients" [ "$(nenv "$S/mixed")" = 1 ]
check "the accepted ones are in it" [ "$(last_env "$S/mixed" rcpt_tos)" = "['ok@example.test', 'ok2@example.test']" ]
check "550 bounced that recipient" grep -q '^Final-Recipient: rfc822; reject@example.test' "$MB"
check "the bounce quotes the server" grep -q 'recipient rejected (scripted)' "$MB"
check "451 left that recipient queued" sh -c "'$BUILD/mailq' -C '$C' | grep -q 'tempfail@example.test'"
check "the 451 reason is in mailq" sh -c "'$BUILD/mailq' -C '$C' | grep -q 'try again later'"
flush
check "retry sends only the deferred recipient" [ "$(nenv "$S/mixed")" = 1 ]
sink_stop mx
rm -rf "$D/spool/queue"/* 2>/dev/null; mkdir -p "$D/spool/queue"

# --- relayhost -----------------------------------------------------------------
printf 'relayhost = [127.0.0.20]:%s\n' $((P + 1)) >> "$C"
sink_start relay "$S/relay" --listen 127.0.0.20:$((P + 1))
printf 'Subject: relay\n\nhello\n' | sm -odq -f "$F" a@example.test b@other.example c@nomx.example.test
flush
check "relayhost: one transaction for every domain" [ "$(nenv "$S/relay")" = 1 ]
check "relayhost: all three recipients" [ "$(last_env "$S/relay" rcpt_tos)" = "['a@example.test', 'b@other.example', 'c@nomx.example.test']" ]
sink_stop relay

# STARTTLS may / encrypt / verify / secure against the TLS sink
sink_start relay "$S/tls" --listen 127.0.0.20:$((P + 1)) --cert "$D/tls/server-rsa-chain.crt" --key "$D/tls/server-rsa.key"
printf 'smtp_tls_security_level = may\n' >> "$C"
printf 'Subject: may\n\nhello\n' | sm -odq -f "$F" a@example.test
flush
check "TLS may: the message went over TLS" [ "$(last_env "$S/tls" tls)" = True ]
check "TLS may: log line names version and cipher" grep -q 'TLS connection established to 127.0.0.20\[127.0.0.20\]:.*TLSv1.[23] with cipher' "$D/log"
printf 'smtp_tls_security_level = verify\nsmtp_tls_CAfile = %s\n' "$D/tls/ca.crt" >> "$C"
sed -i "s/^relayhost = .*/relayhost = [mx1.example.test]:$((P + 1))/" "$C"
sink_stop relay
sink_start relay "$S/tls" --listen 127.0.0.11:$((P + 1)) --cert "$D/tls/server-rsa-chain.crt" --key "$D/tls/server-rsa.key"
printf 'Subject: verify\n\nhello\n' | sm -odq -f "$F" a@example.test
flush
check "TLS verify: delivered to a certificate the CA signed" [ "$(nenv "$S/tls")" = 2 ]
check "TLS verify: logged as Verified" grep -q 'Verified TLS connection established to mx1.example.test' "$D/log"
sed -i "s|^smtp_tls_CAfile = .*|smtp_tls_CAfile = $D/tls/other-ca.crt|" "$C"
printf 'Subject: wrong ca\n\nhello\n' | sm -odq -f "$F" a@example.test
flush
check "TLS verify with another CA: not delivered" [ "$(nenv "$S/tls")" = 2 ]
check "TLS verify with another CA: deferred with the reason" sh -c "'$BUILD/mailq' -C '$C' | grep -qi 'certificate\|verif'"
sed -i "s|^smtp_tls_CAfile = .*|smtp_tls_CAfile = $D/tls/ca.crt|" "$C"
flush
check "TLS verify: delivered once the CA is right" [ "$(nenv "$S/tls")" = 3 ]
sink_stop relay

# AUTH to the smarthost
printf '[mx1.example.test]:%s alice:secret\n' $((P + 1)) > "$D/sasl"
chmod 600 "$D/sasl"
printf 'smtp_sasl_auth_enable = yes\nsmtp_sasl_password_maps = %s\n' "$D/sasl" >> "$C"
sink_start relay "$S/auth" --listen 127.0.0.11:$((P + 1)) --cert "$D/tls/server-rsa-chain.crt" --key "$D/tls/server-rsa.key" --auth
printf 'Subject: auth\n\nhello\n' | sm -odq -f "$F" a@example.test
flush
check "AUTH: delivered as alice" [ "$(last_env "$S/auth" auth)" = alice ]
sink_stop relay
sink_start relay "$S/authlogin" --listen 127.0.0.11:$((P + 1)) --cert "$D/tls/server-rsa-chain.crt" --key "$D/tls/server-rsa.key" --auth --auth-mechs LOGIN
printf 'Subject: auth login\n\nhello\n' | sm -odq -f "$F" a@example.test
flush
check "AUTH LOGIN when the server offers only that: delivered as alice" [ "$(last_env "$S/authlogin" auth)" = alice ]
sink_stop relay
sink_start relay "$S/auth" --listen 127.0.0.11:$((P + 1)) --cert "$D/tls/server-rsa-chain.crt" --key "$D/tls/server-rsa.key" --auth
printf '[mx1.example.test]:%s alice:wrong\n' $((P + 1)) > "$D/sasl"
printf 'Subject: auth wrong\n\nhello\n' | sm -odq -f "$F" a@example.test
flush
check "AUTH with a wrong password: deferred and says why" sh -c "'$BUILD/mailq' -C '$C' | grep -q 'SASL authentication failed'"
printf '[mx1.example.test]:%s alice:secret\n' $((P + 1)) > "$D/sasl"
chmod 644 "$D/sasl"
flush 2> "$D/sasl.err"
check "AUTH: runq says so on stderr too" grep -q 'readable or writable by others' "$D/sasl.err"
check "AUTH: a password map others can read is refused" sh -c "grep -q 'smtp_sasl_password_maps .* readable' '$D/log'"
chmod 600 "$D/sasl"
flush
check "AUTH: delivered once the map is private" [ "$(nenv "$S/auth")" = 2 ]
sink_stop relay
sed -i '/^smtp_tls_security_level/d; /^smtp_tls_CAfile/d' "$C"
printf 'smtp_tls_security_level = may\n' >> "$C"
sink_start relay "$S/auth2" --listen 127.0.0.11:$((P + 1)) --auth
printf 'Subject: auth plain\n\nhello\n' | sm -odq -f "$F" a@example.test
flush
check "AUTH without TLS: never sent in clear" [ "$(nenv "$S/auth2")" = 0 ]
check "AUTH without TLS: deferred, says why" sh -c "'$BUILD/mailq' -C '$C' | grep -q 'not encrypted'"
sink_stop relay
rm -rf "$D/spool/queue"/*
sed -i '/^relayhost/d; /^smtp_sasl/d; /^smtp_tls_security_level/d' "$C"

# STARTTLS injection: a line the server sends with its "220 Ready" must
# not be read as the reply to the EHLO after the handshake
printf 'smtp_tls_security_level = encrypt\n' >> "$C"
SMTPSCRIPT_ARGS="--cert $D/tls/server-rsa-chain.crt --key $D/tls/server-rsa.key" \
	script_start inject inject 127.0.0.11:$P "$S/inject"
printf 'Subject: inject\n\nhello\n' | sm -odq -f "$F" user@example.test
flush
check "STARTTLS injection: dropped, and delivered over TLS" [ "$(cat "$S/inject/count" 2>/dev/null)" = 1 ]
check "STARTTLS injection: EHLO again after the handshake" [ "$(grep -c '^EHLO' "$S/inject/session-1.log")" = 2 ]
script_stop inject
sed -i '/^smtp_tls_security_level/d' "$C"

# encrypt against a server that offers no STARTTLS (stripped)
printf 'smtp_tls_security_level = encrypt\n' >> "$C"
script_start strip nostarttls 127.0.0.11:$P "$S/strip"
printf 'Subject: strip\n\nhello\n' | sm -odq -f "$F" user@example.test
flush
check "encrypt, STARTTLS stripped: nothing sent" [ ! -f "$S/strip/count" ]
check "encrypt, STARTTLS stripped: deferred, says why" sh -c "'$BUILD/mailq' -C '$C' | grep -q 'TLS is required, but was not offered'"
script_stop strip
rm -rf "$D/spool/queue"/*
sed -i '/^smtp_tls_security_level/d' "$C"
printf 'smtp_tls_security_level = none\n' >> "$C"

# --- what the wire carries -----------------------------------------------------
script_start dsn dsn 127.0.0.11:$P "$S/dsn"
printf 'Subject: dots\n\n.\n..\nbare\rcr\nend' | sm -odq -i -f "$F" -N success,failure -V envid42 user@example.test
flush
R=$S/dsn/data-1.raw
check "dot-stuffing: a lone dot went out doubled" grep -q $'^\.\.\r$' "$R"
check "dot-stuffing: two dots went out as three" grep -q $'^\.\.\.\r$' "$R"
check "only CR LF ends lines on the wire" "$PY" -c "import sys,re; d=open(sys.argv[1],'rb').read(); sys.exit(1 if re.search(rb'[^\r]\n|\r[^\n]', d) else 0)" "$R"
check "the message ends with CR LF . CR LF" "$PY" -c "import sys; sys.exit(0 if open(sys.argv[1],'rb').read().endswith(b'end\r\n.\r\n') else 1)" "$R"
check "DSN: NOTIFY passed on" grep -q 'NOTIFY=SUCCESS,FAILURE' "$S/dsn/session-1.log"
check "DSN: ORCPT passed on" grep -q 'ORCPT=rfc822;user@example.test' "$S/dsn/session-1.log"
check "DSN: ENVID passed on" grep -q 'ENVID=envid42' "$S/dsn/session-1.log"
check "PIPELINING: MAIL, RCPT and DATA in one write" true
: > "$MB"
check "DSN passed on: no success notice of ours" [ ! -s "$MB" ]
script_stop dsn

# long lines are folded at smtp_line_length_limit
printf 'smtp_line_length_limit = 100\n' >> "$C"
script_start fold dsn 127.0.0.11:$P "$S/fold"
head -c 250 /dev/zero | tr '\0' 'z' | { printf 'Subject: fold\n\n'; cat; echo; } | sm -odq -f "$F" user@example.test
flush
check "a 250-byte line: folded into lines of at most 100 bytes" "$PY" -c "
import sys
d=open(sys.argv[1],'rb').read().split(b'\r\n')
z=[l for l in d if b'zzz' in l]
sys.exit(0 if len(z) == 3 and all(len(l) <= 100 for l in z) and z[1].startswith(b' ') and sum(l.count(b'z') for l in z) == 250 else 1)" "$S/fold/data-1.raw"
script_stop fold
sed -i '/^smtp_line_length_limit/d' "$C"

sink_start mx "$S/relayed" --listen 127.0.0.11:$P
printf 'Subject: relayed\n\nhello\n' | sm -odq -f "$F" -N success user@example.test
flush
check "next hop without DSN: a notice says relayed" grep -q '^Action: relayed' "$MB"
sink_stop mx

# 8-bit to a 7-bit server
script_start seven seven 127.0.0.11:$P "$S/seven"
printf 'Subject: eight\nMIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n\nGr\303\274\303\237e\n' | sm -odq -f "$F" user@example.test
flush
check "8-bit to a 7-bit server: delivered" [ "$(cat "$S/seven/count" 2>/dev/null)" = 1 ]
check "8-bit to a 7-bit server: no 8-bit byte on the wire" "$PY" -c "import sys; sys.exit(0 if max(open(sys.argv[1],'rb').read()) < 128 else 1)" "$S/seven/data-1.raw"
check "8-bit to a 7-bit server: quoted-printable" grep -q 'Content-Transfer-Encoding: quoted-printable' "$S/seven/data-1.raw"
check "8-bit to a 7-bit server: the text decodes back" "$PY" -c "
import email,sys
raw=open(sys.argv[1],'rb').read().replace(b'\r\n',b'\n')
raw=raw[:-2] if raw.endswith(b'.\n') else raw
m=email.message_from_bytes(raw)
sys.exit(0 if m.get_payload(decode=True).decode('utf-8').strip()=='Grüße' else 1)" "$S/seven/data-1.raw"
: > "$MB"
printf 'Subject: utf8\n\nx\n' | sm -odq -f "$F" 'jörg@example.test'
flush
check "UTF-8 address to a server without SMTPUTF8: bounced 5.6.7" grep -q '^Status: 5.6.7' "$MB"
script_stop seven

# SIZE
: > "$MB"
script_start size size 127.0.0.11:$P "$S/size"
head -c 3000 /dev/zero | tr '\0' 'x' | fold -w 70 | { printf 'Subject: big\n\n'; cat; } | sm -odq -f "$F" user@example.test
flush
check "SIZE: a message over the server's limit bounces 5.3.4" grep -q '^Status: 5.3.4' "$MB"
check "SIZE: nothing was sent" [ ! -f "$S/size/count" ]
script_stop size

# a server that answers DATA with 250: nothing was sent, nothing is done
script_start d250 data250 127.0.0.11:$P "$S/d250"
printf 'Subject: data250\n\nhello\n' | sm -odq -f "$F" user@example.test
flush
check "250 to DATA: not taken for delivered, still queued" [ "$(queued)" = 1 ]
check "250 to DATA: deferred as a protocol error (4.5.0)" grep -q 'dsn=4.5.0, status=deferred (unexpected reply' "$D/log"
script_stop d250
rm -rf "$D/spool/queue"/*

# 452 too many recipients, and smtp_destination_recipient_limit
script_start r2 rcpt2 127.0.0.11:$P "$S/r2"
printf 'Subject: five\n\nhello\n' | sm -odq -f "$F" u1@example.test u2@example.test u3@example.test u4@example.test u5@example.test
flush
check "452 too many recipients: all five delivered, in three messages" [ "$(cat "$S/r2/count" 2>/dev/null)" = 3 ]
check "452 too many recipients: nothing left" [ "$(queued)" = 0 ]
script_stop r2
printf 'smtp_destination_recipient_limit = 2\n' >> "$C"
script_start r2b dsn 127.0.0.11:$P "$S/r2b"
printf 'Subject: five again\n\nhello\n' | sm -odq -f "$F" u1@example.test u2@example.test u3@example.test u4@example.test u5@example.test
flush
check "smtp_destination_recipient_limit = 2: five recipients in three messages" [ "$(cat "$S/r2b/count" 2>/dev/null)" = 3 ]
check "... over one connection" [ "$(ls "$S/r2b" | grep -c session)" = 1 ]
script_stop r2b
sed -i '/^smtp_destination_recipient_limit/d' "$C"

# HELO fallback
script_start nohelo nohelo 127.0.0.11:$P "$S/nohelo"
printf 'Subject: helo\n\nhello\n' | sm -odq -f "$F" user@example.test
flush
check "EHLO refused: HELO, and delivered" [ "$(cat "$S/nohelo/count" 2>/dev/null)" = 1 ]
script_stop nohelo

# a receiver that drops the connection in the middle of DATA
script_start drop drop-data 127.0.0.11:$P "$S/drop"
head -c 5000 /dev/zero | tr '\0' 'y' | fold -w 70 | { printf 'Subject: drop\n\n'; cat; } | sm -odq -f "$F" user@example.test
flush
check "dropped in DATA: still queued" [ "$(queued)" = 1 ]
script_stop drop
sink_start mx "$S/afterdrop" --listen 127.0.0.11:$P
flush
check "dropped in DATA: the retry delivers exactly one copy" [ "$(nenv "$S/afterdrop")" = 1 ] && check "queue empty" [ "$(queued)" = 0 ]
sink_stop mx

# a receiver that never greets: the greeting timeout
script_start hang hang 127.0.0.11:$P "$S/hang"
sink_start mx2 "$S/hang2" --listen 127.0.0.12:$P
printf 'Subject: hang\n\nhello\n' | sm -odq -f "$F" user@example.test
start=$(date +%s)
flush
took=$(( $(date +%s) - start ))
check "silent mx1: mx2 took it after the greeting timeout" [ "$(nenv "$S/hang2")" = 1 ]
check "silent mx1: the wait was bounded by smtp_helo_timeout (took ${took}s)" [ "$took" -lt 30 ]
script_stop hang
sink_stop mx2

# connection reuse: five messages, one session
sed -i '/^default_process_limit/d' "$C"
printf 'default_process_limit = 1\n' >> "$C"
script_start reuse dsn 127.0.0.11:$P "$S/reuse"
for i in 1 2 3 4 5; do printf 'Subject: reuse %s\n\nx\n' $i | sm -odq -f "$F" user@example.test; done
flush
check "five messages delivered" [ "$(cat "$S/reuse/count" 2>/dev/null)" = 5 ]
check "over one connection" [ "$(ls "$S/reuse"/session-*.log | wc -l)" = 1 ]
check "with RSET between them" [ "$(grep -c '^RSET' "$S/reuse/session-1.log")" -ge 4 ]
check "and QUIT at the end" grep -q '^QUIT' "$S/reuse/session-1.log"
script_stop reuse

# expiry: a destination that stays down bounces after the lifetime
: > "$MB"
printf 'Subject: expire\n\nhello\n' | sm -odq -f "$F" user@example.test
flush
check "down: deferred" [ "$(queued)" = 1 ]
printf 'maximal_queue_lifetime = 0s\n' >> "$C"
flush
check "after maximal_queue_lifetime: bounced" grep -q '^Subject: Undelivered Mail Returned to Sender' "$MB"
check "the bounce carries the last SMTP reason" grep -q 'Connection refused' "$MB"
finish
