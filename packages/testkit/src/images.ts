import { crc32, deflateSync } from "node:zlib";

/**
 * A PNG built byte by byte (signature, IHDR, IDAT, IEND, each chunk with its CRC): by default a
 * real 1×1 RGBA image. `width`/`height` only change what the header declares (one scanline of
 * data follows, so a large declared size is a decompression bomb); `corrupt` breaks the image
 * data's checksum, so decoding fails.
 */
export function png(options: { width?: number; height?: number; corrupt?: boolean } = {}): Buffer {
  const chunk = (type: string, data: Buffer, damaged = false) => {
    const body = Buffer.concat([Buffer.from(type, "ascii"), data]);
    const head = Buffer.alloc(4);
    head.writeUInt32BE(data.length);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE((crc32(body) ^ (damaged ? 1 : 0)) >>> 0);
    return Buffer.concat([head, body, crc]);
  };
  const ihdr = Buffer.from([0, 0, 0, 0, 0, 0, 0, 0, 8, 6, 0, 0, 0]);
  ihdr.writeUInt32BE(options.width ?? 1, 0);
  ihdr.writeUInt32BE(options.height ?? 1, 4);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", ihdr),
    chunk("IDAT", deflateSync(Buffer.from([0, 255, 0, 0, 255])), options.corrupt),
    chunk("IEND", Buffer.alloc(0)),
  ]);
}
