#!/usr/bin/python3
# A lab node's service: UDP and TCP on port 443 (IPv4 and IPv6) and the UDP
# shim port. Every datagram and connection is logged as "PROTO SRC SPORT"
# and answered with the node's name, straight back to the client (DSR).
import os, selectors, socket, sys

node, log_path = sys.argv[1], sys.argv[2]
log = open(log_path, "a", buffering=1)
sel = selectors.DefaultSelector()

def sock(kind, port):
    s = socket.socket(socket.AF_INET6, kind)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
    if kind == socket.SOCK_DGRAM:
        # The default buffer holds ~200 small datagrams: 20 ms of a test's
        # burst to one node. A CI runner that stalls this process longer
        # would drop some and fail a count (SO_RCVBUFFORCE: we are root).
        try:
            s.setsockopt(socket.SOL_SOCKET, 33, 16 << 20)  # SO_RCVBUFFORCE
        except OSError:
            pass
    s.bind(("::", port))
    if kind == socket.SOCK_STREAM:
        s.listen(512)
    s.setblocking(False)
    return s

def addr(a):
    return a[0][7:] if a[0].startswith("::ffff:") else a[0]

for port, name in ((443, "udp"), (6118, "shim")):
    sel.register(sock(socket.SOCK_DGRAM, port), selectors.EVENT_READ, name)
sel.register(sock(socket.SOCK_STREAM, 443), selectors.EVENT_READ, "tcp")
open(log_path + ".ready", "w").close()

while True:
    for key, _ in sel.select():
        s, kind = key.fileobj, key.data
        try:
            if kind == "tcp":
                c, a = s.accept()
                log.write(f"tcp {addr(a)} {a[1]}\n")
                c.settimeout(2)
                try:
                    # One line: read it all, so that closing sends no
                    # RST ahead of the answer.
                    got = b""
                    while not got.endswith(b"\n") and len(got) < 1 << 16:
                        more = c.recv(65536)
                        if not more:
                            break
                        got += more
                    c.sendall(node.encode() + b"\n")
                finally:
                    c.close()
            else:
                data, a = s.recvfrom(65535)
                log.write(f"{kind} {addr(a)} {a[1]}\n")
                s.sendto(node.encode() + b"\n", a)
        except OSError:
            pass
