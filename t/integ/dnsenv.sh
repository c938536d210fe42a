# dnsenv.sh - a private DNS server for the integration tests (sourced)
#
# Run by itself, "bash dnsenv.sh start|stop DIR [--dnssec]" does the same
# by hand (for benchmarks and debugging).
#
#   dns_have [--dnssec]      0 when the tools are here (unbound; ldns-keygen
#                            and ldns-signzone for --dnssec)
#   dns_start DIR [--dnssec] unbound on 127.0.0.1:$PH_DNS_PORT serving the
#                            test zones below from DIR; with --dnssec "test."
#                            is signed and DIR/trust-anchor.ds holds its DS
#   dns_stop DIR             stops that unbound by its PID
#
# Ports (loopback only): PH_DNS_PORT (default 21053) is unbound; it is
# bound without SO_REUSEPORT, so that a second server on the same port
# fails to start instead of sharing the queries with the first;
# PH_DNS_DEAD_PORT (default PH_DNS_PORT + 1) must have no listener: the
# subzone broken.test is delegated there, so unbound answers SERVFAIL for
# it, and tests point a resolver at it to see "no server answered".
# Optional: TLSA_CERT=FILE puts that certificate's 3 1 1 digest into the
# TLSA record of _25._tcp.mx1.example.test (zeros otherwise).
#
# unbound serves "test." from a zone file through auth-zone (for-upstream),
# so answers go through its resolver and validator. Everything else is a
# static local zone: unbound never queries outside this machine.
# RRsets are not rotated (rrset-roundrobin: no), so that the order of
# MX hosts in a route is the code's own: example.test lists MX 20 first,
# the three MX of equal.example.test always come in the same order.
# With --dnssec, every empty non-terminal gets a filler TXT record:
# unbound 1.17's auth-zone gives bogus NXDOMAIN proofs below ENTs.
#
# Names (zone test.):
#   example.test            MX 10 mx1, MX 20 mx2, A 127.0.0.10
#   mx1.example.test        A 127.0.0.11, AAAA ::1; _25._tcp TLSA 3 1 1
#   dane.test / danebad.test MX 10 mx.dane.test (127.0.0.41) / mx.danebad.test
#                           (127.0.0.42), each with a TLSA 3 1 1 on
#                           _$PH_TLSA_PORT._tcp (default 25): the
#                           certificate's digest / zeros (a mismatch)
#   mx2.example.test        A 127.0.0.12
#   nomx.example.test       A 127.0.0.13 only (implicit MX)
#   nullmx.example.test     MX 0 . and A 127.0.0.14 (the A must not be used)
#   me / loop.example.test  A 127.0.0.1 / MX 10 me, MX 20 mx2
#   selfmid.example.test    MX 10 mx1, MX 20 me, MX 30 mx2
#   dangling.example.test   MX 10 nohost.example.test (NXDOMAIN)
#   equal.example.test      MX 10 a, b, c.equal.example.test (A .21-.23)
#   v6only.example.test     AAAA ::1 only
#   noaddr.example.test     TXT only (no MX, no address)
#   upper.example.test      MX 10 MX1.Example.TEST (answers are lowercased)
#   alias.example.test      CNAME mx1.example.test
#   badname.example.test    MX 10 bad!host.example.test (a malformed name)
#   _25._tcp.mx2...         TLSA 3 1 1 with 4 bytes (bad) and 3 1 2 (good)
#   _26._tcp.mx2...         TLSA 3 1 1 with 2 bytes only
#   xn--bcher-kva.test      MX 10 mx1, A 127.0.0.15 (bücher.test)
#   2.0.0.127.zen.test      A 127.0.0.2, TXT "listed: test entry"
#   7.0.0.127.zen.test      A 127.0.0.2 only (listed, no text)
#   6.0.0.127.zen.test      A 127.255.255.254 (a DNSBL's error code)
#   x.broken.test           broken.test is delegated to a dead server
#   dN.bench.test           N = 1..100: MX 10 sink.bench.test (A 127.0.0.1)
# Zone plain.test., delegated from test. without DS, never signed:
#   plain.test              MX 10 mx.plain.test (A 127.0.0.31, TLSA on _25._tcp)
# Reverse: 127.0.0.11 -> mx1.example.test, 2001:db8::25 -> mx1.example.test,
#   127.0.0.12 -> mx2.example.test (confirmed), 127.0.0.3 -> mx2.example.test
#   (not confirmed: its address is .12), 127.0.0.4 -> nohost.example.test
#   (NXDOMAIN), 127.0.0.5 -> x.broken.test (SERVFAIL)

PH_DNS_PORT=${PH_DNS_PORT:-21053}
PH_DNS_DEAD_PORT=${PH_DNS_DEAD_PORT:-$((PH_DNS_PORT + 1))}

# dns_tool NAME: the path of NAME on PATH or in an sbin directory
dns_tool() {
	command -v "$1" 2>/dev/null && return 0
	for d in /usr/sbin /sbin /usr/local/sbin; do
		[ -x "$d/$1" ] && { echo "$d/$1"; return 0; }
	done
	return 1
}

dns_have() {
	dns_tool unbound > /dev/null || return 1
	if [ "${1:-}" = --dnssec ]; then
		dns_tool ldns-keygen > /dev/null && dns_tool ldns-signzone > /dev/null || return 1
	fi
	return 0
}

# dns_zone DIR TLSA: write DIR/test.zone, DIR/rev4.zone, DIR/rev6.zone
dns_zone() {
	{
	cat <<EOF
\$ORIGIN test.
\$TTL 300
@   IN SOA ns.test. hostmaster.test. 1 3600 600 86400 300
@   IN NS  ns.test.
ns  IN A   127.0.0.1
example.test.          IN MX 20 mx2.example.test.
example.test.          IN MX 10 mx1.example.test.
example.test.          IN A  127.0.0.10
mx1.example.test.      IN A  127.0.0.11
mx1.example.test.      IN AAAA ::1
mx2.example.test.      IN A  127.0.0.12
_25._tcp.mx1.example.test. IN TLSA 3 1 1 $2
dane.test.             IN MX 10 mx.dane.test.
mx.dane.test.          IN A  127.0.0.41
_${PH_TLSA_PORT:-25}._tcp.mx.dane.test. IN TLSA 3 1 1 $2
danebad.test.          IN MX 10 mx.danebad.test.
mx.danebad.test.       IN A  127.0.0.42
_${PH_TLSA_PORT:-25}._tcp.mx.danebad.test. IN TLSA 3 1 1 $(printf '%064d' 0)
nomx.example.test.     IN A  127.0.0.13
nullmx.example.test.   IN MX 0 .
nullmx.example.test.   IN A  127.0.0.14
me.example.test.       IN A  127.0.0.1
loop.example.test.     IN MX 10 me.example.test.
loop.example.test.     IN MX 20 mx2.example.test.
selfmid.example.test.  IN MX 10 mx1.example.test.
selfmid.example.test.  IN MX 20 me.example.test.
selfmid.example.test.  IN MX 30 mx2.example.test.
dangling.example.test. IN MX 10 nohost.example.test.
equal.example.test.    IN MX 10 a.equal.example.test.
equal.example.test.    IN MX 10 b.equal.example.test.
equal.example.test.    IN MX 10 c.equal.example.test.
a.equal.example.test.  IN A  127.0.0.21
b.equal.example.test.  IN A  127.0.0.22
c.equal.example.test.  IN A  127.0.0.23
v6only.example.test.   IN AAAA ::1
noaddr.example.test.   IN TXT "no address here"
upper.example.test.    IN MX 10 MX1.Example.TEST.
alias.example.test.    IN CNAME mx1.example.test.
badname.example.test.  IN MX 10 bad\\!host.example.test.
_25._tcp.mx2.example.test. IN TLSA 3 1 1 00112233
_25._tcp.mx2.example.test. IN TLSA 3 1 2 $(printf '%0128d' 7)
_26._tcp.mx2.example.test. IN TLSA 3 1 1 0011
xn--bcher-kva.test.    IN MX 10 mx1.example.test.
xn--bcher-kva.test.    IN A  127.0.0.15
2.0.0.127.zen.test.    IN A   127.0.0.2
2.0.0.127.zen.test.    IN TXT "listed: test entry"
7.0.0.127.zen.test.    IN A   127.0.0.2
6.0.0.127.zen.test.    IN A   127.255.255.254
broken.test.           IN NS ns.broken.test.
ns.broken.test.        IN A  127.0.0.1
sink.bench.test.       IN A  127.0.0.1
plain.test.            IN NS ns.test.
EOF
	for i in $(seq 1 100); do
		echo "d$i.bench.test.	IN MX 10 sink.bench.test."
	done
	} > "$1/test.zone"
	cat > "$1/plain.zone" <<EOF
\$ORIGIN plain.test.
\$TTL 300
@   IN SOA ns.test. hostmaster.test. 1 3600 600 86400 300
@   IN NS  ns.test.
@   IN MX  10 mx.plain.test.
mx  IN A   127.0.0.31
_25._tcp.mx IN TLSA 3 1 1 $2
EOF
	cat > "$1/rev4.zone" <<EOF
\$ORIGIN 127.in-addr.arpa.
\$TTL 300
@   IN SOA ns.test. hostmaster.test. 1 3600 600 86400 300
@   IN NS  ns.test.
11.0.0 IN PTR mx1.example.test.
12.0.0 IN PTR mx2.example.test.
3.0.0  IN PTR mx2.example.test.
4.0.0  IN PTR nohost.example.test.
5.0.0  IN PTR x.broken.test.
EOF
	cat > "$1/rev6.zone" <<EOF
\$ORIGIN 8.b.d.0.1.0.0.2.ip6.arpa.
\$TTL 300
@   IN SOA ns.test. hostmaster.test. 1 3600 600 86400 300
@   IN NS  ns.test.
5.2.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0 IN PTR mx1.example.test.
EOF
}

dns_start() {
	_d=$(realpath -m "$1") _sec=${2:-} _tlsa=0000000000000000000000000000000000000000000000000000000000000000
	_zf=test.zone _ta=""
	mkdir -p "$_d" || return 1
	if [ -n "${TLSA_CERT:-}" ]; then
		_tlsa=$(openssl x509 -in "$TLSA_CERT" -noout -pubkey |
		    openssl pkey -pubin -outform DER | openssl dgst -sha256 -r | cut -d' ' -f1)
	fi
	dns_zone "$_d" "$_tlsa"
	if [ "$_sec" = --dnssec ]; then
		for n in zen.test. 127.zen.test. 0.127.zen.test. 0.0.127.zen.test. \
		    _tcp.mx1.example.test. _tcp.mx2.example.test. bench.test. \
		    _tcp.mx.dane.test. _tcp.mx.danebad.test.; do
			echo "$n IN TXT \"ENT filler\"" >> "$_d/test.zone"
		done
		(
		cd "$_d" && rm -f Ktest.* &&
		ksk=$("$(dns_tool ldns-keygen)" -a ECDSAP256SHA256 -k test.) &&
		zsk=$("$(dns_tool ldns-keygen)" -a ECDSAP256SHA256 test.) &&
		# inception an hour ago: getdns calls brand-new signatures BOGUS
		"$(dns_tool ldns-signzone)" -i "$(date -u -d '-1 hour' +%Y%m%d%H%M%S)" \
		    -o test. test.zone "$zsk" "$ksk" &&
		cp "$ksk.ds" trust-anchor.ds
		) || return 1
		_zf=test.zone.signed
		_ta="trust-anchor-file: \"$_d/trust-anchor.ds\""
	fi
	cat > "$_d/unbound.conf" <<EOF
server:
  interface: 127.0.0.1@$PH_DNS_PORT
  do-ip6: no
  access-control: 127.0.0.0/8 allow
  username: ""
  chroot: ""
  directory: "$_d"
  pidfile: "$_d/unbound.pid"
  logfile: "$_d/unbound.log"
  use-syslog: no
  verbosity: 1
  do-daemonize: yes
  num-threads: 1
  so-reuseport: no
  rrset-roundrobin: no
  do-not-query-localhost: no
  infra-cache-max-rtt: 100
  module-config: "validator iterator"
  local-zone: "." static
  local-zone: "test." transparent
  local-zone: "127.in-addr.arpa." transparent
  local-zone: "8.b.d.0.1.0.0.2.ip6.arpa." transparent
  domain-insecure: "127.in-addr.arpa."
  domain-insecure: "8.b.d.0.1.0.0.2.ip6.arpa."
  $_ta
stub-zone:
  name: "broken.test."
  stub-addr: 127.0.0.1@$PH_DNS_DEAD_PORT
auth-zone:
  name: "test."
  zonefile: "$_d/$_zf"
  for-downstream: no
  for-upstream: yes
  fallback-enabled: no
auth-zone:
  name: "plain.test."
  zonefile: "$_d/plain.zone"
  for-downstream: no
  for-upstream: yes
auth-zone:
  name: "127.in-addr.arpa."
  zonefile: "$_d/rev4.zone"
  for-downstream: no
  for-upstream: yes
auth-zone:
  name: "8.b.d.0.1.0.0.2.ip6.arpa."
  zonefile: "$_d/rev6.zone"
  for-downstream: no
  for-upstream: yes
EOF
	rm -f "$_d/unbound.pid"
	"$(dns_tool unbound)" -c "$_d/unbound.conf" || return 1
	for _i in $(seq 50); do
		[ -s "$_d/unbound.pid" ] && return 0
		sleep 0.1
	done
	echo "dns_start: unbound did not start (see $_d/unbound.log)" >&2
	return 1
}

dns_stop() {
	[ -f "$1/unbound.pid" ] || return 0
	_pid=$(cat "$1/unbound.pid")
	if kill "$_pid" 2>/dev/null; then
		for _i in $(seq 100); do
			kill -0 "$_pid" 2>/dev/null || break
			sleep 0.1
		done
	fi
	rm -f "$1/unbound.pid"
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
	case ${1:-} in
	start)	dns_have ${3:-} || { echo "dnsenv.sh: unbound (or ldnsutils) not installed" >&2; exit 77; }
		dns_start "${2:?usage: dnsenv.sh start|stop DIR [--dnssec]}" ${3:-} &&
		    echo "unbound pid $(cat "$2/unbound.pid") on 127.0.0.1:$PH_DNS_PORT" ;;
	stop)	dns_stop "${2:?usage: dnsenv.sh start|stop DIR [--dnssec]}" ;;
	*)	echo "usage: dnsenv.sh start|stop DIR [--dnssec]" >&2; exit 2 ;;
	esac
fi
