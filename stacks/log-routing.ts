// The log-routing stack: router stream, and (in later modules) its subscriptions and consumers.
import { TerraformOutput } from "cdktf";
import type { Construct } from "constructs";
import type { ResolvedAppConfig } from "../config/app-config";
import { AppStack } from "../modules/common/stack-base";
import { Stream } from "../modules/stream";

export class LogRoutingStack extends AppStack {
  readonly router: Stream;

  constructor(scope: Construct, id: string, config: ResolvedAppConfig) {
    super(scope, id, config);
    const { router } = config.logRouting;
    this.router = AppStack.underField(
      "logRouting.router",
      () =>
        new Stream(this, "router", {
          name: `${config.name}-${router.nameSuffix}`,
          mode: router.mode,
          shardCount: router.shardCount,
          retentionHours: router.retentionHours,
        }),
    );
    new TerraformOutput(this, "router_stream_arn", { value: this.router.outputs.streamArn });
    new TerraformOutput(this, "router_stream_name", { value: this.router.outputs.streamName });
  }
}
