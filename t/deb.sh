#!/bin/bash
# deb.sh - build the Debian package from a copy of the source tree and
# check it without installing it: the files and their modes, the control
# fields, the conffiles, what the maintainer scripts set up, and lintian.
#
# Usage: bash t/deb.sh [SRCDIR [OUTDIR]]  (defaults: this tree, _ci/deb)
# Needs dpkg-buildpackage (dpkg-dev, debhelper) and lintian; the build
# dependencies of debian/control. Prints PASS:/FAIL: lines and last
# "N passed, N failed"; exits 0 when all passed, 1 otherwise, 77 when a
# tool is missing.
set -u
top=${1:-$(cd "$(dirname "$0")/.." && pwd)}
out=${2:-$top/_ci/deb}
np=0
nf=0
pass() { echo "PASS: deb: $*"; np=$((np + 1)); }
fail() { echo "FAIL: deb: $*"; nf=$((nf + 1)); }
check() {
	d=$1
	shift
	if "$@"; then pass "$d"; else fail "$d"; fi
}
done_() { echo "$np passed, $nf failed"; [ "$nf" = 0 ]; exit $?; }

for tool in dpkg-buildpackage dh lintian; do
	if ! command -v $tool >/dev/null; then
		echo "SKIP: deb: $tool not found (apt-get install dpkg-dev debhelper lintian)"
		exit 77
	fi
done

# a copy, so that the build leaves the tree (and its parent) alone
rm -rf "$out" && mkdir -p "$out/posthorn" || { fail "scratch directory $out"; done_; }
if [ -d "$top/.git" ] || [ -f "$top/.git" ]; then
	(cd "$top" && git ls-files -co --exclude-standard -z | xargs -0 tar cf -) | tar xf - -C "$out/posthorn"
else
	(cd "$top" && tar cf - --exclude=./_ci --exclude=./_b --exclude=./debian/posthorn .) | tar xf - -C "$out/posthorn"
fi
# source and binary: lintian then checks the source package too
# (debian/copyright, debian/control, the source format)
if (cd "$out/posthorn" && dpkg-buildpackage -us -uc) > "$out/build.log" 2>&1; then
	pass "dpkg-buildpackage -us -uc (source and binary)"
else
	fail "dpkg-buildpackage -us -uc (see $out/build.log)"
	tail -n 30 "$out/build.log"
	done_
fi
deb=$(ls "$out"/posthorn_*_"$(dpkg --print-architecture)".deb 2>/dev/null | head -n 1)
[ -n "$deb" ] || { fail "no posthorn .deb in $out"; done_; }
changes=$(ls "$out"/posthorn_*.changes | head -n 1)

dpkg-deb -c "$deb" | awk '{ l = $6; if ($7 == "->") l = l " -> " $8; print $1, $2, l }' > "$out/contents"
# has MODE OWNER PATH: the archive holds PATH with these mode and owner
has() { grep -qxF -- "$1 $2 $3" "$out/contents"; }
for p in usr/sbin/sendmail usr/sbin/runq usr/sbin/smtpd usr/sbin/newaliases usr/sbin/posthorn usr/bin/mailq usr/bin/popfetch; do
	check "/$p, 0755 root (set-id bits come from postinst)" has -rwxr-xr-x root/root "./$p"
done
check "/usr/lib/sendmail -> ../sbin/sendmail" has lrwxrwxrwx root/root "./usr/lib/sendmail -> ../sbin/sendmail"
check "/usr/bin/newaliases -> ../sbin/newaliases" has lrwxrwxrwx root/root "./usr/bin/newaliases -> ../sbin/newaliases"
check "/etc/posthorn/posthorn.conf" has -rw-r--r-- root/root ./etc/posthorn/posthorn.conf
check "/etc/cron.d/posthorn" has -rw-r--r-- root/root ./etc/cron.d/posthorn
for u in posthorn-runq.path posthorn-runq.service posthorn-runq.timer posthorn-smtpd.socket posthorn-smtpd@.service posthorn-smtpd-listen.socket posthorn-smtpd-listen.service; do
	check "systemd unit $u" has -rw-r--r-- root/root "./lib/systemd/system/$u"
done
for m in man1/mailq.1.gz man1/popfetch.1.gz man5/posthorn.conf.5.gz man5/aliases.5.gz man8/sendmail.8.gz man8/runq.8.gz man8/newaliases.8.gz man8/smtpd.8.gz man8/posthorn.8.gz; do
	check "manual page $m" has -rw-r--r-- root/root "./usr/share/man/$m"
done
check "no set-id file in the archive" bash -c '! grep -E "^-..[sS]|^-.....[sS]" "$1"' _ "$out/contents"
check "nothing under /usr/local or /var/spool in the archive" \
	bash -c '! grep -E "\./usr/local|\./var/spool" "$1"' _ "$out/contents"

x0=$out/x0
rm -rf "$x0" && mkdir -p "$x0" && dpkg-deb --fsys-tarfile "$deb" | tar xf - -C "$x0" --strip-components=5 ./usr/share/doc/posthorn/copyright
ctl=$out/control
rm -rf "$ctl" && dpkg-deb -e "$deb" "$ctl"
for f in Provides Conflicts Replaces; do
	check "$f: mail-transport-agent" grep -qx "$f: mail-transport-agent" "$ctl/control"
done
check "conffile /etc/posthorn/posthorn.conf" grep -qx /etc/posthorn/posthorn.conf "$ctl/conffiles"
check "conffile /etc/cron.d/posthorn" grep -qx /etc/cron.d/posthorn "$ctl/conffiles"
check "postinst: sendmail root:phdrop 2755 (dpkg-statoverride)" \
	grep -q 'statoverride root phdrop 2755 /usr/sbin/sendmail' "$ctl/postinst"
check "postinst: mailq root:posthorn 2755 (dpkg-statoverride)" \
	grep -q 'statoverride root posthorn 2755 /usr/bin/mailq' "$ctl/postinst"
check "postinst: maildrop posthorn:phdrop 1730" \
	grep -q 'install -d -o posthorn -g phdrop -m 1730 "$SPOOL/maildrop"' "$ctl/postinst"
check "postinst: adduser --system posthorn, addgroup --system phdrop" \
	bash -c 'grep -q "adduser --quiet --system --group" "$1" && grep -q -- "--shell /usr/sbin/nologin posthorn\$" "$1" && grep -q "addgroup --quiet --system phdrop" "$1"' _ "$ctl/postinst"
check "postinst enables posthorn-runq.path and .timer" \
	bash -c 'grep -q "deb-systemd-helper enable .posthorn-runq.path." "$1" && grep -q "deb-systemd-helper enable .posthorn-runq.timer." "$1"' _ "$ctl/postinst"
# (the socket is enabled again only if the administrator had enabled it)
check "postinst neither enables nor starts posthorn-smtpd.socket" \
	bash -c 'grep -q "deb-systemd-helper debian-installed .posthorn-smtpd.socket." "$1" && ! grep -q "deb-systemd-invoke.*posthorn-smtpd" "$1"' _ "$ctl/postinst"
check "postrm purge removes the spool and the overrides" \
	bash -c 'grep -q "rm -rf /var/spool/posthorn" "$1" && grep -q "dpkg-statoverride --remove" "$1"' _ "$ctl/postrm"
check "postrm remove drops only the overrides postinst made" \
	bash -c 'grep -q "dropoverride /usr/sbin/sendmail root phdrop 2755" "$1" && grep -q "dropoverride /usr/bin/mailq root posthorn 2755" "$1"' _ "$ctl/postrm"
check "debian/copyright: machine-readable format 1.0" \
	grep -qx 'Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/' "$x0/copyright"
check "maintainer scripts pass sh -n" bash -c 'for s in "$1"/postinst "$1"/postrm "$1"/prerm "$1"/preinst; do [ ! -f "$s" ] || sh -n "$s" || exit 1; done' _ "$ctl"

# the configured paths inside the package
x=$out/x
rm -rf "$x" && dpkg-deb -x "$deb" "$x"
check "path unit watches /var/spool/posthorn/maildrop" \
	grep -qx DirectoryNotEmpty=/var/spool/posthorn/maildrop "$x/lib/systemd/system/posthorn-runq.path"
check "runq service runs /usr/sbin/runq" \
	grep -qx ExecStart=/usr/sbin/runq "$x/lib/systemd/system/posthorn-runq.service"
check "cron runs /usr/sbin/runq every minute without systemd" \
	grep -qE '^\* +\* +\* +\* +\* +root +\[ -d /run/systemd/system \] \|\| .*/usr/sbin/runq$' "$x/etc/cron.d/posthorn"
check "built-in paths: /etc/posthorn, /var/spool/posthorn, /etc/mailname" \
	bash -c 'strings "$1" | grep -qx /etc/posthorn/posthorn.conf && strings "$1" | grep -qx /var/spool/posthorn && strings "$1" | grep -qx /etc/mailname' _ "$x/usr/sbin/sendmail"
check "sendmail -bP: spool_directory /var/spool/posthorn" \
	bash -c '[ "$("$1" -C /dev/null -bP spool_directory)" = "spool_directory = /var/spool/posthorn" ]' _ "$x/usr/sbin/sendmail"

lintian --fail-on error "$changes" > "$out/lintian.log" 2>&1
rc=$?
grep -E '^[EW]: ' "$out/lintian.log"
check "lintian checked the source package too" grep -q '^Architecture: source' "$changes"
if [ $rc = 0 ] && ! grep -q '^E: ' "$out/lintian.log"; then
	pass "lintian (source and binary): no errors ($(grep -c '^W: ' "$out/lintian.log") warnings)"
else
	fail "lintian (see $out/lintian.log)"
fi
done_
