#!/usr/bin/python3
"""big.py - large messages: throughput and peak RSS (make bench only).

  1 GB:   sendmail -odq < 1 GB, then runq -q (pickup and mbox delivery);
          wall time and peak RSS of each, beside `cat file > spool; sync`
          on the same disk as the baseline for the copy.
  > 2 GiB: with message_size_limit = 0 a message of BENCH_HUGE bytes
          (default 2.1 GiB) is accepted by sendmail (exit 0) and picked
          up into the queue, not moved to corrupt/: the 64-bit size
          record end to end. Too slow and too large for the test suite.

Prints figures; fails (exit 1) only when a program fails or the >2 GiB
message is not queued. Never a timed test.
"""
import os, shutil, subprocess, sys, tempfile, time

BUILD = os.environ["BUILD"]
SRC = os.path.dirname(os.path.abspath(__file__))
BIG = int(os.environ.get("BENCH_BIG", str(1024 ** 3)))
HUGE = int(os.environ.get("BENCH_HUGE", str(int(2.1 * 1024 ** 3))))
ME = subprocess.run(["id", "-un"], capture_output=True, text=True).stdout.strip()


def instance():
    d = tempfile.mkdtemp(prefix="posthorn-big.", dir=os.environ.get("BENCH_DIR", "/var/tmp"))
    os.chmod(d, 0o755)
    os.makedirs(d + "/mail", mode=0o755)   # delivery runs as the caller
    conf = d + "/posthorn.conf"
    with open(conf, "w") as f:
        f.write(f"spool_directory = {d}/spool\nmail_spool_directory = {d}/mail\n"
                f"maillog_file = {d}/log\ncommand_directory = {BUILD}\n"
                f"alias_maps =\nmyhostname = bench.example.org\n"
                f"message_size_limit = 0\n")
    return d, conf


def gen(path, size):
    line = b"0123456789abcdef" * 4 + b"\n"
    block = line * (1 << 14)
    with open(path, "wb") as f:
        f.write(b"Subject: big\n\n")
        n = 0
        while n < size:
            f.write(block)
            n += len(block)


PEAK = None


def peak_tool():
    global PEAK
    if PEAK is None:
        PEAK = tempfile.mkdtemp(prefix="posthorn-peak.") + "/peakrss"
        subprocess.run(["cc", "-O2", "-o", PEAK, SRC + "/../integ/peakrss.c"], check=True)
    return PEAK


def run(argv, stdin=None):
    """wall seconds and peak RSS (KiB) of argv"""
    out = tempfile.mktemp()
    t0 = time.perf_counter()
    with open(stdin or os.devnull, "rb") as f:
        r = subprocess.run([peak_tool(), out] + argv, stdin=f)
    t = time.perf_counter() - t0
    with open(out) as f:
        rss = int(f.read())
    os.unlink(out)
    if r.returncode != 0:
        raise SystemExit(f"{argv[0]} failed: exit {r.returncode}")
    return t, rss


def main():
    d, conf = instance()
    src = d + "/in"
    gen(src, BIG)
    size = os.path.getsize(src)
    t0 = time.perf_counter()
    subprocess.run(f"cat {src} > {d}/copy; sync", shell=True, check=True)
    tc = time.perf_counter() - t0
    os.unlink(d + "/copy")
    ts, rs = run([BUILD + "/sendmail", "-C", conf, "-odq", "-i", ME], src)
    tr, rr = run([BUILD + "/runq", "-C", conf, "-q"])
    mb = size / 1024 ** 2
    print(f"{mb:.0f} MB message:")
    print(f"  cat > file; sync   {tc:7.2f} s  {mb / tc:7.1f} MB/s")
    print(f"  sendmail -odq      {ts:7.2f} s  {mb / ts:7.1f} MB/s  peak RSS {rs / 1024:6.2f} MB")
    print(f"  runq (pickup+mbox) {tr:7.2f} s  {mb / tr:7.1f} MB/s  peak RSS {rr / 1024:6.2f} MB")
    shutil.rmtree(d)

    d, conf = instance()
    src = d + "/in"
    gen(src, HUGE)
    ts, rs = run([BUILD + "/sendmail", "-C", conf, "-odq", "-i", ME], src)
    os.unlink(src)
    tr, rr = run([BUILD + "/runq", "-C", conf, "-q"])
    corrupt = os.listdir(d + "/spool/corrupt")
    mbox = d + "/mail/" + ME
    got = os.path.getsize(mbox) if os.path.exists(mbox) else 0
    print(f"{HUGE / 1024 ** 3:.2f} GiB message, message_size_limit = 0:")
    print(f"  sendmail exit 0, {ts:.1f} s, peak RSS {rs / 1024:.2f} MB")
    print(f"  runq {tr:.1f} s, peak RSS {rr / 1024:.2f} MB; corrupt/: {len(corrupt)}, "
          f"mailbox {got} bytes")
    ok = not corrupt and got > HUGE
    shutil.rmtree(d)
    if not ok:
        print("FAIL: the >2 GiB message was not delivered")
        sys.exit(1)


if __name__ == "__main__":
    main()
