#!/bin/bash
# Builds .gpu/, the bundle a lent GPU machine needs to run the benchmarks (it has no Node, no
# registry and no Vulkan loader): this machine's node binary and production node_modules
# (xz-packed, ~30 MB), big-integer (the bench's bigint section imports it), and the Vulkan/GLVND
# loader packages fetched
# through this machine's own apt sources. .gpu/ is excluded from git (.git/info/exclude).
# Then, with the device tool: run "bash scripts/device/run.sh kernels scale" carrying .gpu and dist.
set -euo pipefail
cd "$(dirname "$0")/../.."
mkdir -p .git/info && (grep -qx '/.gpu/' .git/info/exclude 2>/dev/null || echo '/.gpu/' >> .git/info/exclude)
npm run build >/dev/null
rm -rf .gpu && mkdir -p .gpu/nm-extra
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/bin" "$tmp/node_modules/webgpu/dist"
cp "$(command -v node)" "$tmp/bin/"
for d in $(npm ls --omit=dev --all --parseable 2>/dev/null | sed "s|^$PWD/||" | grep '^node_modules/' | grep -v '^node_modules/webgpu$'); do
  mkdir -p "$tmp/$(dirname "$d")" && cp -r "$d" "$tmp/$d"
done
# Dawn for linux-x64 only: the other platforms' binaries would triple the bundle.
cp node_modules/webgpu/index.js node_modules/webgpu/package.json "$tmp/node_modules/webgpu/"
cp -r node_modules/webgpu/dist/linux-x64 "$tmp/node_modules/webgpu/dist/"
tar -C "$tmp" -cJf .gpu/rt.tar.xz bin node_modules
cp -r node_modules/big-integer .gpu/nm-extra/
(cd .gpu && apt-get download libvulkan1 libglvnd0 libglx0 libegl1 libopengl0 libgl1 libgles2 2>&1 | grep -v '^W:' || true)
du -sh .gpu dist
