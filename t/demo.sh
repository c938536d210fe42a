#!/bin/sh
# demo.sh - the README's first run: a private instance in /tmp, one message
# submitted with sendmail -t, queued, delivered by runq, mailbox shown.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-$top}
d=/tmp/posthorn-demo-$(id -un)
rm -rf "$d"
mkdir -p "$d/mail"
chmod 755 "$d/mail"
me=$(id -un)
cat > "$d/posthorn.conf" <<EOC
# a private instance: the spool belongs to $me
spool_directory = $d/spool
mail_spool_directory = $d/mail
maillog_file = $d/maillog
command_directory = $BUILD
alias_maps = $d/aliases
myhostname = demo.example.org
EOC
echo "postmaster: $me" > "$d/aliases"
"$BUILD/newaliases" -C "$d/posthorn.conf"
echo "== submitting with sendmail -t (queue only)"
printf 'To: %s\nSubject: hello from posthorn\n\nIt works.\n' "$me" |
	"$BUILD/sendmail" -C "$d/posthorn.conf" -odq -t
echo "== mailq"
"$BUILD/mailq" -C "$d/posthorn.conf"
echo "== runq -q"
"$BUILD/runq" -C "$d/posthorn.conf" -q
"$BUILD/mailq" -C "$d/posthorn.conf"
echo "== the log"
cat "$d/maillog"
echo "== $d/mail/$me"
cat "$d/mail/$me"
