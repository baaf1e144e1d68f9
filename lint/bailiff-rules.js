// The two architecture rules of DESIGN.md, as ESLint rules for src/core (see eslint.config.js):
// - core-imports: core imports core, and nothing else but the packages listed in `allow` (an allow-list: a new
//   folder or package outside core is refused until someone says otherwise here);
// - core-determinism: core reads no clock, no randomness, no environment, no timers, evaluates no strings. Globals
//   that would do it are refused wherever they appear as a value, and `Math` may be used only as `Math.<name>` with
//   a name other than `random`, so it cannot be aliased (`const M = Math; M.random()`) or reached by a computed key.
//   `// det-ok: <why>` on the line (or the line above) is the only escape: inline eslint-disable comments are off in
//   src/core (linterOptions.noInlineConfig).
// Plain ESLint rules with no dependency: they run wherever ESLint 10 runs (Node 20 included).

import { dirname, resolve, sep } from 'node:path';

/** The directory of core for a file inside it (".../src/core"), or undefined for a file elsewhere. */
function coreRoot(filename) {
  const marker = `${sep}src${sep}core${sep}`;
  const at = filename.lastIndexOf(marker);
  return at < 0 ? undefined : filename.slice(0, at + marker.length - 1);
}

/** @type {import('eslint').Rule.RuleModule} */
const coreImports = {
  meta: {
    type: 'problem',
    docs: { description: 'src/core imports only src/core and the packages in `allow`' },
    schema: [{ type: 'object', properties: { allow: { type: 'array', items: { type: 'string' } } }, additionalProperties: false }],
    messages: {
      outside: 'core/ imports only core/: "{{source}}" resolves outside src/core.',
      notAllowed: 'core/ imports only core/ and the allowed packages ({{allowed}}): "{{source}}" is not one.',
      notLiteral: 'core/ imports only literal paths (a computed import could reach anything).',
    },
  },
  create(context) {
    const root = coreRoot(context.filename);
    if (root === undefined) return {};
    const allowed = context.options[0]?.allow ?? [];
    const check = (node, source) => {
      if (typeof source !== 'string') {
        context.report({ node, messageId: 'notLiteral' });
        return;
      }
      if (source.startsWith('.') || source.startsWith('/')) {
        const target = resolve(dirname(context.filename), source);
        if (target !== root && !target.startsWith(root + sep)) context.report({ node, messageId: 'outside', data: { source } });
        return;
      }
      if (!allowed.some((p) => source === p || source.startsWith(`${p}/`))) {
        context.report({ node, messageId: 'notAllowed', data: { source, allowed: allowed.join(', ') || 'none' } });
      }
    };
    const literal = (n) => (n?.type === 'Literal' ? n.value : n?.type === 'TemplateLiteral' && n.expressions.length === 0 ? n.quasis[0]?.value.cooked : undefined);
    return {
      ImportDeclaration: (node) => check(node.source, node.source.value),
      ExportNamedDeclaration: (node) => node.source && check(node.source, node.source.value),
      ExportAllDeclaration: (node) => check(node.source, node.source.value),
      ImportExpression: (node) => check(node.source, literal(node.source)),
      TSImportType: (node) => check(node, literal(node.argument?.literal ?? node.argument)),
      TSExternalModuleReference: (node) => check(node.expression, literal(node.expression)),
      CallExpression: (node) => {
        if (node.callee.type === 'Identifier' && node.callee.name === 'require') check(node, literal(node.arguments[0]));
      },
    };
  },
};

/** Globals core must not touch as values: clocks, randomness, environment, timers, I/O, string evaluation. */
const BANNED_GLOBALS = new Map([
  ['Date', 'core/ has no clock: time arrives with the command (tsMs).'],
  ['performance', 'core/ has no clock.'],
  ['process', 'core/ reads no environment.'],
  ['globalThis', 'core/ does not reach the global object (it leads to every banned global).'],
  ['global', 'core/ does not reach the global object.'],
  ['window', 'core/ does not reach the global object.'],
  ['self', 'core/ does not reach the global object.'],
  ['crypto', 'core/ has no randomness: seeds are inputs.'],
  ['setTimeout', 'core/ has no timers.'],
  ['setInterval', 'core/ has no timers.'],
  ['setImmediate', 'core/ has no timers.'],
  ['clearTimeout', 'core/ has no timers.'],
  ['clearInterval', 'core/ has no timers.'],
  ['clearImmediate', 'core/ has no timers.'],
  ['queueMicrotask', 'core/ schedules nothing.'],
  ['fetch', 'core/ does no I/O.'],
  ['require', 'core/ imports statically (core-imports checks them).'],
  ['eval', 'core/ evaluates no strings.'],
  ['Function', 'core/ evaluates no strings (new Function).'],
  ['Intl', 'core/ formats nothing: Intl reads the clock and the locale.'],
  ['WeakRef', 'core/ does not depend on garbage collection.'],
  ['FinalizationRegistry', 'core/ does not depend on garbage collection.'],
]);

/** Node types whose identifiers are types, not values (`x: Date` would be fine). */
const TYPE_CONTEXT = new Set(['TSTypeReference', 'TSTypeQuery', 'TSQualifiedName', 'TSInterfaceHeritage', 'TSClassImplements']);

/** @type {import('eslint').Rule.RuleModule} */
const coreDeterminism = {
  meta: {
    type: 'problem',
    docs: { description: 'src/core reads no clock, randomness, environment or timers; `// det-ok: <why>` is the only escape' },
    schema: [],
    messages: {
      banned: '{{name}}: {{why}} (`// det-ok: <why>` if this is truly deterministic)',
      mathOnly: 'Math may be used only as Math.<name> (not random, not aliased, not computed): core/ has no randomness.',
    },
  },
  create(context) {
    if (coreRoot(context.filename) === undefined) return {};
    const sourceCode = context.sourceCode;
    const escaped = new Set();
    for (const c of sourceCode.getAllComments()) {
      if (/^\s*det-ok:\s*\S/.test(c.value)) {
        escaped.add(c.loc.start.line);
        escaped.add(c.loc.end.line + 1);
      }
    }
    const inTypeContext = (ref) => TYPE_CONTEXT.has(ref.identifier.parent?.type) || ref.isTypeReference === true;
    const report = (ref) => {
      const id = ref.identifier;
      if (escaped.has(id.loc.start.line) || inTypeContext(ref)) return;
      const name = id.name;
      if (name === 'Math') {
        const p = id.parent;
        const member = p?.type === 'MemberExpression' && p.object === id && !p.computed && p.property.type === 'Identifier';
        if (!member || p.property.name === 'random') context.report({ node: id, messageId: 'mathOnly' });
        return;
      }
      const why = BANNED_GLOBALS.get(name);
      if (why !== undefined) context.report({ node: id, messageId: 'banned', data: { name, why } });
    };
    return {
      Program(node) {
        const scope = sourceCode.getScope(node);
        // Globals declared by configuration (no definition in the file), then globals not declared at all.
        for (const v of scope.variables) if (v.defs.length === 0) for (const ref of v.references) report(ref);
        for (const ref of scope.through) report(ref);
      },
    };
  },
};

export default {
  meta: { name: 'bailiff' },
  rules: { 'core-imports': coreImports, 'core-determinism': coreDeterminism },
};
