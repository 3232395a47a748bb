/** CRC-32 (IEEE 802.3, reflected, polynomial 0xEDB88320), the zlib/PNG checksum; one table. */
const TABLE = new Int32Array(256);
for (let n = 0; n < 256; n++) {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  TABLE[n] = c;
}

/**
 * CRC-32 of data[start, end); with `prefix16` (0 … 65535), of its two bytes (MSB first) followed
 * by that range — the checksum of bytes that are implied rather than stored.
 */
export function crc32(data: Uint8Array, start = 0, end = data.length, prefix16?: number): number {
  let c = -1;
  if (prefix16 !== undefined) {
    c = TABLE[(c ^ (prefix16 >>> 8)) & 0xff] ^ (c >>> 8);
    c = TABLE[(c ^ prefix16) & 0xff] ^ (c >>> 8);
  }
  for (let i = start; i < end; i++) c = TABLE[(c ^ data[i]) & 0xff] ^ (c >>> 8);
  return (c ^ -1) >>> 0;
}
