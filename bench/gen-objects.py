#!/usr/bin/env python3
"""Writes the same N objects in three forms: a hostnet config, an `ip -batch` file, and an
nmstate state. One object: a veth pair vN/pN, vN enslaved into a bridge (100 veths per bridge),
pN carrying 10.a.b.1/24 and a route to 172.16-31.x.0/24 via 10.a.b.2.
    gen-objects.py N OUTDIR [--change]   (--change: object 0 gets another address)"""
import json, os, sys

n, out = int(sys.argv[1]), sys.argv[2]
change = "--change" in sys.argv
os.makedirs(out, exist_ok=True)
bridges = (n + 99) // 100

def addr(i):
    host = 3 if (change and i == 0) else 1
    return f"10.{i // 250}.{i % 250}.{host}", f"10.{i // 250}.{i % 250}.2"

def dst(i):
    return f"172.{16 + i // 4096}.{(i // 16) % 256}.{(i % 16) * 16}/28"

hn, batch, nm = [], [], []
for b in range(bridges):
    ports = [f"v{i}" for i in range(b * 100, min(n, (b + 1) * 100))]
    hn.append({"name": f"br{b}", "bridge": {"ports": ports, "stp": False, "forward_delay": 0}})
    batch.append(f"link add name br{b} type bridge stp_state 0 forward_delay 0")
    nm.append({"name": f"br{b}", "type": "linux-bridge", "state": "up",
               "bridge": {"options": {"stp": {"enabled": False}}, "port": [{"name": p} for p in ports]}})
routes = []
for i in range(n):
    a, gw = addr(i)
    hn.append({"name": f"v{i}", "veth": {"peer": f"p{i}"}})
    hn.append({"name": f"p{i}", "veth": {"peer": f"v{i}"}, "addresses": [f"{a}/24"],
               "routes": [{"dst": dst(i), "via": gw}]})
    batch += [f"link add name v{i} type veth peer name p{i}", f"link set dev v{i} master br{i // 100}",
              f"link set dev v{i} up", f"link set dev p{i} up", f"address add {a}/24 dev p{i}",
              f"route add {dst(i)} via {gw} dev p{i}"]
    nm.append({"name": f"v{i}", "type": "veth", "state": "up", "veth": {"peer": f"p{i}"}})
    nm.append({"name": f"p{i}", "type": "veth", "state": "up", "veth": {"peer": f"v{i}"},
               "ipv4": {"enabled": True, "address": [{"ip": a, "prefix-length": 24}]}})
    routes.append({"destination": dst(i), "next-hop-address": gw, "next-hop-interface": f"p{i}"})
batch += [f"link set dev br{b} up" for b in range(bridges)]
json.dump({"interfaces": hn}, open(f"{out}/hostnet.yaml", "w"))
open(f"{out}/ip.batch", "w").write("\n".join(batch) + "\n")
json.dump({"interfaces": nm, "routes": {"config": routes}}, open(f"{out}/nmstate.yml", "w"))
