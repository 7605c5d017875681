#!/usr/bin/env bash
# hardline network-namespace lab.
#
#   lab/lab.sh up   ID weak|hardened DIR   create namespaces, start Kamailio and the inside UAS
#                                          (LAB_HEP=sip:ADDR:PORT: Kamailio mirrors SIP as HEP v3 there)
#   lab/lab.sh down ID DIR                 stop everything and delete the namespaces (idempotent)
#   lab/lab.sh mpath                       print the Kamailio module folder the lab will use
#
# Topology (addresses exist only inside this run's namespaces; ID makes names unique per run):
#   hlo-ID "outside" 198.18.1.2 --veth-- 198.18.1.1 hls-ID "sip" (Kamailio) 198.18.2.1 --veth-- 198.18.2.2 hli-ID "inside" (sipp UAS)
# No forwarding in the sip namespace: outside reaches inside only through Kamailio.
# Needs root, iproute2, kamailio (+ kamailio-tls-modules), sip-tester (sipp), openssl.
set -euo pipefail
cmd=${1:-}; id=${2:-}

# Kamailio's module folder depends on the architecture (Debian multiarch:
# /usr/lib/<triplet>/kamailio/modules) and on how it was installed. LAB_KAMAILIO_MODULES
# overrides; else the folder holding the installed package's tm.so; else the usual places.
kamailio_modules() {
  local d tm
  if [[ -n "${LAB_KAMAILIO_MODULES:-}" ]]; then echo "$LAB_KAMAILIO_MODULES"; return; fi
  tm=$(dpkg -L kamailio 2>/dev/null | grep -m1 '/kamailio/modules/tm\.so$' || true)
  if [[ -n "$tm" && -f "$tm" ]]; then dirname "$tm"; return; fi
  for d in "/usr/lib/$(gcc -dumpmachine 2>/dev/null || echo "$(uname -m)-linux-gnu")/kamailio/modules" \
           /usr/lib/*/kamailio/modules /usr/lib64/kamailio/modules /usr/lib/kamailio/modules \
           /usr/local/lib64/kamailio/modules /usr/local/lib/kamailio/modules; do
    if [[ -f "$d/tm.so" ]]; then echo "$d"; return; fi
  done
  return 1
}
if [[ "$cmd" == mpath ]]; then kamailio_modules || { echo "lab: Kamailio modules (tm.so) not found" >&2; exit 3; }; exit 0; fi
[[ -n "$cmd" && -n "$id" && "$id" =~ ^[a-z0-9]{1,8}$ ]] || { echo "usage: $0 up|down ID(1-8 [a-z0-9]) [profile] DIR" >&2; exit 2; }
here=$(cd "$(dirname "$0")" && pwd)
out="hlo-$id"; sip="hls-$id"; in="hli-$id"

down() {
  local dir=$1
  for f in "$dir"/*.pid; do
    [[ -f "$f" ]] || continue
    pid=$(cat "$f"); kill "$pid" 2>/dev/null || true
    for _ in 1 2 3 4 5 6 7 8 9 10; do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
    rm -f "$f"
  done
  # Anything still running inside our namespaces (only ours: listed by namespace).
  for ns in "$out" "$sip" "$in"; do
    for pid in $(ip netns pids "$ns" 2>/dev/null); do kill -9 "$pid" 2>/dev/null || true; done
    ip netns del "$ns" 2>/dev/null || true
  done
}

if [[ "$cmd" == down ]]; then down "${3:?DIR}"; exit 0; fi
[[ "$cmd" == up ]] || { echo "unknown command $cmd" >&2; exit 2; }
profile=${3:?profile}; dir=${4:?DIR}
[[ "$profile" == weak || "$profile" == hardened ]] || { echo "profile must be weak or hardened" >&2; exit 2; }
[[ $(id -u) == 0 ]] || { echo "lab: must run as root (ip netns)" >&2; exit 3; }
for b in ip kamailio sipp openssl; do command -v "$b" >/dev/null || { echo "lab: $b is not installed (see .ci/apt-packages)" >&2; exit 3; }; done
mkdir -p "$dir"
trap 'echo "lab: setup failed, tearing down" >&2; down "$dir"' ERR

ip netns add "$out"; ip netns add "$sip"; ip netns add "$in"
ip link add "vo$id" type veth peer name "vs$id"
ip link add "vi$id" type veth peer name "vg$id"
ip link set "vo$id" netns "$out"; ip link set "vs$id" netns "$sip"
ip link set "vi$id" netns "$in"; ip link set "vg$id" netns "$sip"
ip -n "$out" addr add 198.18.1.2/24 dev "vo$id"
ip -n "$sip" addr add 198.18.1.1/24 dev "vs$id"
ip -n "$sip" addr add 198.18.2.1/24 dev "vg$id"
ip -n "$in" addr add 198.18.2.2/24 dev "vi$id"
for ns in "$out" "$sip" "$in"; do ip -n "$ns" link set lo up; done
ip -n "$out" link set "vo$id" up; ip -n "$sip" link set "vs$id" up; ip -n "$sip" link set "vg$id" up; ip -n "$in" link set "vi$id" up
ip -n "$out" route add default via 198.18.1.1
ip -n "$in" route add default via 198.18.2.1

mpath=$(kamailio_modules) || { echo "lab: Kamailio modules (tm.so) not found; set LAB_KAMAILIO_MODULES" >&2; exit 3; }
if [[ "$profile" == hardened && ! -f "$mpath/tls.so" ]]; then
  echo "lab: $mpath/tls.so missing (install kamailio-tls-modules)" >&2; exit 3
fi
args=(-f "$here/kamailio/$profile.cfg" -L "$mpath" -DD -E -m 48 -M 8 -Y "$dir")
if [[ "$profile" == hardened ]]; then
  openssl req -x509 -newkey rsa:2048 -nodes -days 365 -subj "/CN=sip.lab.test" \
    -addext "subjectAltName=DNS:sip.lab.test,IP:198.18.1.1" \
    -keyout "$dir/key.pem" -out "$dir/cert.pem" >/dev/null 2>&1
  pw=${LAB_PW:?LAB_PW (the lab test account password) must be set}
  args+=(-A "LAB_PW=\"$pw\"" -A "LAB_TLS_CERT=\"$dir/cert.pem\"" -A "LAB_TLS_KEY=\"$dir/key.pem\"")
fi
# the test account password: hardened (1000-1002) and weak (2000, the only account with auth)
[[ -n "${LAB_PW:-}" && "$profile" == weak ]] && args+=(-A "LAB_PW=\"$LAB_PW\"")
# Optional HEP mirror (siptrace) to a collector inside the sip namespace: LAB_HEP=sip:ADDR:PORT
if [[ -n "${LAB_HEP:-}" ]]; then
  [[ "$LAB_HEP" =~ ^sip:[0-9.]+:[0-9]+$ ]] || { echo "lab: LAB_HEP must look like sip:198.18.2.1:9060" >&2; exit 2; }
  args+=(-A "LAB_HEP=\"$LAB_HEP\"")
fi
ip netns exec "$sip" kamailio "${args[@]}" >"$dir/kamailio.log" 2>&1 &
echo $! >"$dir/kamailio.pid"
# The inside "gateway/phone": sipp's built-in UAS answers every INVITE (180, 200 with SDP).
(cd "$dir" && exec ip netns exec "$in" sipp -sn uas -i 198.18.2.2 -p 5060 -nostdin -timeout 600s -timeout_error) >"$dir/sipp.log" 2>&1 &
echo $! >"$dir/sipp.pid"

for _ in $(seq 1 50); do
  if ip netns exec "$sip" ss -lun 2>/dev/null | grep -q '198.18.1.1:5060'; then
    if [[ "$profile" != hardened ]] || ip netns exec "$sip" ss -ltn 2>/dev/null | grep -q '198.18.1.1:5061'; then
      trap - ERR; echo "lab $id ($profile) up in $dir"; exit 0
    fi
  fi
  sleep 0.1
done
echo "lab: Kamailio did not start; its log:" >&2; tail -20 "$dir/kamailio.log" >&2
down "$dir"; exit 1
