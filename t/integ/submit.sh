#!/bin/bash
# submit.sh - sendmail's command line, header fix-ups and bad input, end
# to end on a private instance with delivery to a local mbox.
. "$SRCDIR/t/integ/lib.sh"
new_instance
MB=$D/mail/$ME

# A plain submission, delivered in the foreground.
printf 'Subject: one\nTo: %s\n\nFrom the start\nbody\n' "$ME" | sm -odi -t
check "sendmail -t -odi exits 0" [ $? = 0 ]
check "mailbox written" [ -s "$MB" ]
check "mbox From_ line" grep -q "^From $ME@host.example.org  " "$MB"
check "Return-Path added" grep -q "^Return-Path: <$ME@host.example.org>" "$MB"
check "Delivered-To added" grep -q "^Delivered-To: $ME@host.example.org" "$MB"
check "From quoted as >From" grep -q '^>From the start' "$MB"
check "From: added" grep -q "^From: .*<$ME@host.example.org>" "$MB"
check "Date: added" grep -qE '^Date: [A-Z][a-z]{2}, [0-9]+ [A-Z][a-z]{2} 20[0-9]{2} ' "$MB"
check "Message-ID: added" grep -qE '^Message-ID: <[0-9A-F]{21}@host.example.org>' "$MB"
check "Received: added" grep -q '^Received: by host.example.org (posthorn, from userid' "$MB"
check "queue empty afterwards" [ "$(queued)" = 0 ]
check "log line in Postfix shape" grep -qE "^[A-Z][a-z]{2} [ 0-9]{2} [0-9:]{8} [^ ]+ posthorn/local\[[0-9]+\]: [0-9A-F]{21}: to=<$ME@host.example.org>, relay=local, delay=[0-9.]+, delays=[0-9.]+/[0-9.]+/0/[0-9.]+, dsn=2.0.0, status=sent \(delivered to mailbox\)" "$D/log"
: > "$MB"

# Existing headers are kept, Bcc and friends dropped, unqualified addresses qualified.
printf 'From: Some One <someone>\nDate: Mon, 1 Jan 2024 00:00:00 +0000\nMessage-ID: <x@y>\nTo: "Me (really)" <%s>\nBcc: %s\nReturn-Path: <evil@example.com>\nContent-Length: 3\nSubject: two\n\nbody\n' "$ME" "$ME" | sm -odi -t
check "existing From kept, address qualified" grep -q '^From: Some One <someone@host.example.org>' "$MB"
check "existing Date kept" grep -q '^Date: Mon, 1 Jan 2024' "$MB"
check "existing Message-ID kept" grep -q '^Message-ID: <x@y>' "$MB"
check "display name and comment kept in To" grep -q "^To: \"Me (really)\" <$ME@host.example.org>" "$MB"
check "Bcc removed" bash -c "! grep -q '^Bcc:' '$MB'"
check "Content-Length removed" bash -c "! grep -q '^Content-Length:' '$MB'"
check "only our Return-Path" [ "$(grep -c '^Return-Path:' "$MB")" = 1 ]
check "Bcc + To of the same user delivered once" [ "$(grep -c '^Subject: two' "$MB")" = 1 ]
: > "$MB"

# Dots: a lone dot ends input without -i, is data with -i and -oi.
printf 'Subject: dot\n\nline1\n.\nline2\n' | sm -odi "$ME"
check "lone dot ends input" bash -c "grep -q '^line1' '$MB' && ! grep -q '^line2' '$MB'"
: > "$MB"
printf 'Subject: dot\n\nline1\n.\nline2\n' | sm -odi -i "$ME"
check "-i keeps the dot line" bash -c "grep -qx '.' '$MB' && grep -q '^line2' '$MB'"
: > "$MB"
printf 'Subject: dot\n\nline1\n.\nline2\n' | sm -odi -oi "$ME"
check "-oi keeps the dot line" grep -q '^line2' "$MB"
: > "$MB"

# CRLF input is stored with LF; a lone CR is kept.
printf 'Subject: crlf\r\nTo: %s\r\n\r\nline\r\nbare\rcr\r\n' "$ME" | sm -odi -t
check "CRLF becomes LF" bash -c "! grep -q \$'\\r\$' '$MB'"
check "lone CR kept" grep -q $'bare\rcr' "$MB"
: > "$MB"

# A leading mbox From line is dropped; a missing empty line is repaired.
printf 'From someone Mon Jan  1 00:00:00 2024\nSubject: mbox\nnot a header line\nmore\n' | sm -odi "$ME"
check "leading From_ line skipped" [ "$(grep -c '^From someone' "$MB")" = 0 ]
check "body starts at the non-header line" grep -q '^not a header line' "$MB"
: > "$MB"

# Long lines are kept intact for local delivery.
long=$(head -c 5000 /dev/zero | tr '\0' 'x')
printf 'Subject: long\n\n%s\n' "$long" | sm -odi "$ME"
check "5000-octet line kept intact" grep -qx "$long" "$MB"
: > "$MB"

# Bad input: nothing is queued and the exit code says why.
before=$(ls "$D/spool/maildrop" | wc -l)
printf 'Subject: nul\n\nab\0cd\n' | sm -odq "$ME" 2> "$D/err"
check "NUL byte: EX_DATAERR" [ $? = 65 ]
check "NUL byte: clear message" grep -q 'NUL byte' "$D/err"
echo "message_size_limit = 1000" >> "$C"
head -c 5000 /dev/zero | tr '\0' 'a' | sm -odq "$ME" 2> "$D/err"
check "over message_size_limit: EX_DATAERR" [ $? = 65 ]
check "size message names the limit" grep -q 'message_size_limit' "$D/err"
sed -i '/^message_size_limit/d' "$C"
echo "header_size_limit = 2000" >> "$C"
for i in $(seq 1 200); do echo "X-H$i: value"; done | sm -odq "$ME" 2> "$D/err"
check "endless header section: EX_DATAERR" [ $? = 65 ]
sed -i '/^header_size_limit/d' "$C"
printf 'Subject: x\n\nbody\n' | sm -odq 2> "$D/err"
check "no recipients: EX_USAGE" [ $? = 64 ]
printf 'Subject: x\n\nbody\n' | sm -odq -t 2> "$D/err"
check "-t without recipient headers: EX_USAGE" [ $? = 64 ]
printf 'Subject: x\n\n' | sm -odq 'bad@xn--invalid-.example' 2> "$D/err"
check "invalid A-label domain: EX_DATAERR" [ $? = 65 ]
printf 'Subject: x\n\n' | sm -odq $'a@b\303\274cher..example' 2> "$D/err"
check "invalid IDN domain (empty label): EX_DATAERR" [ $? = 65 ]
printf 'Subject: x\n\n' | sm -odq $'a@\xff\xfe.example' 2> "$D/err"
check "invalid UTF-8 domain: EX_DATAERR" [ $? = 65 ]
check "IDN error is clear" grep -q 'domain' "$D/err"
check "nothing half-written in the maildrop" [ "$(ls -a "$D/spool/maildrop" | wc -l)" = $((before + 2)) ]
check "nothing queued by bad input" [ "$(ls "$D/spool/maildrop" | wc -l)" = "$before" ]

# Options.
expect_rc "unknown option: EX_USAGE" 64 sm -odq -Z "$ME" < /dev/null 2>/dev/null
printf 'NOOP\r\nQUIT\r\n' | sm -bs > "$D/out" 2>&1
check "-bs: runs smtpd, exit 0" [ $? = 0 ]
check "-bs speaks SMTP (smtpd -S)" grep -q '^221 2.0.0' "$D/out"
check "-bP prints a setting" bash -c "'$BUILD/sendmail' -C '$C' -bP myhostname | grep -qx 'myhostname = host.example.org'"
expect_rc "-bP unknown setting: EX_USAGE" 64 sm -bP nosuchsetting 2>/dev/null
printf 'Subject: ign\n\nx\n' | sm -odq -oem -om -B8BITMIME -FCronDaemon -i -U -G -L tag -h 3 -n "$ME"
check "harmless legacy options accepted (cron style)" [ $? = 0 ]

# CR/LF never reach an envelope record.
printf 'Subject: x\n\nx\n' | sm -odq -F $'Evil\nU0' "$ME" 2>/dev/null
check "-F with a newline refused (EX_USAGE)" [ $? = 64 ]
printf 'Subject: x\n\nx\n' | sm -odq -V $'id\rX' "$ME" 2>/dev/null
check "-V with a CR refused (EX_USAGE)" [ $? = 64 ]
printf 'Subject: x\n\nx\n' | sm -odq -f $'a@b.example\nRP00' "$ME" 2>/dev/null
check "-f with a newline refused" [ $? = 65 ]
printf 'Subject: x\n\nx\n' | sm -odq $'victim@example.org\rX' 2>/dev/null
check "recipient with a CR refused" [ $? = 65 ]

# IDN: UTF-8 domain becomes its A-label in the envelope.
printf 'Subject: idn\n\nx\n' | sm -odq "user@b$(printf '\303\274')cher.example"
check "IDN domain converted" grep -rq 'user@xn--bcher-kva.example' "$D/spool/maildrop"

# -f, -f <>, -F.
: > "$MB"
printf 'Subject: f\n\nx\n' | sm -odi -f someone@example.net -F 'Jane Q. Public' "$ME"
check "-f sets Return-Path" grep -q '^Return-Path: <someone@example.net>' "$MB"
check "-F sets the display name (quoted)" grep -q '^From: "Jane Q. Public" <someone@example.net>' "$MB"
: > "$MB"
printf 'Subject: f\n\nx\n' | sm -odi -f '<>' "$ME"
check "-f <> gives the null sender" grep -q '^Return-Path: <>' "$MB"
check "null sender From_ is MAILER-DAEMON" grep -q '^From MAILER-DAEMON ' "$MB"

# -bv reports and delivers nothing.
: > "$MB"
sm -bv "$ME" nosuchuser123 > "$D/out"
check "-bv exit EX_NOUSER for an unknown user" [ $? = 67 ]
check "-bv deliverable line" grep -q "^$ME@host.example.org... deliverable: mailbox $D/mail/$ME" "$D/out"
check "-bv undeliverable line" grep -q '^nosuchuser123@host.example.org... undeliverable: 5.1.1' "$D/out"
check "-bv delivered nothing" [ ! -s "$MB" ]

# -odq then runq; -q flushes.
printf 'Subject: later\n\nx\n' | sm -odq "$ME"
check "-odq leaves the message in the maildrop" [ "$(ls "$D/spool/maildrop" | wc -l)" -ge 1 ]
runq -q
check "runq -q delivers it" grep -q '^Subject: later' "$MB"
check "maildrop empty after runq" [ "$(ls "$D/spool/maildrop" | wc -l)" = 0 ]

# Default delivery mode: background runq.
: > "$MB"
printf 'Subject: bg\n\nx\n' | sm "$ME"
for i in $(seq 1 50); do grep -q '^Subject: bg' "$MB" 2>/dev/null && break; sleep 0.1; done
check "background delivery after submission" grep -q '^Subject: bg' "$MB"
finish
