#!/bin/bash
# paths.sh - the files made from .in name the configured directories
#
# The systemd units, the cron and inetd samples, the sample posthorn.conf
# and the manual pages are made at make time from FILE.in. Checks, in a
# scratch build directory configured as the Debian package is (--prefix=/usr
# --sysconfdir=/etc --localstatedir=/var --with-mailname=/etc/mailname),
# that the path unit watches /var/spool/posthorn/maildrop, the service
# runs /usr/sbin/runq, the manual pages and the sample name /etc/posthorn,
# and that no placeholder is left in any made file; then the same for the
# build being tested ($BUILD, its own configuration).
. "$(dirname "$0")/lib.sh"

if [ ! -x "$SRCDIR/configure" ]; then
	skip "$T: $SRCDIR/configure not found (run autoreconf)"
fi
made="man/sendmail.8 man/mailq.1 man/newaliases.8 man/runq.8 man/smtpd.8
man/posthorn.conf.5 man/posthorn.8 etc/posthorn.conf etc/crontab
etc/systemd/posthorn-runq.path etc/systemd/posthorn-runq.service
etc/systemd/posthorn-smtpd@.service
etc/inetd.conf.smtpd etc/xinetd.smtpd etc/tcpserver.smtpd"

# no_placeholders DIR: none of the made files in DIR is missing or holds
# an @NAME@ left unsubstituted
no_placeholders() {
	for f in $made; do
		[ -s "$1/$f" ] || { echo "$1/$f: missing" >&2; return 1; }
		if grep -n -E '@(prefix|sysconfdir|sbindir|bindir|SPOOL_DIR|MAIL_SPOOL_DIR|MAIL_OWNER|SETGID_GROUP|MAILNAME_FILE)@' "$1/$f" >&2; then
			return 1
		fi
	done
}

dir=$(mktemp -d "${TMPDIR:-/tmp}/paths.XXXXXX")
trap 'rm -rf "$dir"' EXIT

if (cd "$dir" && "$SRCDIR/configure" -q --prefix=/usr --sysconfdir=/etc \
    --localstatedir=/var --with-mailname=/etc/mailname >configure.log 2>&1 &&
    make -s $made >make.log 2>&1); then
	pass "configure --prefix=/usr --sysconfdir=/etc --localstatedir=/var; make the files"
else
	fail "configure and make in a scratch directory"
	tail -n 20 "$dir"/configure.log "$dir"/make.log 2>/dev/null
	finish
fi
check "no placeholder left" no_placeholders "$dir"
check "path unit watches /var/spool/posthorn/maildrop" \
	grep -qx 'DirectoryNotEmpty=/var/spool/posthorn/maildrop' "$dir/etc/systemd/posthorn-runq.path"
check "service runs /usr/sbin/runq" \
	grep -qx 'ExecStart=/usr/sbin/runq' "$dir/etc/systemd/posthorn-runq.service"
check "smtpd unit runs /usr/sbin/smtpd" \
	grep -qx 'ExecStart=/usr/sbin/smtpd' "$dir/etc/systemd/posthorn-smtpd@.service"
check "cron sample runs /usr/sbin/runq every minute" \
	grep -qE '^\* +\* .* root +/usr/sbin/runq$' "$dir/etc/crontab"
check "inetd sample runs /usr/sbin/smtpd" \
	grep -q '[[:space:]]/usr/sbin/smtpd[[:space:]]' "$dir/etc/inetd.conf.smtpd"
check "sendmail(8) names /etc/posthorn/posthorn.conf" \
	grep -qx '.B /etc/posthorn/posthorn.conf' "$dir/man/sendmail.8"
check "posthorn.conf(5): spool_directory default /var/spool/posthorn" \
	grep -q '^.BR spool_directory .*default " /var/spool/posthorn " (build))' "$dir/man/posthorn.conf.5"
check "posthorn.conf(5): mailname file /etc/mailname" \
	grep -q '/etc/mailname' "$dir/man/posthorn.conf.5"
check "sample posthorn.conf: spool_directory /var/spool/posthorn" \
	grep -qx '#spool_directory = /var/spool/posthorn' "$dir/etc/posthorn.conf"
check "sample posthorn.conf: command_directory /usr/sbin" \
	grep -qx '#command_directory = /usr/sbin' "$dir/etc/posthorn.conf"
# (posthorn.conf(5) names the default prefix's file once, as an example)
check "no /usr/local in the made files" \
	bash -c '! grep -h /usr/local "$@" | grep -v "^\.RI ( /usr/local/etc/posthorn/posthorn.conf\$"' \
	_ $(for f in $made; do echo "$dir/$f"; done)
check "dirs.h: mailname file /etc/mailname" \
	bash -c 'cd "$1" && make -s lib/core/dirs.h >/dev/null && grep -q "PATH_MAILNAME.*\"/etc/mailname\"" lib/core/dirs.h' _ "$dir"

# the build under test, as configured
spool=$("$BUILD/sendmail" -C /dev/null -bP spool_directory 2>/dev/null | sed 's/^spool_directory = //')
check "this build: no placeholder left" no_placeholders "$BUILD"
check "this build: path unit watches spool_directory/maildrop ($spool)" \
	grep -qx "DirectoryNotEmpty=$spool/maildrop" "$BUILD/etc/systemd/posthorn-runq.path"
finish
