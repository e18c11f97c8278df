#!/bin/sh
# Bundles the gateway benchmark into plain-node scripts under bench/gateway/dist/ (git-ignored), so
# it runs on a machine without node_modules or tsx: `node bench/gateway/dist/main.mjs`. The one
# native module the gateway loads (better-sqlite3, for API keys) is copied beside the bundles;
# node-llama-cpp is stubbed out, as the bench never loads a GGUF.
set -e
cd "$(dirname "$0")/../.."
out=bench/gateway/dist
rm -rf "$out" && mkdir -p "$out/node_modules"
printf 'module.exports = {};\n' >"$out/llama-stub.cjs"
for s in main trace gateway-proc upstream-proc bare-proc; do
  npx esbuild "bench/gateway/$s.ts" --bundle --platform=node --format=esm --target=node20 \
    --outfile="$out/$s.mjs" --external:better-sqlite3 --alias:node-llama-cpp="./$out/llama-stub.cjs" \
    --banner:js="import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);" \
    --log-level=warning
done
for m in bindings file-uri-to-path; do cp -r "node_modules/$m" "$out/node_modules/"; done
b="$out/node_modules/better-sqlite3"
mkdir -p "$b/build/Release"
cp -r node_modules/better-sqlite3/package.json node_modules/better-sqlite3/lib "$b/"
cp node_modules/better-sqlite3/build/Release/better_sqlite3.node "$b/build/Release/"
du -sh "$out"
