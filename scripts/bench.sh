#!/usr/bin/env bash
# Measures what seawall adds to a container start, side by side with the bare
# runtime in one run, since a shared machine's timings drift between runs.
# Go benchmarks time the pipeline steps; hyperfine times whole commands.
# Needs root; `make bench` runs it.
set -euo pipefail
cd "$(dirname "$0")/.."

command -v hyperfine >/dev/null || {
  echo "installing hyperfine"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q hyperfine >/dev/null
}

echo "== Pipeline steps on podman's default config (go test -bench)"
go test -run '^$' -bench . -benchtime 2s -count 3 ./internal/enforce/

work=$(mktemp -d /tmp/seawall-bench.XXXXXX)
podman_own=(podman --root "$work/storage" --runroot "$work/run" --tmpdir "$work/tmp"
  --cgroup-manager cgroupfs)
cleanup() {
  "${podman_own[@]}" rm --all --force --time 0 >/dev/null 2>&1 || true
  "${podman_own[@]}" rmi --all --force >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
runc=$(command -v runc)

# A node, a busybox bundle with a lax config, and the same config tightened.
mkdir -p "$work/apps" "$work/bundle/rootfs/bin"
cat >"$work/config.yaml" <<CONFIG
manifests_dir: $work/apps
runtime: $runc
decision_log: $work/decisions.jsonl
CONFIG
cp examples/electrs.yaml "$work/apps/"
chmod 644 "$work/config.yaml" "$work/apps/electrs.yaml"
cp /bin/busybox "$work/bundle/rootfs/bin/"
ln -s busybox "$work/bundle/rootfs/bin/true"
(cd "$work/bundle" && "$runc" spec)
sed -i 's/"terminal": true/"terminal": false/; s/"sh"/"true"/' "$work/bundle/config.json"
cp "$work/bundle/config.json" "$work/lax.json"
bin/seawall-runtime --seawall-config "$work/config.yaml" create --bundle "$work/bundle" warmup \
  >/dev/null 2>&1 || true
"$runc" delete --force warmup >/dev/null 2>&1 || true
cp "$work/bundle/config.json" "$work/compliant.json"

echo
echo "== Start-up: --version, which parses the command line and loads the node config"
hyperfine -N --warmup 20 --runs 300 \
  "$runc --version" \
  "bin/seawall-runtime --seawall-config $work/config.yaml --version"

echo
echo "== A whole container run (busybox true), bare runc against seawall-runtime"
hyperfine --warmup 5 --runs 60 \
  --prepare "cp $work/compliant.json $work/bundle/config.json" \
  -n "runc run" "$runc run --bundle $work/bundle bench-a" \
  -n "seawall-runtime run, compliant config" \
  "bin/seawall-runtime --seawall-config $work/config.yaml run --bundle $work/bundle bench-b" \
  -n "seawall-runtime run, lax config" \
  "cp $work/lax.json $work/bundle/config.json && \
   bin/seawall-runtime --seawall-config $work/config.yaml run --bundle $work/bundle bench-c"

echo
echo "== A podman container start (busybox true), without and with seawall-hook installed"
bin/seawall install --root "$work/root" >/dev/null
cp "$work/config.yaml" "$work/root/etc/seawall/config.yaml"
tar -C "$work/bundle/rootfs" -cf "$work/rootfs.tar" .
podman=("${podman_own[@]}" --runtime "$runc")
"${podman[@]}" import --quiet "$work/rootfs.tar" localhost/seawall-bench:1 >/dev/null
options="--network=none --ulimit nofile=1024:1024 --ulimit nproc=1024:1024"
options="$options --annotation org.archipelago.app=electrs localhost/seawall-bench:1 true"
hyperfine --warmup 3 --runs 30 \
  -n "podman run" \
  "${podman[*]} --hooks-dir $work/no-hooks run $options" \
  -n "podman run, seawall-hook at precreate, prestart and poststart" \
  "${podman[*]} --hooks-dir $work/root/usr/share/containers/oci/hooks.d run $options"
