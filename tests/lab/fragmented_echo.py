"""One UDP datagram of SIZE bytes to the echo service at TARGET:PORT from
SOURCE, sent as IP fragments in reverse order (the last one first, the one
with the UDP header last); prints "whole" when the echo comes back (the
client's kernel reassembles it) byte for byte, else what came.

Usage: /usr/bin/python3 fragmented_echo.py SOURCE TARGET PORT SIZE
Runs inside a lab namespace; sends only to TARGET; at most 3 tries of 1 s.
"""
import socket
import sys

from scapy.all import IP, UDP, IPv6, IPv6ExtHdrFragment, L3RawSocket, L3RawSocket6, Raw, conf, fragment, fragment6


def main():
    source, target, port, size = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    v6 = ":" in target
    payload = bytes((i * 7 + 3) % 256 for i in range(size))
    rx = socket.socket(socket.AF_INET6 if v6 else socket.AF_INET, socket.SOCK_DGRAM)
    rx.bind((source, 0))
    rx.settimeout(1)
    sport = rx.getsockname()[1]
    if v6:
        frags = fragment6(IPv6(src=source, dst=target)/IPv6ExtHdrFragment(id=sport) /
                          UDP(sport=sport, dport=port)/Raw(payload), 1280)
        out = L3RawSocket6()
    else:
        frags = fragment(IP(src=source, dst=target, id=sport)/UDP(sport=sport, dport=port)/Raw(payload),
                         fragsize=1480)
        out = L3RawSocket()
    conf.verb = 0
    got = b""
    for _ in range(3):
        for f in reversed(frags):
            out.send(f)
        try:
            got, peer = rx.recvfrom(65535)
            if peer[0] == target:
                break
        except socket.timeout:
            pass
    print("whole" if got == payload else "got %d bytes" % len(got))


if __name__ == "__main__":
    main()
