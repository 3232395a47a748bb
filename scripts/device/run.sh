#!/bin/bash
# Runs on a lent GPU machine, from the repository root, with .gpu/ (scripts/device/prepare.sh) and
# dist/ carried: unpacks Node and the Vulkan loader, checks that Dawn finds a real (non-fallback)
# adapter, then runs the stages asked for, writing logs under $OUT.
# Usage: bash scripts/device/run.sh [stages...]   (default: kernels scalegpu scalecpu)
#   cli       stories260K through `dnarchive quantize` on gpu and cpu; cmp of the two containers
#   kernels   node dist/bench/kernels.js (end to end and kernel-only rates)
#   scalegpu  the scale bench, GPU path only, under --cpu-prof (summary in $OUT/prof.txt)
#   scalecpu  the scale bench, CPU path only
#   scale     the scale bench, both paths in one process (ratios, container comparison)
set -u
cd "$(dirname "$0")/../.."
T0=$(date +%s)
t() { echo "[t+$(( $(date +%s) - T0 ))s] $*"; }
for f in .gpu/*.deb; do dpkg -x "$f" /; done; ldconfig
mkdir -p /tmp/rt && tar -C /tmp/rt -xJf .gpu/rt.tar.xz
export PATH=/tmp/rt/bin:$PATH
[ -e node_modules ] || ln -s /tmp/rt/node_modules node_modules
cp -r .gpu/nm-extra/* /tmp/rt/node_modules/
t "unpacked; node $(node --version); nproc $(nproc)"
nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm --format=csv | tee $OUT/smi.txt
ldconfig -p | grep -i vulkan; ls /usr/local/nvidia/share/vulkan/icd.d/ /usr/share/vulkan/icd.d/ /etc/vulkan/icd.d/ 2>/dev/null
probe() { timeout 60 node -e "const d=await import('./dist/kernels/device.js'); const r=await d.getDevice({device:'auto'}); console.log('ADAPTER', r.kind==='gpu' ? JSON.stringify(r.gpu.adapter)+' '+JSON.stringify(r.gpu.limits) : 'none: '+r.reason); await d.closeDevice();" --input-type=module 2>&1 | grep -v artificially; }
A=$(probe); echo "$A"
if ! echo "$A" | grep -q '"fallback":false'; then
  export VK_DRIVER_FILES=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
  A=$(probe); echo "retry with VK_DRIVER_FILES: $A"
  echo "$A" | grep -q '"fallback":false' || { t "no GPU adapter; stopping"; exit 3; }
fi
echo "$A" > $OUT/adapter.txt
for s in "${@:-kernels scalegpu scalecpu}"; do for stage in $s; do
  case $stage in
    cli) t "cli: stories260K gpu and cpu containers"
      for d in gpu cpu; do s0=$(date +%s%3N); node dist/cli/main.js quantize test/fixtures/stories260K.bin --calib test/fixtures/tinystories-valid-sample.txt --device $d -o $OUT/s260-$d.dnq --json --force > $OUT/cli-$d.json 2> $OUT/cli-$d.err; echo "$d rc=$? wall $(( $(date +%s%3N) - s0 )) ms"; grep -v artificially $OUT/cli-$d.err | grep dnarchive; done
      cmp $OUT/s260-gpu.dnq $OUT/s260-cpu.dnq && echo "containers identical" ;;
    kernels) t "kernels"; timeout 200 node dist/bench/kernels.js 2>&1 | grep -v artificially | tee $OUT/kernels.log ;;
    scalegpu) t "scale gpu (profiled)"; rm -rf /tmp/prof; timeout 200 node --cpu-prof --cpu-prof-dir=/tmp/prof dist/bench/main.js --only scale --devices gpu 2>&1 | grep -v artificially | tee $OUT/scale-gpu.log; node scripts/device/prof-summary.mjs /tmp/prof 60 > $OUT/prof.txt 2>&1; ls -la /tmp/prof ;;
    scalecpu) t "scale cpu"; timeout 250 node dist/bench/main.js --only scale --devices cpu 2>&1 | tee $OUT/scale-cpu.log ;;
    scale) t "scale both"; timeout 380 node dist/bench/main.js --only scale --json $OUT/scale.json 2>&1 | grep -v artificially | tee $OUT/scale.log ;;
  esac
done; done
t "done"
