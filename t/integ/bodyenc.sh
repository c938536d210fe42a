#!/bin/bash
# bodyenc.sh - the DATA encoder (lib/net/bodyenc) against Python's email
# package: messages with 8-bit text (random bytes, "=", trailing white
# space, lines starting with ".", lines of thousands of bytes) in a plain
# body, a multipart with a base64 part, a nested multipart and a
# message/rfc822 go through t/integ/bodyencf in pushes of 1, 7 and 4096
# bytes. Checked: the output has CR LF line ends only, no line over 1000
# bytes with its CR LF, no 8-bit byte in 7-bit mode; after undoing the
# dot-stuffing, Python parses it into the same structure and every leaf
# decodes to the same bytes as in the original (so the quoted-printable
# round-trips); without 7-bit mode the output is exactly the input with
# CR LF, stuffed dots and lines broken after 998 bytes. A message with an 8-bit header makes bodyencf -7 fail.
. "$SRCDIR/t/integ/lib.sh"
F=$BUILD/t/integ/bodyencf
[ -x "$F" ] || skip "$T: $F not built"
$PY -c 'import email' 2> /dev/null || skip "$T: no Python email package"
W=$(mktemp -d /tmp/posthorn-t.XXXXXX)
trap 'rm -rf "$W"' EXIT

$PY - "$W" <<'EOP'
import random, sys
w = sys.argv[1]
rnd = random.Random(4711)

def text(lines):
    out = []
    for i in range(lines):
        n = rnd.choice([0, 1, 5, 40, 75, 76, 77, 200, 997, 998, 999, 3000])
        b = bytes(rnd.choice(range(256)) for _ in range(n)).replace(b"\r", b"x").replace(b"\n", b"y")
        b += rnd.choice([b"", b" ", b"\t", b"=", b" \t "])
        if i % 7 == 3:
            b = b"." + b
        out.append(b)
    out.append(b"end \xc3\xa9 =")
    return b"\n".join(out) + b"\n"

msgs = {
    "plain": b"From: a@example.org\nSubject: plain\n\n" + text(60),
    "single": b"MIME-Version: 1.0\nSubject: single\nContent-Type: text/plain; charset=utf-8\n"
        b"Content-Transfer-Encoding: 8bit\n\n" + text(60),
    "multi": b"MIME-Version: 1.0\nSubject: multi\nContent-Type: multipart/mixed; boundary=\"=_b1\"\n\n"
        b"preamble\n--=_b1\nContent-Type: text/plain; charset=iso-8859-1\n"
        b"Content-Transfer-Encoding: 8bit\n\n" + text(40) +
        b"--=_b1\nContent-Type: application/octet-stream\nContent-Transfer-Encoding: base64\n\n"
        b"AAECAwQFBgcICQoLDA0ODw==\n--=_b1--\nepilogue\n",
    "nested": b"MIME-Version: 1.0\nSubject: nested\nContent-Type: multipart/mixed; boundary=outer\n\n"
        b"--outer\nContent-Type: multipart/alternative; boundary=inner\n\n--inner\n"
        b"Content-Type: text/plain; charset=utf-8\n\n" + text(20) +
        b"--inner\nContent-Type: text/html; charset=utf-8\nContent-Transfer-Encoding: 8bit\n\n" +
        text(20) + b"--inner--\n--outer\nContent-Type: message/rfc822\n"
        b"Content-Transfer-Encoding: 8bit\n\nSubject: inner\nFrom: b@example.org\n\n" +
        text(20) + b"--outer--\n",
}
for name, m in msgs.items():
    open("%s/%s.eml" % (w, name), "wb").write(m)
open("%s/badhdr.eml" % w, "wb").write(b"Subject: caf\xc3\xa9\n\nbody\n")
EOP

# compare.py MODE ORIGINAL WIRE: the checks described above
cat > "$W/compare.py" <<'EOP'
import email, email.policy, sys
mode, orig_path, wire_path = sys.argv[1:]
orig = open(orig_path, "rb").read()
wire = open(wire_path, "rb").read()
if not wire.endswith(b"\r\n"):
    sys.exit("no final CR LF")
lines = wire[:-2].split(b"\r\n")
for i, l in enumerate(lines):
    if b"\r" in l or b"\n" in l:
        sys.exit("bare CR or LF in line %d" % i)
    if len(l) + 2 > 1000:
        sys.exit("line %d is %d bytes" % (i, len(l) + 2))
    if l == b".":
        sys.exit("unstuffed dot in line %d" % i)
    if mode == "7" and any(c > 127 for c in l):
        sys.exit("8-bit byte in line %d" % i)
data = b"\n".join(l[1:] if l.startswith(b".") else l for l in lines) + b"\n"
if mode == "8":
    # the wire form worked out here: stuffed dots, CR LF, and CR LF SP
    # after every 998 bytes of a line
    want = []
    for l in orig[:-1].split(b"\n"):
        if l.startswith(b"."):
            l = b"." + l
        want.append(l[:998])
        for k in range(998, len(l), 997):
            want.append(b" " + l[k:k + 997])
    if wire != b"\r\n".join(want) + b"\r\n":
        sys.exit("8-bit mode: not the expected wire form")
    sys.exit(0)
a = email.message_from_bytes(orig, policy=email.policy.compat32)
b = email.message_from_bytes(data, policy=email.policy.compat32)
pa, pb = list(a.walk()), list(b.walk())
if [p.get_content_type() for p in pa] != [p.get_content_type() for p in pb]:
    sys.exit("structure differs: %s / %s" % ([p.get_content_type() for p in pa],
             [p.get_content_type() for p in pb]))
leaves = 0
for x, y in zip(pa, pb):
    if x.get("Subject") != y.get("Subject"):
        sys.exit("Subject differs")
    if x.is_multipart():
        continue
    if y.defects:
        sys.exit("defects in the converted part: %s" % y.defects)
    dx, dy = x.get_payload(decode=True), y.get_payload(decode=True)
    if dx != dy:
        for k in range(min(len(dx), len(dy))):
            if dx[k] != dy[k]:
                break
        sys.exit("leaf %s differs at byte %d: %r / %r" % (x.get_content_type(), k,
                 dx[k:k + 40], dy[k:k + 40]))
    leaves += 1
if leaves == 0:
    sys.exit("no leaf compared")
EOP

for m in plain single multi nested; do
	for c in 1 7 4096; do
		if ! "$F" -7 -c $c < "$W/$m.eml" > "$W/$m.7.$c" 2> "$W/err"; then
			fail "$m, 7 bit, pushes of $c: bodyencf failed: $(cat "$W/err")"
			continue
		fi
		if out=$($PY "$W/compare.py" 7 "$W/$m.eml" "$W/$m.7.$c" 2>&1); then
			pass "$m, 7 bit, pushes of $c: wire form valid, decodes to the original"
		else
			fail "$m, 7 bit, pushes of $c: $out"
		fi
	done
	if "$F" -c 5 < "$W/$m.eml" > "$W/$m.8" && out=$($PY "$W/compare.py" 8 "$W/$m.eml" "$W/$m.8" 2>&1); then
		pass "$m, 8 bit: wire form valid, content unchanged"
	else
		fail "$m, 8 bit: ${out:-bodyencf failed}"
	fi
done
"$F" -7 < "$W/badhdr.eml" > /dev/null 2> "$W/err"
rc=$?
if [ $rc = 1 ] && grep -q header "$W/err"; then
	pass "8-bit header: 7-bit conversion fails ($(cat "$W/err"))"
else
	fail "8-bit header: exit $rc, $(cat "$W/err")"
fi
finish
