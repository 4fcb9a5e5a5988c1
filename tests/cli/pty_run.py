#!/usr/bin/env python3
"""pty_run.py DELAY OUT CMD...: run CMD on a new pseudo-terminal, save all it
writes there to OUT and exit with its status. DELAY > 0: after that many
seconds type Ctrl-C, as a person would (the terminal sends SIGINT to the
whole foreground process group). Gives up after 60 s (status 124)."""
import os
import pty
import select
import signal
import sys
import time


def main():
    delay, out_path, cmd = float(sys.argv[1]), sys.argv[2], sys.argv[3:]
    pid, fd = pty.fork()
    if pid == 0:
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        os.execvp(cmd[0], cmd)
    out, start, typed = b"", time.monotonic(), False
    while True:
        now = time.monotonic() - start
        if delay > 0 and not typed and now >= delay:
            os.write(fd, b"\x03")
            typed = True
        if now > 60:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            sys.exit(124)
        ready, _, _ = select.select([fd], [], [], 0.05)
        if ready:
            try:
                data = os.read(fd, 65536)
            except OSError:   # EIO: the other side closed
                break
            if not data:
                break
            out += data
    _, status = os.waitpid(pid, 0)
    with open(out_path, "wb") as f:
        f.write(out.replace(b"\r\n", b"\n"))
    sys.exit(os.waitstatus_to_exitcode(status))


main()
