#!/usr/bin/env node
/**
 * Issue 23, the mechanical part: groups functions/core into folders by concept (merging the files
 * that were split only to fit a line count), gives every name one door (no pass-through
 * re-exports: importers import from the defining module) and renames the SEND result's names and
 * the homonyms. Idempotent: run it again on a tree where other branches still use the old paths
 * and names, and it brings them over; on an up-to-date tree it changes nothing.
 *
 *   node scripts/refactor/issue-23.mjs [--dry-run]
 *
 * Phases: 1 moves and merges files (a merge appends the old file's body to the new file and
 * merges the imports; a top-level name declared twice is reported, for a hand to resolve);
 * 2 rewrites import specifiers (and repo paths in configs and docs) that point at an old path;
 * 3 removes pass-through re-exports, pointing their importers at the defining module;
 * 4 renames identifiers from the table; 5 formats the files it changed with Prettier.
 * Temporary: the merge of issue 23's branches deletes this script.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const DRY = process.argv.includes('--dry-run');
const C = 'functions/core/';

/** New file <- old files, in order (the first old one is moved if the new one does not exist yet). */
const MOVES = [
  ['copy/content-identity.ts', 'content-identity.ts'],
  ['outcome/changed-object.ts', 'changed-object.ts'],
  ['copy/object-copy.ts', 'object-copy.ts'],
  ['copy/copy-headers.ts', 'copy-headers.ts'],
  ['listing/reconcile-identity.ts', 'reconcile-identity.ts'],
  ['registry/route-options.ts', 'route-options.ts'],
  ['registry/route-deletes.ts', 'route-deletes.ts'],
  ['send/object-request.ts', 'object-request.ts'],
  ['outcome/delete-decision.ts', 'delete-decision.ts'],
  ['outcome/delete-record.ts', 'delete-record.ts'],
  ['outcome/delete-proof.ts', 'delete-proof.ts'],
  ['message/message.ts', 'message.ts'],
  ['message/message-schema.ts', 'message-schema.ts'],
  ['message/zod-locale.ts', 'zod-locale.ts'],
  ['registry/registry.ts', 'registry.ts'],
  ['registry/replication-feeds.ts', 'replication-feeds.ts'],
  ['transport/cluster-transport.ts', 'cluster-transport.ts', 'transport-types.ts'],
  ['transport/nodes.ts', 'node-policy.ts', 'node-pools.ts'],
  ['transport/node-connection.ts', 'node-connection.ts', 'exchange.ts'],
  ['transport/digest-auth.ts', 'digest-auth.ts', 'auth-challenge.ts'],
  ['transport/network.ts', 'network.ts', 'network-errors.ts'],
  ['send/send-client.ts', 'send-client.ts'],
  ['send/scsp-request.ts', 'scsp-request.ts', 'product.ts'],
  ['send/response-parser.ts', 'response-parser.ts'],
  ['send/observation.ts', 'observation.ts'],
  ['send/write-response.ts', 'write-response.ts'],
  ['outcome/outcome.ts', 'outcome.ts', 'record.ts'],
  ['outcome/decide.ts', 'decide.ts', 'classify.ts'],
  ['listing/listing.ts', 'listing.ts', 'listing-fields.ts'],
  ['listing/listing-client.ts', 'listing-client.ts'],
  ['listing/listing-page.ts', 'listing-page.ts'],
  ['listing/reconcile-diff.ts', 'reconcile-diff.ts'],
].map(([to, ...from]) => ({ to: C + to, from: from.map((f) => C + f) }));

/** Old repo path -> new repo path. */
const MOVED = new Map(MOVES.flatMap(({ to, from }) => from.map((f) => [f, to])));

/**
 * Declarations moved by hand from one module to another: importers of `name` from `from` import
 * it from `to` (applied only once `from` no longer declares it).
 */
/**
 * The pass-through re-exports this script removed at 1e86686 (old paths: file, defining module,
 * names), so that a branch still importing through one finds the defining module.
 */
const REMOVED_DOORS = [
  ['bench/harness.ts', 'local/queues.ts', 'drainQueue'],
  ['cli/worker.ts', 'cli/worker-flags.ts', 'WORKER_FLAGS_HELP WORKER_OPTIONS RunWorkerMode'],
  ['functions/adapters/credentials.ts', 'functions/core/errors.ts', 'CredentialsError'],
  ['functions/adapters/credentials.ts', 'functions/worker/ports.ts', 'CredentialsProvider'],
  ['functions/adapters/sqs-queue-ops.ts', 'functions/adapters/dlq-message.ts', 'DLQ_ATTRIBUTES'],
  ['functions/adapters/telemetry.ts', 'functions/adapters/metric-names.ts', 'METRICS'],
  ['functions/core/classify.ts', 'functions/core/observation.ts', 'ClientErrorCode SendObservation'],
  ['functions/core/cluster-transport.ts', 'functions/core/network-errors.ts', 'errorCode'],
  ['functions/core/cluster-transport.ts', 'functions/core/exchange.ts', 'Exchange'],
  [
    'functions/core/cluster-transport.ts',
    'functions/core/transport-types.ts',
    'TransportOptions TransportRequest TransportResult',
  ],
  ['functions/core/digest-auth.ts', 'functions/core/auth-challenge.ts', 'parseChallenges Challenge'],
  ['functions/core/listing.ts', 'functions/core/listing-fields.ts', 'normalizeHash parseTime'],
  ['functions/core/record.ts', 'functions/core/outcome.ts', 'isSuccess'],
  ['functions/core/send-client.ts', 'functions/core/cluster-transport.ts', 'errorCode'],
  ['functions/core/send-client.ts', 'functions/core/observation.ts', 'HeadResult SendObserved'],
  ['functions/reconcile/engine.ts', 'functions/reconcile/confirm-batch.ts', 'mapLimit objectOf'],
  ['functions/reconcile/engine.ts', 'functions/reconcile/buckets.ts', 'bucketScopes MAX_BUCKETS_PER_DOMAIN'],
  ['functions/reconcile/run.ts', 'functions/reconcile/buckets.ts', 'expandScopes DiscoveryFailure ScopeSpec'],
  ['functions/worker/process-batch.ts', 'functions/worker/ports.ts', 'DeadlineContext WorkerDeps'],
  [
    'infra/constructs/reconcile-schedule.ts',
    'infra/constructs/reconcile-options.ts',
    'RECONCILE_DEFAULTS ReconcileOptions ReconcileScheduleProps',
  ],
  [
    'infra/constructs/reconcile-schedule.ts',
    'infra/constructs/reconcile-settings.ts',
    'MAX_SCOPES_LENGTH rateOf reconcileProblems',
  ],
  [
    'infra/constructs/send-function.ts',
    'infra/constructs/send-function-options.ts',
    'SendFunctionOptions SendFunctionProps',
  ],
  ['infra/constructs/send-function.ts', 'infra/constructs/send-function-settings.ts', 'sendFunctionProblems'],
];

const MOVED_NAMES = [
  { name: 'ClientErrorCode', from: C + 'send/observation.ts', to: C + 'transport/network.ts' },
  { name: 'SendResult', from: C + 'send/send-client.ts', to: C + 'outcome/outcome.ts' },
  { name: 'SendResult', from: C + 'outcome/decide.ts', to: C + 'outcome/outcome.ts' },
  { name: 'Decision', from: C + 'outcome/decide.ts', to: C + 'outcome/outcome.ts' },
  // Any SCSP answer's error headers are the transport's, so transport/ imports nothing of send/.
  ...['CastorError', 'lastCastorError', 'describeCastorError'].map((name) => ({
    name,
    from: C + 'send/response-parser.ts',
    to: C + 'transport/cluster-transport.ts',
  })),
  ...REMOVED_DOORS.flatMap(([from, to, names]) =>
    names.split(' ').map((name) => ({ name, from: MOVED.get(from) ?? from, to: MOVED.get(to) ?? to })),
  ),
];

/** Removed `export * from` doors (old paths): importers of any name `to` declares go there. */
const REMOVED_STARS = [['functions/reconcile/engine.ts', 'functions/reconcile/scope-types.ts']];

/** Package entry points: their re-exports are the package's public face and stay. */
const ENTRY_POINTS = new Set(['functions/producer.ts', 'simulator/index.ts', 'infra/index.ts']);

/**
 * Identifier renames (word boundary). `definedIn`: only in that file and in files that import the
 * name from it (a homonym keeps its other meaning). Never an old name as a new one: a re-run
 * would rename the new name again.
 */
const RENAMES = [
  { from: 'SendObserved', to: 'SendReport' },
  { from: 'Happening', to: 'SendAttempt' },
  { from: 'Classification', to: 'Decision' },
  { from: 'Verdict', to: 'Decision', definedIn: C + 'outcome/decide.ts' },
  { from: 'sendVerdict', to: 'sendDecision' },
  { from: 'Verdict', to: 'Confirmation', definedIn: C + 'listing/reconcile-diff.ts' },
  { from: 'SendRequest', to: 'SendCommand', definedIn: 'cli/send-flags.ts' },
  { from: 'errorCode', to: 'sdkErrorCode', definedIn: 'functions/adapters/sqs-batches.ts' },
  { from: 'RegistryDocument', to: 'PairRegistryDocument', definedIn: 'local/pair-registry.ts' },
  { from: 'outcomeRecord', to: 'sampleOutcomeRecord', definedIn: 'test/helpers/records.ts' },
];

/**
 * Property renames, by TypeScript's own rename (shorthand properties and destructuring included):
 * `iface.from` declared in `file` becomes `to` wherever the checker sees that property.
 */
const PROPERTY_RENAMES = [
  // Settled's record was `outcome`, so the batch's end read `s.outcome.outcome`.
  { file: 'functions/worker/settle.ts', iface: 'Settled', from: 'outcome', to: 'outcomeRecord' },
];

/**
 * Methods that become functions of another module: `obj.method(args)` -> `fn(obj, args)`, found
 * by TypeScript's references while the method still exists; then the method goes. (SendClient.send
 * made send-client.ts import decide.ts; the decision is the outcome folder's business.)
 */
const METHOD_MOVES = [
  {
    file: C + 'send/send-client.ts',
    cls: 'SendClient',
    method: 'send',
    fn: 'sendWithDecision',
    module: C + 'outcome/decide.ts',
  },
];

/** What the checker cannot see: untyped matcher objects that spell a renamed property. */
const TEXT_EDITS = [
  ...['test/unit/worker/settle.test.ts', 'test/unit/worker/fifo.test.ts'].flatMap((file) => [
    { file, from: /(expect\(s\)\.toMatchObject\(\{[^{}]*?)\boutcome: /g, to: '$1outcomeRecord: ' },
    { file, from: /(toMatchObject\(\{\s*\n\s*)outcome: null/g, to: '$1outcomeRecord: null' },
    { file, from: /\{ record: ([^,{}]+), outcome: /g, to: '{ record: $1, outcomeRecord: ' },
  ]),
];

const CODE = /\.(ts|mts|cts|mjs|js|cjs)$/;
const SKIP_DIRS = new Set(['node_modules', 'dist', 'cdk.out', '.stryker-tmp', '.git', 'reports', 'coverage']);
const DOCS = () => [
  ...readdirSync(join(ROOT, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`),
  'README.md',
  'test/README.md',
];

const log = (...a) => console.log(...a);
const changed = new Set();
const read = (p) => readFileSync(join(ROOT, p), 'utf8');
const exists = (p) => existsSync(join(ROOT, p));
function write(p, text) {
  if (exists(p) && read(p) === text) return;
  changed.add(p);
  if (DRY) return;
  mkdirSync(dirname(join(ROOT, p)), { recursive: true });
  writeFileSync(join(ROOT, p), text);
}

function walk(dir = '', out = []) {
  for (const e of readdirSync(join(ROOT, dir), { withFileTypes: true })) {
    if (e.name.startsWith('.') && e.name !== '.dependency-cruiser.cjs') continue;
    if (SKIP_DIRS.has(e.name)) continue;
    const p = dir ? `${dir}/${e.name}` : e.name;
    if (e.isDirectory()) walk(p, out);
    else if (CODE.test(e.name)) out.push(p);
  }
  return out;
}
const codeFiles = () => walk().filter((p) => exists(p) && !p.startsWith('scripts/refactor/'));

// ---------- specifiers ----------

/** The repo path (of a .ts source where one exists) a relative specifier of `file` names. */
function target(file, spec) {
  if (!spec.startsWith('./') && !spec.startsWith('../')) return null;
  const abs = relative(ROOT, resolve(ROOT, dirname(file), spec))
    .split(sep)
    .join('/');
  for (const [js, src] of [
    ['.js', '.ts'],
    ['.mjs', '.mts'],
  ])
    if (abs.endsWith(js)) return abs.slice(0, -js.length) + src;
  return abs;
}
function specifier(fromFile, repoPath) {
  let rel = relative(dirname(join(ROOT, fromFile)), join(ROOT, repoPath))
    .split(sep)
    .join('/');
  if (!rel.startsWith('.')) rel = `./${rel}`;
  return rel.replace(/\.ts$/, '.js').replace(/\.mts$/, '.mjs');
}

/** Rewrites every relative string literal of `text` (as if it sat in `oldFile`) for its place in `newFile`. */
function respecify(text, oldFile, newFile) {
  return text.replace(/(['"])(\.\.?\/[^'"\n]*)\1/g, (whole, q, spec) => {
    const t = target(oldFile, spec);
    if (!t) return whole;
    const moved = MOVED.get(t);
    if (!moved && oldFile === newFile) return whole;
    if (!moved && !exists(t) && !exists(t.replace(/\.ts$/, '.js'))) return whole;
    const next = specifier(newFile, moved ?? t);
    const keepExt = /\.[cm]?[jt]s$/.test(spec) ? next : next.replace(/\.js$/, '');
    return keepExt === spec ? whole : `${q}${keepExt}${q}`;
  });
}

/** Repo paths named in plain text (configs, docs): functions/core/x.ts and core/x.ts. */
function repath(text) {
  let out = text;
  for (const [from, to] of MOVED) {
    const base = from.slice(C.length, -3);
    const next = to.slice(C.length, -3);
    out = out.replace(
      new RegExp(`(?<![\\w.-])((?:functions/)?core/)${base.replace(/[.-]/g, '\\$&')}(\\.ts|\\.js)?(?![\\w/-])`, 'g'),
      (_, prefix, ext) => `${prefix}${next}${ext ?? ''}`,
    );
  }
  return out;
}

// ---------- imports ----------

const parse = (file, text) => ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
const isImport = (s) => ts.isImportDeclaration(s) && ts.isStringLiteral(s.moduleSpecifier);
const isReexport = (s) => ts.isExportDeclaration(s) && s.moduleSpecifier && ts.isStringLiteral(s.moduleSpecifier);

/** One named import or re-export element: `type a as b`. */
const elementText = (e, typeOnly) =>
  `${typeOnly ? 'type ' : ''}${e.propertyName ? `${e.propertyName.text} as ` : ''}${e.name.text}`;

/**
 * Merges named imports of one module into one declaration, drops imports of the file itself
 * and exact repeats. Keeps side-effect, default and namespace imports as they are.
 */
function dedupeImports(file, text) {
  const sf = parse(file, text);
  const seen = new Map();
  const edits = [];
  for (const s of sf.statements.filter(isImport)) {
    const spec = s.moduleSpecifier.text;
    if (target(file, spec) === file) {
      edits.push({ s, text: '' });
      continue;
    }
    const c = s.importClause;
    const named = c && !c.name && c.namedBindings && ts.isNamedImports(c.namedBindings);
    const key = named ? spec : s.getText();
    const elements = named ? c.namedBindings.elements.map((e) => ({ e, type: c.isTypeOnly || e.isTypeOnly })) : [];
    if (!seen.has(key)) {
      seen.set(key, { s, elements, named, count: 1 });
      continue;
    }
    const first = seen.get(key);
    first.elements.push(...elements);
    first.count += 1;
    edits.push({ s, text: '' });
  }
  for (const { s, elements, named, count } of seen.values()) {
    if (!named || count === 1) continue;
    // One element per local name; a value import wins over a type-only one.
    const byName = new Map();
    for (const { e, type } of elements) {
      const prev = byName.get(e.name.text);
      byName.set(e.name.text, { e, type: type && (prev ? prev.type : true) });
    }
    const all = [...byName.values()];
    const allTypes = all.every((x) => x.type);
    const names = all.map(({ e, type }) => elementText(e, type && !allTypes));
    edits.push({
      s,
      text: `import ${allTypes ? 'type ' : ''}{ ${names.join(', ')} } from '${s.moduleSpecifier.text}';`,
    });
  }
  // Re-exports of the file itself (left by a merge) go too.
  for (const s of sf.statements.filter(isReexport))
    if (target(file, s.moduleSpecifier.text) === file) edits.push({ s, text: '' });
  return applyEdits(text, edits);
}

function applyEdits(text, edits) {
  let out = text;
  for (const { s, text: t } of [...edits].sort((a, b) => b.s.getStart() - a.s.getStart())) {
    let end = s.getEnd();
    if (t === '' && out[end] === '\n') end += 1;
    out = out.slice(0, s.getStart()) + t + out.slice(end);
  }
  return out;
}

/** Top-level names a module declares (exported or not). */
function declared(file, text = read(file)) {
  const names = new Set();
  for (const s of parse(file, text).statements) {
    const vars = ts.isVariableStatement(s) ? s.declarationList.declarations : [s];
    for (const d of vars) if (d.name && ts.isIdentifier(d.name)) names.add(d.name.text);
  }
  return names;
}

// ---------- phase 1: moves and merges ----------

function phaseMoves() {
  for (const { to, from } of MOVES) {
    for (const old of from) {
      if (!exists(old)) continue;
      const body = respecify(read(old), old, to);
      if (!exists(to)) {
        log(`move   ${old} -> ${to}`);
        if (!DRY) {
          mkdirSync(dirname(join(ROOT, to)), { recursive: true });
          renameSync(join(ROOT, old), join(ROOT, to));
        }
        changed.add(to);
        write(to, body);
        continue;
      }
      log(`merge  ${old} -> ${to}`);
      const base = read(to);
      const twice = [...declared(old, body)].filter((n) => declared(to, base).has(n));
      if (twice.length) log(`  WARNING: declared in both, resolve by hand: ${twice.join(', ')}`);
      // Imports first (both files'), then the new file's body, then the old file's.
      const split = (file, text) => {
        const imps = parse(file, text).statements.filter(isImport);
        if (!imps.length) return { lead: '', head: '', imports: '', rest: text };
        const [first, last] = [imps[0], imps.at(-1)];
        return {
          lead: text.slice(0, first.getStart()),
          head: text.slice(0, last.getEnd()),
          imports: text.slice(first.getStart(), last.getEnd()),
          rest: text.slice(last.getEnd()),
        };
      };
      const a = split(to, base);
      const b = split(to, body);
      const merged = `${a.head}\n${b.imports}\n${a.rest.replace(/\s*$/, '\n')}\n${b.lead}${b.rest.replace(/^\s*/, '')}`;
      write(to, dedupeImports(to, merged));
      if (!DRY) rmSync(join(ROOT, old));
      changed.delete(old);
    }
  }
}

// ---------- phase 2: specifiers and paths ----------

function phaseSpecifiers() {
  for (const file of codeFiles()) {
    const text = read(file);
    const next = repath(respecify(text, file, file));
    if (next !== text) {
      log(`paths  ${file}`);
      write(file, next);
    }
  }
  for (const doc of DOCS().filter(exists)) {
    const text = read(doc);
    const next = repath(text);
    if (next !== text) {
      log(`paths  ${doc}`);
      write(doc, next);
    }
  }
}

// ---------- phase 3: one door per name ----------

/** Where `name` exported by `file` is defined: follows re-exports and moved names. */
function definingModule(file, name, depth = 0) {
  if (depth > 10 || !exists(file)) return null;
  const text = read(file);
  for (const m of MOVED_NAMES)
    if (m.name === name && m.from === file && !declared(file, text).has(name))
      return definingModule(m.to, name, depth + 1) ?? { file: m.to, name };
  const sf = parse(file, text);
  if (declared(file, text).has(name)) return { file, name };
  for (const [from, to] of REMOVED_STARS)
    if (from === file && exists(to) && declared(to).has(name)) return definingModule(to, name, depth + 1);
  for (const s of sf.statements.filter(isReexport)) {
    const t = target(file, s.moduleSpecifier.text);
    if (!t) continue;
    if (!s.exportClause) {
      const d = definingModule(t, name, depth + 1);
      if (d) return d;
      continue;
    }
    if (!ts.isNamedExports(s.exportClause)) continue;
    for (const e of s.exportClause.elements)
      if (e.name.text === name)
        return (
          definingModule(t, e.propertyName?.text ?? name, depth + 1) ?? { file: t, name: e.propertyName?.text ?? name }
        );
  }
  // Imported, then exported under its name: `import { x } from 'y'; export { x };`
  return null;
}

function phaseDoors() {
  const files = codeFiles().filter((f) => /\.[cm]?ts$/.test(f));
  for (const file of files) {
    const text = read(file);
    const sf = parse(file, text);
    const edits = [];
    for (const s of sf.statements) {
      const reexport = isReexport(s) && s.exportClause && ts.isNamedExports(s.exportClause);
      if (!isImport(s) && !reexport) continue;
      const t = target(file, s.moduleSpecifier.text);
      if (!t || !exists(t) || ENTRY_POINTS.has(t)) continue;
      const c = s.importClause;
      const elements = reexport
        ? s.exportClause.elements
        : c && c.namedBindings && ts.isNamedImports(c.namedBindings)
          ? c.namedBindings.elements
          : [];
      const typeOnly = reexport ? s.isTypeOnly : c?.isTypeOnly;
      const stay = [];
      const go = new Map();
      for (const e of elements) {
        const name = e.propertyName?.text ?? e.name.text;
        const d = definingModule(t, name);
        if (!d || (d.file === t && d.name === name)) {
          stay.push(elementText(e, e.isTypeOnly));
          continue;
        }
        const local = e.name.text;
        const el = `${e.isTypeOnly ? 'type ' : ''}${d.name === local ? local : `${d.name} as ${local}`}`;
        if (!go.has(d.file)) go.set(d.file, []);
        go.get(d.file).push(el);
      }
      if (!go.size) continue;
      const kw = reexport ? 'export' : 'import';
      const t0 = typeOnly ? 'type ' : '';
      const def = !reexport && c?.name ? `${c.name.text}` : '';
      const parts = [];
      if (stay.length || def)
        parts.push(
          `${kw} ${t0}${[def, stay.length ? `{ ${stay.join(', ')} }` : ''].filter(Boolean).join(', ')} from '${s.moduleSpecifier.text}';`,
        );
      for (const [d, els] of go) parts.push(`${kw} ${t0}{ ${els.join(', ')} } from '${specifier(file, d)}';`);
      log(`door   ${file}: ${[...go].map(([d, els]) => `${els.join(', ')} <- ${d}`).join('; ')}`);
      edits.push({ s, text: parts.join('\n') });
    }
    if (edits.length) write(file, dedupeImports(file, applyEdits(text, edits)));
  }
  // The pass-through re-exports themselves, now that nothing imports through them.
  for (const file of files) {
    if (ENTRY_POINTS.has(file) || file.startsWith('test/') || file.startsWith('scripts/')) continue;
    const text = read(file);
    const sf = parse(file, text);
    const gone = sf.statements.filter(isReexport);
    if (!gone.length) continue;
    log(`unexport ${file}: ${gone.map((s) => s.getText().replace(/\s+/g, ' ')).join(' | ')}`);
    const next = applyEdits(
      text,
      gone.map((s) => ({ s, text: '' })),
    );
    if (parse(file, next).statements.length === 0) {
      log(`delete ${file} (nothing left but re-exports)`);
      if (!DRY) rmSync(join(ROOT, file));
      changed.delete(file);
    } else write(file, next);
  }
}

// ---------- phase 4: renames ----------

function importsFrom(file, text, name, definedIn) {
  if (file === definedIn) return true;
  return parse(file, text).statements.some(
    (s) =>
      (isImport(s) || isReexport(s)) &&
      target(file, s.moduleSpecifier.text) === definedIn &&
      new RegExp(`\\b${name}\\b`).test(s.getText()),
  );
}

function phaseRenames() {
  for (const file of [...codeFiles(), ...DOCS().filter(exists)]) {
    const text = read(file);
    let next = text;
    for (const r of RENAMES) {
      const re = new RegExp(`\\b${r.from}\\b`, 'g');
      if (!re.test(next)) continue;
      if (r.definedIn && (file.endsWith('.md') || !importsFrom(file, next, r.from, r.definedIn))) continue;
      next = next.replace(re, r.to);
    }
    if (next !== text) {
      log(`rename ${file}`);
      write(file, next);
    }
  }
}

// ---------- phase 5: property renames ----------

function languageService(overrides = new Map()) {
  const configPath = join(ROOT, 'tsconfig.json');
  const parsed = ts.parseJsonConfigFileContent(ts.readConfigFile(configPath, ts.sys.readFile).config, ts.sys, ROOT);
  const host = {
    getScriptFileNames: () => parsed.fileNames,
    getScriptVersion: () => '0',
    getScriptSnapshot: (f) =>
      overrides.has(f)
        ? ts.ScriptSnapshot.fromString(overrides.get(f))
        : existsSync(f)
          ? ts.ScriptSnapshot.fromString(readFileSync(f, 'utf8'))
          : undefined,
    getCurrentDirectory: () => ROOT,
    getCompilationSettings: () => parsed.options,
    getDefaultLibFileName: (o) => ts.getDefaultLibFilePath(o),
    fileExists: ts.sys.fileExists,
    readFile: ts.sys.readFile,
    readDirectory: ts.sys.readDirectory,
    directoryExists: ts.sys.directoryExists,
    getDirectories: ts.sys.getDirectories,
  };
  return ts.createLanguageService(host, ts.createDocumentRegistry());
}

function phaseProperties() {
  for (const r of PROPERTY_RENAMES) {
    if (!exists(r.file)) continue;
    const sf = parse(r.file, read(r.file));
    const iface = sf.statements.find((s) => ts.isInterfaceDeclaration(s) && s.name.text === r.iface);
    const member = iface?.members.find((m) => m.name && ts.isIdentifier(m.name) && m.name.text === r.from);
    if (!member) continue;
    const locations = languageService().findRenameLocations(join(ROOT, r.file), member.name.getStart(), false, false, {
      providePrefixAndSuffixTextForRename: true,
    });
    const byFile = new Map();
    for (const l of locations ?? []) {
      const f = relative(ROOT, l.fileName).split(sep).join('/');
      if (!byFile.has(f)) byFile.set(f, []);
      byFile.get(f).push(l);
    }
    for (const [f, locs] of byFile) {
      let text = read(f);
      for (const l of locs.sort((a, b) => b.textSpan.start - a.textSpan.start))
        text =
          text.slice(0, l.textSpan.start) +
          `${l.prefixText ?? ''}${r.to}${l.suffixText ?? ''}` +
          text.slice(l.textSpan.start + l.textSpan.length);
      log(`property ${f}: ${r.iface}.${r.from} -> ${r.to} (${locs.length})`);
      write(f, text);
    }
  }
}

function phaseTextEdits() {
  for (const e of TEXT_EDITS) {
    if (!exists(e.file)) continue;
    const text = read(e.file);
    const next = text.replace(e.from, e.to);
    if (next === text) continue;
    log(`text   ${e.file}: ${e.from}`);
    write(e.file, next);
  }
}

/** Drops the named imports of `text` that nothing else in it names any more. */
function dropUnusedImports(file, text) {
  const sf = parse(file, text);
  const edits = [];
  for (const s of sf.statements.filter(isImport)) {
    const c = s.importClause;
    if (!c || c.name || !c.namedBindings || !ts.isNamedImports(c.namedBindings)) continue;
    const rest = text.slice(0, s.getStart()) + text.slice(s.getEnd());
    const keep = c.namedBindings.elements.filter((e) => new RegExp(`\\b${e.name.text}\\b`).test(rest));
    if (keep.length === c.namedBindings.elements.length) continue;
    const names = keep.map((e) => elementText(e, e.isTypeOnly));
    edits.push({
      s,
      text: keep.length
        ? `import ${c.isTypeOnly ? 'type ' : ''}{ ${names.join(', ')} } from '${s.moduleSpecifier.text}';`
        : '',
    });
  }
  return applyEdits(text, edits);
}

function phaseMethodMoves() {
  for (const m of METHOD_MOVES) {
    if (!exists(m.file)) continue;
    const own = read(m.file);
    const cls = parse(m.file, own).statements.find((s) => ts.isClassDeclaration(s) && s.name?.text === m.cls);
    if (!cls) continue;
    const method = cls.members.find((x) => ts.isMethodDeclaration(x) && x.name.getText() === m.method);
    // Once the method is gone, a stub in memory (never written) finds the calls other branches add.
    const stubAt = cls.getEnd() - 1;
    const stub = `  ${m.method}(...args: any[]): any { return args; }\n`;
    const overrides = method
      ? new Map()
      : new Map([[join(ROOT, m.file), own.slice(0, stubAt) + stub + own.slice(stubAt)]]);
    const at = method ? method.name.getStart() : stubAt + 2;
    const refs = languageService(overrides).findReferences(join(ROOT, m.file), at) ?? [];
    const byFile = new Map();
    for (const r of refs)
      for (const e of r.references) {
        const f = relative(ROOT, e.fileName).split(sep).join('/');
        if (e.isDefinition || f === m.file) continue;
        if (!byFile.has(f)) byFile.set(f, new Set());
        byFile.get(f).add(e.textSpan.start);
      }
    for (const [f, starts] of byFile) {
      const text = read(f);
      const sf = parse(f, text);
      const edits = [];
      const visit = (node) => {
        if (
          ts.isCallExpression(node) &&
          ts.isPropertyAccessExpression(node.expression) &&
          starts.has(node.expression.name.getStart())
        ) {
          starts.delete(node.expression.name.getStart());
          const args = [node.expression.expression, ...node.arguments].map((a) => a.getText()).join(', ');
          edits.push({ s: node, text: `${m.fn}(${args})` });
          return;
        }
        ts.forEachChild(node, visit);
      };
      visit(sf);
      if (starts.size) log(`  WARNING: ${f}: ${starts.size} reference(s) to ${m.cls}.${m.method} that are not calls`);
      let next = applyEdits(text, edits);
      const imports = parse(f, next).statements.filter(isImport);
      const at = imports.length ? imports.at(-1).getEnd() : 0;
      next = `${next.slice(0, at)}\nimport { ${m.fn} } from '${specifier(f, m.module)}';${next.slice(at)}`;
      log(`method ${f}: ${edits.length} call(s) of ${m.cls}.${m.method} -> ${m.fn}`);
      write(f, dedupeImports(f, next));
    }
    if (!method) continue;
    log(`method ${m.file}: ${m.cls}.${m.method} removed`);
    const now = read(m.file);
    const again = parse(m.file, now)
      .statements.find((s) => ts.isClassDeclaration(s) && s.name?.text === m.cls)
      .members.find((x) => ts.isMethodDeclaration(x) && x.name.getText() === m.method);
    write(m.file, dropUnusedImports(m.file, now.slice(0, again.getFullStart()) + now.slice(again.getEnd())));
  }
}

phaseMoves();
phaseSpecifiers();
phaseDoors();
phaseRenames();
phaseDoors(); // the renamed names' doors (Verdict -> Decision, now declared in outcome.ts)
phaseProperties();
phaseMethodMoves();
phaseTextEdits();
const formattable = [...changed].filter((p) => exists(p));
if (!DRY && formattable.length) {
  const prettier = join(ROOT, 'node_modules/.bin/prettier');
  if (existsSync(prettier))
    execFileSync(prettier, ['--write', '--log-level=warn', ...formattable], { cwd: ROOT, stdio: 'inherit' });
}
log(`${DRY ? 'would change' : 'changed'} ${changed.size} files`);
