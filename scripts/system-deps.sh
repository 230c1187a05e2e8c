#!/usr/bin/env bash
# System packages the product and its tests use: mosquitto (MQTT broker for tests and local
# demos), PostgreSQL server (store tests), Chromium with CJK and emoji fonts (browser test: its
# screenshots show every page in Chinese too; without the fonts the glyphs are empty boxes).
# Installs only what is missing, and only as root; otherwise prints the apt-get line to run.
set -euo pipefail
need=()
command -v mosquitto >/dev/null 2>&1 || [ -x /usr/sbin/mosquitto ] || need+=(mosquitto)
command -v initdb >/dev/null 2>&1 || compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null \
  || need+=(postgresql)
if [ "${FLOORLIGHT_SKIP_BROWSER:-}" != "1" ]; then
  command -v chromium >/dev/null 2>&1 || need+=(chromium chromium-driver)
  fc-list :lang=zh 2>/dev/null | grep -q . || need+=(fonts-noto-cjk)
  fc-list 2>/dev/null | grep -qi "color emoji" || need+=(fonts-noto-color-emoji)
fi
if [ "${#need[@]}" -eq 0 ]; then exit 0; fi
if [ "$(id -u)" -ne 0 ]; then
  echo "missing system packages: ${need[*]} — run: sudo apt-get install -y ${need[*]}" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
