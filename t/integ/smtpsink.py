#!/usr/bin/python3
"""smtpsink.py: a receiving SMTP server (aiosmtpd) for the SMTP client tests.

  smtpsink.py --out DIR --listen 127.0.0.11:PORT [--listen ...]
              [--cert CERT --key KEY [--auth]] [--drop KEYWORD ...]
              [--pipelining] [--size N] [--pidfile FILE]

Every accepted message is appended to DIR/envelopes.jsonl (one JSON object
per line: listen address, helo, mail_from, mail_options, rcpt_tos,
rcpt_options, tls, auth, size, file) and its data stored raw (bytes as
received, before any decoding) in DIR/msg-N.eml.
Scripted replies: RCPT to reject@... -> 550 5.1.1, tempfail@... -> 451 4.3.0;
MAIL FROM from tempfail@... -> 421 (closes), from reject@... -> 553.
--drop removes an EHLO keyword (8BITMIME, SMTPUTF8, SIZE, STARTTLS...),
--auth-mechs "LOGIN" advertises only those AUTH mechanisms,
--pipelining adds PIPELINING. With --cert/--key STARTTLS is offered;
--auth accepts AUTH PLAIN/LOGIN for alice/secret, only after STARTTLS.
--implicit: TLS from the first byte (port 465 style) instead of STARTTLS.
Stop with SIGTERM.
"""
import argparse
import json
import logging
import os
import signal
import ssl
import sys
import threading

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

logging.getLogger("mail.log").setLevel(logging.CRITICAL)

ap = argparse.ArgumentParser()
ap.add_argument("--out", required=True)
ap.add_argument("--listen", action="append", required=True)
ap.add_argument("--cert")
ap.add_argument("--key")
ap.add_argument("--auth", action="store_true")
ap.add_argument("--implicit", action="store_true", help="TLS from the first byte")
ap.add_argument("--drop", action="append", default=[])
ap.add_argument("--auth-mechs", help="advertise only these AUTH mechanisms")
ap.add_argument("--pipelining", action="store_true")
ap.add_argument("--size", type=int, default=33554432)
ap.add_argument("--pidfile")
args = ap.parse_args()
os.makedirs(args.out, exist_ok=True)
lock = threading.Lock()
count = [len([f for f in os.listdir(args.out) if f.startswith("msg-")])]


class Sink:
    def __init__(self, listen):
        self.listen = listen

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        session.host_name = hostname
        out = []
        for r in responses:
            kw = r[4:].split(" ")[0].upper()
            if kw in [d.upper() for d in args.drop]:
                continue
            if kw == "AUTH" and args.auth_mechs:
                r = r[:4] + "AUTH " + args.auth_mechs
            out.append(r)
        if args.pipelining and "PIPELINING" not in args.drop:
            out.insert(len(out) - 1, "250-PIPELINING")
        # the last line must be "250 ", the others "250-"
        out = [("250-" + r[4:]) for r in out]
        out[-1] = "250 " + out[-1][4:]
        return out

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        local = address.split("@")[0].lower()
        if local == "tempfail":
            return "421 4.3.0 try again later (scripted)"
        if local == "reject":
            return "553 5.7.1 sender rejected (scripted)"
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 2.1.0 OK"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        local = address.split("@")[0].lower()
        if local == "reject":
            return "550 5.1.1 <%s>: recipient rejected (scripted)" % address
        if local == "tempfail":
            return "451 4.3.0 <%s>: try again later (scripted)" % address
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.append(rcpt_options)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server, session, envelope):
        with lock:
            count[0] += 1
            path = os.path.join(args.out, "msg-%d.eml" % count[0])
            with open(path, "wb") as f:
                f.write(envelope.original_content)
            rec = {"listen": self.listen, "helo": session.host_name,
                   "mail_from": envelope.mail_from,
                   "mail_options": envelope.mail_options,
                   "rcpt_tos": envelope.rcpt_tos,
                   "rcpt_options": envelope.rcpt_options,
                   "auth": session.auth_data.login.decode()
                   if isinstance(session.auth_data, LoginPassword) else None,
                   "tls": session.ssl is not None,
                   "size": len(envelope.original_content), "file": path}
            with open(os.path.join(args.out, "envelopes.jsonl"), "a") as f:
                f.write(json.dumps(rec) + "\n")
        return "250 2.0.0 Ok: queued as %d" % count[0]


def authenticator(server, session, envelope, mechanism, auth_data):
    ok = (isinstance(auth_data, LoginPassword)
          and auth_data.login == b"alice" and auth_data.password == b"secret")
    return AuthResult(success=ok, handled=False, auth_data=auth_data)


kw = {"data_size_limit": args.size, "enable_SMTPUTF8": "SMTPUTF8" not in args.drop,
      "decode_data": False}
if args.cert and args.implicit:
    tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    tls.load_cert_chain(args.cert, args.key)
    kw["ssl_context"] = tls
elif args.cert:
    tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    tls.load_cert_chain(args.cert, args.key)
    kw["tls_context"] = tls
    if args.auth:
        kw["authenticator"] = authenticator
        kw["auth_require_tls"] = True
elif args.auth:
    kw["authenticator"] = authenticator
    kw["auth_require_tls"] = False
ctls = []
for l in args.listen:
    host, port = l.rsplit(":", 1)
    host = host.strip("[]")
    c = Controller(Sink(l), hostname=host, port=int(port), server_hostname="sink.test",
                   **kw)
    c.start()
    ctls.append(c)
if args.pidfile:
    with open(args.pidfile + ".tmp", "w") as f:
        f.write("%d\n" % os.getpid())
    os.rename(args.pidfile + ".tmp", args.pidfile)
signal.signal(signal.SIGTERM, lambda *a: sys.exit(0))
try:
    signal.pause()
except (KeyboardInterrupt, SystemExit):
    pass
finally:
    for c in ctls:
        c.stop()
