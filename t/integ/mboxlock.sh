#!/bin/bash
# mboxlock.sh - a mailbox that a mail reader holds: delivery defers (4.2.0)
# and the reason in the log and in mailq says the mailbox is locked and
# by what (the dot-lock file by name, or the process that holds the fcntl
# lock), never a stale error text; once the lock goes, the mail arrives.
# As the invoking user on a private instance (the dot-lock made directly),
# and as root to a real user in a root:mail 2775 directory, where the
# setgid dotlockfile helper makes the dot-lock.
. "$SRCDIR/t/integ/lib.sh"
[ -x "$PY" ] || skip "no $PY (holds the fcntl lock)"
new_instance
holder= U=
stop_holder() {
	[ -n "$holder" ] && kill "$holder" 2>/dev/null && wait "$holder" 2>/dev/null
	holder=
}
trap 'stop_holder; [ -n "$U" ] && userdel "$U" 2>/dev/null; cleanup' EXIT

# deferred USER LABEL WHAT REASON: mail to USER, whose mailbox is held
# (WHAT), is deferred with REASON in the log and in mailq.
deferred() {
	local u=$1 l=$2 what=$3 reason=$4
	printf 'Subject: %s-%s\n\nx\n' "$l" "$what" | sm -odi "$u"
	check "$l: $what-locked mailbox: submission exits 0" [ $? = 0 ]
	check "$l: $what-locked mailbox: not delivered" \
	    bash -c "! grep -qs '^Subject: $l-$what' '$D/mail/$u'"
	check "$l: $what: the log says what holds the mailbox" \
	    grep -qF "dsn=4.2.0, status=deferred ($reason)" "$D/log"
	check "$l: $what: mailq gives the same reason" \
	    bash -c "'$BUILD/mailq' -C '$C' | grep -qF '($reason)'"
}
# delivered USER LABEL WHAT: once the lock is gone, the mail arrives.
delivered() {
	runq -q
	check "$2: delivered once the $3 lock is gone" grep -q "^Subject: $2-$3" "$D/mail/$1"
	check "$2: queue empty" [ "$(queued)" = 0 ]
}

# locked_by USER LABEL: deliver to USER with its mailbox dot-locked, then
# fcntl-locked, and check the reasons and the delivery after each.
locked_by() {
	local u=$1 l=$2 mb=$D/mail/$1
	# a live process's pid in the lock file: not stale for liblockfile
	echo $$ > "$mb.lock"
	deferred "$u" "$l" dot "mailbox $mb is locked by $mb.lock (held by another program)"
	check "$l: no error text of an earlier call in the reason" \
	    bash -c "! grep -E 'cannot lock mailbox|Permission denied|Resource temporarily' '$D/log'"
	rm -f "$mb.lock"
	delivered "$u" "$l" dot

	# An fcntl lock on the whole mailbox, as a mail reader takes it.
	rm -f "$D/held"
	"$PY" -c 'import fcntl, sys, time
f = open(sys.argv[1], "a")
fcntl.lockf(f, fcntl.LOCK_EX)
open(sys.argv[2], "w").close()
time.sleep(120)' "$mb" "$D/held" &
	holder=$!
	for _ in $(seq 100); do [ -e "$D/held" ] && break; sleep 0.05; done
	deferred "$u" "$l" fcntl "mailbox $mb is locked by another program (fcntl lock held by process $holder)"
	stop_holder
	delivered "$u" "$l" fcntl
	: > "$D/log"
}

chmod 755 "$D/mail"	# the invoking user's own directory: no helper
locked_by "$ME" own

if [ "$(id -u)" = 0 ] && command -v useradd > /dev/null && [ -x /usr/bin/dotlockfile ] &&
    getent group mail > /dev/null; then
	U=phtlock$$
	useradd -M -d /nonexistent -s /bin/sh "$U"
	mail_dir "$D/mail"	# root:mail 2775: the user's dot-lock needs the helper
	locked_by "$U" helper
	# A directory where neither the user nor the helper may write: the
	# reason names it, and the user.
	chgrp root "$D/mail" && chmod 755 "$D/mail"
	printf 'Subject: nodir\n\nx\n' | sm -odi "$U"
	check "directory not writable: reason names it and the uid" \
	    grep -qF "status=deferred (cannot lock mailbox $D/mail/$U: cannot create $D/mail/$U.lock (cannot create a temporary file beside it; $D/mail is not writable by uid $(id -u "$U")))" "$D/log"
else
	skip_check "dot-lock through the dotlockfile helper" "needs root, useradd, /usr/bin/dotlockfile and group mail"
fi
finish
