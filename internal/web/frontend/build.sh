#!/usr/bin/env bash
# Installs the pages' front-end libraries from the npm registry, exactly as
# package-lock.json pins them, and copies the files the pages load into
# ../assets/vendor, which is committed: `go build` embeds it and needs no
# Node. Run it after changing a version in package.json (then commit
# package-lock.json and ../assets/vendor).
set -euo pipefail
cd "$(dirname "$0")"
if [ -f package-lock.json ]; then npm ci --no-audit --no-fund; else npm install --no-audit --no-fund; fi
out=../assets/vendor
mkdir -p "$out"
cp node_modules/uplot/dist/uPlot.iife.min.js "$out/uplot.min.js"
cp node_modules/uplot/dist/uPlot.min.css "$out/uplot.min.css"
cp node_modules/uplot/LICENSE "$out/uplot.LICENSE"
echo "copied uPlot $(node -p 'require("./node_modules/uplot/package.json").version') into $out"
