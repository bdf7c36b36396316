#!/usr/bin/python3
"""The real-server program of the sluice lab (standard library only).

Serves, on IPv4 and IPv6 (every local address, the DR VIP on lo included):

  HTTP on --http-port (80), HTTP/1.1 with keep-alive:
    GET /             -> "<name>\\n"
    GET /slow?s=N     -> waits N seconds (at most 30), then "<name>\\n"
    GET /client       -> "<client address> <client port>\\n" as seen here
    GET /bytes?n=N    -> N bytes of "x" (at most 16 MiB), for multi-segment
                         transfers
    HEAD on any of these answers the headers only; other paths answer 404.
    Every answer carries Content-Length and "X-Server: <name>".
  TCP echo on --echo-port (7): echoes until the client closes.
  UDP echo on --echo-port (7): answers each datagram from the address it was
    sent to (so a DR real server answers from the VIP, not from eth0's
    address); the datagram "name?" is answered with the server's name
    instead, so that a client can tell which real server a flow reaches.

Each connection runs in its own thread. Nothing is written to stdout; errors
go to stderr, and --verbose logs requests there too. SIGTERM and SIGINT stop
the server and remove --pidfile.
"""

import argparse
import os
import signal
import socket
import socketserver
import struct
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, HTTPServer
from urllib.parse import parse_qs, urlsplit

# Linux values; Python's socket module lacks IP_PKTINFO on some builds.
IP_PKTINFO = getattr(socket, "IP_PKTINFO", 8)
IPV6_RECVPKTINFO = getattr(socket, "IPV6_RECVPKTINFO", 49)
IPV6_PKTINFO = getattr(socket, "IPV6_PKTINFO", 50)

SLOW_MAX_S = 30.0
BYTES_MAX = 16 << 20
IDLE_TIMEOUT_S = 120  # an idle client connection is closed after this

NAME = "server"
VERBOSE = False


def log(msg):
    if VERBOSE:
        print(f"{NAME}: {msg}", file=sys.stderr, flush=True)


def warn(msg):
    print(f"{NAME}: {msg}", file=sys.stderr, flush=True)


def query_number(query, key, default, lo, hi):
    """A number from the query string, clamped to [lo, hi]."""
    try:
        value = float(query.get(key, [default])[0])
    except ValueError:
        value = float(default)
    return min(max(value, lo), hi)


class HttpHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive unless the client says close
    server_version = "sluice-lab"
    timeout = IDLE_TIMEOUT_S

    def version_string(self):
        return self.server_version

    def do_GET(self):
        self._answer(send_body=True)

    def do_HEAD(self):
        self._answer(send_body=False)

    def _answer(self, send_body):
        url = urlsplit(self.path)
        query = parse_qs(url.query)
        code = 200
        if url.path == "/":
            body = f"{NAME}\n".encode()
        elif url.path == "/slow":
            time.sleep(query_number(query, "s", 1, 0, SLOW_MAX_S))
            body = f"{NAME}\n".encode()
        elif url.path == "/client":
            host, port = self.client_address[:2]
            body = f"{host} {port}\n".encode()
        elif url.path == "/bytes":
            body = b"x" * int(query_number(query, "n", 0, 0, BYTES_MAX))
        else:
            code, body = 404, b"not found\n"
        self.send_response(code)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("X-Server", NAME)
        if self.close_connection:
            self.send_header("Connection", "close")
        elif self.request_version == "HTTP/1.0":
            # An HTTP/1.0 client asked for keep-alive: confirm it.
            self.send_header("Connection", "keep-alive")
        self.end_headers()
        if send_body:
            self.wfile.write(body)

    def log_message(self, format, *args):  # noqa: A002 (base class name)
        log(f"{self.client_address[0]} {format % args}")


class TcpEchoHandler(socketserver.BaseRequestHandler):
    def handle(self):
        self.request.settimeout(IDLE_TIMEOUT_S)
        log(f"echo/tcp from {self.client_address[0]}")
        try:
            while True:
                data = self.request.recv(65536)
                if not data:
                    break
                self.request.sendall(data)
        except OSError:
            pass


def server_class(base, family):
    """A threading server class of `base` bound to one address family.

    IPv6 sockets are v6-only so that the IPv4 socket serves IPv4 clients with
    their plain addresses. server_bind skips HTTPServer's reverse DNS lookup,
    which could hang in a namespace without a resolver.
    """

    class Server(socketserver.ThreadingMixIn, base):
        address_family = family
        allow_reuse_address = True
        daemon_threads = True
        request_queue_size = 256

        def server_bind(self):
            if family == socket.AF_INET6:
                self.socket.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
            socketserver.TCPServer.server_bind(self)
            self.server_name = NAME
            self.server_port = self.server_address[1]

    return Server


def udp_echo(sock, family):
    """Echo datagrams, answering from the address each one was sent to."""
    if family == socket.AF_INET:
        level, opt, fmt = socket.IPPROTO_IP, IP_PKTINFO, "I4s4s"
    else:
        level, opt, fmt = socket.IPPROTO_IPV6, IPV6_PKTINFO, "16sI"
    ancillary_size = socket.CMSG_SPACE(struct.calcsize(fmt))
    while True:
        try:
            data, ancdata, _flags, peer = sock.recvmsg(65535, ancillary_size)
        except OSError as e:
            warn(f"echo/udp: {e}")
            time.sleep(0.1)
            continue
        reply_ancillary = []
        for cmsg_level, cmsg_type, cmsg_data in ancdata:
            if cmsg_level != level or cmsg_type != opt:
                continue
            if family == socket.AF_INET:
                # in_pktinfo: ifindex, spec_dst (the local address), addr.
                _ifindex, spec_dst, _addr = struct.unpack(fmt, cmsg_data[: struct.calcsize(fmt)])
                reply = struct.pack(fmt, 0, spec_dst, bytes(4))
            else:
                # in6_pktinfo: the destination address and the interface.
                addr, ifindex = struct.unpack(fmt, cmsg_data[: struct.calcsize(fmt)])
                if addr[0] == 0xFF:  # multicast: let the kernel pick a source
                    continue
                reply = struct.pack(fmt, addr, ifindex)
            reply_ancillary = [(level, opt, reply)]
        log(f"echo/udp from {peer[0]}")
        if data == b"name?":
            data = f"{NAME}\n".encode()
        try:
            sock.sendmsg([data], reply_ancillary, 0, peer)
        except OSError as e:
            warn(f"echo/udp reply to {peer[0]}: {e}")


def open_udp(family, port):
    sock = socket.socket(family, socket.SOCK_DGRAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if family == socket.AF_INET6:
        sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
        sock.setsockopt(socket.IPPROTO_IPV6, IPV6_RECVPKTINFO, 1)
        sock.bind(("::", port))
    else:
        sock.setsockopt(socket.IPPROTO_IP, IP_PKTINFO, 1)
        sock.bind(("0.0.0.0", port))
    return sock


def start(target, what):
    threading.Thread(target=target, name=what, daemon=True).start()


def main():
    global NAME, VERBOSE
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--name", required=True, help="answered by GET /, e.g. rs1")
    ap.add_argument("--http-port", type=int, default=80)
    ap.add_argument("--echo-port", type=int, default=7)
    ap.add_argument("--pidfile", help="write the process id here")
    ap.add_argument("--no-ipv6", action="store_true", help="serve IPv4 only")
    ap.add_argument("--verbose", action="store_true", help="log requests to stderr")
    args = ap.parse_args()
    NAME, VERBOSE = args.name, args.verbose

    families = [(socket.AF_INET, "0.0.0.0")]
    if not args.no_ipv6:
        families.append((socket.AF_INET6, "::"))

    servers = []
    for family, any_addr in families:
        try:
            http = server_class(HTTPServer, family)((any_addr, args.http_port), HttpHandler)
            echo = server_class(socketserver.TCPServer, family)((any_addr, args.echo_port), TcpEchoHandler)
            udp = open_udp(family, args.echo_port)
        except OSError as e:
            if family == socket.AF_INET6:
                # A namespace with IPv6 disabled: serve IPv4 only.
                warn(f"IPv6 not served: {e}")
                continue
            raise
        servers += [http, echo]
        start(http.serve_forever, f"http-{family.name}")
        start(echo.serve_forever, f"echo-tcp-{family.name}")
        start(lambda s=udp, f=family: udp_echo(s, f), f"echo-udp-{family.name}")

    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(sig, lambda *_: stop.set())

    # The pid file is written once every socket listens, so its presence
    # tells a waiting script that the server is ready.
    if args.pidfile:
        tmp = f"{args.pidfile}.tmp"
        with open(tmp, "w") as f:
            f.write(f"{os.getpid()}\n")
        os.replace(tmp, args.pidfile)
    try:
        while not stop.wait(1.0):
            pass
    finally:
        if args.pidfile:
            try:
                with open(args.pidfile) as f:
                    mine = f.read().strip() == str(os.getpid())
                if mine:
                    os.unlink(args.pidfile)
            except OSError:
                pass
    # Connection threads are daemons: leave without waiting for them.
    os._exit(0)


if __name__ == "__main__":
    main()
