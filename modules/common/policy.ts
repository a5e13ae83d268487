// IAM policies are rendered one way: a plain object (Terraform references inside as cdktf tokens) handed to
// Terraform's jsonencode. Terraform builds the JSON at plan, so `terraform plan` shows each policy as the structure it
// is (not one escaped string), and a reference needs no escaping. Tests and scripts/iam-report.ts read the rendered
// attribute back into the same plain object with one reader (test/support/policy.ts).
import { Fn } from "cdktf";

/** One statement of an identity or resource policy, with exact actions on exact resources. */
export interface PolicyStatement {
  readonly Sid?: string;
  readonly Effect: "Allow" | "Deny";
  /** Who the statement is about (resource and trust policies only). */
  readonly Principal?: "*" | Record<string, string | string[]>;
  readonly Action: string | string[];
  readonly Resource: string | string[];
  readonly Condition?: Record<string, Record<string, string | string[] | boolean>>;
}

/** A Deny on everything but the resources named (IAM's NotResource). */
export interface DenyExceptStatement {
  readonly Sid: string;
  readonly Effect: "Deny";
  readonly Action: string | string[];
  readonly NotResource: string[];
}

/** A trust-policy statement: `Principal` may assume the role (no Resource). */
export interface TrustStatement {
  readonly Sid?: string;
  readonly Effect: "Allow";
  readonly Principal: Record<string, string | string[]>;
  readonly Action: "sts:AssumeRole";
  readonly Condition?: PolicyStatement["Condition"];
}

export type AnyStatement = PolicyStatement | DenyExceptStatement | TrustStatement;

/** The policy document of `statements`, rendered for a Terraform policy attribute (`${jsonencode({...})}`). */
export function renderPolicy(statements: readonly AnyStatement[]): string {
  return Fn.jsonencode({ Version: "2012-10-17", Statement: statements });
}

/** The trust policy that lets an AWS service assume a role, optionally only on behalf of `sourceAccount`. */
export function serviceTrustPolicy(service: string, sourceAccount?: string): string {
  return renderPolicy([
    {
      Effect: "Allow",
      Principal: { Service: service },
      Action: "sts:AssumeRole",
      ...(sourceAccount === undefined ? {} : { Condition: { StringEquals: { "aws:SourceAccount": sourceAccount } } }),
    },
  ]);
}
