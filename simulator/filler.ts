import type { ResponseWriter } from './http-response.js';
import type { StoredObject } from './types.js';

/** Bytes of filler written at a time (a multiple of 32, so the pattern runs on across blocks). */
const BLOCK = 64 * 1024;

/** The filler block of an object: its 32-hex UUID repeated. */
function fillerBlock(uuid: string): Buffer {
  return Buffer.alloc(BLOCK, uuid, 'latin1');
}

/**
 * Streams `length` bytes of a virtual object's filler, one block at a time and only as fast as
 * the peer reads, so an object of terabytes is never allocated. Stops when the peer goes away.
 */
export async function writeFiller(res: ResponseWriter, obj: Pick<StoredObject, 'uuid'>, length: number): Promise<void> {
  const block = fillerBlock(obj.uuid);
  for (let sent = 0; sent < length; sent += BLOCK) {
    const part = length - sent < BLOCK ? block.subarray(0, length - sent) : block;
    if (!(await res.writeDrained(part))) return;
  }
}
