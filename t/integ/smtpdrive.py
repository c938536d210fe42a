#!/usr/bin/python3
"""smtpdrive - drive a built smtpd for t/integ/smtpd.sh

  smtpdrive.py raw [opts] FILE       send FILE's bytes once the greeting is
                                     in (at once with --early), print every
                                     reply until the server closes
  smtpdrive.py send [opts] FROM TO.. send the message on stdin with smtplib;
                                     print "OK" or "ERR <code> <text>"
  smtpdrive.py inject [opts] CAFILE  STARTTLS with a command pipelined after
                                     it, then TLS: print the replies

The server is SMTPD (-s) with -C CONF (-c), spawned on one end of a
socketpair, or with --port P an smtpd on 127.0.0.1:P (tcpserver, inetd),
reached from --source ADDR. --env K=V sets the server's environment.
"""
import argparse
import os
import smtplib
import socket
import ssl
import subprocess
import sys
import time


def spawn(args):
    """a socket connected to a new smtpd (or to --port)"""
    if args.port:
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        if args.source:
            s.bind((args.source, 0))
        s.connect(("127.0.0.1", args.port))
        return s, None
    a, b = socket.socketpair()
    env = dict(os.environ)
    for kv in args.env:
        k, v = kv.split("=", 1)
        env[k] = v
    cmd = [args.smtpd, "-C", args.conf] + (["-S"] if args.local else [])
    p = subprocess.Popen(cmd, stdin=b, stdout=b, env=env)
    b.close()
    return a, p


def read_all(s, timeout):
    """everything the server sends until it closes (or timeout)"""
    out = b""
    end = time.time() + timeout
    s.settimeout(0.5)
    while time.time() < end:
        try:
            d = s.recv(65536)
        except socket.timeout:
            continue
        except ConnectionResetError:
            break
        if not d:
            break
        out += d
    return out


def read_reply(f):
    """one whole reply from a file object: its lines"""
    lines = []
    while True:
        line = f.readline()
        if not line:
            break
        lines.append(line.decode("utf-8", "replace").rstrip("\r\n"))
        if len(line) < 4 or line[3:4] != b"-":
            break
    return lines


def raw(args):
    s, p = spawn(args)
    data = open(args.file, "rb").read()
    start = time.time()
    if not args.early:
        greeting = b""
        s.settimeout(args.timeout)
        while b"\r\n" not in greeting:
            d = s.recv(4096)
            if not d:
                break
            greeting += d
        sys.stdout.write(greeting.decode("utf-8", "replace"))
    try:
        s.sendall(data)
    except (BrokenPipeError, ConnectionResetError):
        pass
    out = read_all(s, args.timeout)
    sys.stdout.write(out.decode("utf-8", "replace"))
    sys.stdout.write("ELAPSED %.1f\n" % (time.time() - start))
    s.close()
    if p:
        p.wait(timeout=args.timeout)


class SockSMTP(smtplib.SMTP):
    """smtplib over a socket we made"""

    def __init__(self, sock, **kw):
        self._given = sock
        super().__init__(**kw)
        self._host = "localhost"	# the name starttls sends

    def _get_socket(self, host, port, timeout):
        return self._given


def send(args):
    s, p = spawn(args)
    # a message on the wire has CR LF line ends (smtplib adds none to bytes)
    msg = sys.stdin.buffer.read().replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
    c = SockSMTP(s, local_hostname="client.example")
    rc = 0
    try:
        c.connect("localhost", 25)
        c.ehlo()
        if args.tls:
            ctx = ssl.create_default_context(cafile=args.tls)
            ctx.check_hostname = False
            c.starttls(context=ctx)
            c.ehlo()
        if args.auth:
            user, pw = args.auth.split(":", 1)
            c.login(user, pw)
        refused = c.sendmail(args.sender, args.rcpt, msg,
                             mail_options=args.mail_opt, rcpt_options=args.rcpt_opt)
        if refused:
            print("REFUSED %s" % refused)
        else:
            print("OK")
        c.quit()
    except smtplib.SMTPResponseException as e:
        print("ERR %d %s" % (e.smtp_code, e.smtp_error.decode("utf-8", "replace")))
        rc = 1
    except smtplib.SMTPRecipientsRefused as e:
        print("ERR %s" % e.recipients)
        rc = 1
    except (smtplib.SMTPException, OSError) as e:
        print("ERR %s" % e)
        rc = 1
    c.close()
    s.close()
    if p:
        p.wait(timeout=args.timeout)
    return rc


def inject(args):
    s, p = spawn(args)
    f = s.makefile("rb")
    print("\n".join(read_reply(f)))
    s.sendall(b"EHLO client.example\r\n")
    print("\n".join(read_reply(f)))
    # the injected command rides in the same packet as STARTTLS
    s.sendall(b"STARTTLS\r\nMAIL FROM:<injected@evil.example>\r\n")
    print("\n".join(read_reply(f)))
    ctx = ssl.create_default_context(cafile=args.cafile)
    ctx.check_hostname = False
    t = ctx.wrap_socket(s, server_hostname="localhost")
    tf = t.makefile("rb")
    t.sendall(b"EHLO client.example\r\n")
    print("\n".join(read_reply(tf)))
    t.sendall(b"RCPT TO:<postmaster>\r\n")
    print("\n".join(read_reply(tf)))
    t.sendall(b"QUIT\r\n")
    print("\n".join(read_reply(tf)))
    t.close()
    if p:
        p.wait(timeout=args.timeout)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("-s", dest="smtpd")
    ap.add_argument("-c", dest="conf")
    ap.add_argument("--port", type=int)
    ap.add_argument("--source")
    ap.add_argument("--env", action="append", default=[])
    ap.add_argument("--local", action="store_true")
    ap.add_argument("--timeout", type=float, default=20)
    ap.add_argument("--early", action="store_true")
    sub = ap.add_subparsers(dest="mode", required=True)
    r = sub.add_parser("raw")
    r.add_argument("file")
    sd = sub.add_parser("send")
    sd.add_argument("--tls")
    sd.add_argument("--auth")
    sd.add_argument("--mail-opt", action="append", default=[])
    sd.add_argument("--rcpt-opt", action="append", default=[])
    sd.add_argument("sender")
    sd.add_argument("rcpt", nargs="+")
    i = sub.add_parser("inject")
    i.add_argument("cafile")
    args = ap.parse_args()
    if args.mode == "raw":
        raw(args)
    elif args.mode == "send":
        sys.exit(send(args))
    else:
        inject(args)


main()
