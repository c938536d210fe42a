#!/bin/bash
# uninstall.sh - make install and make uninstall into a DESTDIR under a
# scratch directory (never the system): uninstall removes the programs,
# the manual pages, the sample configuration and the links to the
# programs an administrator made (/usr/sbin/sendmail ...), leaves no
# dangling link and no file of its own behind, and names what stays for
# the administrator: a changed configuration, the spool, the cron file,
# systemd units, the inetd line. Links that lead elsewhere stay.
. "$SRCDIR/t/integ/lib.sh"
command -v make > /dev/null || skip "make missing"
command -v readlink > /dev/null && readlink -m / > /dev/null 2>&1 || skip "no readlink -m"
[ -f "$BUILD/Makefile" ] || skip "no Makefile in $BUILD"
S=$(mktemp -d /tmp/posthorn-uninst.XXXXXX)
trap 'rm -rf "$S"' EXIT
# the build's own make, not a jobserver of the make that runs the tests
bmake() { env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -s -C "$BUILD" "$@"; }

R=$S/root
bmake install DESTDIR="$R" > "$S/install.out" 2>&1
check "make install DESTDIR=...: exit 0" [ $? = 0 ]
sm_path=$(find "$R" -path '*/sbin/sendmail' -type f | head -n 1)
mq_path=$(find "$R" -path '*/bin/mailq' -type f | head -n 1)
check "programs installed under DESTDIR" [ -x "$sm_path" -a -x "$mq_path" ]
check "with DESTDIR, install says what root must do on the target system" \
    grep -q '^posthorn: DESTDIR set: on the target system, as root, make sendmail setgid' "$S/install.out"
SBIN=${sm_path#"$R"}; SBIN=${SBIN%/sendmail}	# as on the target: /usr/local/sbin
conf=$(find "$R" -path '*/posthorn/posthorn.conf' | head -n 1)
spool=$R$("$BUILD/sendmail" -C /dev/null -bP spool_directory | sed 's/^spool_directory = //')

# What an administrator adds, following README, runq(8) and smtpd(8).
mkdir -p "$R/usr/sbin" "$R/usr/lib" "$R/usr/bin" "$R/etc/cron.d" "$R/etc/systemd/system" "$spool"
ln -s "$SBIN/sendmail" "$R/usr/sbin/sendmail"		# absolute, as on the target
ln -s ../sbin/sendmail "$R/usr/lib/sendmail"		# relative, through the one above
ln -s "$mq_path" "$R/usr/bin/mailq"			# absolute, into the DESTDIR
ln -s /bin/true "$R/usr/bin/newaliases"			# not ours: stays
echo '#!/bin/sh' > "$R/usr/sbin/runq"			# not a link: stays
cp "$BUILD/etc/crontab" "$R/etc/cron.d/posthorn"
cp "$BUILD/etc/systemd/posthorn-runq.path" "$BUILD/etc/systemd/posthorn-runq.service" \
    "$R/etc/systemd/system/"
cp "$BUILD/etc/inetd.conf.smtpd" "$R/etc/inetd.conf"
echo "myhostname = changed.example" >> "$conf"

bmake uninstall DESTDIR="$R" > "$S/uninstall.out" 2>&1
check "make uninstall DESTDIR=...: exit 0" [ $? = 0 ]
said() { grep -qxF "$1" "$S/uninstall.out"; }
check "the link /usr/sbin/sendmail removed, and said so" \
    bash -c "[ ! -L '$R/usr/sbin/sendmail' ] && grep -qxF 'posthorn: removed $R/usr/sbin/sendmail (a link to $SBIN/sendmail)' '$S/uninstall.out'"
check "the relative link /usr/lib/sendmail (to that link) removed" \
    bash -c "[ ! -L '$R/usr/lib/sendmail' ] && grep -qxF 'posthorn: removed $R/usr/lib/sendmail (a link to $SBIN/sendmail)' '$S/uninstall.out'"
check "the link /usr/bin/mailq into the DESTDIR removed" [ ! -L "$R/usr/bin/mailq" ]
check "a link that leads elsewhere stays" [ "$(readlink "$R/usr/bin/newaliases")" = /bin/true ]
check "a file that is not a link stays" [ -f "$R/usr/sbin/runq" ]
check "no dangling link left" [ -z "$(find "$R" -xtype l)" ]
check "the programs and manual pages are gone" \
    [ -z "$(find "$R" -type f \( -name sendmail -o -name mailq -o -name runq -o -name smtpd -o -name newaliases -o -name '*.[158]' \) ! -path "$R/usr/sbin/runq")" ]
check "names the changed configuration it keeps" said "posthorn: left $conf (changed) in place"
check "... and keeps it" [ -f "$conf" ]
check "names the spool" said "posthorn: left the spool $spool in place (rm -r when its mail is no longer needed)"
check "names the cron file" said "posthorn: left $R/etc/cron.d/posthorn; remove it"
check "names each systemd unit and how to stop it" \
    bash -c "grep -qxF 'posthorn: left $R/etc/systemd/system/posthorn-runq.path; systemctl disable --now posthorn-runq.path, then remove it' '$S/uninstall.out' &&
             grep -qxF 'posthorn: left $R/etc/systemd/system/posthorn-runq.service; systemctl disable --now posthorn-runq.service, then remove it' '$S/uninstall.out'"
check "names the inetd.conf lines" said "posthorn: left the smtpd lines in $R/etc/inetd.conf; remove them"
check "with DESTDIR, says nothing of the users of the system it runs on" \
    bash -c "! grep -q 'left the \(user\|group\)' '$S/uninstall.out'"

# An untouched installation: uninstall leaves nothing and has nothing to say.
R2=$S/root2
bmake install DESTDIR="$R2" > /dev/null 2>&1
bmake uninstall DESTDIR="$R2" > "$S/uninstall2.out" 2>&1
check "untouched installation: uninstall exits 0" [ $? = 0 ]
check "... leaves no file and no link" [ -z "$(find "$R2" ! -type d)" ]
check "... and no configuration directory" [ -z "$(find "$R2" -type d -name posthorn)" ]
check "... and prints no leftovers" bash -c "! grep -q '^posthorn:' '$S/uninstall2.out'"
finish
