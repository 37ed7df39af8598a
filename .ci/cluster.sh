#!/usr/bin/env bash
# The cluster rehearsal (bench/cluster/rehearsal.py) runs Debian's HAProxy and PgBouncer
# inside network namespaces: install them when missing (as browser.sh installs chromium).
set -u
missing=()
command -v haproxy >/dev/null 2>&1 || [ -x /usr/sbin/haproxy ] || missing+=(haproxy)
command -v pgbouncer >/dev/null 2>&1 || [ -x /usr/sbin/pgbouncer ] || missing+=(pgbouncer)
command -v ip >/dev/null 2>&1 || missing+=(iproute2)
if [ ${#missing[@]} -eq 0 ]; then exit 0; fi
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "Installing ${missing[*]} for the cluster rehearsal..."
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  # Debian starts the packaged services; the rehearsal runs its own copies only.
  for service in haproxy pgbouncer; do
    if command -v systemctl >/dev/null 2>&1 && systemctl is-active -q "$service" 2>/dev/null; then
      systemctl disable --now -q "$service" || true
    fi
  done
fi
for tool in haproxy pgbouncer ip; do
  command -v "$tool" >/dev/null 2>&1 || [ -x "/usr/sbin/$tool" ] || {
    echo "error: $tool is missing; install it with 'apt-get install haproxy pgbouncer iproute2' (as root)." >&2; exit 1; }
done
