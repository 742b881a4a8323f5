/**
 * A route reads: validate, authorize, call the domain, present. Its SQL lives in the domain's
 * repo or service (where the other callers and the transactions are), and what routes share
 * lives in http/ beside them (present.ts, request.ts): a route that imports another route ties
 * their loading together and hides a helper where nobody looks for it. This reads the route
 * files' syntax (not text, so a quote in a comment or a URL in a string cannot mislead it).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const ROUTES = join(dirname(fileURLToPath(import.meta.url)), 'routes');
const SQL = /\b(SELECT|INSERT|UPDATE|DELETE|COPY)\b/;

/** What breaks the layering in one route file's source, one line per finding. */
export function layerProblems(fileName: string, source: string): string[] {
  const file = ts.createSourceFile(fileName, source, ts.ScriptTarget.Latest, true);
  const out: string[] = [];
  const at = (n: ts.Node) => `${fileName}:${file.getLineAndCharacterOfPosition(n.getStart(file)).line + 1}`;
  const importsRoute = (n: ts.Node, spec: ts.Expression | undefined) => {
    if (spec && ts.isStringLiteralLike(spec) && /\.routes(\.js)?$/.test(spec.text)) out.push(`${at(n)} imports the route file ${spec.text}`);
  };
  const visit = (n: ts.Node): void => {
    if (ts.isStringLiteral(n) || ts.isNoSubstitutionTemplateLiteral(n) || ts.isTemplateHead(n) || ts.isTemplateMiddle(n) || ts.isTemplateTail(n)) {
      const m = SQL.exec(n.text);
      if (m) out.push(`${at(n)} holds SQL (${m[1]}) in a string`);
    } else if (ts.isImportDeclaration(n) || ts.isExportDeclaration(n)) {
      importsRoute(n, n.moduleSpecifier);
    } else if (ts.isCallExpression(n) && n.expression.kind === ts.SyntaxKind.ImportKeyword) {
      importsRoute(n, n.arguments[0]);
    } else if (ts.isCallExpression(n) && ts.isPropertyAccessExpression(n.expression) && n.expression.name.text === 'query') {
      out.push(`${at(n)} runs a query itself (${n.expression.getText(file)})`);
    }
    ts.forEachChild(n, visit);
  };
  visit(file);
  return out;
}

describe('route files', () => {
  it('are caught holding SQL, running a query or importing another route, and not for words in summaries', () => {
    const bad = [
      "import { jobView } from './lifecycle.routes.js';",
      "export { x } from './other.routes.js';",
      "const m = await import('./sources.routes.js');",
      'const a = `SELECT id FROM accounts WHERE workspace_id = $1`;',
      'const b = `${cols} FROM t; DELETE FROM t WHERE id = ${id}`;',
      "const c = 'INSERT INTO tasks (id) VALUES ($1)';",
      'await deps.db.query(text, [ws.id]);',
    ].join('\n');
    assert.deepEqual(layerProblems('bad.routes.ts', bad), [
      'bad.routes.ts:1 imports the route file ./lifecycle.routes.js',
      'bad.routes.ts:2 imports the route file ./other.routes.js',
      'bad.routes.ts:3 imports the route file ./sources.routes.js',
      'bad.routes.ts:4 holds SQL (SELECT) in a string',
      'bad.routes.ts:5 holds SQL (DELETE) in a string',
      'bad.routes.ts:6 holds SQL (INSERT) in a string',
      'bad.routes.ts:7 runs a query itself (deps.db.query)',
    ]);
    const good = [
      "import { jobView } from '../present.js';",
      "// Don't select here: the customer's rows come from the repo (https://example.com/'quoted').",
      "const summary = 'Delete a template; update its name; select the copy';",
      'const { limit } = req.query;',
      'const rows = await listTasks(deps.db, ws.id, req.query);',
    ].join('\n');
    assert.deepEqual(layerProblems('good.routes.ts', good), []);
  });

  it('hold no SQL and import no other route', () => {
    const files = readdirSync(ROUTES).filter((n) => n.endsWith('.ts') && !n.endsWith('.test.ts'));
    assert.ok(files.length >= 20 && files.includes('messaging.routes.ts'), `the route files were read (${files.length})`);
    const problems = files.flatMap((n) => layerProblems(`routes/${n}`, readFileSync(join(ROUTES, n), 'utf8')));
    assert.deepEqual(problems, []);
  });
});
