#!/bin/bash
# dns.sh - the resolver (lib/net/dns.c) and MX routing (mxroute.c) against
# a real unbound on loopback (dnsenv.sh): MX order and shuffling, this
# host in the MX list, null MX, implicit MX, NXDOMAIN, A-labels, AAAA,
# PTR, TXT, CNAME, malformed answers, SERVFAIL, a dead server, A found
# while AAAA fails; with the signed zone, DNSSEC status
# SECURE, INSECURE (a delegation without DS) and BOGUS (wrong anchor).
. "$SRCDIR/t/integ/lib.sh"
. "$SRCDIR/t/integ/dnsenv.sh"
dns_have || skip "$T: unbound not installed"
D=$(mktemp -d /tmp/posthorn-dns.XXXXXX)
half=
trap 'dns_stop "$D/ns"; [ -z "$half" ] || kill "$half" 2> /dev/null; rm -rf "$D"' EXIT
DNSQ=$BUILD/t/integ/dnsq

# the certificate whose digest goes into the TLSA records
if command -v openssl > /dev/null && openssl req -x509 -newkey ec \
    -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=mx1.example.test \
    -keyout "$D/key.pem" -out "$D/cert.pem" -days 2 2> /dev/null; then
	export TLSA_CERT=$D/cert.pem
	DIGEST=$(openssl x509 -in "$TLSA_CERT" -noout -pubkey |
	    openssl pkey -pubin -outform DER | openssl dgst -sha256 -r | cut -d' ' -f1)
else
	DIGEST=0000000000000000000000000000000000000000000000000000000000000000
fi

conf() {	# conf NAME LINES...: a configuration file $D/NAME.conf
	f=$D/$1.conf; shift
	printf '%s\n' "$@" > "$f"
}
q() { "$DNSQ" -C "$D/$CONF.conf" "$@" 2>&1; }
# is DESC WANT ARGS...: the output of dnsq ARGS is exactly WANT
is() {
	d=$1 want=$2; shift 2
	got=$(q "$@")
	if [ "$got" = "$want" ]; then
		pass "$d"
	else
		fail "$d"
		printf 'want:\n%s\ngot:\n%s\n' "$want" "$got" | sed 's/^/    /'
	fi
}
# has DESC REGEX ARGS...: the output of dnsq ARGS has a line matching REGEX
has() {
	d=$1 re=$2; shift 2
	got=$(q "$@")
	if printf '%s\n' "$got" | grep -Eq -- "$re"; then
		pass "$d"
	else
		fail "$d"
		printf 'want /%s/, got:\n%s\n' "$re" "$got" | sed 's/^/    /'
	fi
}
now_ms() { echo $(($(date +%s%N) / 1000000)); }

# ---- unsigned zone ------------------------------------------------------
dns_start "$D/ns" || { fail "unbound starts"; finish; }
conf plain "dns_servers = 127.0.0.1:$PH_DNS_PORT"
CONF=plain

is "MX records, sorted by the driver" "status=FOUND sec=UNKNOWN
mx 10 mx1.example.test
mx 20 mx2.example.test" mx example.test
out=$(q -n 20 route example.test | sort | uniq -c | sed 's/^ *//')
want="20 host 10 mx1.example.test
20 host 20 mx2.example.test
20 route=OK sec=UNKNOWN"
check "route: both MX hosts in every one of 20 runs" [ "$out" = "$want" ]
order=$(q -n 20 route example.test | grep '^host' | paste -sd' ' | sed 's/host 10 mx1.example.test host 20 mx2.example.test//g; s/ //g')
check "route: 20 runs all in preference order" [ -z "$order" ]

out=$(q -n 30 route equal.example.test)
firsts=$(printf '%s\n' "$out" | awk '/^route=/{getline; print $3}' | sort | uniq -c | wc -l)
check "equal preferences: each of the three hosts came first in 30 runs" [ "$firsts" = 3 ]
bad=$(printf '%s\n' "$out" | awk '/^route=/{if (n && n != 3) bad++; n = 0; next} /^host 10 [abc]\.equal\.example\.test$/{n++} END{if (n != 3) bad++; print bad+0}')
check "equal preferences: all three hosts in every run" [ "$bad" = 0 ]
check "equal preferences: 30 routes" [ "$(printf '%s\n' "$out" | grep -c '^route=OK')" = 30 ]

is "self in the middle: only the better MX is kept" "route=OK sec=UNKNOWN
host 10 mx1.example.test" route selfmid.example.test me.example.test
is "self matched without case and trailing dot" "route=OK sec=UNKNOWN
host 10 mx1.example.test" route selfmid.example.test ME.Example.TEST.
is "lowest MX is self: loop" "route=LOOP sec=UNKNOWN
err=mail for loop.example.test loops back to myself" route loop.example.test other.test me.example.test
is "self not in the list: both MX hosts" "route=OK sec=UNKNOWN
host 10 me.example.test
host 20 mx2.example.test" route loop.example.test other.example.test
is "null MX: NULLMX, the A record is not used" "route=NULLMX sec=UNKNOWN
err=Domain nullmx.example.test does not accept mail (null MX)" route nullmx.example.test
is "null MX record as looked up" "status=FOUND sec=UNKNOWN
mx 0 ." mx nullmx.example.test
is "no MX: NODATA" "status=NODATA sec=UNKNOWN" mx nomx.example.test
is "no MX, an address: implicit MX" "route=OK sec=UNKNOWN
host 0 nomx.example.test implicit" route nomx.example.test
is "implicit MX: the domain lowercased, no trailing dot" "route=OK sec=UNKNOWN
host 0 nomx.example.test implicit" route NoMX.Example.Test.
is "implicit MX to self: loop" "route=LOOP sec=UNKNOWN
err=mail for nomx.example.test loops back to myself" route nomx.example.test nomx.example.test
is "no MX, AAAA only: implicit MX" "route=OK sec=UNKNOWN
host 0 v6only.example.test implicit" route v6only.example.test
is "no MX, no address: NOHOST" "route=NOHOST sec=UNKNOWN
err=Host or domain name not found. Name service error for name=noaddr.example.test type=A: Host found but no data record of requested type" route noaddr.example.test
is "nonexistent domain: NXDOMAIN" "status=NXDOMAIN sec=UNKNOWN" mx nonexistent.example.test
is "nonexistent domain: NOHOST" "route=NOHOST sec=UNKNOWN
err=Host or domain name not found. Name service error for name=nonexistent.example.test type=MX: Host not found" route nonexistent.example.test
is "dangling MX: routed, the target not resolved here" "route=OK sec=UNKNOWN
host 10 nohost.example.test" route dangling.example.test
is "dangling MX target: NXDOMAIN" "status=NXDOMAIN sec=UNKNOWN" addr nohost.example.test
is "MX target names lowercased" "status=FOUND sec=UNKNOWN
mx 10 mx1.example.test" mx upper.example.test

is "CNAME: no MX at the target: NODATA" "status=NODATA sec=UNKNOWN" mx alias.example.test
is "CNAME: the target's addresses" "status=FOUND sec=UNKNOWN
addr 127.0.0.11
addr ::1" addr alias.example.test
is "MX target with a bad character: PERMFAIL" "status=PERMFAIL sec=UNKNOWN
err=Name service error for name=badname.example.test type=MX: malformed answer" mx badname.example.test
is "MX target with a bad character: NOHOST" "route=NOHOST sec=UNKNOWN
err=Name service error for name=badname.example.test type=MX: malformed answer" route badname.example.test

is "addresses: A and AAAA" "status=FOUND sec=UNKNOWN
addr 127.0.0.11
addr ::1" addr mx1.example.test
is "addresses: A only (-4)" "status=FOUND sec=UNKNOWN
addr 127.0.0.11" addr -4 mx1.example.test
is "AAAA only: both families asked" "status=FOUND sec=UNKNOWN
addr ::1" addr v6only.example.test
is "AAAA only: IPv4 asked: NODATA" "status=NODATA sec=UNKNOWN" -4 addr v6only.example.test
is "AAAA only: IPv6 asked" "status=FOUND sec=UNKNOWN
addr ::1" -6 addr v6only.example.test
is "name with a trailing dot" "status=FOUND sec=UNKNOWN
addr 127.0.0.12" addr mx2.example.test.

is "IDN in A-label form: routed" "route=OK sec=UNKNOWN
host 10 mx1.example.test" route xn--bcher-kva.test
is "IDN in A-label form: address" "status=FOUND sec=UNKNOWN
addr 127.0.0.15" addr xn--bcher-kva.test
has "IDN as UTF-8 (U-label): PERMFAIL" '^status=PERMFAIL' mx "bücher.test"
has "empty label: PERMFAIL" '^err=malformed domain name "a..test"' mx a..test
has "label of 64 characters: PERMFAIL" '^status=PERMFAIL' mx "$(printf 'a%.0s' $(seq 64)).test"
is "name with a space: NOHOST" 'route=NOHOST sec=UNKNOWN
err=malformed domain name "a b.test"' route "a b.test"

is "PTR of an IPv4 address" "status=FOUND sec=UNKNOWN
ptr mx1.example.test" ptr 127.0.0.11
is "PTR of an IPv6 address" "status=FOUND sec=UNKNOWN
ptr mx1.example.test" ptr 2001:db8::25
is "PTR missing: NXDOMAIN" "status=NXDOMAIN sec=UNKNOWN" ptr 127.0.0.99
is "DNSBL entry: TXT" "status=FOUND sec=UNKNOWN
txt listed: test entry" txt 2.0.0.127.zen.test
is "DNSBL entry: A" "status=FOUND sec=UNKNOWN
addr 127.0.0.2" -4 addr 2.0.0.127.zen.test
is "DNSBL: not listed" "status=NXDOMAIN sec=UNKNOWN" -4 addr 3.0.0.127.zen.test
is "TXT missing: NODATA" "status=NODATA sec=UNKNOWN" txt example.test

is "bench names: d1" "route=OK sec=UNKNOWN
host 10 sink.bench.test" route d1.bench.test
is "bench names: d100" "route=OK sec=UNKNOWN
host 10 sink.bench.test" route d100.bench.test

# broken.test is delegated to a port without a server: unbound answers
# SERVFAIL (after 100 ms: infra-cache-max-rtt), getdns passes it on
t0=$(now_ms)
is "SERVFAIL: TEMPFAIL" "route=TEMPFAIL sec=UNKNOWN
err=Name service error for name=x.broken.test type=MX: server failure, try again" route x.broken.test
check "SERVFAIL: answered in less than 4 s" [ $(($(now_ms) - t0)) -lt 4000 ]

conf dead "dns_servers = 127.0.0.1:$PH_DNS_DEAD_PORT"
CONF=dead
t0=$(now_ms)
is "no server listening: TEMPFAIL" "route=TEMPFAIL sec=UNKNOWN
err=Name service error for name=example.test type=MX: no answer from the name servers, try again" route example.test
t=$(($(now_ms) - t0))
check "no server listening: within the 5 s timeout (took $t ms)" [ "$t" -lt 6500 ]
conf two "dns_servers = 127.0.0.1:$PH_DNS_DEAD_PORT, [::1]:$PH_DNS_DEAD_PORT 127.0.0.1:$PH_DNS_PORT"
CONF=two
t0=$(now_ms)
is "first servers dead: the third answers" "status=FOUND sec=UNKNOWN
mx 10 mx1.example.test
mx 20 mx2.example.test" mx example.test
t=$(($(now_ms) - t0))
check "first servers dead: within the 5 s timeout (took $t ms)" [ "$t" -lt 6500 ]

# a server of our own (UDP, loopback) that answers A, fails AAAA
# (SERVFAIL) and has no other data (NODATA): with both families asked,
# the address found is enough
HALF_PORT=${PH_DNS_HALF_PORT:-$((PH_DNS_PORT + 2))}
cat > "$D/half.py" <<'EOF'
import socket, struct, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", int(sys.argv[1])))
open(sys.argv[2], "w").close()
s.settimeout(60)
while True:
    try:
        q, peer = s.recvfrom(4096)
    except socket.timeout:
        break
    if len(q) < 12:
        continue
    qid, flags = struct.unpack(">HH", q[:4])
    i = 12
    while i < len(q) and q[i] != 0:
        i += q[i] + 1
    question = q[12:i + 5]
    qtype = struct.unpack(">H", q[i + 1:i + 3])[0]
    rd = flags & 0x0100
    if qtype == 1:
        ans = b"\xc0\x0c" + struct.pack(">HHIH", 1, 1, 60, 4) + bytes([127, 0, 0, 40])
        hdr = struct.pack(">HHHHHH", qid, 0x8080 | rd, 1, 1, 0, 0)
    elif qtype == 28:
        ans = b""
        hdr = struct.pack(">HHHHHH", qid, 0x8082 | rd, 1, 0, 0, 0)
    else:
        ans = b""
        hdr = struct.pack(">HHHHHH", qid, 0x8080 | rd, 1, 0, 0, 0)  # NODATA
    s.sendto(hdr + question + ans, peer)
EOF
if [ -x "$PY" ]; then
	"$PY" "$D/half.py" "$HALF_PORT" "$D/half.ready" & half=$!
	for _ in $(seq 50); do [ -e "$D/half.ready" ] && break; sleep 0.1; done
	conf half "dns_servers = 127.0.0.1:$HALF_PORT"
	CONF=half
	is "A found, AAAA SERVFAIL: the A record" "status=FOUND sec=UNKNOWN
addr 127.0.0.40" addr host.half.test
	is "AAAA alone SERVFAIL: TEMPFAIL" "status=TEMPFAIL sec=UNKNOWN
err=Name service error for name=host.half.test type=AAAA: server failure, try again" -6 addr host.half.test
	is "A found, AAAA SERVFAIL: implicit MX" "route=OK sec=UNKNOWN
host 0 host.half.test implicit" route host.half.test
	kill "$half" 2> /dev/null; wait "$half" 2> /dev/null; half=
else
	skip_check "A found, AAAA SERVFAIL" "no $PY"
fi

# getdns' default anchor is the root's; this unbound has no signed root,
# so nothing can be proven secure: DNSSEC answers are BOGUS and deferred
CONF=plain
is "default root anchor, unsigned root: TLSA BOGUS, TEMPFAIL" "status=TEMPFAIL sec=BOGUS
err=Name service error for name=_25._tcp.mx1.example.test type=TLSA: DNSSEC validation failed (bogus answer)" tlsa _25._tcp.mx1.example.test
conf badta "dns_servers = 127.0.0.1:$PH_DNS_PORT" "dnssec_trust_anchors = $D/none.ds"
has "missing trust anchor file: dns_open fails" 'dnssec_trust_anchors: .*none.ds: No such file' -C "$D/badta.conf" mx example.test
dns_stop "$D/ns"

# ---- signed zone --------------------------------------------------------
if ! dns_have --dnssec; then
	skip_check "DNSSEC checks" "ldns-keygen or ldns-signzone not installed"
	finish
fi
rm -rf "$D/ns"
dns_start "$D/ns" --dnssec || { fail "unbound starts with the signed zone"; finish; }
conf sec "dns_servers = 127.0.0.1:$PH_DNS_PORT" "dnssec_trust_anchors = $D/ns/trust-anchor.ds"
CONF=sec
is "TLSA: SECURE" "status=FOUND sec=SECURE
tlsa 3 1 1 $DIGEST" tlsa _25._tcp.mx1.example.test
is "TLSA of a bad length is left out" "status=FOUND sec=SECURE
tlsa 3 1 2 $(printf '%0128d' 7)" tlsa _25._tcp.mx2.example.test
is "TLSA all of a bad length: PERMFAIL" "status=PERMFAIL sec=SECURE
err=Name service error for name=_26._tcp.mx2.example.test type=TLSA: malformed answer" tlsa _26._tcp.mx2.example.test
is "TLSA missing: NXDOMAIN, SECURE" "status=NXDOMAIN sec=SECURE" tlsa _465._tcp.mx1.example.test
is "MX: SECURE" "status=FOUND sec=SECURE
mx 10 mx1.example.test
mx 20 mx2.example.test" -s mx example.test
is "MX not asked for DNSSEC: UNKNOWN" "status=FOUND sec=UNKNOWN
mx 10 mx1.example.test
mx 20 mx2.example.test" mx example.test
is "no MX: NODATA, SECURE" "status=NODATA sec=SECURE" -s mx nomx.example.test
is "addresses, both families: SECURE" "status=FOUND sec=SECURE
addr 127.0.0.11
addr ::1" -s addr mx1.example.test
is "unsigned zone below a secure delegation: TLSA INSECURE" "status=FOUND sec=INSECURE
tlsa 3 1 1 $DIGEST" tlsa _25._tcp.mx.plain.test
is "unsigned zone: MX INSECURE" "status=FOUND sec=INSECURE
mx 10 mx.plain.test" -s mx plain.test
conf dane "dns_servers = 127.0.0.1:$PH_DNS_PORT" "dnssec_trust_anchors = $D/ns/trust-anchor.ds" \
    "smtp_tls_security_level = dane"
CONF=dane
is "route with dane: the MX status is asked for" "route=OK sec=SECURE
host 10 mx1.example.test
host 20 mx2.example.test" route example.test
is "route with dane, unsigned zone: INSECURE" "route=OK sec=INSECURE
host 10 mx.plain.test" route plain.test

mkdir "$D/wrong"
(cd "$D/wrong" && "$(dns_tool ldns-keygen)" -a ECDSAP256SHA256 -k test. > name) &&
    cp "$D/wrong/$(cat "$D/wrong/name").ds" "$D/wrong.ds"
conf wrong "dns_servers = 127.0.0.1:$PH_DNS_PORT" "dnssec_trust_anchors = $D/wrong.ds" \
    "smtp_tls_security_level = dane"
CONF=wrong
is "wrong trust anchor: TLSA BOGUS, reported as TEMPFAIL" "status=TEMPFAIL sec=BOGUS
err=Name service error for name=_25._tcp.mx1.example.test type=TLSA: DNSSEC validation failed (bogus answer)" tlsa _25._tcp.mx1.example.test
is "wrong trust anchor: NXDOMAIN is BOGUS too, not NXDOMAIN" "status=TEMPFAIL sec=BOGUS
err=Name service error for name=_465._tcp.mx1.example.test type=TLSA: DNSSEC validation failed (bogus answer)" tlsa _465._tcp.mx1.example.test
is "wrong trust anchor: route with dane defers" "route=TEMPFAIL sec=BOGUS
err=Name service error for name=example.test type=MX: DNSSEC validation failed (bogus answer)" route example.test
is "wrong trust anchor: MX not asked for DNSSEC still found" "status=FOUND sec=UNKNOWN
mx 10 mx1.example.test
mx 20 mx2.example.test" mx example.test
finish
