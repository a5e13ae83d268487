// Renders `terraform show -json` plans as pull-request markdown, one comment per stack, in the manner of tfcmt: a
// summary line, destroys and replacements first and flagged, then the changes attribute by attribute, the full plan
// folded. Beyond tfcmt, JSON documents are diffed by meaning: a Step Functions definition by state name, IAM and
// resource policies by statement (actions, resources, principals), instead of two jsonencode blobs.
// Pure functions only (no I/O): scripts/plan-review.ts reads the files and writes the markdown.
import { isObject } from "../contracts/values";

/** The parts of Terraform's JSON plan format (format_version 1.x) this renderer reads. */
export interface TerraformPlan {
  format_version?: string;
  terraform_version?: string;
  resource_changes?: ResourceChange[];
  resource_drift?: ResourceChange[];
  output_changes?: Record<string, Change>;
  errored?: boolean;
}

export interface ResourceChange {
  address: string;
  module_address?: string;
  mode?: "managed" | "data";
  type: string;
  name: string;
  index?: string | number;
  action_reason?: string;
  change: Change;
}

export type Action = "no-op" | "create" | "read" | "update" | "delete" | "forget";

export interface Change {
  actions: Action[];
  before?: unknown;
  after?: unknown;
  /** Mirrors `after`: `true` where the value is known only after apply. */
  after_unknown?: unknown;
  before_sensitive?: unknown;
  after_sensitive?: unknown;
  /** Paths (lists of keys and indexes) of the attributes that force replacement. */
  replace_paths?: Array<Array<string | number>>;
}

export type ChangeKind = "create" | "update" | "delete" | "replace" | "read" | "forget" | "no-op";

export interface PlanSummary {
  add: number;
  change: number;
  destroy: number;
  replace: number;
}

export interface RenderOptions {
  /** Stack name: the heading and the hidden marker `<!-- plan-review:<stack> -->`. */
  stack: string;
  /** Upper bound on the whole markdown (GitHub comments hold 65,536 characters); the folded full plan is cut first. */
  maxLength?: number;
}

// ---------------------------------------------------------------------------------------------------------------
// Classifying changes

export function changeKind(actions: Action[]): ChangeKind {
  const a = [...actions].sort().join(",");
  if (a === "create,delete") return "replace";
  if (actions.length === 1) return actions[0] as ChangeKind;
  return "update";
}

const managed = (rc: ResourceChange) => (rc.mode ?? "managed") === "managed";

export function summarize(plan: TerraformPlan): PlanSummary {
  const s: PlanSummary = { add: 0, change: 0, destroy: 0, replace: 0 };
  for (const rc of (plan.resource_changes ?? []).filter(managed)) {
    const kind = changeKind(rc.change.actions);
    if (kind === "create") s.add++;
    else if (kind === "update") s.change++;
    else if (kind === "delete") s.destroy++;
    else if (kind === "replace") s.replace++;
  }
  return s;
}

export function summaryLine(s: PlanSummary): string {
  if (s.add + s.change + s.destroy + s.replace === 0) return "No changes.";
  return `${s.add} to add, ${s.change} to change, ${s.destroy} to destroy, ${s.replace} to replace.`;
}

// ---------------------------------------------------------------------------------------------------------------
// Attribute diffs, with unknown and sensitive values

/** Shown for a value Terraform knows only after apply. */
export const UNKNOWN = "(known after apply)";
export const SENSITIVE = "(sensitive value)";

export type Path = Array<string | number>;

export interface AttributeChange {
  path: Path;
  before: unknown;
  after: unknown;
  /** The new value is known only after apply. */
  unknown: boolean;
  sensitive: boolean;
  forcesReplacement: boolean;
}

const isContainer = (v: unknown): v is Record<string, unknown> | unknown[] => typeof v === "object" && v !== null;

function child(v: unknown, key: string | number): unknown {
  if (Array.isArray(v)) return typeof key === "number" ? v[key] : undefined;
  if (isObject(v)) return v[String(key)];
  return undefined;
}

function keysOf(...values: unknown[]): Array<string | number> {
  if (values.some(Array.isArray)) {
    const length = Math.max(...values.map((v) => (Array.isArray(v) ? v.length : 0)));
    return Array.from({ length }, (_, i) => i);
  }
  const keys = new Set<string>();
  for (const v of values) if (isObject(v)) for (const k of Object.keys(v)) keys.add(k);
  return [...keys].sort();
}

/** Terraform marks a whole subtree with `true`, or leaves inside it. */
function marked(mask: unknown): boolean {
  return mask === true;
}

const same = (a: unknown, b: unknown) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
const emptyish = (v: unknown) =>
  v === null || v === undefined || (Array.isArray(v) && v.length === 0) || (isObject(v) && Object.keys(v).length === 0);

/**
 * The attributes that differ between `before` and `after`, as leaf paths. A subtree that is unknown after apply is one
 * change at its root; `null`, a missing value and an empty collection are treated as equal (Terraform's own display
 * does the same).
 */
export function diffAttributes(change: Change): AttributeChange[] {
  const out: AttributeChange[] = [];
  const replacePaths = (change.replace_paths ?? []).map((p) => JSON.stringify(p));
  const forces = (path: Path) => {
    return replacePaths.some((rp) => {
      const p = JSON.parse(rp) as Path;
      return p.length <= path.length && p.every((k, i) => String(k) === String(path[i]));
    });
  };
  const walk = (path: Path, before: unknown, after: unknown, unk: unknown, bs: unknown, as: unknown) => {
    const sensitive = marked(bs) || marked(as);
    if (marked(unk)) {
      out.push({ path, before, after: undefined, unknown: true, sensitive, forcesReplacement: forces(path) });
      return;
    }
    if (sensitive) {
      if (!same(before, after) || marked(bs) !== marked(as)) {
        out.push({ path, before, after, unknown: false, sensitive: true, forcesReplacement: forces(path) });
      }
      return;
    }
    const containers = isContainer(before) || isContainer(after) || isContainer(unk);
    const mixed =
      (isContainer(before) && isContainer(after) && Array.isArray(before) !== Array.isArray(after)) ||
      (!isContainer(before) && !emptyish(before) && isContainer(after)) ||
      (!isContainer(after) && !emptyish(after) && isContainer(before));
    if (containers && !mixed) {
      const ks = keysOf(before, after, unk);
      if (ks.length === 0) return;
      for (const k of ks) {
        walk([...path, k], child(before, k), child(after, k), child(unk, k), child(bs, k), child(as, k));
      }
      return;
    }
    if (emptyish(before) && emptyish(after)) return;
    if (!same(before, after)) {
      out.push({ path, before, after, unknown: false, sensitive: false, forcesReplacement: forces(path) });
    }
  };
  walk([], change.before, change.after, change.after_unknown, change.before_sensitive, change.after_sensitive);
  return out;
}

export function formatPath(path: Path): string {
  let s = "";
  for (const k of path) {
    if (typeof k === "number") s += `[${k}]`;
    else if (/^[A-Za-z_][\w-]*$/.test(k)) s += s ? `.${k}` : k;
    else s += `[${JSON.stringify(k)}]`;
  }
  return s || "(whole resource)";
}

// ---------------------------------------------------------------------------------------------------------------
// JSON documents inside string attributes

/** Parses a string attribute that holds a JSON object; undefined for anything else. */
export function parseJsonObject(v: unknown): Record<string, unknown> | undefined {
  if (typeof v !== "string") return undefined;
  const t = v.trim();
  if (!t.startsWith("{")) return undefined;
  try {
    const parsed: unknown = JSON.parse(t);
    return isObject(parsed) ? parsed : undefined;
  } catch {
    return undefined;
  }
}

export type DocumentKind = "policy" | "state-machine" | "json";

const POLICY_ATTRIBUTES = new Set(["policy", "assume_role_policy"]);

/** What a string attribute holds: an IAM policy, a state machine definition, another JSON object, or none of these. */
export function documentKind(
  resourceType: string,
  path: Path,
  before: unknown,
  after: unknown,
): DocumentKind | undefined {
  const docs = [parseJsonObject(before), parseJsonObject(after)];
  const isPolicy = (d: Record<string, unknown> | undefined) => d !== undefined && "Statement" in d;
  const isDefinition = (d: Record<string, unknown> | undefined) => d !== undefined && "States" in d && "StartAt" in d;
  const last = String(path[path.length - 1] ?? "");
  if (resourceType === "aws_sfn_state_machine" && last === "definition") return "state-machine";
  if (docs.some(isDefinition)) return "state-machine";
  if (POLICY_ATTRIBUTES.has(last) || last.endsWith("_policy") || docs.some(isPolicy)) {
    if (docs.some(isPolicy) || docs.every((d) => d === undefined)) return "policy";
  }
  if (docs.some((d) => d !== undefined)) return "json";
  return undefined;
}

// ---------------------------------------------------------------------------------------------------------------
// IAM and resource policies

export interface Statement {
  Sid?: string;
  Effect?: string;
  Action?: string | string[];
  NotAction?: string | string[];
  Resource?: string | string[];
  NotResource?: string | string[];
  Principal?: unknown;
  NotPrincipal?: unknown;
  Condition?: unknown;
}

export interface StatementDiff {
  /** The Sid, or the effect and a short description for a statement without one. */
  label: string;
  status: "added" | "removed" | "changed";
  effect: string;
  /** Per element kind (Action, NotAction, Resource, NotResource, Principal, NotPrincipal): what was added, removed. */
  elements: Array<{ element: string; added: string[]; removed: string[] }>;
  effectChange?: { before: string; after: string };
  conditionChange?: { before: unknown; after: unknown };
}

const list = (v: unknown): string[] =>
  v === undefined || v === null ? [] : Array.isArray(v) ? v.map(String) : [String(v)];

function principals(v: unknown): string[] {
  if (v === undefined || v === null) return [];
  if (typeof v === "string") return [v === "*" ? "*" : `AWS:${v}`];
  if (isObject(v)) return Object.keys(v).flatMap((k) => list(v[k]).map((p) => `${k}:${p}`));
  return [];
}

function statementsOf(doc: Record<string, unknown> | undefined): Statement[] {
  if (!doc) return [];
  const s = doc.Statement;
  if (Array.isArray(s)) return s.filter(isObject) as Statement[];
  return isObject(s) ? [s as Statement] : [];
}

const ELEMENTS = ["Action", "NotAction", "Resource", "NotResource", "Principal", "NotPrincipal"] as const;

function elementValues(s: Statement | undefined, element: (typeof ELEMENTS)[number]): string[] {
  if (!s) return [];
  if (element === "Principal" || element === "NotPrincipal") return principals(s[element]);
  return list(s[element]);
}

const setKey = (values: string[]) => JSON.stringify([...new Set(values)].sort());

function describe(s: Statement): string {
  const actions = [...list(s.Action), ...list(s.NotAction).map((a) => `not ${a}`)];
  const head = actions.slice(0, 2).join(", ") + (actions.length > 2 ? ", …" : "");
  return `${s.Effect ?? "Allow"} ${head || "(no action)"}`.trim();
}

/**
 * Statement-level diff of two policy documents. Statements are matched by Sid; those without one are matched, in
 * order of preference, when equal, when they share effect and resources (the actions changed), when they share effect
 * and actions (the resources changed), then in order within the same effect. The rest are added or removed.
 */
export function diffPolicies(before: unknown, after: unknown): StatementDiff[] {
  const b = statementsOf(parseJsonObject(before));
  const a = statementsOf(parseJsonObject(after));
  // [before, after, order]: shown in the new policy's order, removed statements last in the old one's.
  const pairs: Array<[Statement | undefined, Statement | undefined, number]> = [];
  const usedB = new Set<number>();
  const usedA = new Set<number>();
  const bySid = (s: Statement) => (typeof s.Sid === "string" && s.Sid !== "" ? s.Sid : undefined);
  a.forEach((sa, ia) => {
    const sid = bySid(sa);
    if (sid === undefined) return;
    const ib = b.findIndex((sb, i) => !usedB.has(i) && bySid(sb) === sid);
    if (ib >= 0) {
      usedB.add(ib);
      usedA.add(ia);
      pairs.push([b[ib], sa, ia]);
    }
  });
  const matchers: Array<(x: Statement, y: Statement) => boolean> = [
    (x, y) => same(x, y),
    (x, y) => x.Effect === y.Effect && setKey(list(x.Resource)) === setKey(list(y.Resource)) && !!x.Resource,
    (x, y) => x.Effect === y.Effect && setKey(list(x.Action)) === setKey(list(y.Action)) && !!x.Action,
    (x, y) => x.Effect === y.Effect,
  ];
  for (const matches of matchers) {
    a.forEach((sa, ia) => {
      if (usedA.has(ia) || bySid(sa) !== undefined) return;
      const ib = b.findIndex((sb, i) => !usedB.has(i) && bySid(sb) === undefined && matches(sb, sa));
      if (ib >= 0) {
        usedB.add(ib);
        usedA.add(ia);
        pairs.push([b[ib], sa, ia]);
      }
    });
  }
  b.forEach((sb, i) => {
    if (!usedB.has(i)) pairs.push([sb, undefined, a.length + i]);
  });
  a.forEach((sa, i) => {
    if (!usedA.has(i)) pairs.push([undefined, sa, i]);
  });
  pairs.sort((x, y) => x[2] - y[2]);

  const diffs: StatementDiff[] = [];
  for (const [sb, sa] of pairs) {
    const s = (sa ?? sb) as Statement;
    const elements = ELEMENTS.map((element) => {
      const before = new Set(elementValues(sb, element));
      const after = new Set(elementValues(sa, element));
      return {
        element,
        added: [...after].filter((x) => !before.has(x)).sort(),
        removed: [...before].filter((x) => !after.has(x)).sort(),
      };
    }).filter((e) => e.added.length + e.removed.length > 0);
    const effectBefore = sb ? (sb.Effect ?? "Allow") : "";
    const effectAfter = sa ? (sa.Effect ?? "Allow") : "";
    const diff: StatementDiff = {
      label: bySid(s) ?? describe(s),
      status: !sb ? "added" : !sa ? "removed" : "changed",
      effect: effectAfter || effectBefore,
      elements,
    };
    if (sb && sa && effectBefore !== effectAfter) diff.effectChange = { before: effectBefore, after: effectAfter };
    if (!same(sb?.Condition, sa?.Condition)) diff.conditionChange = { before: sb?.Condition, after: sa?.Condition };
    if (diff.status !== "changed" || elements.length > 0 || diff.effectChange || diff.conditionChange) {
      diffs.push(diff);
    }
  }
  return diffs;
}

// ---------------------------------------------------------------------------------------------------------------
// Step Functions definitions

export interface StateDiff {
  /** The state's name; a state inside a Map or Parallel is `Outer › Inner`. */
  name: string;
  status: "added" | "removed" | "changed";
  type?: string;
  /** The top-level fields of the state that changed, with the leaf paths inside them. */
  fields: Array<{ field: string; changes: JsonLeafChange[] }>;
}

export interface JsonLeafChange {
  path: string;
  before: unknown;
  after: unknown;
}

export interface DefinitionDiff {
  /** Top-level fields of the definition other than States (StartAt, Comment, TimeoutSeconds, QueryLanguage). */
  top: JsonLeafChange[];
  states: StateDiff[];
  /** States in the new definition, for a summary line. */
  stateCount: { before: number; after: number };
}

const NESTED = new Set(["Iterator", "ItemProcessor", "Branches"]);

/** Every state by name, states nested in Map and Parallel included (their containers without the nested states). */
function flattenStates(doc: Record<string, unknown> | undefined, prefix = ""): Map<string, Record<string, unknown>> {
  const out = new Map<string, Record<string, unknown>>();
  const states = doc?.States;
  if (!isObject(states)) return out;
  for (const [name, state] of Object.entries(states)) {
    if (!isObject(state)) continue;
    const full = prefix ? `${prefix} › ${name}` : name;
    const own: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(state)) {
      if (!NESTED.has(k)) own[k] = v;
    }
    out.set(full, own);
    for (const k of NESTED) {
      const v = state[k];
      const subs = Array.isArray(v) ? v : [v];
      subs.forEach((sub, i) => {
        if (!isObject(sub)) return;
        const label = Array.isArray(v) ? `${full} › branch ${i + 1}` : full;
        const { States: _s, ...rest } = sub;
        if (Object.keys(rest).length > 0) own[`${k}${Array.isArray(v) ? `[${i}]` : ""}`] = rest;
        for (const [n, s] of flattenStates(sub, label)) out.set(n, s);
      });
    }
  }
  return out;
}

/** Leaf-level differences between two JSON values, as dotted paths. */
export function jsonLeafChanges(before: unknown, after: unknown, path: Path = []): JsonLeafChange[] {
  const out: JsonLeafChange[] = [];
  if (isContainer(before) && isContainer(after) && Array.isArray(before) === Array.isArray(after)) {
    for (const k of keysOf(before, after)) {
      out.push(...jsonLeafChanges(child(before, k), child(after, k), [...path, k]));
    }
    return out;
  }
  if (!same(before, after)) out.push({ path: formatPath(path), before, after });
  return out;
}

export function diffDefinitions(before: unknown, after: unknown): DefinitionDiff {
  const b = parseJsonObject(before);
  const a = parseJsonObject(after);
  const sb = flattenStates(b);
  const sa = flattenStates(a);
  const top: JsonLeafChange[] = [];
  for (const k of keysOf(b ?? {}, a ?? {})) {
    if (k === "States") continue;
    top.push(...jsonLeafChanges(b?.[k], a?.[k], [k]));
  }
  const states: StateDiff[] = [];
  for (const [name, s] of sb) {
    if (!sa.has(name)) states.push({ name, status: "removed", type: String(s.Type ?? ""), fields: [] });
  }
  for (const [name, s] of sa) {
    const old = sb.get(name);
    if (!old) {
      states.push({ name, status: "added", type: String(s.Type ?? ""), fields: [] });
      continue;
    }
    const fields = keysOf(old, s)
      .map((f) => ({ field: String(f), changes: jsonLeafChanges(old[f], s[f], []) }))
      .filter((f) => f.changes.length > 0);
    if (fields.length > 0) states.push({ name, status: "changed", type: String(s.Type ?? old.Type ?? ""), fields });
  }
  return { top, states, stateCount: { before: sb.size, after: sa.size } };
}

// ---------------------------------------------------------------------------------------------------------------
// Markdown

const MAX_CELL = 160;

/** A code span that survives backticks and pipes in the value (inside a table). */
export function code(text: string): string {
  const t = text.replace(/\r?\n/g, "⏎").replace(/\|/g, "\\|");
  const longest = Math.max(0, ...[...t.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = "`".repeat(longest + 1);
  const pad = t.startsWith("`") || t.endsWith("`") ? " " : "";
  return `${fence}${pad}${t}${pad}${fence}`;
}

function truncate(text: string, max = MAX_CELL): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

function show(value: unknown, opts: { unknown?: boolean; sensitive?: boolean } = {}): string {
  if (opts.unknown) return `_${UNKNOWN}_`;
  if (opts.sensitive) return `_${SENSITIVE}_`;
  if (value === undefined || value === null) return "_null_";
  return code(truncate(JSON.stringify(value)));
}

const ICON: Record<ChangeKind, string> = {
  create: "➕",
  update: "🔧",
  delete: "🗑️",
  replace: "♻️",
  read: "📖",
  forget: "👋",
  "no-op": "",
};

const VERB: Record<ChangeKind, string> = {
  create: "create",
  update: "update in place",
  delete: "destroy",
  replace: "replace",
  read: "read",
  forget: "forget (removed from state, not destroyed)",
  "no-op": "no change",
};

const REASONS: Record<string, string> = {
  replace_because_tainted: "the object is tainted",
  replace_because_cannot_update: "an attribute that cannot be updated in place changed",
  replace_by_request: "replacement was requested (-replace)",
  replace_by_triggers: "replace_triggered_by fired",
  delete_because_no_resource_config: "the resource is no longer in the configuration",
  delete_because_no_module: "its module is no longer in the configuration",
  delete_because_wrong_repetition: "its count/for_each changed shape",
  delete_because_count_index: "its count index is beyond the new count",
  delete_because_each_key: "its for_each key is gone",
  read_because_config_unknown: "its configuration is known only after apply",
  read_because_dependency_pending: "a dependency has pending changes",
};

function renderPolicyDiff(diffs: StatementDiff[], lines: string[]): void {
  if (diffs.length === 0) {
    lines.push("  - no change in meaning (formatting or order only)");
    return;
  }
  for (const d of diffs) {
    const status = d.status === "changed" ? "" : ` **${d.status}**`;
    lines.push(`  - ${d.effect === "Deny" ? "⛔ " : ""}statement ${code(d.label)} (${d.effect})${status}`);
    if (d.effectChange) lines.push(`    - Effect: ${code(d.effectChange.before)} → ${code(d.effectChange.after)}`);
    for (const e of d.elements) {
      const name = e.element === "Principal" || e.element === "NotPrincipal" ? `${e.element}s` : `${e.element}s`;
      if (e.added.length > 0) lines.push(`    - ${name} added: ${e.added.map((x) => code(x)).join(", ")}`);
      if (e.removed.length > 0) lines.push(`    - ${name} removed: ${e.removed.map((x) => code(x)).join(", ")}`);
    }
    if (d.conditionChange) {
      const c = (v: unknown) => (v === undefined ? "_none_" : code(truncate(JSON.stringify(v), 300)));
      lines.push(`    - Condition: ${c(d.conditionChange.before)} → ${c(d.conditionChange.after)}`);
    }
  }
}

function leafText(c: JsonLeafChange, name?: string): string {
  const at = name === undefined ? c.path : c.path === "(whole resource)" ? name : `${name}.${c.path}`;
  const v = (x: unknown) => (x === undefined ? "_none_" : code(truncate(JSON.stringify(x), 120)));
  return `${code(at)}: ${v(c.before)} → ${v(c.after)}`;
}

function renderDefinitionDiff(d: DefinitionDiff, lines: string[]): void {
  const added = d.states.filter((s) => s.status === "added");
  const removed = d.states.filter((s) => s.status === "removed");
  const changed = d.states.filter((s) => s.status === "changed");
  if (d.top.length + d.states.length === 0) {
    lines.push("  - no change in meaning (formatting or order only)");
    return;
  }
  lines.push(`  - ${d.stateCount.before} → ${d.stateCount.after} states`);
  for (const c of d.top) lines.push(`  - ${leafText(c)}`);
  if (added.length > 0) {
    lines.push(`  - states added: ${added.map((s) => `${code(s.name)}${s.type ? ` (${s.type})` : ""}`).join(", ")}`);
  }
  if (removed.length > 0) {
    lines.push(
      `  - states removed: ${removed.map((s) => `${code(s.name)}${s.type ? ` (${s.type})` : ""}`).join(", ")}`,
    );
  }
  if (changed.length > 0) {
    lines.push("  - states changed:");
    for (const s of changed) {
      lines.push(`    - ${code(s.name)}: ${s.fields.map((f) => code(f.field)).join(", ")}`);
      const leaves = s.fields.flatMap((f) => f.changes.map((c) => ({ f: f.field, c })));
      for (const { f, c } of leaves.slice(0, 12)) {
        lines.push(
          `      - ${leafText({ ...c, path: c.path === "(whole resource)" ? f : `${f}${c.path.startsWith("[") ? "" : "."}${c.path}` })}`,
        );
      }
      if (leaves.length > 12) lines.push(`      - … and ${leaves.length - 12} more`);
    }
  }
}

interface RenderedResource {
  kind: ChangeKind;
  address: string;
  markdown: string[];
  full: string[];
}

function renderResource(rc: ResourceChange): RenderedResource {
  const kind = changeKind(rc.change.actions);
  const lines: string[] = [];
  const reason = rc.action_reason ? (REASONS[rc.action_reason] ?? rc.action_reason) : undefined;
  const flagged = kind === "replace" || kind === "delete";
  const head = `${flagged ? "⚠️ " : ""}${ICON[kind]} **${VERB[kind]}** ${code(rc.address)}`;
  lines.push(`#### ${head}`);
  const changes = kind === "delete" ? [] : diffAttributes(rc.change);
  const forcing = changes.filter((c) => c.forcesReplacement).map((c) => code(formatPath(c.path)));
  if (kind === "replace") {
    const why = forcing.length > 0 ? `${forcing.join(", ")} cannot change in place` : reason;
    if (why)
      lines.push(
        "",
        `Replaced because ${why}.${rc.change.actions[0] === "create" ? " The new object is created before the old one is destroyed." : ""}`,
      );
  } else if (reason) {
    lines.push("", `Because ${reason}.`);
  }
  // JSON documents get their own readable diff; the rest go in the table.
  const docs: Array<{ path: Path; kind: DocumentKind; before: unknown; after: unknown; unknown: boolean }> = [];
  const rows: AttributeChange[] = [];
  // A destroyed policy is listed statement by statement: a reviewer sees which permissions go away.
  const examined =
    kind === "delete"
      ? diffAttributes({
          actions: ["delete"],
          before: rc.change.before,
          after: null,
          before_sensitive: rc.change.before_sensitive,
        })
      : changes;
  for (const c of examined) {
    const before = c.before;
    const after = c.unknown ? undefined : c.after;
    const dk = c.sensitive ? undefined : documentKind(rc.type, c.path, before, after);
    if (kind === "delete") {
      if (dk === "policy") docs.push({ path: c.path, kind: dk, before, after: undefined, unknown: false });
    } else if (dk && (dk !== "json" || (parseJsonObject(before) && parseJsonObject(after)))) {
      docs.push({ path: c.path, kind: dk, before, after, unknown: c.unknown });
    } else {
      rows.push(c);
    }
  }
  // Attributes that are only known after apply on a create are noise in the summary; keep them in the full plan.
  const tableRows = kind === "create" ? [] : rows;
  if (tableRows.length > 0) {
    lines.push("", "| attribute | before | after |", "| --- | --- | --- |");
    for (const c of tableRows) {
      const name = `${code(formatPath(c.path))}${c.forcesReplacement ? " ⚠️ forces replacement" : ""}`;
      const before = show(c.before, { sensitive: c.sensitive });
      const after = show(c.after, { unknown: c.unknown, sensitive: c.sensitive });
      lines.push(`| ${name} | ${before} | ${after} |`);
    }
  } else if (kind === "create") {
    const unknowns = rows.filter((r) => r.unknown).length + docs.filter((d) => d.unknown).length;
    const set = rows.length + docs.length - unknowns;
    const known = unknowns > 0 ? `, ${unknowns} known after apply` : "";
    lines.push("", `${set} attribute${set === 1 ? "" : "s"} set${known} (see the full plan).`);
  }
  for (const d of docs) {
    const label = code(formatPath(d.path));
    const force = changes.some((c) => c.forcesReplacement && same(c.path, d.path)) ? " ⚠️ forces replacement" : "";
    if (d.kind === "policy") lines.push("", `Policy ${label}${force}:`);
    else if (d.kind === "state-machine") lines.push("", `State machine ${label}${force}:`);
    else lines.push("", `JSON ${label}${force}:`);
    if (d.unknown) {
      lines.push(`  - the new document is ${UNKNOWN} (it depends on values not yet known)`);
      continue;
    }
    if (d.kind === "policy") renderPolicyDiff(diffPolicies(d.before, d.after), lines);
    else if (d.kind === "state-machine") renderDefinitionDiff(diffDefinitions(d.before, d.after), lines);
    else {
      const leaves = jsonLeafChanges(parseJsonObject(d.before), parseJsonObject(d.after));
      for (const c of leaves.slice(0, 20)) lines.push(`  - ${leafText(c)}`);
      if (leaves.length > 20) lines.push(`  - … and ${leaves.length - 20} more`);
    }
  }
  return { kind, address: rc.address, markdown: lines, full: renderFull(rc, kind, changes) };
}

// ---------------------------------------------------------------------------------------------------------------
// The full plan, as a diff block

function pretty(v: unknown): string[] {
  const doc = parseJsonObject(v);
  if (doc) return JSON.stringify(doc, null, 2).split("\n");
  return [JSON.stringify(v)];
}

/** Line diff (longest common subsequence) of two lists, as unified-diff-like lines with all context kept. */
export function lineDiff(a: string[], b: string[]): string[] {
  // Common head and tail first: a one-state change in a 2,000-line definition leaves a small middle to compare.
  let head = 0;
  while (head < a.length && head < b.length && a[head] === b[head]) head++;
  let tail = 0;
  while (tail < a.length - head && tail < b.length - head && a[a.length - 1 - tail] === b[b.length - 1 - tail]) tail++;
  const middle = lcsDiff(a.slice(head, a.length - tail), b.slice(head, b.length - tail));
  return [...a.slice(0, head).map((l) => `  ${l}`), ...middle, ...a.slice(a.length - tail).map((l) => `  ${l}`)];
}

function lcsDiff(a: string[], b: string[]): string[] {
  const n = a.length;
  const m = b.length;
  if (n * m > 4_000_000) return [...a.map((l) => `- ${l}`), ...b.map((l) => `+ ${l}`)];
  const lcs: Uint32Array[] = Array.from({ length: n + 1 }, () => new Uint32Array(m + 1));
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      lcs[i][j] = a[i] === b[j] ? lcs[i + 1][j + 1] + 1 : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
    }
  }
  const out: string[] = [];
  let i = 0;
  let j = 0;
  while (i < n && j < m) {
    if (a[i] === b[j]) {
      out.push(`  ${a[i]}`);
      i++;
      j++;
    } else if (lcs[i + 1][j] >= lcs[i][j + 1]) out.push(`- ${a[i++]}`);
    else out.push(`+ ${b[j++]}`);
  }
  while (i < n) out.push(`- ${a[i++]}`);
  while (j < m) out.push(`+ ${b[j++]}`);
  return out;
}

/** Keeps changed lines with `context` lines around them; the rest becomes one `…` line per gap. */
function withContext(lines: string[], context = 3): string[] {
  const keep = new Set<number>();
  lines.forEach((l, i) => {
    if (!l.startsWith("  ")) for (let k = i - context; k <= i + context; k++) keep.add(k);
  });
  const out: string[] = [];
  let skipped = false;
  lines.forEach((l, i) => {
    if (keep.has(i)) {
      out.push(l);
      skipped = false;
    } else if (!skipped) {
      out.push("  …");
      skipped = true;
    }
  });
  return out;
}

const FULL_VERB: Record<ChangeKind, string> = {
  create: "will be created",
  update: "will be updated in-place",
  delete: "will be destroyed",
  replace: "must be replaced",
  read: "will be read during apply",
  forget: "will be removed from the state (not destroyed)",
  "no-op": "has no changes",
};

function renderFull(rc: ResourceChange, kind: ChangeKind, changes: AttributeChange[]): string[] {
  const sign =
    kind === "create" ? "+" : kind === "delete" ? "-" : kind === "replace" ? "-/+" : kind === "read" ? "<=" : "~";
  const out = [`# ${rc.address} ${FULL_VERB[kind]}`];
  const block = managed(rc) ? "resource" : "data";
  out.push(`${sign} ${block} "${rc.type}" "${rc.name}" {`);
  if (kind === "delete") {
    const before = diffAttributes({
      actions: ["delete"],
      before: rc.change.before,
      after: null,
      before_sensitive: rc.change.before_sensitive,
    });
    for (const c of before)
      out.push(`-   ${formatPath(c.path)} = ${c.sensitive ? SENSITIVE : JSON.stringify(c.before)}`);
  }
  for (const c of changes) {
    const name = formatPath(c.path);
    const note = c.forcesReplacement ? " # forces replacement" : "";
    const after = c.unknown ? UNKNOWN : c.sensitive ? SENSITIVE : undefined;
    const docBefore = parseJsonObject(c.before);
    const docAfter = c.unknown ? undefined : parseJsonObject(c.after);
    if (!c.sensitive && (docBefore || docAfter) && !(c.unknown && !docBefore)) {
      out.push(`~   ${name} = jsonencode(${note}`);
      const a = docBefore ? pretty(c.before) : [];
      const b = docAfter ? pretty(c.after) : c.unknown ? [UNKNOWN] : [];
      const diff = kind === "create" ? b.map((l) => `+ ${l}`) : withContext(lineDiff(a, b));
      for (const l of diff) out.push(`${l.slice(0, 2)}      ${l.slice(2)}`);
      out.push("    )");
      continue;
    }
    if (kind === "create") {
      out.push(`+   ${name} = ${after ?? JSON.stringify(c.after)}`);
    } else if (c.before === undefined || c.before === null) {
      out.push(`+   ${name} = ${after ?? JSON.stringify(c.after)}${note}`);
    } else if (!c.unknown && (c.after === undefined || c.after === null)) {
      out.push(`-   ${name} = ${c.sensitive ? SENSITIVE : JSON.stringify(c.before)}${note}`);
    } else {
      out.push(`-   ${name} = ${c.sensitive ? SENSITIVE : JSON.stringify(c.before)}${note}`);
      out.push(`+   ${name} = ${after ?? JSON.stringify(c.after)}${note}`);
    }
  }
  out.push("  }", "");
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// One stack's comment

export function marker(stack: string): string {
  return `<!-- plan-review:${stack} -->`;
}

const ORDER: ChangeKind[] = ["delete", "replace", "update", "create", "read", "forget"];

export function renderPlan(plan: TerraformPlan, opts: RenderOptions): string {
  const maxLength = opts.maxLength ?? 60_000;
  const summary = summarize(plan);
  const head: string[] = [marker(opts.stack), `## Plan for \`${opts.stack}\``, ""];
  if (plan.errored) head.push("❌ **The plan errored**; what follows is the partial plan.", "");
  const counts = summary.destroy + summary.replace > 0 ? " ⚠️" : "";
  head.push(`**Plan:** ${summaryLine(summary)}${counts}`, "");

  const changed = (plan.resource_changes ?? []).filter((rc) => {
    const k = changeKind(rc.change.actions);
    return k !== "no-op" && (managed(rc) ? true : k === "read");
  });
  const rendered = changed
    .map(renderResource)
    .sort((x, y) => ORDER.indexOf(x.kind) - ORDER.indexOf(y.kind) || x.address.localeCompare(y.address));
  const flagged = rendered.filter((r) => r.kind === "delete" || r.kind === "replace");
  const rest = rendered.filter((r) => !(r.kind === "delete" || r.kind === "replace"));
  const body: string[] = [];
  if (flagged.length > 0) {
    body.push(`### ⚠️ Destroyed or replaced (${flagged.length})`, "");
    for (const r of flagged) body.push(...r.markdown, "");
  }
  if (rest.length > 0) {
    body.push(`### Changes (${rest.length})`, "");
    for (const r of rest) body.push(...r.markdown, "");
  }
  const outputs = Object.entries(plan.output_changes ?? {}).filter(([, c]) => changeKind(c.actions) !== "no-op");
  if (outputs.length > 0) {
    body.push("### Outputs", "", "| output | change | before | after |", "| --- | --- | --- | --- |");
    for (const [name, c] of outputs) {
      const after = show(c.after, { unknown: c.after_unknown === true, sensitive: c.after_sensitive === true });
      const before = show(c.before, { sensitive: c.before_sensitive === true });
      body.push(`| ${code(name)} | ${VERB[changeKind(c.actions)]} | ${before} | ${after} |`);
    }
    body.push("");
  }
  const drift = (plan.resource_drift ?? []).filter((rc) => changeKind(rc.change.actions) !== "no-op");
  if (drift.length > 0) {
    body.push(
      `<details><summary>Changed outside Terraform (${drift.length})</summary>`,
      "",
      ...drift.map((rc) => `- ${code(rc.address)}: ${VERB[changeKind(rc.change.actions)]}`),
      "",
      "</details>",
      "",
    );
  }
  const full = rendered.flatMap((r) => r.full);
  const foot: string[] = [];
  if (full.length > 0) {
    const open = `<details><summary>Full plan (${rendered.length} resource${rendered.length === 1 ? "" : "s"})</summary>`;
    const fenceLength = Math.max(3, ...full.map((l) => (l.match(/`{3,}/) ?? [""])[0].length + 1));
    const fence = "`".repeat(fenceLength);
    const budget = maxLength - [...head, ...body].join("\n").length - open.length - 200;
    let text = full.join("\n").trimEnd();
    if (text.length > budget) {
      const cut = Math.max(0, budget);
      text = `${text.slice(0, text.lastIndexOf("\n", cut))}\n… (cut to fit one comment: ${text.length - cut} more characters; run terraform show on the plan for all of it)`;
    }
    foot.push(open, "", `${fence}diff`, text, fence, "", "</details>");
  }
  return `${[...head, ...body, ...foot].join("\n").trimEnd()}\n`;
}

/** The stack a plan file belongs to: `worker-fleet.json` or `…/worker-fleet/plan.json` → `worker-fleet`. */
export function stackNameFor(file: string): string {
  const parts = file.split(/[\\/]/).filter(Boolean);
  const base = (parts[parts.length - 1] ?? file).replace(/\.json$/, "").replace(/\.(tf)?plan$/, "");
  if (/^(tf)?plan$/.test(base) && parts.length > 1) return parts[parts.length - 2];
  return base;
}
