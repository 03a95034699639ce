import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Code, Function as LambdaFunction, type FunctionProps, type Runtime } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, type BundlingOptions } from 'aws-cdk-lib/aws-lambda-nodejs';
import type { Construct } from 'constructs';
import { DEFAULT_BUNDLING, DEFAULT_HANDLER, DEPS_LOCK_FILE_PATH, PROJECT_ROOT, REPO_ROOT } from './defaults.js';

/**
 * Where a Lambda handler's code comes from. By default the package's prebuilt bundle
 * (dist/lambda/<name>/, built by `npm pack` and `npm run build` with the options of
 * `DEFAULT_BUNDLING`): the consumer's app bundles nothing, needs no esbuild, and deploys the
 * bytes the package's tests ran. Bundling from source is for this repository (its sample app),
 * where the sources are.
 */
export interface HandlerCodeOptions {
  /**
   * Code built elsewhere (tests, or an artifact of your own); the other options are then ignored.
   * @default - the prebuilt bundle, or the source bundled by esbuild (see `bundleFromSource`)
   */
  readonly code?: Code;

  /**
   * Bundle the handler's TypeScript source with esbuild at synthesis (`NodejsFunction`) instead
   * of deploying the prebuilt bundle. Needs the repository's sources and esbuild, so it is meant
   * for this repository; an installed package ships only the prebuilt bundle.
   * @default - false, unless `entry` or `bundling` is given
   */
  readonly bundleFromSource?: boolean;

  /**
   * The entry file to bundle (implies `bundleFromSource`).
   * @default functions/handlers/<name>.ts under the repository root
   */
  readonly entry?: string;

  /**
   * esbuild options, merged over `DEFAULT_BUNDLING` (yours win); implies `bundleFromSource`.
   * @default DEFAULT_BUNDLING
   */
  readonly bundling?: BundlingOptions;

  /**
   * The Lambda runtime. The prebuilt handlers are built for and tested on `DEFAULT_RUNTIME`; a
   * newer Node.js runtime is yours to test. On the default, cdk-nag's AwsSolutions-L1 (which wants
   * the newest runtime your aws-cdk-lib knows) is acknowledged with that reason; on any other
   * runtime it is not.
   * @default DEFAULT_RUNTIME (Node.js 24)
   */
  readonly runtime?: Runtime;

  /**
   * The handler's exported name (with `code`: `file.export`; a bare name means `index.<name>`).
   * @default DEFAULT_HANDLER ('handler')
   */
  readonly handler?: string;
}

/** The folder of a prebuilt handler inside the package: dist/lambda/<name>/ (index.mjs, index.mjs.map). */
export function prebuiltHandlerDir(name: string): string {
  return join(REPO_ROOT, 'dist', 'lambda', name);
}

/** The TypeScript entry of a handler in this repository: functions/handlers/<name>.ts. */
export function handlerSourceEntry(name: string): string {
  return join(REPO_ROOT, 'functions', 'handlers', `${name}.ts`);
}

/** The prebuilt bundle of handler `name` as Lambda code; throws, saying what to do, when it was not built. */
export function prebuiltHandlerCode(name: string): Code {
  const dir = prebuiltHandlerDir(name);
  if (!existsSync(join(dir, 'index.mjs'))) {
    throw new Error(
      `swarm-send: the prebuilt "${name}" handler is missing (${join(dir, 'index.mjs')}). ` +
        'In a clone of the repository run `npm run build`, or bundle from source (bundleFromSource: true).',
    );
  }
  return Code.fromAsset(dir);
}

/** Whether the options bundle from source at synthesis. */
export function bundlesFromSource(options: HandlerCodeOptions): boolean {
  return (
    !options.code &&
    (options.bundleFromSource === true || options.entry !== undefined || options.bundling !== undefined)
  );
}

/**
 * Whether the deployed code carries a source map for Node to use (`NODE_OPTIONS=--enable-source-maps`):
 * the prebuilt bundle has one; a source bundle when its options make one; foreign `code` is not known to.
 */
export function handlerHasSourceMap(options: HandlerCodeOptions): boolean {
  if (options.code) return false;
  if (bundlesFromSource(options)) return Boolean({ ...DEFAULT_BUNDLING, ...options.bundling }.sourceMap);
  return true;
}

/**
 * A Lambda function running handler `name` (functions/handlers/<name>.ts): a plain
 * `lambda.Function` over the prebuilt bundle or the given `code`, or a `NodejsFunction` that
 * bundles the source. `props` is everything else about the function.
 */
export function handlerFunction(
  scope: Construct,
  id: string,
  name: string,
  options: HandlerCodeOptions,
  props: Omit<FunctionProps, 'code' | 'handler'>,
): LambdaFunction {
  const handler = options.handler ?? DEFAULT_HANDLER;
  if (bundlesFromSource(options)) {
    const entry = options.entry ?? handlerSourceEntry(name);
    if (!existsSync(entry)) {
      throw new Error(
        `swarm-send: cannot bundle the "${name}" handler from source: ${entry} does not exist (an installed package ships only the prebuilt bundle; leave bundleFromSource unset).`,
      );
    }
    return new NodejsFunction(scope, id, {
      ...props,
      entry,
      handler,
      bundling: { ...DEFAULT_BUNDLING, ...options.bundling },
      depsLockFilePath: DEPS_LOCK_FILE_PATH,
      projectRoot: PROJECT_ROOT,
    });
  }
  return new LambdaFunction(scope, id, {
    ...props,
    code: options.code ?? prebuiltHandlerCode(name),
    handler: handler.includes('.') ? handler : `index.${handler}`,
  });
}
