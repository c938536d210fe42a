#!/bin/bash
# tls.sh - lib/net's TLS (netio + tls, driven by t/integ/tlsprobe) against
# real peers on 127.0.0.1: openssl s_server and s_client, and Python's
# ssl module for the STARTTLS injection cases (t/integ/tlspeer.py).
#
# Client side: CA verification (RSA and ECDSA servers), a wrong CA, a
# host name mismatch, DANE 3 1 1 and 2 1 1, a wrong TLSA hash, "none" with
# its log verdicts, a TLS 1.1-only server. Server side: s_client with TLS
# 1.2 and 1.3 and 1.1, over a listening socket, over stdin/stdout as under
# inetd, and over two pipes. Injection: plain text sent just before the
# handshake, in the same write as the last plain reply, is never read.
#
# Ports: TLS_PORT_BASE (default 20100) up to TLS_PORT_BASE+19.
. "$SRCDIR/t/integ/lib.sh"
command -v openssl > /dev/null 2>&1 || skip "$T: no openssl"
PROBE=$BUILD/t/integ/tlsprobe
[ -x "$PROBE" ] || { fail "tlsprobe not built"; finish; }
BASE=${TLS_PORT_BASE:-20100}

D=$(mktemp -d /tmp/posthorn-tls.XXXXXX)
PIDS=
cleanup() {
	for p in $PIDS; do kill "$p" 2> /dev/null; done
	for p in $PIDS; do wait "$p" 2> /dev/null; done
	if [ "$FAILED" != 0 ]; then
		for f in "$D"/*.out; do
			[ -f "$f" ] && { echo "--- $f"; tail -n 15 "$f"; }
		done
	fi
	rm -rf "$D"
}
trap cleanup EXIT
if ! bash "$SRCDIR/t/integ/mkcerts.sh" "$D/c" > "$D/mkcerts.out" 2>&1; then
	fail "mkcerts.sh made the test certificates"
	finish
fi
C=$D/c
RSA311=$(cat "$C/tlsa-rsa-311")
EC311=$(cat "$C/tlsa-ec-311")
CA211=$(cat "$C/tlsa-ca-211")
NAME=mx1.example.test

# wait_for FILE TEXT: until FILE holds TEXT (5 s at most)
wait_for() {
	for _ in $(seq 50); do
		grep -q "$2" "$1" 2> /dev/null && return 0
		sleep 0.1
	done
	return 1
}
# s_server PORT OUT ARGS...: openssl s_server reversing lines, in the background
s_server() {
	port=$1 out=$2; shift 2
	openssl s_server -accept "127.0.0.1:$port" -rev "$@" > "$out" 2>&1 < /dev/null &
	PIDS="$PIDS $!"
	wait_for "$out" ACCEPT
}
# probe OUT ARGS...: tlsprobe client, its report in OUT; its exit status
probe() {
	out=$1; shift
	timeout 20 "$PROBE" client -T 5000 "$@" 2> "$out"
}
# has OUT REGEX: the report matches
has() { grep -qE -- "$2" "$1"; }

# --- the client against s_server ------------------------------------------
P_RSA=$BASE P_EC=$((BASE + 1))
s_server $P_RSA "$D/srv-rsa.out" -cert "$C/server-rsa.crt" -key "$C/server-rsa.key" \
	-cert_chain "$C/ca.crt" || fail "s_server (RSA) started"
s_server $P_EC "$D/srv-ec.out" -cert "$C/server-ec.crt" -key "$C/server-ec.key" \
	|| fail "s_server (ECDSA) started"

probe "$D/ca.out" -v ca -C "$C/ca.crt" -n $NAME -w hello -r 1 $P_RSA
check "CA: RSA server verified" has "$D/ca.out" '^tls: ok version=TLSv1\.[23] .*trust=Verified cn=mx1\.example\.test$'
check "CA: data through TLS (s_server reversed our line)" has "$D/ca.out" '^line: olleh$'

probe "$D/ca-ec.out" -v ca -C "$C/ca.crt" -n other.example -n localhost -w abc -r 1 $P_EC
check "CA: ECDSA server verified by its second name" has "$D/ca-ec.out" '^tls: ok .*trust=Verified'
check "CA: ECDSA: data through TLS" has "$D/ca-ec.out" '^line: cba$'

probe "$D/wrongca.out" -v ca -C "$C/other-ca.crt" -n $NAME $P_EC
check "CA: unknown issuer refused, the reason named" \
	has "$D/wrongca.out" '^tls: failed \(-4\): certificate verify failed: unable to get local issuer certificate$'
probe "$D/wrongca2.out" -v ca -C "$C/other-ca.crt" -n $NAME $P_RSA
check "CA: chain to a CA we do not trust refused" \
	has "$D/wrongca2.out" '^tls: failed \(-4\): certificate verify failed: self-signed certificate in certificate chain$'

probe "$D/badname.out" -v ca -C "$C/ca.crt" -n wrong.example.test $P_RSA
check "CA: host name mismatch refused" \
	has "$D/badname.out" '^tls: failed \(-4\): certificate verify failed: host name mismatch$'
expect_rc "CA: a refused handshake exits 1" 1 probe "$D/x.out" -v ca -C "$C/ca.crt" -n wrong.example.test $P_RSA

probe "$D/none.out" -v none -C "$C/other-ca.crt" -n $NAME -w x1 -r 1 $P_RSA
check "none: any certificate accepted, logged Untrusted" has "$D/none.out" '^tls: ok .*trust=Untrusted cn=mx1\.example\.test$'
check "none: data through TLS" has "$D/none.out" '^line: 1x$'
probe "$D/none2.out" -v none -C "$C/ca.crt" -n $NAME $P_RSA
check "none: a chain and name that verify are logged Verified" has "$D/none2.out" '^tls: ok .*trust=Verified'

# DANE
probe "$D/dane311.out" -v dane -b $NAME -t "3 1 1 $RSA311" -w dane -r 1 $P_RSA
check "DANE 3 1 1: matched, Trusted" has "$D/dane311.out" '^tls: ok .*trust=Trusted cn=mx1\.example\.test$'
check "DANE 3 1 1: data through TLS" has "$D/dane311.out" '^line: enad$'
probe "$D/dane311n.out" -v dane -b other.example.test -n nomatch.example -t "3 1 1 $RSA311" $P_RSA
check "DANE 3 1 1: names are not checked" has "$D/dane311n.out" '^tls: ok .*trust=Trusted'
probe "$D/dane311two.out" -v dane -b $NAME -t "3 1 1 $EC311" -t "3 1 1 $RSA311" $P_RSA
check "DANE 3 1 1: the second of two records matches" has "$D/dane311two.out" '^tls: ok .*trust=Trusted'
probe "$D/danebad.out" -v dane -b $NAME -t "3 1 1 $EC311" $P_RSA
check "DANE: wrong hash refused" \
	has "$D/danebad.out" '^tls: failed \(-4\): certificate verify failed: no TLSA record matched$'
probe "$D/dane211.out" -v dane -b $NAME -t "2 1 1 $CA211" $P_RSA
check "DANE 2 1 1: CA in the chain matched, Trusted" has "$D/dane211.out" '^tls: ok .*trust=Trusted'
probe "$D/dane211n.out" -v dane -b wrong.example.test -t "2 1 1 $CA211" $P_RSA
check "DANE 2 1 1: names are checked" \
	has "$D/dane211n.out" '^tls: failed \(-4\): certificate verify failed: host name mismatch$'
probe "$D/dane211alt.out" -v dane -b wrong.example.test -n $NAME -t "2 1 1 $CA211" $P_RSA
check "DANE 2 1 1: another of the names may match" has "$D/dane211alt.out" '^tls: ok .*trust=Trusted'
probe "$D/dane011.out" -v dane -b $NAME -t "1 1 1 $RSA311" -t "0 1 1 $CA211" $P_RSA
check "DANE: PKIX usages 0 and 1 alone are not usable" \
	has "$D/dane011.out" '^tls: failed \(-4\): no usable TLSA records$'

# TLS 1.1 only
P_OLD=$((BASE + 2))
if s_server $P_OLD "$D/srv-old.out" -cert "$C/server-rsa.crt" -key "$C/server-rsa.key" \
	-tls1_1 -cipher 'DEFAULT:@SECLEVEL=0' &&
    timeout 10 openssl s_client -connect 127.0.0.1:$P_OLD -tls1_1 \
	-cipher 'DEFAULT:@SECLEVEL=0' < /dev/null > "$D/old-ctl.out" 2>&1 &&
    grep -q 'Protocol  *: TLSv1\.1' "$D/old-ctl.out"; then
	probe "$D/old.out" -v none $P_OLD
	check "TLS 1.1-only server refused" has "$D/old.out" '^tls: failed \(-4\): TLS handshake failed: .*protocol version'
else
	skip_check "TLS 1.1-only server refused" "s_server/s_client cannot speak TLS 1.1 here"
fi

# --- the server against s_client ------------------------------------------
# serve PORT OUT ARGS...: tlsprobe server on PORT in the background
serve() {
	port=$1 out=$2; shift 2
	timeout 20 "$PROBE" server -T 5000 -l "$port" "$@" 2> "$out" &
	PIDS="$PIDS $!"
	wait_for "$out" '^ready'
}
# s_client PORT OUT ARGS...: send "hello", wait for the server's close
s_client() {
	port=$1 out=$2; shift 2
	printf 'hello\r\n' | timeout 20 openssl s_client -connect 127.0.0.1:$port \
		-CAfile "$C/ca.crt" -verify_hostname $NAME -verify_return_error \
		-ign_eof "$@" > "$out" 2>&1
}
# served OUT REGEX: wait until the server reported that far
served() { wait_for "$1" "$2"; }

n=3
for v in 1_2 1_3; do
	port=$((BASE + n)); n=$((n + 1))
	ver=TLSv${v/_/.}
	serve $port "$D/srv$v.out" -c "$C/server-rsa-chain.crt" -k "$C/server-rsa.key" -r 1
	s_client $port "$D/cli$v.out" -tls$v
	served "$D/srv$v.out" '^line: '
	check "server: $ver handshake, s_client verified us" \
		grep -q '^Verification: OK' "$D/cli$v.out"
	check "server: s_client speaks $ver" grep -qE "Protocol *: $ver\$" "$D/cli$v.out"
	check "server: reports $ver and its cipher, Anonymous client" \
		has "$D/srv$v.out" "^tls: ok version=$ver cipher=[A-Z0-9_-]+ bits=(128|256) trust=Anonymous cn=\$"
	check "server: $ver: line read, answer written" \
		sh -c "grep -q '^line: hello\$' '$D/srv$v.out' && grep -q '^got: hello' '$D/cli$v.out'"
done

port=$((BASE + n)); n=$((n + 1))
serve $port "$D/srvec.out" -c "$C/server-ec-chain.crt" -k "$C/server-ec.key" -r 1
s_client $port "$D/cliec.out"
served "$D/srvec.out" '^line: '
check "server: ECDSA certificate chain, s_client verified us" grep -q '^got: hello' "$D/cliec.out"

port=$((BASE + n)); n=$((n + 1))
serve $port "$D/srv11.out" -c "$C/server-rsa-chain.crt" -k "$C/server-rsa.key"
timeout 20 openssl s_client -connect 127.0.0.1:$port -tls1_1 -cipher 'DEFAULT:@SECLEVEL=0' \
	< /dev/null > "$D/cli11.out" 2>&1
served "$D/srv11.out" '^tls: '
check "server: a TLS 1.1 client refused" \
	has "$D/srv11.out" '^tls: failed \(-4\): TLS handshake failed: .*unsupported protocol'

if [ -x "$PY" ]; then
	# stdin/stdout as under inetd: the connection is fds 0 and 1
	port=$((BASE + n)); n=$((n + 1))
	"$PY" "$SRCDIR/t/integ/tlspeer.py" inetd $port "$PROBE" server -T 5000 \
		-c "$C/server-rsa-chain.crt" -k "$C/server-rsa.key" -r 1 \
		> "$D/inetd-ready.out" 2> "$D/inetd.out" &
	PIDS="$PIDS $!"
	wait_for "$D/inetd-ready.out" '^ready'
	s_client $port "$D/cliinetd.out"
	served "$D/inetd.out" '^line: '
	check "server on stdin/stdout (inetd): handshake and data" \
		sh -c "grep -q '^tls: ok ' '$D/inetd.out' && grep -q '^got: hello' '$D/cliinetd.out'"
else
	skip_check "server on stdin/stdout (inetd)" "no $PY"
fi

# two pipes: client and server each on stdin/stdout (the client opens
# its writing end first, as the server waits for it before its own)
mkfifo "$D/c2s" "$D/s2c"
timeout 20 "$PROBE" server -T 5000 -c "$C/server-ec-chain.crt" -k "$C/server-ec.key" -r 2 \
	< "$D/c2s" > "$D/s2c" 2> "$D/pipesrv.out" &
PIDS="$PIDS $!"
timeout 20 "$PROBE" client -T 5000 -f -v ca -C "$C/ca.crt" -n $NAME -w one -w two -r 2 \
	> "$D/c2s" < "$D/s2c" 2> "$D/pipecli.out"
check "pipes: client and server on two pipes each" \
	sh -c "grep -q '^tls: ok .*trust=Verified' '$D/pipecli.out' &&
	    grep -q '^line: got: two\$' '$D/pipecli.out' && grep -q '^line: two\$' '$D/pipesrv.out'"

"$PROBE" server -c "$C/server-rsa.crt" -k "$C/server-ec.key" -l $((BASE + 19)) \
	2> "$D/mismatch.out"
check "server: a key that does not match the certificate is refused" \
	has "$D/mismatch.out" '^tls_server_new: key .*server-ec\.key does not match certificate'

# --- STARTTLS injection -----------------------------------------------------
if [ -x "$PY" ]; then
	port=$((BASE + n)); n=$((n + 1))
	"$PY" "$SRCDIR/t/integ/tlspeer.py" inject-server $port "$C/server-rsa-chain.crt" \
		"$C/server-rsa.key" > "$D/injsrv.out" 2>&1 &
	PIDS="$PIDS $!"
	wait_for "$D/injsrv.out" '^ready'
	probe "$D/injcli.out" -s -v ca -C "$C/ca.crt" -n $NAME -r 1 $port
	check "client injection: the injected line was in the buffer" \
		grep -qx 'pending: 10' "$D/injcli.out"
	check "client injection: handshake after the injected text" \
		grep -q '^tls: ok ' "$D/injcli.out"
	check "client injection: the first line after TLS is the server's, not the injected one" \
		sh -c "grep -qx 'line: after tls' '$D/injcli.out' && ! grep -q 'injected' '$D/injcli.out'"

	port=$((BASE + n)); n=$((n + 1))
	serve $port "$D/injsrv2.out" -s -c "$C/server-rsa-chain.crt" -k "$C/server-rsa.key" -r 1
	timeout 20 "$PY" "$SRCDIR/t/integ/tlspeer.py" inject-client $port "$C/ca.crt" $NAME \
		> "$D/injcli2.out" 2>&1
	served "$D/injsrv2.out" '^line: \|^read: '
	check "server injection: STARTTLS read, the injected line left in the buffer" \
		sh -c "grep -qx 'prelude: STARTTLS' '$D/injsrv2.out' && grep -qx 'pending: 10' '$D/injsrv2.out'"
	check "server injection: the first line after TLS is the client's" \
		sh -c "grep -qx 'line: after tls' '$D/injsrv2.out' && ! grep -q 'injected' '$D/injsrv2.out'"
	check "server injection: the client got the answer over TLS" \
		grep -qx 'reply: got: after tls' "$D/injcli2.out"
else
	skip_check "STARTTLS injection" "no $PY"
fi
finish
