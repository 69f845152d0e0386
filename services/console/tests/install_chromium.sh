#!/usr/bin/env bash
# The console's browser tests drive Debian's Chromium with Selenium; CJK fonts so that Chinese names
# render as text, not boxes, in the screenshots. Root and apt are needed (CI machines have both).
# The lock timeout: `make deploy-test` may install packages at the same time.
set -euo pipefail
if command -v chromium >/dev/null && command -v chromedriver >/dev/null; then exit 0; fi
SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
echo "installing chromium, chromium-driver and fonts-noto-cjk for the console's browser tests (1-2 min)"
$SUDO apt-get -o DPkg::Lock::Timeout=600 update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends \
  chromium chromium-driver fonts-noto-cjk >/dev/null
