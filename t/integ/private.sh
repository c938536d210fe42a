#!/bin/bash
# private.sh - a private instance whose spool does not exist yet is
# created by the first program that needs it: sendmail, runq, and, as
# root, the sendmail installed set-group-ID (which needs no privilege for
# a private instance and drops it). mailq alone does not create it.
. "$SRCDIR/t/integ/lib.sh"
new_instance
MB=$D/mail/$ME
check "no spool before the first program" [ ! -e "$D/spool" ]
mq > /dev/null 2>&1
check "mailq alone leaves the spool uncreated" [ ! -e "$D/spool" ]

printf 'Subject: first\n\nx\n' | sm -odq "$ME"
check "sendmail -odq on a new private instance: exit 0" [ $? = 0 ]
check "sendmail created the tree" test -d "$D/spool/queue/F" -a -d "$D/spool/maildrop"
check "the entry is in the maildrop" [ "$(ls "$D/spool/maildrop" | wc -l)" = 1 ]
rm -rf "$D/spool"
runq -q
check "runq -q on a new private instance: exit 0" [ $? = 0 ]
check "runq created the tree" [ -d "$D/spool/queue/F" ]
rm -rf "$D/spool"

# root, through a set-group-ID copy of sendmail, as installed
if [ "$(id -u)" != 0 ]; then
	skip_check "root through the set-group-ID sendmail" "not root"
elif findmnt -no OPTIONS -T "$D" 2>/dev/null | grep -qw nosuid; then
	skip_check "root through the set-group-ID sendmail" "$D is on a nosuid file system"
else
	grp=$(getent group nogroup daemon | head -n 1 | cut -d: -f1)
	mkdir "$D/bin"
	cp "$BUILD/sendmail" "$D/bin/sendmail"
	chgrp "$grp" "$D/bin/sendmail" && chmod 2755 "$D/bin/sendmail"
	check "the copy is set-group-ID $grp" [ "$(stat -c '%G %A' "$D/bin/sendmail")" = "$grp -rwxr-sr-x" ]
	printf 'Subject: as root\n\nx\n' | "$D/bin/sendmail" -C "$C" -odi "$ME" 2> "$D/err"
	rc=$?
	check "root, set-group-ID sendmail, new private instance: exit 0" [ $rc = 0 ]
	check "no error about the spool" [ ! -s "$D/err" ]
	check "the tree was made, owned by root" [ "$(stat -c %U "$D/spool/queue" 2>&1)" = root ]
	check "the maildrop is root's group, not the set-id group" [ "$(stat -c %G "$D/spool/maildrop" 2>&1)" = "$(id -gn)" ]
	check "the message was delivered" grep -qs '^Subject: as root' "$MB"
	[ -s "$D/err" ] && sed 's/^/    /' "$D/err"
fi
finish
