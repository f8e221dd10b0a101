#!/usr/bin/env bash
# Install, from Debian's packages, what the test suite needs and this machine
# lacks: PostgreSQL, Chromium with its WebDriver, poppler (PDFs read back),
# Japanese fonts. Does nothing when everything is present.
set -euo pipefail

need=()
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql)
[ -x /usr/bin/chromium ] || need+=(chromium)
[ -x /usr/bin/chromedriver ] || need+=(chromium-driver)
command -v pdftotext >/dev/null 2>&1 || need+=(poppler-utils)
[ -e /usr/share/fonts/opentype/ipaexfont-gothic/ipaexg.ttf ] || need+=(fonts-ipaexfont-gothic)
[ -d /usr/share/fonts/opentype/noto ] || need+=(fonts-noto-cjk)
# Printing: BIZ UD (universal design) for text, IPAmj Mincho for MJ kanji.
[ -e /usr/share/fonts/truetype/bizud-gothic/BIZUDGothic-Regular.ttf ] || need+=(fonts-morisawa-bizud-gothic)
[ -e /usr/share/fonts/truetype/bizud-mincho/BIZUDMincho-Regular.ttf ] || need+=(fonts-morisawa-bizud-mincho)
[ -e /usr/share/fonts/truetype/ipamj/ipamjm.ttf ] || need+=(fonts-ipamj-mincho)
[ -e /usr/share/fonts/opentype/ipaexfont-mincho/ipaexm.ttf ] || need+=(fonts-ipaexfont-mincho)

if [ ${#need[@]} -eq 0 ]; then
  exit 0
fi
echo "Installing from Debian: ${need[*]}"
sudo=""
if [ "$(id -u)" != 0 ]; then
  command -v sudo >/dev/null 2>&1 || { echo "root or sudo is needed to install: ${need[*]}" >&2; exit 1; }
  sudo="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
# The package may start a system cluster; the tests use their own.
if command -v service >/dev/null 2>&1; then $sudo service postgresql stop >/dev/null 2>&1 || true; fi
