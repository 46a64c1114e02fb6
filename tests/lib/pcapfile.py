# Frames of a pcap file (classic format, as steer-gen, net_pcap and
# xdp_pcap write it), for the tests' Python checks.
import struct


def frames(path):
    d = open(path, "rb").read()
    off, out = 24, []
    while off < len(d):
        _, _, n, _ = struct.unpack("<IIII", d[off:off + 16])
        out.append(d[off + 16:off + 16 + n])
        off += 16 + n
    return out
