// The signed SNS Publish drain-notify uses: the Query-protocol body, SigV4 for "sns", and SNS's error code kept.
import { createSnsPublisher, publishBody, SnsPublishError } from "../../../../handlers/drain-notify/sns-publish";
import type { Transport } from "../../../../handlers/shared/aws/signed-request";

const TOPIC = "arn:aws:sns:eu-west-1:123456789012:demo-drain-alarms";
const credentials = async () => ({ accessKeyId: "AKIDEXAMPLE", secretAccessKey: "secret", sessionToken: "token" });

function capture(status: number, text: string) {
  const sent: Parameters<Transport>[] = [];
  const transport: Transport = async (request, context) => {
    sent.push([request, context]);
    return { status, text };
  };
  return { sent, transport };
}

describe("SNS Publish", () => {
  it("posts a form-encoded Publish, signed for sns in the region, and returns the MessageId", async () => {
    // Prepare
    const { sent, transport } = capture(
      200,
      "<PublishResponse><PublishResult><MessageId>94f20ce6-13c5-43a0-9a9e-ca52d816e90b</MessageId></PublishResult></PublishResponse>",
    );
    const publish = createSnsPublisher({ region: "eu-west-1", credentials, transport, endpoint: "https://sns.test" });
    // Act
    const id = await publish(TOPIC, "Drain needs attention: i-0abc TimedOut", "line 1\nline 2 & more");
    // Assess
    expect(id).toBe("94f20ce6-13c5-43a0-9a9e-ca52d816e90b");
    const [request, context] = sent[0]!;
    expect(context.url.toString()).toBe("https://sns.test/");
    expect(request.method).toBe("POST");
    expect(request.headers.authorization).toMatch(/Credential=AKIDEXAMPLE\/\d{8}\/eu-west-1\/sns\/aws4_request/);
    expect(request.headers["x-amz-security-token"]).toBe("token");
    const body = new URLSearchParams(Buffer.from(request.body as Uint8Array).toString("utf8"));
    expect(Object.fromEntries(body)).toEqual({
      Action: "Publish",
      Version: "2010-03-31",
      TopicArn: TOPIC,
      Subject: "Drain needs attention: i-0abc TimedOut",
      Message: "line 1\nline 2 & more",
    });
    expect(publishBody(TOPIC, "s", "m")).toBe(
      body.toString().replace(/Subject=[^&]*&Message=.*/, "Subject=s&Message=m"),
    );
  });

  it("throws with SNS's error code and message", async () => {
    // Prepare
    const { transport } = capture(
      400,
      "<ErrorResponse><Error><Type>Sender</Type><Code>KMSAccessDenied</Code><Message>User is not authorized</Message></Error></ErrorResponse>",
    );
    const publish = createSnsPublisher({ region: "eu-west-1", credentials, transport, endpoint: "https://sns.test" });
    // Act
    const result = publish(TOPIC, "s", "m");
    // Assess
    await expect(result).rejects.toThrow(SnsPublishError);
    await expect(publish(TOPIC, "s", "m")).rejects.toThrow(
      `SNS Publish to ${TOPIC} failed: KMSAccessDenied (User is not authorized)`,
    );
  });
});
