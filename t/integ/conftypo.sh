#!/bin/bash
# conftypo.sh - the administrator's mistakes must not lose mail, and must
# be told: a typo in posthorn.conf is a warning with a "did you mean",
# sendmail queues even when values are bad, runq waits (EX_CONFIG, the
# queue untouched) until they are fixed; posthorn check finds them, the
# spool's owners and modes, a stale alias database and the links other
# programs call; /etc/aliases edited without newaliases is warned about;
# a program that cannot log says so once, and the log file is one that
# the set-id sendmail can append to but cannot be turned against another
# file.
. "$SRCDIR/t/integ/lib.sh"
new_instance
MB=$D/mail/$ME
cp "$C" "$D/good.conf"
nmaildrop() { ls "$D/spool/maildrop" 2>/dev/null | wc -l; }
ck() { "$BUILD/posthorn" check -C "$C" -r "$D/root" "$@"; }

# ---- 3. A typo is a warning, and mail flows.
echo "message_size_limt = 10m" >> "$C"
printf 'Subject: typo\n\nx\n' | sm -odq "$ME" 2> "$D/err"
check "typo: sendmail exits 0" [ $? = 0 ]
check "typo: stderr warns with file:line and a did-you-mean" \
	grep -q "warning: $C:[0-9]*: unknown setting \"message_size_limt\" (did you mean \"message_size_limit\"?)" "$D/err"
check "typo: the warning is in the log" grep -q 'unknown setting "message_size_limt"' "$D/log"
runq -q 2> "$D/err"
check "typo: runq delivers (exit 0)" [ $? = 0 ]
check "typo: the message arrives" grep -q '^Subject: typo' "$MB"
check "typo: runq warns too" grep -q 'did you mean "message_size_limit"' "$D/err"
check "typo: sendmail -bP of the typo says did you mean" bash -c \
	"'$BUILD/sendmail' -C '$C' -bP message_size_limt 2>&1 | grep -q 'unknown setting: message_size_limt (did you mean message_size_limit?)'"

# ---- 3. A bad value: sendmail queues, runq waits and says why.
cp "$D/good.conf" "$C"
echo "maximal_queue_lifetime = 5 days" >> "$C"
line=$(wc -l < "$C")
printf 'Subject: badvalue\n\nx\n' | sm -odi "$ME" 2> "$D/err"
check "bad value: sendmail -odi exits 0" [ $? = 0 ]
check "bad value: sendmail names file:line and the value" \
	grep -q "error: $C:$line: maximal_queue_lifetime: bad time value \"5 days\"" "$D/err"
check "bad value: the message waits in the maildrop" [ "$(nmaildrop)" = 1 ]
check "bad value: not delivered" bash -c "! grep -q '^Subject: badvalue' '$MB'"
before=$(find "$D/spool" -type f | sort | md5sum)
runq -q 2> "$D/err"
rc=$?
check "bad value: runq exits 78 (EX_CONFIG)" [ $rc = 78 ]
check "bad value: runq says what is wrong on stderr" grep -q "$C:$line: maximal_queue_lifetime" "$D/err"
check "bad value: runq says it delivers nothing" grep -q 'nothing is delivered until they are fixed' "$D/err"
check "bad value: ... and in the log" grep -q 'runq\[[0-9]*\]: error: .*nothing is delivered' "$D/log"
check "bad value: runq left the spool as it was" [ "$(find "$D/spool" -type f | sort | md5sum)" = "$before" ]
expect_rc "bad value: sendmail -bv waits too (78)" 78 sm -bv "$ME" > /dev/null 2>&1
printf 'HELO x\r\nMAIL FROM:<a@example.org>\r\nRCPT TO:<%s>\r\nDATA\r\nSubject: bs\r\n\r\nx\r\n.\r\nQUIT\r\n' "$ME" |
	sm -bs > "$D/out" 2> /dev/null
check "bad value: sendmail -bs still queues" grep -q '^250 2.0.0 Ok: queued as' "$D/out"
printf 'QUIT\r\n' | "$BUILD/smtpd" -C "$C" > "$D/out" 2> /dev/null
check "bad value: the SMTP server answers 421 (clients retry)" grep -q '^421 ' "$D/out"
cp "$D/good.conf" "$C"
runq -q
check "fixed: runq delivers what waited" grep -q '^Subject: badvalue' "$MB"
check "fixed: ... and what sendmail -bs queued" grep -q '^Subject: bs' "$MB"
# the spool itself cannot be found: nothing to queue into
echo 'spool_directory = $nothere' >> "$C"
printf 'Subject: nospool\n\nx\n' | sm -odq "$ME" 2> "$D/err"
check "bad spool_directory: sendmail refuses (78)" [ $? = 78 ]
check "... and says spool_directory" grep -q 'spool_directory is bad' "$D/err"
cp "$D/good.conf" "$C"

# ---- posthorn check.
mkdir -p "$D/root/usr/sbin" "$D/root/usr/lib" "$D/root/usr/bin"
ln -s "$BUILD/sendmail" "$D/root/usr/sbin/sendmail"
ln -s ../sbin/sendmail "$D/root/usr/lib/sendmail"
ln -s "$BUILD/mailq" "$D/root/usr/bin/mailq"
ln -s "$BUILD/newaliases" "$D/root/usr/bin/newaliases"
ck > "$D/out" 2>&1
rc=$?
check "check: a good setup: exit 0" [ $rc = 0 ]
check "check: a good setup: nothing said" [ ! -s "$D/out" ]
[ -s "$D/out" ] && sed 's/^/    /' "$D/out"
echo "message_size_limt = 10m" >> "$C"
ck > "$D/out" 2>&1
check "check: a typo is a warning: exit 0" [ $? = 0 ]
check "check: ... with did you mean" grep -q '^warning: .*unknown setting "message_size_limt" (did you mean "message_size_limit"?)' "$D/out"
echo "smtpd_helo_required = maybe" >> "$C"
line=$(wc -l < "$C")
ck > "$D/out" 2>&1
check "check: a bad value is an error: exit 1" [ $? = 1 ]
check "check: ... with file:line" grep -q "^error: $C:$line: smtpd_helo_required: expected yes or no" "$D/out"
cp "$D/good.conf" "$C"
chmod 1733 "$D/spool/maildrop"
ck > "$D/out" 2>&1
check "check: a maildrop anyone may write: exit 1" [ $? = 1 ]
check "check: ... names the maildrop and the mode it should have" grep -q "^error: spool: $D/spool/maildrop is .* mode 1733, should be .* mode 1730" "$D/out"
chmod 1730 "$D/spool/maildrop"
rm "$D/root/usr/bin/newaliases"
ln -s /bin/true "$D/root/usr/lib/sendmail.x" && mv -T "$D/root/usr/lib/sendmail.x" "$D/root/usr/lib/sendmail"
ck > "$D/out" 2>&1
check "check: links: warnings only (exit 0)" [ $? = 0 ]
check "check: a missing link is named" grep -q "^warning: $D/root/usr/bin/newaliases: No such file" "$D/out"
check "check: a link to another program is named" grep -q "^warning: $D/root/usr/lib/sendmail is not posthorn's $BUILD/sendmail" "$D/out"
ln -s "$BUILD/newaliases" "$D/root/usr/bin/newaliases"
ln -sfn ../sbin/sendmail "$D/root/usr/lib/sendmail"

# ---- 4. /etc/aliases edited without newaliases.
echo "postmaster: $ME" > "$D/aliases"
"$BUILD/newaliases" -C "$C" > /dev/null
touch -d '2020-01-01 00:00' "$D/aliases.cdb"
want="database $D/aliases.cdb is older than source file $D/aliases"
runq -q 2> "$D/err"
check "stale aliases: runq warns on stderr" grep -q "warning: $want" "$D/err"
check "stale aliases: ... and in the log" grep -q "runq\[[0-9]*\]: warning: $want" "$D/log"
sm -bv postmaster > "$D/out" 2> "$D/err"
check "stale aliases: sendmail -bv warns" grep -q "$want" "$D/err"
ck > "$D/out" 2>&1
check "stale aliases: posthorn check warns (exit 0)" [ $? = 0 ]
check "stale aliases: ... with Postfix's words" grep -q "^warning: $want" "$D/out"
"$BUILD/newaliases" -C "$C" > /dev/null
runq -q 2> "$D/err"
check "after newaliases: no warning" bash -c "! grep -q 'older than source' '$D/err'"

# ---- 5. Logging: say once when lines are lost; a safe file.
sed -i '/^maillog_file/d' "$C"
if [ -e /dev/log ]; then
	skip_check "no syslog and no maillog_file: said once" "this machine has /dev/log"
else
	printf 'Subject: quiet\n\nx\n' | sm -odq "$ME" 2> "$D/err"
	check "no syslog, info lines only, not a terminal: nothing on stderr (cron)" [ ! -s "$D/err" ]
	echo "message_size_limt = 10m" >> "$C"
	printf 'Subject: loud\n\nx\n' | sm -odq "$ME" 2> "$D/err"
	check "no syslog, a warning: 'cannot log' said exactly once" \
		[ "$(grep -c 'sendmail: warning: cannot log: no syslog at /dev/log and no maillog_file' "$D/err")" = 1 ]
	sed -i '/^message_size_limt/d' "$C"
	if command -v script > /dev/null; then
		script -qec "printf 'Subject: tty\n\nx\n' | '$BUILD/sendmail' -C '$C' -odq '$ME'" /dev/null > "$D/err" 2>&1
		check "no syslog, at a terminal: said once" \
			[ "$(grep -c 'cannot log: no syslog' "$D/err")" = 1 ]
	else
		skip_check "no syslog, at a terminal: said once" "script(1) missing"
	fi
	ck > "$D/out" 2>&1
	check "check: no syslog and no maillog_file is a warning" grep -q '^warning: no syslog at /dev/log and no maillog_file' "$D/out"
fi
# a symbolic link or a second name is not followed
echo "secret" > "$D/other"
ln -s "$D/other" "$D/symlog"
echo "maillog_file = $D/symlog" >> "$C"
echo "message_size_limt = 10m" >> "$C"
printf 'Subject: sym\n\nx\n' | sm -odq "$ME" 2> "$D/err"
check "maillog_file a symbolic link: sendmail still queues (exit 0)" [ $? = 0 ]
check "maillog_file a symbolic link: 'cannot log to' said once" \
	[ "$(grep -c "cannot log to $D/symlog: it is a symbolic link" "$D/err")" = 1 ]
check "maillog_file a symbolic link: the target untouched" [ "$(cat "$D/other")" = secret ]
sed -i '/^maillog_file/d; /^message_size_limt/d' "$C"
ln "$D/other" "$D/hardlog"
echo "maillog_file = $D/hardlog" >> "$C"
printf 'Subject: hard\n\nx\n' | sm -odq "$ME" 2> "$D/err"
check "maillog_file with a second name: the other name untouched" [ "$(cat "$D/other")" = secret ]
echo "message_size_limt = 10m" >> "$C"
printf 'Subject: hard\n\nx\n' | sm -odq "$ME" 2> "$D/err"
check "maillog_file with a second name: refused, said" grep -q "cannot log to $D/hardlog: it has more than one name" "$D/err"
cp "$D/good.conf" "$C"

# The set-id sendmail appends to the file root's programs made: as root,
# a copy of sendmail set-group-ID the drop group, run with an ordinary
# user's effective uid (the real uid stays 0, so that -C keeps the group).
DROP=$(sed -n 's/^#define DEF_SETGID_GROUP[^"]*"\(.*\)"/\1/p' "$BUILD/lib/core/dirs.h")
OWNER=$(sed -n 's/^#define DEF_MAIL_OWNER[^"]*"\(.*\)"/\1/p' "$BUILD/lib/core/dirs.h")
if [ "$(id -u)" != 0 ]; then
	skip_check "set-id sendmail logs to the file root made" "not root"
elif ! getent group "$DROP" > /dev/null || ! getent passwd "$OWNER" > /dev/null; then
	skip_check "set-id sendmail logs to the file root made" "no user $OWNER or group $DROP here"
elif findmnt -no OPTIONS -T "$D" 2>/dev/null | grep -qw nosuid; then
	skip_check "set-id sendmail logs to the file root made" "$D is on a nosuid file system"
else
	S=$D/sys
	install -d -m 0755 "$S"
	install -d -o "$OWNER" -g "$DROP" -m 1730 "$S/maildrop"
	install -d -o "$OWNER" -g "$OWNER" -m 0750 "$S/queue" "$S/hold" "$S/corrupt"
	for h in 0 1 2 3 4 5 6 7 8 9 A B C D E F; do install -d -o "$OWNER" -g "$OWNER" -m 0750 "$S/queue/$h"; done
	chmod 0700 "$S/corrupt"
	sed -i "s|^spool_directory = .*|spool_directory = $S|; s|^maillog_file = .*|maillog_file = $D/syslog|" "$C"
	chmod 644 "$C"
	"$BUILD/newaliases" -C "$C" > /dev/null
	check "root's newaliases made maillog_file $OWNER:$DROP mode 0620" \
		[ "$(stat -c '%U:%G %a' "$D/syslog" 2>&1)" = "$OWNER:$DROP 620" ]
	mkdir "$D/bin"
	cp "$BUILD/sendmail" "$D/bin/sendmail"
	chgrp "$DROP" "$D/bin/sendmail" && chmod 2755 "$D/bin/sendmail"
	printf 'Subject: setid\n\nx\n' | setpriv --euid=nobody --clear-groups \
		"$D/bin/sendmail" -C "$C" -odq "$ME" 2> "$D/err"
	rc=$?
	check "set-id sendmail: its line is in maillog_file" grep -q 'posthorn/sendmail\[[0-9]*\]: [0-9A-F]*: uid=0 from=' "$D/syslog"
	if grep -qa __asan_init "$BUILD/sendmail"; then
		# it cannot read its own /proc/self (set-id), nor be told not to look
		skip_check "set-id sendmail: exit 0, nothing on stderr" "LeakSanitizer cannot stop a set-id process"
	else
		check "set-id sendmail (euid nobody): queued, exit 0" [ $rc = 0 ]
		check "set-id sendmail: nothing said on stderr" [ ! -s "$D/err" ]
		[ -s "$D/err" ] && sed 's/^/    /' "$D/err"
	fi
	# in a directory where anyone may create files (as /tmp)
	mkdir -m 1777 "$D/pub"
	sed -i "s|^maillog_file = .*|maillog_file = $D/pub/log|" "$C"
	printf 'Subject: setid2\n\nx\n' | setpriv --euid=nobody --clear-groups \
		"$D/bin/sendmail" -C "$C" -odq "$ME" 2> /dev/null
	check "set-id sendmail does not create maillog_file" [ ! -e "$D/pub/log" ]
	"$BUILD/posthorn" check -C "$C" -r "$D/root" > "$D/out" 2>&1
	check "check: a system-like spool made as install does: no spool finding" bash -c "! grep -q 'spool:' '$D/out'"
	sed -i "s|^maillog_file = .*|maillog_file = $D/syslog|" "$C"
	chown root:root "$D/syslog" && chmod 600 "$D/syslog"
	"$BUILD/posthorn" check -C "$C" -r "$D/root" > "$D/out" 2>&1
	check "check: a root-owned maillog_file on a system spool: set-id sendmail cannot log, said" \
		grep -q "^warning: maillog_file $D/syslog is 0:0 mode 0600: set-id sendmail cannot log there" "$D/out"
	chown root:root "$S/maildrop"
	"$BUILD/posthorn" check -C "$C" -r "$D/root" > "$D/out" 2>&1
	check "check: a system spool's maildrop with the wrong owner: error" grep -q "^error: spool: $S/maildrop is 0:0" "$D/out"
fi
finish
