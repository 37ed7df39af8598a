#!/usr/bin/env bash
# Debian libraries the portal uses beyond what WeasyPrint's wheel needs:
# libharfbuzz-subset0 lets WeasyPrint subset fonts with HarfBuzz (fontTools, its fallback,
# takes about 0.18 s more CPU per report PDF). See docs/reports.md.
set -u
have() { ldconfig -p 2>/dev/null | grep -q "libharfbuzz-subset.so.0"; }
if have; then exit 0; fi
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "Installing Debian's libharfbuzz-subset0 (font subsetting for report PDFs)..."
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libharfbuzz-subset0 >/dev/null 2>&1 \
    || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libharfbuzz-subset0 >/dev/null; }
fi
have || { echo "error: libharfbuzz-subset0 is missing; install it with 'apt-get install libharfbuzz-subset0' (as root)." >&2; exit 1; }
