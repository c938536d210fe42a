#!/bin/bash
# clients.sh - posthorn's sendmail called the way real programs call it
# (cron, anacron, s-nail, git send-email, PHP's mail(), scripts, mutt), each
# delivering into the private instance's mbox, and what arrives there.
#
# A client that is not installed skips only its own case, with a
# "SKIP: clients: ..." note line; .ci/run installs s-nail, git-email and
# php-cli, so in CI every case runs.
. "$SRCDIR/t/integ/lib.sh"
new_instance
MB=$D/mail/$ME
H=host.example.org
note() { echo "SKIP: $T: $*"; }

# The clients find posthorn through this wrapper, as they would find
# /usr/sbin/sendmail; it records each argument vector in $D/argv.
mkdir -p "$D/bin" "$D/home"
cat > "$D/bin/sendmail" <<EOW
#!/bin/sh
for a in "\$@"; do printf '[%s]' "\$a"; done >> '$D/argv'; echo >> '$D/argv'
exec '$BUILD/sendmail' -C '$C' "\$@"
EOW
chmod 755 "$D/bin/sendmail"
SM=$D/bin/sendmail
# Keep the clients away from the real home directory and configuration.
export HOME=$D/home LC_ALL=C.UTF-8 GIT_CONFIG_NOSYSTEM=1
unset MAIL MAILRC NAIL_EXTRA_RC MAILX_NO_SYSTEM_RC EMAIL REPLYTO 2>/dev/null

# Delivery runs in the background after each submission. wait_mail REGEX [N]:
# wait (at most 5 s) until N messages (default 1) have a header line matching
# REGEX in the mbox and nothing is left in the maildrop or the queue.
wait_mail() {
	local want=${2:-1} i=0
	while [ $i -lt 50 ]; do
		if [ "$(grep -c -- "$1" "$MB" 2>/dev/null)" -ge "$want" ] &&
		   [ -z "$(ls -A "$D/spool/maildrop" 2>/dev/null)" ] &&
		   [ "$(queued 2>/dev/null)" = 0 ]; then
			return 0
		fi
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}
# has REGEX: a line of the mbox matches (extended regex)
has() { grep -qE -- "$1" "$MB"; }
hasnt() { ! grep -qE -- "$1" "$MB"; }
# nlines REGEX: number of matching lines in the mbox
nlines() { grep -cE -- "$1" "$MB"; }
# hdr NAME: the decoded (RFC 2047) header NAME of the last message in the mbox
hdr() {
	$PY - "$MB" "$1" <<'EOP'
import email.header, mailbox, sys
m = list(mailbox.mbox(sys.argv[1], create=False))[-1]
v = m.get(sys.argv[2])
if v is not None:
    print(str(email.header.make_header(email.header.decode_header(str(v)))))
EOP
}
# body: the decoded body (transfer encoding and charset) of the last message
body() {
	$PY - "$MB" <<'EOP'
import mailbox, sys
m = list(mailbox.mbox(sys.argv[1], create=False))[-1]
sys.stdout.write(m.get_payload(decode=True).decode(m.get_content_charset() or 'ascii'))
EOP
}
# no_cr: no carriage return anywhere in the mbox
no_cr() { ! grep -q $'\r' "$MB"; }

# --- cron ------------------------------------------------------------------
# Debian's cron: sendmail -FCronDaemon -i -B8BITMIME -oem MAILTO.
: > "$MB"
cron_msg() {	# cron_msg TO CMD OUTPUT
	printf 'From: root (Cron Daemon)\nTo: %s\nSubject: Cron <root@host> %s\n' "$1" "$2"
	printf 'MIME-Version: 1.0\nContent-Type: text/plain; charset=UTF-8\n'
	printf 'Content-Transfer-Encoding: 8bit\n'
	printf 'X-Cron-Env: <SHELL=/bin/sh>\nX-Cron-Env: <HOME=/root>\n'
	printf 'X-Cron-Env: <PATH=/usr/bin:/bin>\nX-Cron-Env: <LOGNAME=root>\n\n'
	printf '%s\n' "$3"
}
cron_msg "$ME" 'run-backup --all' $'backup done: 3 files\nGr\303\274\303\237e: 8-bit output\n.\nlast line' |
	"$SM" -FCronDaemon -i -B8BITMIME -oem "$ME"
check "cron: sendmail exits 0" [ $? = 0 ]
check "cron: delivered" wait_mail '^Subject: Cron <root@host> run-backup --all$'
check "cron: From: header kept (not replaced by -F)" has "^From: root(@$H)? \\(Cron Daemon\\)\$"
check "cron: only one From: header" [ "$(nlines '^From:')" = 1 ]
check "cron: envelope sender is the invoking user" has "^Return-Path: <$ME@$H>\$"
check "cron: To: kept" has "^To: $ME(@$H)?\$"
check "cron: all four X-Cron-Env headers kept" [ "$(nlines '^X-Cron-Env: <')" = 4 ]
check "cron: MIME headers kept" has '^Content-Transfer-Encoding: 8bit$'
check "cron: 8-bit body intact" grep -q $'^Gr\303\274\303\237e: 8-bit output$' "$MB"
check "cron: -i keeps a lone dot line and what follows" bash -c "grep -qx '.' '$MB' && grep -qx 'last line' '$MB'"

# MAILTO with a typo: cron's sendmail still exits 0 (-oem) and the bounce
# comes back to the job's owner with the cron output attached.
: > "$MB"
cron_msg nosuchuser4711 'false' 'oops' | "$SM" -FCronDaemon -i -B8BITMIME -oem nosuchuser4711
check "cron, unknown MAILTO: sendmail exits 0" [ $? = 0 ]
check "cron, unknown MAILTO: bounce arrives" wait_mail '^Subject: Undelivered Mail Returned to Sender$'
check "cron, unknown MAILTO: bounce from the null sender" has '^Return-Path: <>$'
check "cron, unknown MAILTO: bounce names the recipient" has 'nosuchuser4711@host\.example\.org'
check "cron, unknown MAILTO: bounce carries the cron mail" has '^Subject: Cron <root@host> false$'

# anacron: sendmail -FAnacron -odi MAILTO: delivered before sendmail returns.
: > "$MB"
printf 'From: Anacron <root>\nTo: %s\nContent-Type: text/plain; charset="UTF-8"\nSubject: Anacron job '"'"'cron.daily'"'"' on host\n\nrun-parts: /etc/cron.daily/x exited with return code 1\n' "$ME" |
	"$SM" -FAnacron -odi "$ME"
check "anacron -odi: sendmail exits 0" [ $? = 0 ]
check "anacron -odi: in the mbox when sendmail returns" has "^Subject: Anacron job 'cron.daily' on host\$"
check "anacron: From: kept, address qualified" has "^From: Anacron <root(@$H)?>\$"
wait_mail '^Subject: Anacron' > /dev/null

# --- s-nail ------------------------------------------------------------------
subj='Grüße aus Köln – ein recht langer Betreff, der beim Kodieren sicher gefaltet wird'
# snail ARGS...: s-nail without rc files, sending through the wrapper and
# waiting for it (so its exit code is sendmail's), never saving dead.letter
snail_opts=(-:/ -Sv15-compat -Snosave -Smta="$SM" -Ssendwait)
if command -v s-nail > /dev/null; then
	: > "$MB"
	printf 'Hallo Welt, schöne Grüße!\nzweite Zeile\n' | s-nail "${snail_opts[@]}" -s "$subj" "$ME"
	check "s-nail: exits 0" [ $? = 0 ]
	check "s-nail: delivered" wait_mail '^User-Agent: s-nail'
	check "s-nail: Subject RFC 2047-encoded" has '^Subject: .*=\?[Uu][Tt][Ff]-8\?[BbQq]\?'
	check "s-nail: no raw 8-bit header bytes" bash -c "! sed '/^\$/q' '$MB' | LC_ALL=C grep -q \$'[\\x80-\\xff]'"
	check "s-nail: Subject decodes to the original" [ "$(hdr Subject)" = "$subj" ]
	check "s-nail: body decodes to the original" [ "$(body)" = $'Hallo Welt, schöne Grüße!\nzweite Zeile' ]
	check "s-nail: charset declared" has '^Content-Type: text/plain; charset=utf-8$'
	check "s-nail: envelope sender is the invoking user" has "^Return-Path: <$ME@$H>\$"
	check "s-nail: one From: (ours, s-nail wrote none)" [ "$(nlines '^From:')" = 1 ]

	# -r: s-nail passes -F name -f address.
	: > "$MB"
	echo 'with a sender' | s-nail "${snail_opts[@]}" -r 'Sender Person <sender@example.net>' -s 'snail -r' "$ME"
	check "s-nail -r: exits 0" [ $? = 0 ]
	check "s-nail -r: passes -f to sendmail" grep -q '\[-f\]\[sender@example.net\]' "$D/argv"
	check "s-nail -r: delivered" wait_mail '^Subject: snail -r$'
	check "s-nail -r: Return-Path from -f" has '^Return-Path: <sender@example\.net>$'
	check "s-nail -r: mbox From_ line from -f" has '^From sender@example\.net  '
	check "s-nail -r: From: header kept" has '^From: Sender Person <sender@example\.net>$'
	check "s-nail -r: only one From: header" [ "$(nlines '^From:')" = 1 ]

	# sendmail's failure reaches the user: s-nail waits and reports it.
	: > "$MB"
	echo x | s-nail "${snail_opts[@]}" -s 'snail bad' 'bad@xn--invalid-.example' 2> "$D/err"
	check "s-nail: sendmail's EX_DATAERR makes s-nail fail" [ $? != 0 ]
	check "s-nail: sendmail's error shown" grep -q 'invalid domain' "$D/err"
	check "s-nail: nothing delivered for the bad address" [ ! -s "$MB" ]
else
	note "s-nail not installed"
fi
for m in mail mailx; do
	p=$(command -v $m)
	if [ -n "$p" ] && [ "$(basename "$(readlink -f "$p")")" = s-nail ]; then
		: > "$MB"
		echo "via $m" | $m "${snail_opts[@]}" -s "as $m" "$ME"
		check "$m (s-nail): exits 0" [ $? = 0 ]
		check "$m (s-nail): delivered" wait_mail "^Subject: as $m\$"
	else
		note "$m is not s-nail here (s-nail provides no $m)"
	fi
done

# --- git send-email ------------------------------------------------------------
# Debian builds git with NO_PERL_CPAN_FALLBACKS: send-email needs Mail::Address
# (libmailtools-perl) to parse --to/--from.
if ! git send-email -h > /dev/null 2>&1 && ! [ -x "$(git --exec-path 2>/dev/null)/git-send-email" ]; then
	note "git send-email not installed (git-email)"
elif ! perl -MMail::Address -e 1 2> /dev/null; then
	note "git send-email: perl Mail::Address missing (libmailtools-perl)"
else
	export GIT_AUTHOR_NAME=Dev GIT_AUTHOR_EMAIL=dev@example.net
	export GIT_COMMITTER_NAME=Dev GIT_COMMITTER_EMAIL=dev@example.net
	export GIT_AUTHOR_DATE='2024-01-02 03:04:05 +0000' GIT_COMMITTER_DATE='2024-01-02 03:04:05 +0000'
	(
		git init -q "$D/repo" && cd "$D/repo" &&
		printf 'hello from git\n' > greeting.txt && git add greeting.txt &&
		git commit -q -m 'Add greeting file' -m 'A longer description of the change.' &&
		git format-patch -q -1
	)
	check "git: format-patch made a patch" [ -f "$D/repo/0001-Add-greeting-file.patch" ]
	if git send-email -h 2>&1 | grep -q -- '--sendmail-cmd'; then
		via=(--sendmail-cmd="$SM")
	else
		via=(--smtp-server="$SM")
	fi
	# gsend ARGS...: send the patch to $ME through posthorn
	gsend() {
		(cd "$D/repo" && git send-email "${via[@]}" --to="$ME" \
			--from="Dev <dev@example.net>" --confirm=never --no-chain-reply-to \
			--suppress-cc=all "$@" 0001-*.patch) > "$D/out" 2>&1
	}
	: > "$MB"
	gsend
	check "git send-email: exits 0" [ $? = 0 ]
	check "git send-email: reports success" grep -q '^Result: OK' "$D/out"
	check "git send-email: delivered" wait_mail '^Subject: \[PATCH\] Add greeting file$'
	check "git send-email: From: kept" has '^From: Dev <dev@example\.net>$'
	check "git send-email: its Message-Id kept, none added" bash -c "[ \"\$(grep -ci '^message-id:' '$MB')\" = 1 ] && grep -q '^Message-Id: <.*-1-dev@example.net>\$' '$MB'"
	check "git send-email: its Date kept" [ "$(nlines '^Date:')" = 1 ]
	check "git send-email: X-Mailer kept" has '^X-Mailer: git-send-email '
	check "git send-email: commit message in the body" has '^A longer description of the change\.$'
	check "git send-email: the diff intact" bash -c "grep -qx '+hello from git' '$MB' && grep -qx -- '--- /dev/null' '$MB' && grep -qx '+++ b/greeting.txt' '$MB'"
	check "git send-email: signature separator with its space" grep -qx -- '-- ' "$MB"
	check "git send-email: envelope sender is the invoking user" has "^Return-Path: <$ME@$H>\$"
	# the patch as git made it, header order and all, is the delivered message's tail
	check "git send-email: patch body arrives byte for byte" bash -c "
		sed '1,/^\$/d' '$D/repo/0001-Add-greeting-file.patch' > '$D/want'
		sed '1,/^\$/d' '$MB' | sed '\$d' > '$D/got'
		cmp -s '$D/want' '$D/got'"

	: > "$MB"
	gsend --envelope-sender=auto
	check "git send-email --envelope-sender: exits 0" [ $? = 0 ]
	check "git send-email --envelope-sender: delivered" wait_mail '^Subject: \[PATCH\] Add greeting file$'
	check "git send-email --envelope-sender: Return-Path from -f" has '^Return-Path: <dev@example\.net>$'
fi

# --- PHP mail() ------------------------------------------------------------------
if command -v php > /dev/null; then
	# php ARGS...: without php.ini, sendmail_path as Debian's php.ini documents it
	php_mail() { ME=$ME php -n -d sendmail_path="$SM -t -i" -r "$1"; }
	: > "$MB"
	out=$(php_mail 'var_dump(mail(getenv("ME"), "php subject", "line1\nline2", "From: web@example.net"));')
	check "php mail(): returns true" [ "$out" = "bool(true)" ]
	check "php mail(): delivered" wait_mail '^Subject: php subject$'
	check "php mail(): To: from the first argument" has "^To: $ME(@$H)?\$"
	check "php mail(): From: from the headers" has '^From: web@example\.net$'
	check "php mail(): only one From: header" [ "$(nlines '^From:')" = 1 ]
	check "php mail(): body lines" bash -c "grep -qx line1 '$MB' && grep -qx line2 '$MB'"
	check "php mail(): Date: and Message-ID: added" bash -c "grep -q '^Date: ' '$MB' && grep -q '^Message-ID: <' '$MB'"
	check "php mail(): envelope sender is the invoking user" has "^Return-Path: <$ME@$H>\$"

	# 5th argument: -f for the envelope; array headers are CRLF-joined by PHP.
	: > "$MB"
	out=$(php_mail 'var_dump(mail(getenv("ME"), "php subject 2", "body\r\nwith CRLF", ["From" => "Web Site <web@example.net>", "Reply-To" => "help@example.net", "X-Mailer" => "PHP"], "-fbounce@example.net"));')
	check "php mail() -f: returns true" [ "$out" = "bool(true)" ]
	check "php mail() -f: sendmail got -f" grep -q '\[-fbounce@example.net\]' "$D/argv"
	check "php mail() -f: delivered" wait_mail '^Subject: php subject 2$'
	check "php mail() -f: Return-Path: <bounce@example.net>" has '^Return-Path: <bounce@example\.net>$'
	check "php mail() -f: mbox From_ line from -f" has '^From bounce@example\.net  '
	check "php mail() -f: From: kept" has '^From: Web Site <web@example\.net>$'
	check "php mail() -f: CRLF-joined headers all kept" bash -c "grep -q '^Reply-To: help@example.net\$' '$MB' && grep -q '^X-Mailer: PHP\$' '$MB'"
	check "php mail() -f: no CR stored" no_cr
	check "php mail() -f: CRLF body lines" bash -c "grep -qx body '$MB' && grep -qx 'with CRLF' '$MB'"

	# sendmail's refusal makes mail() return false.
	: > "$MB"
	out=$(php_mail 'var_dump(mail("bad@xn--invalid-.example", "php bad", "x"));' 2> /dev/null)
	check "php mail(): bad address returns false" [ "$out" = "bool(false)" ]
else
	note "php not installed (php-cli)"
fi

# --- a script piping CRLF ----------------------------------------------------------
# Python's email package with policy SMTP writes CRLF, as web frameworks do.
: > "$MB"
$PY - "$SM" "$ME" <<'EOP'
import subprocess, sys
from email.message import EmailMessage
from email.policy import SMTP
m = EmailMessage(policy=SMTP)
m['From'] = 'Script <cr@example.net>'
m['To'] = sys.argv[2]
m['Subject'] = 'crlf from a script – ünïcödé'
m.set_content('first line\nsecond line with ü\n')
data = m.as_bytes()
assert b'\r\n' in data
sys.exit(subprocess.run([sys.argv[1], '-t', '-oi'], input=data).returncode)
EOP
check "CRLF script: sendmail -t -oi exits 0" [ $? = 0 ]
check "CRLF script: delivered" wait_mail '^From: Script <cr@example.net>$'
check "CRLF script: no CR stored" no_cr
check "CRLF script: header section recognised (its From: kept, no other)" bash -c "[ \"\$(grep -c '^From:' '$MB')\" = 1 ] && grep -q '^From: Script <cr@example.net>\$' '$MB'"
check "CRLF script: Subject decodes" [ "$(hdr Subject)" = 'crlf from a script – ünïcödé' ]
check "CRLF script: body decodes" [ "$(body)" = $'first line\nsecond line with ü' ]

# A shell script with printf and CRLF, recipient on the command line.
: > "$MB"
printf 'Subject: crlf printf\r\nFrom: cr@example.net\r\nX-Script: yes\r\n\r\nline one\r\nline two\r\n' | "$SM" -i "$ME"
check "CRLF printf: exits 0" [ $? = 0 ]
check "CRLF printf: delivered" wait_mail '^Subject: crlf printf$'
check "CRLF printf: headers parsed" bash -c "grep -q '^From: cr@example.net\$' '$MB' && grep -q '^X-Script: yes\$' '$MB'"
check "CRLF printf: body lines" bash -c "grep -qx 'line one' '$MB' && grep -qx 'line two' '$MB'"
check "CRLF printf: no CR stored" no_cr

# --- sendmail -t, Cc and Bcc to aliases ----------------------------------------------
printf 'ccalias: %s\nbccalias: %s\n' "$ME" "$ME" > "$D/aliases"
"$BUILD/newaliases" -C "$C" > /dev/null
check "newaliases with two aliases exits 0" [ $? = 0 ]
: > "$MB"
printf 'From: Report <report@example.net>\nTo: undisclosed-recipients:;\nCc: ccalias\nBcc: bccalias\nSubject: t with aliases\n\nreport body\n' |
	"$SM" -t -oi
check "-t aliases: exits 0" [ $? = 0 ]
check "-t aliases: delivered" wait_mail '^Subject: t with aliases$'
check "-t aliases: Cc recipient delivered through its alias" grep -q "to=<ccalias@$H>, relay=local, .*status=sent" "$D/log"
check "-t aliases: Bcc recipient delivered through its alias" grep -q "to=<bccalias@$H>, relay=local, .*status=sent" "$D/log"
check "-t aliases: Bcc: not in the delivered header" hasnt '^Bcc:'
check "-t aliases: bccalias not shown anywhere in the header" bash -c "! sed -n '/^Subject: t with aliases/,/^\$/p' '$MB' | grep -q bccalias"
check "-t aliases: Cc: kept" has "^Cc: ccalias(@$H)?\$"
check "-t aliases: empty group To: kept" has '^To: undisclosed-recipients:;$'
check "-t aliases: original recipient recorded" has "^X-Original-To: (cc|bcc)alias@$H\$"
check "-t aliases: Delivered-To the final user" has "^Delivered-To: $ME@$H\$"

# --- mutt style ------------------------------------------------------------------------
# sendmail -oem -oi [-f from] -- rcpt..., found through POSTHORN_CONF this time.
: > "$MB"
printf 'From: M User <m@example.net>\nTo: %s\nSubject: mutt style\n\nquoting:\n.\nFrom here on\n' "$ME" |
	POSTHORN_CONF=$C "$BUILD/sendmail" -oem -oi -- "$ME"
check "mutt: sendmail -oem -oi -- rcpt exits 0" [ $? = 0 ]
check "mutt: delivered" wait_mail '^Subject: mutt style$'
check "mutt: lone dot kept (-oi)" grep -qx '.' "$MB"
check "mutt: From in the body quoted" grep -qx '>From here on' "$MB"
check "mutt: envelope sender is the invoking user" has "^Return-Path: <$ME@$H>\$"
: > "$MB"
printf 'From: M User <m@example.net>\nTo: %s\nSubject: mutt envelope\n\nx\n' "$ME" |
	POSTHORN_CONF=$C "$BUILD/sendmail" -oem -oi -B8BITMIME -f m@example.net -- "$ME"
check "mutt -f: exits 0" [ $? = 0 ]
check "mutt -f: delivered" wait_mail '^Subject: mutt envelope$'
check "mutt -f: Return-Path from -f" has '^Return-Path: <m@example\.net>$'

if [ "$FAILED" != 0 ]; then
	echo "--- argument vectors the clients passed"; cat "$D/argv"
	echo "--- mbox"; tail -n 60 "$MB"
fi
finish
