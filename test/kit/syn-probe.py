#!/usr/bin/python3
"""Send one TCP SYN for DST_IP:PORT out of IFACE to NEXT_HOP_MAC, as a
neighbour on that link would, and report whether a SYN-ACK comes back.
Node has no packet sockets, hence Python (standard library only).
Usage: syn-probe.py IFACE NEXT_HOP_MAC SRC_IP DST_IP PORT  -> prints synack|silent"""
import os, random, socket, struct, sys, time

iface, mac, src, dst, port = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5])

def csum(b):
    if len(b) % 2:
        b += b'\0'
    s = sum(struct.unpack('!%dH' % (len(b) // 2), b))
    s = (s >> 16) + (s & 0xffff)
    s += s >> 16
    return ~s & 0xffff

sport = random.randint(20000, 60000)
seq = random.randint(0, 2**32 - 1)
tcp = struct.pack('!HHIIBBHHH', sport, port, seq, 0, 5 << 4, 0x02, 64240, 0, 0)
pseudo = socket.inet_aton(src) + socket.inet_aton(dst) + struct.pack('!BBH', 0, 6, len(tcp))
tcp = tcp[:16] + struct.pack('!H', csum(pseudo + tcp)) + tcp[18:]
ip = struct.pack('!BBHHHBBH4s4s', 0x45, 0, 20 + len(tcp), random.randint(0, 65535), 0, 64, 6, 0, socket.inet_aton(src), socket.inet_aton(dst))
ip = ip[:10] + struct.pack('!H', csum(ip)) + ip[12:]

s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0800))
s.bind((iface, 0))
own = s.getsockname()[4]
s.send(bytes.fromhex(mac.replace(':', '')) + own + b'\x08\x00' + ip + tcp)
s.settimeout(0.2)
deadline = time.time() + 2
while time.time() < deadline:
    try:
        frame = s.recv(2048)
    except socket.timeout:
        continue
    p = frame[14:]
    if len(p) < 40 or p[9] != 6:
        continue
    ihl = (p[0] & 0xf) * 4
    f_sport, f_dport = struct.unpack('!HH', p[ihl:ihl + 4])
    flags = p[ihl + 13]
    if f_dport == sport and flags & 0x12 == 0x12:
        print('synack')
        sys.exit(0)
print('silent')
