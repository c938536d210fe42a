#!/bin/bash
# localopts.sh - the settings of local delivery: recipient_delimiter
# (user+ext goes to user, an alias command sees EXTENSION), and
# allow_mail_to_commands / allow_mail_to_files refusing alias targets
# with a 5.7.1 bounce.
. "$SRCDIR/t/integ/lib.sh"
new_instance "default_privs = $ME" "recipient_delimiter = +"
MB=$D/mail/$ME
mkdir -p "$D/out" && chmod 1777 "$D/out"
cat > "$D/aliases" <<EOF
cmd: |"env > $D/out/env"
file: $D/out/file
EOF
"$BUILD/newaliases" -C "$C" > /dev/null

# user+ext
printf 'Subject: ext\n\nx\n' | sm -odi -f ext-sender@example.net "$ME+box"
check "user+ext: exit 0" [ $? = 0 ]
check "user+ext goes to the user's mailbox" grep -qx 'Return-Path: <ext-sender@example.net>' "$MB"
check "Delivered-To names the address with its extension" \
	grep -qx "Delivered-To: $ME+box@host.example.org" "$MB"
check "nothing stays queued" [ "$(queued)" = 0 ]
printf 'Subject: cmdext\n\nx\n' | sm -odi cmd+topic
check "alias+ext: exit 0" [ $? = 0 ]
check "the command saw EXTENSION=topic" grep -qx 'EXTENSION=topic' "$D/out/env"
check "the command saw the whole RECIPIENT" grep -qx 'RECIPIENT=cmd+topic@host.example.org' "$D/out/env"
rm -f "$D/out/env"
printf 'Subject: cmdplain\n\nx\n' | sm -odi cmd
check "no extension: EXTENSION is empty or absent" \
	bash -c "[ -s '$D/out/env' ] && ! grep -q '^EXTENSION=.' '$D/out/env'"
: > "$MB"

# Without a delimiter, user+ext is an unknown user.
sed -i '/^recipient_delimiter/d' "$C"
printf 'Subject: noext\n\nx\n' | sm -odi "$ME+box"
check "no recipient_delimiter: user+ext is unknown (EX_NOUSER)" [ $? = 67 ]
check "no recipient_delimiter: the bounce says unknown user" grep -q '^Status: 5.1.1' "$MB"
: > "$MB"

# Commands and files refused for aliases.
echo "allow_mail_to_commands = forward" >> "$C"
echo "allow_mail_to_files = forward" >> "$C"
rm -f "$D/out/env" "$D/out/file"
printf 'Subject: nocmd\n\nx\n' | sm -odi cmd
check "alias command refused: bounced (EX_UNAVAILABLE)" [ $? = 69 ]
check "alias command refused: the command did not run" [ ! -e "$D/out/env" ]
check "alias command refused: the bounce has status 5.7.1" grep -q '^Status: 5.7.1' "$MB"
check "alias command refused: the bounce says why" grep -q 'mail to commands is not allowed' "$MB"
check "alias command refused: the bounce names the setting" grep -q 'allow_mail_to_commands' "$MB"
check "alias command refused: logged as bounced with 5.7.1" \
	grep -qE 'posthorn/local\[[0-9]+\]: [0-9A-F]+: to=<cmd@host.example.org>, .*dsn=5\.7\.1, status=bounced' "$D/log"
: > "$MB"
printf 'Subject: nofile\n\nx\n' | sm -odi file
check "alias file refused: bounced (EX_UNAVAILABLE)" [ $? = 69 ]
check "alias file refused: the file was not written" [ ! -e "$D/out/file" ]
check "alias file refused: the bounce has status 5.7.1" grep -q '^Status: 5.7.1' "$MB"
check "alias file refused: the bounce says why" grep -q 'mail to files is not allowed' "$MB"
check "alias file refused: the bounce names the setting" grep -q 'allow_mail_to_files' "$MB"
: > "$MB"

# Allowed again: both delivered.
sed -i '/^allow_mail_to_/d' "$C"
printf 'Subject: yescmd\n\nx\n' | sm -odi cmd
check "alias command allowed by default" [ -s "$D/out/env" ]
printf 'Subject: yesfile\n\nx\n' | sm -odi file
check "alias file allowed by default" grep -q '^Subject: yesfile' "$D/out/file"
finish
