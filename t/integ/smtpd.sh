#!/bin/bash
# smtpd.sh - the SMTP server: the built smtpd driven over a socketpair
# (smtpdrive.py: raw byte scripts and Python smtplib), then under
# tcpserver and openbsd-inetd on loopback ports with smtplib and swaks;
# end to end a message smtpd accepted is delivered by runq. Local
# recipients and aliases, relay policy and the open-relay probes, SMTP
# smuggling variants, dot-unstuffing, STARTTLS injection, AUTH, limits
# (size, recipients, errors, line length, timeouts, session time), early
# talkers, a spool failure, sendmail -bs.
# ports: 25025 (tcpserver), 25026 (openbsd-inetd), 25027 (openbsd-inetd "wait")
TCPSP=${PH_SMTPD_TCPSERVER_PORT:-25025}
INETP=${PH_SMTPD_INETD_PORT:-25026}
WAITP=${PH_SMTPD_INETD_WAIT_PORT:-25027}
. "$SRCDIR/t/integ/lib.sh"
command -v openssl > /dev/null || skip "$T: openssl is not installed"

# no client name lookups: the resolver here is a closed port (5 s each)
new_instance "smtpd_greet_pause = 0" "smtpd_peername_lookup = no" \
	"mynetworks = 127.0.0.1/32, [::1]/128" \
	"recipient_delimiter = +" "relay_domains = relay.example"
printf 'alias1: %s\npostmaster: %s\n' "$ME" "$ME" > "$D/aliases"
"$BUILD/newaliases" -C "$C" > /dev/null
runq		# creates the spool
# As root, smtpd serves as the spool owner, never as root: a spool of
# user posthorn, as an installed system has.
if [ "$(id -u)" = 0 ]; then
	id posthorn > /dev/null 2>&1 || skip "$T: user posthorn is missing"
	touch "$D/log"
	chown -R posthorn: "$D/spool" "$D/log"
fi
"$SRCDIR/t/integ/mkcerts.sh" "$D/tls" host.example.org > /dev/null 2>&1 ||
	{ fail "test certificates"; finish; }
chmod 600 "$D/tls/server-rsa.key"	# root's alone: read before the switch
MB=$D/mail/$ME
L=host.example.org

drive() { "$PY" "$SRCDIR/t/integ/smtpdrive.py" -s "$BUILD/smtpd" -c "${CONF:-$C}" "$@"; }
# mkconf NAME LINES...: a variant of the configuration in $D/NAME.conf
mkconf() { n=$1; shift; cp "$C" "$D/$n.conf"; for l in "$@"; do echo "$l" >> "$D/$n.conf"; done; }
# session NAME TEXT [drive options]: TEXT (printf %b escapes) as one
# pipelined burst after the greeting; the replies go to $D/out.NAME
session() {
	n=$1; t=$2; shift 2
	printf '%b' "$t" > "$D/in.$n"
	sleep 0.01	# -newer in.NAME: files queued by this session
	drive "$@" raw "$D/in.$n" > "$D/out.$n" 2>&1
}
has() { grep -q -- "$2" "$D/out.$1"; }
count() { grep -c -- "$2" "$D/out.$1"; }
queued_msgs() { find "$D/spool/queue" -name '*.env' | wc -l; }
H='EHLO client.example\r\nMAIL FROM:<s@client.example>\r\n'

# --- a message in, delivered by runq ------------------------------------------
printf 'Subject: first\n\nhello smtpd\n' |
	drive send s@client.example "$ME@$L" > "$D/out.send" 2>&1
check "smtplib message accepted" grep -q '^OK' "$D/out.send"
runq
check "delivered to the mailbox by runq" grep -q 'hello smtpd' "$MB"
check "Received: names client, HELO, protocol and queue ID" \
	grep -Eq "^Received: from client.example \(unknown \[unknown\]\)" "$MB"
check "Received: says ESMTP and the queue ID" grep -Eq "by $L \(posthorn\) with ESMTP id [0-9A-F]{21}" "$MB"
check "session logged in one summary line" \
	grep -q "posthorn/smtpd.*disconnect from unknown\[unknown\] ehlo=1 mail=1 rcpt=1 data=1 quit=1 commands=5" "$D/log"
check "queued message logged with client=" grep -Eq "smtpd.*[0-9A-F]{21}: client=unknown\[unknown\]" "$D/log"

# --- local recipients ----------------------------------------------------------
session rcpt "${H}RCPT TO:<nosuchuser@$L>\r\nRCPT TO:<alias1@$L>\r\nRCPT TO:<$ME+ext@$L>\r\nRCPT TO:<alias1+x@$L>\r\nRCPT TO:<nosuchuser+$ME@$L>\r\nRCPT TO:<postmaster>\r\nRCPT TO:<$ME>\r\nVRFY $ME\r\nQUIT\r\n"
check "unknown local user refused at RCPT (550 5.1.1)" has rcpt "^550 5.1.1 <nosuchuser@$L>"
check "alias, user+ext, alias+ext and <postmaster> accepted" [ "$(count rcpt '^250 2.1.5')" = 4 ]
check "user unknown even with an extension" has rcpt "^550 5.1.1 <nosuchuser+$ME@$L>"
check "unqualified recipient refused from the network" has rcpt "^501 5.1.3"
check "VRFY answers 252" has rcpt "^252 2.5.2"
check "a rejected RCPT is logged as Postfix does" \
	grep -q "NOQUEUE: reject: RCPT from unknown\[unknown\]: 550 5.1.1 <nosuchuser@$L>.*proto=ESMTP helo=<client.example>" "$D/log"

# --- relaying -----------------------------------------------------------------
session relay "${H}RCPT TO:<x@other.example>\r\nRCPT TO:<x@relay.example>\r\nQUIT\r\n"
check "relay denied to an unknown client (554 5.7.1)" has relay "^554 5.7.1 <x@other.example>: Relay access denied"
check "relay_domains accepted from anyone" has relay "^250 2.1.5"
session relay4 "${H}RCPT TO:<x@other.example>\r\nQUIT\r\n" --env TCPREMOTEIP=127.0.0.1
check "mynetworks client (127.0.0.1/32) may relay" has relay4 "^250 2.1.5"
session relay5 "${H}RCPT TO:<x@other.example>\r\nQUIT\r\n" --env TCPREMOTEIP=127.0.0.2
check "client outside mynetworks (127.0.0.2) may not" has relay5 "^554 5.7.1"
session relay6 "${H}RCPT TO:<x@other.example>\r\nQUIT\r\n" --env TCPREMOTEIP=::1
check "IPv6 [::1]/128 in mynetworks may relay" has relay6 "^250 2.1.5"
session relay7 "${H}RCPT TO:<x@other.example>\r\nQUIT\r\n" --env TCPREMOTEIP=not-an-address
check "a TCPREMOTEIP that is no address is not trusted" has relay7 "^554 5.7.1"

# the classic open-relay probes, from a client that may not relay
probes="$ME%other.example@$L|$ME@other.example@$L|\"$ME@other.example\"@$L|@$L:$ME@other.example|other.example!$ME@$L|$ME@[192.0.2.1]|$ME@[127.0.0.1]|$ME%other.example@relay.example|$ME@other.example.|$ME@$L@other.example"
IFS='|' read -r -a plist <<< "$probes"
for p in "${plist[@]}"; do
	session probe "${H}RCPT TO:<$p>\r\nQUIT\r\n"
	if grep -q '^250 2.1.5' "$D/out.probe"; then
		fail "open-relay probe <$p> accepted"
	elif grep -Eq '^(5[0-9][0-9]) ' "$D/out.probe"; then
		pass "open-relay probe <$p> refused ($(grep -E '^5[0-9][0-9] ' "$D/out.probe" | head -1 | cut -c1-9))"
	else
		fail "open-relay probe <$p>: no refusal: $(tr '\r\n' '  ' < "$D/out.probe")"
	fi
done

# --- SMTP smuggling -------------------------------------------------------------
# Each variant puts a fake end of data and a second transaction inside
# the message; only CR LF . CR LF may end it.
M="${H}RCPT TO:<$ME@$L>\r\nDATA\r\nSubject: smuggle\r\n\r\nfirst part"
S2="MAIL FROM:<evil@client.example>\r\nRCPT TO:<$ME@$L>\r\nDATA\r\nSubject: smuggled\r\n\r\nsecond\r\n"
mkconf norm "smtpd_forbid_bare_newline = normalize"
i=0
for v in '\n.\n' '\n.\r\n' '\r.\r' '\r.\r\n' '\r\n.\n' '\r\n.\r' '\r\n.\r\r\n' '\n.\r\n\r\n.\n'; do
	i=$((i + 1))
	before=$(queued_msgs)
	session smug "$M$v$S2\r\n.\r\nQUIT\r\n"
	after=$(queued_msgs)
	if [ "$(count smug '^250 2.0.0 Ok: queued')" != 0 ] || [ "$after" != "$before" ]; then
		fail "smuggling variant $i ($v): something was queued"
	elif [ "$(count smug '^550 5.5.2 Error: bare')" = 1 ] && [ "$(count smug '^354')" = 1 ]; then
		pass "smuggling variant $i ($v) refused as one message (550 5.5.2)"
	else
		fail "smuggling variant $i ($v): $(tr '\r\n' '  ' < "$D/out.smug")"
	fi
	CONF=$D/norm.conf session smugn "$M$v$S2\r\n.\r\nQUIT\r\n"
	after2=$(queued_msgs)
	if [ "$(count smugn '^250 2.0.0 Ok: queued')" = 1 ] && [ "$(count smugn '^354')" = 1 ] &&
	    [ "$after2" = $((after + 1)) ] &&
	    grep -lq 'Subject: smuggled' $(find "$D/spool/queue" -name '*.msg' -newer "$D/in.smugn"); then
		pass "normalize: variant $i is one message, the fake one inside it"
	else
		fail "normalize: variant $i: $(tr '\r\n' '  ' < "$D/out.smugn")"
	fi
done
# remove what normalize queued (it would be delivered below)
find "$D/spool/queue" -name '*.env' -newer "$D/in.smug" -exec sh -c 'for f; do rm -f "$f" "${f%.env}.msg"; done' _ {} +

session nul "$M\r\n\x00.\r\n$S2\r\n.\r\nQUIT\r\n"
check "a NUL before the dot is no end: one message" [ "$(count nul '^250 2.0.0 Ok: queued')" = 1 ] && [ "$(count nul '^354')" = 1 ]
find "$D/spool/queue" -name '*.env' -newer "$D/in.nul" -exec sh -c 'for f; do rm -f "$f" "${f%.env}.msg"; done' _ {} +
session bare "EHLO x\nQUIT\r\n"
check "bare LF in a command refused" has bare "^500 5.5.2 Error: bare <LF>"

# --- dot-unstuffing, line ends ------------------------------------------------
session dots "${H}RCPT TO:<$ME@$L>\r\nDATA\r\nSubject: dots\r\n\r\n..one\r\n...\r\n.two\r\nthree.\r\n\r\n.\r\nQUIT\r\n"
id=$(sed -n 's/^250 2.0.0 Ok: queued as \([0-9A-F]*\).*/\1/p' "$D/out.dots")
msg=$(find "$D/spool/queue" -name "$id.msg")
check "dotted message queued" [ -n "$id" ] && [ -n "$msg" ]
if [ -n "$msg" ]; then
	tail -n 5 "$msg" > "$D/dots.got"
	printf '.one\n..\ntwo\nthree.\n\n' > "$D/dots.want"
	check "dot-unstuffing exact, lines stored with LF" cmp -s "$D/dots.got" "$D/dots.want"
fi

# --- DSN parameters in the envelope ------------------------------------------
session dsn "EHLO c\r\nMAIL FROM:<s@client.example> RET=HDRS ENVID=env+2Bid BODY=8BITMIME\r\nRCPT TO:<$ME@$L> NOTIFY=SUCCESS,DELAY ORCPT=rfc822;orig+40client.example\r\nDATA\r\nSubject: dsn\r\n\r\nx\r\n.\r\nQUIT\r\n"
id=$(sed -n 's/^250 2.0.0 Ok: queued as \([0-9A-F]*\).*/\1/p' "$D/out.dsn")
env=$(find "$D/spool/queue" -name "$id.env")
check "DSN: RET and ENVID stored" grep -q '^Eenv+id$' "$env"
check "DSN: NOTIFY and ORCPT stored" grep -q "orig@client.example" "$env"
check "DSN: RET=HDRS" grep -q '^N2$' "$env"
if [ "$(id -u)" = 0 ]; then
	check "smtpd ran as the spool owner, not root" grep -q "^U$(id -u posthorn)\$" "$env"
fi
session dsnbad "EHLO c\r\nMAIL FROM:<s@client.example> XYZ=1\r\nMAIL FROM:<s@client.example>\r\nRCPT TO:<$ME@$L> NOTIFY=NEVER,SUCCESS\r\nQUIT\r\n"
check "unknown MAIL parameter refused (555)" has dsnbad "^555 5.5.4"
check "NOTIFY=NEVER with others refused" has dsnbad "^501 5.5.4 Bad NOTIFY"

# --- STARTTLS, AUTH --------------------------------------------------------------
PWH=$(openssl passwd -6 's3cret')
printf '# test users\nalice:%s\n' "$PWH" > "$D/users"
chmod 600 "$D/users"
mkconf tls "smtpd_tls_cert_file = $D/tls/server-rsa.crt" \
	"smtpd_tls_key_file = $D/tls/server-rsa.key" \
	"smtpd_sasl_auth_enable = yes" "smtpd_sasl_password_file = $D/users"
CONF=$D/tls.conf drive inject "$D/tls/ca.crt" > "$D/out.inject" 2>&1
check "STARTTLS offered" has inject "^250-STARTTLS"
check "STARTTLS answered 220" has inject "^220 2.0.0 Ready to start TLS"
check "command pipelined after STARTTLS discarded (RCPT: need MAIL)" has inject "^503 5.5.1 Error: need MAIL"
check "AUTH offered only inside TLS" [ "$(count inject 'AUTH PLAIN LOGIN')" = 1 ]
grep -q "discarding .* bytes sent after STARTTLS" "$D/log" && pass "injection logged" || fail "injection logged"
CONF=$D/tls.conf session auth0 "EHLO c\r\nAUTH PLAIN AGFsaWNlAHMzY3JldA==\r\nQUIT\r\n"
check "AUTH before STARTTLS refused (530)" has auth0 "^530 5.7.0"
printf 'Subject: auth\n\nauthenticated relay\n' |
	CONF=$D/tls.conf drive send --tls "$D/tls/ca.crt" --auth alice:wrong s@client.example x@other.example > "$D/out.auth1" 2>&1
check "wrong password refused (535 5.7.8)" grep -q '^ERR 535' "$D/out.auth1"
grep -q "SASL .* authentication failed: user=alice" "$D/log" && pass "failed AUTH logged (no password)" || fail "failed AUTH logged"
grep -q "s3cret\|wrong" "$D/log" && fail "a password reached the log" || pass "no password in the log"
printf 'Subject: auth\n\nauthenticated relay\n' |
	CONF=$D/tls.conf drive send --tls "$D/tls/ca.crt" --auth alice:s3cret s@client.example x@other.example > "$D/out.auth2" 2>&1
check "authenticated client may relay (AUTH PLAIN)" grep -q '^OK' "$D/out.auth2"
check "Received: shows TLS and ESMTPSA" grep -q "with ESMTPSA id" $(grep -l "authenticated relay" $(find "$D/spool/queue" -name '*.msg'))
check "TLS version and cipher in Received:" grep -q "(using TLSv1.[23] with cipher" $(grep -l "authenticated relay" $(find "$D/spool/queue" -name '*.msg'))
check "sasl_username logged" grep -q "sasl_method=PLAIN, sasl_username=alice" "$D/log"
u64=$(printf alice | base64); p64=$(printf s3cret | base64)
"$PY" - "$BUILD/smtpd" "$D/tls.conf" "$D/tls/ca.crt" "$u64" "$p64" > "$D/out.login" 2>&1 <<'EOP'
import socket, ssl, subprocess, sys
a, b = socket.socketpair()
p = subprocess.Popen([sys.argv[1], "-C", sys.argv[2]], stdin=b, stdout=b)
b.close()
f = a.makefile("rb")
def rd(f):
    out = []
    while True:
        l = f.readline().decode().rstrip()
        out.append(l)
        if len(l) < 4 or l[3] != "-":
            return out
rd(f); a.sendall(b"EHLO c\r\n"); rd(f); a.sendall(b"STARTTLS\r\n"); rd(f)
ctx = ssl.create_default_context(cafile=sys.argv[3]); ctx.check_hostname = False
t = ctx.wrap_socket(a, server_hostname="localhost"); f = t.makefile("rb")
for line in [b"EHLO c", b"AUTH LOGIN", sys.argv[4].encode(), sys.argv[5].encode(), b"QUIT"]:
    t.sendall(line + b"\r\n")
    print("\n".join(rd(f)))
EOP
check "AUTH LOGIN works" grep -q "^235 2.7.0" "$D/out.login"

# --- limits -------------------------------------------------------------------
mkconf lim "message_size_limit = 1000" "smtpd_recipient_limit = 2" "smtpd_hard_error_limit = 4"
big=$(head -c 3000 /dev/zero | tr '\0' 'x')
CONF=$D/lim.conf session size "${H}RCPT TO:<$ME@$L>\r\nDATA\r\nSubject: big\r\n\r\n$big\r\n.\r\nMAIL FROM:<s@c.example> SIZE=5000\r\nQUIT\r\n"
check "message over message_size_limit refused (552 5.3.4)" has size "^552 5.3.4 Error: message file too big"
check "SIZE over the limit refused at MAIL" has size "^552 5.3.4 Message size exceeds"
CONF=$D/lim.conf session rcpts "${H}RCPT TO:<$ME@$L>\r\nRCPT TO:<alias1@$L>\r\nRCPT TO:<postmaster>\r\nQUIT\r\n"
check "smtpd_recipient_limit (452 4.5.3)" has rcpts "^452 4.5.3"
CONF=$D/lim.conf session errs "EHLO c\r\nBOGUS\r\nBOGUS\r\nBOGUS\r\nBOGUS\r\nNOOP\r\nNOOP\r\n"
check "smtpd_hard_error_limit ends the session (421 4.7.0)" has errs "^421 4.7.0"
check "no command served after the limit" [ "$(count errs '^250 2.0.0 Ok')" = 0 ]
long=$(head -c 100000 /dev/zero | tr '\0' 'A')
session long "NOOP $long\r\nNOOP\r\nQUIT\r\n"
check "command line over the limit refused (500 5.5.2)" has long "^500 5.5.2 Error: line too long"
check "the session goes on after a long line" has long "^250 2.0.0 Ok"
session longdata "${H}RCPT TO:<$ME@$L>\r\nDATA\r\nSubject: long line\r\n\r\n$long$long\r\n.\r\nQUIT\r\n"
check "a long line in DATA is stored whole (constant memory)" has longdata "^250 2.0.0 Ok: queued"
mkconf tmo "smtpd_timeout = 1s"
CONF=$D/tmo.conf session tmo "EHLO c\r\n"
check "smtpd_timeout: idle client dropped (421 4.4.2)" has tmo "^421 4.4.2"
el=$(sed -n 's/^ELAPSED //p' "$D/out.tmo")
check "smtpd_timeout: within a few seconds ($el s)" [ "${el%.*}" -lt 5 ]
mkconf cap "smtpd_session_time_limit = 2s"
"$PY" - "$BUILD/smtpd" "$D/cap.conf" > "$D/out.cap" 2>&1 <<'EOP'
import socket, subprocess, sys, time
a, b = socket.socketpair()
p = subprocess.Popen([sys.argv[1], "-C", sys.argv[2]], stdin=b, stdout=b)
b.close()
a.settimeout(10)
start = time.time()
out = b""
try:
    while time.time() - start < 8:
        a.sendall(b"NOOP\r\n")
        time.sleep(0.3)
except OSError:
    pass
a.settimeout(1)
try:
    while True:
        d = a.recv(65536)
        if not d:
            break
        out += d
except OSError:
    pass
print(out.decode())
print("ELAPSED %.1f" % (time.time() - start))
EOP
check "session time cap ends a busy session (421 4.4.2)" has cap "^421 4.4.2"

# --- early talker, HELO required ------------------------------------------------
mkconf early "smtpd_greet_pause = 1s" "smtpd_helo_required = yes"
CONF=$D/early.conf session early "EHLO c\r\nMAIL FROM:<a@b.example>\r\nQUIT\r\n" --early
check "early talker rejected (554 5.5.1)" has early "^554 5.5.1"
check "early talker gets no greeting" [ "$(count early '^220 ')" = 0 ]
check "early talker: only QUIT served" has early "^503 5.5.1 Error: access denied" && has early "^221 "
CONF=$D/early.conf session polite "NOOP\r\nMAIL FROM:<a@b.example>\r\nQUIT\r\n"
check "a patient client is greeted after the pause" has polite "^220 $L ESMTP"
check "smtpd_helo_required: MAIL before HELO refused" has polite "^503 5.5.1 Error: send HELO/EHLO first"

# --- a spool failure -------------------------------------------------------------
before=$(find "$D/spool/queue" -type f | wc -l)
chmod 500 "$D/spool/queue"/?
session spoolfail "${H}RCPT TO:<$ME@$L>\r\nDATA\r\nQUIT\r\n"
chmod 750 "$D/spool/queue"/?
check "spool failure answers 451 4.3.0" has spoolfail "^451 4.3.0"
check "spool failure leaves no file" [ "$(find "$D/spool/queue" -type f | wc -l)" = "$before" ]

# --- sendmail -bs ----------------------------------------------------------------
printf 'HELO local\r\nMAIL FROM:<me@local.example>\r\nRCPT TO:<%s>\r\nRCPT TO:<far@other.example>\r\nDATA\r\nSubject: via -bs\r\n\r\nstand-alone\r\n.\r\nQUIT\r\n' "$ME" |
	sm -bs -odq > "$D/out.bs" 2>&1	# -odq: no runq of its own before the checks
check "sendmail -bs: greeting and 250 queued" grep -q '^250 2.0.0 Ok: queued' "$D/out.bs"
check "sendmail -bs: the local caller may relay" [ "$(grep -c '^250 2.1.5' "$D/out.bs")" = 2 ]
check "sendmail -bs: written to the maildrop" [ "$(ls "$D/spool/maildrop" | wc -l)" = 1 ]
runq
check "sendmail -bs: delivered after pickup" grep -q 'stand-alone' "$MB"
check "sendmail -bs: submitted as the caller's uid" grep -q "from userid $(id -u)" "$MB"

# --- under tcpserver and openbsd-inetd --------------------------------------------
srv() { "$PY" "$SRCDIR/t/integ/smtpdrive.py" --port "$1" ${2:+--source "$2"} send s@client.example "${@:3}"; }
waitport() { for _ in $(seq 50); do "$PY" -c "import socket,sys; socket.create_connection(('127.0.0.1', int(sys.argv[1])), 1)" "$1" 2>/dev/null && return 0; sleep 0.1; done; return 1; }
PIDS=
trap 'for p in $PIDS; do kill "$p" 2>/dev/null; done; cleanup' EXIT
if command -v tcpserver > /dev/null; then
	tcpserver -q -H -R -l0 -c 10 127.0.0.1 "$TCPSP" "$BUILD/smtpd" -C "$C" 2> "$D/tcpserver.err" &
	PIDS="$PIDS $!"
	if waitport "$TCPSP"; then
		printf 'Subject: tcpserver\n\nvia tcpserver\n' | srv "$TCPSP" "" "$ME@$L" > "$D/out.tcps" 2>&1
		check "tcpserver: smtplib message accepted" grep -q '^OK' "$D/out.tcps"
		printf 'Subject: x\n\nx\n' | srv "$TCPSP" 127.0.0.1 far@other.example > "$D/out.tcps2" 2>&1
		check "tcpserver: 127.0.0.1 (mynetworks) may relay" grep -q '^OK' "$D/out.tcps2"
		printf 'Subject: x\n\nx\n' | srv "$TCPSP" 127.0.0.2 far@other.example > "$D/out.tcps3" 2>&1
		check "tcpserver: 127.0.0.2 may not relay (554 5.7.1)" grep -q "554.*5.7.1" "$D/out.tcps3"
		check "tcpserver: client address from the connection" grep -q "connect from unknown\[127.0.0.2\]" "$D/log"
		if command -v swaks > /dev/null; then
			swaks --server 127.0.0.1 --port "$TCPSP" --from s@client.example --to "$ME@$L" \
			    --header "Subject: swaks" --body "sent by swaks" > "$D/out.swaks" 2>&1
			check "swaks through tcpserver" grep -q "250 2.0.0 Ok: queued" "$D/out.swaks"
		else
			skip_check "swaks through tcpserver" "swaks is not installed"
		fi
	else
		fail "tcpserver listens on $TCPSP: $(cat "$D/tcpserver.err")"
	fi
else
	skip_check "smtpd under tcpserver" "ucspi-tcp is not installed"
fi
if command -v inetd > /dev/null; then
	u=$(id -un)
	echo "127.0.0.1:$INETP stream tcp nowait $u $BUILD/smtpd smtpd -C $C" > "$D/inetd.conf"
	inetd -i "$D/inetd.conf" 2> "$D/inetd.err" &
	PIDS="$PIDS $!"
	if waitport "$INETP"; then
		printf 'Subject: inetd\n\nvia inetd\n' | srv "$INETP" 127.0.0.2 "$ME@$L" > "$D/out.inetd" 2>&1
		check "openbsd-inetd: smtplib message accepted" grep -q '^OK' "$D/out.inetd"
		printf 'Subject: x\n\nx\n' | srv "$INETP" 127.0.0.2 far@other.example > "$D/out.inetd2" 2>&1
		check "openbsd-inetd: relay denied to 127.0.0.2" grep -q "554.*5.7.1" "$D/out.inetd2"
	else
		fail "openbsd-inetd listens on $INETP: $(cat "$D/inetd.err")"
	fi
else
	skip_check "smtpd under openbsd-inetd" "openbsd-inetd is not installed"
fi
# inetd "wait": one smtpd takes the listening socket and forks a session
# per connection; it ends when idle (max_idle) or when its configuration
# changes, and inetd starts a fresh one for the next client
if command -v inetd > /dev/null; then
	u=$(id -un)
	mkconf wait "max_idle = 3s"
	W=$D/wait.conf
	echo "127.0.0.1:$WAITP stream tcp wait $u $BUILD/smtpd smtpd -C $W" > "$D/inetdw.conf"
	inetd -i "$D/inetdw.conf" 2> "$D/inetdw.err" &
	INETDW=$!
	PIDS="$PIDS $INETDW"
	listeners() { grep -c 'listening for connections' "$D/log"; }
	if waitport "$WAITP"; then
		before=$(queued_msgs) lb=$(wc -l < "$D/log")
		for i in 1 2 3; do
			printf 'Subject: wait%s\n\nvia.wait.%s\n' $i $i | srv "$WAITP" "" "$ME@$L" > "$D/out.wait$i" 2>&1
		done
		bg=
		for i in 4 5 6 7 8 9; do
			printf 'Subject: wait%s\n\nvia.wait.%s\n' $i $i | srv "$WAITP" "" "$ME@$L" > "$D/out.wait$i" 2>&1 &
			bg="$bg $!"
		done
		wait $bg
		wait_ok=0
		for i in 1 2 3 4 5 6 7 8 9; do grep -q '^OK' "$D/out.wait$i" && wait_ok=$((wait_ok + 1)); done
		check "inetd wait: 9 messages, 6 of them at once, accepted" [ "$wait_ok" = 9 ]
		check "inetd wait: 9 messages queued" [ "$(( $(queued_msgs) - before ))" = 9 ]
		check "inetd wait: one smtpd listener served them all" [ "$(listeners)" = 1 ]
		nsess=$(tail -n +$((lb + 1)) "$D/log" | grep -F 'connect from unknown[127.0.0.1]' | grep -v disconnect |
			sed -n 's/.*smtpd\[\([0-9]*\)\].*/\1/p' | sort -u | wc -l)
		# a session process serves the next client too (max_use, 100)
		check "inetd wait: session processes serve one client after another" \
			[ "$nsess" -ge 1 -a "$nsess" -lt 9 ]
		if [ "$(id -u)" = 0 ]; then
			lp=$(pgrep -f "smtpd -C $W" | head -n 1)
			check "inetd wait: the listener runs as the spool owner, not root" \
				[ "$(ps -o user= -p "$lp" 2>/dev/null | tr -d ' ')" = posthorn ]
		fi
		printf 'Subject: x\n\nx\n' | srv "$WAITP" 127.0.0.3 far@other.example > "$D/out.wait.relay" 2>&1
		check "inetd wait: relay denied to 127.0.0.3 (554 5.7.1)" grep -q "554.*5.7.1" "$D/out.wait.relay"
		check "inetd wait: client address from the accepted connection" \
			grep -q "connect from unknown\[127.0.0.3\]" "$D/log"
		# a changed configuration: the listener stops, inetd starts a new one
		echo "# changed" >> "$W"
		sleep 1.5	# the listener looks at least once a second
		printf 'Subject: w10\n\nvia.wait.10\n' | srv "$WAITP" "" "$ME@$L" > "$D/out.wait10" 2>&1
		check "inetd wait: after a configuration change a fresh listener serves" \
			sh -c "grep -q '^OK' '$D/out.wait10' && [ \$(grep -c 'listening for connections' '$D/log') = 2 ]"
		check "inetd wait: the old listener said why it stopped" grep -q "wait.conf changed" "$D/log"
		# SIGTERM ends the listener and its waiting spare; no client is lost
		lp=$(pgrep -o -f "[s]mtpd -C $W")
		check "inetd wait: a spare waits beside the listener" [ "$(pgrep -c -f "[s]mtpd -C $W")" -ge 2 ]
		# a client in the middle of its session when the listener stops
		# is served to the end; its process then ends, waiting for no more
		"$PY" -c "import smtplib,time,sys
s = smtplib.SMTP('127.0.0.1', int(sys.argv[1]), timeout=20)
time.sleep(1.5)
s.sendmail('s@client.example', [sys.argv[2]], 'Subject: held\n\nvia.wait.held\n')
s.quit()
print('OK')" "$WAITP" "$ME@$L" > "$D/out.waitheld" 2>&1 &
		held=$!
		sleep 0.5
		kill -TERM "$lp"
		wait $held
		check "inetd wait: SIGTERM: a client in its session is served to the end" grep -q '^OK' "$D/out.waitheld"
		for _ in $(seq 50); do pgrep -f "[s]mtpd -C $W" > /dev/null || break; sleep 0.1; done
		check "inetd wait: SIGTERM: the listener and its session processes are gone" sh -c "! pgrep -f '[s]mtpd -C $W'"
		printf 'Subject: wt\n\nvia.wait.term\n' | srv "$WAITP" "" "$ME@$L" > "$D/out.waitterm" 2>&1
		check "inetd wait: after SIGTERM the next client is served" grep -q '^OK' "$D/out.waitterm"
		# idle for longer than max_idle (3s): the listener goes away
		sleep 4.5
		check "inetd wait: an idle listener ends after max_idle" \
			sh -c "! pgrep -f '[s]mtpd -C $W' > /dev/null && grep -q 'stopped listening after 1 sessions' '$D/log'"
		printf 'Subject: w11\n\nvia.wait.11\n' | srv "$WAITP" "" "$ME@$L" > "$D/out.wait11" 2>&1
		check "inetd wait: the next client starts a new one" grep -q '^OK' "$D/out.wait11"
		# one session process at a time (smtpd_process_limit = 1): every
		# client meets the same process until it has served max_use (5);
		# an authenticated client's rights are gone for the next one, and
		# a client that breaks off in DATA or sends garbage leaves nothing
		# behind for the one after it
		printf '%s\n' "smtpd_process_limit = 1" "max_use = 5" \
			"smtpd_tls_cert_file = $D/tls/server-rsa.crt" \
			"smtpd_tls_key_file = $D/tls/server-rsa.key" \
			"smtpd_sasl_auth_enable = yes" "smtpd_sasl_password_file = $D/users" >> "$W"
		sleep 1.5
		lb=$(wc -l < "$D/log")
		wdrive() { "$PY" "$SRCDIR/t/integ/smtpdrive.py" --port "$WAITP" --source 127.0.0.3 send "$@"; }
		printf 'Subject: u1\n\nuse1\n' | wdrive --tls "$D/tls/ca.crt" --auth alice:s3cret \
			s@client.example x@other.example > "$D/out.use1" 2>&1
		printf 'Subject: u2\n\nuse2\n' | wdrive --tls "$D/tls/ca.crt" s@client.example x@other.example > "$D/out.use2" 2>&1
		qb=$(queued_msgs)
		rawc() { "$PY" -c "import socket,sys,time
s = socket.socket(); s.bind(('127.0.0.3', 0)); s.connect(('127.0.0.1', int(sys.argv[1]))); s.settimeout(10)
got = s.recv(512)
s.sendall(sys.argv[2].encode('latin-1').decode('unicode_escape').encode('latin-1').replace(b'@NUL@', b'\0') + b'x' * int(sys.argv[3])
    + (sys.argv[4] if len(sys.argv) > 4 else '').encode().decode('unicode_escape').encode('latin-1'))
time.sleep(0.5)
s.settimeout(0.5)
try:
    while True:
        b = s.recv(65536)
        if not b:
            break
        got += b
except OSError:
    pass
print(got.decode('latin-1'))
s.close()" "$@"; }
		rawc "$WAITP" "EHLO c\r\nMAIL FROM:<s@client.example>\r\nRCPT TO:<$ME@$L>\r\nDATA\r\nSubject: cut\r\n\r\nbroken.off.in.data " 100000 > "$D/out.usecut" 2>&1
		rawc "$WAITP" "EHLO c\r\nMAIL FROM:<s@@NUL@x>\r\n" 10000000 "\r\nQUIT\r\n" > "$D/out.usejunk" 2>&1
		printf 'Subject: u3\n\nuse3\n' | wdrive s@client.example "$ME@$L" > "$D/out.use3" 2>&1
		printf 'Subject: u4\n\nuse4\n' | wdrive s@client.example "$ME@$L" > "$D/out.use4" 2>&1
		upids=$(tail -n +$((lb + 1)) "$D/log" | grep -F 'connect from unknown[127.0.0.3]' | grep -v disconnect |
			sed -n 's/.*smtpd\[\([0-9]*\)\].*/\1/p')
		check "max_use: an authenticated client relays" grep -q '^OK' "$D/out.use1"
		check "max_use: the next client in the same process does not (554 5.7.1)" \
			grep -q '554.*5.7.1' "$D/out.use2"
		check "max_use: a client cut off in DATA got its 354" grep -q '^354 ' "$D/out.usecut"
		check "max_use: garbage (NUL, a 10 MB line) answered 500" grep -q '^500 5.5.2' "$D/out.usejunk"
		check "max_use: nothing of the cut-off message queued" \
			sh -c "[ \$(find '$D/spool/queue' -name '*.env' | wc -l) = $((qb + 2)) ] && ! grep -rq broken.off.in.data '$D/spool/queue'"
		check "max_use: clients 3 and 4 accepted" sh -c "grep -q '^OK' '$D/out.use3' && grep -q '^OK' '$D/out.use4'"
		check "max_use: the first five clients, two of them broken, met one process" \
			[ "$(echo "$upids" | head -n 5 | sort -u | wc -l)" = 1 -a "$(echo "$upids" | wc -l)" = 6 ]
		check "max_use: the sixth met a new one" \
			[ "$(echo "$upids" | sed -n 6p)" != "$(echo "$upids" | sed -n 1p)" ]
		# a broken configuration: every client gets 421, none waits forever
		echo "smtpd_timeout = soon" >> "$W"
		sleep 1.5
		greeting() { "$PY" -c "import socket,sys; s=socket.create_connection(('127.0.0.1', int(sys.argv[1])), 10); s.settimeout(10); print(s.recv(512).decode())" "$1"; }
		greeting "$WAITP" > "$D/out.wait.bad" 2>&1
		greeting "$WAITP" > "$D/out.wait.bad2" 2>&1
		check "inetd wait: bad configuration: 421 to the client" grep -q "^421 4.3.0" "$D/out.wait.bad"
		check "inetd wait: bad configuration: 421 to the next client too" grep -q "^421 4.3.0" "$D/out.wait.bad2"
		kill "$INETDW" 2>/dev/null
		pkill -f "smtpd -C $W" 2>/dev/null
	else
		fail "openbsd-inetd (wait) listens on $WAITP: $(cat "$D/inetdw.err")"
	fi
else
	skip_check "smtpd under openbsd-inetd wait" "openbsd-inetd is not installed"
fi
runq
for n in tcps:via.tcpserver swaks:sent.by.swaks inetd:via.inetd wait1:via.wait.1 wait9:via.wait.9 waitheld:via.wait.held waitterm:via.wait.term wait11:via.wait.11; do
	f=$D/out.${n%%:*}; w=${n#*:}
	if [ -f "$f" ] && grep -Eq '^OK|Ok: queued' "$f"; then
		check "runq delivered the message ${w//./ }" grep -q "$w" "$MB"
	fi
done
finish
