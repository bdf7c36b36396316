"""A syslog socket for the lab: binds a Unix datagram socket at PATH (the
test's /dev/log) and appends every datagram it receives to FILE, one line
each (a newline inside a datagram is written as \\n). Exits after SECONDS
(the test also stops it).

Usage: syslog_sink.py PATH FILE SECONDS
"""
import os
import socket
import sys
import time


def main():
    path, out_path, seconds = sys.argv[1], sys.argv[2], float(sys.argv[3])
    deadline = time.monotonic() + seconds
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    if os.path.exists(path):
        os.unlink(path)
    sock.bind(path)
    os.chmod(path, 0o666)  # as journald's: any process may log
    with open(out_path, "a", buffering=1) as out:
        while (left := deadline - time.monotonic()) > 0:
            sock.settimeout(min(left, 1.0))
            try:
                data = sock.recv(65536)
            except socket.timeout:
                continue
            out.write(data.decode(errors="replace").replace("\n", "\\n") + "\n")


if __name__ == "__main__":
    main()
