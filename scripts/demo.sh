#!/usr/bin/env bash
# demo.sh - install what is needed, build Vigil and run the demo: an embedded Kafka
# broker, a generated day of syslog with one SSH brute-force-to-root campaign, the
# whole pipeline, and the ranked incident table.  Extra arguments go to `vigil demo`
# (e.g. --db PATH, --serve).
set -euo pipefail
cd "$(dirname "$0")/.."

./scripts/bootstrap.sh
if [ -d build ]; then
	meson setup --reconfigure build >/dev/null
else
	meson setup build >/dev/null
fi
ninja -C build vigil >/dev/null
exec ./build/vigil demo "$@"
