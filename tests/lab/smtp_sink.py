"""A mail sink for the lab: accepts SMTP on ADDRESS PORT and appends every
line it hears to FILE. Answers 220/250/354/221 like a mail server, or
greets with GREETING when given (a "554 ..." one plays a server refusing
service; SMTP_CHECK must mark it down); exits 25 s after its last
connection (the test also bounds it with timeout).

Usage: smtp_sink.py ADDRESS PORT FILE [GREETING]
"""
import socket
import sys


def serve(conn, out, greeting):
    conn.settimeout(5)
    conn.sendall(greeting.encode() + b"\r\n")
    in_data = False
    for raw in conn.makefile("rb"):
        line = raw.decode(errors="replace").rstrip("\r\n")
        out.write(line + "\n")
        if in_data:
            if line == ".":
                in_data = False
                conn.sendall(b"250 queued\r\n")
        elif line == "DATA":
            in_data = True
            conn.sendall(b"354 go ahead\r\n")
        elif line == "QUIT":
            conn.sendall(b"221 bye\r\n")
            return
        else:
            conn.sendall(b"250 ok\r\n")


def main():
    address, port, path = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    greeting = sys.argv[4] if len(sys.argv) > 4 else "220 sink"
    with open(path, "a", buffering=1) as out:
        srv = socket.socket()
        srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        srv.bind((address, port))
        srv.listen(4)
        srv.settimeout(25)
        while True:
            try:
                conn, _ = srv.accept()
            except socket.timeout:
                return
            with conn:
                try:
                    serve(conn, out, greeting)
                except OSError:
                    pass


if __name__ == "__main__":
    main()
