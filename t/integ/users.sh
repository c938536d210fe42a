#!/bin/bash
# users.sh - local delivery as root to real users: each delivery runs as
# its recipient; Maildir; ~/.forward and its safety rules; alias commands
# as default_privs; mailboxes that are symlinks, hard links or owned by
# someone else are refused. Needs root (creates and removes two users).
. "$SRCDIR/t/integ/lib.sh"
[ "$(id -u)" = 0 ] || skip "needs root to create users and switch to them"
command -v useradd > /dev/null || skip "useradd missing"
new_instance "default_privs = nobody"
A=phtalice$$ B=phtbob$$
H=$D/home
mkdir -p "$H" && chmod 755 "$H"
useradd -M -d "$H/$A" -s /bin/sh "$A" && mkdir -p "$H/$A" && chown "$A:" "$H/$A"
useradd -M -d "$H/$B" -s /bin/sh "$B" && mkdir -p "$H/$B" && chown "$B:" "$H/$B"
cleanup_users() { userdel "$A" 2>/dev/null; userdel "$B" 2>/dev/null; cleanup; }
trap cleanup_users EXIT
mkdir -p "$D/out" && chmod 1777 "$D/out"
cat > "$D/aliases" <<EOF
cmd: |"id -un > $D/out/alias-cmd-user"
EOF
"$BUILD/newaliases" -C "$C" > /dev/null

# mbox: created for the user, owned by the user, 0600.
printf 'Subject: mbox\n\nx\n' | sm -odi "$A"
check "mbox delivery as root to a user: exit 0" [ $? = 0 ]
check "mailbox owned by the recipient" [ "$(stat -c %U "$D/mail/$A")" = "$A" ]
check "mailbox mode 0600" [ "$(stat -c %a "$D/mail/$A")" = 600 ]
check "message in the mailbox" grep -q '^Subject: mbox' "$D/mail/$A"

# Alias commands run as default_privs.
printf 'Subject: c\n\nx\n' | sm -odi cmd
check "alias command runs as default_privs (nobody)" [ "$(cat "$D/out/alias-cmd-user" 2>/dev/null)" = nobody ]

# .forward: commands run as the user; \user keeps a copy.
printf '\\%s, |"id -un > %s/out/fwd-user"\n' "$B" "$D" > "$H/$B/.forward"
chown "$B:" "$H/$B/.forward"; chmod 644 "$H/$B/.forward"
printf 'Subject: fwd\n\nx\n' | sm -odi "$B"
check ".forward command runs as the user" [ "$(cat "$D/out/fwd-user" 2>/dev/null)" = "$B" ]
check ".forward \\user keeps a copy in the mailbox" grep -q '^Subject: fwd' "$D/mail/$B"
# A group-writable .forward is ignored (mail goes to the mailbox).
rm -f "$D/out/fwd-user"
chmod 664 "$H/$B/.forward"
printf 'Subject: fwd2\n\nx\n' | sm -odi "$B"
check "group-writable .forward ignored" [ ! -e "$D/out/fwd-user" ]
check "... and mail still delivered" grep -q '^Subject: fwd2' "$D/mail/$B"
check "... with a warning in the log" grep -q "ignoring $H/$B/.forward" "$D/log"
rm -f "$H/$B/.forward"
# A .forward with garbage (a NUL byte) defers: nothing is lost, and the
# mail arrives once the user has mended the file.
printf '\\%s\0junk\n' "$B" > "$H/$B/.forward"
chown "$B:" "$H/$B/.forward"; chmod 644 "$H/$B/.forward"
printf 'Subject: garbage-forward\n\nx\n' | sm -odi "$B"
check "garbage .forward: deferred, reason in mailq" bash -c "'$BUILD/mailq' -C '$C' | grep -q 'bad syntax'"
check "garbage .forward: not delivered, not bounced yet" [ "$(grep -c '^Subject: garbage-forward' "$D/mail/$B")" = 0 ]
rm -f "$H/$B/.forward"
runq -q
check "garbage .forward: delivered once mended" [ "$(grep -c '^Subject: garbage-forward' "$D/mail/$B")" = 1 ]

# Maildir.
echo "home_mailbox = Maildir/" >> "$C"
printf 'Subject: md\n\nx\n' | sm -odi "$A"
f=$(ls "$H/$A/Maildir/new/" 2>/dev/null | head -n 1)
check "Maildir: message in new/" [ -n "$f" ]
check "Maildir: file owned by the user" [ "$(stat -c %U "$H/$A/Maildir/new/$f")" = "$A" ]
check "Maildir: tmp/ left empty" [ -z "$(ls "$H/$A/Maildir/tmp")" ]
check "Maildir: no From_ line" bash -c "! head -n1 '$H/$A/Maildir/new/$f' | grep -q '^From '"
check "Maildir: Delivered-To" grep -q "^Delivered-To: $A@host.example.org" "$H/$A/Maildir/new/$f"
sed -i '/^home_mailbox/d' "$C"

# Planted symlink, hard link, wrong owner: refused, mail kept in the queue.
echo secret > "$D/target"
rm -f "$D/mail/$A"; ln -s "$D/target" "$D/mail/$A"
printf 'Subject: sym\n\nx\n' | sm -odi "$A"
check "symlinked mailbox refused (deferred, queued)" test $? = 0 -a "$(queued)" -ge 1
check "symlink target untouched" [ "$(cat "$D/target")" = secret ]
check "reason says symbolic link" bash -c "'$BUILD/mailq' -C '$C' | grep -q 'symbolic link'"
rm -f "$D/mail/$A"
ln "$D/target" "$D/mail/$A"
printf 'Subject: hard\n\nx\n' | sm -odi "$A"
check "hard-linked mailbox refused (deferred, queued)" [ $? = 0 ]
check "hard link target untouched" [ "$(cat "$D/target")" = secret ]
rm -f "$D/mail/$A"
echo "old" > "$D/mail/$A"; chown "$B:" "$D/mail/$A"; chmod 600 "$D/mail/$A"
printf 'Subject: owner\n\nx\n' | sm -odi "$A"
check "mailbox owned by another user refused (deferred)" [ $? = 0 ]
check "other user's file untouched" [ "$(cat "$D/mail/$A")" = old ]
rm -f "$D/mail/$A"
runq -q
check "after the admin removed the planted files, the mail arrives" [ "$(grep -c '^Subject: \(sym\|hard\|owner\)' "$D/mail/$A")" = 3 ]

# A mailbox dot-locked by a mail reader defers; an fcntl lock held by
# another delivery is waited for (up to 10 s), not deferred.
printf 'Subject: dotlocked\n\nx\n' | sm -odq "$A"
echo $$ > "$D/mail/$A.lock"	# a live process: not stale
runq -q
check "dot-locked mailbox defers, naming the lock file" \
    bash -c "'$BUILD/mailq' -C '$C' | grep -qF 'is locked by $D/mail/$A.lock'"
rm -f "$D/mail/$A.lock"
runq -q
check "delivered once the dot-lock is gone" grep -q '^Subject: dotlocked' "$D/mail/$A"
printf 'Subject: waited\n\nx\n' | sm -odq "$A"
flock_hold() { /usr/bin/python3 -c '
import fcntl, sys, time
f = open(sys.argv[1], "a"); fcntl.lockf(f, fcntl.LOCK_EX); open(sys.argv[2], "w").close(); time.sleep(1)' "$@"; }
flock_hold "$D/mail/$A" "$D/locked" & lp=$!
for i in $(seq 1 50); do [ -e "$D/locked" ] && break; sleep 0.05; done
runq -q
wait $lp
check "an fcntl-locked mailbox is waited for, then delivered" grep -q '^Subject: waited' "$D/mail/$A"

# sendmail -bv run by an ordinary user (B): a ~/.forward that B may not
# read (A's home is 0700) is not checked, and said so; the address is
# deliverable (exit 0), not "undeliverable: cannot open".
as_b() { setpriv --reuid="$B" --regid="$(id -g "$B")" --init-groups "$@"; }
printf '\\%s\n' "$A" > "$H/$A/.forward"; chown "$A:" "$H/$A/.forward"; chmod 644 "$H/$A/.forward"
chmod 700 "$H/$A"
echo "inclist: :include:$D/inclist" >> "$D/aliases"
echo "$A" > "$D/inclist"; chmod 600 "$D/inclist"
"$BUILD/newaliases" -C "$C" > /dev/null
as_b "$BUILD/sendmail" -C "$C" -bv "$A" > "$D/bv.out" 2>&1
check "-bv by another user of a user whose .forward it cannot read: exit 0" [ $? = 0 ]
check "... deliverable: the mailbox, and what was not checked as whom" \
    grep -qxF "$A@host.example.org... deliverable: mailbox $D/mail/$A (as $A); cannot check $H/$A/.forward as user $B" "$D/bv.out"
as_b "$BUILD/sendmail" -C "$C" -bv inclist > "$D/bv.out" 2>&1
check "-bv by a user of an alias with an :include: it cannot read: exit 0" [ $? = 0 ]
check "... the include is named as not checked" \
    grep -qxF "inclist@host.example.org... deliverable: alias inclist -> include $D/inclist -> (not checked); cannot check $D/inclist as user $B" "$D/bv.out"
as_b "$BUILD/sendmail" -C "$C" -bv "$A" nosuchuser$$ > "$D/bv.out" 2>&1
check "... an unknown user beside it still exits 67" [ $? = 67 ]
if as_b test -x /root; then
	skip_check "-bv root by an ordinary user" "/root is searchable by others here"
else
	as_b "$BUILD/sendmail" -C "$C" -bv root > "$D/bv.out" 2>&1
	check "-bv root by an ordinary user: exit 0, /root/.forward not checked" \
	    grep -qxF "root@host.example.org... deliverable: mailbox $D/mail/root (as root); cannot check /root/.forward as user $B" "$D/bv.out"
fi
"$BUILD/sendmail" -C "$C" -bv "$A" > "$D/bv.out" 2>&1
check "-bv by root reads the .forward" \
    grep -qxF "$A@host.example.org... deliverable: .forward of $A -> mailbox $D/mail/$A (as $A)" "$D/bv.out"
finish
