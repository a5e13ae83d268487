// The one reader of synthesized IAM policies, shared by every test and scripts/iam-report.ts. Our constructs render
// policies one way (modules/common/policy.ts): `${jsonencode({...})}`, whose argument cdktf writes in HCL object
// syntax (`{"Key" = value, ...}`), a whole-value reference bare (`aws_sqs_queue.dlq.arn`) and a reference inside text
// as `"arn:${data.aws_partition.p.partition}:..."`. This parses that expression back into the plain object the
// construct rendered, every reference as a `${...}` string, so a test reads a policy as data. Plain JSON text is read
// as JSON. Anything else (a function call, an operator) is an error, never a guess.

/** A policy value as read: references are `${address.attr}` strings. */
export type PolicyValue = string | number | boolean | null | PolicyValue[] | { [key: string]: PolicyValue };

const JSONENCODE = /^\$\{jsonencode\(([\s\S]*)\)\}$/;
const REFERENCE = /^(?:data\.)?[a-z][a-z0-9_]*\.[\w-]+(?:\.[\w-]+|\[\d+\])+/;

/** Reads a synthesized policy attribute (or any `jsonencode` attribute) back into the object it encodes. */
export function readPolicyValue(raw: string): PolicyValue {
  const inner = JSONENCODE.exec(raw);
  if (!inner) return JSON.parse(raw) as PolicyValue;
  const parser = new HclExpression(inner[1]!);
  const value = parser.value();
  parser.end();
  return value;
}

export type Statement = {
  Sid?: string;
  Effect: "Allow" | "Deny";
  Principal?: unknown;
  Action?: string | string[];
  NotAction?: string | string[];
  Resource?: string | string[];
  NotResource?: string | string[];
  Condition?: Record<string, Record<string, unknown>>;
};
export type Policy = { Version?: string; Statement: Statement[] };

/** A synthesized policy attribute as the policy document it renders, references as `${...}` strings. */
export function readPolicy(raw: string): Policy {
  const value = readPolicyValue(raw);
  if (typeof value !== "object" || value === null || !Array.isArray((value as { Statement?: unknown }).Statement)) {
    throw new Error(`not a policy document: ${raw.slice(0, 120)}`);
  }
  return value as unknown as Policy;
}

/** The policy attribute `attr` (default `policy`) of a synthesized resource, read as data. */
export function policyOf(resource: Record<string, unknown>, attr = "policy"): Policy {
  const raw = resource[attr];
  if (typeof raw !== "string") throw new Error(`no ${attr} attribute (${typeof raw})`);
  return readPolicy(raw);
}

class HclExpression {
  private at = 0;

  constructor(private readonly text: string) {}

  value(): PolicyValue {
    this.space();
    const c = this.text[this.at];
    if (c === "{") return this.object();
    if (c === "[") return this.list();
    if (c === '"') return this.string();
    const rest = this.text.slice(this.at);
    const literal = /^(true|false|null|-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)(?![\w.])/.exec(rest);
    if (literal) {
      this.at += literal[1]!.length;
      return JSON.parse(literal[1]!) as PolicyValue;
    }
    const reference = REFERENCE.exec(rest);
    if (reference && !/^\s*\(/.test(rest.slice(reference[0].length))) {
      this.at += reference[0].length;
      return `\${${reference[0]}}`;
    }
    return this.fail("a value");
  }

  end(): void {
    this.space();
    if (this.at !== this.text.length) this.fail("the end of the expression");
  }

  private object(): { [key: string]: PolicyValue } {
    const out: { [key: string]: PolicyValue } = {};
    this.at++; // {
    for (;;) {
      this.space();
      if (this.eat("}")) return out;
      if (this.text[this.at] !== '"') this.fail("a quoted key");
      const key = this.string();
      this.space();
      if (!this.eat("=") && !this.eat(":")) this.fail('"=" after a key');
      out[key] = this.value();
      this.space();
      if (this.eat("}")) return out;
      if (!this.eat(",")) this.fail('"," or "}"');
    }
  }

  private list(): PolicyValue[] {
    const out: PolicyValue[] = [];
    this.at++; // [
    for (;;) {
      this.space();
      if (this.eat("]")) return out;
      out.push(this.value());
      this.space();
      if (this.eat("]")) return out;
      if (!this.eat(",")) this.fail('"," or "]"');
    }
  }

  /** A quoted template: text and `${...}` interpolations (kept as written), up to the closing quote. */
  private string(): string {
    let out = "";
    this.at++; // opening quote
    while (this.at < this.text.length) {
      const c = this.text[this.at]!;
      if (c === '"') {
        this.at++;
        return out;
      }
      if (c === "\\") this.fail("no escape sequence (cdktf writes none; a policy value must not need one)");
      if (this.text.startsWith("${", this.at)) {
        const close = this.text.indexOf("}", this.at);
        if (close < 0) this.fail("the end of an interpolation");
        const expr = this.text.slice(this.at + 2, close);
        if (!REFERENCE.test(expr.trim()) || expr.trim().length !== REFERENCE.exec(expr.trim())![0].length) {
          this.fail(`a reference inside \${...}, not ${JSON.stringify(expr)}`);
        }
        out += `\${${expr.trim()}}`;
        this.at = close + 1;
        continue;
      }
      out += c;
      this.at++;
    }
    return this.fail("a closing quote");
  }

  private space(): void {
    while (this.at < this.text.length && /\s/.test(this.text[this.at]!)) this.at++;
  }

  private eat(token: string): boolean {
    if (!this.text.startsWith(token, this.at)) return false;
    this.at += token.length;
    return true;
  }

  private fail(expected: string): never {
    const near = this.text.slice(Math.max(0, this.at - 30), this.at + 30);
    throw new Error(
      `cannot read jsonencode argument: expected ${expected} at ${this.at}, near ${JSON.stringify(near)}`,
    );
  }
}
