#!/bin/bash
# popfetch.sh - popfetch against Dovecot's POP3 server (plain with STLS,
# and POP3S) and against a scripted hostile server
. "$(dirname "$0")/lib.sh"
T=popfetch
new_instance
. "$SRCDIR/t/integ/pop3env.sh"
pop3_start
export HOME=$D/home
mkdir -p "$HOME"
HOST=ph-pop-$$
RC=$D/popfetchrc

# rc ACCOUNT-LINES...: the accounts file, mode 600
rc() {
	{
		echo "defaults"
		echo "host 127.0.0.1"
		echo "tls_trust_file $D/tls/ca.crt"
		echo "deliver_to $ME"
		echo "timeout 10"
		for l in "$@"; do echo "$l"; done
	} > "$RC"
	chmod 600 "$RC"
}
pf() { "$BUILD/popfetch" -C "$C" -f "$RC" -q "$@"; }
# msgs: the queued message files
msgs() { find "$D/spool/queue" -name '*.msg' | sort; }
nmsgs() { msgs | wc -l; }
# has_msgid ID: how many queued messages carry Message-ID <ID>
has_msgid() { cat $(msgs) /dev/null | grep -c "^Message-ID: <$1>"; }
drain() { find "$D/spool/queue" -name '*.msg' -o -name '*.env' | xargs -r rm -f; }

# 1. plain POP3 with STLS, USER/PASS, delete mode
pop3_put alice 3
rc "account a1" "port $POP_PORT" "tls stls" "user alice" "password secret" "auth user"
expect_rc "stls + USER/PASS: exit 0" 0 pf a1
check "stls: 3 messages queued" [ "$(nmsgs)" = 3 ]
check "stls: mailbox emptied (keep off)" [ "$(pop3_count alice)" = 0 ]
m=$(msgs | head -n 1)
check "Received: names the server and the account" \
	grep -q "account a1, user alice" "$m"
check "Received: says STLS" grep -q "with POP3 (STLS)" "$m"
check "queue entries have envelopes" [ "$(find "$D/spool/queue" -name '*.env' | wc -l)" = 3 ]
check "envelope sender from Return-Path" grep -q "^Ssender[123]@example.test" $(find "$D/spool/queue" -name '*.env' | head -n 1)
finish
