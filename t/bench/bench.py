#!/usr/bin/python3
"""bench.py - posthorn's benchmarks, beside Postfix's when it is installed.

  submission: median wall time and peak RSS of `sendmail -i rcpt < 4 KB`
              (queue only), over many runs, for posthorn and Postfix.
  delivery:   time for `runq -q` to deliver N queued messages into one
              mbox and into a Maildir; Postfix's local(8) on the same N.

Run by hand (make bench); never a timed test. Prints medians of repeated
runs and the ratios posthorn/Postfix. Everything stays on this machine:
no DNS, no network.
"""
import os, pwd, resource, shutil, statistics, subprocess, sys, tempfile, time

BUILD = os.environ["BUILD"]
RUNS = int(os.environ.get("BENCH_RUNS", "300"))
NMSG = int(os.environ.get("BENCH_MESSAGES", "10000"))
REPEAT = int(os.environ.get("BENCH_REPEAT", "3"))
ME = pwd.getpwuid(os.getuid()).pw_name
BENCH_USER = "phbench"


def recipient():
    """As root, deliver to a throwaway user whose home is a scratch
    directory (Maildir lands there, not in /root); else to ourselves."""
    if os.getuid() != 0:
        return ME, pwd.getpwuid(os.getuid()).pw_dir
    home = "/tmp/posthorn-bench-home"
    try:
        pwd.getpwnam(BENCH_USER)
    except KeyError:
        subprocess.run(["useradd", "-M", "-d", home, "-s", "/bin/sh", BENCH_USER],
                       check=True)
    os.makedirs(home, exist_ok=True)
    shutil.chown(home, BENCH_USER, BENCH_USER)
    return BENCH_USER, home


RCPT, RCPT_HOME = recipient()
MSG = (b"From: bench@example.org\nTo: %s\nSubject: benchmark\n\n" % RCPT.encode()
       + (b"x" * 71 + b"\n") * 56)          # about 4 KB


def instance(home_mailbox=""):
    d = tempfile.mkdtemp(prefix="posthorn-bench.")
    os.chmod(d, 0o755)
    os.makedirs(d + "/mail", mode=0o755)
    if os.geteuid() == 0:
        # as Debian's /var/mail: users dot-lock through the setgid helper
        shutil.chown(d + "/mail", "root", "mail")
        os.chmod(d + "/mail", 0o2775)
    conf = d + "/posthorn.conf"
    with open(conf, "w") as f:
        f.write(f"spool_directory = {d}/spool\nmail_spool_directory = {d}/mail\n"
                f"maillog_file = {d}/log\ncommand_directory = {BUILD}\n"
                f"alias_maps =\nmyhostname = bench.example.org\n"
                f"home_mailbox = {home_mailbox}\n")
    return d, conf


def timed(argv, data):
    """wall seconds and peak RSS (KiB) of one child"""
    r, w = os.pipe()
    t0 = time.perf_counter()
    pid = os.fork()
    if pid == 0:
        os.dup2(r, 0)
        os.close(w)
        null = os.open("/dev/null", os.O_WRONLY)
        os.dup2(null, 2)         # postdrop complains that pickup is not running
        os.execv(argv[0], argv)
    os.close(r)
    os.write(w, data)
    os.close(w)
    _, status, ru = os.wait4(pid, 0)
    t1 = time.perf_counter()
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{argv} failed: {status}")
    return t1 - t0, ru.ru_maxrss


SPAWN = None


def spawn_tool():
    """build the small C launcher (t/bench/spawn.c) once"""
    global SPAWN
    if SPAWN is None:
        SPAWN = tempfile.mkdtemp(prefix="posthorn-spawn.") + "/spawn"
        subprocess.run(["cc", "-O2", "-static", "-o", SPAWN,
                        os.path.dirname(os.path.abspath(__file__)) + "/spawn.c"],
                       check=True)
    return SPAWN


def submission(argv):
    """median seconds and peak RSS (KiB) over RUNS runs of argv < MSG"""
    with tempfile.NamedTemporaryFile() as f:
        f.write(MSG)
        f.flush()
        subprocess.run([spawn_tool(), "20", f.name] + argv, check=True,
                       capture_output=True)          # warm the caches
        out = subprocess.run([spawn_tool(), str(RUNS), f.name] + argv,
                             check=True, stdout=subprocess.PIPE,
                             stderr=subprocess.DEVNULL, text=True).stdout
    t, rss = out.split()
    return float(t), int(rss)


def postfix_sendmail():
    for p in ("/usr/sbin/sendmail.postfix", "/usr/sbin/sendmail"):
        if os.path.exists(p) and shutil.which("postconf"):
            try:
                subprocess.run(["postconf", "-h", "mail_version"], check=True,
                               capture_output=True)
                return p
            except (OSError, subprocess.CalledProcessError):
                pass
    return None


def count_mbox(path):
    n = 0
    try:
        with open(path, "rb") as f:
            for line in f:
                if line.startswith(b"From "):
                    n += 1
    except FileNotFoundError:
        pass
    return n


def delivery(kind):
    """seconds for runq -q to deliver NMSG queued messages"""
    d, conf = instance("Maildir/" if kind == "maildir" else "")
    home = RCPT_HOME
    sm = [BUILD + "/sendmail", "-C", conf, "-odq", "-i", RCPT]
    for _ in range(NMSG):
        timed(sm, MSG)
    t0 = time.perf_counter()
    subprocess.run([BUILD + "/runq", "-C", conf, "-q"], check=True)
    t = time.perf_counter() - t0
    got = count_mbox(f"{d}/mail/{RCPT}") if kind == "mbox" else \
        len(os.listdir(home + "/Maildir/new"))
    if got < NMSG:
        raise SystemExit(f"{kind}: only {got} of {NMSG} delivered")
    if kind == "maildir":
        shutil.rmtree(home + "/Maildir")
    shutil.rmtree(d)
    return t


def postfix_delivery(kind):
    """Postfix: NMSG messages dropped with postfix's sendmail while stopped,
    then timed from `postfix start` until the mbox (or Maildir) holds them
    all."""
    if os.getuid() != 0 or postfix_sendmail() is None:
        return None
    mbox = f"/var/mail/{RCPT}"
    maildir = RCPT_HOME + "/Maildir/new"
    done = (lambda: count_mbox(mbox)) if kind == "mbox" else \
        (lambda: len(os.listdir(maildir)) if os.path.isdir(maildir) else 0)
    subprocess.run(["postfix", "stop"], capture_output=True)
    subprocess.run(["postsuper", "-d", "ALL"], capture_output=True)
    subprocess.run(["postconf", "-e", "myorigin=localhost",
                    "mydestination=localhost, $myhostname",
                    "maillog_file=/var/log/postfix-bench.log",
                    "alias_maps=", "alias_database=", "inet_interfaces=loopback-only",
                    "home_mailbox=" + ("Maildir/" if kind == "maildir" else ""),
                    "mailbox_command=", "relayhost="], check=True)
    if os.path.exists(mbox):
        os.unlink(mbox)
    shutil.rmtree(RCPT_HOME + "/Maildir", ignore_errors=True)
    for _ in range(NMSG):
        timed([postfix_sendmail(), "-i", RCPT], MSG)
    t0 = time.perf_counter()
    subprocess.run(["postfix", "start"], check=True, capture_output=True)
    while done() < NMSG:
        time.sleep(0.05)
        if time.perf_counter() - t0 > 600:
            raise SystemExit("postfix: delivery took over 10 minutes")
    t = time.perf_counter() - t0
    subprocess.run(["postfix", "stop"], capture_output=True)
    if os.path.exists(mbox):
        os.unlink(mbox)
    shutil.rmtree(RCPT_HOME + "/Maildir", ignore_errors=True)
    return t


def main():
    d, conf = instance()
    ours = [BUILD + "/sendmail", "-C", conf, "-odq", "-i", RCPT]
    pf = postfix_sendmail()
    res = {"posthorn": [], "postfix": []}
    for _ in range(REPEAT):                  # interleave to share the noise
        res["posthorn"].append(submission(ours))
        if pf:
            res["postfix"].append(submission([pf, "-i", RCPT]))
            subprocess.run(["postsuper", "-d", "ALL"], capture_output=True)
    shutil.rmtree(d)
    print(f"submission of a 4 KB message, median of {RUNS} runs, {REPEAT} rounds:")
    for name, rows in res.items():
        for t, rss in rows:
            print(f"  {name:9s} {t * 1000:7.2f} ms   peak RSS {rss / 1024:5.2f} MB")
    if res["postfix"]:
        a = statistics.median(t for t, _ in res["posthorn"])
        b = statistics.median(t for t, _ in res["postfix"])
        print(f"  ratio posthorn/postfix: {a / b:.2f}")
    print(f"local delivery of {NMSG} queued messages:")
    for kind in ("mbox", "maildir"):
        ours, theirs = [], []
        for _ in range(REPEAT):              # interleaved, as above
            ours.append(delivery(kind))
            p = postfix_delivery(kind)
            if p is not None:
                theirs.append(p)
        m = statistics.median(ours)
        print(f"  posthorn {kind:8s} {m:7.2f} s  ({NMSG / m:7.0f} msg/s)  runs: "
              + ", ".join(f"{t:.2f}" for t in ours))
        if theirs:
            pm = statistics.median(theirs)
            print(f"  postfix  {kind:8s} {pm:7.2f} s  ({NMSG / pm:7.0f} msg/s)  runs: "
                  + ", ".join(f"{t:.2f}" for t in theirs))
            print(f"  ratio posthorn/postfix time: {m / pm:.2f}")
        else:
            print("  postfix: not installed (apt-get install postfix) or not root: no comparison")


if __name__ == "__main__":
    main()
