#!/usr/bin/python3
"""popfetch.py - popfetch beside fetchmail (make bench only).

Dovecot's POP3 server on loopback (BENCH_POP_PORT, default 43100: plain
POP3, USER/PASS) holds BENCH_POP_MESSAGES (default 2000) messages of
4 KB. Each round refills the mailbox and empties the spool, then one
client downloads everything into a private posthorn instance and
deletes it on the server:

  popfetch   popfetch -q (queue only: runq is not started)
  fetchmail  fetchmail with posthorn's sendmail as its MDA
             (sendmail -oi -odq -f %F -- rcpt, one per message),
             TLS off (sslproto ''), no keep

Measured per run: wall seconds, CPU seconds (user + system of the client
and every process it waited for: the MDA's sendmails included) and peak
RSS (the largest of those processes: t/integ/peakrss, the C launcher,
so that the figure is not the Python parent's). Dovecot's
own CPU is not counted for either. Each run is checked: the spool holds
exactly the messages, the mailbox is empty. Rounds are interleaved
(BENCH_REPEAT, default 3); medians and ratios are reported. Needs
dovecot-core, dovecot-pop3d and fetchmail; run as root or a user.
"""
import glob, os, pwd, shutil, statistics, subprocess, sys, tempfile, time

BUILD = os.environ["BUILD"]
SRCDIR = os.environ["SRCDIR"]
N = int(os.environ.get("BENCH_POP_MESSAGES", "2000"))
REPEAT = int(os.environ.get("BENCH_REPEAT", "3"))
PORT = int(os.environ.get("BENCH_POP_PORT", "43100"))
FETCHMAIL = shutil.which("fetchmail")


def main():
    if not shutil.which("dovecot") or not os.path.exists("/usr/lib/dovecot/pop3"):
        print("popfetch bench: SKIP (dovecot-core and dovecot-pop3d are not installed)")
        return 0
    d = tempfile.mkdtemp(prefix="posthorn-bench-pop.")
    os.chmod(d, 0o755)
    try:
        return run(d)
    finally:
        pid = os.path.join(d, "dovecot/run/master.pid")
        if os.path.exists(pid):
            p = int(open(pid).read())
            try:
                os.kill(p, 15)
                for _ in range(100):
                    os.kill(p, 0)
                    time.sleep(0.1)
            except ProcessLookupError:
                pass
        if not os.environ.get("BENCH_KEEP"): shutil.rmtree(d, ignore_errors=True)


def dovecot(d):
    pd = os.path.join(d, "dovecot")
    os.makedirs(os.path.join(pd, "run"))
    root = os.getuid() == 0
    me = pwd.getpwuid(os.getuid()).pw_name
    mail = "nobody" if root else me
    uid = pwd.getpwnam(mail).pw_uid
    gid = pwd.getpwnam(mail).pw_gid
    home = os.path.join(pd, "home/alice")
    for sub in ("new", "cur", "tmp"):
        os.makedirs(os.path.join(home, "Maildir", sub))
    os.chmod(pd, 0o755)
    for root_, dirs, _ in os.walk(os.path.join(pd, "home")):
        os.chown(root_, uid, gid)
    with open(os.path.join(pd, "users"), "w") as f:
        f.write(f"alice:{{PLAIN}}secret:{uid}:{gid}::{home}::\n")
    with open(os.path.join(pd, "dovecot.conf"), "w") as f:
        f.write(f"""protocols = pop3
listen = 127.0.0.1
base_dir = {pd}/run
state_dir = {pd}/run
log_path = {pd}/dovecot.log
instance_name = posthorn-bench-pop3
default_login_user = {"dovenull" if root else me}
default_internal_user = {"dovecot" if root else me}
ssl = no
disable_plaintext_auth = no
auth_failure_delay = 0
passdb {{
  driver = passwd-file
  args = scheme=PLAIN {pd}/users
}}
userdb {{
  driver = passwd-file
  args = {pd}/users
}}
mail_location = maildir:~/Maildir
first_valid_uid = 1
service pop3-login {{
  chroot =
  inet_listener pop3 {{
    port = {PORT}
  }}
  inet_listener pop3s {{
    port = 0
  }}
}}
service anvil {{
  chroot =
}}
service imap-login {{
  chroot =
}}
""")
    subprocess.run(["dovecot", "-c", os.path.join(pd, "dovecot.conf")], check=True)
    for _ in range(100):
        if os.path.exists(os.path.join(pd, "run/master.pid")):
            break
        time.sleep(0.1)
    return home, uid, gid


def fill(home, uid, gid):
    new = os.path.join(home, "Maildir/new")
    body = b"".join(b"%03d 0123456789 abcdefghijklmnopqrstuvwxyz ABCDEFGHIJKLMNOPQRSTU\r\n" % i
                    for i in range(56))
    for i in range(N):
        p = os.path.join(new, "%d.M%dP1.bench" % (1700000000 + i, i))
        with open(p, "wb") as f:
            f.write(b"Return-Path: <sender%d@example.test>\r\nFrom: sender%d@example.test\r\n"
                    b"To: alice@example.test\r\nSubject: bench %d\r\n"
                    b"Message-ID: <bench%d@example.test>\r\n\r\n" % (i, i, i, i) + body)
        os.chown(p, uid, gid)
    for f in glob.glob(os.path.join(home, "Maildir/dovecot*")):
        os.remove(f)


def left(home):
    return sum(len(os.listdir(os.path.join(home, "Maildir", s))) for s in ("new", "cur"))


def spool_clear(d):
    q = os.path.join(d, "spool/queue")
    for f in glob.glob(q + "/*/*") + glob.glob(os.path.join(d, "spool/maildrop/*")):
        os.remove(f)


def queued(d):
    return len(glob.glob(os.path.join(d, "spool/queue/*/*.env"))) + \
        len(os.listdir(os.path.join(d, "spool/maildrop")))


def timed(argv, env, d):
    out = os.path.join(d, "rss")
    t0 = time.monotonic()
    p = subprocess.Popen([os.path.join(BUILD, "t/integ/peakrss"), out] + argv, env=env, stdin=subprocess.DEVNULL,
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, ru = os.wait4(p.pid, 0)
    wall = time.monotonic() - t0
    err = p.stderr.read().decode(errors="replace")
    p.stderr.close()
    p.returncode = os.waitstatus_to_exitcode(status)
    with open(out) as f:
        rss = int(f.read().split()[0])
    return wall, ru.ru_utime + ru.ru_stime, rss, p.returncode, err


def run(d):
    me = pwd.getpwuid(os.getuid()).pw_name
    conf = os.path.join(d, "posthorn.conf")
    with open(conf, "w") as f:
        f.write(f"spool_directory = {d}/spool\nmaillog_file = {d}/log\n"
                f"command_directory = {BUILD}\nmyhostname = host.example.org\n"
                f"mydomain = example.org\nalias_maps = {d}/aliases\n"
                "relayhost = [127.0.0.1]:9\ndns_servers = 127.0.0.1:9\n")
    open(os.path.join(d, "aliases"), "w").close()
    subprocess.run([BUILD + "/newaliases", "-C", conf], check=True, stdout=subprocess.DEVNULL)
    home, uid, gid = dovecot(d)
    rc = os.path.join(d, "popfetchrc")
    with open(rc, "w") as f:
        f.write(f"account b\nhost 127.0.0.1\nport {PORT}\ntls none\nauth user\n"
                f"user alice\npassword secret\ndeliver_to {me}\n")
    os.chmod(rc, 0o600)
    fhome = os.path.join(d, "fmhome")
    os.makedirs(fhome)
    fmrc = os.path.join(fhome, ".fetchmailrc")
    with open(fmrc, "w") as f:
        f.write(f"set no syslog\npoll 127.0.0.1 protocol pop3 port {PORT} auth password\n"
                f"  user \"alice\" there with password \"secret\" is \"{me}\" here\n"
                f"  no keep sslproto '' mda \"{BUILD}/sendmail -C {conf} -oi -odq -f %F -- {me}\"\n")
    os.chmod(fmrc, 0o600)
    env = dict(os.environ, HOME=d)
    fenv = dict(os.environ, HOME=fhome)
    tools = {"popfetch": ([BUILD + "/popfetch", "-C", conf, "-f", rc, "-q"], env)}
    if FETCHMAIL:
        tools["fetchmail"] = ([FETCHMAIL, "-N", "-f", fmrc, "--idfile",
                               os.path.join(fhome, ".fetchids")], fenv)
    else:
        print("popfetch bench: fetchmail is not installed (apt-get install fetchmail): "
              "popfetch alone")
    res = {t: [] for t in tools}
    print(f"popfetch bench: {N} messages of 4 KB from Dovecot POP3 on 127.0.0.1:{PORT}, "
          f"{REPEAT} rounds")
    for r in range(REPEAT):
        for t, (argv, e) in tools.items():
            spool_clear(d)
            fill(home, uid, gid)
            wall, cpu, rss, code, err = timed(argv, e, d)
            got, rest = queued(d), left(home)
            ok = got == N and rest == 0 and code in (0, 1 if t == "fetchmail" else 0)
            print(f"  round {r + 1} {t:9s}: {wall:7.2f} s wall, {cpu:6.2f} s CPU, "
                  f"peak RSS {rss} KiB, exit {code}, queued {got}, left {rest}"
                  + ("" if ok else "  <-- WRONG"))
            if not ok:
                print(err[-2000:])
                return 1
            res[t].append((wall, cpu, rss))
    print("medians:")
    med = {}
    for t, v in res.items():
        med[t] = [statistics.median(x[i] for x in v) for i in range(3)]
        print(f"  {t:9s}: {med[t][0]:7.2f} s wall ({N / med[t][0]:7.0f} msg/s), "
              f"{med[t][1]:6.2f} s CPU, peak RSS {med[t][2]:.0f} KiB")
    if "fetchmail" in med:
        p, f = med["popfetch"], med["fetchmail"]
        print(f"  popfetch is {f[0] / p[0]:.1f}x faster (wall) and uses {f[1] / p[1]:.1f}x "
              f"less CPU than fetchmail")
    return 0


if __name__ == "__main__":
    sys.exit(main())
