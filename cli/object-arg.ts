import { OBJECT_UUID, type ObjectRef } from '../functions/core/message/message.js';
import { UsageError } from './command.js';

/**
 * The object argument of `send` and `check`: a 32-hex UUID (an alias object with --alias), or
 * bucket/name of a named object in `domain` (the name may contain "/").
 */
export function parseObjectArgument(arg: string, domain: string, alias: boolean): ObjectRef {
  if (OBJECT_UUID.test(arg)) return alias ? { uuid: arg, alias: true } : { uuid: arg };
  const slash = arg.indexOf('/');
  if (slash <= 0 || slash === arg.length - 1) throw new UsageError(`"${arg}" is neither a 32-hex UUID nor bucket/name`);
  if (alias) throw new UsageError('--alias applies to UUIDs only');
  return { domain, bucket: arg.slice(0, slash), name: arg.slice(slash + 1) };
}
