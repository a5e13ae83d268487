// `npm run docs:modules`: writes the input and output tables of every construct module's README.md from the code, with
// the TypeScript compiler API. Inputs are the properties of the constructor's `props` type (a Props interface, or the
// type inferred from the module's zod props schema, whose field comments TypeScript carries over); outputs are the
// construct's public readonly properties, `outputs` expanded field by field. Each row takes its description and its
// `@default` from the JSDoc. Only the text between the generated markers changes; the rest of the README is
// hand-written. `--check` writes nothing and exits 1 naming each README whose tables are stale (or missing).
import * as fs from "node:fs";
import * as path from "node:path";
import * as ts from "typescript";

export const PROJECT_ROOT = path.resolve(__dirname, "..");
const MODULES_DIR = path.join(PROJECT_ROOT, "modules");
/** Folders under modules/ that hold no construct users compose. */
const NOT_CONSTRUCTS = new Set(["common"]);

export const COMMAND = "npm run docs:modules";
const END = "<!-- END GENERATED -->";
const begin = (section: "INPUTS" | "OUTPUTS") => `<!-- BEGIN GENERATED ${section} -->`;

export interface DocRow {
  /** Dotted path: `failedRecords.bucketName`, `consumers[].consumer`, `outputs.streamArn`. */
  readonly name: string;
  readonly type: string;
  /** Inputs only: whether the prop must be given (within its parent object, for nested rows). */
  readonly required?: boolean;
  /** Inputs only: the `@default` text; undefined when the JSDoc has none. */
  readonly defaultValue?: string;
  readonly description: string;
}

export interface ConstructDoc {
  readonly module: string;
  readonly className: string;
  readonly inputs: readonly DocRow[];
  readonly outputs: readonly DocRow[];
}

/** Module folders whose index.ts exports a construct (every folder of modules/ but `common`), sorted. */
export function constructModules(root = PROJECT_ROOT): string[] {
  const dir = path.join(root, "modules");
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isDirectory() && !NOT_CONSTRUCTS.has(e.name) && fs.existsSync(path.join(dir, e.name, "index.ts")))
    .map((e) => e.name)
    .sort();
}

function compilerOptions(): ts.CompilerOptions {
  const file = path.join(PROJECT_ROOT, "tsconfig.json");
  const config = ts.readConfigFile(file, ts.sys.readFile);
  return ts.parseJsonConfigFileContent(config.config, ts.sys, PROJECT_ROOT).options;
}

const FORMAT = ts.TypeFormatFlags.NoTruncation | ts.TypeFormatFlags.UseAliasDefinedOutsideCurrentScope;

const oneLine = (s: string) => s.replace(/\s*\n\s*/g, " ").trim();

const isInside = (file: string, dir: string) => path.resolve(file).startsWith(`${path.resolve(dir)}${path.sep}`);
const isProjectSource = (file: string) =>
  isInside(file, PROJECT_ROOT) && !file.includes(`${path.sep}node_modules${path.sep}`);

class Extractor {
  constructor(
    private readonly checker: ts.TypeChecker,
    private readonly moduleDir: string,
  ) {}

  /** An object type whose fields get rows of their own: a zod-inferred or inline object, or an interface of this module. */
  private expandable(type: ts.Type): { type: ts.Type; array: boolean } | undefined {
    const t = this.checker.getNonNullableType(type);
    if (this.checker.isArrayType(t)) {
      const element = this.checker.getTypeArguments(t as ts.TypeReference)[0];
      const inner = element ? this.expandable(element) : undefined;
      return inner && !inner.array ? { type: inner.type, array: true } : undefined;
    }
    if (t.isUnion() || !(t.flags & ts.TypeFlags.Object)) return undefined;
    if (t.getCallSignatures().length > 0 || this.checker.getIndexInfosOfType(t).length > 0) return undefined;
    const props = this.checker.getPropertiesOfType(t);
    if (props.length === 0) return undefined;
    const decl = (t.aliasSymbol ?? t.getSymbol())?.declarations?.[0];
    if (decl && (ts.isClassDeclaration(decl) || ts.isInterfaceDeclaration(decl) || ts.isTypeAliasDeclaration(decl))) {
      if (!isInside(decl.getSourceFile().fileName, this.moduleDir)) return undefined;
    }
    // Every field declared in the project (never a library's object type).
    const fromProject = props.every((p) => p.declarations?.some((d) => isProjectSource(d.getSourceFile().fileName)));
    return fromProject ? { type: t, array: false } : undefined;
  }

  private typeText(type: ts.Type, optional: boolean): string {
    const t = optional ? this.checker.getNonNullableType(type) : type;
    return this.checker.typeToString(t, undefined, FORMAT).replace(/^readonly /, "");
  }

  /** Declaration order: this module's own fields first, then those it composes from elsewhere, each in source order. */
  private order(symbols: readonly ts.Symbol[]): ts.Symbol[] {
    const key = (s: ts.Symbol) => {
      const d = s.declarations?.[0];
      const file = d?.getSourceFile().fileName ?? "";
      return { own: isInside(file, this.moduleDir) ? 0 : 1, file, pos: d?.getStart() ?? 0 };
    };
    return [...symbols].sort((a, b) => {
      const ka = key(a);
      const kb = key(b);
      return ka.own - kb.own || ka.file.localeCompare(kb.file) || ka.pos - kb.pos;
    });
  }

  private doc(symbol: ts.Symbol): { description: string; defaultValue: string | undefined } {
    const description = oneLine(ts.displayPartsToString(symbol.getDocumentationComment(this.checker)));
    const tag = symbol.getJsDocTags(this.checker).find((t) => t.name === "default");
    const defaultValue = tag ? oneLine(ts.displayPartsToString(tag.text)) : undefined;
    return { description, defaultValue };
  }

  /** Rows for every property of `type`, nested objects expanded after their parent's row. */
  inputRows(type: ts.Type, prefix = ""): DocRow[] {
    const symbols = this.order(this.checker.getPropertiesOfType(type));
    const optional = (s: ts.Symbol) => (s.flags & ts.SymbolFlags.Optional) !== 0;
    // Required props first, each group in declaration order.
    const sorted = [...symbols.filter((s) => !optional(s)), ...symbols.filter(optional)];
    return sorted.flatMap((s) => {
      const propType = this.checker.getTypeOfSymbol(s);
      const nested = this.expandable(propType);
      const name = `${prefix}${s.name}`;
      const { description, defaultValue } = this.doc(s);
      const row: DocRow = {
        name,
        type: nested ? (nested.array ? "object[]" : "object") : this.typeText(propType, optional(s)),
        required: !optional(s),
        defaultValue,
        description,
      };
      return nested ? [row, ...this.inputRows(nested.type, `${name}${nested.array ? "[]" : ""}.`)] : [row];
    });
  }

  private outputRows(type: ts.Type, prefix: string): DocRow[] {
    return this.order(this.checker.getPropertiesOfType(type)).flatMap((s) => {
      const propType = this.checker.getTypeOfSymbol(s);
      const nested = this.expandable(propType);
      const name = `${prefix}${s.name}`;
      const optional = (s.flags & ts.SymbolFlags.Optional) !== 0;
      const row: DocRow = {
        name,
        type: nested ? "object" : this.typeText(propType, optional),
        description: this.doc(s).description,
      };
      return nested && !nested.array ? [row, ...this.outputRows(nested.type, `${name}.`)] : [row];
    });
  }

  /** The construct's public readonly properties; `outputs` is expanded into `outputs.<field>` rows. */
  classOutputs(node: ts.ClassDeclaration): DocRow[] {
    const rows: DocRow[] = [];
    for (const member of node.members) {
      if (!ts.isPropertyDeclaration(member) || !ts.isIdentifier(member.name)) continue;
      const modifiers = ts.getCombinedModifierFlags(member);
      if (!(modifiers & ts.ModifierFlags.Readonly)) continue;
      if (modifiers & (ts.ModifierFlags.Private | ts.ModifierFlags.Protected | ts.ModifierFlags.Static)) continue;
      const symbol = this.checker.getSymbolAtLocation(member.name)!;
      const type = this.checker.getTypeOfSymbol(symbol);
      if (member.name.text === "outputs") {
        rows.push(...this.outputRows(type, "outputs."));
        continue;
      }
      rows.push({
        name: member.name.text,
        type: this.typeText(type, false),
        description: this.doc(symbol).description,
      });
    }
    return rows;
  }
}

/** Reads every construct module's props and outputs. */
export function extractConstructDocs(modules = constructModules()): ConstructDoc[] {
  const files = modules.map((m) => path.join(MODULES_DIR, m, "index.ts"));
  const program = ts.createProgram(files, compilerOptions());
  const checker = program.getTypeChecker();
  return modules.map((module, i) => {
    const source = program.getSourceFile(files[i]!);
    if (!source) throw new Error(`modules/${module}/index.ts: not found`);
    const extractor = new Extractor(checker, path.dirname(files[i]!));
    const classes = source.statements.filter(
      (s): s is ts.ClassDeclaration =>
        ts.isClassDeclaration(s) &&
        s.name !== undefined &&
        (ts.getCombinedModifierFlags(s) & ts.ModifierFlags.Export) !== 0 &&
        (s.heritageClauses ?? []).some((h) => h.types.some((t) => t.expression.getText(source) === "Construct")),
    );
    if (classes.length !== 1) {
      throw new Error(`modules/${module}/index.ts: expected one exported construct class, found ${classes.length}`);
    }
    const node = classes[0]!;
    const ctor = node.members.find(ts.isConstructorDeclaration);
    const propsParam = ctor?.parameters.find((p) => ts.isIdentifier(p.name) && p.name.text === "props");
    if (!propsParam) throw new Error(`modules/${module}/index.ts: ${node.name!.text} has no constructor \`props\``);
    return {
      module,
      className: node.name!.text,
      inputs: extractor.inputRows(checker.getTypeAtLocation(propsParam)),
      outputs: extractor.classOutputs(node),
    };
  });
}

/** Markdown text for a table cell: pipes escaped; `<` and `>` outside code spans as entities (never read as HTML). */
function prose(s: string): string {
  return s
    .split("`")
    .map((part, i) => (i % 2 === 1 ? part : part.replace(/</g, "&lt;").replace(/>/g, "&gt;")))
    .join("`")
    .replace(/\|/g, "\\|");
}
const cell = (s: string | undefined) => (s === undefined || s === "" ? "-" : prose(s));
const codeCell = (s: string) => `\`${s.replace(/\|/g, "\\|")}\``;
/** A default that starts with a literal (`"x"`, `24`, `true`, `[]`) shows the literal as code, the rest as text. */
function defaultCell(s: string | undefined): string {
  const m = s === undefined ? null : /^("[^"]*"|-?\d+(?:\.\d+)?|true|false|\[\]|\{\})(.*)$/.exec(s);
  return m ? `${codeCell(m[1]!)}${prose(m[2]!)}` : cell(s);
}

function header(doc: ConstructDoc, what: string): string {
  return `<!-- ${what} of ${doc.className}, generated from the JSDoc in modules/${doc.module}/index.ts by \`${COMMAND}\`. Edit the JSDoc, then run the command; do not edit this table. -->`;
}

export function renderInputs(doc: ConstructDoc): string {
  const lines = [
    header(doc, "Inputs"),
    "",
    "| name | type | required | default | description |",
    "| --- | --- | --- | --- | --- |",
    ...doc.inputs.map(
      (r) =>
        `| ${codeCell(r.name)} | ${codeCell(r.type)} | ${r.required ? "yes" : "no"} | ${defaultCell(r.defaultValue)} | ${cell(r.description)} |`,
    ),
  ];
  return lines.join("\n");
}

export function renderOutputs(doc: ConstructDoc): string {
  const lines = [
    header(doc, "Outputs"),
    "",
    "| name | type | description |",
    "| --- | --- | --- |",
    ...doc.outputs.map((r) => `| ${codeCell(r.name)} | ${codeCell(r.type)} | ${cell(r.description)} |`),
  ];
  return lines.join("\n");
}

/** Replaces the text between one section's markers; appends the section (markers included) when it has none. */
export function replaceSection(readme: string, section: "INPUTS" | "OUTPUTS", body: string): string {
  const start = readme.indexOf(begin(section));
  const block = `${begin(section)}\n${body}\n${END}`;
  if (start === -1) return `${readme.replace(/\n*$/, "\n\n")}${block}\n`;
  const end = readme.indexOf(END, start);
  if (end === -1) throw new Error(`${begin(section)} has no ${END} after it`);
  return `${readme.slice(0, start)}${block}${readme.slice(end + END.length)}`;
}

export interface ReadmeState {
  readonly module: string;
  readonly file: string;
  /** The README as it is on disk ("" when missing). */
  readonly current: string;
  /** The README with fresh tables. */
  readonly expected: string;
}

/** Every construct module's README, as it is and as it should be. */
export function readmeStates(docs = extractConstructDocs()): ReadmeState[] {
  return docs.map((doc) => {
    const file = path.join(MODULES_DIR, doc.module, "README.md");
    const current = fs.existsSync(file) ? fs.readFileSync(file, "utf8") : "";
    const base = current === "" ? `# ${doc.module}\n\n## Inputs\n\n${begin("INPUTS")}\n${END}\n` : current;
    const withInputs = replaceSection(base, "INPUTS", renderInputs(doc));
    const expected = replaceSection(
      withInputs.includes(begin("OUTPUTS")) ? withInputs : `${withInputs.replace(/\n*$/, "\n\n")}## Outputs\n\n`,
      "OUTPUTS",
      renderOutputs(doc),
    );
    return { module: doc.module, file, current, expected };
  });
}

/**
 * The TypeScript usage snippet of each module README: the first ```ts block after "## Usage", a whole file written as
 * if it were under stacks/ (it imports `../modules/<module>`). The unit test type-checks every one.
 */
export function usageSnippets(modules = constructModules()): { module: string; code: string }[] {
  return modules.map((module) => {
    const readme = fs.readFileSync(path.join(MODULES_DIR, module, "README.md"), "utf8");
    const usage = readme.indexOf("\n## Usage");
    const block = usage === -1 ? null : /```ts\n([\s\S]*?)```/.exec(readme.slice(usage));
    if (!block) throw new Error(`modules/${module}/README.md: no \`\`\`ts block under "## Usage"`);
    return { module, code: block[1]! };
  });
}

/**
 * Type errors of `files` (path relative to the project root, and its text) checked against the project: each is
 * compiled as if it were that file, with the project's compiler options.
 */
export function typeErrors(files: readonly { file: string; code: string }[]): string[] {
  const options = compilerOptions();
  const virtual = new Map(files.map((f) => [path.join(PROJECT_ROOT, f.file), f.code]));
  const host = ts.createCompilerHost(options, true);
  const { getSourceFile, fileExists, readFile } = host;
  host.fileExists = (f) => virtual.has(path.resolve(f)) || fileExists.call(host, f);
  host.readFile = (f) => virtual.get(path.resolve(f)) ?? readFile.call(host, f);
  host.getSourceFile = (f, language, onError, create) => {
    const text = virtual.get(path.resolve(f));
    return text === undefined
      ? getSourceFile.call(host, f, language, onError, create)
      : ts.createSourceFile(f, text, language, true);
  };
  const program = ts.createProgram([...virtual.keys()], options, host);
  return [...virtual.keys()].flatMap((f) =>
    ts.getPreEmitDiagnostics(program, program.getSourceFile(f)).map((d) => {
      const where = d.file && d.start !== undefined ? d.file.getLineAndCharacterOfPosition(d.start) : undefined;
      const at = where ? `:${where.line + 1}:${where.character + 1}` : "";
      return `${path.relative(PROJECT_ROOT, d.file?.fileName ?? f)}${at}: ${ts.flattenDiagnosticMessageText(d.messageText, "\n")}`;
    }),
  );
}

function main(): void {
  const check = process.argv.includes("--check");
  const states = readmeStates();
  const stale = states.filter((s) => s.current !== s.expected);
  const rel = (f: string) => path.relative(PROJECT_ROOT, f);
  if (check) {
    for (const s of stale) {
      console.error(`${rel(s.file)}: ${s.current === "" ? "missing" : "stale"} tables; run \`${COMMAND}\``);
    }
    if (stale.length > 0) process.exit(1);
    console.log(`module docs: ${states.length} READMEs up to date`);
    return;
  }
  for (const s of stale) {
    fs.writeFileSync(s.file, s.expected);
    console.log(`wrote ${rel(s.file)}`);
  }
  console.log(`module docs: ${states.length} READMEs, ${stale.length} updated`);
}

if (require.main === module) main();
