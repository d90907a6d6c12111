#!/usr/bin/env bash
# Runs real podman containers through seawall-runtime against the example
# manifests, in a temporary node configuration and podman storage of its own,
# and shows what seawall decided for each. Needs root; `make demo` runs it.
set -euo pipefail
cd "$(dirname "$0")/.."

bin=$PWD/bin
work=$(mktemp -d /tmp/seawall-demo.XXXXXX)
image=localhost/seawall-demo:1.0

# podman with a storage, state and temporary directory of the demo's own.
# "podman system reset" is not used for the cleanup: it also deletes state that
# every podman store of the host shares.
podman_own() {
  podman --root "$work/storage" --runroot "$work/run" --tmpdir "$work/tmp" \
    --cgroup-manager cgroupfs "$@"
}

cleanup() {
  podman_own rm --all --force --time 0 >/dev/null 2>&1 || true
  podman_own rmi --all --force >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

step() {
  printf '\n\033[1m== %s\033[0m\n' "$*"
}

show() {
  printf '$ %s\n' "$*"
}

# sw_podman runs podman with seawall-runtime as its runtime, through a launcher
# that passes the demo's node configuration: the runtime gets no environment,
# and podman's cleanup calls carry no --runtime-flag.
sw_podman() {
  podman_own --runtime "$work/node/seawall-runtime" "$@"
}

run_options=(--network=none --ulimit nofile=1024:1024 --ulimit nproc=1024:1024)
probe='id; grep -E "^(Cap(Bnd|Eff|Amb)|NoNewPrivs|Seccomp):" /proc/self/status; touch /probe'

step "The example manifests validate"
show seawall validate examples/*.yaml
"$bin/seawall" validate examples/*.yaml

step "A temporary node: the examples as its manifests, runc as its runtime"
mkdir -p "$work/node/apps" "$work/rootfs/bin" "$work/rootfs/etc"
cp examples/*.yaml "$work/node/apps/"
cat >"$work/node/config.yaml" <<EOF
mode: enforce
manifests_dir: $work/node/apps
runtime: $(command -v runc)
decision_log: $work/node/decisions.jsonl
EOF
chmod 644 "$work/node/config.yaml" "$work/node/apps/"*.yaml
cat "$work/node/config.yaml"
printf '#!/bin/sh\nexec %s --seawall-config=%s "$@"\n' "$bin/seawall-runtime" \
  "$work/node/config.yaml" >"$work/node/seawall-runtime"
chmod 755 "$work/node/seawall-runtime"

cp /bin/busybox "$work/rootfs/bin/busybox"
for applet in sh id grep touch ip; do ln -s busybox "$work/rootfs/bin/$applet"; done
tar -C "$work/rootfs" -cf "$work/rootfs.tar" .
podman_own import --quiet "$work/rootfs.tar" "$image" >/dev/null

step "1. electrs started with podman's defaults (root, 11 capabilities, writable root)"
show podman run --annotation org.archipelago.app=electrs $image sh -c "'$probe'"
sw_podman run --cidfile "$work/electrs.cid" "${run_options[@]}" \
  --annotation org.archipelago.app=electrs "$image" sh -c "$probe" || true
echo
echo "seawall tightened it; the decision it recorded:"
show seawall explain "$(cut -c1-12 "$work/electrs.cid")"
"$bin/seawall" explain --config "$work/node/config.yaml" "$(cut -c1-12 "$work/electrs.cid")"

step "2. wireguard with --cap-add NET_ADMIN and --device /dev/net/tun, as its manifest allows"
if [ -c /dev/net/tun ]; then
  show podman run --cap-add NET_ADMIN --device /dev/net/tun \
    --annotation org.archipelago.app=wireguard $image sh -c "'$probe'"
  sw_podman run "${run_options[@]}" --cap-add NET_ADMIN --device /dev/net/tun \
    --annotation org.archipelago.app=wireguard "$image" sh -c "$probe" || true
else
  echo "skipped: this machine has no /dev/net/tun"
fi

step "3. electrs with --privileged"
show podman run --privileged --annotation org.archipelago.app=electrs $image id
status=0
sw_podman run --cidfile "$work/privileged.cid" "${run_options[@]}" --privileged \
  --annotation org.archipelago.app=electrs "$image" id || status=$?
echo "podman exited with status $status: seawall rejected the container"
show seawall explain "$(cut -c1-12 "$work/privileged.cid")"
"$bin/seawall" explain --config "$work/node/config.yaml" "$(cut -c1-12 "$work/privileged.cid")" \
  >"$work/privileged.txt"
head -n 20 "$work/privileged.txt"
echo "... $(grep -c '^REJECT' "$work/privileged.txt") rejected fields in all"

step "4. The same through the OCI hook, with podman's own runc and no wrapper"
show seawall install --root "$work/root"
"$bin/seawall" install --root "$work/root" | grep -E 'hooks.d/|containers.conf.d/'
cp "$work/node/config.yaml" "$work/root/etc/seawall/config.yaml"
hook_podman() {
  podman_own --runtime "$(command -v runc)" \
    --hooks-dir "$work/root/usr/share/containers/oci/hooks.d" "$@"
}
show podman --hooks-dir ... run --annotation org.archipelago.app=electrs $image sh -c "'$probe'"
hook_podman run --cidfile "$work/hook.cid" "${run_options[@]}" \
  --annotation org.archipelago.app=electrs "$image" sh -c "$probe" || true
"$bin/seawall" explain --config "$work/node/config.yaml" "$(cut -c1-12 "$work/hook.cid")" \
  | grep -E '^(container|seawall-hook)'
echo
show podman --hooks-dir ... run --privileged --annotation org.archipelago.app=electrs $image id
hook_podman run --cidfile "$work/hook-privileged.cid" "${run_options[@]}" --privileged \
  --annotation org.archipelago.app=electrs "$image" id 2>&1 | tail -n 1 || true
"$bin/seawall" explain --config "$work/node/config.yaml" \
  "$(cut -c1-12 "$work/hook-privileged.cid")" | grep -E '^(seawall-hook|REJECT|  fix)' \
  | sed -n '1,3p'

step "Done"
echo "Every decision is in the decision log, one JSON line each:"
wc -l "$work/node/decisions.jsonl"
