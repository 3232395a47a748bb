/**
 * The WebGPU device layer (Dawn through the `webgpu` package): one adapter and device per process,
 * made on first use; compiled pipelines cached by kernel name; storage, uniform and read-back
 * buffers pooled by size. When no device can be made, or the one we had is lost, `device: 'auto'`
 * falls back to the TypeScript twins and says why once on stderr; `device: 'gpu'` throws.
 */
import { GpuKernelError, GpuUnavailableError, ShaderCompileError } from './errors.js';

export type DeviceChoice = 'auto' | 'gpu' | 'cpu';

/** Which adapter runs the kernels, from GPUAdapterInfo. */
export interface AdapterReport {
  /** One line for people, e.g. "llvmpipe: Mesa 25.0.7 (LLVM 15.0.6) [mesa software, fallback adapter]". */
  name: string;
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  /** True for software adapters such as lavapipe. */
  fallback: boolean;
}

/** What the kernels may bind and dispatch at once; larger operands are split into chunks. */
export interface ChunkLimits {
  /** Bytes of one storage binding (min of maxStorageBufferBindingSize and maxBufferSize). */
  maxBindingBytes: number;
  /** maxComputeWorkgroupsPerDimension. */
  maxWorkgroupsPerDimension: number;
  /**
   * Transposed products (the linear layer, the Hessian) take the vec4 kernel (linear4.wgsl)
   * when their operands fit. It uses no workgroup memory, which is what CPU drivers such as
   * lavapipe run fastest; GPUs run the tiled kernels, which share loads through workgroup memory.
   * Defaults to the adapter's fallback flag.
   */
  vec4Products: boolean;
}

export interface RuntimeStats {
  pipelinesCompiled: number;
  pipelineCacheHits: number;
  buffersCreated: number;
  buffersReused: number;
}

export type KernelDevice = { kind: 'gpu'; gpu: GpuRuntime } | { kind: 'cpu'; reason: string };

// WebGPU's numeric flags are fixed by the spec; spelling them out avoids needing Dawn's globals
// on globalThis.
const USAGE = { MAP_READ: 1, COPY_SRC: 4, COPY_DST: 8, UNIFORM: 64, STORAGE: 128 } as const;
const MAP_MODE_READ = 1;
/** Free pooled buffers beyond this many bytes are destroyed instead of kept. */
const POOL_KEEP_BYTES = 512 * 1024 * 1024;

export class GpuRuntime {
  readonly limits: ChunkLimits;
  /** Set once the device is lost; every later call falls back (auto) or throws (gpu). */
  lostReason: string | null = null;
  private readonly pipelines = new Map<string, Promise<GPUComputePipeline>>();
  private readonly free = new Map<string, GPUBuffer[]>();
  private freeBytes = 0;
  private readonly bucketOf = new WeakMap<GPUBuffer, string>();
  private readonly counters: RuntimeStats = { pipelinesCompiled: 0, pipelineCacheHits: 0, buffersCreated: 0, buffersReused: 0 };
  private closing = false;
  /** Passes encoded per `run` (see `withRepeatedPasses`); 1 outside benchmarks. */
  private passRepeats = 1;

  constructor(
    readonly device: GPUDevice,
    readonly adapter: AdapterReport,
    /** Dawn's instance: it must outlive the device, or its threads fail once it is collected. */
    readonly instance: GPU,
  ) {
    const l = device.limits;
    this.limits = {
      maxBindingBytes: Math.min(l.maxStorageBufferBindingSize, l.maxBufferSize),
      maxWorkgroupsPerDimension: l.maxComputeWorkgroupsPerDimension,
      vec4Products: adapter.fallback,
    };
    device.lost.then((info) => {
      if (this.closing) return;
      this.lostReason = `device lost (${info.reason}${info.message ? `: ${info.message.split('\n')[0]}` : ''})`;
      process.stderr.write(`dnarchive: WebGPU ${this.lostReason}; kernels fall back to the CPU\n`);
    });
  }

  stats(): RuntimeStats {
    return { ...this.counters };
  }

  /** Effective limits: the device's, tightened by `override` (tests use this to force chunking). */
  chunkLimits(override?: Partial<ChunkLimits>): ChunkLimits {
    return {
      maxBindingBytes: Math.min(this.limits.maxBindingBytes, override?.maxBindingBytes ?? Infinity),
      maxWorkgroupsPerDimension: Math.min(this.limits.maxWorkgroupsPerDimension, override?.maxWorkgroupsPerDimension ?? Infinity),
      vec4Products: override?.vec4Products ?? this.limits.vec4Products,
    };
  }

  /** The compute pipeline of `kernel` (entry point `main`), compiled once and cached by name. */
  pipeline(kernel: string, code: string): Promise<GPUComputePipeline> {
    const cached = this.pipelines.get(kernel);
    if (cached) {
      this.counters.pipelineCacheHits++;
      return cached;
    }
    const made = this.compile(kernel, code);
    this.pipelines.set(kernel, made);
    made.catch(() => this.pipelines.delete(kernel)); // a failed compile is reported, not remembered
    return made;
  }

  private async compile(kernel: string, code: string): Promise<GPUComputePipeline> {
    this.ensureAlive(kernel);
    const device = this.device;
    device.pushErrorScope('validation');
    const module = device.createShaderModule({ code, label: kernel });
    const scoped = await device.popErrorScope();
    const info = await module.getCompilationInfo();
    const errors = info.messages.filter((m) => m.type === 'error').map((m) => `${m.lineNum}:${m.linePos} ${m.message}`);
    if (errors.length > 0 || scoped) throw new ShaderCompileError(kernel, errors.length > 0 ? errors : [firstLine(scoped!.message)]);
    try {
      const p = await device.createComputePipelineAsync({ label: kernel, layout: 'auto', compute: { module, entryPoint: 'main' } });
      this.counters.pipelinesCompiled++;
      return p;
    } catch (err) {
      throw new ShaderCompileError(kernel, [firstLine((err as Error).message)]);
    }
  }

  /** A pooled buffer of at least `bytes` (rounded up to a power of two so that sizes share buckets). */
  acquire(bytes: number, usage: 'storage' | 'uniform' | 'readback'): GPUBuffer {
    const flags =
      usage === 'storage'
        ? USAGE.STORAGE | USAGE.COPY_DST | USAGE.COPY_SRC
        : usage === 'uniform'
          ? USAGE.UNIFORM | USAGE.COPY_DST
          : USAGE.MAP_READ | USAGE.COPY_DST;
    const want = Math.max(256, align(bytes, 4));
    let size = 2 ** Math.ceil(Math.log2(want));
    if (size > this.device.limits.maxBufferSize) size = align(want, 256);
    const key = `${usage}:${size}`;
    const list = this.free.get(key);
    const reused = list?.pop();
    if (reused) {
      this.freeBytes -= size;
      this.counters.buffersReused++;
      return reused;
    }
    const buffer = this.device.createBuffer({ size, usage: flags, label: key });
    this.bucketOf.set(buffer, key);
    this.counters.buffersCreated++;
    return buffer;
  }

  /** Give a buffer back to the pool once every command that uses it has completed. */
  release(buffer: GPUBuffer): void {
    const key = this.bucketOf.get(buffer);
    if (key === undefined || this.closing) return buffer.destroy();
    if (this.freeBytes + buffer.size > POOL_KEEP_BYTES) return buffer.destroy();
    const list = this.free.get(key);
    if (list) list.push(buffer);
    else this.free.set(key, [buffer]);
    this.freeBytes += buffer.size;
  }

  /** A pooled storage buffer holding a copy of `data`. */
  upload(data: Float32Array | Uint32Array): GPUBuffer {
    const buffer = this.acquire(data.byteLength, 'storage');
    if (data.byteLength > 0) this.device.queue.writeBuffer(buffer, 0, data.buffer, data.byteOffset, data.byteLength);
    return buffer;
  }

  /**
   * One uniform buffer holding a parameter block per dispatch, each at an offset the device
   * accepts; `slot(i)` is the binding resource of dispatch i.
   */
  uniforms(blocks: Uint32Array[]): { buffer: GPUBuffer; slot: (i: number) => GPUBufferBinding } {
    const stride = align(Math.max(16, ...blocks.map((b) => b.byteLength)), this.device.limits.minUniformBufferOffsetAlignment);
    const bytes = stride * blocks.length;
    const staging = new Uint8Array(bytes);
    blocks.forEach((b, i) => staging.set(new Uint8Array(b.buffer, b.byteOffset, b.byteLength), i * stride));
    const buffer = this.acquire(bytes, 'uniform');
    this.device.queue.writeBuffer(buffer, 0, staging);
    return { buffer, slot: (i) => ({ buffer, offset: i * stride, size: align(blocks[i].byteLength, 16) }) };
  }

  /**
   * For benchmarks only: while `fn` runs, every `run` encodes its passes `times` times, so that
   * the difference from a normal call is (times − 1) × the kernels' own time, without uploads,
   * read-backs or submission latency. Results computed meanwhile are wrong (accumulating kernels
   * accumulate repeatedly) and must be discarded.
   */
  async withRepeatedPasses<T>(times: number, fn: () => Promise<T>): Promise<T> {
    if (!Number.isInteger(times) || times < 1) throw new RangeError(`withRepeatedPasses: times must be a positive integer (got ${times})`);
    this.passRepeats = times;
    try {
      return await fn();
    } finally {
      this.passRepeats = 1;
    }
  }

  /**
   * Encode with `encode`, submit, and surface any validation or out-of-memory error as a
   * GpuKernelError naming the kernel. `reads` are copied back after the work completes.
   */
  async run(
    kernel: string,
    encode: (encoder: GPUCommandEncoder) => void,
    reads: { from: GPUBuffer; bytes: number; into: Float32Array | Uint32Array }[] = [],
  ): Promise<void> {
    this.ensureAlive(kernel);
    const device = this.device;
    const staging: GPUBuffer[] = [];
    device.pushErrorScope('out-of-memory');
    device.pushErrorScope('validation');
    try {
      const encoder = device.createCommandEncoder({ label: kernel });
      for (let r = 0; r < this.passRepeats; r++) encode(encoder);
      for (const r of reads) {
        const s = this.acquire(r.bytes, 'readback');
        staging.push(s);
        if (r.bytes > 0) encoder.copyBufferToBuffer(r.from, 0, s, 0, align(r.bytes, 4));
      }
      device.queue.submit([encoder.finish()]);
    } finally {
      const validation = await device.popErrorScope();
      const oom = await device.popErrorScope();
      const scoped = validation ?? oom;
      if (scoped) {
        staging.forEach((s) => s.destroy());
        throw new GpuKernelError(kernel, firstLine(scoped.message));
      }
    }
    try {
      for (let i = 0; i < reads.length; i++) {
        const r = reads[i];
        if (r.bytes === 0) continue;
        const s = staging[i];
        await s.mapAsync(MAP_MODE_READ, 0, align(r.bytes, 4));
        const view = r.into instanceof Float32Array ? new Float32Array(s.getMappedRange(0, r.bytes)) : new Uint32Array(s.getMappedRange(0, r.bytes));
        r.into.set(view);
        s.unmap();
      }
    } catch (err) {
      this.ensureAlive(kernel);
      throw new GpuKernelError(kernel, `read-back failed: ${firstLine((err as Error).message)}`);
    }
    staging.forEach((s) => this.release(s));
  }

  /** Bind group for `pipeline` with the given resources at bindings 0, 1, 2, … */
  bindGroup(pipeline: GPUComputePipeline, resources: (GPUBuffer | GPUBufferBinding)[]): GPUBindGroup {
    return this.device.createBindGroup({
      layout: pipeline.getBindGroupLayout(0),
      entries: resources.map((r, binding) => ({ binding, resource: 'buffer' in r ? r : { buffer: r } })),
    });
  }

  private ensureAlive(kernel: string): void {
    if (this.lostReason) throw new GpuKernelError(kernel, this.lostReason);
  }

  destroy(): void {
    this.closing = true;
    for (const list of this.free.values()) list.forEach((b) => b.destroy());
    this.free.clear();
    this.pipelines.clear();
    this.device.destroy();
  }
}

let pending: Promise<GpuRuntime | string> | null = null;
let warned = false;

/**
 * The memoized kernel device. 'cpu' never touches WebGPU; 'gpu' throws GpuUnavailableError when
 * no device can be had; 'auto' falls back to the CPU and prints the reason once on stderr.
 */
export async function getDevice(options: { device?: DeviceChoice } = {}): Promise<KernelDevice> {
  const choice = options.device ?? 'auto';
  if (choice === 'cpu') return { kind: 'cpu', reason: 'the CPU was asked for' };
  pending ??= openRuntime();
  const got = await pending;
  const reason = typeof got === 'string' ? got : got.lostReason;
  if (reason === null && typeof got !== 'string') return { kind: 'gpu', gpu: got };
  if (choice === 'gpu') throw new GpuUnavailableError(reason!);
  if (!warned && typeof got === 'string') {
    warned = true;
    process.stderr.write(`dnarchive: no WebGPU device (${reason}); kernels run on the CPU\n`);
  }
  return { kind: 'cpu', reason: reason! };
}

/** Destroy the device (Node can then exit) and forget it; a later getDevice makes a new one. */
export async function closeDevice(): Promise<void> {
  const was = pending;
  pending = null;
  warned = false;
  if (!was) return;
  const got = await was;
  if (typeof got !== 'string') got.destroy();
}

async function openRuntime(): Promise<GpuRuntime | string> {
  let create: (flags: string[]) => GPU;
  try {
    ({ create } = await import('webgpu'));
  } catch (err) {
    return `the webgpu package did not load: ${firstLine((err as Error).message)}`;
  }
  try {
    const gpu = create([]);
    const adapter = (await gpu.requestAdapter({ powerPreference: 'high-performance' })) ?? (await gpu.requestAdapter({ forceFallbackAdapter: true }));
    if (!adapter) return 'Dawn found no adapter, i.e. no Vulkan/Metal/D3D12 driver (on Debian, mesa-vulkan-drivers from bookworm-backports provides lavapipe)';
    const a = adapter.limits;
    const device = await adapter.requestDevice({
      label: 'dnarchive',
      requiredLimits: {
        maxStorageBufferBindingSize: a.maxStorageBufferBindingSize,
        maxBufferSize: a.maxBufferSize,
        maxComputeWorkgroupsPerDimension: a.maxComputeWorkgroupsPerDimension,
      },
    });
    return new GpuRuntime(device, describeAdapter(adapter), gpu);
  } catch (err) {
    return `WebGPU device creation failed: ${firstLine((err as Error).message)}`;
  }
}

function describeAdapter(adapter: GPUAdapter): AdapterReport {
  const i = adapter.info;
  const fallback = Boolean((i as { isFallbackAdapter?: boolean }).isFallbackAdapter ?? (adapter as { isFallbackAdapter?: boolean }).isFallbackAdapter);
  const title = i.description || i.device || i.vendor || 'unnamed adapter';
  const tags = [i.vendor, i.architecture].filter(Boolean).join(' ');
  const name = `${title}${tags || fallback ? ` [${[tags, fallback ? 'fallback adapter' : ''].filter(Boolean).join(', ')}]` : ''}`;
  return { name, vendor: i.vendor, architecture: i.architecture, device: i.device, description: i.description, fallback };
}

function firstLine(s: string): string {
  return s.trim().split('\n')[0].trim();
}

export function align(x: number, to: number): number {
  return Math.ceil(x / to) * to;
}
