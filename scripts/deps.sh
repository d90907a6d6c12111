#!/usr/bin/env bash
# Installs, with apt-get, the programs and libraries that seawall's build, tests
# and demo use, when any of them is missing. Needs root and Debian or Ubuntu.
set -euo pipefail

missing=()
need_command() {
  command -v "$1" >/dev/null 2>&1 || missing+=("$2")
}
need_command runc runc
need_command crun crun
need_command podman podman
need_command gcc gcc
need_command pkg-config pkg-config
need_command unshare util-linux
[ -x /bin/busybox ] || missing+=(busybox-static)
[ -f /usr/include/seccomp.h ] || missing+=(libseccomp-dev)

if [ "${#missing[@]}" -eq 0 ]; then
  exit 0
fi
if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "seawall needs these packages: ${missing[*]}" >&2
  echo "install them as root, for example: apt-get install -y ${missing[*]}" >&2
  exit 1
fi
echo "installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q "${missing[@]}"
