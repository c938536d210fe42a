#!/bin/bash
# smtp2.sh - remote delivery, part two: DANE against a DNSSEC-signed test
# zone (a TLSA match, a mismatch, no TLSA), implicit TLS to a smarthost,
# XOAUTH2 and OAUTHBEARER with a token command, IPv6 and inet_protocols,
# and a dead destination that must not hold the others.
# ports: 22225-22227 (receivers), 22253-22254 (unbound, and a dead one)
P=${PH_SMTP2_PORT:-22225}
export PH_DNS_PORT=${PH_SMTP2_DNS_PORT:-22253}
export PH_TLSA_PORT=$P
. "$SRCDIR/t/integ/lib.sh"
. "$SRCDIR/t/integ/dnsenv.sh"
. "$SRCDIR/t/integ/smtpenv.sh"
smtp_need_tools
dns_have --dnssec || skip "$T: unbound or ldnsutils is not installed"
command -v openssl > /dev/null || skip "$T: openssl is not installed"

new_instance "dns_servers = 127.0.0.1:$PH_DNS_PORT" "smtp_port = $P" \
	"smtp_helo_timeout = 3s" "smtp_connect_timeout = 3s" "minimal_backoff_time = 0s"
sed -i '/^relayhost/d' "$C"
S=$D/sinks
mkdir -p "$S"
"$SRCDIR/t/integ/mkcerts.sh" "$D/tls" mx.dane.test > "$D/tls.out" 2>&1 ||
	{ fail "test certificates"; finish; }
TLSA_CERT=$D/tls/server-rsa.crt dns_start "$D/dns" --dnssec > /dev/null ||
	{ fail "unbound starts"; finish; }
trap 'smtp_stop_all; dns_stop "$D/dns"; [ -n "${KEEP:-}" ] || cleanup' EXIT
F=$ME@host.example.org
MB=$D/mail/$ME
flush() { runq -q; }
nenv() { [ -f "$1/envelopes.jsonl" ] && wc -l < "$1/envelopes.jsonl" || echo 0; }
in_mailq() { "$BUILD/mailq" -C "$C" | grep -q "$1"; }
CERT=(--cert "$D/tls/server-rsa-chain.crt" --key "$D/tls/server-rsa.key")

# --- DANE ---------------------------------------------------------------------
printf 'smtp_tls_security_level = dane\ndnssec_trust_anchors = %s\n' "$D/dns/trust-anchor.ds" >> "$C"
sink_start dane "$S/dane" --listen 127.0.0.41:$P "${CERT[@]}"
printf 'Subject: dane\n\nhello\n' | sm -odq -f "$F" user@dane.test
flush
check "DANE: the certificate matches the secure TLSA record: delivered" [ "$(nenv "$S/dane")" = 1 ]
check "DANE: logged as Trusted" grep -q 'Trusted TLS connection established to mx.dane.test\[127.0.0.41\]' "$D/log"
sink_stop dane

sink_start danebad "$S/danebad" --listen 127.0.0.42:$P "${CERT[@]}"
printf 'Subject: danebad\n\nhello\n' | sm -odq -f "$F" user@danebad.test
flush
check "DANE mismatch: nothing delivered" [ "$(nenv "$S/danebad")" = 0 ]
check "DANE mismatch: deferred, and mailq says why" in_mailq 'TLSA'
sink_stop danebad
sink_start danebad "$S/danebad-plain" --listen 127.0.0.42:$P
flush
check "DANE: a server without STARTTLS gets nothing when TLSA records exist" [ "$(nenv "$S/danebad-plain")" = 0 ]
sink_stop danebad
rm -rf "$D/spool/queue"/*

sink_start nomx "$S/nomx" --listen 127.0.0.13:$P
printf 'Subject: no tlsa\n\nhello\n' | sm -odq -f "$F" user@nomx.example.test
flush
check "DANE without TLSA records: opportunistic, delivered" [ "$(nenv "$S/nomx")" = 1 ]
sink_stop nomx

cp "$D/dns/trust-anchor.ds" "$D/wrong.ds"
"$PY" -c 'import sys; p=sys.argv[1]; s=open(p).read().rstrip(); open(p,"w").write(s[:-1] + ("0" if s[-1] != "0" else "1") + "\n")' "$D/wrong.ds"
printf 'dnssec_trust_anchors = %s\n' "$D/wrong.ds" >> "$C"
sink_start dane "$S/dane2" --listen 127.0.0.41:$P "${CERT[@]}"
printf 'Subject: bogus\n\nhello\n' | sm -odq -f "$F" user@dane.test
flush
check "DANE with a wrong trust anchor (bogus answers): nothing delivered" [ "$(nenv "$S/dane2")" = 0 ]
check "DANE with a wrong trust anchor: deferred" [ "$(queued)" = 1 ]
sink_stop dane
rm -rf "$D/spool/queue"/*
sed -i '/^smtp_tls_security_level/d; /^dnssec_trust_anchors/d' "$C"

# --- implicit TLS to a smarthost ---------------------------------------------
printf 'relayhost = [127.0.0.1]:%s\nsmtp_tls_wrappermode = yes\nsmtp_tls_security_level = encrypt\n' $((P + 1)) >> "$C"
sink_start smarthost "$S/implicit" --listen 127.0.0.1:$((P + 1)) "${CERT[@]}" --implicit
printf 'Subject: implicit\n\nhello\n' | sm -odq -f "$F" a@example.test
flush
check "implicit TLS (smtp_tls_wrappermode): delivered" [ "$(nenv "$S/implicit")" = 1 ]
check "implicit TLS: logged with version and cipher" grep -q 'TLS connection established to 127.0.0.1\[127.0.0.1\]:'$((P + 1))': TLSv1' "$D/log"
sink_stop smarthost
sed -i '/^smtp_tls_wrappermode/d; /^smtp_tls_security_level/d' "$C"

# --- OAuth tokens -------------------------------------------------------------
printf '[127.0.0.1]:%s alice:unused\n' $((P + 1)) > "$D/sasl"
chmod 600 "$D/sasl"
cat > "$D/token" <<'EOF'
#!/bin/sh
echo "tok-$SASL_USERNAME-for-$SMTP_SERVER"
EOF
chmod 755 "$D/token"
printf 'smtp_tls_security_level = none\nsmtp_sasl_auth_enable = yes\nsmtp_sasl_password_maps = %s\nsmtp_sasl_oauth_command = %s\nsmtp_sasl_allow_cleartext = yes\n' \
	"$D/sasl" "$D/token" >> "$C"
script_start ox oauth 127.0.0.1:$((P + 1)) "$S/xoauth2"
printf 'Subject: xoauth2\n\nhello\n' | sm -odq -f "$F" a@example.test
flush
want=$(printf 'user=alice\001auth=Bearer tok-alice-for-127.0.0.1\001\001' | base64 -w0)
check "XOAUTH2: the token of the command, in the RFC shape" grep -q "^AUTH XOAUTH2 $want" "$S/xoauth2/session-1.log"
check "XOAUTH2: delivered" [ "$(cat "$S/xoauth2/count" 2>/dev/null)" = 1 ]
script_stop ox
script_start ob oauthbearer 127.0.0.1:$((P + 1)) "$S/oauthbearer"
printf 'Subject: oauthbearer\n\nhello\n' | sm -odq -f "$F" a@example.test
flush
want=$(printf 'n,a=alice,\001host=127.0.0.1\001port=%s\001auth=Bearer tok-alice-for-127.0.0.1\001\001' $((P + 1)) | base64 -w0)
check "OAUTHBEARER preferred when offered, in the RFC 7628 shape" grep -q "^AUTH OAUTHBEARER $want" "$S/oauthbearer/session-1.log"
script_stop ob
printf 'smtp_sasl_oauth_command = /bin/false\n' >> "$C"
script_start ox oauth 127.0.0.1:$((P + 1)) "$S/xoauth2-fail"
printf 'Subject: no token\n\nhello\n' | sm -odq -f "$F" a@example.test
flush
check "a token command that fails: deferred, says why" in_mailq 'smtp_sasl_oauth_command failed'
check "a token command that fails: no AUTH sent" bash -c "! grep -q '^AUTH' '$S/xoauth2-fail'/session-*.log"
script_stop ox
rm -rf "$D/spool/queue"/*
sed -i '/^relayhost/d; /^smtp_sasl/d; /^smtp_tls_security_level/d' "$C"

# --- IPv6 -----------------------------------------------------------------------
if "$PY" -c 'import socket; s=socket.socket(socket.AF_INET6); s.bind(("::1", 0))' 2> /dev/null; then
	sink_start v6 "$S/v6" --listen "[::1]:$P"
	printf 'Subject: v6\n\nhello\n' | sm -odq -f "$F" user@v6only.example.test
	flush
	check "IPv6: delivered to an AAAA-only host" [ "$(nenv "$S/v6")" = 1 ]
	check "IPv6: logged as [::1]" grep -q 'relay=v6only.example.test\[::1\]:' "$D/log"
	printf 'inet_protocols = ipv4\n' >> "$C"
	printf 'Subject: v4 only\n\nhello\n' | sm -odq -f "$F" user@v6only.example.test
	flush
	check "inet_protocols = ipv4: an AAAA-only host is not used" [ "$(nenv "$S/v6")" = 1 ]
	sed -i '/^inet_protocols/d' "$C"
	sink_stop v6
	rm -rf "$D/spool/queue"/*
else
	skip_check "IPv6 delivery" "no ::1 on this machine"
fi

# --- a dead destination does not hold the others --------------------------------
printf 'default_process_limit = 3\n' >> "$C"
script_start dead1 hang 127.0.0.11:$P "$S/dead1"
script_start dead2 hang 127.0.0.12:$P "$S/dead2"
sink_start alive "$S/alive" --listen 127.0.0.13:$P
for i in 1 2 3 4 5 6; do
	printf 'Subject: dead %s\n\nx\n' $i | sm -odq -f "$F" user@example.test
	printf 'Subject: alive %s\n\nx\n' $i | sm -odq -f "$F" user@nomx.example.test
done
start=$(date +%s)
flush
took=$(( $(date +%s) - start ))
check "dead destination: the live one got all its mail" [ "$(nenv "$S/alive")" = 6 ]
check "dead destination: its mail is deferred, all of it" [ "$(queued)" = 6 ]
check "dead destination: tried once, not once per message ($(ls "$S"/dead1 "$S"/dead2 | grep -c session) sessions)" \
	[ "$(ls "$S"/dead1 "$S"/dead2 | grep -c session)" -le 2 ]
check "dead destination: the rest deferred at once (delivery temporarily suspended)" \
	[ "$(grep -c 'status=deferred (delivery temporarily suspended' "$D/log")" -ge 5 ]
check "dead destination: the run took about one greeting timeout pair (${took}s)" [ "$took" -lt 15 ]
finish
