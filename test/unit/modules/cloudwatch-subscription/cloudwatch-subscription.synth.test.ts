// CloudwatchSubscription as a construct (cdktf Testing, a bare stack): one filter per log group into the stream, a role
// trusted only by CloudWatch Logs for exactly those groups, allowed only PutRecord on exactly that stream; and its
// one rule that a log group is listed once, which configuration composes.
import { CloudwatchSubscription, type CloudwatchSubscriptionProps } from "../../../../modules/cloudwatch-subscription";
import { onlyResource, propsErrorOf, resources, synthConstruct } from "../../../support/construct";
import { policyOf } from "../../../support/policy";

const STREAM = "arn:aws:kinesis:eu-west-1:123456789012:stream/router";

const props = (over: Partial<CloudwatchSubscriptionProps> = {}): CloudwatchSubscriptionProps => ({
  name: "demo-subscription",
  region: "eu-west-1",
  logGroupNames: ["/demo/app", "/demo/audit"],
  destinationStreamArn: STREAM,
  ...over,
});

describe("CloudwatchSubscription", () => {
  it("subscribes each log group into the stream through the role, with the default pattern and distribution", () => {
    // Prepare
    const given = props();
    // Act
    const { synthesized } = synthConstruct((scope) => new CloudwatchSubscription(scope, "subscription", given));
    // Assess
    const filters = resources(synthesized, "aws_cloudwatch_log_subscription_filter");
    expect(filters.map((f) => f.log_group_name)).toEqual(["/demo/app", "/demo/audit"]);
    for (const f of filters) {
      expect(f).toMatchObject({
        name: "demo-subscription",
        destination_arn: STREAM,
        role_arn: expect.stringMatching(/^\$\{aws_iam_role\.subscription_role_[0-9A-F]+\.arn\}$/),
        filter_pattern: "",
        distribution: "ByLogStream",
        depends_on: [expect.stringMatching(/^aws_iam_role_policy\.subscription_policy_/)],
      });
    }
  });

  it("lets only CloudWatch Logs of its region assume the role, for exactly its log groups", () => {
    // Act
    const { synthesized } = synthConstruct((scope) => new CloudwatchSubscription(scope, "subscription", props()));
    // Assess
    const role = onlyResource(synthesized, "aws_iam_role");
    expect(role.name).toBe("demo-subscription");
    const [trust] = policyOf(role, "assume_role_policy").Statement;
    expect(trust).toMatchObject({
      Effect: "Allow",
      Principal: { Service: "logs.eu-west-1.amazonaws.com" },
      Action: "sts:AssumeRole",
    });
    const sources = (trust!.Condition as { StringLike: { "aws:SourceArn": string[] } }).StringLike["aws:SourceArn"];
    expect(sources).toHaveLength(4);
    expect(sources.map((arn) => arn.replace(/^.*:log-group:/, ""))).toEqual([
      "/demo/app",
      "/demo/app:*",
      "/demo/audit",
      "/demo/audit:*",
    ]);
    for (const arn of sources) expect(arn).toMatch(/:logs:eu-west-1:/);
  });

  it("allows PutRecord on exactly the stream, and GenerateDataKey on its key only when it has one", () => {
    // Prepare
    const key = "arn:aws:kms:eu-west-1:123456789012:key/0f5e2a4c-1b3d-4e5f-8a9b-0c1d2e3f4a5b";
    // Act
    const plain = synthConstruct((scope) => new CloudwatchSubscription(scope, "subscription", props())).synthesized;
    const withKey = synthConstruct(
      (scope) => new CloudwatchSubscription(scope, "subscription", props({ destinationStreamKmsKeyArn: key })),
    ).synthesized;
    // Assess
    expect(policyOf(onlyResource(plain, "aws_iam_role_policy")).Statement).toEqual([
      { Sid: "PutIntoStream", Effect: "Allow", Action: "kinesis:PutRecord", Resource: STREAM },
    ]);
    expect(policyOf(onlyResource(withKey, "aws_iam_role_policy")).Statement).toEqual([
      { Sid: "PutIntoStream", Effect: "Allow", Action: "kinesis:PutRecord", Resource: STREAM },
      { Sid: "EncryptForStream", Effect: "Allow", Action: "kms:GenerateDataKey", Resource: key },
    ]);
  });

  it("names each filter after its log group, so reordering the list keeps every address", () => {
    // Act
    const forward = synthConstruct((scope) => new CloudwatchSubscription(scope, "subscription", props()));
    const reversed = synthConstruct(
      (scope) =>
        new CloudwatchSubscription(scope, "subscription", props({ logGroupNames: ["/demo/audit", "/demo/app"] })),
    );
    // Assess
    const addresses = (s: typeof forward.synthesized) =>
      Object.keys(s.resource.aws_cloudwatch_log_subscription_filter!).sort();
    expect(addresses(reversed.synthesized)).toEqual(addresses(forward.synthesized));
    expect(Object.keys(forward.built.outputs.filterNames)).toEqual(["/demo/app", "/demo/audit"]);
  });

  it("rejects a log group listed twice, once, at its second place", () => {
    // Prepare
    const given = props({ logGroupNames: ["/demo/app", "/demo/audit", "/demo/app"] });
    // Act
    const error = propsErrorOf((scope) => new CloudwatchSubscription(scope, "subscription", given));
    // Assess
    expect(error.issues).toEqual([{ field: "logGroupNames[2]", message: '"/demo/app" is listed twice' }]);
  });
});
